"""An aiosmtpd server for Bulkhead's SMTP tests.

Usage: capture_server.py OUTPUT_DIR
Listens on 127.0.0.1 (a free port), prints "READY <port>" on stdout, and stores every accepted
message as OUTPUT_DIR/<n>.eml (the exact bytes after dot-unstuffing) plus OUTPUT_DIR/<n>.json
(mail_from, rcpt_tos, mail_options). Exits when stdin closes.
"""
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 stored as %06d" % n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    port = free_port()
    controller = Controller(Store(directory), hostname="127.0.0.1", port=port,
                            enable_SMTPUTF8=True, decode_data=False)
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
