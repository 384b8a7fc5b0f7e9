#!/usr/bin/env bash
# lego (Debian) against the bundled CA: EAB registration, http-01 with its own
# server on 127.0.0.1:$ACME_HTTP01_PORT for a name under an enrolled wildcard,
# the chain it gets, and the refusals. Trust: LEGO_CA_CERTIFICATES.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

ENROLLED='*.lego.test'
NAME=www.lego.test
export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE

# lego_run DIR ARGS...: lego with its state under DIR, http-01 on loopback.
# shellcheck disable=SC2317 # run through run_client
lego_run() {
	local d=$1
	shift
	lego --server "$ACME_DV_URL" --accept-tos --email "admin@lego.test" --path "$d" \
		--http --http.port "127.0.0.1:$ACME_HTTP01_PORT" "$@"
}

check "key for $ENROLLED created and enrolled" new_eab "$ENROLLED"
check "http-01 port $ACME_HTTP01_PORT is free" port_free

D="$TEST_TMP/good"
client_ok "lego registers with EAB and obtains a certificate for $NAME (under $ENROLLED) over http-01" \
	"$TEST_TMP/good.log" lego_run "$D" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d "$NAME" run
split_chain "$D/certificates/$NAME.crt" "$TEST_TMP/chain" ||
	diag "no certificate in $D/certificates/$NAME.crt"
check_issued lego "$TEST_TMP/chain/leaf.pem" "$TEST_TMP/chain/rest.pem" "$NAME"

OTHER="www.$DEMO_DOMAIN"
client_refused "lego is refused $OTHER, not enrolled on its key (rejectedIdentifier)" \
	rejectedIdentifier "$TEST_TMP/other.log" \
	lego_run "$D" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d "$OTHER" run

client_refused "lego cannot register with a wrong HMAC (unauthorized)" \
	"urn:ietf:params:acme:error:unauthorized" "$TEST_TMP/badmac.log" \
	lego_run "$TEST_TMP/badmac" --eab --kid "$EAB_KID" --hmac "$BAD_HMAC" -d "$NAME" run

# lego reads externalAccountRequired from the directory and stops.
client_refused "lego without EAB stops: the directory says External Account Binding is required" \
	"Server requires External Account Binding" "$TEST_TMP/noeab.log" \
	lego_run "$TEST_TMP/noeab" -d "$NAME" run

done_testing
