#!/usr/bin/env python3
"""A naive auto-responder that ignores RFC 3834: it answers every message it receives.

Usage: naive_responder.py LOG_FILE HOST PORT ADDRESS
Listens (aiosmtpd) on a free 127.0.0.1 port and prints "READY <port>". Every message it receives is
logged as one JSON line {"received": {"mail_from", "rcpts", "from", "subject", "auto_submitted"}}
and then answered, in a thread, by a message from ADDRESS (MAIL FROM and From:) to the received
message's From: address (never mind Auto-Submitted, Precedence or a null sender), sent with smtplib to
HOST:PORT; the answer is logged as {"answered": "<to>", "code": <the server's reply to DATA, or to RCPT when refused>}.
Exits when stdin closes.
"""
import email
import email.utils
import json
import smtplib
import socket
import sys
import threading

from aiosmtpd.controller import Controller

log_path, host, port, address = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()


def log(entry):
    with lock, open(log_path, "a") as out:
        out.write(json.dumps(entry) + "\n")


def answer(to, subject):
    message = "From: Bot <%s>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: %s\r\n\r\nI am away until Monday.\r\n" % (
        address, to, subject, email.utils.make_msgid(domain=address.split("@")[1]))
    code = None
    try:
        with smtplib.SMTP(host, port, timeout=30) as client:
            client.sendmail(address, [to], message.encode())
            code = 250
    except smtplib.SMTPRecipientsRefused as error:
        code = list(error.recipients.values())[0][0]
    except smtplib.SMTPResponseException as error:
        code = error.smtp_code
    except Exception as error:  # the log says what happened; the responder goes on
        code = str(error)
    log({"answered": to, "code": code})


class Handler:
    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content)
        sender = email.utils.parseaddr(parsed.get("From", ""))[1]
        subject = parsed.get("Subject", "")
        log({"received": {"mail_from": envelope.mail_from, "rcpts": envelope.rcpt_tos, "from": sender, "subject": subject,
                          "auto_submitted": parsed.get("Auto-Submitted", "")}})
        if sender:
            threading.Thread(target=answer, args=(sender, subject), daemon=True).start()
        return "250 2.0.0 Ok"


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
free = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=free)
controller.start()
print("READY %d" % free, flush=True)
sys.stdin.read()
controller.stop()
