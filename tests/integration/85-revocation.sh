#!/usr/bin/env bash
# Revocation (RFC 8555 §7.6) and the CRL: lego revokes with its account key
# (kid), certbot with its account key and with the certificate's own key
# (jwk, no account); the CRL served over HTTP lists them with their reason
# codes and openssl refuses exactly the revoked leaves; revoking twice,
# a reason outside the set and someone else's certificate are refused;
# caasctl-ca expire revokes the certificate whose enrollment ended, once.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE

# shellcheck disable=SC2317 # run through run_client
lego_run() {
	local d=$1
	shift
	lego --server "$ACME_DV_URL" --accept-tos --email "admin@revoke.test" --path "$d" \
		--http --http.port "127.0.0.1:$ACME_HTTP01_PORT" "$@"
}

export -f lego_run certbot_run
export ACME_DV_URL ACME_HTTP01_PORT

# leaf_of CHAIN OUT: the first certificate of CHAIN into OUT.
leaf_of() {
	openssl x509 -in "$1" -out "$2" 2>/dev/null
}

# fetch_crl: the CRL as nginx serves it, into $TEST_TMP/crl.pem.
fetch_crl() {
	curl -s -f --max-time 10 -o "$TEST_TMP/crl.der" "$CRL_URL" &&
		openssl crl -inform DER -in "$TEST_TMP/crl.der" -out "$TEST_TMP/crl.pem" 2>/dev/null
}

# verify_crl LEAF: openssl's verdict with CRL checking, on stdout.
verify_crl() {
	openssl verify -crl_check -CAfile "$CA_ROOT_PEM" -untrusted "$CA_ISSUING_PEM" \
		-CRLfile "$TEST_TMP/crl.pem" "$1" 2>&1
}

serial_of() {
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'a-f' 'A-F'
}

# crl_reason SERIAL: the reason line of SERIAL in the CRL text ("" if none,
# "absent" if the serial is not listed).
crl_reason() {
	openssl crl -in "$TEST_TMP/crl.pem" -noout -text | awk -v s="$1" '
		/Serial Number:/ { on = (toupper($3) == s); if (on) found = 1; next }
		on && /CRL Reason Code/ { getline; gsub(/^ +| +$/, ""); print; exit }
		END { if (!found) print "absent" }'
}

check "key for *.revoke.test created and enrolled" new_eab '*.revoke.test'
LEGO_KID=$EAB_KID LEGO_HMAC=$EAB_HMAC
check "http-01 port $ACME_HTTP01_PORT is free" port_free

L="$TEST_TMP/lego"
for n in a b keep; do
	client_ok "lego obtains a certificate for $n.revoke.test" "$TEST_TMP/lego-$n.log" \
		lego_run "$L" --eab --kid="$LEGO_KID" --hmac="$LEGO_HMAC" -d "$n.revoke.test" run
	leaf_of "$L/certificates/$n.revoke.test.crt" "$TEST_TMP/$n.pem"
done

check "key for cb1/cb2.revoke.test created and enrolled" new_eab cb1.revoke.test cb2.revoke.test
C="$TEST_TMP/certbot"
for n in cb1 cb2; do
	client_ok "certbot obtains a certificate for $n.revoke.test" "$TEST_TMP/certbot-$n.log" \
		certbot_run "$C" certonly --standalone --http-01-address 127.0.0.1 \
		--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m admin@revoke.test \
		--eab-kid="$EAB_KID" --eab-hmac-key="$EAB_HMAC" -d "$n.revoke.test"
	cp "$C/config/live/$n.revoke.test/cert.pem" "$TEST_TMP/$n.pem" 2>/dev/null
done

check "the initial CRL is served at $CRL_URL" fetch_crl
like "a fresh leaf verifies with CRL checking" "$(verify_crl "$TEST_TMP/a.pem")" ": OK"

# ---- revocation through the clients
client_ok "lego revokes a.revoke.test with its account key (kid), reason 0" "$TEST_TMP/rev-a.log" \
	lego_run "$L" --eab --kid="$LEGO_KID" --hmac="$LEGO_HMAC" -d a.revoke.test revoke --keep
client_ok "lego revokes b.revoke.test with reason 4 superseded" "$TEST_TMP/rev-b.log" \
	lego_run "$L" --eab --kid="$LEGO_KID" --hmac="$LEGO_HMAC" -d b.revoke.test revoke --keep --reason 4
client_refused "lego revoking a.revoke.test again is refused (alreadyRevoked)" \
	alreadyRevoked "$TEST_TMP/rev-a2.log" lego_run "$L" --eab --kid="$LEGO_KID" --hmac="$LEGO_HMAC" -d a.revoke.test revoke --keep
client_refused "lego revoking with reason 2 cACompromise is refused (badRevocationReason)" \
	badRevocationReason "$TEST_TMP/rev-bad.log" \
	lego_run "$L" --eab --kid="$LEGO_KID" --hmac="$LEGO_HMAC" -d keep.revoke.test revoke --keep --reason 2
client_refused "certbot's account cannot revoke lego's certificate (unauthorized)" \
	"urn:ietf:params:acme:error:unauthorized" "$TEST_TMP/rev-other.log" \
	certbot_run "$C" revoke --cert-path "$TEST_TMP/keep.pem" --no-delete-after-revoke
client_ok "certbot revokes cb1.revoke.test with its account key, reason keycompromise" \
	"$TEST_TMP/rev-cb1.log" certbot_run "$C" revoke --cert-path "$TEST_TMP/cb1.pem" \
	--reason keycompromise --no-delete-after-revoke
