#!/usr/bin/env bash
# Thirteen months of two customers, the whole stack travelling in time (issue
# #6): the clock offset file of the test stack ($CAAS_CLOCK_OFFSET_FILE) moves
# center-fcgi, the bundled CA (ca-fcgi, signer, validator) and every caasctl at
# once; `caasctl run-jobs` runs every job due on each day we stop at.
#
# Deposit customer D: subscription SD (auto-renewal on) and SD2 (auto-renewal
# on, but the deposit cannot pay its renewal); an addition pro rata, a deletion
# within 30 days (refund and e-mail), one after (no refund; its certificate is
# revoked when the term ends although SD renews). Monthly customer M: SM without
# auto-renewal (reminders at 30 and 7 days, expiry with revocation), invoice
# lines and closings. Balances, invoice lines, certificate statuses and e-mails
# are asserted; the FEC export of the period balances and equals the ledger.
# Runs last among the integration tests; the clock is put back on exit.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE
OFFSET_FILE=${CAAS_CLOCK_OFFSET_FILE:?run through ./dev test}
trap 'rm -f "$OFFSET_FILE"; interop_cleanup' EXIT

. "$ROOT/tests/integration/subs.bash"
# half_up A B: round_half_up(A / B) for A, B >= 0.
half_up() { echo $(((2 * $1 + $2) / (2 * $2))); }
vat() { half_up $(($1 * 2000)) 10000; }
gross() { echo $(($1 + $(vat "$1"))); }

# ---- the clock: day N after today (UTC) at 06:00
T0=$(date -u +%F)
T0S=$(date -u -d "$T0" +%s)
day() { date -u -d "@$((T0S + $1 * 86400))" +%F; }
# travel N: every process of the stack is now on day N, 06:00 UTC.
travel() {
	local target=$((T0S + $1 * 86400 + 6 * 3600))
	printf '%s\n' $((target - $(date +%s))) >"$OFFSET_FILE"
	NOW_DAY=$(day "$1")
}
# jobs: run-jobs on the current simulated day; its output in $JOBS.
jobs() { JOBS=$(ctl run-jobs 2>>"$TEST_TMP/jobs.err"); echo "$JOBS" >>"$TEST_TMP/jobs.log"; }
# cert NAME KID HMAC: certbot obtains a certificate for NAME now (simulated).
cert() {
	certbot_run "$TEST_TMP/cb-$1" certonly --standalone --http-01-address 127.0.0.1 \
		--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin@$1" \
		--eab-kid "$2" --eab-hmac-key "$3" -d "$1" >"$TEST_TMP/cb-$1.log" 2>&1
}
cert_status() { sql "SELECT status FROM certificates WHERE domain = '$1' ORDER BY id DESC LIMIT 1"; }
mails_of() { sql "SELECT kind FROM notifications WHERE account_id = $1 AND status = 'sent' ORDER BY kind" | sort -u | paste -sd, -; }

R="t99$$$RANDOM"
D=$(ctl account-add --name "Timetravel deposit" --type deposit --vat-bp 2000)
M=$(ctl account-add --name "Timetravel monthly" --type monthly --vat-bp 2000)
DK=$(ctl apikey-add --account "$D" --label t99)
MK=$(ctl apikey-add --account "$M" --label t99)
for a in "$D:d" "$M:m"; do
	openssl rand -hex 12 >"$TEST_TMP/pw"
	ctl user-add --account "${a%%:*}" --login "$R-${a#*:}" --password-file "$TEST_TMP/pw" --lang en >/dev/null
	ctl user-email --login "$R-${a#*:}" --email "$R-${a#*:}@customer.test" >/dev/null
done
check "two customers with a user and an e-mail address each" test -n "$DK" -a -n "$MK"

