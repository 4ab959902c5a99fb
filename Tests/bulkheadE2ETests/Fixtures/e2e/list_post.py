#!/usr/bin/env python3
"""Posts to a list with Python's smtplib, one message per sender, as people replying to all would.

Usage: list_post.py HOST PORT LIST_ADDRESS TEMPLATE_FILE SENDER[,SENDER...]
Each message is the template with {FROM} replaced by the sender (the From: field and MAIL FROM) and
{N} by its number; line endings are made CRLF. Prints one line "<code> <text>" per message: the
server's answer to RCPT when it refused it there, else its answer to the end of DATA. Exits 0.
"""
import smtplib
import sys

host, port, to, path, senders = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5].split(",")
template = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
with smtplib.SMTP(host, port, timeout=60) as client:
    client.ehlo("mua.example")
    for number, sender in enumerate(senders):
        data = template.replace(b"{FROM}", sender.encode()).replace(b"{N}", str(number).encode())
        client.rset()
        code, text = client.mail(sender)
        if code == 250:
            code, text = client.rcpt(to)
        if code == 250:
            try:
                code, text = client.data(data)
            except smtplib.SMTPDataError as error:
                code, text = error.smtp_code, error.smtp_error
        print(code, text.decode(errors="replace").replace("\n", " "), flush=True)
