#!/usr/bin/env bash
# A domain deleted within 30 days, with an upstream that revokes on
# REMOVEDOMAIN by itself (the bundled CA with reseller_remove_revokes = yes;
# the stack's default, no, is 55-subscriptions-api.sh): the customer area
# shows "revocation requested", and sync confirms the revocation (status 8)
# without any !AutoRevokeSSL of its own. The documentation is silent on
# which of the two the upstream does (docs/upstream.md): both must end revoked.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE
. "$ROOT/tests/integration/subs.bash"

CA_CONF="$STACK_DIR/etc/ca.conf"
: "${DEV_CA_RESTART:?run through ./dev test}"
# mode yes|no: the bundled CA's reseller_remove_revokes, ca-fcgi restarted.
mode() {
	sed -i "s/^reseller_remove_revokes = .*/reseller_remove_revokes = $1/" "$CA_CONF"
	$DEV_CA_RESTART >/dev/null 2>&1
}
trap 'mode no' EXIT
mode yes
check "the bundled CA now revokes on a refunded REMOVEDOMAIN" grep -q '^reseller_remove_revokes = yes' "$CA_CONF"

R="t86$$$RANDOM"
ACC=$(ctl account-add --name "Removal modes" --type deposit --vat-bp 2000)
KEY=$(ctl apikey-add --account "$ACC" --label t86)
ctl deposit-credit --account "$ACC" --cents 100000 --reference t86 --key "$R-top" >/dev/null
D1="r1.$R.test"
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"M $R\",\"domains\":[\"$D1\",\"r2.$R.test\"],\"idempotency_key\":\"$R\"}"
is "a subscription is created" "$HTTP_STATUS" 201
SUB=$(j .id) KID=$(j .acme.kid) HMAC=$(j .acme.hmac_key)
CB="$TEST_TMP/certbot"
client_ok "certbot obtains a certificate for $D1" "$TEST_TMP/cb.log" \
	certbot_run "$CB" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin@$D1" \
	--eab-kid "$KID" --eab-hmac-key "$HMAC" -d "$D1"
out=$(ctl sync --subscription "$SUB")
like "sync records it" "$out" "1 new certificates"
REF=$(sql "SELECT reference FROM certificates WHERE subscription_id = $SUB")
D1ID=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$D1'")
api "$KEY" DELETE "/api/v1/subscriptions/$SUB/domains/$D1ID"
is "deleting within 30 days refunds it and asks one revocation" "$HTTP_STATUS $(j .refund_cents) $(j .revoked_certificates)" "200 3900 1"
api "$KEY" GET "/api/v1/subscriptions/$SUB"
is "its certificate shows revocation requested" \
	"$(j ".certificates[] | select(.reference == \"$REF\") | \"\(.status) \(.revocation_requested)\"")" "valid true"
mark=$(last_call)
ctl sync --subscription "$SUB" >/dev/null
is "sync: the upstream reports it revoked (8), which confirms it" \
	"$(sql "SELECT CONCAT(status, ' ', status_code) FROM certificates WHERE reference = '$REF'")" "revoked 8"
api "$KEY" GET "/api/v1/subscriptions/$SUB"
is "the API shows it revoked, no longer requested" \
	"$(j ".certificates[] | select(.reference == \"$REF\") | \"\(.status) \(.revocation_requested)\"")" "revoked false"
out=$(ctl confirm-revocations --now "$(date -u -d '+2 hours' '+%F %T')")
like "confirm-revocations has nothing left to ask" "$out" "confirm-revocations: 0 due"
is "the customer area sent no !AutoRevokeSSL" "$(calls_since "$mark" | awk -F'\t' '$2 == "AutoRevokeSSL"' | wc -l)" 0

# ---- two ACME clients on the same EAB key renewing the same name: both seen
D2="r2.$R.test"
for n in a b; do
	client_ok "ACME client $n (its own ACME account on the same EAB key) obtains $D2" "$TEST_TMP/cb2$n.log" \
		certbot_run "$TEST_TMP/cb2$n" certonly --standalone --http-01-address 127.0.0.1 \
		--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin$n@$D2" \
		--eab-kid "$KID" --eab-hmac-key "$HMAC" -d "$D2"
done
out=$(ctl sync --subscription "$SUB")
like "one sync records both (GETLASTORDER per account)" "$out" "2 new certificates"
is "two certificates for $D2, each with its serial" \
	"$(sql "SELECT COUNT(DISTINCT serial) FROM certificates WHERE subscription_id = $SUB AND domain = '$D2'")" 2
done_testing
