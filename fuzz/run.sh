#!/usr/bin/env bash
# Builds and runs Bulkhead's libFuzzer targets. Not part of scripts/test.sh.
#
#   fuzz/run.sh TARGET [SECONDS]    build TARGET, fuzz it for SECONDS (default 600)
#   fuzz/run.sh all [SECONDS]       every target in turn, SECONDS each
#   fuzz/run.sh build [TARGET]      only build (all targets when none is named)
#   fuzz/run.sh repro TARGET FILE   run one input (a crash) through TARGET
#
# TARGET is one of: address mime report smtp-reply smtp-server csv.
# Everything runs under `nice -n 19`, one fuzzer process at a time (the machine is shared). New
# inputs go to fuzz/.work/corpus/TARGET (not committed), the committed seeds in fuzz/corpus/TARGET
# are read only; crashes, timeouts and OOMs are written to fuzz/.work/artifacts/TARGET/, the log to
# fuzz/.work/logs/TARGET.log. Extra libFuzzer flags can be passed in FUZZ_FLAGS.
set -euo pipefail
# a crash is reported by libFuzzer and ASan; the Swift runtime's backtracer would trip ASan itself
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
cd "$(dirname "$0")"

SANITIZERS="${FUZZ_SANITIZERS:-fuzzer,address}"
RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"
TARGETS=(address mime report smtp-reply smtp-server csv)

product() {
    case "$1" in
        address) echo FuzzAddress ;;
        mime) echo FuzzMIME ;;
        report) echo FuzzReport ;;
        smtp-reply) echo FuzzSMTPReply ;;
        smtp-server) echo FuzzSMTPServer ;;
        csv) echo FuzzCSV ;;
        *) echo "unknown target '$1' (one of: ${TARGETS[*]})" >&2; exit 64 ;;
    esac
}

# The longest input per target: a little over what the format needs to reach every limit checked.
max_len() {
    case "$1" in
        address) echo 4096 ;;
        mime) echo 32768 ;;
        report) echo 16384 ;;
        smtp-reply) echo 8192 ;;
        smtp-server) echo 8192 ;;
        csv) echo 4096 ;;
    esac
}

build() {
    local args=()
    if [ $# -gt 0 ]; then args=(--product "$(product "$1")"); fi
    nice -n 19 swift build -c release "${args[@]}" \
        -Xswiftc "-sanitize=$SANITIZERS"
}

binary() { echo ".build/release/$(product "$1")"; }

run() {
    local target="$1" seconds="${2:-600}"
    [ -n "${FUZZ_NO_BUILD:-}" ] || build "$target"
    mkdir -p ".work/corpus/$target" ".work/artifacts/$target" .work/logs
    local dict=()
    if [ -f "dict/$target.dict" ]; then dict=("-dict=dict/$target.dict"); fi
    echo "== $target: ${seconds}s, $(date -u +%Y-%m-%dT%H:%M:%SZ)" | tee ".work/logs/$target.log"
    # shellcheck disable=SC2086
    nice -n 19 "$(binary "$target")" \
        -max_total_time="$seconds" -rss_limit_mb="$RSS_LIMIT_MB" -max_len="$(max_len "$target")" \
        -timeout="${FUZZ_TIMEOUT:-60}" -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix=".work/artifacts/$target/" ${FUZZ_FLAGS:-} \
        ".work/corpus/$target" "corpus/$target" 2>&1 | tee -a ".work/logs/$target.log"
}

case "${1:-}" in
    all)
        failed=()
        for target in "${TARGETS[@]}"; do run "$target" "${2:-600}" || failed+=("$target"); done
        if [ ${#failed[@]} -gt 0 ]; then echo "found something: ${failed[*]} (see .work/artifacts/)" >&2; exit 1; fi ;;
    build)
        if [ $# -gt 1 ]; then build "$2"; else build; fi ;;
    repro)
        [ $# -eq 3 ] || { echo "usage: $0 repro TARGET FILE" >&2; exit 64; }
        build "$2"
        nice -n 19 "$(binary "$2")" -rss_limit_mb="$RSS_LIMIT_MB" "$3" ;;
    "" | -h | --help)
        sed -n '2,14p' "$0"; exit 0 ;;
    *)
        run "$1" "${2:-600}" ;;
esac
