#!/usr/bin/env bash
# The subscription creation limit (docs/config.md, subscriptions_per_hour):
# every creation registers an account upstream, so an account may start only so
# many an hour. Past it: a 429 that says when, and nothing changes anywhere
# (no row, no charge, no upstream account). A replay of a created key is not a
# new creation. An hour later (the whole stack's clock moved), it works again.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
trap 'rm -f "$OFFSET_FILE"' EXIT
R="t58$$$RANDOM"
ACC=$(ctl account-add --name "Limit test" --type deposit --vat-bp 2000 --balance-cents 100000)
KEY=$(ctl apikey-add --account "$ACC" --label t58)
check "a test account and its API key" test -n "$ACC" -a -n "$KEY"
# The account's own figure overrides the configured default.
is "caasctl limit-set sets the account's own limit" \
	"$(ctl limit-set --account "$ACC" --subscriptions-per-hour 2)" "$ACC 2"
check "a limit that is not a number is refused" bash -c \
	"! '$CAASCTL' -f '$CENTER_CONF' limit-set --account $ACC --subscriptions-per-hour many 2>/dev/null"
is "and changes nothing" "$(sql "SELECT subscriptions_per_hour FROM accounts WHERE id = $ACC")" 2

create() {
	api "$KEY" POST /api/v1/subscriptions \
		"{\"type\":\"DV\",\"name\":\"Limit $1\",\"domains\":[\"l$1.$R.test\"],\"idempotency_key\":\"k-$R-$1\"}"
}
upstream_accounts() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e "SELECT COUNT(*) FROM eab_keys"; }

create 1
is "first creation: 201" "$HTTP_STATUS" 201
create 2
is "second creation: 201" "$HTTP_STATUS" 201
bal=$(balance "$ACC")
ups=$(upstream_accounts)
create 3
is "the third within the hour is a 429" "$HTTP_STATUS" 429
check "the message gives the limit and when to try again" grep -qE \
	"may create 2 an hour\. Try again after [0-9]{2}:[0-9]{2} UTC" <<<"$(j .error.message)"
is "no subscription row for it" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $ACC")" 2
is "no charge" "$(balance "$ACC")" "$bal"
is "no upstream account" "$(upstream_accounts)" "$ups"
create 1
is "a replay of a created key still answers 200, same id" "$HTTP_STATUS" 200

ctl limit-set --account "$ACC" --subscriptions-per-hour 0 >/dev/null
create 4
like "a limit of 0 refuses every creation" "$HTTP_STATUS $(j .error.message)" "429 This account may not create"
like "limit-set default goes back to the configured figure" \
	"$(ctl limit-set --account "$ACC" --subscriptions-per-hour default)" "$ACC default ("
is "the account's column is cleared" "$(sql "SELECT subscriptions_per_hour IS NULL FROM accounts WHERE id = $ACC")" 1
ctl limit-set --account "$ACC" --subscriptions-per-hour 2 >/dev/null

# One hour and a bit later, for every process of the stack.
printf '%s\n' 3700 >"$OFFSET_FILE"
sleep 1.2
create 3
is "an hour later the same request is accepted" "$HTTP_STATUS" 201
is "and charged once" "$(sql "SELECT COUNT(*) FROM ledger WHERE account_id = $ACC AND kind = 'charge'")" 3
done_testing
