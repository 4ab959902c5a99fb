#!/usr/bin/env bash
# Hosted-list benchmark: one post to a list of N members (default 100,000), expanded by `bulkhead serve`
# into N individual, DKIM-signed (ed25519) copies through the delivery machinery (ledger rows, claims,
# outcomes) to Postfix's smtp-sink on loopback; in the same run, a campaign to the same N people
# (`bulkhead campaign send`) and Postfix's smtp-source pushing N messages of the same size to the same
# sink: the raw ceiling. Prints messages/second for each and each one's ratio to smtp-source, so the
# list's ratio can be compared with the campaign's.
#
#   list       the time from the post's 250 until the sink has counted all N copies (smtp-sink -c).
#   campaign   the whole `campaign send` command (start-up, enqueue, preflight, delivery), as bench/delivery.sh.
#   memory     serve's peak RSS (VmHWM) while it expanded the post.
#
# Usage: bench/lists.sh [MEMBERS]        (default 100000)
#   ROUNDS=3 bench/lists.sh              # rounds alternating the three legs (default 1)
#   BULKHEAD_SCRATCH=.build-release bench/lists.sh   # build in another folder
#   BULKHEAD_BIN=/tmp/bulkhead bench/lists.sh        # measure that binary (no build)
#   BULKHEAD_BENCH_DEBUG=1 bench/lists.sh 2000       # the debug build: checks the script; its figures mean nothing
# Needs: a release build (made here), smtp-sink/smtp-source (Debian's postfix), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
members="${1:-100000}"
rounds="${ROUNDS:-1}"
concurrency=20
batch=50
if ! [[ "$members" =~ ^[0-9]+$ ]] || [ "$members" -lt 1 ] || [ "$members" -gt 1000000 ]; then echo "MEMBERS must be 1 to 1000000" >&2; exit 2; fi
leg_timeout="${LEG_TIMEOUT:-1800}"

