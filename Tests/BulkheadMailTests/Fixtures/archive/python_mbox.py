"""Writes an mbox with Python's mailbox module (an independent mboxo writer: it quotes every body
line starting with "From " as ">From ") and prints, as JSON, what Python reads back: one object per
message, in file order, with the sender of its separator line and its bytes (base64), the quoting
undone.

Usage: python_mbox.py PATH COUNT SEED
"""

import base64
import json
import mailbox
import random
import re
import sys

path, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
box = mailbox.mbox(path, create=True)
for n in range(1, count + 1):
    lines = [
        f"From: Person {n} <p{n}@example.org>",
        "To: support@shop.example",
        f"Cc: c{n}@example.net",
        f"Subject: Message {n}",
        f"Message-ID: <m{n}@example.org>",
        "",
    ]
    for i in range(rng.randrange(0, 30)):
        kind = rng.randrange(10)
        if kind == 0:
            lines.append(f"From the desk of person {n}")
        elif kind == 1:
            lines.append("")
        else:
            lines.append("text " * rng.randrange(1, 15) + str(i))
    raw = "\n".join(lines) + ("\n" if rng.randrange(2) else "")
    message = mailbox.mboxMessage(raw.encode())
    message.set_from(f"p{n}@example.org", (2024, 1, 1, 0, 0, 0, 0, 1, 0))
    box.add(message)
box.flush()
box.close()

box = mailbox.mbox(path, create=False)
result = []
for key in sorted(box.keys()):
    data = re.sub(rb"(?m)^>From ", b"From ", box.get_bytes(key))
    result.append({
        "sender": box.get_message(key).get_from().split(" ")[0],
        "bytes": base64.b64encode(data).decode(),
    })
box.close()
print(json.dumps(result))