# No account at all: a fresh config dir and the certificate's private key (jwk).
client_ok "certbot revokes cb2.revoke.test with the certificate's own key (jwk), reason superseded" \
	"$TEST_TMP/rev-cb2.log" certbot_run "$TEST_TMP/nobody" revoke --cert-path "$TEST_TMP/cb2.pem" \
	--key-path "$C/config/live/cb2.revoke.test/privkey.pem" --reason superseded \
	--no-delete-after-revoke

# ---- the CRL
check "the CRL is fetched again over HTTP" fetch_crl
for n in a b cb1 cb2; do
	like "$n.revoke.test fails verification: certificate revoked" \
		"$(verify_crl "$TEST_TMP/$n.pem")" "certificate revoked"
done
like "keep.revoke.test (not revoked) still verifies" "$(verify_crl "$TEST_TMP/keep.pem")" ": OK"
is "CRL: a.revoke.test listed without a reason code (unspecified)" \
	"$(crl_reason "$(serial_of "$TEST_TMP/a.pem")")" ""
is "CRL: b.revoke.test has reason Superseded" "$(crl_reason "$(serial_of "$TEST_TMP/b.pem")")" "Superseded"
is "CRL: cb1.revoke.test has reason Key Compromise" \
	"$(crl_reason "$(serial_of "$TEST_TMP/cb1.pem")")" "Key Compromise"
is "CRL: cb2.revoke.test has reason Superseded" "$(crl_reason "$(serial_of "$TEST_TMP/cb2.pem")")" "Superseded"
is "CRL: keep.revoke.test is not listed" "$(crl_reason "$(serial_of "$TEST_TMP/keep.pem")")" absent
crltext=$(openssl crl -in "$TEST_TMP/crl.pem" -noout -text 2>&1)
like "CRL: v2 with a CRL number" "$crltext" "X509v3 CRL Number"
like "CRL: it names its issuer's key (AKI)" "$crltext" "X509v3 Authority Key Identifier"
if openssl crl -in "$TEST_TMP/crl.pem" -noout -CAfile "$CA_ISSUING_PEM" 2>&1 | grep -q "verify OK"; then
	ok "CRL: signed by the issuing CA"
else
	not_ok "CRL: signed by the issuing CA" "$(openssl crl -in "$TEST_TMP/crl.pem" -noout -CAfile "$CA_ISSUING_PEM" 2>&1)"
fi
last=$(openssl crl -in "$TEST_TMP/crl.pem" -noout -lastupdate | cut -d= -f2)
next=$(openssl crl -in "$TEST_TMP/crl.pem" -noout -nextupdate | cut -d= -f2)
life=$(($(date -u -d "$next" +%s) - $(date -u -d "$last" +%s)))
ok_life=0
[[ $life -gt 86400 && $life -le $((2 * 86400)) ]] && ok_life=1
is "CRL: nextUpdate is a day and a margin after thisUpdate ($life s)" "$ok_life" 1

# ---- the expiry job
check "key for exp.revoke.test created and enrolled" new_eab exp.revoke.test
client_ok "lego obtains a certificate for exp.revoke.test" "$TEST_TMP/lego-exp.log" \
	lego_run "$TEST_TMP/lexp" --eab --kid="$EAB_KID" --hmac="$EAB_HMAC" -d exp.revoke.test run
leaf_of "$TEST_TMP/lexp/certificates/exp.revoke.test.crt" "$TEST_TMP/exp.pem"
now=$(date -u '+%Y-%m-%d %H:%M:%S')
out=$(caasctl_ca expire --now "$now" 2>/dev/null)
check "caasctl-ca crl regenerates the CRL" caasctl_ca crl
fetch_crl
like "expire before the enrollment ends leaves exp.revoke.test valid" \
	"$(verify_crl "$TEST_TMP/exp.pem")" ": OK"
check "domain-expire ends the enrollment of exp.revoke.test" \
	caasctl_ca domain-expire --kid "$EAB_KID" --domain exp.revoke.test
sleep 1
now=$(date -u '+%Y-%m-%d %H:%M:%S')
out=$(caasctl_ca expire --now "$now" 2>/dev/null)
exp_serial=$(openssl x509 -in "$TEST_TMP/exp.pem" -noout -serial | sed 's/^serial=0*//' | tr 'A-F' 'a-f')
is "caasctl-ca expire revokes the certificate that outlives its enrollment: in the database, serial $exp_serial revoked with reason 5 ($out)" \
	"$(mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e "SELECT CONCAT(status, ' ', revocation_reason, ' ', \
	revoked_at IS NOT NULL) FROM certificates WHERE TRIM(LEADING '0' FROM serial) = '$exp_serial'")" "revoked 5 1"
if [[ "$out" =~ ^expire:\ ([0-9]+)\ certificates\ revoked$ && ${BASH_REMATCH[1]} -ge 1 ]]; then
	ok "expire: at least one certificate revoked"
else
	not_ok "expire: at least one certificate revoked" "$out"
fi
fetch_crl
like "exp.revoke.test fails verification: certificate revoked" \
	"$(verify_crl "$TEST_TMP/exp.pem")" "certificate revoked"
is "CRL: exp.revoke.test has reason Cessation Of Operation" \
	"$(crl_reason "$(serial_of "$TEST_TMP/exp.pem")")" "Cessation Of Operation"
like "keep.revoke.test (still enrolled) survives the expiry job" "$(verify_crl "$TEST_TMP/keep.pem")" ": OK"
is "a second expire run revokes nothing" "$(caasctl_ca expire --now "$now" 2>/dev/null)" \
	"expire: 0 certificates revoked"

done_testing
