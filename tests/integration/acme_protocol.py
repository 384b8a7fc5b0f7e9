#!/usr/bin/env python3
"""RFC 8555 protocol tests against the bundled CA, with a client of our own
(python3-cryptography + requests from Debian), so that every refusal can be
provoked precisely: bad JWS, replayed nonce, wrong url, wrong level directory,
CSR with an extra SAN, suspended key, expired domain, cross-account access.
Prints TAP. Needs the stack's demo.env in the environment (./dev test)."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

ENV = os.environ
DV, OV = ENV["ACME_DV_URL"], ENV["ACME_OV_URL"]
BUNDLE = ENV["ACME_CA_BUNDLE"]
PORT = int(ENV["ACME_HTTP01_PORT"])
CTL = [ENV["CAASCTL_CA"], "-f", ENV["CA_CONF"]]

n_tests = 0
n_failed = 0


def ok(cond, desc, diag=None):
    global n_tests, n_failed
    n_tests += 1
    if not cond:
        n_failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n_tests, desc))
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:20]:
            print("# " + line)
    sys.stdout.flush()


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ctl(*args):
    return subprocess.run(CTL + list(args), check=True, capture_output=True, text=True).stdout.split()


class Key:
    def __init__(self):
        self.priv = ec.generate_private_key(ec.SECP256R1())
        nums = self.priv.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC",
                    "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.y.to_bytes(32, "big"))}
        canon = json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
        self.thumb = b64(hashlib.sha256(canon.encode()).digest())

    def sign(self, data):
        der = self.priv.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class Client:
    def __init__(self, directory):
        self.s = requests.Session()
        self.s.verify = BUNDLE
        self.s.trust_env = False  # env CA bundles would override verify
        self.dir = self.s.get(directory, timeout=10).json()
        self.key = Key()
        self.kid = None
        self.nonce = None

    def new_nonce(self):
        r = self.s.head(self.dir["newNonce"], timeout=10)
        return r.headers["Replay-Nonce"]

    def jws(self, url, payload, nonce=None, use_jwk=False, prot_extra=None, key=None):
        key = key or self.key
        prot = {"alg": "ES256", "url": url, "nonce": nonce or self.nonce or self.new_nonce()}
        if use_jwk or self.kid is None:
            prot["jwk"] = key.jwk
        else:
            prot["kid"] = self.kid
        prot.update(prot_extra or {})
        p64 = b64(json.dumps(prot))
        y64 = "" if payload is None else b64(json.dumps(payload))
        sig = key.sign((p64 + "." + y64).encode())
        return {"protected": p64, "payload": y64, "signature": b64(sig)}

    def post(self, url, payload, body=None, ctype="application/jose+json", **kw):
        body = body if body is not None else self.jws(url, payload, **kw)
        r = self.s.post(url, data=json.dumps(body), headers={"Content-Type": ctype}, timeout=20)
        self.nonce = r.headers.get("Replay-Nonce")
        return r

    def eab(self, kid, hmac_b64, url=None, jwk=None):
        prot = b64(json.dumps({"alg": "HS256", "kid": kid, "url": url or self.dir["newAccount"]}))
        pay = b64(json.dumps(jwk or self.key.jwk))
        keyb = base64.urlsafe_b64decode(hmac_b64 + "=" * (-len(hmac_b64) % 4))
        mac = hmac.new(keyb, (prot + "." + pay).encode(), hashlib.sha256).digest()
        return {"protected": prot, "payload": pay, "signature": b64(mac)}

    def register(self, kid, hmac_b64, **kw):
        r = self.post(self.dir["newAccount"], {"termsOfServiceAgreed": True,
                      "externalAccountBinding": self.eab(kid, hmac_b64, **kw)}, use_jwk=True)
        if r.status_code in (200, 201):
            self.kid = r.headers["Location"]
        return r


B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def respell(s):
    """The same bytes with a non-zero unused bit in the last character (len % 4 == 2 or 3)."""
    return s[:-1] + B64_ALPHABET[B64_ALPHABET.index(s[-1]) | 1]


def ptype(r):
    try:
        return r.json().get("type", "").rsplit(":", 1)[-1]
    except ValueError:
        return "(not JSON: %d)" % r.status_code


def detail(r):
    try:
        return r.json().get("detail", "")
    except ValueError:
        return r.text[:200]


class Responder(http.server.BaseHTTPRequestHandler):
    tokens = {}

    def do_GET(self):
        tok = self.path.rsplit("/", 1)[-1]
        body = self.tokens.get(tok)
        self.send_response(200 if body else 404)
        self.end_headers()
        if body:
            self.wfile.write(body.encode())

    def log_message(self, *a):
        pass


def csr_for(names, extra=(), curve=None):
    k = ec.generate_private_key(curve or ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
    b = b.add_extension(x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in list(names) + list(extra)]), critical=False)
    return b64(b.sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def post_at_once(url, bodies):
    """POST each signed body to url from its own thread and connection, all at once."""
    res = []

    def send(b):
        s = requests.Session()
        s.verify = BUNDLE
        s.trust_env = False
        res.append(s.post(url, data=json.dumps(b), headers={"Content-Type": "application/jose+json"},
                          timeout=30))
    ts = [threading.Thread(target=send, args=(b,)) for b in bodies]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return res


def order_ready(c, names):
    """newOrder, answer every http-01 challenge, wait for ready. Returns (order URL, order)."""
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": n} for n in names]})
    if r.status_code != 201:
        return None, r
    url, order = r.headers["Location"], r.json()
    for az in order["authorizations"]:
        a = c.post(az, None).json()
        ch = [x for x in a["challenges"] if x["type"] == "http-01"][0]
        Responder.tokens[ch["token"]] = ch["token"] + "." + c.key.thumb
        c.post(ch["url"], {})
    for _ in range(200):
        order = c.post(url, None).json()
        if order["status"] != "pending":
            break
        time.sleep(0.05)
    return url, order


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Responder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()

    kid, hm = ctl("eab-add", "--level", "DV")
    ctl("domain-add", "--kid", kid, "--domain", "proto.test")
    ctl("domain-add", "--kid", kid, "--domain", "*.wild.proto.test")

    c = Client(DV)
    meta = c.dir.get("meta", {})
    ok(meta.get("externalAccountRequired") is True, "directory says EAB is required")
    ok("caaIdentities" in meta and "termsOfService" in meta and "website" in meta,
       "directory meta has caaIdentities, termsOfService and website", meta)
    r = c.s.head(c.dir["newNonce"])
    ok(r.status_code == 200 and len(r.headers.get("Replay-Nonce", "")) > 20, "HEAD newNonce: 200 with a nonce")
    r = c.s.get(c.dir["newNonce"])
    ok(r.status_code == 204 and r.headers.get("Cache-Control") == "no-store", "GET newNonce: 204, no-store")
    sql = ["mariadb", "--no-defaults", "-S", ENV["MYSQL_SOCKET"], "-N", "ca", "-e"]
    subprocess.run(sql + ["INSERT INTO nonces (nonce, expires_at) VALUES "
                          + ",".join("('%s', '2000-01-01 00:00:00')" % ("Z" * 40 + "%03d" % i) for i in range(5))],
                   check=True)
    c.s.head(c.dir["newNonce"])
    left = subprocess.run(sql + ["SELECT COUNT(*) FROM nonces WHERE expires_at < '2001-01-01'"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ok(left == "0", "expired nonces that were never used are purged", left)

    r = c.post(c.dir["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True)
    ok(r.status_code == 403 and ptype(r) == "externalAccountRequired", "newAccount without EAB is refused",
       r.text)
    bad = hm[:-2] + ("A" if hm[-2] != "A" else "B") + hm[-1]
    r1 = c.register(kid, bad)
    ok(ptype(r1) == "unauthorized", "a wrong HMAC is refused", r1.text)
    r2 = c.register("no-such-kid-at-all", hm)
    ok(ptype(r2) == "unauthorized" and detail(r1) == detail(r2),
       "an unknown kid gets the same answer as a wrong MAC", (r1.text, r2.text))
    r = Client(OV).register(kid, hm)
    ok(ptype(r) == "unauthorized" and "DV directory" in detail(r), "a DV key is refused on the OV directory",
       r.text)
    other = Key()
    r = c.post(c.dir["newAccount"], {"externalAccountBinding": c.eab(kid, hm, jwk=other.jwk)}, use_jwk=True)
    ok(ptype(r) == "malformed", "an EAB over another key than the account's is refused", r.text)

    r = c.post(c.dir["newAccount"], {"externalAccountBinding": c.eab(kid, hm)}, use_jwk=True)
    ok(ptype(r) == "malformed" and "terms of service" in detail(r),
       "§7.3: with terms of service, newAccount without termsOfServiceAgreed is refused (as Boulder)", r.text)
    # §7.3.4: the EAB JWS has no nonce, and its url is the newAccount URL.
    body = c.eab(kid, hm)
    prot = json.loads(base64.urlsafe_b64decode(body["protected"] + "=" * (-len(body["protected"]) % 4)))
    prot["nonce"] = c.new_nonce()
    p64 = b64(json.dumps(prot))
    keyb = base64.urlsafe_b64decode(hm + "=" * (-len(hm) % 4))
    bad_eab = {"protected": p64, "payload": body["payload"],
               "signature": b64(hmac.new(keyb, (p64 + "." + body["payload"]).encode(), hashlib.sha256).digest())}
    r = c.post(c.dir["newAccount"], {"termsOfServiceAgreed": True, "externalAccountBinding": bad_eab}, use_jwk=True)
    ok(r.status_code >= 400 and ptype(r) in ("malformed", "unauthorized"), "§7.3.4: an EAB JWS with a nonce is refused",
       r.text)
    r = c.register(kid, hm, url=c.dir["newOrder"])
    ok(r.status_code >= 400 and ptype(r) in ("malformed", "unauthorized"),
       "§7.3.4: an EAB JWS whose url is not newAccount is refused", r.text)
    r = c.register(kid, hm)
    ok(r.status_code == 201 and r.headers.get("Location", "").startswith(DV + "/acct/"),
       "newAccount with EAB: 201 and the account URL", r.text)
    acct = c.kid
    r = c.register(kid, hm)
    ok(r.status_code == 200 and r.headers.get("Location") == acct,
       "§7.3.1: newAccount again with the same key: 200 and the existing account's URL", r.text)
    r = c.post(c.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    ok(r.status_code == 200 and r.headers.get("Location") == acct, "onlyReturnExisting finds the account")
    c2 = Client(DV)
    r = c2.post(c2.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    ok(ptype(r) == "accountDoesNotExist", "onlyReturnExisting for an unknown key", r.text)
    r = c2.register(kid, hm)
    ok(r.status_code == 201 and c2.kid != acct, "a second ACME account may bind the same EAB key")

    # Bad JWS
    body = c.jws(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    body["signature"] = body["signature"][:-4] + ("AAAA" if not body["signature"].endswith("AAAA") else "BBBB")
    r = c.post(c.dir["newOrder"], None, body=body)
    ok(r.status_code == 400 and ptype(r) == "malformed", "a bad signature is refused", r.text)
    ok(len(r.headers.get("Replay-Nonce", "")) > 20, "errors carry a fresh Replay-Nonce")
    ok(r.headers.get("Content-Type", "").startswith("application/problem+json"), "errors are problem documents")
    r = c.post(c.dir["newOrder"], {"identifiers": []}, prot_extra={"alg": "HS256"})
    ok(ptype(r) == "badSignatureAlgorithm", "HS256 on an account JWS is refused", r.text)
    ok(r.json().get("algorithms") == ["RS256", "ES256", "ES384", "EdDSA"],
       "§6.2: the badSignatureAlgorithm problem lists the algorithms supported", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": []}, prot_extra={"jwk": c.key.jwk})
    ok(ptype(r) == "malformed" and "exactly one of jwk and kid" in detail(r), "jwk and kid together are refused")
    r = c.post(c.dir["newOrder"], {"identifiers": []}, use_jwk=True)
    ok(ptype(r) == "malformed", "newOrder signed with a jwk instead of a kid is refused", r.text)
    r = c.post(c.dir["newOrder"], {}, ctype="application/json")
    ok(ptype(r) == "malformed" and "jose+json" in detail(r), "the wrong Content-Type is refused", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]},
               prot_extra={"url": c.dir["newAccount"]})
    ok(ptype(r) == "unauthorized" and "url" in detail(r), "a JWS whose url is not the request URL is refused",
       r.text)

    # Header members of the wrong JSON type (issue 13 item 1): kid null made
    # revokeCert dereference NULL and kill the worker, without any signature.
    def unsigned(url, prot):
        return {"protected": b64(json.dumps(dict({"alg": "ES256", "url": url, "nonce": c.new_nonce()}, **prot))),
                "payload": b64(json.dumps({"certificate": b64(b"x")})), "signature": b64(b"\0" * 64)}
    log = os.path.join(ENV["STACK_DIR"], "log", "ca-fcgi.log")
    crashes_before = open(log, errors="replace").read().count("killed by signal")
    for what, prot in (("kid null", {"kid": None}), ("kid a number", {"kid": 5}),
                       ("jwk a string", {"jwk": "x"}), ("nonce a number", {"nonce": 7}),
                       ("url an array", {"url": [c.dir["revokeCert"]]}), ("a crit member", {"crit": ["b64"]})):
        r = c.post(c.dir["revokeCert"], None, body=unsigned(c.dir["revokeCert"], prot))
        ok(r.status_code == 400 and ptype(r) in ("malformed", "badNonce"),
           "revokeCert with %s in the protected header: 400 malformed, no crash" % what, r.text)
    bodies = [unsigned(c.dir["revokeCert"], {"kid": None}) for _ in range(40)]
    res = post_at_once(c.dir["revokeCert"], bodies)
    ok(all(x.status_code == 400 for x in res), "40 concurrent kid:null revocations all get an answer",
       sorted(set(x.status_code for x in res)))
    crashes = open(log, errors="replace").read().count("killed by signal") - crashes_before
    ok(crashes == 0, "and no worker died", crashes)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(r.status_code == 201, "the CA still serves orders right after", r.text)

    # Nonces
    n = c.new_nonce()
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]}, nonce=n)
    ok(r.status_code == 201, "a fresh nonce is accepted", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]}, nonce=n)
    ok(ptype(r) == "badNonce", "a replayed nonce is refused", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": []}, nonce="A" * 43)
    ok(ptype(r) == "badNonce", "an invented nonce is refused")
    # The same nonce sent to several workers at once: exactly one request wins.
    wins = []
    for _ in range(10):
        n = c.new_nonce()
        bodies = [c.jws(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]}, nonce=n)
                  for _ in range(4)]
        wins.append([r.status_code for r in post_at_once(c.dir["newOrder"], bodies)].count(201))
    ok(all(w == 1 for w in wins), "a nonce raced by 4 concurrent requests is accepted exactly once (10 rounds)",
       wins)

    # base64url spellings (issue 13 item 3): one value, one spelling.
    n = c.new_nonce()
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]}, nonce=n)
    r2 = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]}, nonce=respell(n))
    ok(r.status_code == 201 and ptype(r2) == "badNonce",
       "a used nonce respelled with non-zero unused bits is still refused", (r.status_code, r2.text))
    dup = Client(DV)
    dup.key = Key()
    dup.key.jwk = dict(c.key.jwk, x=respell(c.key.jwk["x"]))
    dup.key.priv = c.key.priv
    r = dup.register(kid, hm)
    ok(r.status_code == 400 and ptype(r) == "badPublicKey",
       "an account key respelled (same key, other text) cannot register a second account", r.text)

    # RSA with e = 1 (issue 13 item 4): the "signature" is the padded hash
    # itself, made without any private key.
    from cryptography.hazmat.primitives.asymmetric import rsa
    n_int = rsa.generate_private_key(65537, 2048).public_key().public_numbers().n

    class NoKey:
        jwk = {"kty": "RSA", "n": b64(n_int.to_bytes(256, "big")), "e": "AQ"}

        def sign(self, data):
            info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(data).digest()
            return b"\x00\x01" + b"\xff" * (256 - 3 - len(info)) + b"\x00" + info
    forger = Client(DV)
    forger.key = NoKey()
    body = forger.jws(forger.dir["newAccount"], {"termsOfServiceAgreed": True,
                      "externalAccountBinding": forger.eab(kid, hm)}, use_jwk=True, prot_extra={"alg": "RS256"})
    r = forger.post(forger.dir["newAccount"], None, body=body)
    ok(r.status_code == 400 and ptype(r) == "badPublicKey",
       "an RSA key with e = 1 (signature forged without a private key) is refused", r.text)

    # Allowlist
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"},
                                                   {"type": "dns", "value": "evil.test"}]})
    ok(ptype(r) == "rejectedIdentifier" and "evil.test" in detail(r),
       "a name not enrolled is rejected, naming it", r.text)
    subs = r.json().get("subproblems", []) if r.headers.get("Content-Type", "").startswith("application/problem") else []
    ok(len(subs) == 1 and subs[0]["identifier"]["value"] == "evil.test", "one subproblem per rejected name", subs)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "a.b.wild.proto.test"}]})
    ok(ptype(r) == "rejectedIdentifier", "a wildcard enrollment does not cover two labels below", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "mail.proto.test"}]})
    ok(ptype(r) == "rejectedIdentifier", "a plain enrollment covers only the name and www", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "ip", "value": "127.0.0.1"}]})
    ok(ptype(r) == "unsupportedIdentifier", "IP identifiers are not supported", r.text)

    # Issuance, with the refusals on the way
    url, order = order_ready(c, ["www.proto.test"])
    ok(order.get("status") == "ready", "http-01 validation makes the order ready", order)
    r = c.post(order["finalize"], {"csr": csr_for(["www.proto.test"], extra=["proto.test"])})
    ok(ptype(r) == "badCSR" and "not in the order" in detail(r), "a CSR with an extra SAN is refused", r.text)
    # Keys the signer refuses are badCSR here, not a 500 (issue 13 item 5).
    for curve in (ec.SECP256K1(), ec.BrainpoolP256R1()):
        r = c.post(order["finalize"], {"csr": csr_for(["www.proto.test"], curve=curve)})
        ok(r.status_code == 400 and ptype(r) == "badCSR" and "P-256 or P-384" in detail(r),
           "a CSR key on %s is badCSR" % curve.name, r.text)
    r = c2.post(url, None)
    ok(r.status_code >= 400, "another account cannot read this order", r.text)
    r = c.s.get(url)
    ok(r.status_code == 405 or ptype(r) == "malformed", "GET on an order is refused (POST-as-GET only)")
    r = c.post(order["finalize"], {"csr": csr_for(["www.proto.test"])})
    ok(r.status_code == 200 and r.json().get("status") == "valid", "finalize issues the certificate", r.text)
    cert_url = r.json().get("certificate", "")
    r = c.post(cert_url, None)
    ok(r.status_code == 200 and r.headers.get("Content-Type") == "application/pem-certificate-chain",
       "the certificate downloads as a PEM chain")
    pems = r.text.split("-----END CERTIFICATE-----")[:-1] if r.status_code == 200 else []
    certs = [x509.load_pem_x509_certificate((p + "-----END CERTIFICATE-----\n").encode()) for p in pems]
    ok(len(certs) == 2, "leaf and issuing CA in the chain")
    if certs:
        san = certs[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        ok(san.get_values_for_type(x509.DNSName) == ["www.proto.test"], "the SAN is the ordered name")
        days = (certs[0].not_valid_after - certs[0].not_valid_before).days
        ok(89 <= days <= 90, "valid for 90 days", days)
        ok(certs[0].serial_number.bit_length() > 64 and certs[0].serial_number.bit_length() <= 128,
           "a random serial of up to 128 bits")
    r = c2.post(cert_url, None)
    ok(r.status_code >= 400, "another account cannot download the certificate")

    # The writing requests record their nonce in the same transaction as
    # their changes: a replay changes nothing and is still a badNonce.
    def certs_of(order_url):
        oid = order_url.rstrip("/").rsplit("/", 1)[1]
        return subprocess.run(sql + ["SELECT COUNT(*) FROM certificates WHERE order_id = " + str(int(oid))],
                              check=True, capture_output=True, text=True).stdout.strip()
    url, order = order_ready(c, ["fin.wild.proto.test"])
    n = c.new_nonce()
    r = c.post(order["finalize"], {"csr": csr_for(["fin.wild.proto.test"])}, nonce=n)
    ok(r.status_code == 200 and r.json().get("status") == "valid", "finalize with a fresh nonce issues", r.text)
    r = c.post(order["finalize"], {"csr": csr_for(["fin.wild.proto.test"])}, nonce=n)
    ok(ptype(r) == "badNonce", "finalize replayed with its nonce is a badNonce", r.text)
    ok(certs_of(url) == "1", "and issues nothing more", certs_of(url))
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "chal.wild.proto.test"}]})
    a = c.post(r.json()["authorizations"][0], None).json()
    ch = [x for x in a["challenges"] if x["type"] == "http-01"][0]
    n = c.new_nonce()
    r = c.post(ch["url"], {}, nonce=n)
    ok(r.status_code == 200, "a challenge answered with a fresh nonce", r.text)
    r = c.post(ch["url"], {}, nonce=n)
    ok(ptype(r) == "badNonce", "the same challenge POST replayed is a badNonce", r.text)
    r = c.post(order["finalize"], {"csr": csr_for(["fin.wild.proto.test"])})
    ok(ptype(r) == "orderNotReady", "finalize of a valid order: orderNotReady", r.text)
    # Four finalizes of one ready order at once, each with its own nonce:
    # the order's row lock lets one issue; the others find it valid.
    url, order = order_ready(c, ["race.wild.proto.test"])
    bodies = [c.jws(order["finalize"], {"csr": csr_for(["race.wild.proto.test"])}, nonce=c.new_nonce())
              for _ in range(4)]
    res = [r.status_code if r.status_code == 200 else ptype(r) for r in post_at_once(order["finalize"], bodies)]
    ok(sorted(res, key=str) == [200, "orderNotReady", "orderNotReady", "orderNotReady"],
       "four concurrent finalizes: one issues, three get orderNotReady", res)
    ok(certs_of(url) == "1", "one certificate for the order", certs_of(url))

    # ACME Renewal Information (RFC 9773)
    ok("renewalInfo" in c.dir, "the directory advertises renewalInfo")
    def cert_id(cert):
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        n = cert.serial_number
        ser = n.to_bytes((n.bit_length() + 8) // 8, "big")  # DER: with a sign byte when needed
        return b64(aki) + "." + b64(ser)
    def window(cert):
        r = c.s.get(c.dir["renewalInfo"] + "/" + cert_id(cert))
        if r.status_code != 200:
            return r, None, None
        w = r.json()["suggestedWindow"]
        parse = lambda t: time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        return r, parse(w["start"]), parse(w["end"])
    if certs:
        leaf = certs[0]
        nb, na = leaf.not_valid_before.timestamp() - time.timezone, leaf.not_valid_after.timestamp() - time.timezone
        r, ws, we = window(leaf)
        ok(r.status_code == 200 and r.headers.get("Retry-After") == "21600", "renewalInfo answers with Retry-After",
           r.text)
        ok(ws is not None and nb + (na - nb) / 2 < ws < we < na, "the window lies in the last part of the lifetime",
           (nb, ws, we, na))
        r = c.s.get(c.dir["renewalInfo"] + "/" + cert_id(leaf).split(".")[0] + "." + b64(b"\x01\x02"))
        ok(r.status_code == 404, "an unknown serial is 404", r.status_code)
        r = c.s.get(c.dir["renewalInfo"] + "/" + b64(b"other-issuer") + "." + cert_id(leaf).split(".")[1])
        ok(r.status_code >= 400, "another issuer's AKI is refused", r.status_code)
        soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 20 * 86400))
        ctl("domain-add", "--kid", kid, "--domain", "proto.test", "--expires", soon)
        r, ws2, we2 = window(leaf)
        ok(we2 is not None and we2 < na - 60 * 86400 and we2 <= time.time() + 20 * 86400 - 86400 + 5,
           "the window moves before the subscription's end when it ends before notAfter", (we2, soon))
        ctl("domain-expire", "--kid", kid, "--domain", "proto.test")
        r, ws3, we3 = window(leaf)
        ok(we3 is not None and we3 < time.time() and r.headers.get("Retry-After") == "60",
           "once its domain has expired, the window is in the past (renew now)", (we3, r.headers.get("Retry-After")))
        ctl("domain-add", "--kid", kid, "--domain", "proto.test")
    r = c.post(order["finalize"], {"csr": csr_for(["www.proto.test"])})
    ok(ptype(r) == "orderNotReady", "a valid order cannot be finalized again", r.text)

    # Expired domain: newOrder refused, and finalize re-checks the allowlist.
    url2, order2 = order_ready(c, ["proto.test"])
    ok(order2.get("status") == "ready", "second order ready")
    ctl("domain-expire", "--kid", kid, "--domain", "proto.test")
    r = c.post(order2["finalize"], {"csr": csr_for(["proto.test"])})
    ok(ptype(r) == "rejectedIdentifier", "finalize after the domain expired is refused", r.text)
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(ptype(r) == "rejectedIdentifier", "newOrder for an expired domain is refused", r.text)
    ctl("domain-add", "--kid", kid, "--domain", "proto.test")

    # Finalize re-checks expiry and coverage under its locks (issue 13 items 2, 7).
    def q(stmt):
        return subprocess.run(sql + [stmt], check=True, capture_output=True, text=True).stdout.strip()
    def oid(u):
        return str(int(u.rstrip("/").rsplit("/", 1)[1]))
    url3, order3 = order_ready(c, ["exp.wild.proto.test"])
    q("UPDATE orders SET expires_at = '2000-01-01 00:00:00' WHERE id = " + oid(url3))
    r = c.post(order3["finalize"], {"csr": csr_for(["exp.wild.proto.test"])})
    ok(ptype(r) == "orderNotReady" and "expired" in detail(r), "finalize of a ready order past its expiry is refused",
       r.text)
    ok(c.post(url3, None).json().get("status") == "invalid", "and the order reads invalid")
    ok(certs_of(url3) == "0", "nothing issued for the expired order", certs_of(url3))
    url4, order4 = order_ready(c, ["authz.wild.proto.test"])
    q("UPDATE authorizations SET expires_at = '2000-01-01 00:00:00' WHERE order_id = " + oid(url4))
    r = c.post(order4["finalize"], {"csr": csr_for(["authz.wild.proto.test"])})
    ok(ptype(r) == "orderNotReady" and "authorization" in detail(r),
       "finalize whose authorization expired is refused (no validation reuse)", r.text)
    o4 = c.post(url4, None).json()
    ok(o4.get("status") == "invalid", "and the order reads invalid", o4)
    ok(c.post(o4["authorizations"][0], None).json().get("status") == "expired", "its authorization reads expired")
    ok(certs_of(url4) == "0", "nothing issued on an expired authorization", certs_of(url4))
    # A removal in progress (row updated, not committed) when finalize runs:
    # finalize waits for it and then sees the name gone, instead of issuing a
    # certificate the removal's revocation pass would not see.
    ctl("domain-add", "--kid", kid, "--domain", "lock.proto.test")
    url5, order5 = order_ready(c, ["lock.proto.test"])
    eab = q("SELECT id FROM eab_keys WHERE kid = '%s'" % kid)
    holder = subprocess.Popen(sql[:-1] + ["--unbuffered"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    holder.stdin.write("BEGIN; UPDATE eab_domains SET removed_at = UTC_TIMESTAMP() WHERE eab_id = %s AND "
                       "domain = 'lock.proto.test'; SELECT 'held'; SELECT SLEEP(2); COMMIT;\n" % eab)
    holder.stdin.flush()
    holder.stdout.readline()  # 'held': the row lock is taken
    t0 = time.time()
    r = c.post(order5["finalize"], {"csr": csr_for(["lock.proto.test"])})
    waited = time.time() - t0
    holder.stdin.close()
    holder.wait()
    ok(ptype(r) == "rejectedIdentifier" and certs_of(url5) == "0",
       "finalize concurrent with a removal waits for it and refuses the removed name", (r.text, certs_of(url5)))
    ok(waited > 1.0, "(it waited for the removal's lock: %.1f s)" % waited)

    # §7.6: besides the ordering account and the certificate's key, an account
    # that holds authorizations for every name may revoke (as Boulder).
    url6, order6 = order_ready(c, ["rev.wild.proto.test"])
    r = c.post(order6["finalize"], {"csr": csr_for(["rev.wild.proto.test"])})
    pem = c.post(r.json().get("certificate", ""), None).text if r.status_code == 200 else ""
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER) if pem else b""
    r = c2.post(c2.dir["revokeCert"], {"certificate": b64(der)})
    ok(ptype(r) == "unauthorized", "§7.6: an account without authorizations for its names cannot revoke it", r.text)
    order_ready(c2, ["rev.wild.proto.test"])
    r = c2.post(c2.dir["revokeCert"], {"certificate": b64(der), "reason": 4})
    ok(r.status_code == 200, "§7.6: an account holding valid authorizations for every name may revoke it", r.text)

    # Suspended key
    ctl("eab-status", "--kid", kid, "--status", "suspended")
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(ptype(r) == "unauthorized" and "suspended" in detail(r), "a suspended key's accounts are refused", r.text)
    c3 = Client(DV)
    r = c3.register(kid, hm)
    ok(ptype(r) == "unauthorized", "a suspended key cannot bind new accounts", r.text)
    ctl("eab-status", "--kid", kid, "--status", "valid")
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(r.status_code == 201, "unsuspended, the account orders again", r.text)

    # Wrong level directory with a kid
    co = Client(OV)
    co.kid, co.key = acct, c.key
    r = co.post(co.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(r.status_code >= 400, "a DV account cannot use the OV directory", r.text)

    # Key rollover (§7.3.5)
    def key_change(client, new, old_jwk=None, account=None):
        url = client.dir["keyChange"]
        inner_prot = b64(json.dumps({"alg": "ES256", "jwk": new.jwk, "url": url}))
        inner_pay = b64(json.dumps({"account": account or client.kid, "oldKey": old_jwk or client.key.jwk}))
        inner = {"protected": inner_prot, "payload": inner_pay,
                 "signature": b64(new.sign((inner_prot + "." + inner_pay).encode()))}
        return client.post(url, inner)
    new = Key()
    r = key_change(c, new, old_jwk=Key().jwk)
    ok(ptype(r) == "unauthorized", "key change naming a wrong oldKey is refused", r.text)
    r = key_change(c, c2.key)
    ok(r.status_code == 409 and r.headers.get("Location") == c2.kid,
       "key change onto another account's key: 409 with that account", r.text)
    r = key_change(c, c.key)
    ok(ptype(r) == "malformed" and "current key" in detail(r),
       "§7.3.5: a key change onto the account's current key is refused (as Boulder)", r.text)
    old = c.key
    r = key_change(c, new)
    ok(r.status_code == 200, "key change to a new key succeeds", r.text)
    c.key = new
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(r.status_code == 201, "the account works with its new key", r.text)
    c.key = old
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(r.status_code >= 400, "the old key no longer works", r.text)
    c.key = new
    r = c.post(c.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    ok(r.headers.get("Location") == acct, "the new key finds the same account")

    # Deactivation
    r = c2.post(c2.kid, {"status": "deactivated"})
    ok(r.status_code == 200 and r.json().get("status") == "deactivated", "an account can deactivate itself")
    r = c2.post(c2.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.test"}]})
    ok(ptype(r) == "unauthorized", "a deactivated account is refused", r.text)

    srv.shutdown()
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
