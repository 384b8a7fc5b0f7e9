#!/usr/bin/env bash
# ca-validator: http-01 (RFC 8555 §8.3) against a real HTTP responder and a
# real MariaDB; the address policy, redirects, caps, retries, the queue shared
# by several validators, the wake socket, and a graceful stop.
#
# Self-contained: its own database (ca_vtest_PID, dropped at the end), its own
# ca.conf, its own responder (python3) on a free port.
. "$ROOT/tests/lib.sh"

unset CAAS_NOW CA_CONFIG
VALIDATOR="$BUILD_DIR/fcgi/ca/ca-validator"
DB="ca_vtest_$$"
T="$TEST_TMP"
PIDS=()

mysql_root() { mariadb --no-defaults -S "$MYSQL_SOCKET" -u root "$@"; }
# SQL TEXT: run in the test database, tab-separated rows without headers.
SQL() { mysql_root -N -B -r "$DB" -e "$1"; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	mysql_root -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- database, config, responder ----

if [[ ! -x "$VALIDATOR" ]]; then
	not_ok "ca-validator is built" "$VALIDATOR missing"
	done_testing
fi
mysql_root -e "CREATE DATABASE $DB"
for f in "$ROOT"/schema/ca/*.sql; do mysql_root "$DB" <"$f"; done
check "the CA schema applies to a fresh database" test "$(SQL 'SELECT COUNT(*) FROM challenges')" = 0

PORT=$(free_port)
MAXB=1024
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/eab.key"
# conf NAME: a ca.conf for validator NAME (own socket and pidfile, shared database).
conf() {
	cat >"$T/$1.conf" <<-EOF
	base_url = https://127.0.0.1:1
	eab_key_file = $T/eab.key
	db_user = root
	db_socket = $MYSQL_SOCKET
	db_name = $DB
	validator_socket = $T/$1.sock
	validator_pidfile = $T/$1.pid
	validator_workers = 2
	http01_port = $PORT
	resolve = test=127.0.0.1, down.test=127.0.0.2
	validation_timeout = 3
	validation_max_bytes = $MAXB
	EOF
}
conf a
conf b

# The responder: files under www/, plus routes.json for redirects and for
# bodies sent without Content-Length; every GET is logged to requests.log.
mkdir -p "$T/www/.well-known/acme-challenge"
echo '{}' >"$T/routes.json"
cat >"$T/responder.py" <<'EOF'
import http.server, json, os, sys, time
root, port = sys.argv[1], int(sys.argv[2])
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=os.path.join(root, "www"), **k)
    def do_GET(self):
        with open(os.path.join(root, "requests.log"), "a") as f:
            f.write(self.path + "\n")
        with open(os.path.join(root, "routes.json")) as f:
            r = json.load(f).get(self.path)
        if r and "location" in r:
            self.send_response(r.get("status", 302))
            self.send_header("Location", r["location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif r and "delay" in r:
            time.sleep(r["delay"])
            super().do_GET()
        elif r and "stream" in r:
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * r["stream"])
        else:
            super().do_GET()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
python3 "$T/responder.py" "$T" "$PORT" 2>"$T/responder.err" &
PIDS+=($!)
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done

# ---- rows ----

THUMB=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
SQL "INSERT INTO eab_keys (kid, level, status, hmac_enc, created_at)
	VALUES ('vtest', 'DV', 'valid', X'00', UTC_TIMESTAMP())"
SQL "INSERT INTO accounts (eab_id, jwk_thumbprint, jwk, created_at)
	VALUES (1, '$THUMB', '{}', UTC_TIMESTAMP())"

new_order() {
	SQL "INSERT INTO orders (account_id, identifiers, expires_at, created_at)
		VALUES (1, '[]', UTC_TIMESTAMP() + INTERVAL 1 DAY, UTC_TIMESTAMP());
		SELECT LAST_INSERT_ID()"
}
new_token() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
# new_chall ORDER IDENT TOKEN: a pending http-01 challenge; prints its id.
new_chall() {
	SQL "INSERT INTO authorizations (order_id, account_id, identifier, expires_at)
		VALUES ($1, 1, '$2', UTC_TIMESTAMP() + INTERVAL 1 DAY);
		INSERT INTO challenges (authz_id, type, token)
		VALUES (LAST_INSERT_ID(), 'http-01', '$3');
		SELECT LAST_INSERT_ID()"
}
# serve TOKEN CONTENT: what the responder answers for the token.
serve() { printf '%s' "$2" >"$T/www/.well-known/acme-challenge/$1"; }
route() {
	python3 - "$T/routes.json" "$1" "$2" <<-'EOF'
	import json, sys
	p, path, r = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
	d = json.load(open(p)); d[path] = r; json.dump(d, open(p, "w"))
	EOF
}
queue() {
	SQL "UPDATE challenges SET status = 'processing', next_attempt_at = UTC_TIMESTAMP()
		WHERE id IN ($(IFS=,; echo "$*"))"
}
wake() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"!", sys.argv[1])' "$1"
}
# wait_done ID...: until none of the challenges is processing (30 s at most).
wait_done() {
	local ids
	ids=$(IFS=,; echo "$*")
	for _ in $(seq 1 300); do
		[[ $(SQL "SELECT COUNT(*) FROM challenges WHERE id IN ($ids) AND status = 'processing'") == 0 ]] && return 0
		sleep 0.1
	done
	return 1
}
cstatus() { SQL "SELECT status FROM challenges WHERE id = $1"; }
cerror() { SQL "SELECT error FROM challenges WHERE id = $1"; }
astatus() { SQL "SELECT a.status FROM authorizations a JOIN challenges c ON c.authz_id = a.id WHERE c.id = $1"; }
ostatus() { SQL "SELECT status FROM orders WHERE id = $1"; }

start_validator() {
	"$VALIDATOR" -f "$T/$1.conf" 2>>"$T/$1.log" &
	PIDS+=($!)
	for _ in $(seq 1 50); do
		[[ -S "$T/$1.sock" && -s "$T/$1.pid" ]] && return 0
		sleep 0.1
	done
	return 1
}

# ---- one validator ----

check "ca-validator starts and binds its wake socket" start_validator a
is "the pidfile holds the master's pid" "$(cat "$T/a.pid")" "${PIDS[-1]}"
is "the wake socket is group-writable only (0660)" "$(stat -c %a "$T/a.sock")" 660

o_ok=$(new_order); t=$(new_token)
c_ok=$(new_chall "$o_ok" ok.test "$t"); serve "$t" "$t.$THUMB"$'\n \t'
o_two=$(new_order); t1=$(new_token); t2=$(new_token)
c_two1=$(new_chall "$o_two" one.test "$t1"); serve "$t1" "$t1.$THUMB"
c_two2=$(new_chall "$o_two" two.test "$t2"); serve "$t2" "$t2.$THUMB"
o_bad=$(new_order); t=$(new_token)
c_bad=$(new_chall "$o_bad" bad.test "$t"); serve "$t" "$t.wrongthumbprint"
o_404=$(new_order)
c_404=$(new_chall "$o_404" missing.test "$(new_token)")
o_big=$(new_order); t=$(new_token)
c_big=$(new_chall "$o_big" big.test "$t"); serve "$t" "$t.$THUMB$(head -c $((MAXB * 4)) /dev/zero | tr '\0' ' ')"
o_stream=$(new_order); t=$(new_token)
c_stream=$(new_chall "$o_stream" stream.test "$t"); route "/.well-known/acme-challenge/$t" "{\"stream\": $((MAXB * 8))}"
o_redir=$(new_order); t=$(new_token)
c_redir=$(new_chall "$o_redir" redir.test "$t"); serve "$t-moved" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" "{\"location\": \"/.well-known/acme-challenge/$t-moved\"}"
o_hop=$(new_order); t=$(new_token)
c_hop=$(new_chall "$o_hop" hop.test "$t"); serve "$t-there" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" "{\"status\": 301, \"location\": \"http://other.hop.test:$PORT/.well-known/acme-challenge/$t-there\"}"
o_22=$(new_order); t=$(new_token)
c_22=$(new_chall "$o_22" port22.test "$t"); serve "$t" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" "{\"location\": \"http://port22.test:22/.well-known/acme-challenge/$t\"}"
o_ftp=$(new_order); t=$(new_token)
c_ftp=$(new_chall "$o_ftp" ftp.test "$t")
route "/.well-known/acme-challenge/$t" "{\"location\": \"ftp://ftp.test/$t\"}"
o_loop=$(new_order); t=$(new_token)
c_loop=$(new_chall "$o_loop" loop.test "$t")
route "/.well-known/acme-challenge/$t" "{\"location\": \"/.well-known/acme-challenge/$t\"}"
o_lh=$(new_order); t=$(new_token)
c_lh=$(new_chall "$o_lh" localhost "$t"); serve "$t" "$t.$THUMB"
o_rlh=$(new_order); t=$(new_token)
c_rlh=$(new_chall "$o_rlh" rlh.test "$t"); serve "$t" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" "{\"location\": \"http://localhost:$PORT/.well-known/acme-challenge/$t\"}"
o_down=$(new_order)
c_down=$(new_chall "$o_down" x.down.test "$(new_token)")

all=("$c_ok" "$c_two1" "$c_two2" "$c_bad" "$c_404" "$c_big" "$c_stream" "$c_redir" "$c_hop"
	"$c_22" "$c_ftp" "$c_loop" "$c_lh" "$c_rlh" "$c_down")
start=$(date +%s)
queue "${all[@]}"
wake "$T/a.sock"
check "every queued challenge gets an outcome" wait_done "${all[@]}"
elapsed=$(($(date +%s) - start))

is "right content: challenge valid" "$(cstatus "$c_ok")" valid
check "right content: validated_at is set" test -n "$(SQL "SELECT validated_at FROM challenges WHERE id = $c_ok AND validated_at IS NOT NULL")"
is "right content: authorization valid" "$(astatus "$c_ok")" valid
is "right content: order ready" "$(ostatus "$o_ok")" ready
is "two authorizations, both valid: order ready" "$(ostatus "$o_two"):$(astatus "$c_two1"):$(astatus "$c_two2")" ready:valid:valid

is "wrong content: challenge invalid" "$(cstatus "$c_bad")" invalid
like "wrong content: incorrectResponse problem" "$(cerror "$c_bad")" '"type":"urn:ietf:params:acme:error:incorrectResponse"'
is "wrong content: authorization invalid" "$(astatus "$c_bad")" invalid
is "wrong content: order invalid" "$(ostatus "$o_bad")" invalid
oerr=$(SQL "SELECT error FROM orders WHERE id = $o_bad")
like "wrong content: the order's error names the identifier" "$oerr" '"identifier":{"type":"dns","value":"bad.test"}'
check "problem documents are valid JSON" python3 -c 'import json, sys; [json.loads(a) for a in sys.argv[1:]]' "$(cerror "$c_bad")" "$oerr"
like "404: unauthorized problem" "$(cerror "$c_404")" 'error:unauthorized'

is "body over validation_max_bytes: invalid" "$(cstatus "$c_big")" invalid
like "body over validation_max_bytes: says so" "$(cerror "$c_big")" "larger than $MAXB bytes"
is "body over the cap without Content-Length: invalid" "$(cstatus "$c_stream")" invalid
like "body over the cap without Content-Length: says so" "$(cerror "$c_stream")" "larger than $MAXB bytes"

is "redirect to another path on the same host: followed, valid" "$(cstatus "$c_redir")" valid
is "redirect to another mapped host: followed, valid" "$(cstatus "$c_hop")" valid
is "redirect to port 22: invalid" "$(cstatus "$c_22")" invalid
like "redirect to port 22: refused for its port" "$(cerror "$c_22")" 'port 22 is not allowed'
is "redirect to ftp: invalid" "$(cstatus "$c_ftp")" invalid
is "redirect loop: invalid" "$(cstatus "$c_loop")" invalid
like "redirect loop: stopped after 10 hops" "$(cerror "$c_loop")" 'more than 10 redirects'
loops=$(grep -c "/.well-known/acme-challenge/$(SQL "SELECT token FROM challenges WHERE id = $c_loop")\$" "$T/requests.log")
is "redirect loop: 11 requests (the first and 10 hops)" "$loops" 11

is "a name resolving to loopback (localhost): invalid" "$(cstatus "$c_lh")" invalid
like "localhost: refused as not public" "$(cerror "$c_lh")" 'not a public address'
like "localhost: connection problem" "$(cerror "$c_lh")" 'error:connection'
is "redirect to localhost: invalid" "$(cstatus "$c_rlh")" invalid
like "redirect to localhost: refused as not public" "$(cerror "$c_rlh")" 'not a public address'

is "nothing listening: invalid" "$(cstatus "$c_down")" invalid
like "nothing listening: connection problem" "$(cerror "$c_down")" 'error:connection'
is "nothing listening: tried 3 times" "$(SQL "SELECT attempts FROM challenges WHERE id = $c_down")" 3
check "nothing listening: retries logged" grep -q "challenge $c_down http-01 x.down.test: attempt 2 of 3 failed" "$T/a.log"
check "all of it took less than 30 s (took ${elapsed} s)" test "$elapsed" -lt 30
is "one outcome line per challenge" \
	"$(grep -cE "challenge ($(IFS='|'; echo "${all[*]}")) http-01 [^ ]+: (valid|invalid)" "$T/a.log")" "${#all[@]}"
check "no key authorization in the log" bash -c "! grep -q -- '$THUMB' '$T/a.log'"

# ---- the wake socket: an idle worker starts at once ----

fast=0
for _ in 1 2 3; do
	sleep 1.2	# every worker idle in poll
	o=$(new_order); t=$(new_token); c=$(new_chall "$o" wake.test "$t"); serve "$t" "$t.$THUMB"
	queue "$c"
	t0=$(date +%s%N)
	wake "$T/a.sock"
	wait_done "$c"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[[ $ms -lt 500 ]] && fast=$((fast + 1))
	diag "woken validation took $ms ms"
done
is "a wake byte starts validation at once (3 of 3 under 500 ms)" "$fast" 3

# ---- two validators, one queue: never the same challenge twice ----

check "a second validator starts on the same database" start_validator b
: >"$T/requests.log"
many=()
for _ in $(seq 1 24); do
	o=$(new_order); t=$(new_token); c=$(new_chall "$o" many.test "$t"); serve "$t" "$t.$THUMB"
	route "/.well-known/acme-challenge/$t" '{"delay": 0.2}'	# validations overlap
	many+=("$c")
done
queue "${many[@]}"
wake "$T/a.sock"; wake "$T/b.sock"; wake "$T/a.sock"; wake "$T/b.sock"
check "24 challenges get an outcome with two validators" wait_done "${many[@]}"
is "24 challenges valid" "$(SQL "SELECT COUNT(*) FROM challenges WHERE id IN ($(IFS=,; echo "${many[*]}")) AND status = 'valid'")" 24
is "each challenge URL fetched exactly once" "$(sort "$T/requests.log" | uniq -d | wc -l):$(wc -l <"$T/requests.log")" "0:24"
lines=$(cat "$T/a.log" "$T/b.log" | grep -oE "challenge ($(IFS='|'; echo "${many[*]}")) http-01 many.test: valid")
is "24 outcome lines over both validators" "$(wc -l <<<"$lines")" 24
is "no challenge logged twice" "$(sort <<<"$lines" | uniq -d | wc -l)" 0
check "both validators did some of the work" bash -c "grep -q 'many.test: valid' '$T/a.log' && grep -q 'many.test: valid' '$T/b.log'"

# ---- a worker killed mid-validation: respawned, and the lease runs out ----

stop_validator() {
	local pid
	pid=$(cat "$T/$1.pid")
	kill -TERM "$pid"
	for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	check "SIGTERM stops validator $1" bash -c "! kill -0 $pid 2>/dev/null"
	check "validator $1 removed its pidfile and socket" bash -c "[[ ! -e '$T/$1.pid' && ! -e '$T/$1.sock' ]]"
}
stop_validator b

master=$(cat "$T/a.pid")
o=$(new_order); t=$(new_token); c_crash=$(new_chall "$o" crash.test "$t"); serve "$t" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" '{"delay": 1.5}'
queue "$c_crash"; wake "$T/a.sock"
sleep 0.7	# a worker is waiting for the slow answer
victims=$(pgrep -P "$master" | sort)
kill -9 $victims
respawned=no
for _ in $(seq 1 40); do
	now=$(pgrep -P "$master" | sort)
	if [[ $(wc -l <<<"$now") -eq 2 ]] && [[ -z $(comm -12 <(echo "$victims") <(echo "$now")) ]]; then
		respawned=yes; break
	fi
	sleep 0.25
done
is "killed workers are respawned" "$respawned" yes
check "a challenge whose worker died is taken again when its lease ends" wait_done "$c_crash"
is "... and validated on the second attempt" "$(cstatus "$c_crash"):$(SQL "SELECT attempts FROM challenges WHERE id = $c_crash")" valid:2

# ---- graceful stop: the validation in hand is finished ----

o=$(new_order); t=$(new_token); c_slow=$(new_chall "$o" slow.test "$t"); serve "$t" "$t.$THUMB"
route "/.well-known/acme-challenge/$t" '{"delay": 1.5}'
sleep 1.2
queue "$c_slow"; wake "$T/a.sock"
sleep 0.5
stop_validator a
is "SIGTERM during a validation: it is finished and recorded first" "$(cstatus "$c_slow")" valid
check "no worker is left behind" bash -c "! pgrep -f -- '-f $T/[ab].conf' >/dev/null"
# ---- dns-01 (RFC 8555 §8.4) and tls-alpn-01 (RFC 8737): validator c ----
# pebble-challtestsrv (Debian package pebble) is the DNS server of dns_server;
# openssl s_server, one certificate at a time, answers on tls_alpn01_port.

DNSP=$(free_port); MGMTP=$(free_port); TLSP=$(free_port)
conf c
printf 'dns_server = 127.0.0.1:%s\ntls_alpn01_port = %s\n' "$DNSP" "$TLSP" >>"$T/c.conf"
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$DNSP" \
	-http01 "" -https01 "" -tlsalpn01 "" -management "127.0.0.1:$MGMTP" >"$T/challtestsrv.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$MGMTP/" && break
	sleep 0.1
done
check "validator c starts with dns_server and tls_alpn01_port" start_validator c

# new_chall_t TYPE ORDER IDENT TOKEN [WILDCARD]: a pending challenge of TYPE; prints its id.
new_chall_t() {
	SQL "INSERT INTO authorizations (order_id, account_id, identifier, wildcard, expires_at)
		VALUES ($2, 1, '$3', ${5:-0}, UTC_TIMESTAMP() + INTERVAL 1 DAY);
		INSERT INTO challenges (authz_id, type, token)
		VALUES (LAST_INSERT_ID(), '$1', '$4');
		SELECT LAST_INSERT_ID()"
}
# digest TOKEN [b64|hex]: SHA-256 of the key authorization TOKEN.THUMB.
digest() {
	python3 -c 'import hashlib, base64, sys
d = hashlib.sha256(sys.argv[1].encode()).digest()
print(d.hex() if sys.argv[2] == "hex" else base64.urlsafe_b64encode(d).rstrip(b"=").decode())' "$1.$THUMB" "${2:-b64}"
}
set_txt() {
	jq -nc --arg h "_acme-challenge.$1." --arg v "$2" '{host: $h, value: $v}' |
		curl -sf --max-time 5 -X POST --data-binary @- "http://127.0.0.1:$MGMTP/set-txt"
}
# validate ID: queue, wake validator c, wait for the outcome.
validate() { queue "$1"; wake "$T/c.sock"; wait_done "$1"; }

t=$(new_token); c_d=$(new_chall_t dns-01 "$(new_order)" dok.test "$t"); set_txt dok.test "$(digest "$t")"
validate "$c_d"
is "dns-01, the TXT record holds the digest: valid" "$(cstatus "$c_d")" valid
t=$(new_token); c_dw=$(new_chall_t dns-01 "$(new_order)" dwild.test "$t" 1); set_txt dwild.test "$(digest "$t")"
validate "$c_dw"
is "dns-01 for a wildcard: _acme-challenge of the base name, valid" "$(cstatus "$c_dw")" valid
t=$(new_token); c_db=$(new_chall_t dns-01 "$(new_order)" dbad.test "$t"); set_txt dbad.test "$(digest "$(new_token)")"
validate "$c_db"
is "dns-01, another digest: invalid" "$(cstatus "$c_db")" invalid
like "dns-01, another digest: incorrectResponse naming the name" "$(cerror "$c_db")" \
	'error:incorrectResponse","detail":"none of the 1 TXT records at _acme-challenge.dbad.test matches'
c_dn=$(new_chall_t dns-01 "$(new_order)" dnone.test "$(new_token)")
validate "$c_dn"
is "dns-01, no TXT record: invalid" "$(cstatus "$c_dn")" invalid
# challtestsrv answers an unknown name with an empty NOERROR without RA, which
# glibc takes for a lame server (TRY_AGAIN): retried, then a dns problem.
like "dns-01, no TXT record: dns problem" "$(cerror "$c_dn")" 'error:dns","detail":'
like "dns-01, no TXT record: the problem names the name" "$(cerror "$c_dn")" ' _acme-challenge.dnone.test'

SRV=
# alpn_case NAME SAN EXT [S_SERVER ARGS...]: a tls-alpn-01 challenge for NAME
# against s_server presenting a certificate with subjectAltName SAN and
# acmeIdentifier EXT (a format string: %s is the hex digest; "" for none).
# Prints the challenge id.
alpn_case() {
	local name=$1 san=$2 ext=$3 t c
	shift 3
	t=$(new_token)
	c=$(new_chall_t tls-alpn-01 "$(new_order)" "$name" "$t")
	local args=(-subj "/CN=$name" -addext "subjectAltName=$san")
	# shellcheck disable=SC2059 # ext is the caller's format
	[[ -n "$ext" ]] && args+=(-addext "1.3.6.1.5.5.7.1.31=$(printf "$ext" "$(digest "$t" hex)")")
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-keyout "$T/alpn.key" -out "$T/alpn.pem" "${args[@]}" 2>/dev/null
	openssl s_server -quiet -accept "127.0.0.1:$TLSP" -cert "$T/alpn.pem" -key "$T/alpn.key" "$@" \
		>>"$T/s_server.log" 2>&1 </dev/null &
	SRV=$!
	for _ in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$TLSP") 2>/dev/null && break
		sleep 0.1
	done
	validate "$c" >&2
	kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null
	echo "$c"
}
A=(-alpn acme-tls/1)
c=$(alpn_case aok.test DNS:aok.test 'critical,DER:0420%s' "${A[@]}")
is "tls-alpn-01, right certificate: valid" "$(cstatus "$c")" valid
c=$(alpn_case ancrit.test DNS:ancrit.test 'DER:0420%s' "${A[@]}")
like "tls-alpn-01, acmeIdentifier not critical: unauthorized" "$(cerror "$c")" 'error:unauthorized","detail":"the acmeIdentifier extension of ancrit.test'"'"'s certificate is not critical'
c=$(alpn_case atwo.test DNS:atwo.test,DNS:other.test 'critical,DER:0420%s' "${A[@]}")
like "tls-alpn-01, a second subjectAltName: unauthorized" "$(cerror "$c")" 'does not name exactly dNSName atwo.test'
c=$(alpn_case anoext.test DNS:anoext.test '' "${A[@]}")
like "tls-alpn-01, no acmeIdentifier: unauthorized" "$(cerror "$c")" 'presented has no acmeIdentifier extension'
c=$(alpn_case araw.test DNS:araw.test 'critical,DER:%s' "${A[@]}")
like "tls-alpn-01, digest not in an OCTET STRING: unauthorized" "$(cerror "$c")" 'is not an OCTET STRING of a SHA-256 digest'
c=$(alpn_case awrong.test DNS:awrong.test "critical,DER:0420$(digest x hex)" "${A[@]}")
like "tls-alpn-01, another digest: unauthorized" "$(cerror "$c")" 'does not match the key authorization'
c=$(alpn_case anoalpn.test DNS:anoalpn.test 'critical,DER:0420%s')
like "tls-alpn-01, acme-tls/1 not negotiated: unauthorized" "$(cerror "$c")" 'did not negotiate acme-tls/1'
c=$(new_chall_t tls-alpn-01 "$(new_order)" awild.test "$(new_token)" 1)
validate "$c"
like "tls-alpn-01 for a wildcard: refused" "$(cerror "$c")" 'tls-alpn-01 cannot validate a wildcard identifier'
check "dns-01 and tls-alpn-01: no key authorization in the log" bash -c "! grep -q -- '$THUMB' '$T/c.log'"
kill "$(cat "$T/c.pid")" 2>/dev/null

# ---- test hooks only in test builds (issue 13 item 6) ----
like "this (test) build warns that resolve= bypasses the address policy" \
	"$(grep -m1 'test hook resolve' "$T/a.log")" "without DNS and without the address policy"
# A production build (configure without --enable-test-hooks), kept in
# var/build-prod between runs: only what this check runs is built.
PROD="$ROOT/var/build-prod"
mkdir -p "$PROD"
if [[ ! -f "$PROD/Makefile" ]]; then
	(cd "$PROD" && "$ROOT/configure" >"$T/prod-configure.log" 2>&1)
fi
if make -C "$PROD" -j2 -s fcgi/ca/ca-validator fcgi/ca/caasctl-ca >"$T/prod-make.log" 2>&1; then
	ok "a production build of ca-validator and caasctl-ca"
	# (./dev test sets CAAS_CLOCK_OFFSET_FILE for the test build's programs.)
	out=$(env -u CAAS_CLOCK_OFFSET_FILE "$PROD/fcgi/ca/ca-validator" -f "$T/a.conf" 2>&1)
	rc=$?
	check "the production validator refuses resolve= (exit $rc)" test "$rc" -ne 0
	like "saying it is a test hook" "$out" "resolve is a test hook"
	sed -e '/^resolve = /d' -e "s|$T/a\.|$T/p.|" "$T/a.conf" >"$T/p.conf"
	out=$(env -u CAAS_CLOCK_OFFSET_FILE CAAS_NOW=2030-01-01 "$PROD/fcgi/ca/caasctl-ca" -f "$T/p.conf" migrate 2>&1)
	rc=$?
	check "a production program refuses CAAS_NOW (exit $rc)" test "$rc" -ne 0
	like "saying so" "$out" "CAAS_NOW is set, but this build has no test hooks"
	out=$(CAAS_CLOCK_OFFSET_FILE=/tmp/x "$PROD/fcgi/ca/ca-validator" -f "$T/p.conf" 2>&1)
	like "and CAAS_CLOCK_OFFSET_FILE" "$out" "CAAS_CLOCK_OFFSET_FILE is set, but this build has no test hooks"
	{ cat "$T/p.conf"; echo "reseller_fault_file = $T/fault"; } >"$T/f.conf"
	out=$(env -u CAAS_CLOCK_OFFSET_FILE "$PROD/fcgi/ca/caasctl-ca" -f "$T/f.conf" migrate 2>&1)
	like "a production program refuses the reseller API's fault rule file" "$out" \
		"reseller_fault_file is a test hook, but this build has no test hooks"
	CAAS_NOW=2030-01-01 "$VALIDATOR" -f "$T/p.conf" >"$T/p.log" 2>&1 &
	ppid=$!
	for _ in $(seq 1 50); do [[ -S "$T/p.sock" ]] && break; sleep 0.1; done
	check "while the test build runs with it" test -S "$T/p.sock"
	kill "$ppid" 2>/dev/null; wait "$ppid" 2>/dev/null
else
	not_ok "a production build of ca-validator and caasctl-ca" "$(tail -n 20 "$T/prod-make.log")"
fi

if [[ $TEST_FAILED -gt 0 ]]; then
	diag "validator a log:"; diag "$(tail -n 40 "$T/a.log")"
fi

done_testing
