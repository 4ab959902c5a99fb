#!/usr/bin/env python3
"""Submits mail to Bulkhead's guard relay with Python's smtplib, as a mail client or a script would.

Usage: relay_submit.py HOST PORT MAIL_FROM RCPTS FILE [COUNT [USER PASSWORD]]
RCPTS is a comma-separated list of envelope recipients. FILE's line endings are made CRLF. COUNT
messages (default 1) are sent one after another on one connection (a script gone wrong); with USER
and PASSWORD the client authenticates first (AUTH PLAIN; the relay allows it on loopback in these
tests). Prints one line per message: "<code> <text>" of the server's answer (a refused recipient
prints "rcpt <address> <code> <text>") and exits 0 when every message got 250, 1 otherwise.
"""
import smtplib
import sys

host, port, mail_from, rcpts, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split(","), sys.argv[5]
count = int(sys.argv[6]) if len(sys.argv) > 6 else 1
user, password = (sys.argv[7], sys.argv[8]) if len(sys.argv) > 8 else (None, None)
data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
ok = True
with smtplib.SMTP(host, port, timeout=120) as client:
    client.ehlo("client.example")
    if user is not None:
        client.login(user, password)
    for _ in range(count):
        code, text = client.mail(mail_from)
        if code != 250:
            print(code, text.decode(errors="replace"))
            ok = False
            client.rset()
            continue
        accepted = 0
        for rcpt in rcpts:
            code, text = client.rcpt(rcpt)
            if code == 250:
                accepted += 1
            else:
                print("rcpt", rcpt, code, text.decode(errors="replace"))
                ok = False
        if accepted == 0:
            client.rset()
            continue
        code, text = client.data(data)
        print(code, text.decode(errors="replace"))
        ok = ok and code == 250
sys.exit(0 if ok else 1)
