#!/usr/bin/env bash
# The journal (DESIGN.md §4, "never half-moves"): a worker is killed at each
# step of a creation, an addition and a removal (the fault_file of the test
# stack names the step; the worker dies there with _exit). Afterwards
# `caasctl reconcile` (or a retry with the same idempotency key) finishes or
# undoes the operation, so that the customer is charged if and only if the
# subscription or the domain exists, upstream and here.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

balance() { sql "SELECT balance_cents FROM accounts WHERE id = $ACC"; }
FAULT="$STACK_DIR/run/fault"
# die_at POINT: the next request that reaches POINT kills its worker.
die_at() { printf '%s\n' "$1" >"$FAULT"; }
# net_charged SUB: what the ledger holds for the subscription (charges - refunds, gross).
net_charged() {
	sql "SELECT COALESCE(SUM(IF(kind = 'charge', gross_cents, -gross_cents)), 0) FROM ledger WHERE subscription_ref = $1"
}

R="t56$$$RANDOM"
n=0
ACC=$(ctl account-add --name "Fault test deposit" --type deposit --vat-bp 2000 --balance-cents 1000000)
KEY=$(ctl apikey-add --account "$ACC" --label t56)
check "test account created" test -n "$KEY"
START=$(balance)

# ---- creation: killed at each step, then reconcile undoes it
for point in after-insert after-preregister after-adddomain after-charge; do
	n=$((n + 1))
	die_at "create:$point"
	body="{\"type\":\"DV\",\"name\":\"F $point\",\"domains\":[\"c$n-a.$R.test\",\"c$n-b.$R.test\"],\"idempotency_key\":\"$R-c$n\"}"
	api "$KEY" POST /api/v1/subscriptions "$body"
	check "create killed at $point: the request fails (HTTP $HTTP_STATUS)" test "$HTTP_STATUS" -ge 500 -o "$HTTP_STATUS" = 000
	check "the fault fired (its file is consumed)" test ! -e "$FAULT"
	sub=$(sql "SELECT id FROM subscriptions WHERE account_id = $ACC AND idempotency_key = '$R-c$n'")
	is "create killed at $point: the subscription is pending with an open journal" \
		"$(sql "SELECT s.status, j.state FROM subscriptions s JOIN journal j ON j.subscription_id = s.id WHERE s.id = '$sub'" | tr '\t' ' ')" "pending open"
	mark=$(last_call)
	out=$(ctl reconcile --min-age 0)
	like "reconcile undoes it" "$out" "1 undone"
	if [[ "$point" != after-insert ]]; then
		is "create killed at $point: the undo deactivates every ACME account of the key" \
			"$(calls_since "$mark" | awk -F'\t' '$3 == "DEACTIVATEACCOUNT" { print $4 " " $5 }')" \
			"200 acmeAccountID,action,includeAdditionalAccounts,loginName,loginPassword"
	fi
	is "create killed at $point: after reconcile the subscription failed, its domains too" \
		"$(sql "SELECT CONCAT(s.status, '/', GROUP_CONCAT(DISTINCT d.status)) FROM subscriptions s JOIN subscription_domains d ON d.subscription_id = s.id WHERE s.id = $sub")" "failed/failed"
	is "create killed at $point: the customer is not charged" "$(net_charged "$sub")" 0
	is "create killed at $point: the balance is back" "$(balance)" "$START"
	acct=$(sql "SELECT COALESCE(acme_account_id, '') FROM subscriptions WHERE id = $sub")
	if [[ -n "$acct" ]]; then
		is "create killed at $point: the upstream account has no domain left" "$(up_domains "$acct")" ""
		is "create killed at $point: the upstream account is deactivated" "$(up_status "$acct")" deactivated
	fi
	api "$KEY" POST /api/v1/subscriptions "$body"
	is "create killed at $point: a retry with the same key answers the same id, failed" \
		"$HTTP_STATUS $(j .id) $(j .status)" "200 $sub failed"
	is "the retry did not charge" "$(balance)" "$START"
done

