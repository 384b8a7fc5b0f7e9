#!/usr/bin/env bash
# The lifecycle jobs under concurrency and upstream trouble (issue #6, item 6):
# two `caasctl renew` (then two `caasctl expire`) started at once on their own
# connections never do the same work: every subscription is renewed (expired)
# once and charged once. A renewal whose upstream call times out leaves money
# held and an open journal row; the next run finishes it: extended once,
# charged once. The whole stack travels in time ($CAAS_CLOCK_OFFSET_FILE).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
HOLE_PID=
cleanup() {
	rm -f "$OFFSET_FILE"
	[[ -n "$HOLE_PID" ]] && kill "$HOLE_PID" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
T0S=$(date -u -d "$(date -u +%F)" +%s)
travel() { printf '%s\n' $((T0S + $1 * 86400 + 6 * 3600 - $(date +%s))) >"$OFFSET_FILE"; }

R="t98$$$RANDOM"
A=$(ctl account-add --name "Jobs concurrency" --type deposit --vat-bp 2000 --balance-cents 1000000)
K=$(ctl apikey-add --account "$A" --label t98)
N=6
travel 0
for i in $(seq 1 $N); do
	api "$K" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"R$i\",\"domains\":[\"r$i.$R.test\"],\"idempotency_key\":\"$R-r$i\"}"
	RS[i]=$(j .id)
	api "$K" PATCH "/api/v1/subscriptions/${RS[i]}" '{"auto_renew":true}'
	api "$K" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"X$i\",\"domains\":[\"x$i.$R.test\"],\"idempotency_key\":\"$R-x$i\"}"
	XS[i]=$(j .id)
done
# One more, for the upstream timeout (auto-renewal switched on later).
api "$K" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"T\",\"domains\":[\"t.$R.test\"],\"idempotency_key\":\"$R-t\"}"
TS=$(j .id)
RIDS=$(IFS=,; echo "${RS[*]}") XIDS=$(IFS=,; echo "${XS[*]}")
is "$N + $N + 1 subscriptions were created" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE account_id = $A AND status = 'active'")" $((2 * N + 1))
END=$(sql "SELECT end_date FROM subscriptions WHERE id = ${RS[1]}")
E=$((($(date -u -d "$END" +%s) - T0S) / 86400))

# ---- two renew runs at once
travel $((E - 30))
before=$(balance "$A")
"$CAASCTL" -f "$CENTER_CONF" renew >"$TEST_TMP/r1" 2>&1 &
p1=$!
"$CAASCTL" -f "$CENTER_CONF" renew >"$TEST_TMP/r2" 2>&1 &
p2=$!
wait "$p1"; wait "$p2"
diag "$(cat "$TEST_TMP/r1" "$TEST_TMP/r2")"
is "every subscription with auto-renewal is renewed" \
	"$(sql "SELECT COUNT(*) FROM subscriptions WHERE id IN ($RIDS) AND end_date > '$END'")" "$N"
is "each renewed exactly once (one 'renewed' event each)" \
	"$(sql "SELECT COUNT(*), COUNT(DISTINCT subscription_id) FROM subscription_events WHERE subscription_id IN ($RIDS) AND event = 'renewed'" | tr '\t' ' ')" "$N $N"
is "and charged exactly once (one renewal charge each, no refund)" \
	"$(sql "SELECT COUNT(*), COUNT(DISTINCT subscription_ref) FROM ledger WHERE account_id = $A AND idempotency_key LIKE '%-renew-%' AND kind = 'charge'" | tr '\t' ' ') $(sql "SELECT COUNT(*) FROM ledger WHERE account_id = $A AND kind = 'refund'")" \
	"$N $N 0"
is "the balance moved by exactly $N renewals" "$(balance "$A")" $((before - N * 4680))
for f in r1 r2; do
	check "each run prints its summary line, counts and all ($f)" \
		grep -Eq '^renew: [0-9]+ due, [0-9]+ renewed, [0-9]+ not renewed, [0-9]+ failed$' "$TEST_TMP/$f"
done

# ---- an upstream that accepts connections and never answers
api "$K" PATCH "/api/v1/subscriptions/$TS" '{"auto_renew":true}'
HOLE_PORT=$(($(sed -E 's|^https?://[^:/]+:([0-9]+).*|\1|' <<<"$CENTER_URL") + 7))
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
time.sleep(3600)' "$HOLE_PORT" &
HOLE_PID=$!
sed -e "s|^caas_api_base = .*|caas_api_base = https://127.0.0.1:$HOLE_PORT|" "$CENTER_CONF" >"$TEST_TMP/hole.conf"
echo "caas_timeout = 2" >>"$TEST_TMP/hole.conf"
sleep 0.3
before=$(balance "$A")
out=$("$CAASCTL" -f "$TEST_TMP/hole.conf" renew 2>"$TEST_TMP/hole.err") || true
like "with the upstream silent, renew reports a failure" "$out" "1 failed"
is "T was not extended" "$(sql "SELECT end_date FROM subscriptions WHERE id = $TS")" "$END"
is "its charge is held with an open journal row" \
	"$(sql "SELECT COUNT(*) FROM journal WHERE subscription_id = $TS AND kind = 'renew' AND state = 'open'") $(balance "$A")" \
	"1 $((before - 4680))"
kill "$HOLE_PID" 2>/dev/null
HOLE_PID=
out=$(ctl reconcile --min-age 0)
like "with the upstream back, reconcile finishes it" "$out" "0 failed"
is "T is extended once" "$(sql "SELECT end_date > '$END', (SELECT COUNT(*) FROM subscription_events WHERE subscription_id = $TS AND event = 'renewed') FROM subscriptions WHERE id = $TS" | tr '\t' ' ')" "1 1"
is "and charged once" "$(sql "SELECT COUNT(*) FROM ledger WHERE subscription_ref = $TS AND idempotency_key LIKE '%-renew-%'") $(balance "$A")" "1 $((before - 4680))"
is "no journal row is left open" "$(sql "SELECT COUNT(*) FROM journal WHERE account_id = $A AND state = 'open'")" 0

# ---- two expire runs at once
travel "$E"
"$CAASCTL" -f "$CENTER_CONF" expire >"$TEST_TMP/e1" 2>&1 &
p1=$!
"$CAASCTL" -f "$CENTER_CONF" expire >"$TEST_TMP/e2" 2>&1 &
p2=$!
wait "$p1"; wait "$p2"
diag "$(cat "$TEST_TMP/e1" "$TEST_TMP/e2")"
is "every subscription without auto-renewal expired" \
	"$(sql "SELECT COUNT(*) FROM subscriptions WHERE id IN ($XIDS) AND status = 'expired'")" "$N"
is "each expired exactly once" \
	"$(sql "SELECT COUNT(*) FROM subscription_events WHERE subscription_id IN ($XIDS) AND event = 'expired'")" "$N"
is "the renewed ones are still active" \
	"$(sql "SELECT COUNT(*) FROM subscriptions WHERE id IN ($RIDS, $TS) AND status = 'active'")" $((N + 1))

done_testing
