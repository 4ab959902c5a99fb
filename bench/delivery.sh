#!/usr/bin/env bash
# Delivery benchmark: a campaign of N personalised ~8 KB messages, DKIM ed25519-signed, sent by
# `bulkhead campaign send` to Postfix's smtp-sink on loopback, against the raw ceiling of Postfix's
# smtp-source pushing N messages of the same size to the same sink, in the same run.
# Prints messages/second for both, the ratio (per round and the median), bulkhead's peak RSS (from
# /usr/bin/time), and where the CPU went: bulkhead's user + system time and smtp-sink's (from
# /proc), per message, for each side. The two share this machine's cores, and smtp-sink runs on one.
#
# Usage: bench/delivery.sh [RECIPIENTS] [CONCURRENCY] [BATCH]   (defaults: 100000, 20 and 50)
#   BULKHEAD_SCRATCH=.build-release bench/delivery.sh   # build in another folder
#   BULKHEAD_BIN=/tmp/bulkhead bench/delivery.sh        # measure that binary (no build)
#   BULKHEAD_PERF=1 bench/delivery.sh 20000             # also record the last send with perf (perf.data, report)
#   BULKHEAD_BENCH_STORE=postgres bench/delivery.sh     # the ledger in a throwaway PostgreSQL (fsync on)
#   ROUNDS=5 bench/delivery.sh                          # rounds alternating both sides (default 3, 1 above 200,000)
#   bench/delivery.sh 1000000      # the memory check at a million recipients (takes a while)
#   BULKHEAD_BENCH_CANARY=on bench/delivery.sh          # through the canary (1 %, no hold) and the brakes
#                                                       # (default: the canary off, the brakes on)
#   MAILMERGE_MESSAGES=5000 bench/delivery.sh           # mailmerge's share per round (default 5000, 0 skips it)
# Each round also runs mailmerge (PyPI; installed here), the tool a person would otherwise use: the same
# CSV, the same sink, the same text and HTML (as its multipart template; it does not sign), on the first
# MAILMERGE_MESSAGES rows (it opens one SMTP connection per message, one message at a time).
# Needs: a release build (made here), smtp-sink/smtp-source (Debian's postfix), /usr/bin/time, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
recipients="${1:-100000}"
concurrency="${2:-20}"
batch="${3:-50}"
# Rounds of (bulkhead, smtp-source); one for large runs.
rounds="${ROUNDS:-$([ "$recipients" -le 200000 ] && echo 3 || echo 1)}"

