#!/usr/bin/env python3
"""A fast recording SMTP sink for Bulkhead's end-to-end tests.

Usage: recording_sink.py LOG_FILE [DELAY_MS [DEFER_FILE [REJECT_PERCENT [TEMPFAIL_PERCENT]]]]
Listens on a free 127.0.0.1 port, prints "READY <port>" on stdout, and accepts every message. For each
message it appends one JSON line to LOG_FILE *before* answering 250 to the end of DATA:
  {"t_mail": <time.time() at MAIL FROM>, "t_end": <time.time() at the final dot>,
   "mail_from": "...", "rcpts": ["...", ...], "to": ["<each To: field, unfolded>", ...], "size": <bytes>,
   "subject": [...], "list_unsubscribe": [...]}
The line is written with os.write on an O_APPEND descriptor, so it is in the file (the kernel's page
cache) before the client can see the 250: a sender killed at any moment cannot have a message
acknowledged that the log does not hold. Exits when stdin closes.

It speaks just enough ESMTP for a well-behaved client: EHLO/HELO (PIPELINING, 8BITMIME, SMTPUTF8,
SIZE, ENHANCEDSTATUSCODES), MAIL, RCPT, DATA, RSET, NOOP, QUIT. With DELAY_MS it waits that long after
the final dot before it logs and answers: a slow receiver, so a claimed batch takes a while to drain.
With DEFER_FILE, every RCPT is answered "451 4.7.1" while that file exists (greylisting, a full queue;
an empty DEFER_FILE means none). With REJECT_PERCENT, that share of recipient addresses is unknown: their
RCPT is answered "550 5.1.1" (chosen by the address's CRC-32, so the same address always fares the same)
and one line {"rejected": "<address>"} is appended to LOG_FILE.rejected. With TEMPFAIL_PERCENT, that
share of RCPTs is answered "451 4.3.0" at random, each time anew (a flaky upstream: the same address may
be deferred, then accepted), and one line {"deferred": "<address>"} is appended to LOG_FILE.deferred
before the reply: an address's RCPT attempts are its LOG_FILE.deferred lines plus its accepted messages.
"""
import asyncio
import json
import os
import random
import sys
import threading
import time
import zlib

EHLO_LINES = [b"recording-sink", b"PIPELINING", b"8BITMIME", b"SMTPUTF8", b"SIZE 52428800", b"ENHANCEDSTATUSCODES"]


def header_fields(message, name):
    """All values of the header field `name` (case-insensitive), unfolded, from the header section."""
    end = message.find(b"\r\n\r\n")
    head = message if end < 0 else message[:end]
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b" " + line.strip()
            continue
        colon = line.find(b":")
        if colon > 0:
            fields.append([line[:colon].strip().lower(), line[colon + 1:].strip()])
    wanted = name.lower().encode()
    return [value.decode("utf-8", "replace") for key, value in fields if key == wanted]


def angle(argument):
    """The address inside <...> of a MAIL FROM:/RCPT TO: argument."""
    start = argument.find(b"<")
    end = argument.find(b">", start + 1)
    if start < 0 or end < 0:
        return argument.split(b":", 1)[-1].strip().decode("utf-8", "replace")
    return argument[start + 1:end].decode("utf-8", "replace")


class Recorder:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def record(self, entry):
        os.write(self.fd, (json.dumps(entry) + "\n").encode())


def unknown(address, reject_percent):
    """Whether the sink treats `address` as an unknown user."""
    return reject_percent > 0 and zlib.crc32(address.lower().encode()) % 100 < reject_percent


async def session(reader, writer, recorder, delay, defer_file, reject_percent, rejections, tempfail_percent, deferrals):
    writer.write(b"220 recording-sink ESMTP\r\n")
    mail_from, rcpts, t_mail = None, [], None
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                mail_from, rcpts = None, []
                lines = EHLO_LINES if verb == b"EHLO" else EHLO_LINES[:1]
                writer.write(b"".join(b"250" + (b"-" if i < len(lines) - 1 else b" ") + text + b"\r\n"
                                      for i, text in enumerate(lines)))
            elif verb == b"MAIL":
                t_mail = time.time()
                mail_from, rcpts = angle(line[5:]), []
                writer.write(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                if mail_from is None:
                    writer.write(b"503 5.5.1 MAIL first\r\n")
                elif defer_file and os.path.exists(defer_file):
                    writer.write(b"451 4.7.1 greylisted, try again later\r\n")
                elif tempfail_percent > 0 and random.randrange(100) < tempfail_percent:
                    deferrals.record({"deferred": angle(line[5:])})
                    writer.write(b"451 4.3.0 temporary failure, try again later\r\n")
                elif unknown(angle(line[5:]), reject_percent):
                    rejections.record({"rejected": angle(line[5:])})
                    writer.write(b"550 5.1.1 no such user here\r\n")
                else:
                    rcpts.append(angle(line[5:]))
                    writer.write(b"250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                if mail_from is None or not rcpts:
                    writer.write(b"503 5.5.1 no valid recipients\r\n")
                    continue
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                raw = await reader.readuntil(b"\r\n.\r\n")
                message = raw[:-3]
                if message.startswith(b".."):
                    message = message[1:]
                message = message.replace(b"\r\n..", b"\r\n.")
                if delay > 0:
                    await asyncio.sleep(delay)
                recorder.record({"t_mail": t_mail, "t_end": time.time(), "mail_from": mail_from, "rcpts": rcpts,
                                 "to": header_fields(message, "To"), "size": len(message),
                                 "subject": header_fields(message, "Subject"),
                                 "list_unsubscribe": header_fields(message, "List-Unsubscribe")})
                mail_from, rcpts = None, []
                writer.write(b"250 2.0.0 Ok: recorded\r\n")
            elif verb == b"RSET":
                mail_from, rcpts = None, []
                writer.write(b"250 2.0.0 Ok\r\n")
            elif verb == b"NOOP":
                writer.write(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"502 5.5.2 command not recognised\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        return
    finally:
        writer.close()


async def main():
    recorder = Recorder(sys.argv[1])
    delay = int(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0
    defer_file = (sys.argv[3] or None) if len(sys.argv) > 3 else None
    reject_percent = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    tempfail_percent = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    rejections = Recorder(sys.argv[1] + ".rejected")
    deferrals = Recorder(sys.argv[1] + ".deferred")
    server = await asyncio.start_server(
        lambda r, w: session(r, w, recorder, delay, defer_file, reject_percent, rejections, tempfail_percent, deferrals),
        "127.0.0.1", 0, limit=64 * 1024 * 1024)
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(done.set)), daemon=True).start()
    async with server:
        await done.wait()


if __name__ == "__main__":
    asyncio.run(main())
