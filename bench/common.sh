# Sourced by the bench scripts (from the repository root): what they share.

# bench_binary: sets $bulkhead to BULKHEAD_BIN (a given binary, e.g. to compare two builds; no build
# here), else builds the release binary in BULKHEAD_SCRATCH (default .build; e.g. .build-release to keep
# a debug .build apart).
bench_binary() {
    if [ -n "${BULKHEAD_BIN:-}" ]; then
        bulkhead="$(realpath "$BULKHEAD_BIN")"
    else
        local scratch="${BULKHEAD_SCRATCH:-.build}"
        swift build -c release --product bulkhead --scratch-path "$scratch" >&2
        bulkhead="$PWD/$scratch/release/bulkhead"
    fi
}

# bench_campaign_inputs DIR N: DIR/subscribers.csv (N people: email, name, city) and the campaign's
# personalised ~8 KB text and HTML bodies, DIR/body.txt and DIR/body.html.
bench_campaign_inputs() {
    python3 - "$1/subscribers.csv" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("email,name,city\n")
    for i in range(n):
        f.write(f"person{i}@example.org,Person Number {i},Town {i % 997}\n")
PY
    python3 - "$1" "Our spring collection is here: garden tools, seeds and planters at 20% off until Sunday. " <<'PY'
import sys, textwrap
work, paragraph = sys.argv[1], sys.argv[2]
text = "Hello {{name}} from {{attributes.city}},\n\n" + textwrap.fill(paragraph * 44, 76) + "\n\nUnsubscribe: {{unsubscribe_url}}\n"
html = "<html><body><h1>Hello {{name}}!</h1>\n" + ("<p>" + paragraph + "</p>\n") * 38 + "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>\n"
open(f"{work}/body.txt", "w").write(text)
open(f"{work}/body.html", "w").write(html)
PY
}

# bench_fresh_database NAME: (re)creates database NAME on the throwaway PostgreSQL of
# scripts/test-deps/postgres.sh and prints its URL.
bench_fresh_database() {
    psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $1" >/dev/null
    psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "CREATE DATABASE $1" >/dev/null
    echo "${BULKHEAD_TEST_POSTGRES_URL%/*}/$1"
}