command -v smtp-sink >/dev/null || { echo "installing postfix for smtp-sink/smtp-source…" >&2; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
mailmerge_messages="${MAILMERGE_MESSAGES:-5000}"
[ "$mailmerge_messages" -gt "$recipients" ] && mailmerge_messages="$recipients"
if [ "$mailmerge_messages" -gt 0 ] && ! command -v mailmerge >/dev/null; then
    echo "installing mailmerge (PyPI)…" >&2
    python3 -m pip install --quiet --disable-pip-version-check mailmerge >&2
fi
command -v /usr/bin/time >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
# shellcheck source=bench/common.sh
source bench/common.sh
bench_binary

store="${BULKHEAD_BENCH_STORE:-sqlite}"
storage_yaml=""
if [ "$store" = postgres ]; then
    # shellcheck source=/dev/null
    BULKHEAD_PG_FSYNC=on source scripts/test-deps/postgres.sh
    storage_yaml="storage:
  backend: postgres
  postgres_url: $BULKHEAD_TEST_POSTGRES_URL"
elif [ "$store" != sqlite ]; then
    echo "BULKHEAD_BENCH_STORE must be sqlite or postgres" >&2
    exit 2
fi

# The campaign passes the whole preflight (the send types --confirm N) and starts at once: no undo window
# and no approval (users do not exist here); the canary's hold is 0 s when it is on, so the run measures
# delivery, not waiting.
if [ "${BULKHEAD_BENCH_CANARY:-off}" = on ]; then
    guardrails_yaml="guardrails: {undo_seconds: 0, approval_recipients: 100000000, canary: {hold_seconds: 0}}"
else
    guardrails_yaml="$bench_open_guardrails"
fi

work="$(mktemp -d /tmp/bulkhead-bench.XXXXXX)"
sink_pid=""
cleanup() {
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
    rm -rf "$work"
    if declare -F bulkhead_pg_stop >/dev/null; then bulkhead_pg_stop; fi
}
trap cleanup EXIT
# smtp-sink's CPU so far (user + system, in milliseconds).
sink_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$sink_pid/stat"; }
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
# smtp-sink: accept and discard; -u nobody because we may be root; backlog 1000.
smtp-sink -u nobody -c "127.0.0.1:$port" 1000 >/dev/null 2>&1 &
sink_pid=$!
sleep 0.5

echo "== preparing $recipients recipients in $work" >&2
bench_campaign_inputs "$work" "$recipients"
# mailmerge's template: the same text and HTML as multipart/alternative (its documented form), its own
# {{name}} and {{city}} columns.
{
    printf 'TO: {{email}}\nSUBJECT: Spring offer for {{name}}\nFROM: Example Shop <news@shop.example>\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="bench-boundary"\n\n'
    printf -- '--bench-boundary\nContent-Type: text/plain; charset=us-ascii\n\n'
    sed -e 's/{{attributes.city}}/{{city}}/' -e 's/{{unsubscribe_url}}/https:\/\/shop.example\/u\/none/' "$work/body.txt"
    printf -- '\n--bench-boundary\nContent-Type: text/html; charset=us-ascii\n\n'
    sed -e 's/{{unsubscribe_url}}/https:\/\/shop.example\/u\/none/' "$work/body.html"
    printf -- '\n--bench-boundary--\n'
} > "$work/mailmerge_template.txt"
printf '[smtp_server]\nhost = 127.0.0.1\nport = %s\nsecurity = Never\nratelimit = 0\n' "$port" > "$work/mailmerge_server.conf"
cat > "$work/bulkhead.yaml" <<YAML
data_directory: $work/data
$storage_yaml
$(bench_shop_yaml)
delivery:
  concurrency: $concurrency
  batch_size: $batch
upstreams:
  - name: sink
    host: 127.0.0.1
    port: $port
    tls: off
    max_connections: $concurrency
    messages_per_connection: 100000
$guardrails_yaml
logging:
  level: warning
YAML
cd "$work"
bench_shop_key data
"$bulkhead" list create news --config bulkhead.yaml >/dev/null
/usr/bin/time -f "%e s, %M KB max RSS" "$bulkhead" subscribers import subscribers.csv --list news --config bulkhead.yaml > import.txt 2> import-time.txt
echo "== import: $(tail -1 import-time.txt)" >&2
# Rounds alternate the two sides (a new campaign to the same list each time), so that a slow spell of
# the machine hits both; the summary takes the median ratio and shows every round.
: > rounds.txt
for round in $(seq 1 "$rounds"); do
    id="$("$bulkhead" campaign create --config bulkhead.yaml --name "bench $round" --list news --subject "Spring offer for {{first_name}}" \
            --text body.txt --html body.html --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"

    echo "== round $round/$rounds: bulkhead campaign send ($recipients messages, concurrency $concurrency)" >&2
    sink_before="$(sink_cpu)"
    start=$(date +%s.%N)
    perf_prefix=()
    if [ -n "${BULKHEAD_PERF:-}" ]; then perf_prefix=(perf record -F 999 -g -o "$OLDPWD/perf.data" --); fi
    /usr/bin/time -f "%e %M %U %S" -o send-time.txt "${perf_prefix[@]}" "$bulkhead" campaign send "$id" --config bulkhead.yaml --confirm "$recipients" --json > summary.json 2> send.log
    end=$(date +%s.%N)
    sent="$(python3 -c 'import json; print(json.load(open("summary.json"))["progress"]["sent"])')"
    # The delivery phase alone (claims, builds, SMTP, ledger writes), without start-up, enqueue and preflight.
    phase_rate="$(python3 -c 'import json; print(round(json.load(open("summary.json"))["progress"]["rate"]))')"
    sink_during_bulkhead=$(( $(sink_cpu) - sink_before ))
    read -r _ rss_kb user_s system_s < send-time.txt
    bulkhead_cpu_ms="$(python3 -c "print(round(($user_s + $system_s) * 1000))")"
    bulkhead_rate="$(python3 -c "print(round($sent / ($end - $start)))")"

    echo "== round $round/$rounds: smtp-source ceiling ($recipients messages of 8 KB, 20 sessions)" >&2
    sink_before="$(sink_cpu)"
    start=$(date +%s.%N)
    smtp-source -d -s 20 -l 8192 -m "$recipients" -f sender@shop.example -t sink@example.org "127.0.0.1:$port"
    end=$(date +%s.%N)
    ceiling_rate="$(python3 -c "print(round($recipients / ($end - $start)))")"
    sink_during_source=$(( $(sink_cpu) - sink_before ))
    mailmerge_rate=0
    if [ "$mailmerge_messages" -gt 0 ]; then
        echo "== round $round/$rounds: mailmerge ($mailmerge_messages messages, one connection each)" >&2
        start=$(date +%s.%N)
        mailmerge --no-dry-run --limit "$mailmerge_messages" --output-format raw --template mailmerge_template.txt \
            --database subscribers.csv --config mailmerge_server.conf > /dev/null
        end=$(date +%s.%N)
        mailmerge_rate="$(python3 -c "print(round($mailmerge_messages / ($end - $start)))")"
    fi
    echo "$sent $bulkhead_rate $phase_rate $ceiling_rate $rss_kb $mailmerge_rate $bulkhead_cpu_ms $sink_during_bulkhead $sink_during_source" >> rounds.txt
done

python3 - "$recipients" "$store" rounds.txt <<'PY'
import statistics, sys
n, store = int(sys.argv[1]), {"sqlite": "SQLite", "postgres": "PostgreSQL"}[sys.argv[2]]
rounds = [tuple(int(x) for x in line.split()) for line in open(sys.argv[3])]
print(f"recipients            {n}   ({store} ledger, personalised ~8 KB messages, DKIM ed25519, 20 sessions each side)")
print("round   sent      bulkhead msg/s   delivery phase   smtp-source ceiling   ratio   peak RSS   mailmerge msg/s   bulkhead/mailmerge")
for i, (sent, rate, phase, ceiling, rss, merge, *_) in enumerate(rounds, 1):
    versus = f"{rate / merge:10.1f}x" if merge else "         -"
    print(f"{i:5}   {sent:<9} {rate:>14}   {phase:>14}   {ceiling:>19}   {rate / ceiling:5.2f}   {rss / 1024:5.0f} MB   {merge:>15}   {versus}")
ratios = [rate / ceiling for _, rate, _, ceiling, *_ in rounds]
print(f"ratio                 {statistics.median(ratios):.2f} median (min {min(ratios):.2f}, max {max(ratios):.2f}; target >= 0.75 on SQLite, >= 0.60 on PostgreSQL)")
merges = [rate / merge for _, rate, _, _, _, merge, *_ in rounds if merge]
if merges:
    print(f"vs mailmerge          {statistics.median(merges):.1f}x median (min {min(merges):.1f}x, max {max(merges):.1f}x; target >= 15x)")
print("                      bulkhead msg/s is the whole command (start-up, enqueue, preflight, delivery);")
print("                      the delivery phase leaves out everything before the first claim")
print(f"bulkhead peak RSS     {max(r[4] for r in rounds) / 1024:.0f} MB (target <= 150 MB at 1,000,000 recipients)")
# CPU per message: bulkhead's (the whole command) and smtp-sink's, on each side (milliseconds in).
per = lambda values: statistics.median(values)
bulkhead_us = per([cpu * 1000 / sent for sent, _, _, _, _, _, cpu, _, _ in rounds])
sink_bulkhead_us = per([ms * 1000 / sent for sent, _, _, _, _, _, _, ms, _ in rounds])
sink_source_us = per([ms * 1000 / n for *_, ms in rounds])
print(f"CPU per message       bulkhead {bulkhead_us:.0f} us + smtp-sink {sink_bulkhead_us:.0f} us; smtp-sink under smtp-source {sink_source_us:.0f} us")
print(f"                      (smtp-source's ceiling is smtp-sink's one core: {1_000_000 / sink_source_us:,.0f} msg/s at 100 % of it)")
PY
