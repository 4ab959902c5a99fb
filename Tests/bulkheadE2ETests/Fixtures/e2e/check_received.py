#!/usr/bin/env python3
"""Reads what a real SMTP server received and reports, per message, what a receiver would see.

Usage: check_received.py FORMAT DIRECTORY DNS_TXT_FILE
  FORMAT aiosmtpd: DIRECTORY holds NNNNNN.eml (the bytes after DATA) and NNNNNN.json
                   ({"mail_from", "rcpt_tos", ...}), as written by the aiosmtpd capture server.
  FORMAT sink:     DIRECTORY holds Postfix smtp-sink dumps (-d): smtp-sink's own X-Mail-Args /
                   X-Rcpt-Args lines and a three-line Received: header, then the message, LF-terminated.
DNS_TXT_FILE is the zone-file line `bulkhead dkim keygen` wrote; its quoted strings are the TXT
record, handed to dkimpy through dnsfunc (no DNS lookups).
Prints a JSON array: one object per message with the envelope, the To/Cc/Bcc fields, the RFC 8058
headers and dkimpy's verdict.
"""
import email
import email.policy
import json
import os
import re
import sys

try:
    import dkim
    import nacl.signing  # noqa: F401  (dkimpy needs PyNaCl for ed25519)
except ImportError as error:
    print("dkimpy and PyNaCl are needed (pip install dkimpy pynacl): %s" % error, file=sys.stderr)
    sys.exit(3)


def angle(argument):
    match = re.search(r"<([^>]*)>", argument)
    return match.group(1) if match else argument.split(":", 1)[-1].strip()


def read_aiosmtpd(directory):
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".eml"):
            continue
        base = os.path.join(directory, name[:-4])
        with open(base + ".eml", "rb") as f:
            message = f.read()
        with open(base + ".json") as f:
            meta = json.load(f)
        yield name, meta["mail_from"], meta["rcpt_tos"], message


def read_sink(directory):
    for root, _, names in os.walk(directory):
        for name in sorted(names):
            with open(os.path.join(root, name), "rb") as f:
                lines = f.read().split(b"\n")
            lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
            mail_from, rcpts, index = None, [], 0
            # smtp-sink's own records, up to and including its three-line Received: header.
            while index < len(lines):
                line = lines[index].decode("utf-8", "replace")
                index += 1
                if line.startswith("X-Mail-Args:"):
                    mail_from = angle(line[len("X-Mail-Args:"):].strip())
                elif line.startswith("X-Rcpt-Args:"):
                    rcpts.append(angle(line[len("X-Rcpt-Args:"):].strip()))
                elif line.startswith("Received:"):
                    while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
                        index += 1
                    break
            yield os.path.relpath(os.path.join(root, name), directory), mail_from, rcpts, b"\r\n".join(lines[index:])


def signed_headers(parsed):
    signature = "".join(str(parsed.get("DKIM-Signature", "")).split())
    tags = dict(part.split("=", 1) for part in signature.split(";") if "=" in part)
    return [name.strip().lower() for name in tags.get("h", "").split(":") if name.strip()]


def main():
    fmt, directory, txt_file = sys.argv[1:4]
    with open(txt_file) as f:
        record = "".join(re.findall(r'"([^"]*)"', f.read())).encode()
    if not record:
        print("no quoted TXT strings in %s" % txt_file, file=sys.stderr)
        sys.exit(2)

    def dnsfunc(name, timeout=5):
        return record

    reader = read_aiosmtpd if fmt == "aiosmtpd" else read_sink
    results = []
    for name, mail_from, rcpts, message in reader(directory):
        parsed = email.message_from_bytes(message, policy=email.policy.default)
        to_fields = parsed.get_all("To") or []
        results.append({
            "file": name,
            "mail_from": mail_from,
            "rcpts": rcpts,
            "to_fields": len(to_fields),
            "to": [address.addr_spec for value in to_fields for address in value.addresses],
            "cc": len(parsed.get_all("Cc") or []),
            "bcc": len(parsed.get_all("Bcc") or []),
            "list_unsubscribe": str(parsed.get("List-Unsubscribe", "")),
            "list_unsubscribe_post": str(parsed.get("List-Unsubscribe-Post", "")),
            "dkim_signatures": len(parsed.get_all("DKIM-Signature") or []),
            "signed_headers": signed_headers(parsed),
            "dkim": bool(dkim.verify(message, dnsfunc=dnsfunc)),
        })
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