command -v smtp-sink >/dev/null || { echo "installing postfix for smtp-sink/smtp-source…" >&2; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
# shellcheck source=bench/common.sh
source bench/common.sh
if [ "${BULKHEAD_BENCH_DEBUG:-0}" = 1 ]; then
    # The debug build: checks the script; its figures mean nothing.
    swift build --product bulkhead >&2
    bulkhead="$PWD/.build/debug/bulkhead"
else
    bench_binary
fi

work="$(mktemp -d /tmp/bulkhead-lists-bench.XXXXXX)"
sink_pid=""
serve_pid=""
cleanup() {
    set +e
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
sink_port="$(free_port)"
inbound_port="$(free_port)"
# smtp-sink -c writes a running count ("... mesg=N\r") to stdout: the count of messages received.
smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 > "$work/sink-count.txt" 2>&1 &
sink_pid=$!
sink_count() { python3 -c 'import re, sys; m = re.findall(rb"mesg=(\d+)", open(sys.argv[1], "rb").read()); print(int(m[-1]) if m else 0)' "$work/sink-count.txt"; }
wait_for_sink() {  # wait until the sink has counted $1 messages
    local deadline=$((SECONDS + leg_timeout))
    while [ "$(sink_count)" -lt "$1" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "timed out: the sink counted $(sink_count) of $1" >&2; exit 1; }
        sleep 0.2
    done
}
sleep 0.5

echo "== preparing $members members in $work" >&2
python3 - "$work" "$members" <<'PY'
import sys, textwrap
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/members.csv", "w") as f:
    f.write("email,name\n")
    for i in range(n):
        f.write(f"person{i}@example.org,Person Number {i}\n")
paragraph = "Our spring collection is here: garden tools, seeds and planters at 20% off until Sunday. "
body = textwrap.fill(paragraph * 88, 76).replace("\n", "\r\n")
open(f"{work}/post.eml", "w", newline="").write(
    "From: Ann <ann@shop.example>\r\nTo: all@lists.shop.example\r\nSubject: Spring collection\r\n"
    "Message-ID: <spring@shop.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
open(f"{work}/body.txt", "w").write("Hello {{name}},\n\n" + textwrap.fill(paragraph * 88, 76) + "\n\nUnsubscribe: {{unsubscribe_url}}\n")
PY
cat > "$work/bulkhead.yaml" <<YAML
data_directory: $work/data
$(bench_shop_yaml)
dkim_keys:
  lists:
    domain: lists.shop.example
    selector: s1
    private_key_file: keys/s1.private.pem
delivery:
  concurrency: $concurrency
  batch_size: $batch
upstreams:
  - name: sink
    host: 127.0.0.1
    port: $sink_port
    tls: off
    max_connections: $concurrency
    messages_per_connection: 100000
inbound:
  listen: ["127.0.0.1:$inbound_port"]
  domains: [lists.shop.example, shop.example]
$bench_open_guardrails
logging:
  level: warning
YAML
cd "$work"
bench_shop_key data
"$bulkhead" list create all --address all@lists.shop.example --policy open --config bulkhead.yaml >/dev/null
"$bulkhead" subscribers import members.csv --list all --config bulkhead.yaml >/dev/null
size="$(python3 -c 'import os; print(os.path.getsize("post.eml"))')"

post() {  # posts post.eml once with smtplib; fails unless the answer is 250
    python3 - "$inbound_port" "$1" <<'PY'
import smtplib, sys
data = open("post.eml", "rb").read().replace(b"<spring@", ("<spring-" + sys.argv[2] + "@").encode())
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60) as client:
    client.sendmail("ann@shop.example", ["all@lists.shop.example"], data)
PY
}

: > rounds.txt
for round in $(seq 1 "$rounds"); do
    echo "== round $round/$rounds: one post to $members members through bulkhead serve" >&2
    "$bulkhead" serve --config bulkhead.yaml --interval 1 > serve.log 2>&1 &
    serve_pid=$!
    for _ in $(seq 1 200); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $inbound_port), 0.2)" 2>/dev/null && break; sleep 0.1; done
    before="$(sink_count)"
    start=$(date +%s.%N)
    post "$round"
    wait_for_sink $((before + members))
    end=$(date +%s.%N)
    list_rate="$(python3 -c "print(round($members / ($end - $start)))")"
    rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")"
    kill -INT "$serve_pid"; wait "$serve_pid" || true; serve_pid=""

    echo "== round $round/$rounds: bulkhead campaign send to the same $members" >&2
    id="$("$bulkhead" campaign create --config bulkhead.yaml --name "bench $round" --list all --subject "Spring collection" \
            --text body.txt --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
    before="$(sink_count)"
    start=$(date +%s.%N)
    "$bulkhead" campaign send "$id" --config bulkhead.yaml --confirm "$members" --json > summary.json 2> send.log
    end=$(date +%s.%N)
    sent="$(python3 -c 'import json; print(json.load(open("summary.json"))["progress"]["sent"])')"
    campaign_rate="$(python3 -c "print(round($sent / ($end - $start)))")"

    echo "== round $round/$rounds: smtp-source ceiling ($members messages of $size bytes, 20 sessions)" >&2
    start=$(date +%s.%N)
    smtp-source -d -s 20 -l "$size" -m "$members" -f sender@shop.example -t sink@example.org "127.0.0.1:$sink_port"
    end=$(date +%s.%N)
    ceiling_rate="$(python3 -c "print(round($members / ($end - $start)))")"
    echo "$list_rate $campaign_rate $ceiling_rate $rss_kb" >> rounds.txt
done

python3 - "$members" "$size" rounds.txt <<'PY'
import statistics, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
rounds = [tuple(int(x) for x in line.split()) for line in open(sys.argv[3])]
print(f"members               {n}   (SQLite, one post of {size} bytes, copies DKIM ed25519-signed, 20 sessions each side)")
print("round   list msg/s   campaign msg/s   smtp-source msg/s   list/source   campaign/source   serve peak RSS")
for i, (lst, camp, ceiling, rss) in enumerate(rounds, 1):
    print(f"{i:5}   {lst:>10}   {camp:>14}   {ceiling:>17}   {lst / ceiling:11.2f}   {camp / ceiling:15.2f}   {rss / 1024:10.0f} MB")
lists = statistics.median(l / c for l, _, c, _ in rounds)
campaigns = statistics.median(m / c for _, m, c, _ in rounds)
print(f"ratio to smtp-source  list {lists:.2f}, campaign {campaigns:.2f} (median): list/campaign {lists / campaigns:.2f} (target >= 1.00)")
PY
