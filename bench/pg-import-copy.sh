#!/usr/bin/env bash
# Would COPY make the PostgreSQL import faster? Runs the import's fresh-path statements (subscribers,
# then memberships and consent records from the new id range; one transaction per 5,000 rows) through
# psql on bulkhead's schema, alternating two ways of getting a batch's rows to the server:
#   json  the way bulkhead does it: one bound JSON array read with jsonb_to_recordset (here a literal);
#   copy  COPY of the batch into a temporary table, the insert reading that table, emptied by TRUNCATE
#         before the next batch (a DELETE would leave dead rows, never vacuumed in a temporary table,
#         for every later batch to scan).
# Prints seconds per variant and round. The rows are the same in both (bench/import.sh's people, their
# four attributes as JSON text).
#
# Usage: bench/pg-import-copy.sh [ROWS]     (default 1000000; ROUNDS=2 by default)
#   BULKHEAD_BIN=/tmp/bulkhead bench/pg-import-copy.sh   # that binary creates the schema (no build)
# Needs: a release build (made here), Debian's postgresql (installed by scripts/test-deps/postgres.sh), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
rounds="${ROUNDS:-2}"
if ! [[ "$rows" =~ ^[0-9]+$ ]] || [ "$rows" -lt 1 ] || [ "$rows" -gt 10000000 ]; then echo "ROWS must be in 1...10000000" >&2; exit 2; fi
# shellcheck source=bench/common.sh
source bench/common.sh
bench_binary
# shellcheck source=/dev/null
BULKHEAD_PG_FSYNC=on source scripts/test-deps/postgres.sh
work="$(mktemp -d /tmp/bulkhead-pg-copy.XXXXXX)"
chmod 755 "$work"
cleanup() {
    rm -rf "$work"
    bulkhead_pg_stop
}
trap cleanup EXIT
python3 - "$work" "$rows" <<'PY'
import json, sys
work, n, size = sys.argv[1], int(sys.argv[2]), 5000
tail = """INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at)
  SELECT 1, id, 'confirmed', 'bench', 0 FROM subscribers WHERE id BETWEEN :lowest AND :highest ORDER BY id;
INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source, ip_or_channel, text_shown)
  SELECT id, 1, 'given', 0, 'import', 'people.csv', NULL, NULL FROM subscribers WHERE id BETWEEN :lowest AND :highest ORDER BY id;
"""
insert = """WITH inserted AS (INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
  SELECT v.address, v.name, v.attributes, 0, 0 FROM {source} WHERE true ON CONFLICT (address) DO NOTHING RETURNING id)
SELECT min(id) AS lowest, max(id) AS highest FROM inserted \\gset
"""
with open(f"{work}/json.sql", "w") as js, open(f"{work}/copy.sql", "w") as cp:
    cp.write("CREATE TEMP TABLE import_rows (address text, name text, attributes text);\n")
    for batch, start in enumerate(range(0, n, size)):
        people = [
            (f"person{i}@example.org", f"Person Number {i}",
             json.dumps({"city": f"Town {i % 997}", "plan": f"plan{i % 5}", "signup_date": f"2026-0{1 + i % 9}-1{i % 10}", "score": str(i % 100)}))
            for i in range(start, min(start + size, n))]
        records = json.dumps([{"address": a, "name": m, "attributes": t} for a, m, t in people]).replace("'", "''")
        js.write("BEGIN;\nSET LOCAL enable_seqscan = off;\n")
        js.write(insert.format(source=f"jsonb_to_recordset('{records}'::jsonb) AS v(address text, name text, attributes text)"))
        js.write(tail + "COMMIT;\n")
        with open(f"{work}/batch{batch}.tsv", "w") as f:
            for a, m, t in people:
                f.write(f"{a}\t{m}\t{t.replace(chr(92), chr(92) * 2)}\n")
        cp.write("TRUNCATE import_rows;\nBEGIN;\nSET LOCAL enable_seqscan = off;\n")
        cp.write(f"\\copy import_rows FROM '{work}/batch{batch}.tsv'\n")
        cp.write(insert.format(source="import_rows v"))
        cp.write(tail + "COMMIT;\n")
PY
: > "$work/rounds.txt"
for round in $(seq 1 "$rounds"); do
    for variant in json copy; do
        url="$(bench_fresh_database "copy_bench_${variant}_$round")"
        printf 'data_directory: %s/data\nstorage: {backend: postgres, postgres_url: "%s"}\nlogging: {level: warning}\n' "$work" "$url" > "$work/bulkhead.yaml"
        "$bulkhead" list create news --config "$work/bulkhead.yaml" >/dev/null
        psql -q "$url" -c checkpoint >/dev/null
        echo "== round $round/$rounds: $variant" >&2
        start=$(date +%s.%N)
        psql -q -X -v ON_ERROR_STOP=1 "$url" -f "$work/$variant.sql" >/dev/null
        end=$(date +%s.%N)
        count="$(psql -tA "$url" -c "SELECT count(*) FROM consent_records")"
        [ "$count" = "$rows" ] || { echo "$variant wrote $count consent records, not $rows" >&2; exit 1; }
        echo "$round $variant $(python3 -c "print(round($end - $start, 2))")" >> "$work/rounds.txt"
    done
done
echo "rows $rows, one transaction per 5,000, bulkhead's schema (foreign keys on), fsync on"
awk '{ printf "round %s  %-4s  %8.2f s\n", $1, $2, $3 }' "$work/rounds.txt"
