"""A webhook receiver for the tests: verifies X-Bulkhead-Signature with Python's hmac module.

Usage: receiver.py SECRET FAIL_FIRST LOG_FILE
Listens on 127.0.0.1 (a free port, printed first), answers 500 to the first FAIL_FIRST requests and
204 after them, and appends one JSON line per request to LOG_FILE: the status it answered, whether the
signature matched the body, the headers and the parsed body. It exits when its stdin closes (the test
ended) or after two minutes, whichever comes first.
"""

import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

secret = sys.argv[1].encode()
fail_first = int(sys.argv[2])
log_path = sys.argv[3]
count = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        count += 1
        status = 500 if count <= fail_first else 204
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        signature = self.headers.get("X-Bulkhead-Signature", "")
        record = {
            "status": status,
            "path": self.path,
            "signature_ok": hmac.compare_digest(signature, expected),
            "signature": signature,
            "event": self.headers.get("X-Bulkhead-Event"),
            "delivery": self.headers.get("X-Bulkhead-Delivery"),
            "content_type": self.headers.get("Content-Type"),
            "body": json.loads(body),
            "raw": body.decode("utf-8"),
        }
        with open(log_path, "a") as log:
            log.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


server = HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=watch_stdin, daemon=True).start()
threading.Timer(120, lambda: os._exit(0)).start()
print(server.server_address[1], flush=True)
server.serve_forever()
