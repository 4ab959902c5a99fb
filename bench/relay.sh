#!/usr/bin/env bash
# Relay benchmark: 10 KB messages from Postfix's smtp-source (20 sessions) through Bulkhead's guard
# relay (`bulkhead serve` with a `relay:` section, the per-sender breaker off) to smtp-sink, against
# the same through a real Postfix relaying to the same sink (Postfix also files each message durably
# before its 250), and against smtp-sink directly, in one run, everything on loopback.
#
#   throughput  smtp-source -s 20 -m N -l 10240 to each leg; a leg's time ends when the sink has counted
#               all N messages (the relays answer 250 before they deliver). ROUNDS rounds, the order of the
#               legs alternating; messages/s per leg and the ratio Bulkhead/Postfix, per round and median.
#   latency     `bulkhead bench relay-latency`: M messages of 10 KB at a steady rate over 20 sessions, each
#               timed from the start of its SMTP transaction to its arrival at the probe's own sink
#               (HdrHistogram); directly, through Postfix and through Bulkhead (both re-pointed at the
#               probe's sink). Added latency = relay p50/p99 minus the direct p50/p99.
#   load        smtp-source -s 100 -m LOAD through the Bulkhead relay: how many arrived, smtp-source's
#               errors (a drop without a 4xx shows as "lost connection"), RSS before and after.
#   memory      bulkhead serve's peak RSS (VmHWM).
#
# Usage: bench/relay.sh [MESSAGES]      (default 5000 per throughput leg)
#   ROUNDS=5 bench/relay.sh             # throughput rounds (default 3)
#   LATENCY_MESSAGES=2000 LATENCY_RATE=100 bench/relay.sh   # the latency probe (defaults 2000, 100/s)
#   LOAD_MESSAGES=2000 bench/relay.sh   # the load check (default 2000; 0 skips it)
#   BULKHEAD_SCRATCH=.build-release bench/relay.sh          # build in another folder
#   BULKHEAD_BENCH_DEBUG=1 bench/relay.sh                   # the debug build (.build/debug): checks the
#                                                           # script; its Bulkhead figures mean nothing
# Needs: smtp-sink/smtp-source/postfix (Debian's postfix, installed here if missing), python3, root (Postfix).
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${1:-5000}"
rounds="${ROUNDS:-3}"
latency_messages="${LATENCY_MESSAGES:-2000}"
latency_rate="${LATENCY_RATE:-100}"
load_messages="${LOAD_MESSAGES:-2000}"
sessions=20
size=10240
for value in "$messages" "$rounds" "$latency_messages" "$load_messages"; do
    if ! [[ "$value" =~ ^[0-9]+$ ]] || [ "$value" -gt 1000000 ]; then echo "counts must be whole numbers up to 1000000" >&2; exit 2; fi
done
if [ "$messages" -lt 1 ] || [ "$rounds" -lt 1 ] || [ "$latency_messages" -lt 1 ]; then
    echo "MESSAGES, ROUNDS and LATENCY_MESSAGES must be at least 1" >&2
    exit 2
fi
# A leg gets this long for its messages to arrive (the bounded part of every wait).
leg_timeout="${LEG_TIMEOUT:-300}"

# shellcheck source=bench/common.sh
source bench/common.sh
bench_install_postfix
if [ "${BULKHEAD_BENCH_DEBUG:-0}" = 1 ]; then
    swift build --product bulkhead >&2
    bulkhead="$PWD/.build/debug/bulkhead"
    build_kind=debug
else
    # BULKHEAD_SCRATCH names another build folder (e.g. .build-release) to keep a debug .build apart.
    scratch="${BULKHEAD_SCRATCH:-.build}"
    swift build -c release --product bulkhead --scratch-path "$scratch" >&2
    bulkhead="$PWD/$scratch/release/bulkhead"
    build_kind=release
fi

