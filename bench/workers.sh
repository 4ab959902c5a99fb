#!/usr/bin/env bash
# Several workers on one PostgreSQL: 1, 2 and 4 `bulkhead serve` processes (each `delivery.concurrency: 4`)
# share one campaign of N personalised ~8 KB DKIM-signed messages, delivered to `bulkhead bench sink`, an
# SMTP sink of our own that answers each message after 20 ms (a remote MTA is latency-bound, not
# CPU-bound; smtp-sink's -w takes whole seconds). The sink counts every recipient: a duplicate across
# workers shows there. Then the shared sending limit: 4 workers with `messages_per_second: LIMIT` on the
# upstream, and the busiest second at the sink.
#
# Prints per worker count: messages/s at the sink (first to last arrival), the speed-up over one
# worker (per round and the median), duplicates, peak RSS per worker; then the rate-limit run.
#
# Usage: bench/workers.sh [RECIPIENTS]          (default 10000; the limit run sends 2,000)
#   ROUNDS=3 bench/workers.sh                   # rounds of (1, 2, 4 workers), alternating order (default 3)
#   LIMIT=100 bench/workers.sh                  # the shared limit in messages per second (default 100; 0 skips)
#   DELAY_MS=20 bench/workers.sh                # the sink's answer delay
#   WORKERS="2" DELAY_MS=0 LIMIT=0 ROUNDS=1 bench/workers.sh 1000000   # the million-recipient run, 2 workers
#   BULKHEAD_BIN=/tmp/bulkhead bench/workers.sh # measure that binary (no build)
# Needs: a release build (made here), PostgreSQL (Debian's, started throwaway here), python3, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
recipients="${1:-10000}"
rounds="${ROUNDS:-3}"
limit="${LIMIT:-100}"
delay="${DELAY_MS:-20}"
worker_counts="${WORKERS:-1 2 4}"
limit_recipients=2000
if ! [[ "$recipients" =~ ^[0-9]+$ ]] || [ "$recipients" -lt 100 ] || [ "$recipients" -gt 2000000 ]; then
    echo "RECIPIENTS must be a whole number in 100...2000000" >&2
    exit 2
fi
command -v /usr/bin/time >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
# shellcheck source=bench/common.sh
source bench/common.sh
bench_binary
# shellcheck source=/dev/null
BULKHEAD_PG_FSYNC=on source scripts/test-deps/postgres.sh

work="$(mktemp -d /tmp/bulkhead-workers.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
    if declare -F bulkhead_pg_stop >/dev/null; then bulkhead_pg_stop; fi
}
trap cleanup EXIT

bench_campaign_inputs "$work" "$recipients"

# config PORT MESSAGES_PER_SECOND: one file per run (the sink's port changes).
config() {
    cat > "$work/bulkhead.yaml" <<YAML
data_directory: $work/data
storage:
  backend: postgres
  postgres_url: $BULKHEAD_TEST_POSTGRES_URL
$(bench_shop_yaml)
delivery:
  concurrency: 4
  batch_size: 20
  lease_seconds: 30
upstreams:
  - name: sink
    host: 127.0.0.1
    port: $1
    tls: off
    max_connections: 4
    messages_per_connection: 100000
    messages_per_second: $2
$bench_open_guardrails
logging:
  level: warning
YAML
}

cd "$work"
config 25 0
bench_shop_key data
"$bulkhead" list create news --config bulkhead.yaml >/dev/null
"$bulkhead" subscribers import subscribers.csv --list news --config bulkhead.yaml >/dev/null
"$bulkhead" list create few --config bulkhead.yaml >/dev/null
head -n $((limit_recipients + 1)) subscribers.csv > few.csv
"$bulkhead" subscribers import few.csv --list few --config bulkhead.yaml >/dev/null

