#!/usr/bin/env bash
# Import benchmark: `bulkhead subscribers import` of N rows (an address, a name and four attribute
# columns) into a new list — subscribers, memberships and consent records written, bad rows checked —
# against the sqlite3 shell's raw `.import` of the same file into one keyed table (no checks, no
# consent, one table), in the same run. Prints seconds, rows/s and peak RSS for each, and the ratio.
# With BULKHEAD_BENCH_STORE=postgres the bulkhead side writes to a throwaway PostgreSQL (fsync on)
# and the reference is psql's `\copy` of the same file into one keyed table. A second reference,
# after the rounds, is PostgreSQL's own floor for the import: the statements of the import's fresh
# path (subscribers, then memberships and consent records from the new id range, one transaction
# per 5,000 rows), run by psql on bulkhead's schema with generated rows, once with the schema's
# foreign keys and once without them (dropped in that scratch database only).
#
# Usage: bench/import.sh [ROWS]                 (default 1000000)
#   ROUNDS=3 bench/import.sh                    # rounds, alternating sides (default 3)
#   BULKHEAD_BIN=/tmp/bulkhead bench/import.sh  # measure that binary (no build)
#   BULKHEAD_BENCH_STORE=postgres bench/import.sh
# Needs: a release build (made here), sqlite3 (Debian's, installed here if missing), python3, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
rounds="${ROUNDS:-3}"
store="${BULKHEAD_BENCH_STORE:-sqlite}"
if ! [[ "$rows" =~ ^[0-9]+$ ]] || [ "$rows" -lt 1 ] || [ "$rows" -gt 10000000 ]; then echo "ROWS must be in 1...10000000" >&2; exit 2; fi
command -v sqlite3 >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
command -v /usr/bin/time >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
# shellcheck source=bench/common.sh
source bench/common.sh
bench_binary
storage_yaml=""
if [ "$store" = postgres ]; then
    # shellcheck source=/dev/null
    BULKHEAD_PG_FSYNC=on source scripts/test-deps/postgres.sh
elif [ "$store" != sqlite ]; then
    echo "BULKHEAD_BENCH_STORE must be sqlite or postgres" >&2
    exit 2
fi
work="$(mktemp -d /tmp/bulkhead-import.XXXXXX)"
cleanup() {
    rm -rf "$work"
    if declare -F bulkhead_pg_stop >/dev/null; then bulkhead_pg_stop; fi
}
trap cleanup EXIT
python3 - "$work/people.csv" "$rows" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("email,name,city,plan,signup_date,score\n")
    for i in range(n):
        f.write(f"person{i}@example.org,Person Number {i},Town {i % 997},plan{i % 5},2026-0{1 + i % 9}-1{i % 10},{i % 100}\n")
PY
echo "== $rows rows, $(du -h "$work/people.csv" | cut -f1)" >&2
: > "$work/rounds.txt"
cd "$work"
for round in $(seq 1 "$rounds"); do
    rm -rf data raw.sqlite
    if [ "$store" = postgres ]; then
        storage_yaml="storage: {backend: postgres, postgres_url: \"$(bench_fresh_database "bench_$round")\"}"
    fi
    printf 'data_directory: %s/data\n%s\nlogging: {level: warning}\n' "$work" "$storage_yaml" > bulkhead.yaml
    "$bulkhead" list create news --config bulkhead.yaml >/dev/null
    echo "== round $round/$rounds: bulkhead subscribers import ($store)" >&2
    /usr/bin/time -f "%e %M" -o bulkhead-time.txt "$bulkhead" subscribers import people.csv --list news --config bulkhead.yaml > report.txt
    grep -q "$rows inserted" report.txt || { echo "unexpected import report: $(cat report.txt)" >&2; exit 1; }
    read -r bulkhead_seconds bulkhead_rss < bulkhead-time.txt
    if [ "$store" = postgres ]; then
        echo "== round $round/$rounds: psql \\copy into one keyed table" >&2
        psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "DROP TABLE IF EXISTS raw_people; CREATE TABLE raw_people (email text PRIMARY KEY, name text, city text, plan text, signup_date text, score text)" >/dev/null
        /usr/bin/time -f "%e %M" -o raw-time.txt psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "\\copy raw_people FROM 'people.csv' WITH (FORMAT csv, HEADER true)" >/dev/null
    else
        echo "== round $round/$rounds: sqlite3 .import into one keyed table" >&2
        sqlite3 raw.sqlite "CREATE TABLE people (email TEXT PRIMARY KEY, name TEXT, city TEXT, plan TEXT, signup_date TEXT, score TEXT)"
        /usr/bin/time -f "%e %M" -o raw-time.txt sqlite3 raw.sqlite ".import --csv --skip 1 people.csv people"
    fi
    read -r raw_seconds raw_rss < raw-time.txt
    echo "$bulkhead_seconds $bulkhead_rss $raw_seconds $raw_rss" >> rounds.txt
