"""Prints, as JSON, what Python's email package (policy default) sees in a message file:
for every part in walk() order its media type, filename, charset and, for non-multipart parts,
the transfer-decoded body in hex. Used by ParseInteropTests."""
import email
import json
import sys
from email import policy

with open(sys.argv[1], "rb") as handle:
    message = email.message_from_bytes(handle.read(), policy=policy.default)

parts = []
for part in message.walk():
    entry = {
        "type": part.get_content_type(),
        "filename": part.get_filename(),
        "charset": part.get_param("charset"),
    }
    if not part.is_multipart() and part.get_content_maintype() != "message":
        entry["body"] = (part.get_payload(decode=True) or b"").hex()
        if part.get_content_maintype() == "text":
            entry["text"] = part.get_content()
    parts.append(entry)
print(json.dumps(parts))