work="$(mktemp -d /tmp/bulkhead-relay-bench.XXXXXX)"
chmod 755 "$work"  # Postfix's daemons run as the postfix user below it
sink_pid=""
bulkhead_pid=""
postfix_dir="$work/postfix"
postfix_started=0
cleanup() {
    set +e
    [ -n "$bulkhead_pid" ] && kill "$bulkhead_pid" 2>/dev/null && wait "$bulkhead_pid" 2>/dev/null
    [ "$postfix_started" = 1 ] && /usr/sbin/postfix -c "$postfix_dir" stop >/dev/null 2>&1
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# /proc/PID/status field $2 (VmRSS, VmHWM) of process $1, in MB.
rss_mb() { awk -v field="$2:" '$1 == field { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# The sink: accepts and discards; -c writes running counters ("sess=… quit=… mesg=…", \r-separated) to
# its stdout, which is how a leg knows that all its messages arrived. -u nobody: we may be root.
sink_port="$(free_port)"
smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 > "$work/sink.out" 2> "$work/sink.err" &
sink_pid=$!
bench_wait_for_port "$sink_port" 10 || { echo "smtp-sink did not start: $(cat "$work/sink.err")" >&2; exit 1; }

# One throughput leg: smtp-source to 127.0.0.1:PORT, timed until the sink counted COUNT more messages.
# Prints "rate arrived seconds errors source" (rate 0: not all arrived within LEG_TIMEOUT; errors: smtp-source's
# lines on stderr, kept in $work/source-NAME.err; source: "exited" or "killed" when it had not ended by then).
cat > "$work/leg.py" <<'PY'
import subprocess, sys, time
sink_out, port, count, sessions, size, timeout, errors = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6]), sys.argv[7]

def received():
    with open(sink_out, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 512))
        for record in reversed(f.read().decode("ascii", "replace").split("\r")):
            fields = dict(part.split("=", 1) for part in record.split() if "=" in part)
            if "mesg" in fields:
                return int(fields["mesg"])
    return 0