# Issue 17: D's lifecycle events reach a webhook receiver (tests/webhook-receiver.py), each
# once, signed (docs/webhooks.md).
CPORT=${CENTER_URL#*://*:}
HOOK_PORT=$((${CPORT%%/*} + 7)) HOOKS="$TEST_TMP/hooks"
mkdir -p "$HOOKS"
python3 "$ROOT/tests/webhook-receiver.py" "$HOOK_PORT" "$HOOKS" &
RECEIVER=$!
trap 'rm -f "$OFFSET_FILE"; kill "$RECEIVER" 2>/dev/null; interop_cleanup' EXIT
api "$DK" POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\",\"events\":[\"subscription.created\",\"subscription.renewed\",\"subscription.renewal_failed\",\"subscription.expired\",\"domain.added\",\"domain.removed\",\"certificate.revoked\"]}"
is "D has a webhook endpoint" "$HTTP_STATUS" 201
printf '%s' "$(j .secret)" >"$HOOKS/secret"

# Deposit: day 0 (3 × 3900) + renewal of SD (3900), gross, plus 1.00 of slack;
# SD2's renewal will miss 46.80 - 1.00 = 45.80.
ctl deposit-credit --account "$D" --cents $((3 * 4680 + 4680 + 100)) --reference "t99 top-up" \
	--key "$R-topup" >/dev/null

# ---- day 0: subscriptions and first certificates
travel 0
api "$DK" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"SD $R\",\"domains\":[\"d1.$R.test\",\"d2.$R.test\"],\"idempotency_key\":\"$R-sd\"}"
SD=$(j .id) SD_KID=$(j .acme.kid) SD_HMAC=$(j .acme.hmac_key)
api "$DK" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"SD2 $R\",\"domains\":[\"e1.$R.test\"],\"idempotency_key\":\"$R-sd2\"}"
SD2=$(j .id) SD2_KID=$(j .acme.kid) SD2_HMAC=$(j .acme.hmac_key)
api "$MK" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"SM $R\",\"domains\":[\"m1.$R.test\",\"*.m2.$R.test\"],\"idempotency_key\":\"$R-sm\"}"
SM=$(j .id) SM_KID=$(j .acme.kid) SM_HMAC=$(j .acme.hmac_key)
check "day 0: three subscriptions are created" test -n "$SD" -a -n "$SD2" -a -n "$SM" -a -n "$SM_HMAC"
api "$DK" PATCH "/api/v1/subscriptions/$SD" '{"auto_renew":true}'
api "$DK" PATCH "/api/v1/subscriptions/$SD2" '{"auto_renew":true}'
is "auto-renewal switched on, recorded with who" \
	"$(sql "SELECT COUNT(*) FROM subscription_events WHERE subscription_id IN ($SD, $SD2) AND event = 'auto_renew_on' AND actor LIKE 'api-key-%'")" 2
is "day 0: the deposit paid 3 × 39.00 + VAT" "$(balance "$D")" $((4680 + 100))
END=$(sql "SELECT end_date FROM subscriptions WHERE id = $SD")
START=$(sql "SELECT start_date FROM subscriptions WHERE id = $SD")
is "the term starts tomorrow" "$START" "$(day 1)"
TERM=$((($(date -u -d "$END" +%s) - $(date -u -d "$START" +%s)) / 86400))
check "the term is one year ($TERM days) from the upstream" test "$TERM" -eq 365 -o "$TERM" -eq 366
E=$((($(date -u -d "$END" +%s) - T0S) / 86400))	# the end, in days from today
check "day 0: certbot gets a certificate for d1 with SD's credentials" cert "d1.$R.test" "$SD_KID" "$SD_HMAC"
jobs
like "day 0: run-jobs syncs it as SGACME-…" "$(sql "SELECT reference FROM certificates WHERE domain = 'd1.$R.test'")" "SGACME-"
is "d1's certificate is valid" "$(cert_status "d1.$R.test")" valid

# ---- day 10: additions, pro rata
travel 10
P10=$(half_up $((3900 * (E - 10))) "$TERM")
api "$DK" POST "/api/v1/subscriptions/$SD/domains" "{\"domain\":\"d3.$R.test\",\"quote_only\":true}"
is "day 10: adding d3 costs 39.00 × $((E - 10))/$TERM" "$(j .price_cents)" "$P10"
api "$DK" POST "/api/v1/subscriptions/$SD/domains" "{\"domain\":\"d3.$R.test\"}"
is "day 10: d3 is added" "$HTTP_STATUS $(j .price_cents)" "201 $P10"
D3=$(j .id)
is "the deposit paid it with VAT" "$(balance "$D")" $((4680 + 100 - $(gross "$P10")))
api "$MK" POST "/api/v1/subscriptions/$SM/domains" "{\"domain\":\"m3.$R.test\"}"
M3=$(j .id)
is "day 10: the monthly customer adds m3 at the same pro rata price" "$HTTP_STATUS $(j .price_cents)" "201 $P10"

# ---- day 20: d3 deleted within 30 days: full refund, e-mail
travel 20
api "$DK" DELETE "/api/v1/subscriptions/$SD/domains/$D3"
is "day 20: deleting d3 refunds all of it" "$(j .refund_cents)" "$P10"
is "the deposit got it back with VAT" "$(balance "$D")" $((4680 + 100))
jobs

# ---- day 45: m3 deleted after 30 days: no refund
travel 45
api "$MK" DELETE "/api/v1/subscriptions/$SM/domains/$M3"
is "day 45: deleting m3 after 30 days refunds nothing" "$(j .refund_cents) $(j .within_refund_window)" "0 false"
jobs

# ---- the months: every first of the month, invoices close
months=0
for ((d = 1; d < E - 70; d++)); do
	[[ "$(day "$d")" == *-01 ]] || continue
	travel "$d"
	jobs
	months=$((months + 1))
done
check "month closings ran ($months first days)" test "$months" -ge 8
M_INV=$(sql "SELECT COUNT(*) FROM invoices WHERE account_id = $M AND status = 'closed'")
check "the monthly customer's invoices of its active months are closed" test "$M_INV" -ge 1
is "M's charges sit on closed invoices: 39.00, 149.00 and the pro rata m3" \
	"$(sql "SELECT GROUP_CONCAT(l.net_cents ORDER BY l.id) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.account_id = $M AND i.status = 'closed'")" \
	"3900,14900,$P10"
is "every closed invoice's totals equal its lines" \
	"$(sql "SELECT COUNT(*) FROM invoices i WHERE i.account_id = $M AND i.status = 'closed' AND i.gross_cents <> (SELECT SUM(gross_cents) FROM invoice_lines l WHERE l.invoice_id = i.id)")" 0
nums=$(sql "SELECT number FROM invoices WHERE status = 'closed' AND number LIKE '$(date -u -d "@$T0S" +%Y)-%' OR number LIKE '$(date -u -d "$END" +%Y)-%' ORDER BY number")
gaps=$(awk -F- 'prev[$1] && $2 + 0 != prev[$1] + 1 { g++ } { prev[$1] = $2 + 0 } END { print g + 0 }' <<<"$nums")
is "invoice numbers of these years have no gap" "$gaps" 0

# ---- E-70 and E-60: a certificate for d2, then d2 deleted after its window
travel $((E - 70))
check "E-70: certbot gets a certificate for d2 (it outlives the term)" cert "d2.$R.test" "$SD_KID" "$SD_HMAC"
jobs
travel $((E - 60))
D2=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SD AND name = 'd2.$R.test'")
before=$(balance "$D")
api "$DK" DELETE "/api/v1/subscriptions/$SD/domains/$D2"
is "E-60: deleting d2 long after activation refunds nothing" "$(j .refund_cents)" 0
is "the balance did not move" "$(balance "$D")" "$before"
is "d2's certificate stays valid until the term ends" "$(cert_status "d2.$R.test")" valid

# ---- E-30: SD renews; SD2 cannot be paid; M gets its 30-day reminder
travel $((E - 30))
jobs
check "E-30: run-jobs prints the renew job's summary line, counts and all" \
	grep -Eq '^renew: [0-9]+ due, [0-9]+ renewed, [0-9]+ not renewed, [0-9]+ failed$' <<<"$JOBS"
NEW_END=$(sql "SELECT end_date FROM subscriptions WHERE id = $SD")
check "SD's new end ($NEW_END) is a year later, from the upstream" test "$NEW_END" \> "$(date -u -d "$END +364 days" +%F)"
is "SD renewed one active domain (d1) at 39.00 + VAT" "$(balance "$D")" 100
is "the renewal charge is in the ledger" \
	"$(sql "SELECT COUNT(*), SUM(net_cents) FROM ledger WHERE subscription_ref = $SD AND idempotency_key LIKE '%-renew-%'" | tr '\t' ' ')" "1 3900"
like "SD2 shows why it was not renewed" "$(sql "SELECT renewal_error FROM subscriptions WHERE id = $SD2")" "renewal failed: insufficient funds, 45.80 EUR missing"
is "SD2 is still active, ending on the old date" "$(sql "SELECT status, end_date FROM subscriptions WHERE id = $SD2" | tr '\t' ' ')" "active $END"
nled=$(sql "SELECT COUNT(*) FROM ledger WHERE account_id = $D")
jobs
is "running the jobs again the same day charges nothing" "$(balance "$D") $(sql "SELECT COUNT(*) FROM ledger WHERE account_id = $D")" "100 $nled"
is "and leaves SD's end alone" "$(sql "SELECT end_date FROM subscriptions WHERE id = $SD")" "$NEW_END"
travel $((E - 29))
jobs
is "E-29: the failed renewal is retried the next day" \
	"$(sql "SELECT renewal_tried_on, status FROM subscriptions WHERE id = $SD2" | tr '\t' ' ')" "$(day $((E - 29))) active"
like "still failing for want of funds" "$(sql "SELECT renewal_error FROM subscriptions WHERE id = $SD2")" "45.80 EUR missing"

# ---- E-20 / E-10: certificates that will outlive the end
travel $((E - 20))
check "E-20: certbot gets a certificate for m1 (SM, no auto-renewal)" cert "m1.$R.test" "$SM_KID" "$SM_HMAC"
travel $((E - 10))
check "E-10: certbot gets a certificate for e1 (SD2)" cert "e1.$R.test" "$SD2_KID" "$SD2_HMAC"
check "E-10: certbot gets a certificate for d1 (SD, renewed)" cert "d1.$R.test" "$SD_KID" "$SD_HMAC"
jobs
travel $((E - 7))
jobs

# ---- E: expiry
travel "$E"
mark=$(last_call)
jobs
is "E: SUSPENDACCOUNT for the expired subscriptions, every ACME account of the key" \
	"$(calls_since "$mark" | awk -F'\t' '$3 == "SUSPENDACCOUNT" { print $4 " " $5 }' | sort -u)" \
	"200 acmeAccountID,action,includeAdditionalAccounts,loginName,loginPassword"
is "E: !AutoRevokeSSL asked for the certificates that outlive their term (responseFormat=1)" \
	"$(calls_since "$mark" | awk -F'\t' '$2 == "AutoRevokeSSL" { print $5 }' | sort -u)" \
	"codeReason,loginName,loginPassword,orderNumber,responseFormat,revocationReason"
like "E: run-jobs prints the expiry line" "$JOBS" "expire: "
is "the expiry mails were sent in the same run" \
	"$(sql "SELECT COUNT(*) FROM notifications WHERE account_id IN ($D, $M) AND kind = 'expired' AND status = 'sent'")" 2
is "SD2 and SM are expired, SD is active" \
	"$(sql "SELECT GROUP_CONCAT(status ORDER BY id) FROM subscriptions WHERE id IN ($SD, $SD2, $SM)")" "active,expired,expired"
# Asked at expiry, revoked once the upstream says so (docs/upstream.md).
asked() { sql "SELECT CONCAT(status, IF(revocation_requested_at IS NULL, '', ' requested')) FROM certificates WHERE domain = '$1' ORDER BY id DESC LIMIT 1"; }
is "e1's certificate (SD2): its revocation is requested" "$(asked "e1.$R.test")" "valid requested"
is "m1's certificate (SM): its revocation is requested" "$(asked "m1.$R.test")" "valid requested"
is "d2's certificate (deleted domain of the renewed SD): revocation requested at the old end" \
	"$(asked "d2.$R.test")" "valid requested"
is "d1's certificate (SD, renewed) stays valid, nothing asked" "$(asked "d1.$R.test")" valid
acct_of() { sql "SELECT acme_account_id FROM subscriptions WHERE id = $1"; }
is "the upstream accounts of SD2 and SM are suspended" "$(up_status "$(acct_of "$SD2")") $(up_status "$(acct_of "$SM")")" "suspended suspended"
ctl sync >/dev/null
is "after sync the upstream confirms: e1, m1 and d2 revoked (status 8)" \
	"$(sql "SELECT GROUP_CONCAT(CONCAT(status, ' ', status_code) ORDER BY domain) FROM certificates WHERE domain IN ('e1.$R.test', 'm1.$R.test', 'd2.$R.test')")" "revoked 8,revoked 8,revoked 8"
is "d1's certificate (SD, renewed) still valid" "$(cert_status "d1.$R.test")" valid
revoked=$(sql "SELECT COUNT(*) FROM certificates WHERE subscription_id IN ($SD, $SD2, $SM) AND status = 'revoked'")
jobs
is "expiring again changes nothing" \
	"$(sql "SELECT COUNT(*) FROM certificates WHERE subscription_id IN ($SD, $SD2, $SM) AND status = 'revoked'") $(sql "SELECT GROUP_CONCAT(status ORDER BY id) FROM subscriptions WHERE id IN ($SD, $SD2, $SM)")" \
	"$revoked active,expired,expired"

# ---- 13 months: a last run, nothing moves
travel 395
before_d=$(balance "$D") nled=$(sql "SELECT COUNT(*) FROM ledger WHERE account_id IN ($D, $M)")
jobs
jobs
is "month 13: two runs move no money" "$(balance "$D") $(sql "SELECT COUNT(*) FROM ledger WHERE account_id IN ($D, $M)")" "$before_d $nled"
is "every invoice of M is closed" "$(sql "SELECT COUNT(*) FROM invoices WHERE account_id = $M AND status = 'open'")" 0

# ---- e-mails
is "D was told: domain refunded, renewal done, renewal failed, expired, and the missed-renewal digest (issue 17)" "$(mails_of "$D")" \
	"domain_refunded,expired,renewal_done,renewal_failed,watch_digest"
is "M was told: expiry in 30 and 7 days, expired, and the missed-renewal digest (issue 17)" "$(mails_of "$M")" "expired,expiry_30,expiry_7,watch_digest"
mfail=$(grep -l "To: $R-d@customer.test" "$SMTP_SINK_DIR"/*.eml | xargs grep -l "45[.,]80" | head -n1)
check "the renewal-failed mail to D states the 45.80 missing" test -n "$mfail"
check "no mail holds an HMAC key" bash -c "! grep -qF -e '$SD_HMAC' -e '$SD2_HMAC' -e '$SM_HMAC' '$SMTP_SINK_DIR'/*.eml"
# mail_of KIND ACCOUNT: "To|Subject|Body" of the message sent for that
# notification (found by its Message-ID), decoded (RFC 2047, 8bit).
mail_of() {
	local id f
	id=$(sql "SELECT id FROM notifications WHERE account_id = $2 AND kind = '$1' ORDER BY id LIMIT 1")
	f=$(grep -l "^Message-ID: <notify\.$id\." "$SMTP_SINK_DIR"/*.eml 2>/dev/null | head -n1)
	[[ -n "$f" ]] || { echo "no message for notification $id"; return; }
	/usr/bin/python3 - "$f" <<-'PY'
		import sys, email
		from email import policy
		with open(sys.argv[1], "rb") as fh:
		    m = email.message_from_binary_file(fh, policy=policy.default)
		print("%s|%s|%s" % (m["To"], m["Subject"], m.get_content().replace("\n", " ")))
	PY
}
euro() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
like "renewal done: to D, naming SD and its new end, with the amount" "$(mail_of renewal_done "$D")" \
	"$R-d@customer.test|Subscription “SD $R” renewed until $NEW_END|"
like "renewal done: the amount billed, VAT included" "$(mail_of renewal_done "$D")" "46.80"
like "renewal failed: to D, naming SD2" "$(mail_of renewal_failed "$D")" "$R-d@customer.test|Action needed: the renewal of “SD2 $R” failed"
like "domain refunded: names d3 and the refund, VAT included" "$(mail_of domain_refunded "$D")" "d3.$R.test"
like "the refund amount is in it" "$(mail_of domain_refunded "$D")" "$(euro "$(gross "$P10")")"
like "expiry in 30 days: to M, naming SM and its end" "$(mail_of expiry_30 "$M")" "$R-m@customer.test|Subscription “SM $R” expires on $END"
like "expiry in 7 days: a reminder" "$(mail_of expiry_7 "$M")" "Reminder: subscription “SM $R” expires on $END"
like "expired: to M" "$(mail_of expired "$M")" "$R-m@customer.test|Subscription “SM $R” has expired"
like "expired: to D for SD2" "$(mail_of expired "$D")" "Subscription “SD2 $R” has expired"
is "each notification was sent once" \
	"$(sql "SELECT COUNT(*) FROM notifications WHERE account_id IN ($D, $M) AND status <> 'sent'")" 0

# ---- D's webhooks (issue 17)
hook_n() { jq -r --arg e "$1" 'select(.event == $e and .signature_ok) | .delivery' "$HOOKS/received.jsonl" 2>/dev/null | sort -u | wc -l; }
is "webhook: subscription.created for SD and SD2" "$(hook_n subscription.created)" 2
is "webhook: domain.added for d3" "$(hook_n domain.added)" 1
is "webhook: domain.removed for d3 and d2" "$(hook_n domain.removed)" 2
is "webhook: subscription.renewed for SD" "$(hook_n subscription.renewed)" 1
check "webhook: subscription.renewal_failed for SD2" test "$(hook_n subscription.renewal_failed)" -ge 1
like "naming SD2" "$(jq -r 'select(.event == "subscription.renewal_failed") | .body' "$HOOKS/received.jsonl" | head -n1)" "\"name\":\"SD2 $R\""
is "webhook: subscription.expired for SD2 only" "$(hook_n subscription.expired)" 1
check "webhook: certificate.revoked for the certificates revoked at the ends of terms" \
	test "$(hook_n certificate.revoked)" -ge 1
is "certificate.revoked once per certificate" \
	"$(jq -r 'select(.event == "certificate.revoked") | .body' "$HOOKS/received.jsonl" | jq -r .data.reference | sort | uniq -d | wc -l)" 0
is "every delivery was posted once (no retry needed, no duplicate)" \
	"$(wc -l <"$HOOKS/received.jsonl") $(jq -r .signature_ok "$HOOKS/received.jsonl" | sort -u)" \
	"$(jq -r .delivery "$HOOKS/received.jsonl" | sort -u | wc -l) true"

# ---- the FEC export of the period equals the ledger
FROM=$(day 0) TO=$(day 395)
ctl export --from "$FROM" --to "$TO" --format fec --output "$TEST_TMP/fec.txt" 2>/dev/null
cols=$(awk -F'|' 'NR > 1 && NF != 18 { bad++ } END { print bad + 0 }' "$TEST_TMP/fec.txt")
is "the FEC has 18 columns on every line" "$cols" 0
# cents of a FEC amount "1234,56"
fec_sum() { awk -F'|' -v acct="$1" -v col="$2" 'NR > 1 && $5 == acct { split($col, a, ","); s += a[1] * 100 + (a[1] < 0 ? -1 : 1) * a[2] } END { print s + 0 }' "$TEST_TMP/fec.txt"; }
debit=$(awk -F'|' 'NR > 1 { split($12, a, ","); s += a[1] * 100 + a[2] } END { print s + 0 }' "$TEST_TMP/fec.txt")
credit=$(awk -F'|' 'NR > 1 { split($13, a, ","); s += a[1] * 100 + a[2] } END { print s + 0 }' "$TEST_TMP/fec.txt")
is "the FEC balances: total debit = total credit" "$debit" "$credit"
sales=$(($(fec_sum 706000 13) - $(fec_sum 706000 12)))
ledger_net=$(sql "SELECT COALESCE(SUM(IF(kind = 'charge', net_cents, IF(kind = 'refund', -net_cents, 0))), 0) FROM ledger WHERE created_at >= '$FROM' AND created_at < DATE_ADD('$TO', INTERVAL 1 DAY)")
is "sales in the FEC equal the ledger's net charges minus refunds over the period" "$sales" "$ledger_net"

done_testing
