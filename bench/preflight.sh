#!/usr/bin/env bash
# Preflight benchmark (issue 9): `bulkhead campaign preflight` of a campaign to N recipients (default
# 1,000,000) with a 50 KB personalised body and a 1 MB attachment: every recipient's fields are checked
# (rule 3), the DLP scan reads the subject, bodies and the attachment (rule 4), one recipient's message
# is built, signed and checked. Prints the preflight's wall time and peak RSS (target: ≤ 10 s at a
# million), then `bulkhead bench dlp` (target: ≥ 200 MB/s per core). Figures are printed, never asserted.
#
# Usage: bench/preflight.sh [RECIPIENTS]
#   BULKHEAD_SCRATCH=.build-release bench/preflight.sh   # build in another folder (relative path)
#   BULKHEAD_BIN=/tmp/bulkhead bench/preflight.sh        # measure that binary (no build)
#   BULKHEAD_BENCH_STORE=postgres bench/preflight.sh     # the store in a throwaway PostgreSQL, preflight
#                                                        # right after the import (no statistics yet)
# Needs: a release build (made here), /usr/bin/time, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
recipients="${1:-1000000}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
# shellcheck source=bench/common.sh
source bench/common.sh
bench_binary

storage_yaml=""
case "${BULKHEAD_BENCH_STORE:-sqlite}" in
    sqlite) ;;
    postgres)
        # shellcheck source=/dev/null
        BULKHEAD_PG_FSYNC=on source scripts/test-deps/postgres.sh
        storage_yaml="storage: {backend: postgres, postgres_url: \"$BULKHEAD_TEST_POSTGRES_URL\"}" ;;
    *) echo "BULKHEAD_BENCH_STORE must be sqlite or postgres" >&2; exit 2 ;;
esac
work="$(mktemp -d /tmp/bulkhead-preflight.XXXXXX)"
cleanup() {
    rm -rf "$work"
    if declare -F bulkhead_pg_stop >/dev/null; then bulkhead_pg_stop; fi
}
trap cleanup EXIT
python3 - "$work" "$recipients" <<'PY'
import sys, textwrap
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/subscribers.csv", "w") as f:
    f.write("email,name,city\n")
    for i in range(n):
        # every 1,000th has no name and every 997th no city: the field pass has something to count
        name = "" if i % 1000 == 0 else f"Person Number {i}"
        city = "" if i % 997 == 0 else f"Town {i % 997}"
        f.write(f"person{i}@example.org,{name},{city}\n")
paragraph = "Our spring collection is here: garden tools, seeds and planters at 20% off until Sunday, order 4411-2093-7781. "
body = "Hello {{first_name}} from {{attributes.city}},\n\n" + textwrap.fill(paragraph * 440, 76) + "\n\nUnsubscribe: {{unsubscribe_url}}\n"
open(f"{work}/body.txt", "w").write(body)
rows = "".join(f"{i},order {i},{i * 7 % 1000}.00 EUR,shipped\n" for i in range(40000))
open(f"{work}/orders.txt", "w").write(("id,what,amount,status\n" + rows)[: 1 << 20])
PY
cat > "$work/bulkhead.yaml" <<YAML
data_directory: $work/data
$(bench_shop_yaml)
logging:
  level: warning
$storage_yaml
YAML
cd "$work"
bench_shop_key data
"$bulkhead" list create news --config bulkhead.yaml >/dev/null
/usr/bin/time -f "%e s" "$bulkhead" subscribers import subscribers.csv --list news --config bulkhead.yaml > import.txt 2> import-time.txt
echo "== import of $recipients: $(tail -1 import-time.txt)" >&2
id="$("$bulkhead" campaign create --config bulkhead.yaml --name "preflight bench" --list news --subject "Spring offer for {{first_name}}" \
        --text body.txt --attach orders.txt --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
echo "== body $(wc -c < body.txt) bytes, attachment $(wc -c < orders.txt) bytes" >&2
for round in 1 2 3; do
    set +e
    /usr/bin/time -f "%e %M" -o preflight-time.txt "$bulkhead" campaign preflight "$id" --config bulkhead.yaml --confirm "$recipients" --json > report.json
    status=$?
    set -e
    read -r seconds rss < <(tail -1 preflight-time.txt)
    summary="$(python3 -c '
import json; r = json.load(open("report.json"))
print("eligible", r["audience"]["eligible"], "| findings", ", ".join(f["severity"] + " " + f["code"] for f in r["findings"]), "| may send", r["maySend"])')"
    echo "round $round: preflight of $recipients recipients in $seconds s, peak RSS $((rss / 1024)) MB, exit $status; $summary"
done
"$bulkhead" bench dlp --megabytes 8 --seconds 3
