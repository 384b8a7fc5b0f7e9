#!/usr/bin/env bash
# The reseller API's time rules with the server's clock moved, not the data:
# a second ca-fcgi of the test stack runs with CAAS_NOW pinned (clock.c), on
# its own FastCGI socket, restarted for each instant, spoken to directly with
# cgi-fcgi, with reseller_remove_revokes = yes. REMOVEDOMAIN 29 days after the
# add refunds it and revokes its certificate, 31 days after neither; on the
# stack itself (reseller_remove_revokes = no, the default) a refunded removal
# leaves the certificate valid; EXTENDDOMAINS only from 100 days before
# to 30 days after the term's end, and a real one moves expiresAt a year;
# caasctl-ca expire revokes a certificate that outlived its account's term,
# once.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

for v in CAAS_API_BASE CAAS_LOGIN CAAS_PASSWORD MYSQL_SOCKET; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
done
CA_FCGI_BIN="$(dirname "$CAASCTL_CA")/ca-fcgi"
CGI_FCGI=$(command -v cgi-fcgi || true)
if [[ ! -x "$CA_FCGI_BIN" || -z "$CGI_FCGI" ]]; then
	not_ok "ca-fcgi ($CA_FCGI_BIN) and cgi-fcgi are there"
	done_testing
fi

API="$CAAS_API_BASE/products/!ACMEAdmin"
BODY="$TEST_TMP/api.json"
export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e "$1"; }
day() { date -u -d "$1" +%F; }
j() { jq -r "$1" "$BODY" 2>/dev/null; }

# api ACTION [FIELD=VALUE...]: the real stack, over HTTPS (the real clock).
api() {
	local a=(--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD"
		--data-urlencode "action=$1") f
	shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	: >"$BODY"
	ST=$(curl -sS --cacert "$ACME_CA_BUNDLE" --max-time 30 -o "$BODY" -w '%{http_code}' \
		"${a[@]}" "$API") || ST=000
}

# ---- the pinned instance
PIN_DIR=$(mktemp -d /tmp/pinca.XXXXXX)
PIN_SOCK="$PIN_DIR/ca.sock"
PIN_CONF="$PIN_DIR/ca.conf"
PIN_PID=
sed -e "s|^listen = .*|listen = unix:$PIN_SOCK|" -e "s|^pidfile = .*|pidfile = $PIN_DIR/ca-fcgi.pid|" \
	-e "s|^workers = .*|workers = 1|" \
	-e "s|^reseller_remove_revokes = .*|reseller_remove_revokes = yes|" "$CA_CONF" >"$PIN_CONF"
grep -q '^reseller_remove_revokes = yes' "$PIN_CONF" || echo "reseller_remove_revokes = yes" >>"$PIN_CONF"
# Two certificates a page: the removal's revocations must page through them all.
echo "reseller_revoke_page = 2" >>"$PIN_CONF"

pin_stop() {
	if [[ -n "$PIN_PID" ]]; then
		kill -TERM "$PIN_PID" 2>/dev/null || true
		wait "$PIN_PID" 2>/dev/null || true
		PIN_PID=
	fi
	rm -f "$PIN_SOCK"
}

# shellcheck disable=SC2317 # run by the EXIT trap
tt_cleanup() {
	pin_stop
	rm -rf "$PIN_DIR"
	interop_cleanup
}
trap tt_cleanup EXIT

# pin_start ISO8601: (re)start the pinned ca-fcgi with CAAS_NOW=ISO8601.
# shellcheck disable=SC2317 # run through check
pin_start() {
	local i
	pin_stop
	CAAS_NOW=$1 "$CA_FCGI_BIN" -f "$PIN_CONF" </dev/null >>"$PIN_DIR/ca-fcgi.log" 2>&1 &
	PIN_PID=$!
	for ((i = 0; i < 150; i++)); do
		[[ -S "$PIN_SOCK" ]] && return 0
		kill -0 "$PIN_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "the pinned ca-fcgi (CAAS_NOW=$1) did not come up: $(tail -n 5 "$PIN_DIR/ca-fcgi.log")"
	return 1
}

# at DATE [TIME]: an ISO 8601 UTC instant for CAAS_NOW.
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

uri() { jq -rn --arg v "$1" '$v|@uri'; }

