#!/usr/bin/env bash
# No silent caps (issue #16 item 6): a renewal charges every active domain,
# past one billing batch (1000), and an expiry asks the revocation of every
# certificate that outlives the term (5001: the old cap of 5000 + 1), before the
# subscription is marked expired. Rows beyond the first are seeded with SQL
# (the upstream extends its own list of the key's names, whatever its size).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
trap 'rm -f "$OFFSET_FILE"' EXIT
T0S=$(date -u -d "$(date -u +%F)" +%s)
travel() { printf '%s\n' $((T0S + $1 * 86400 + 6 * 3600 - $(date +%s))) >"$OFFSET_FILE"; }

R="t53$$$RANDOM"
ACC=$(ctl account-add --name "No caps" --type monthly --vat-bp 2000)
KEY=$(ctl apikey-add --account "$ACC" --label t53)
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"Big $R\",\"domains\":[\"d0.$R.test\"],\"idempotency_key\":\"$R-big\"}"
is "a subscription is created" "$HTTP_STATUS" 201
SUB=$(j .id)
api "$KEY" PATCH "/api/v1/subscriptions/$SUB" '{"auto_renew":true}'

# 1000 more active domains (1001 in all: one billing batch + 1).
sql "INSERT INTO subscription_domains (subscription_id, name, wildcard, product_code, status, price_cents, created_at, added_at)
     SELECT $SUB, CONCAT('d', seq, '.$R.test'), 0, 'DV_SSL', 'active', 3900, NOW(), NOW() FROM seq_1_to_1000"
is "1001 active domains" "$(sql "SELECT COUNT(*) FROM subscription_domains WHERE subscription_id = $SUB AND status = 'active'")" 1001

END=$(sql "SELECT end_date FROM subscriptions WHERE id = $SUB")
E=$((($(date -u -d "$END" +%s) - T0S) / 86400))
travel $((E - 29))
out=$(ctl renew)
like "renew renews it" "$out" "1 renewed"
is "every one of the 1001 domains is charged the year" \
	"$(sql "SELECT COUNT(*) FROM ledger WHERE subscription_ref = $SUB AND kind = 'charge' AND reference = 'renewal, one year'")" 1001
is "no renewal charge twice for a domain" \
	"$(sql "SELECT COUNT(DISTINCT domain_ref) FROM ledger WHERE subscription_ref = $SUB AND reference = 'renewal, one year'")" 1001
NEWEND=$(sql "SELECT end_date FROM subscriptions WHERE id = $SUB")
is "the subscription ends a year later" "$NEWEND" "$(date -u -d "$END + 1 year" +%F)"

# ---- expiry of a second subscription with 5001 live certificates (the old cap + 1, ten pages + 1)
travel 0
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"Certs $R\",\"domains\":[\"c.$R.test\"],\"idempotency_key\":\"$R-certs\"}"
S2=$(j .id)
END2=$(sql "SELECT end_date FROM subscriptions WHERE id = $S2")
sql "INSERT INTO certificates (account_id, subscription_id, order_number, reference, domain, serial, not_before, not_after, status, status_code, upstream_page, first_seen_at, updated_at)
     SELECT $ACC, $S2, 900000000 + $S2 * 1000 + seq, CONCAT('SGACME-T53-', $S2, '-', seq), 'c.$R.test', LPAD(HEX(seq), 32, '0'),
            NOW(), '$END2' + INTERVAL 60 DAY, 'valid', 6, 0, NOW(), NOW() FROM seq_1_to_5001"
E2=$((($(date -u -d "$END2" +%s) - T0S) / 86400))
travel "$E2"
out=$(ctl expire)
like "the subscription expires" "$out" "expired"
is "it is expired" "$(sql "SELECT status FROM subscriptions WHERE id = $S2")" expired
is "the revocation of all 5001 certificates (the old cap was 5000) was asked (none left out)" \
	"$(sql "SELECT COUNT(*) FROM certificates WHERE subscription_id = $S2 AND revocation_requested_at IS NOT NULL")" 5001
is "none is shown revoked without the upstream's word (these orders are unknown upstream)" \
	"$(sql "SELECT COUNT(*) FROM certificates WHERE subscription_id = $S2 AND status = 'revoked'")" 0
like "each carries the upstream's answer" \
	"$(sql "SELECT revocation_note FROM certificates WHERE subscription_id = $S2 ORDER BY id DESC LIMIT 1")" "not confirmed yet"
done_testing
