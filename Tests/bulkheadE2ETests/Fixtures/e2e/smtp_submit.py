#!/usr/bin/env python3
"""Submits one message file with Python's smtplib, as a remote MTA returning a bounce would.

Usage: smtp_submit.py HOST PORT MAIL_FROM RCPT_TO FILE
MAIL_FROM may be "" (the null sender of bounces). The file's line endings are made CRLF. Prints
"<code> <text>" of the server's final answer and exits 0 when it was 250, 1 otherwise.
"""
import smtplib
import sys

host, port, mail_from, rcpt, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
with smtplib.SMTP(host, port, timeout=30) as client:
    client.ehlo("remote-mta.example")
    code, text = client.mail(mail_from)
    if code != 250:
        print(code, text.decode(errors="replace"))
        sys.exit(1)
    code, text = client.rcpt(rcpt)
    if code != 250:
        print(code, text.decode(errors="replace"))
        sys.exit(1)
    code, text = client.data(data)
    print(code, text.decode(errors="replace"))
    sys.exit(0 if code == 250 else 1)
