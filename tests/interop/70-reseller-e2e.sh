#!/usr/bin/env bash
# The reseller API end to end, as a reseller uses it: PREREGISTER a DV key
# over HTTPS, ADDDOMAIN a fresh name, certbot registers with the returned EAB
# key and gets a certificate, GETLASTORDER lists it (valid, same serial),
# REMOVEDOMAIN within 30 days and !AutoRevokeSSL revoke it (GETLASTORDER 8, the CRL lists it
# with cessationOfOperation, openssl refuses it) and certbot can no longer
# order the name (rejectedIdentifier).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

for v in CAAS_API_BASE CAAS_LOGIN CAAS_PASSWORD; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
done

export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE
API="$CAAS_API_BASE/products/!ACMEAdmin"
BODY="$TEST_TMP/api.json"
NAME="e2e-$(date -u +%s)-$$.rsl-e2e.test"

# api ACTION [FIELD=VALUE...]: POST to !ACMEAdmin with the reseller's login;
# ST is the HTTP status, the answer is in $BODY.
api() {
	local a=(--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD"
		--data-urlencode "action=$1") f
	shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	: >"$BODY"
	ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" --max-time 30 -o "$BODY" -w '%{http_code}' \
		"${a[@]}" "$API") || ST=000
}
j() { jq -r "$1" "$BODY" 2>/dev/null; }

# ---- PREREGISTER, ADDDOMAIN
api PREREGISTER "serverUrl=$ACME_DV_URL" years=1
is "PREREGISTER (DV) over HTTPS answers 200" "$ST" 200
KID=$(j '.Accounts[0].acmeAccountID')
HMAC=$(j '.Accounts[0].eabMACKeyb64url')
check "PREREGISTER returns an account id and a base64url HMAC key" \
	test -n "$KID" -a "$KID" != null -a -n "$(printf '%s' "$HMAC" | grep -E '^[A-Za-z0-9_-]{16,}$')"

api ADDDOMAIN "acmeAccountID=$KID" "domainName=$NAME" quoteOnly=N
is "ADDDOMAIN $NAME answers success" "$ST $(j .success)" "200 true"

# ---- certbot with the EAB key
check "http-01 port $ACME_HTTP01_PORT is free" port_free
D="$TEST_TMP/certbot"
client_ok "certbot registers with the PREREGISTERed key and obtains a certificate for $NAME" \
	"$TEST_TMP/issue.log" certbot_run "$D" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin@rsl-e2e.test" \
	--eab-kid="$KID" --eab-hmac-key="$HMAC" -d "$NAME"
LEAF="$D/config/live/$NAME/cert.pem"
check_issued certbot-e2e "$LEAF" "$D/config/live/$NAME/chain.pem" "$NAME"
SERIAL=$(openssl x509 -in "$LEAF" -noout -serial 2>/dev/null | sed 's/^serial=//' | tr '[:upper:]' '[:lower:]')
check "the leaf has a serial" test -n "$SERIAL"

# Serials compared without leading zeros (DER may pad one), lower case.
nozero() { local s=${1,,}; printf '%s' "${s#"${s%%[!0]*}"}"; }

api GETLASTORDER "acmeAccountID=$KID"
is "GETLASTORDER lists the certificate of $NAME as valid (6)" \
	"$ST $(j '[.Orders[] | .domainName + ":" + (.statusCode|tostring)] | join(" ")')" "200 $NAME:6"
is "GETLASTORDER's serialNumber is the leaf's" "$(nozero "$(j '.Orders[0].serialNumber')")" "$(nozero "$SERIAL")"

# ---- REMOVEDOMAIN within 30 days
api REMOVEDOMAIN "acmeAccountID=$KID" "domainName=$NAME"
is "REMOVEDOMAIN within 30 days answers success" \
	"$ST $(j '[.success, .Domains[0].domainName] | join(" ")')" "200 true $NAME"
# The documentation does not say the upstream revokes on REMOVEDOMAIN: with the
# stack's default (reseller_remove_revokes = no) the client asks !AutoRevokeSSL,
# as the customer area's confirm-revocations does (docs/upstream.md).
api GETLASTORDER "acmeAccountID=$KID"
ORDER=$(j '[.Orders[] | select(.domainName == "'"$NAME"'") | .orderNumber|tostring][0]')
if [[ "$(j '[.Orders[] | select(.domainName == "'"$NAME"'") | .statusCode|tostring][0]')" == 6 ]]; then
	: >"$BODY"
	ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" -o "$BODY" -w '%{http_code}' "$CAAS_API_BASE/products/!AutoRevokeSSL" \
		--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD" \
		--data-urlencode "orderNumber=$ORDER" --data-urlencode "codeReason=5" \
		--data-urlencode "revocationReason=cessationOfOperation" --data-urlencode "responseFormat=1")
	like "still valid after REMOVEDOMAIN: !AutoRevokeSSL revokes it (errorCode 0)" "$ST $(cat "$BODY")" "200 errorCode=0"
fi
api GETLASTORDER "acmeAccountID=$KID"
is "GETLASTORDER now shows the certificate revoked (8)" \
	"$(j '[.Orders[] | select(.domainName == "'"$NAME"'") | .statusCode|tostring] | join(" ")')" 8

crl="$TEST_TMP/issuing.crl"
if curl -sS -f --max-time 10 -o "$crl" "$CENTER_URL/crl/issuing.crl" &&
	openssl crl -inform DER -in "$crl" -out "$crl.pem" 2>/dev/null; then
	ok "the CRL is served at $CENTER_URL/crl/issuing.crl"
else
	not_ok "the CRL is served at $CENTER_URL/crl/issuing.crl" "no DER CRL there"
fi
# The entry of the serial: its reason line ("absent" when not listed).
reason=$(openssl crl -inform DER -in "$crl" -noout -text 2>/dev/null | awk -v s="$(nozero "$SERIAL")" '
	function nz(x) { x = tolower(x); sub(/^0+/, "", x); return x }
	/Serial Number:/ { on = (nz($3) == s); if (on) found = 1; next }
	on && /CRL Reason Code/ { getline; gsub(/^ +| +$/, ""); print; exit }
	END { if (!found) print "absent" }')
is "the CRL lists the serial with reason Cessation Of Operation" "$reason" "Cessation Of Operation"
out=$(openssl verify -crl_check -CAfile "$CA_ROOT_PEM" -untrusted "$CA_ISSUING_PEM" \
	-CRLfile "$crl.pem" "$LEAF" 2>&1) || true
like "openssl verify with the CRL refuses the leaf: certificate revoked" "$out" "certificate revoked"

# ---- the name can no longer be ordered
client_refused "a new certbot order for the removed $NAME is refused (rejectedIdentifier)" \
	rejectedIdentifier "$TEST_TMP/again.log" \
	certbot_run "$D" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" --force-renewal -d "$NAME"

done_testing