# ---- killed after the commit: the subscription exists and is charged once
die_at "create:after-done"
body="{\"type\":\"DV\",\"name\":\"F done\",\"domains\":[\"done.$R.test\"],\"idempotency_key\":\"$R-done\"}"
api "$KEY" POST /api/v1/subscriptions "$body"
sub=$(sql "SELECT id FROM subscriptions WHERE account_id = $ACC AND idempotency_key = '$R-done'")
is "killed after the final commit: the subscription is active" "$(sql "SELECT status FROM subscriptions WHERE id = $sub")" active
is "and charged once (3900 + 780)" "$(net_charged "$sub")" 4680
out=$(ctl reconcile --min-age 0)
like "reconcile finds nothing to do" "$out" "0 open"
api "$KEY" POST /api/v1/subscriptions "$body"
is "a retry answers the same id, active, without the HMAC key" "$HTTP_STATUS $(j .id) $(j .status) $(j '.acme.hmac_key // "none"')" "200 $sub active none"
is "the retry did not charge" "$(net_charged "$sub")" 4680
START=$(balance)

# ---- the retry itself finishes the undo (no reconcile run)
die_at "create:after-preregister"
body="{\"type\":\"DV\",\"name\":\"F retry\",\"domains\":[\"r.$R.test\"],\"idempotency_key\":\"$R-retry\"}"
api "$KEY" POST /api/v1/subscriptions "$body"
api "$KEY" POST /api/v1/subscriptions "$body"
rsub=$(j .id)
is "a retry after a death undoes the first attempt and answers failed" "$HTTP_STATUS $(j .status)" "200 failed"
is "nothing charged" "$(net_charged "$rsub")" 0

# ---- a subscription to add to and remove from
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"F base\",\"domains\":[\"base.$R.test\"],\"idempotency_key\":\"$R-base\"}"
SUB=$(j .id) KID=$(j .acme.kid)
is "a base subscription is created" "$HTTP_STATUS" 201
START=$(balance)
charged_dom() { sql "SELECT COALESCE(SUM(IF(kind = 'charge', gross_cents, -gross_cents)), 0) FROM ledger WHERE domain_ref = $1"; }

# Killed before ADDDOMAIN: the upstream never got it, reconcile undoes it.
die_at "add:after-insert"
api "$KEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"a1.$R.test\"}"
did=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = 'a1.$R.test'")
is "add killed before the upstream call: the domain is pending" "$(sql "SELECT status FROM subscription_domains WHERE id = $did")" pending
like "reconcile undoes it" "$(ctl reconcile --min-age 0)" "1 undone"
is "the domain failed, nothing charged, upstream without it" \
	"$(sql "SELECT status FROM subscription_domains WHERE id = $did") $(charged_dom "$did") $(up_domains "$KID")" "failed 0 base.$R.test"
api "$KEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"a1.$R.test\"}"
is "the customer can add it again" "$HTTP_STATUS" 201

# Killed after ADDDOMAIN, before the charge: the upstream has it, reconcile finishes.
for point in after-adddomain after-charge; do
	die_at "add:$point"
	name="$point.$R.test"
	api "$KEY" POST "/api/v1/subscriptions/$SUB/domains" "{\"domain\":\"$name\"}"
	did=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$name'")
	like "add killed at $point: reconcile finishes it" "$(ctl reconcile --min-age 0)" "1 finished"
	is "add killed at $point: the domain is active and charged once (gross 4680)" \
		"$(sql "SELECT status FROM subscription_domains WHERE id = $did") $(charged_dom "$did")" "active 4680"
	like "add killed at $point: the upstream has it" "$(up_domains "$KID")" "$name"
done

# ---- removal killed after REMOVEDOMAIN, and after the refund: reconcile finishes
for pair in after-removedomain:after-adddomain after-refund:after-charge; do
	point=${pair%%:*} name="${pair#*:}.$R.test"
	did=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB AND name = '$name'")
	die_at "remove:$point"
	api "$KEY" DELETE "/api/v1/subscriptions/$SUB/domains/$did"
	like "remove killed at $point: reconcile finishes it" "$(ctl reconcile --min-age 0)" "1 finished"
	is "remove killed at $point: removed, refunded once (net charge 0)" \
		"$(sql "SELECT status, refund_cents FROM subscription_domains WHERE id = $did" | tr '\t' ' ') $(charged_dom "$did")" "removed 3900 0"
	check "remove killed at $point: the upstream no longer has it" bash -c "[[ '$(up_domains "$KID")' != *'$name'* ]]"
done
is "in all, the account paid exactly for what exists (base + a1)" "$(balance)" $((START - 4680))
is "no journal row is left open" "$(sql "SELECT COUNT(*) FROM journal WHERE account_id = $ACC AND state = 'open'")" 0
rm -f "$FAULT"

done_testing
