#!/usr/bin/env bash
# RFC 8555 protocol refusals of the bundled CA, driven by our own client (Python).
# Debian's interpreter, with python3-cryptography and python3-requests.
exec /usr/bin/python3 "$ROOT/tests/integration/acme_protocol.py"