done
if [ "$store" = postgres ]; then
    # The import's fresh-path statements (Queries.insertNewSubscribers, insertMemberships and
    # insertImportConsents for an id range); rows come from generate_series, not from a decoded batch.
    cat > floor-batch.sql <<'SQL'
BEGIN;
SET LOCAL enable_seqscan = off;
WITH inserted AS (INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
  SELECT 'person' || g || '@example.org', 'Person Number ' || g,
    '{"city":"Town","plan":"plan1","signup_date":"2026-01-10","score":"1"}', 0, 0
  FROM generate_series(:lo::bigint, :hi::bigint) g ON CONFLICT (address) DO NOTHING RETURNING id)
SELECT min(id) AS lowest, max(id) AS highest FROM inserted \gset
INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at)
  SELECT 1, id, 'confirmed', 'floor', 0 FROM subscribers WHERE id BETWEEN :lowest AND :highest ORDER BY id;
INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source, ip_or_channel, text_shown)
  SELECT id, 1, 'given', 0, 'import', 'people.csv', NULL, NULL FROM subscribers WHERE id BETWEEN :lowest AND :highest ORDER BY id;
COMMIT;
SQL
    for ((lo = 0; lo < rows; lo += 5000)); do
        printf '\\set lo %d\n\\set hi %d\n\\i floor-batch.sql\n' "$lo" "$((lo + 4999 < rows - 1 ? lo + 4999 : rows - 1))"
    done > floor-all.sql
    : > floor.txt
    for keys in with without; do
        url="$(bench_fresh_database "floor_${keys}_keys")"
        printf 'data_directory: %s/data\nstorage: {backend: postgres, postgres_url: "%s"}\nlogging: {level: warning}\n' "$work" "$url" > bulkhead.yaml
        "$bulkhead" list create news --config bulkhead.yaml >/dev/null
        if [ "$keys" = without ]; then
            psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<'SQL'
DO $$ DECLARE c record; BEGIN
  FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
    WHERE contype = 'f' AND conrelid IN ('memberships'::regclass, 'consent_records'::regclass) LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
  END LOOP; END $$;
SQL
        fi
        echo "== PostgreSQL's floor, $keys foreign keys" >&2
        psql -q "$url" -c checkpoint >/dev/null
        /usr/bin/time -f "%e" -o floor-time.txt psql -q -X -v ON_ERROR_STOP=1 "$url" -f floor-all.sql >/dev/null
        echo "$keys $(cat floor-time.txt)" >> floor.txt
    done
fi
python3 - "$rows" "$store" rounds.txt <<'PY'
import statistics, sys
n, store = int(sys.argv[1]), sys.argv[2]
raw_name = "psql \\copy" if store == "postgres" else "sqlite3 .import"
# /usr/bin/time prints hundredths: a tiny run can take "0.00" s, counted as 0.01 so rates stay defined.
rounds = [tuple(max(float(x), 0.01) for x in line.split()) for line in open(sys.argv[3])]
print(f"rows                  {n} (address, name, 4 attribute columns) into {store}")
print(f"round   bulkhead s   rows/s     peak RSS   {raw_name:>15} s   rows/s     ratio")
for i, (bs, brss, rs, rrss) in enumerate(rounds, 1):
    print(f"{i:5}   {bs:10.2f}   {n / bs:8.0f}   {brss / 1024:5.0f} MB   {rs:17.2f}   {n / rs:8.0f}   {bs / rs:5.1f}x")
med = statistics.median(r[0] for r in rounds)
print(f"bulkhead              {med:.2f} s median ({n / med:.0f} rows/s), peak RSS {max(r[1] for r in rounds) / 1024:.0f} MB (target <= 10 s for 1,000,000 rows on SQLite)")
print(f"{raw_name:22}{statistics.median(r[2] for r in rounds):.2f} s median: one table, no checks, no consent records")
if store == "postgres":
    for line in open("floor.txt"):
        keys, seconds = line.split()
        print(f"PostgreSQL's floor    {float(seconds):.2f} s for the import's statements on generated rows, {keys} the foreign keys of memberships and consent_records")
PY
