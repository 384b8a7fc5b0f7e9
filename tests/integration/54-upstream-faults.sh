#!/usr/bin/env bash
# The money sagas against an upstream that fails the way a real one can
# (issue #11, item 4): the bundled CA's fault rule ($STACK_DIR/run/ca-fault,
# reseller_fault_file) makes one reseller call answer a status before or after
# doing its work. Each case failed before the client treated a 5xx as unknown,
# settled outcomes from the upstream's state and keyed renewals by attempt:
#   1. a renewal retried after a refused EXTENDDOMAINS is charged again (not a
#      replay that moves no money: a free year);
#   2. a LISTDOMAINS that fails right after an accepted EXTENDDOMAINS is not a
#      refusal: nothing is refunded, reconcile records the extension;
#   3. a REMOVEDOMAIN the upstream did but answered 502 (JSON body) is not a
#      refusal: reconcile finishes the removal and refunds the customer.
# And the requests the client sends are asserted field by field (caasctl-ca calls).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
FAULT="$STACK_DIR/run/ca-fault"
trap 'rm -f "$OFFSET_FILE" "$FAULT"' EXIT
# fault ACTION WHEN STATUS: the next such call answers STATUS (once).
fault() { printf '%s %s %s\n' "$1" "$2" "$3" >"$FAULT"; }
T0S=$(date -u -d "$(date -u +%F)" +%s)
travel() { printf '%s\n' $((T0S + $1 * 86400 + 6 * 3600 - $(date +%s))) >"$OFFSET_FILE"; }
# fields_of ACTION SINCE: the field names of the calls of ACTION logged after SINCE.
fields_of() { calls_since "$2" | awk -F'\t' -v a="$1" '$3 == a { print $5 }'; }
ledger_of() { sql "SELECT COALESCE(SUM(IF(kind = 'charge', gross_cents, -gross_cents)), 0) FROM ledger WHERE subscription_ref = $1"; }

R="t54$$$RANDOM"
ACC=$(ctl account-add --name "Upstream faults" --type deposit --vat-bp 2000)
KEY=$(ctl apikey-add --account "$ACC" --label t54)
ctl deposit-credit --account "$ACC" --cents 100000 --reference "t54" --key "$R-top" >/dev/null
check "a deposit account with 1000.00" test "$(balance "$ACC")" = 100000

# ---- the client's requests, field by field
mark=$(last_call)
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"F $R\",\"domains\":[\"a.$R.test\",\"b.$R.test\"],\"idempotency_key\":\"$R-1\"}"
is "a subscription is created" "$HTTP_STATUS" 201
SUB=$(j .id)
is "PREREGISTER carries serverUrl and years, nothing else" "$(fields_of PREREGISTER "$mark")" \
	"action,loginName,loginPassword,serverUrl,years"
is "each ADDDOMAIN carries acmeAccountID, domainName, quoteOnly (no anchor for DV)" \
	"$(fields_of ADDDOMAIN "$mark" | sort -u)" "acmeAccountID,action,domainName,loginName,loginPassword,quoteOnly"
is "LISTDOMAINS is paged (page, size)" "$(fields_of LISTDOMAINS "$mark" | sort -u)" \
	"acmeAccountID,action,loginName,loginPassword,page,size"
is "every call of the creation was accepted (HTTP 200)" \
	"$(calls_since "$mark" | awk -F'\t' '$4 != 200' | wc -l)" 0
mark=$(last_call)
ctl sync --subscription "$SUB" >/dev/null
is "sync: a GETLASTORDER with every account, the breakdown and a validNotAfter filter, then one without the filter for the failed orders (issue 17)" \
	"$(fields_of GETLASTORDER "$mark" | paste -sd' ')" \
	"acmeAccountID,action,breakdownByAccount,filter,includeAdditionalAccounts,loginName,loginPassword acmeAccountID,action,breakdownByAccount,includeAdditionalAccounts,loginName,loginPassword"
is "and the upstream accepted both" "$(calls_since "$mark" | awk -F'\t' '$3 == "GETLASTORDER" { print $4 }' | paste -sd' ')" "200 200"

# OV sends the organization's upstream pre-validation as ovAnchorOrderNumber.
ORG=$(ctl org-add --account "$ACC" --name "Org $R" --city Lyon --country FR)
ctl preval-set --org "$ORG" --level OV --status approved >/dev/null
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"OV\",\"organization_id\":$ORG,\"name\":\"OV0 $R\",\"domains\":[\"ov0.$R.test\"],\"idempotency_key\":\"$R-ov0\"}"
is "OV with a pre-validation that has no upstream id: 409 on organization_id, nothing created" \
	"$HTTP_STATUS $(j .error.field) $(sql "SELECT COUNT(*) FROM subscriptions WHERE idempotency_key = '$R-ov0'")" \
	"409 organization_id 0"
ANCHOR=$(preval_approve "$ORG" OV | awk '{ print $4 }')
check "the pre-validation has its upstream anchor" test -n "$ANCHOR"
mark=$(last_call)
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"OV\",\"organization_id\":$ORG,\"name\":\"OV $R\",\"domains\":[\"ov.$R.test\"],\"idempotency_key\":\"$R-ov\"}"
is "the OV subscription is created" "$HTTP_STATUS" 201
is "its ADDDOMAIN names the anchor in ovAnchorOrderNumber" "$(fields_of ADDDOMAIN "$mark")" \
	"acmeAccountID,action,domainName,loginName,loginPassword,ovAnchorOrderNumber,quoteOnly"
