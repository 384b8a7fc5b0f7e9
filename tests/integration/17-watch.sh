#!/usr/bin/env bash
# Issue 17: the missed-renewal watch, failed issuance and webhooks, the whole
# stack travelling in time ($CAAS_CLOCK_OFFSET_FILE moves center-fcgi, the
# bundled CA and caasctl at once; put back on exit).
#
# A customer enrolls w1 and gets a 90-day certificate with certbot: the name
# is ok; 73 days later (17 days left, less than a fifth) it is overdue on the
# API, the details page, the list's badge and the certificates page; the
# daily digest reaches the SMTP sink once (not for the user who opted out);
# a new certificate makes it ok again. A name whose ACME order fails (http-01
# unanswered) shows the upstream's rejection. A webhook receiver
# (tests/webhook-receiver.py) gets every event with a valid signature, a
# retry after a 500, no second delivery after a replayed request, and a
# redirect is not followed.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"
. "$ROOT/tests/integration/subs.bash"

export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE
OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
PORT=${CENTER_URL#*://*:}
PORT=${PORT%%/*}	# CENTER_URL ends with the base path
HOOK_PORT=$((PORT + 7))
HOOKS="$TEST_TMP/hooks"
mkdir -p "$HOOKS"
python3 "$ROOT/tests/webhook-receiver.py" "$HOOK_PORT" "$HOOKS" &
RECEIVER=$!
trap 'rm -f "$OFFSET_FILE"; kill "$RECEIVER" 2>/dev/null; cp "$TEST_TMP/jobs.log" "$STACK_DIR/log/17-watch-jobs.log" 2>/dev/null; interop_cleanup' EXIT
for _ in $(seq 50); do
	curl -fs "http://127.0.0.1:$HOOK_PORT/health" >/dev/null && break
	sleep 0.1
done

T0S=$(date -u -d "$(date -u +%F)" +%s)
# travel N: every process of the stack is on day N after today, 06:00 UTC.
travel() { printf '%s\n' $((T0S + $1 * 86400 + 6 * 3600 - $(date +%s))) >"$OFFSET_FILE"; }
# stack_now [+SECONDS]: the stack's time, "YYYY-MM-DD HH:MM:SS".
stack_now() { date -u -d "@$(($(date +%s) + $(cat "$OFFSET_FILE") + ${1:-0}))" '+%F %T'; }
jobs() { ctl run-jobs >>"$TEST_TMP/jobs.log" 2>&1; }
cert() {	# cert NAME KID HMAC DIR [PORT]: certbot for NAME (DIR: its state)
	certbot_run "$4" certonly --standalone --http-01-address 127.0.0.1 \
		--http-01-port "${5:-$ACME_HTTP01_PORT}" --agree-tos -m "admin@$1" \
		--eab-kid "$2" --eab-hmac-key "$3" -d "$1" >"$4.log" 2>&1
}
renewal() { jq -r --arg n "$1" ".domains[] | select(.name == \$n) | .renewal.$2" "$HTTP_BODY"; }
received() { cat "$HOOKS/received.jsonl" 2>/dev/null; }
n_event() { received | jq -r --arg e "$1" 'select(.event == $e) | .delivery' | sort -u | wc -l; }
mails_to() { grep -l "^X-Envelope-To: $1" "$SMTP_SINK_DIR"/*.eml 2>/dev/null | xargs -r grep -l "$2" | wc -l; }

R="t17$$$RANDOM"
A=$(ctl account-add --name "Watch $R" --type deposit --vat-bp 2000)
K=$(ctl apikey-add --account "$A" --label t17)
ctl deposit-credit --account "$A" --cents 100000 --reference "t17" --key "$R-topup" >/dev/null
openssl rand -hex 12 >"$TEST_TMP/pw"
for u in u1 u2; do
	ctl user-add --account "$A" --login "$R-$u" --password-file "$TEST_TMP/pw" --lang en >/dev/null
	ctl user-email --login "$R-$u" --email "$R-$u@customer.test" >/dev/null
done
travel 0

# ---- webhooks: create, list, authorization
ALL='["subscription.created","subscription.renewed","subscription.renewal_failed","subscription.expired","domain.added","domain.removed","certificate.issued","certificate.revoked","renewal.overdue"]'
api "$K" POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\",\"events\":$ALL}"
is "POST /api/v1/webhooks answers 201" "$HTTP_STATUS" 201
WH=$(j .id) SECRET=$(j .secret)
is "the secret is 64 hex characters, shown in the creation's answer" "${#SECRET}" 64
like "the creation's answer is not cached" "$(header Cache-Control)" "no-store"
printf '%s' "$SECRET" >"$HOOKS/secret"
api "$K" GET /api/v1/webhooks
is "the list shows the endpoint" "$(j '.webhooks[0].url')" "http://127.0.0.1:$HOOK_PORT/hook"
is "the list never shows the secret" "$(grep -c "$SECRET" "$HTTP_BODY")" 0
is "the list shows the chosen events" "$(j '.webhooks[0].events | length')" 9
api "$K" POST /api/v1/webhooks '{"url":"ftp://example.test/x","events":["domain.added"]}'
is "a URL that is not http(s) is refused, naming the field" "$HTTP_STATUS $(j .error.field)" "400 url"
api "$K" POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:$HOOK_PORT/x\",\"events\":[\"nope\"]}"
is "an unknown event is refused, naming the field" "$HTTP_STATUS $(j .error.field)" "400 events"
api "$DEMO_DEPOSIT_API_KEY" DELETE "/api/v1/webhooks/$WH"
is "another account cannot delete the endpoint (404)" "$HTTP_STATUS" 404
api "$DEMO_DEPOSIT_API_KEY" POST "/api/v1/webhooks/$WH/test"
is "another account cannot send a test event to it (404)" "$HTTP_STATUS" 404

# ---- day 0: a subscription, its first certificate
api "$K" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"W $R\",\"domains\":[\"w1.$R.test\"],\"idempotency_key\":\"$R-w\"}"
S=$(j .id) KID=$(j .acme.kid) HMAC=$(j .acme.hmac_key)
check "the subscription is created" test -n "$S" -a -n "$HMAC"
api "$K" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"W $R\",\"domains\":[\"w1.$R.test\"],\"idempotency_key\":\"$R-w\"}"
is "the replay answers the same subscription" "$HTTP_STATUS $(j .id)" "200 $S"
is "subscription.created is queued once, replay or not" \
	"$(sql "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $WH AND event = 'subscription.created'")" 1
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "before any certificate the name is pending" "$(renewal "w1.$R.test" state)" pending
check "certbot gets a certificate for w1" cert "w1.$R.test" "$KID" "$HMAC" "$TEST_TMP/cb1"
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "after sync the name is ok" "$(renewal "w1.$R.test" state)" ok
NA=$(sql "SELECT DATE_FORMAT(not_after, '%Y-%m-%dT%H:%i:%sZ') FROM certificates WHERE subscription_id = $S ORDER BY id DESC LIMIT 1")
is "domains[].renewal.not_after is the certificate's expiry" "$(renewal "w1.$R.test" not_after)" "$NA"
is "the receiver got subscription.created once" "$(n_event subscription.created)" 1
is "the receiver got certificate.issued" "$(n_event certificate.issued)" 1
like "certificate.issued names the certificate" "$(received | jq -r 'select(.event == "certificate.issued") | .body' | head -n1)" "\"domain\":\"w1.$R.test\""

# ---- day 73: 17 days of 90 left (less than a fifth): overdue
travel 73
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "day 73: the name is overdue" "$(renewal "w1.$R.test" state)" overdue
api "$K" GET /api/v1/subscriptions
is "the list counts the name needing attention" \
	"$(jq -r --argjson s "$S" '.subscriptions[] | select(.id == $s) | .renewal_attention' "$HTTP_BODY")" 1
is "renewal.overdue reached the receiver" "$(n_event renewal.overdue)" 1
check "login as the first user" login "$R-u1" "$(cat "$TEST_TMP/pw")"
http GET "/acme/$S"
like "the details page shows the overdue badge" "$(cat "$HTTP_BODY")" 'data-renewal="overdue"'
like "in the user's language" "$(cat "$HTTP_BODY")" "renewal overdue"
http GET "/acme/$S?renewal=attention"
like "the filter keeps the overdue name" "$(cat "$HTTP_BODY")" "w1.$R.test"
http GET /acme
like "the list shows the badge" "$(cat "$HTTP_BODY")" 'data-renewal-attention="1"'
http GET /certificates
like "the certificates page lists the name needing attention" "$(grep -A3 'renewal-attention' "$HTTP_BODY" | tr -d '\n')" "w1.$R.test"
clear_cookies

# The digest went out with the day-73 jobs (both users still receive it then).
is "the digest reached the first user once" "$(mails_to "$R-u1@customer.test" "w1.$R.test")" 1
jobs
is "a second run the same day sends no second digest" "$(mails_to "$R-u1@customer.test" "w1.$R.test")" 1
travel 74
jobs
is "the next day, no state change, no new digest" "$(mails_to "$R-u1@customer.test" "w1.$R.test")" 1
is "and no second renewal.overdue" "$(n_event renewal.overdue)" 1

# ---- a new certificate: ok again
check "certbot renews w1 (new lineage)" cert "w1.$R.test" "$KID" "$HMAC" "$TEST_TMP/cb2"
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "after the renewal the name is ok again" "$(renewal "w1.$R.test" state)" ok

# ---- the opt-out, then a failed issuance
check "login as the second user" login "$R-u2" "$(cat "$TEST_TMP/pw")"
http GET /webhooks
is "the webhooks page answers 200" "$HTTP_STATUS" 200
like "it lists the endpoint" "$(cat "$HTTP_BODY")" "127.0.0.1:$HOOK_PORT/hook"
CSRF=$(csrf_token)
http POST /settings/watch-digest --data-urlencode "csrf=$CSRF"
is "the opt-out is saved (303)" "$HTTP_STATUS" 303
is "the second user no longer receives the digest" "$(sql "SELECT watch_digest FROM users WHERE login = '$R-u2'")" 0
http POST /settings/watch-digest --data-urlencode "digest=on"
is "the setting needs the CSRF token" "$HTTP_STATUS" 403
clear_cookies

api "$K" POST "/api/v1/subscriptions/$S/domains" "{\"domain\":\"w2.$R.test\"}"
is "w2 is added" "$HTTP_STATUS" 201
D2=$(j .id)
# certbot answers on another port than the validator's: the http-01 challenge fails.
if cert "w2.$R.test" "$KID" "$HMAC" "$TEST_TMP/cb3" $((HOOK_PORT + 1)); then
	not_ok "certbot fails when nobody answers the challenge"
else
	ok "certbot fails when nobody answers the challenge"
fi
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "the API shows the rejected order of w2" \
	"$(jq -r --arg n "w2.$R.test" '.domains[] | select(.name == $n) | .last_failure.kind' "$HTTP_BODY")" rejected
is "with the upstream's status code" \
	"$(jq -r --arg n "w2.$R.test" '.domains[] | select(.name == $n) | .last_failure.status_code' "$HTTP_BODY")" 7
is "the domain.added event names w2" "$(received | jq -r 'select(.event == "domain.added") | .body' | jq -r .data.domain_id)" "$D2"
check "login as the first user again" login "$R-u1" "$(cat "$TEST_TMP/pw")"
http GET "/acme/$S"
like "the details page shows the last failed issuance" "$(cat "$HTTP_BODY")" 'data-failure="rejected"'
clear_cookies

# ---- day 82: w2 never issued (7 days), the digest to u1 only
travel 82
jobs
api "$K" GET "/api/v1/subscriptions/$S"
is "w2, enrolled 8 days ago without a certificate, is never_issued" "$(renewal "w2.$R.test" state)" never_issued
is "the digest names w2 to the first user" "$(mails_to "$R-u1@customer.test" "w2.$R.test")" 1
is "the user who opted out gets none" "$(mails_to "$R-u2@customer.test" "w2.$R.test")" 0

# ---- a removal reaches the receiver too (expiry and revocation: 99-lifecycle-timetravel.sh,
# which runs last: a revocation here would open the CA's revocation connection before
# 30-db-outage.sh restarts the database, and the CA does not reconnect at START TRANSACTION)
api "$K" DELETE "/api/v1/subscriptions/$S/domains/$D2"
is "w2 is removed" "$HTTP_STATUS" 200
ctl webhooks >>"$TEST_TMP/jobs.log" 2>&1
is "domain.removed reached the receiver" "$(n_event domain.removed)" 1

# ---- signatures, retries, redirects
is "every delivery carries a valid signature" "$(received | jq -r '.signature_ok' | sort -u | paste -sd,)" true
rec=$(received | head -n1)
sig=$(jq -r .signature <<<"$rec")
t=${sig#t=}; t=${t%%,*}
mac=$(jq -j .body <<<"$rec" | { printf '%s.' "$t"; cat; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
is "the documented shell check agrees (openssl dgst -hmac)" "v1=$mac" "${sig#*,}"

touch "$HOOKS/fail-once"
api "$K" POST "/api/v1/webhooks/$WH/test"
is "a test event is queued (202)" "$HTTP_STATUS" 202
TD=$(j .delivery_id)
ctl webhooks >>"$TEST_TMP/jobs.log"
is "the receiver answered 500 to the first attempt" "$(received | jq -r --arg d "$TD" 'select(.delivery == $d) | .answered' | paste -sd,)" 500
api "$K" GET /api/v1/webhooks
is "the API shows the attempt and its HTTP status" \
	"$(jq -r --arg d "$TD" '.webhooks[0].deliveries[] | select(.id == $d) | "\(.status) \(.http_status) \(.attempts)"' "$HTTP_BODY")" "queued 500 1"
ctl webhooks >>"$TEST_TMP/jobs.log"
is "no retry before the back-off" "$(received | jq -r --arg d "$TD" 'select(.delivery == $d)' | grep -c answered)" 1
ctl webhooks --now "$(stack_now 120)" >>"$TEST_TMP/jobs.log"
is "the retry after the back-off is delivered, same delivery id" \
	"$(received | jq -r --arg d "$TD" 'select(.delivery == $d) | .answered' | paste -sd,)" "500,204"
ctl webhooks --now "$(stack_now 3600)" >>"$TEST_TMP/jobs.log"
is "a delivered event is never sent again" "$(received | jq -r --arg d "$TD" 'select(.delivery == $d)' | grep -c answered)" 2
api "$K" GET /api/v1/webhooks
is "the API shows it delivered with 204" \
	"$(jq -r --arg d "$TD" '.webhooks[0].deliveries[] | select(.id == $d) | "\(.status) \(.http_status) \(.attempts)"' "$HTTP_BODY")" "delivered 204 2"

printf 'http://127.0.0.1:%s/elsewhere\n' "$HOOK_PORT" >"$HOOKS/redirect"
api "$K" POST "/api/v1/webhooks/$WH/test"
RD=$(j .delivery_id)
ctl webhooks >>"$TEST_TMP/jobs.log"
rm -f "$HOOKS/redirect"
is "a redirect is not followed" "$(received | jq -r 'select(.path == "/elsewhere")' | grep -c path)" 0
api "$K" GET /api/v1/webhooks
is "a redirect is not a delivery (302, retried later)" \
	"$(jq -r --arg d "$RD" '.webhooks[0].deliveries[] | select(.id == $d) | "\(.status) \(.http_status)"' "$HTTP_BODY")" "queued 302"

# Caps: an answer larger than webhook_answer_max (64 KiB) and one slower than
# webhook_timeout are failed attempts.
printf '100000\n' >"$HOOKS/big"
api "$K" POST "/api/v1/webhooks/$WH/test"
BD=$(j .delivery_id)
ctl webhooks >>"$TEST_TMP/jobs.log" 2>&1
rm -f "$HOOKS/big"
api "$K" GET /api/v1/webhooks
like "an answer over webhook_answer_max is not a delivery" \
	"$(jq -r --arg d "$BD" '.webhooks[0].deliveries[] | select(.id == $d) | "\(.status) \(.error)"' "$HTTP_BODY")" "queued the answer exceeds 65536 bytes"
printf 'webhook_timeout = 1\n' | cat "$CENTER_CONF" - >"$TEST_TMP/fast.conf"
printf '3\n' >"$HOOKS/slow"
api "$K" POST "/api/v1/webhooks/$WH/test"
SD=$(j .delivery_id)
"$CAASCTL" -f "$TEST_TMP/fast.conf" webhooks >>"$TEST_TMP/jobs.log" 2>&1
rm -f "$HOOKS/slow"
api "$K" GET /api/v1/webhooks
like "an answer slower than webhook_timeout is not a delivery" \
	"$(jq -r --arg d "$SD" '.webhooks[0].deliveries[] | select(.id == $d) | "\(.status) \(.error)"' "$HTTP_BODY")" "queued "
like "and says it timed out" \
	"$(jq -r --arg d "$SD" '.webhooks[0].deliveries[] | select(.id == $d) | .error' "$HTTP_BODY" | tr '[:upper:]' '[:lower:]')" "timed out"

# The production policy: the same delivery with webhook_allow_private = false is refused
# before connecting (the receiver is on loopback).
sed 's/^webhook_allow_private = .*/webhook_allow_private = false/' "$CENTER_CONF" >"$TEST_TMP/strict.conf"
api "$K" POST "/api/v1/webhooks/$WH/test"
LD=$(j .delivery_id)
"$CAASCTL" -f "$TEST_TMP/strict.conf" webhooks >>"$TEST_TMP/jobs.log" 2>&1
is "with the production policy nothing reaches a loopback endpoint" \
	"$(received | jq -r --arg d "$LD" 'select(.delivery == $d)' | grep -c answered)" 0
api "$K" GET /api/v1/webhooks
like "the delivery says why" \
	"$(jq -r --arg d "$LD" '.webhooks[0].deliveries[] | select(.id == $d) | .error' "$HTTP_BODY")" "loopback"

api "$K" POST "/api/v1/webhooks/$WH/rotate"
NEW=$(j .secret)
check "rotating gives a new secret" test -n "$NEW" -a "$NEW" != "$SECRET"
printf '%s' "$NEW" >"$HOOKS/secret"
ctl webhooks --now "$(stack_now 600)" >>"$TEST_TMP/jobs.log"
is "the retried delivery is signed with the new secret" \
	"$(received | jq -r --arg d "$RD" 'select(.delivery == $d) | .signature_ok' | tail -n1)" true

api "$K" DELETE "/api/v1/webhooks/$WH"
is "the endpoint is deleted" "$HTTP_STATUS $(j .deleted)" "200 true"
api "$K" GET /api/v1/webhooks
is "the list is empty" "$(j '.webhooks | length')" 0

done_testing