base = received()
with open(errors, "w") as err:
    start = time.monotonic()
    source = subprocess.Popen(
        ["smtp-source", "-s", sessions, "-m", str(count), "-l", size, "-f", "sender@bench.example", "-t", "sink@bench.example",
         f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=err)
    arrived, end = 0, None
    while time.monotonic() - start < timeout:
        arrived = received() - base
        if arrived >= count:
            end = time.monotonic()
            break
        time.sleep(0.005)
    outcome = "exited"
    try:
        source.wait(timeout=max(1.0, timeout - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        source.kill()
        source.wait()
        outcome = "killed"
elapsed = (end or time.monotonic()) - start
error_lines = sum(1 for _ in open(errors))
print(round(count / elapsed) if end else 0, arrived, f"{elapsed:.2f}", error_lines, outcome)
PY
leg() {
    local name="$1" port="$2" count="$3" concurrency="$4"
    python3 "$work/leg.py" "$work/sink.out" "$port" "$count" "$concurrency" "$size" "$leg_timeout" "$work/source-$name.err"
}

# Postfix: a private instance relaying to the sink (bench/common.sh).
postfix_port="$(free_port)"
postfix_started=1
bench_postfix_start "$postfix_dir" "$postfix_port" "$sink_port" "$sessions"
if ss -ltn 2>/dev/null | awk '{print $4}' | grep -qE '[:.]25$'; then
    echo "something listens on port 25: not going on" >&2
    exit 1
fi

# Bulkhead: `bulkhead serve` with the relay section (breaker off) and the upstream given, in data dir $2.
bulkhead_port="$(free_port)"
bulkhead_ok=1
bulkhead_start() {
    local upstream_port="$1" data="$2"
    cat > "$work/bulkhead.yaml" <<YAML
data_directory: $data
identity:
  from: "Bench <bench@bench.example>"
  unsubscribe_base_url: https://bench.example
  postal_address: "Bench, 1 Loopback Road, Localhost"
relay:
  listen: ["127.0.0.1:$bulkhead_port"]
  allow_networks: ["127.0.0.1/32"]
  breaker: {messages: 0}
delivery:
  concurrency: $sessions
upstreams:
  - name: sink
    host: 127.0.0.1
    port: $upstream_port
    tls: off
    max_connections: $sessions
    messages_per_connection: 100000
logging:
  level: warning
YAML
    "$bulkhead" serve --config "$work/bulkhead.yaml" > "$work/bulkhead.out" 2> "$work/bulkhead.err" &
    bulkhead_pid=$!
    if ! bench_wait_for_port "$bulkhead_port" 30 "$bulkhead_pid"; then
        echo "== the Bulkhead leg is not available: \`bulkhead serve\` with a relay: section did not start a relay listener" >&2
        echo "   (the guard relay is not on this build yet?) bulkhead said:" >&2
        sed 's/^/   | /' "$work/bulkhead.err" | head -5 >&2
        kill "$bulkhead_pid" 2>/dev/null || true
        wait "$bulkhead_pid" 2>/dev/null || true
        bulkhead_pid=""
        bulkhead_ok=0
    fi
}
# Stops serve as Ctrl-C does; killed after 30 s.
bulkhead_stop() {
    [ -n "$bulkhead_pid" ] || return 0
    kill -INT "$bulkhead_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$bulkhead_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$bulkhead_pid" 2>/dev/null || true
    wait "$bulkhead_pid" 2>/dev/null || true
    bulkhead_pid=""
}
bulkhead_start "$sink_port" "$work/data"
rss_start="?"
[ "$bulkhead_ok" = 1 ] && rss_start="$(rss_mb "$bulkhead_pid" VmRSS)"

echo "== $build_kind build; sink 127.0.0.1:$sink_port, Postfix 127.0.0.1:$postfix_port, Bulkhead 127.0.0.1:$bulkhead_port" >&2
: > "$work/rounds.txt"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="direct postfix bulkhead"; else order="bulkhead postfix direct"; fi
    declare -A rate=([direct]=- [postfix]=- [bulkhead]=-)
    for name in $order; do
        case "$name" in
            direct) port="$sink_port" ;;
            postfix) port="$postfix_port" ;;
            bulkhead) [ "$bulkhead_ok" = 1 ] || continue; port="$bulkhead_port" ;;
        esac
        echo "== round $round/$rounds: $name ($messages messages of $size bytes, $sessions sessions)" >&2
        read -r r arrived seconds errors source < <(leg "$name-$round" "$port" "$messages" "$sessions")
        echo "   $r msg/s, $arrived arrived in $seconds s; smtp-source $source, $errors error lines" >&2
        [ "$errors" = 0 ] || sed 's/^/   | /' "$work/source-$name-$round.err" | sort | uniq -c | sort -rn | head -3 >&2
        rate[$name]="${r:--}"
    done
    echo "$round ${rate[direct]} ${rate[postfix]} ${rate[bulkhead]}" >> "$work/rounds.txt"
done

# The bounded load check: 100 sessions at once into the relay.
load_line="skipped"
if [ "$bulkhead_ok" = 1 ] && [ "$load_messages" -gt 0 ]; then
    echo "== load: smtp-source -s 100 -m $load_messages through the Bulkhead relay" >&2
    before="$(rss_mb "$bulkhead_pid" VmRSS)"
    read -r _ arrived seconds errors source < <(leg load "$bulkhead_port" "$load_messages" 100)
    sleep 1
    after="$(rss_mb "$bulkhead_pid" VmRSS)"
    lost="$(grep -c 'lost connection' "$work/source-load.err" || true)"
    refused="$(grep -cE '\b4[0-9][0-9]\b' "$work/source-load.err" || true)"
    load_line="$arrived/$load_messages arrived in $seconds s; smtp-source $source, $errors error lines ($refused with a 4xx, $lost lost connections); RSS $before MB before, $after MB after"
    [ "$errors" = 0 ] || sed 's/^/   | /' "$work/source-load.err" | sort | uniq -c | sort -rn | head -5 >&2
fi
peak_throughput="?"
[ "$bulkhead_ok" = 1 ] && peak_throughput="$(rss_mb "$bulkhead_pid" VmHWM)"

