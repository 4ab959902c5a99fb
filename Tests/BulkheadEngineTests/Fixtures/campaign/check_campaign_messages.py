#!/usr/bin/env python3
"""Python side of the Bulkhead campaign message interop test.

Reads JSON from stdin: {"record": "<DKIM TXT value>", "messages": ["<base64 message>", ...]}.
Writes JSON: one object per message with dkimpy's verdict, the signed header names (h=), and what
Python's email package reads: To addresses, Cc/Bcc fields, and the RFC 8058 / bulk headers.
The public key reaches dkimpy through its dnsfunc argument (no DNS lookups).
"""
import base64
import json
import sys

try:
    import dkim
except ImportError as error:
    print("dkimpy is not installed (pip install dkimpy): %s" % error, file=sys.stderr)
    sys.exit(3)
try:
    import nacl.signing  # noqa: F401  (dkimpy needs it for ed25519)
except ImportError as error:
    print("pynacl is needed by dkimpy for ed25519: %s" % error, file=sys.stderr)
    sys.exit(3)
import email
import email.policy


def signed_headers(message):
    parsed = email.message_from_bytes(message, policy=email.policy.compat32)
    signature = parsed.get("DKIM-Signature", "")
    tags = {}
    for part in "".join(signature.split()).split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            tags[key] = value
    return tags.get("h", "").lower().split(":") if tags.get("h") else []


def main():
    request = json.load(sys.stdin)
    record = request["record"].encode()

    def dnsfunc(name, timeout=5):
        return record

    results = []
    for encoded in request["messages"]:
        message = base64.b64decode(encoded)
        parsed = email.message_from_bytes(message, policy=email.policy.default)
        to_fields = parsed.get_all("To") or []
        results.append({
            "dkim": bool(dkim.verify(message, dnsfunc=dnsfunc)),
            "h": signed_headers(message),
            "to_fields": len(to_fields),
            "to": [[address.display_name, address.addr_spec] for value in to_fields for address in value.addresses],
            "cc": len(parsed.get_all("Cc") or []),
            "bcc": len(parsed.get_all("Bcc") or []),
            "subject": str(parsed.get("Subject", "")),
            "list_unsubscribe": str(parsed.get("List-Unsubscribe", "")),
            "list_unsubscribe_post": str(parsed.get("List-Unsubscribe-Post", "")),
            "precedence": str(parsed.get("Precedence", "")),
            "auto_submitted": str(parsed.get("Auto-Submitted", "")),
            "defects": [type(defect).__name__ for defect in parsed.defects],
        })
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