is "the upstream cost is kept in cents with its currency" \
	"$(sql "SELECT CONCAT(upstream_cost_cents, ' ', upstream_currency) FROM subscription_domains WHERE name = 'ov.$R.test'")" \
	"3000 EUR"
is "and the charge's ledger line carries that cost (margin for the accountants)" \
	"$(sql "SELECT upstream_cost_cents FROM ledger WHERE domain_ref = (SELECT id FROM subscription_domains WHERE name = 'ov.$R.test') AND kind = 'charge'")" 3000

# ---- 3. REMOVEDOMAIN done upstream, answered 502 with a JSON body
DA=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = 'a.$R.test'")
ACCT=$(sql "SELECT acme_account_id FROM subscriptions WHERE id = $SUB")
before=$(balance "$ACC")
fault REMOVEDOMAIN after 502
mark=$(last_call)
api "$KEY" DELETE "/api/v1/subscriptions/$SUB/domains/$DA"
is "REMOVEDOMAIN carries acmeAccountID and domainName" "$(fields_of REMOVEDOMAIN "$mark")" \
	"acmeAccountID,action,domainName,loginName,loginPassword"
is "REMOVEDOMAIN answered 502 after doing it: the request fails" "$HTTP_STATUS" 502
check "the fault fired" test ! -e "$FAULT"
is "the upstream no longer lists a.$R.test" "$(up_domains "$ACCT")" "b.$R.test"
is "the removal is not taken as refused: its journal stays open" \
	"$(sql "SELECT state FROM journal WHERE domain_id = $DA AND kind = 'remove_domain'")" open
is "nothing refunded yet" "$(balance "$ACC")" "$before"
out=$(ctl reconcile --min-age 0)
like "reconcile finishes the removal" "$out" "1 finished"
is "the domain is removed, refunded in full (39.00 + VAT)" \
	"$(sql "SELECT CONCAT(status, ' ', refund_cents) FROM subscription_domains WHERE id = $DA") $(($(balance "$ACC") - before))" \
	"removed 3900 4680"

# ---- 2. EXTENDDOMAINS accepted, the LISTDOMAINS after it fails
api "$KEY" PATCH "/api/v1/subscriptions/$SUB" '{"auto_renew":true}'
END=$(sql "SELECT end_date FROM subscriptions WHERE id = $SUB")
E=$((($(date -u -d "$END" +%s) - T0S) / 86400))
travel $((E - 29))
before=$(balance "$ACC")
fault LISTDOMAINS before 503
mark=$(last_call)
out=$(ctl renew)
is "EXTENDDOMAINS carries acmeAccountID, years and quoteOnly" "$(fields_of EXTENDDOMAINS "$mark")" \
	"acmeAccountID,action,loginName,loginPassword,quoteOnly,years"
like "renew: the outcome is unknown, not a failure to refund" "$out" "renew: 1 due, 0 renewed"
check "the fault fired" test ! -e "$FAULT"
is "the renewal was charged and not refunded (b: 39.00 + VAT)" "$((before - $(balance "$ACC")))" 4680
is "its journal is open at step extended" \
	"$(sql "SELECT CONCAT(state, ' ', step) FROM journal WHERE subscription_id = $SUB AND kind = 'renew'")" "open extended"
mark=$(last_call)
out=$(ctl reconcile --min-age 0)
like "reconcile records the extension" "$out" "1 finished"
is "reconcile did not send EXTENDDOMAINS again" "$(fields_of EXTENDDOMAINS "$mark")" ""
NEWEND=$(sql "SELECT end_date FROM subscriptions WHERE id = $SUB")
is "the subscription ends a year later" "$NEWEND" "$(date -u -d "$END + 1 year" +%F)"
is "charged once for the year" "$((before - $(balance "$ACC")))" 4680

# ---- 1. EXTENDDOMAINS refused, the renewal retried the next day
travel 0
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"H $R\",\"domains\":[\"h.$R.test\"],\"idempotency_key\":\"$R-h\"}"
H=$(j .id)
api "$KEY" PATCH "/api/v1/subscriptions/$H" '{"auto_renew":true}'
END=$(sql "SELECT end_date FROM subscriptions WHERE id = $H")
E=$((($(date -u -d "$END" +%s) - T0S) / 86400))
travel $((E - 29))
before=$(balance "$ACC")
fault EXTENDDOMAINS before 403
out=$(ctl renew)
like "renew: the refused extension is not renewed" "$out" "0 renewed"
is "the refused attempt is refunded: no money moved" "$(balance "$ACC")" "$before"
like "the subscription says the renewal failed" "$(sql "SELECT renewal_error FROM subscriptions WHERE id = $H")" "renewal failed"
travel $((E - 28))
out=$(ctl renew)
like "the next day the renewal goes through" "$out" "1 renewed"
is "and it is charged (39.00 + VAT): a new attempt, not a replay of the refunded one" \
	"$((before - $(balance "$ACC")))" 4680
is "the ledger of the subscription: charge, charge, refund, charge" \
	"$(sql "SELECT GROUP_CONCAT(kind ORDER BY id) FROM ledger WHERE subscription_ref = $H")" "charge,charge,refund,charge"
is "the customer paid exactly two years" "$(ledger_of "$H")" 9360
is "and the subscription ends a year later" "$(sql "SELECT end_date FROM subscriptions WHERE id = $H")" \
	"$(date -u -d "$END + 1 year" +%F)"
done_testing