# Latency: the probe runs its own sink on probe_port; Postfix and Bulkhead are re-pointed at it.
probe_port="$(free_port)"
probe() {
    local name="$1"
    shift
    echo "== latency: $name ($latency_messages messages of $size bytes at $latency_rate/s, $sessions sessions)" >&2
    "$bulkhead" bench relay-latency --sink-port "$probe_port" --messages "$latency_messages" --sessions "$sessions" \
        --rate "$latency_rate" --size "$size" --json "$@" > "$work/latency-$name.json" || echo "   (the probe reports refused or lost messages)" >&2
}
probe direct
/usr/sbin/postconf -c "$postfix_dir" -e "relayhost = [127.0.0.1]:$probe_port"
/usr/sbin/postfix -c "$postfix_dir" reload >/dev/null 2>&1
sleep 2
probe postfix --via "127.0.0.1:$postfix_port"
peak_latency="?"
if [ "$bulkhead_ok" = 1 ]; then
    bulkhead_stop
    bulkhead_start "$probe_port" "$work/data-latency"
    if [ "$bulkhead_ok" = 1 ]; then
        probe bulkhead --via "127.0.0.1:$bulkhead_port"
        peak_latency="$(rss_mb "$bulkhead_pid" VmHWM)"
    fi
fi

python3 - "$work" "$messages" "$build_kind" "$bulkhead_ok" "$rss_start" "$peak_throughput" "$peak_latency" "$load_line" <<'PY'
import json, os, statistics, sys
work, n, build, ok, rss_start, peak, peak_latency, load = sys.argv[1:9]
rounds = [line.split() for line in open(f"{work}/rounds.txt")]
num = lambda x: None if x == "-" else int(x)
print(f"relay benchmark ({build} build): {n} messages of 10240 bytes per leg, smtp-source 20 sessions, breaker off, SQLite")
if build == "debug":
    print("  (a debug build: Bulkhead's figures are not meaningful; the reference legs are)")
print("round   direct msg/s   postfix msg/s   bulkhead msg/s   bulkhead/postfix")
ratios = []
for r, direct, postfix, bulkhead in rounds:
    d, p, b = num(direct), num(postfix), num(bulkhead)
    ratio = f"{b / p:.2f}" if b and p else "-"
    if b and p:
        ratios.append(b / p)
    print(f"{r:>5}   {direct:>12}   {postfix:>13}   {bulkhead:>14}   {ratio:>16}")
def med(column):
    values = [num(row[column]) for row in rounds if num(row[column])]
    return f"{statistics.median(values):.0f}" if values else "-"
ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
print(f"median  {med(1):>12}   {med(2):>13}   {med(3):>14}   {ratio:>16}   (target: bulkhead/postfix >= 1.00)")
if ok != "1":
    print("bulkhead              NOT MEASURED: `bulkhead serve` did not start a relay (the relay: section is not on this build)")

def latency(name):
    path = f"{work}/latency-{name}.json"
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    return json.load(open(path))

direct = latency("direct")
print("latency (ms, HdrHistogram; submission start to arrival at the probe's sink)")
print("leg        count   lost      p50      p90      p99      max   added p50   added p99")
for name in ("direct", "postfix", "bulkhead"):
    result = latency(name)
    if result is None:
        print(f"{name:<9}  not measured")
        continue
    added = ("", "") if name == "direct" or direct is None else (
        f"{result['p50Ms'] - direct['p50Ms']:10.2f}", f"{result['p99Ms'] - direct['p99Ms']:10.2f}")
    print(f"{name:<9} {result['arrived']:>6} {result['lost'] + result['refused']:>6} {result['p50Ms']:8.2f} {result['p90Ms']:8.2f} "
          f"{result['p99Ms']:8.2f} {result['maxMs']:8.2f}  {added[0]:>10}  {added[1]:>10}")
if ok == "1":
    print(f"bulkhead RSS          {rss_start} MB at start; peak (VmHWM) {peak} MB over the throughput rounds and the load check"
          + (f", {peak_latency} MB in the latency run" if peak_latency != "?" else ""))
    print(f"load (-s 100)         {load}")
PY
