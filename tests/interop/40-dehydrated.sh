#!/usr/bin/env bash
# dehydrated (Debian) against the bundled CA: EAB registration, http-01 with
# its WELLKNOWN directory served on 127.0.0.1:$ACME_HTTP01_PORT for a name
# under an enrolled wildcard, the chain it gets, and the refusals.
# Trust: CURL_OPTS="--cacert $ACME_CA_BUNDLE" in its config (it runs curl).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

ENROLLED='*.dehydrated.test'
NAME=host.dehydrated.test
WEBROOT="$TEST_TMP/www"
mkdir -p "$WEBROOT/.well-known/acme-challenge"

# config DIR HMAC: a dehydrated config with its state under DIR; HMAC empty
# means no EAB at all.
config() {
	local d=$1 hmac=$2
	mkdir -p "$d"
	{
		printf 'CA=%q\n' "$ACME_DV_URL"
		printf 'BASEDIR=%q\n' "$d"
		printf 'WELLKNOWN=%q\n' "$WEBROOT/.well-known/acme-challenge"
		printf 'CHALLENGETYPE=http-01\n'
		printf 'CONTACT_EMAIL=admin@dehydrated.test\n'
		printf 'CURL_OPTS=%q\n' "--cacert $ACME_CA_BUNDLE"
		if [[ -n "$hmac" ]]; then
			printf 'EAB_KID=%q\n' "$EAB_KID"
			printf 'EAB_HMAC_KEY=%q\n' "$hmac"
		fi
	} >"$d/config"
	printf '%s\n' "$d/config"
}

check "key for $ENROLLED created and enrolled" new_eab "$ENROLLED"
check "http-01 port $ACME_HTTP01_PORT is free" port_free
check "webroot served on 127.0.0.1:$ACME_HTTP01_PORT" web_start "$WEBROOT"

D="$TEST_TMP/good"
CONF=$(config "$D" "$EAB_HMAC")
client_ok "dehydrated registers with EAB" "$TEST_TMP/register.log" \
	dehydrated -f "$CONF" --register --accept-terms
client_ok "dehydrated obtains a certificate for $NAME (under $ENROLLED) over http-01" "$TEST_TMP/cert.log" \
	dehydrated -f "$CONF" -c -d "$NAME"
check_issued dehydrated "$D/certs/$NAME/cert.pem" "$D/certs/$NAME/chain.pem" "$NAME"

OTHER="www.$DEMO_DOMAIN"
client_refused "dehydrated is refused $OTHER, not enrolled on its key (rejectedIdentifier)" \
	rejectedIdentifier "$TEST_TMP/other.log" \
	dehydrated -f "$CONF" -c -d "$OTHER"

client_refused "dehydrated cannot register with a wrong HMAC (unauthorized)" \
	"urn:ietf:params:acme:error:unauthorized" "$TEST_TMP/badmac.log" \
	dehydrated -f "$(config "$TEST_TMP/badmac" "$BAD_HMAC")" --register --accept-terms

# dehydrated reads externalAccountRequired from the directory and stops.
client_refused "dehydrated without EAB stops: the directory says an external account is required" \
	"requires an external account" "$TEST_TMP/noeab.log" \
	dehydrated -f "$(config "$TEST_TMP/noeab" "")" --register --accept-terms

web_stop
done_testing
