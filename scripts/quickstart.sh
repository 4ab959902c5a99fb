#!/usr/bin/env bash
# Quick start: builds bulkhead and runs its main job on the embedded default — SQLite and the capture
# mailbox in .bulkhead/, so nothing leaves the machine. It runs a complete first campaign with the CLI
# (DKIM key, list, CSV import with a bad row and a duplicate, campaign, guardrail preflight, send,
# ledger, captured message checked), then starts `bulkhead serve` (Ctrl-C stops it).
# Usage: scripts/quickstart.sh            (QUICKSTART_SERVE=0 skips the final `serve`)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bulkhead
bulkhead="$PWD/.build/release/bulkhead"
state=.bulkhead
mkdir -p "$state/keys"
config="$state/bulkhead.yaml"
cat > "$config" <<YAML
# Written by scripts/quickstart.sh: the embedded default plus an identity and a DKIM key.
data_directory: $state
identity:
  from: "Example Shop <news@shop.example>"
  unsubscribe_base_url: https://shop.example
  postal_address: "Example Shop, 1 Market Street, Springfield"
dkim:
  domain: shop.example
  selector: s1
  private_key_file: keys/s1.private.pem
YAML
run() { echo "\$ bulkhead $*"; "$bulkhead" "$@"; }

echo "== 1. a DKIM key (publish keys/s1.dns.txt in DNS before sending for real)"
[ -f "$state/keys/s1.private.pem" ] || run dkim keygen --algorithm ed25519 --domain shop.example --selector s1 --out "$state/keys"
run config check --config "$config" | head -5

echo "== 2. a list and its subscribers (one invalid row, one duplicate, one who unsubscribed)"
run list show news --config "$config" >/dev/null 2>&1 || run list create news --description "Shop news" --config "$config"
run subscribers import docs/examples/subscribers.csv --list news --config "$config"

echo "== 3. a campaign: one personalised message per recipient"
id="$("$bulkhead" campaign create --config "$config" --name "spring $(date +%H:%M:%S)" --list news \
      --subject "Spring offer for {{first_name}}" --text docs/examples/spring.txt --html docs/examples/spring.html --json \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
echo "campaign $id created"
run campaign preflight "$id" --config "$config"    # every guardrail rule, and what send still needs; changes nothing
run campaign send "$id" --config "$config"
run ledger "$id" --config "$config"

echo "== 4. what was captured (nothing left the machine)"
run capture list --limit 3 --config "$config"
first="$("$bulkhead" capture list --limit 1 --json --config "$config" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')"
"$bulkhead" capture show "$first" --raw --config "$config" > "$state/first-message.eml"
run dkim verify "$state/first-message.eml" --public-key "$state/keys/s1.public.pem"
run inspect --fail-on error "$state/first-message.eml"

echo "== 5. the guardrails refuse an unsafe message (every customer in To)"
if "$bulkhead" inspect --fail-on error docs/examples/exposed-recipients.eml; then
    echo "expected error findings for docs/examples/exposed-recipients.eml" >&2
    exit 1
fi

echo "== 6. the guardrails refuse a \"test\" to a real audience (12 people): exit 3, nothing sent"
run list show staff --config "$config" >/dev/null 2>&1 || run list create staff --description "Everybody at the shop" --config "$config"
run subscribers import docs/examples/staff.csv --list staff --config "$config" >/dev/null
test_id="$("$bulkhead" campaign create --config "$config" --name "template check $(date +%H:%M:%S)" --list staff \
      --subject "test" --text docs/examples/spring.txt --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
if run campaign send "$test_id" --config "$config"; then
    echo "expected the send of campaign $test_id to be refused" >&2
    exit 1
fi
echo "refused as it should be (the way to try a template is \`bulkhead campaign test ID --to ADDRESS\`)"

if [ "${QUICKSTART_SERVE:-1}" != 0 ]; then
    echo "== 7. the engine: bulkhead serve (delivers sending and due scheduled campaigns; Ctrl-C to stop)"
    exec "$bulkhead" serve --config "$config"
fi