# run WORKERS LIST COUNT LIMIT: one campaign to LIST delivered by WORKERS serve processes; appends
# "workers msgs/s duplicates messages max_rss_kb busiest_second" to results.txt.
run() {
    local workers="$1" list="$2" count="$3" per_second="$4"
    # The sink's deadline: generous (a million recipients take a while to preflight and to send).
    "$bulkhead" bench sink --port 0 --delay-ms "$delay" --messages "$count" --timeout $((900 + count / 100)) > sink.out &
    local sink_pid=$!
    pids+=("$sink_pid")
    local port=""
    for _ in $(seq 1 100); do
        port="$(awk '/^READY/ {print $2}' sink.out)"
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "the sink did not start" >&2; exit 1; }
    config "$port" "$per_second"
    local id
    id="$("$bulkhead" campaign create --config bulkhead.yaml --name "w$workers" --list "$list" --subject "Spring offer for {{first_name}}" \
            --text body.txt --html body.html --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
    local worker_pids=()
    for w in $(seq 1 "$workers"); do
        /usr/bin/time -f "%M" -o "rss.$w" "$bulkhead" serve --config bulkhead.yaml > "serve.$w.log" 2>&1 &
        worker_pids+=($!)
        pids+=($!)
    done
    local scheduled_at
    scheduled_at=$(date +%s)
    "$bulkhead" campaign schedule "$id" --config bulkhead.yaml --confirm "$count" \
        --at "$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)" > /dev/null
    echo "== scheduled in $(( $(date +%s) - scheduled_at )) s (preflight and enqueue of $count)" >&2
    wait "$sink_pid"
    # /usr/bin/time ignores SIGINT while its child runs: stop the serve processes themselves.
    for pid in "${worker_pids[@]}"; do pkill -INT -P "$pid" 2>/dev/null || true; done
    for pid in "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    local rss=0
    for w in $(seq 1 "$workers"); do
        local r
        r="$(tail -1 "rss.$w")"
        [[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -gt "$rss" ] && rss="$r"
    done
    python3 - "$workers" "$rss" sink.out >> results.txt <<'PY'
import json, sys
workers, rss, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
summary = json.loads(text[text.index("{"):])
print(workers, round(summary["messagesPerSecond"], 1), summary["duplicates"], summary["messages"], rss, summary["busiestSecond"], summary["busiestSecondOfArrivals"])
PY
}

: > results.txt
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order="$worker_counts"; else order="$(echo "$worker_counts" | tr ' ' '\n' | tac | tr '\n' ' ')"; fi
    for workers in $order; do
        echo "== round $round/$rounds: $workers worker(s), $recipients recipients" >&2
        run "$workers" news "$recipients" 0
    done
done
if [ "$limit" -gt 0 ]; then
    echo "== the shared limit: 4 workers, messages_per_second: $limit, $limit_recipients recipients" >&2
    mv results.txt scaling.txt
    run 4 few "$limit_recipients" "$limit"
    mv results.txt limited.txt
    mv scaling.txt results.txt
fi

python3 - "$recipients" "$delay" "$limit" results.txt <<'PY'
import os, statistics, sys
n, delay, limit = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rows = [line.split() for line in open(sys.argv[4])]
by = {}
for workers, rate, dups, messages, rss, _, _ in rows:
    by.setdefault(int(workers), []).append((float(rate), int(dups), int(messages), int(rss)))
print(f"recipients            {n} per run (PostgreSQL ledger, fsync on; concurrency 4 per worker; sink answers after {delay} ms)")
print("workers   msg/s per round                 median   speed-up   duplicates   delivered   peak RSS/worker")
base = statistics.median(r[0] for r in by[min(by)])
for workers in sorted(by):
    runs = by[workers]
    rates = [r[0] for r in runs]
    med = statistics.median(rates)
    print(f"{workers:7}   {' '.join(f'{r:8.1f}' for r in rates):30}   {med:6.1f}   {med / base:7.2f}x   {sum(r[1] for r in runs):10}   {min(r[2] for r in runs):9}   {max(r[3] for r in runs) / 1024:6.0f} MB")
ups = {w: [r[0] / b for r, b in zip(by[w], [x[0] for x in by[min(by)]])] for w in by}
print("speed-up per round    " + "; ".join(f"{w} workers: " + ", ".join(f"{u:.2f}" for u in ups[w]) for w in sorted(by) if w > min(by)))
print("targets               2 workers >= 1.7x, 4 workers >= 3x one worker; 0 duplicates")
if limit > 0 and os.path.exists("limited.txt"):
    workers, rate, dups, messages, rss, busiest, busiest_arrivals = open("limited.txt").read().split()
    print(f"shared limit          {limit} msg/s on the upstream, 4 workers: at most {busiest} messages started (MAIL) in any one second "
          f"at the sink (target <= {limit}); {busiest_arrivals} answered in the busiest second; {rate} msg/s first to last "
          f"arrival, {messages} delivered, {dups} duplicates")
PY
