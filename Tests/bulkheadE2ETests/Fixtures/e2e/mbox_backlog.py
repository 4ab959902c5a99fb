#!/usr/bin/env python3
"""Writes a seeded mailbox backlog (story 000): people writing to a helpdesk, many with others in Cc.

Usage: mbox_backlog.py SEED COUNT MBOX_PATH RESPONDER
Writes COUNT messages to MBOX_PATH (mboxrd: "From " separators, body lines that start with "From "
quoted) addressed To: RESPONDER, from a pool of people, each with 0-4 others in Cc; about one in
twenty is automatic (Auto-Submitted, a bounce from <>, a list message). Prints one JSON object:
  {"messages": N, "senders": distinct envelope senders (not <>),
   "naive_people": distinct addresses a naive responder answering each message's sender, From,
                   Reply-To, To and Cc (the responder excepted) would reach}
computed here, independently of Bulkhead.
"""
import json
import random
import sys

seed, count, path, responder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4].lower()
rng = random.Random(seed)
people = ["person%d@customers%d.example" % (n, n % 7) for n in range(2500)]
senders, reached = set(), set()
with open(path, "wb") as mbox:
    for number in range(count):
        kind = rng.random()
        sender = rng.choice(people)
        cc = rng.sample(people, rng.randint(0, 4))
        headers = []
        envelope = sender
        if kind < 0.02:
            envelope = ""
            headers.append("Auto-Submitted: auto-replied")
        elif kind < 0.035:
            headers.append("List-Id: <news.customers0.example>")
            headers.append("Precedence: list")
        elif kind < 0.05:
            headers.append("Auto-Submitted: auto-generated")
        day = 1 + number % 28
        lines = [
            "Return-Path: <%s>" % envelope,
            "From: Person <%s>" % sender,
            "To: Support <%s>" % responder,
        ]
        if cc:
            lines.append("Cc: " + ", ".join(cc))
        lines += [
            "Subject: Question %d" % number,
            "Date: Mon, %d Jun 2025 10:%02d:00 +0000" % (day, number % 60),
            "Message-ID: <backlog-%d@customers.example>" % number,
        ] + headers
        body = ["Hello,", "From what I can see my order %d has not arrived." % number, "Thanks"]
        if envelope:
            senders.add(envelope)
        for address in [envelope, sender] + cc:
            if address and address != responder:
                reached.add(address)
        separator = "From %s Mon Jun %2d 10:00:00 2025" % (envelope or "MAILER-DAEMON", day)
        text = "\n".join([separator] + lines + [""] + [(">" + b if b.startswith("From ") else b) for b in body]) + "\n\n"
        mbox.write(text.encode())
print(json.dumps({"messages": count, "senders": len(senders), "naive_people": len(reached)}))
