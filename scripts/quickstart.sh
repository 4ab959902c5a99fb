#!/usr/bin/env bash
# Quick start: builds bulkhead and runs its main job on the embedded default (nothing leaves the
# machine): make a DKIM key, sign a sample newsletter, verify the signature, and inspect both a safe
# message and an unsafe one (every customer in To) with the guardrail rules.
# Usage: scripts/quickstart.sh            (from anywhere; state goes to .bulkhead/ in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bulkhead
bulkhead=.build/release/bulkhead
state=.bulkhead
mkdir -p "$state/keys"

echo "== DKIM key (ed25519, selector s1, shop.example)"
[ -f "$state/keys/s1.private.pem" ] || "$bulkhead" dkim keygen --algorithm ed25519 --domain shop.example --selector s1 --out "$state/keys"
cat "$state/keys/s1.dns.txt"

echo "== sign and verify docs/examples/newsletter.eml"
"$bulkhead" dkim sign --key "$state/keys/s1.private.pem" --domain shop.example --selector s1 \
    docs/examples/newsletter.eml > "$state/newsletter.signed.eml"
"$bulkhead" dkim verify "$state/newsletter.signed.eml" --dns-record "$state/keys/s1.dns.txt"

echo "== inspect the signed newsletter (no error findings expected)"
"$bulkhead" inspect --fail-on error "$state/newsletter.signed.eml"

echo "== inspect a message that exposes every recipient (the guardrails must object)"
if "$bulkhead" inspect --fail-on error docs/examples/exposed-recipients.eml; then
    echo "expected error findings for docs/examples/exposed-recipients.eml" >&2
    exit 1
fi
echo "== done: the unsafe message was refused, the safe one passed"
