#!/usr/bin/env bash
# tls-alpn-01 (RFC 8737) with lego (Debian) against the bundled CA: lego answers
# on the CA's tls_alpn01_port (P-3479, read from $CA_CONF) and gets a
# certificate; nothing listening there fails with connection; a server that
# negotiates acme-tls/1 with a certificate lacking the acmeIdentifier
# extension (openssl s_server) fails with unauthorized.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

CLIENT_TIMEOUT=25
ENROLLED='*.alpn.test'
NAME=www.alpn.test
export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE
SRV_PID=

# shellcheck disable=SC2317 # called through trap, check or a condition
srv_stop() {
	if [[ -n "$SRV_PID" ]]; then
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
		SRV_PID=
	fi
}
trap 'srv_stop; interop_cleanup' EXIT

TLS_PORT=$(sed -n 's/^tls_alpn01_port *= *//p' "$CA_CONF")
if [[ ! "$TLS_PORT" =~ ^[0-9]+$ ]]; then
	not_ok "the CA's tls_alpn01_port is set" "tls_alpn01_port = '$TLS_PORT' in $CA_CONF"
	done_testing
fi
# lego needs a port of its own when the CA must not reach it.
SPARE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TLS_PORT SPARE_PORT

# listening PORT: 0 when something accepts connections on 127.0.0.1:PORT.
# shellcheck disable=SC2317 # called through trap, check or a condition
listening() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
# shellcheck disable=SC2317 # called through trap, check or a condition
tls_port_free() { ! listening "$TLS_PORT"; }

# lego_tls DIR LISTEN ARGS...: lego with its state under DIR, tls-alpn-01
# only, its challenge server on 127.0.0.1:LISTEN.
# shellcheck disable=SC2317 # run through run_client
lego_tls() {
	local d=$1 port=$2
	shift 2
	lego --server "$ACME_DV_URL" --accept-tos --email "admin@alpn.test" --path "$d" \
		--tls --tls.port "127.0.0.1:$port" "$@"
}

check "key for $ENROLLED created and enrolled" new_eab "$ENROLLED"
check "tls-alpn-01 port $TLS_PORT is free" tls_port_free

D="$TEST_TMP/lego"
client_ok "lego obtains a certificate for $NAME over tls-alpn-01 on port $TLS_PORT" \
	"$TEST_TMP/good.log" lego_tls "$D" "$TLS_PORT" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d "$NAME" run
split_chain "$D/certificates/$NAME.crt" "$TEST_TMP/chain" ||
	diag "no certificate in $D/certificates/$NAME.crt"
check_issued "tls-alpn-01" "$TEST_TMP/chain/leaf.pem" "$TEST_TMP/chain/rest.pem" "$NAME"

client_refused "nothing on port $TLS_PORT: tls-alpn-01 fails with the CA's connection problem" \
	"urn:ietf:params:acme:error:connection" "$TEST_TMP/down.log" \
	lego_tls "$D" "$SPARE_PORT" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d down.alpn.test run

# A server that speaks acme-tls/1 with a plain certificate for the name.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-keyout "$TEST_TMP/plain.key" -out "$TEST_TMP/plain.pem" -subj "/CN=plain.alpn.test" \
	-addext "subjectAltName=DNS:plain.alpn.test" 2>/dev/null
openssl s_server -quiet -accept "127.0.0.1:$TLS_PORT" -alpn acme-tls/1 \
	-cert "$TEST_TMP/plain.pem" -key "$TEST_TMP/plain.key" \
	>"$TEST_TMP/s_server.log" 2>&1 </dev/null &
SRV_PID=$!
for ((i = 0; i < 50; i++)); do
	listening "$TLS_PORT" && break
	sleep 0.1
done
client_refused "a certificate without the acmeIdentifier extension fails with the CA's unauthorized" \
	"acmeIdentifier extension" "$TEST_TMP/noext.log" \
	lego_tls "$D" "$SPARE_PORT" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d plain.alpn.test run
like "the CA names the problem type" "$(cat "$TEST_TMP/noext.log")" "urn:ietf:params:acme:error:unauthorized"
srv_stop

done_testing
