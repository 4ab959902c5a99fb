"""Reads MIME messages with Python's email package and describes what it sees, as JSON.

Input (stdin): a JSON list of base64-encoded messages. Output (stdout): a JSON list, one
description per message: decoded headers, address lists, the part tree (content types,
transfer encodings, filenames, Content-IDs, decoded bodies) and every defect Python noticed,
on the message, on each part and on each parsed header.
"""
import base64
import email
import email.policy
import json
import sys

ADDRESS_HEADERS = ("from", "to", "cc", "reply-to")


def header_defects(part):
    found = []
    for name, value in part.items():
        for defect in getattr(value, "defects", ()):
            found.append(f"{name}: {type(defect).__name__}")
    return found


def describe_part(part):
    node = {
        "type": part.get_content_type(),
        "defects": [type(d).__name__ for d in part.defects] + header_defects(part),
    }
    if part.is_multipart():
        node["parts"] = [describe_part(p) for p in part.iter_parts()]
        return node
    payload = part.get_payload(decode=True) or b""
    node["body"] = base64.b64encode(payload).decode("ascii")
    node["cte"] = str(part.get("Content-Transfer-Encoding", "7bit")).lower()
    if part.get_content_maintype() == "text" and part.get_content_disposition() is None:
        node["text"] = part.get_content()
    filename = part.get_filename()
    if filename is not None:
        node["filename"] = filename
    if part.get("Content-ID") is not None:
        node["cid"] = str(part.get("Content-ID"))
    disposition = part.get_content_disposition()
    if disposition is not None:
        node["disposition"] = disposition
    return node


def describe(raw, utf8):
    if utf8:
        msg = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
    else:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {}
    for name, value in msg.items():
        key = name.lower()
        if key in ADDRESS_HEADERS:
            headers[key] = [
                [a.display_name, a.username, a.domain] for a in value.addresses
            ]
        else:
            headers.setdefault(key, str(value))
    return {"headers": headers, "tree": describe_part(msg)}


def clean(value):
    """Lone surrogates (undecodable header bytes) become U+FFFD so the JSON stays valid UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def main():
    requests = json.load(sys.stdin)
    out = []
    for request in requests:
        raw = base64.b64decode(request["message"])
        try:
            out.append(describe(raw, request.get("utf8", False)))
        except Exception as error:  # reported to the Swift test as a failure
            out.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(clean(out), sys.stdout)


if __name__ == "__main__":
    main()