# papi ACTION [FIELD=VALUE...]: the pinned instance over FastCGI; ST and $BODY.
papi() {
	local body f out
	body="loginName=$(uri "$CAAS_LOGIN")&loginPassword=$(uri "$CAAS_PASSWORD")&action=$(uri "$1")"
	shift
	for f in "$@"; do body+="&$(uri "${f%%=*}")=$(uri "${f#*=}")"; done
	out=$(cd "$TEST_TMP" && printf '%s' "$body" | env -i REQUEST_METHOD=POST \
		'PATH_INFO=/products/!ACMEAdmin' CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH="${#body}" SCRIPT_NAME= QUERY_STRING= REMOTE_ADDR=127.0.0.1 \
		"$CGI_FCGI" -bind -connect "$PIN_SOCK" 2>&1) || true
	out=${out//$'\r'/}
	ST=$(printf '%s\n' "$out" | sed -n '1,/^$/s/^Status: \([0-9]*\).*/\1/p' | head -n1)
	if [[ -z "$ST" ]]; then
		if [[ "$out" == *$'\n\n'* ]]; then ST=200; else ST=000; fi
	fi
	printf '%s' "${out#*$'\n\n'}" >"$BODY"
}

refused() {
	is "$1: HTTP $2" "$ST" "$2"
	is "$1: type $3" "$(j .type)" "urn:sectigo:params:acme:error:$3"
}

# shellcheck disable=SC2317 # run through run_client
lego_run() {
	local d=$1
	shift
	lego --server "$ACME_DV_URL" --accept-tos --email "admin@x.test" --path "$d" \
		--http --http.port "127.0.0.1:$ACME_HTTP01_PORT" "$@"
}
cert_of() { sql "SELECT CONCAT(status, ' ', IFNULL(revocation_reason, '-')) FROM certificates WHERE sans LIKE '%\"$1\"%' ORDER BY id DESC LIMIT 1"; }

fetch_crl() {
	curl -s -f --max-time 10 -o "$TEST_TMP/crl.der" "$CENTER_URL/crl/issuing.crl" &&
		openssl crl -inform DER -in "$TEST_TMP/crl.der" -out "$TEST_TMP/crl.pem" 2>/dev/null
}
verify_crl() {
	openssl verify -crl_check -CAfile "$CA_ROOT_PEM" -untrusted "$CA_ISSUING_PEM" \
		-CRLfile "$TEST_TMP/crl.pem" "$1" 2>&1
}

# ---- T0, the real clock: two accounts, their domains and certificates
TERM_END=$(day "$(day tomorrow) +1 year")
api PREREGISTER "serverUrl=$ACME_DV_URL" years=1
KA=$(j '.Accounts[0].acmeAccountID') HA=$(j '.Accounts[0].eabMACKeyb64url')
api ADDDOMAIN "acmeAccountID=$KA" domainName=a.x.test
is "T0: ADDDOMAIN a.x.test over HTTPS" "$ST $(j .success)" "200 true"
ADD_A=$(j .orderNumber)
api ADDDOMAIN "acmeAccountID=$KA" domainName=b.x.test
is "T0: ADDDOMAIN b.x.test" "$ST $(j .success)" "200 true"
is "T0: the term runs from tomorrow for a year" \
	"$(sql "SELECT CONCAT(term_start, ' ', term_end) FROM eab_keys WHERE kid = '$KA'")" "$(day tomorrow) $TERM_END"
api PREREGISTER "serverUrl=$ACME_DV_URL" years=1
KB=$(j '.Accounts[0].acmeAccountID')
api ADDDOMAIN "acmeAccountID=$KB" domainName=e.x.test
is "T0: ADDDOMAIN e.x.test on a second account" "$ST $(j .success)" "200 true"

check "http-01 port $ACME_HTTP01_PORT is free" port_free
L="$TEST_TMP/lego"
api ADDDOMAIN "acmeAccountID=$KA" domainName=d.x.test
is "T0: ADDDOMAIN d.x.test" "$ST $(j .success)" "200 true"
for n in a b d; do
	client_ok "T0: lego gets a certificate for $n.x.test" "$TEST_TMP/lego-$n.log" \
		lego_run "$L" --eab --kid="$KA" --hmac="$HA" -d "$n.x.test" run
	openssl x509 -in "$L/certificates/$n.x.test.crt" -out "$TEST_TMP/$n.pem" 2>/dev/null
done

# Four more certificates of a.x.test (copies with fresh serials), so that the
# removal below has more of them than one page (reseller_revoke_page = 2).
for i in 1 2 3 4; do
	sql "INSERT INTO certificates (order_id, account_id, eab_id, serial, sans, not_before, not_after, status, pem, created_at)
		SELECT order_id, account_id, eab_id, MD5(CONCAT(serial, '$i')), sans, not_before, not_after, 'valid', pem, created_at
		FROM certificates WHERE sans LIKE '%\"a.x.test\"%' ORDER BY id LIMIT 1"
done
is "T0: five valid certificates need a.x.test" "$(sql "SELECT COUNT(*) FROM certificates WHERE sans LIKE '%\"a.x.test\"%' AND status = 'valid'")" 5

# ---- T0, the stack (reseller_remove_revokes = no): a refunded removal revokes nothing
api REMOVEDOMAIN "acmeAccountID=$KA" domainName=d.x.test
is "T0: REMOVEDOMAIN d.x.test answers success" "$ST $(j .success)" "200 true"
is "T0: it is refunded" "$(sql "SELECT COUNT(*) FROM reseller_orders WHERE kind = 'REFUND' AND domain = 'd.x.test'")" 1
is "T0: mode no: d.x.test's certificate is still valid" "$(cert_of d.x.test)" "valid -"

# ---- T0 + 29 days: removal within 30 days (reseller_remove_revokes = yes)
check "a ca-fcgi pinned at T0+29 days starts on its own socket" pin_start "$(at "+29 days")"
papi REMOVEDOMAIN "acmeAccountID=$KA" domainName=a.x.test
is "T0+29: REMOVEDOMAIN a.x.test answers success" "$ST $(j '[.success, .Domains[0].domainName] | join(" ")')" \
	"200 true a.x.test"
is "T0+29: a REFUND order of the add's cost, dated T0+29" \
	"$(sql "SELECT CONCAT(r.cost_cents + a.cost_cents, ' ', DATE(r.created_at)) FROM reseller_orders r, reseller_orders a
		WHERE r.kind = 'REFUND' AND r.domain = 'a.x.test' AND a.order_number = '$ADD_A'")" "0 $(day "+29 days")"
papi LISTDOMAINS "acmeAccountID=$KA"
is "T0+29: LISTDOMAINS no longer lists a.x.test" "$(j '[.Domains[].domainName] | join(",")')" b.x.test
papi GETLASTORDER "acmeAccountID=$KA" "filter=domainName = a.x.test"
is "T0+29: GETLASTORDER shows a.x.test's certificate revoked (8)" "$(j '.Orders[0].statusCode')" 8
is "T0+29: revoked for cessationOfOperation" "$(cert_of a.x.test)" "revoked 5"
is "T0+29: all five, over three pages of two, are revoked; b.x.test's is not" \
	"$(sql "SELECT GROUP_CONCAT(DISTINCT CONCAT(status, ':', IFNULL(revocation_reason, '-'))) FROM certificates WHERE sans LIKE '%\"a.x.test\"%'")/$(cert_of b.x.test)" \
	"revoked:5/valid -"
check "the CRL is fetched" fetch_crl
like "T0+29: a.x.test's leaf fails verification with the CRL" "$(verify_crl "$TEST_TMP/a.pem")" "certificate revoked"

# ---- T0 + 31 days: removal after 30 days
check "restarted at T0+31 days" pin_start "$(at "+31 days")"
papi REMOVEDOMAIN "acmeAccountID=$KA" domainName=b.x.test
is "T0+31: REMOVEDOMAIN b.x.test answers success" "$ST $(j .success)" "200 true"
is "T0+31: no refund row for b.x.test" \
	"$(sql "SELECT COUNT(*) FROM reseller_orders WHERE kind = 'REFUND' AND domain = 'b.x.test'")" 0
is "T0+31: b.x.test's certificate is still valid" "$(cert_of b.x.test)" "valid -"
papi GETLASTORDER "acmeAccountID=$KA" "filter=domainName = b.x.test"
is "T0+31: GETLASTORDER shows it valid (6)" "$(j '.Orders[0].statusCode')" 6
fetch_crl
like "T0+31: b.x.test's leaf verifies with the CRL" "$(verify_crl "$TEST_TMP/b.pem")" ": OK"

# ---- the extension window, around the term's end
check "restarted at term_end-101 days" pin_start "$(at "$TERM_END -101 days 12:00")"
papi EXTENDDOMAINS "acmeAccountID=$KB" years=1 quoteOnly=Y
refused "EXTENDDOMAINS quote 101 days before the end" 400 malformed
check "restarted at term_end-100 days" pin_start "$(at "$TERM_END -100 days 12:00")"
papi EXTENDDOMAINS "acmeAccountID=$KB" years=1 quoteOnly=Y
is "EXTENDDOMAINS quote 100 days before the end is accepted" "$ST $(j .success) $(j .cost)" "200 true 10"
check "restarted at term_end+30 days" pin_start "$(at "$TERM_END +30 days 12:00")"
papi EXTENDDOMAINS "acmeAccountID=$KB" years=1 quoteOnly=Y
is "EXTENDDOMAINS quote 30 days after the end is accepted" "$ST $(j .success)" "200 true"
check "restarted at term_end+31 days" pin_start "$(at "$TERM_END +31 days 12:00")"
papi EXTENDDOMAINS "acmeAccountID=$KB" years=1 quoteOnly=Y
refused "EXTENDDOMAINS quote 31 days after the end" 400 malformed
is "the quotes changed nothing" "$(sql "SELECT term_end FROM eab_keys WHERE kid = '$KB'")/$(sql "SELECT COUNT(*)
	FROM reseller_orders o JOIN eab_keys e ON e.id = o.eab_id WHERE e.kid = '$KB' AND o.kind = 'EXTEND'")" "$TERM_END/0"

check "restarted at term_end-10 days" pin_start "$(at "$TERM_END -10 days 12:00")"
papi LISTDOMAINS "acmeAccountID=$KB"
is "term_end-10: LISTDOMAINS expiresAt is the last second of the term's last day" "$(j '[.Domains[] | .domainName + " " + .expiresAt] | join(",")')" \
	"e.x.test $(day "$TERM_END -1 day")T23:59:59Z"
papi EXTENDDOMAINS "acmeAccountID=$KB" years=1 quoteOnly=N
is "term_end-10: EXTENDDOMAINS answers success with an order" "$ST $(j .success) $(j '.orderNumber > 0')" "200 true true"
papi LISTDOMAINS "acmeAccountID=$KB"
is "term_end-10: LISTDOMAINS expiresAt moved by one year" "$(j '[.Domains[] | .domainName + " " + .expiresAt] | join(",")')" \
	"e.x.test $(day "$TERM_END +1 year -1 day")T23:59:59Z"

# ---- the expiry job: an account whose term ends 10 days from today (it
# was set up a year ago, with the clock there), a certificate issued today
# (it lives 90 days), then expire at the term's end + 1 day.
P=$(day "$(day "+10 days") -1 year -1 day")
TE_C=$(day "$(day "$P +1 day") +1 year")
check "restarted at $P" pin_start "$(at "$P 09:00")"
papi PREREGISTER "serverUrl=$ACME_DV_URL" years=1
KC=$(j '.Accounts[0].acmeAccountID') HC=$(j '.Accounts[0].eabMACKeyb64url')
papi ADDDOMAIN "acmeAccountID=$KC" domainName=c.x.test
is "$P: ADDDOMAIN c.x.test on a new account" "$ST $(j .success)" "200 true"
is "its term ends on $TE_C" "$(sql "SELECT term_end FROM eab_keys WHERE kid = '$KC'")" "$TE_C"
pin_stop
client_ok "T0: lego gets a certificate for c.x.test (it outlives the term)" "$TEST_TMP/lego-c.log" \
	lego_run "$TEST_TMP/legoc" --eab --kid="$KC" --hmac="$HC" -d c.x.test run
openssl x509 -in "$TEST_TMP/legoc/certificates/c.x.test.crt" -out "$TEST_TMP/c.pem" 2>/dev/null
is "c.x.test's certificate is valid" "$(cert_of c.x.test)" "valid -"
NOW_X="$(day "$TE_C +1 day") 00:00:00"
out=$(caasctl_ca expire --now "$NOW_X" 2>/dev/null)
if [[ "$out" =~ ^expire:\ ([0-9]+)\ certificates\ revoked$ && ${BASH_REMATCH[1]} -ge 1 ]]; then
	ok "caasctl-ca expire --now '$NOW_X' revokes ($out)"
else
	not_ok "caasctl-ca expire --now '$NOW_X' revokes" "$out"
fi
is "c.x.test's certificate, past its account's term, is revoked (5)" "$(cert_of c.x.test)" "revoked 5"
is "b.x.test's (removed after 30 days, term not over) is not" "$(cert_of b.x.test)" "valid -"
fetch_crl
like "c.x.test's leaf fails verification with the CRL" "$(verify_crl "$TEST_TMP/c.pem")" "certificate revoked"
is "a second expire run revokes nothing" "$(caasctl_ca expire --now "$NOW_X" 2>/dev/null)" \
	"expire: 0 certificates revoked"

done_testing
