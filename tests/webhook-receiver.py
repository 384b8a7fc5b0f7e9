#!/usr/bin/env python3
"""A webhook receiver for the tests (issue 17), Python 3 standard library only.

    tests/webhook-receiver.py PORT DIR

Listens on 127.0.0.1:PORT. Every POST to /hook is recorded as one JSON line in
DIR/received.jsonl: the delivery and event headers, the body, and whether the
Caas-Signature header is valid for the secret in DIR/secret (HMAC-SHA256 over
"<t>.<body>", docs/webhooks.md), checked the way a customer would. A file
DIR/fail-once makes the next delivery answer 500 (the file is then removed); a
file DIR/redirect makes it answer 302 to DIR/redirect's content; DIR/big makes it
answer 200 with that many bytes of body; DIR/slow makes it wait that many
seconds before answering. Anything else answers 204. GET /health answers 200 (the tests wait for it).
"""

import hashlib
import hmac
import http.server
import json
import os
import sys
import time

PORT = int(sys.argv[1])
DIR = sys.argv[2]
TOLERANCE = 10 * 365 * 86400  # the tests travel in time: the age is recorded, not enforced


def signature_ok(header, body):
    """True when header is "t=<ts>,v1=<hex>" and v1 is HMAC-SHA256(secret, ts.body)."""
    try:
        with open(os.path.join(DIR, "secret"), "rb") as f:
            secret = f.read().strip()
    except OSError:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts, sig = parts.get("t"), parts.get("v1")
    if ts is None or sig is None or not ts.isdigit():
        return False
    mac = hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, sig) and abs(time.time() - int(ts)) < TOLERANCE


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        fail = os.path.join(DIR, "fail-once")
        redirect = os.path.join(DIR, "redirect")
        big = os.path.join(DIR, "big")
        slow = os.path.join(DIR, "slow")
        if os.path.exists(slow):
            with open(slow) as f:
                time.sleep(float(f.read().strip()))
        if os.path.exists(fail):
            os.unlink(fail)
            status = 500
        elif os.path.exists(redirect):
            status = 302
        elif os.path.exists(big):
            status = 200
        else:
            status = 204
        rec = {
            "path": self.path,
            "delivery": self.headers.get("Caas-Delivery"),
            "event": self.headers.get("Caas-Event"),
            "signature": self.headers.get("Caas-Signature"),
            "signature_ok": signature_ok(self.headers.get("Caas-Signature", ""), body),
            "answered": status,
            "body": body.decode("utf-8", "replace"),
        }
        with open(os.path.join(DIR, "received.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(status)
        if status == 302:
            with open(redirect) as f:
                self.send_header("Location", f.read().strip())
        if status == 200:
            with open(big) as f:
                n = int(f.read().strip())
            self.send_header("Content-Length", str(n))
            self.end_headers()
            try:
                self.wfile.write(b"x" * n)
            except OSError:
                pass  # the sender hung up at its cap
            return
        self.send_header("Content-Length", "0")
        self.end_headers()


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
