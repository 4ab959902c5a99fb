#!/usr/bin/env bash
# Latency benchmark: a campaign to a remote-like upstream. Postfix's smtp-sink sits behind
# bench/latency_proxy.py, which adds RTT_MS to every round trip, and the upstream allows fewer
# connections than there are senders (as providers do). What bounds the rate then is round trips per
# message and connection: a client that waits for each reply needs two per message (MAIL/RCPT/DATA,
# then the body), one that writes the next message's commands behind the body (RFC 2920) needs one.
# Prints messages/second, messages per connection per round trip (at most 0.5 without pipelining
# behind the body, at most 1 with it), and, in the same run, Postfix's smtp-source through the same
# proxy with as many sessions (it pipelines nothing: four round trips per message).
#
# Usage: bench/latency.sh [RECIPIENTS] [RTT_MS] [CONNECTIONS] [CONCURRENCY]   (defaults: 2000, 20, 4, 8)
#   BULKHEAD_BIN=/tmp/bulkhead bench/latency.sh    # measure that binary (no build)
#   ROUNDS=3 bench/latency.sh                      # rounds alternating both sides (default 2)
#   UPSTREAM=postfix bench/latency.sh 300 0 1 4    # a private Postfix (smtpd_forbid_unauth_pipelining = yes,
#                                                  # relaying to smtp-sink) as the upstream instead of
#                                                  # smtp-sink; RTT_MS 0: no proxy. Needs root. Postfix
#                                                  # answers a final dot alone and holds the next replies
#                                                  # for the ACK: a client that pipelines behind the body
#                                                  # without acknowledging at once waits 40 ms a message.
set -euo pipefail
cd "$(dirname "$0")/.."
recipients="${1:-2000}"
rtt_ms="${2:-20}"
connections="${3:-4}"
concurrency="${4:-8}"
rounds="${ROUNDS:-2}"
upstream="${UPSTREAM:-smtp-sink}"
[ "$upstream" = smtp-sink ] || [ "$upstream" = postfix ] || { echo "UPSTREAM must be smtp-sink or postfix" >&2; exit 2; }

# shellcheck source=bench/common.sh
source bench/common.sh
bench_install_postfix
bench_binary

work="$(mktemp -d /tmp/bulkhead-latency.XXXXXX)"
chmod 755 "$work"  # a private Postfix's daemons run as the postfix user below it
pids=()
postfix_started=0
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ "$postfix_started" = 1 ] && bench_postfix_stop "$work/postfix"
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
sink_port="$(free_port)"
smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 >/dev/null 2>&1 &
pids+=($!)
target_port="$sink_port"
if [ "$upstream" = postfix ]; then
    target_port="$(free_port)"
    postfix_started=1
    bench_postfix_start "$work/postfix" "$target_port" "$sink_port" "$connections" "smtpd_forbid_unauth_pipelining = yes"
fi
port="$target_port"
if [ "$rtt_ms" != 0 ]; then
    port="$(free_port)"
    python3 bench/latency_proxy.py "$port" "$target_port" "$(python3 -c "print($rtt_ms / 2)")" &
    pids+=($!)
fi
sleep 0.5

echo "== preparing $recipients recipients in $work" >&2
bench_campaign_inputs "$work" "$recipients"
cat > "$work/bulkhead.yaml" <<YAML
data_directory: $work/data
$(bench_shop_yaml)
delivery:
  concurrency: $concurrency
upstreams:
  - name: remote
    host: 127.0.0.1
    port: $port
    tls: off
    max_connections: $connections
    messages_per_connection: 100000
$bench_open_guardrails
logging:
  level: warning
YAML
cd "$work"
bench_shop_key data
"$bulkhead" list create news --config bulkhead.yaml >/dev/null
"$bulkhead" subscribers import subscribers.csv --list news --config bulkhead.yaml >/dev/null
: > rounds.txt
for round in $(seq 1 "$rounds"); do
    id="$("$bulkhead" campaign create --config bulkhead.yaml --name "latency $round" --list news --subject "Spring offer for {{first_name}}" \
            --text body.txt --html body.html --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
    echo "== round $round/$rounds: bulkhead campaign send ($recipients messages, $connections connections, $concurrency senders, +$rtt_ms ms per round trip)" >&2
    start=$(date +%s.%N)
    "$bulkhead" campaign send "$id" --config bulkhead.yaml --confirm "$recipients" --json > summary.json 2> send.log
    end=$(date +%s.%N)
    sent="$(python3 -c 'import json; print(json.load(open("summary.json"))["progress"]["sent"])')"
    phase="$(python3 -c 'import json; print(round(json.load(open("summary.json"))["progress"]["rate"], 1))')"
    whole="$(python3 -c "print(round($sent / ($end - $start), 1))")"
    # smtp-source's share: a tenth of the messages (it is slow here), the same sessions and size.
    source_messages=$(( recipients / 10 > 50 ? recipients / 10 : 50 ))
    echo "== round $round/$rounds: smtp-source ($source_messages messages of 8 KB, $connections sessions)" >&2
    start=$(date +%s.%N)
    smtp-source -d -s "$connections" -l 8192 -m "$source_messages" -f sender@shop.example -t sink@example.org "127.0.0.1:$port"
    end=$(date +%s.%N)
    source_rate="$(python3 -c "print(round($source_messages / ($end - $start), 1))")"
    echo "$sent $whole $phase $source_rate" >> rounds.txt
done
if [ "$upstream" = postfix ]; then
    complaints="$(grep -ciE 'improper command pipelining|synchronization' "$work/postfix/maillog" || true)"
    echo "Postfix's log: $complaints lines about improper pipelining or synchronization" >&2
fi
python3 - "$recipients" "$rtt_ms" "$connections" "$concurrency" rounds.txt "$upstream" <<'PY'
import statistics, sys
n, rtt, connections, senders = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rounds = [tuple(float(x) for x in line.split()) for line in open(sys.argv[5])]
print(f"recipients            {n}   (to {sys.argv[6]}, +{rtt:g} ms per round trip, {connections} connections, {senders} senders; personalised ~8 KB, DKIM ed25519)")
if rtt == 0:
    rtt = float("nan")  # no proxy: the per-round-trip figures mean nothing
print("round   sent    bulkhead msg/s   delivery phase   per connection per round trip   smtp-source msg/s   (its per connection per round trip)")
for i, (sent, whole, phase, source) in enumerate(rounds, 1):
    print(f"{i:5}   {int(sent):<6} {whole:>14}   {phase:>14}   {phase * rtt / 1000 / connections:29.2f}   {source:>17}   {source * rtt / 1000 / connections:10.2f}")
per = [phase * rtt / 1000 / connections for _, _, phase, _ in rounds]
print(f"per connection per round trip   {statistics.median(per):.2f} median of the delivery phase (at most 0.50 when each message waits")
print("                                for its replies; at most 1.00 with the next message behind the body)")
PY
