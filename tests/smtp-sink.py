#!/usr/bin/python3
"""SMTP sink of the dev and test stacks (./dev starts it on port P+3).

Every message it accepts is stored as one file DIR/<time>-<n>.eml: the
message exactly as received (after SMTP dot-unstuffing), preceded by two
lines naming the envelope, X-Envelope-From and X-Envelope-To. Files appear
atomically (written under a dot name, then renamed).

A recipient whose local part starts with "bounce" is refused with 550, so
tests can see a final refusal. SMTP_SINK_DELAY (seconds, in the
environment) delays each answer to DATA, so that tests can run senders
concurrently.

    smtp-sink.py --listen 127.0.0.1:18483 --dir var/test/mail --pidfile F
"""
import argparse
import asyncio
import itertools
import os
import signal
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].startswith("bounce"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        name = "%d-%06d.eml" % (time.time_ns(), next(self.counter))
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos))
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "wb") as f:
            f.write(head.encode("ascii", "replace") + envelope.original_content)
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 OK stored as " + name


def main():
    ap = argparse.ArgumentParser(description="SMTP sink storing .eml files")
    ap.add_argument("--listen", required=True, help="HOST:PORT")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pidfile", required=True)
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, float(os.environ.get("SMTP_SINK_DELAY") or 0))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # hostname given: aiosmtpd would otherwise ask the resolver for our FQDN.
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", decode_data=False,
                     data_size_limit=10 * 1024 * 1024),
        host=host, port=int(port)))
    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(args.pidfile + ".tmp", args.pidfile)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    main()
