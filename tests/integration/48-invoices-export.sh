#!/usr/bin/env bash
# Monthly invoices and accounting exports over a simulated year (issue #6,
# items 3 and 4): closing month by month gives gap-free numbers and totals
# equal to the sums of the lines, is idempotent, and two runs at once close
# each invoice once; a refund after closing is a credit line on the next
# invoice; the invoice pages show each line to their owner (and accounting),
# 404 to anyone else; the export page is for the accounting role only; the
# CSV and FEC exports reconcile with the ledger to the cent, and every FEC
# entry balances. Years 2019-2022 belong to this test: other tests bill in
# other years, so the numbers of these series are all ours.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
drv() { "$BUILD_DIR/tests/integration/ledger-driver" -f "$CENTER_CONF"; }
close_at() { ctl close-invoices --now "$1"; }
# inv_of ACCOUNT PERIOD: the id of the account's invoice of that month.
inv_of() { sql "SELECT id FROM invoices WHERE account_id = $1 AND period = '$2' ORDER BY id LIMIT 1"; }
# user ACCOUNT LOGIN ROLE: a user with a random password, printed.
user() {
	local pw f="$TEST_TMP/pw"
	pw=$(openssl rand -hex 12)
	printf '%s\n' "$pw" >"$f"
	ctl user-add --account "$1" --login "$2" --password-file "$f" --role "$3" --lang en >/dev/null
	printf '%s\n' "$pw"
}
# seq_numbers YEAR N: the numbers YEAR-000001 .. YEAR-N, one per line.
seq_numbers() { for ((i = 1; i <= $2; i++)); do printf '%s-%06d\n' "$1" "$i"; done; }

K="t48-$$-$RANDOM"
MON=$(ctl account-add --name "Invoice test monthly" --type monthly --vat-bp 2000)
BULK=$(ctl account-add --name "Bulk, \"monthly\" SAS" --type monthly --vat-bp 550)
DEP=$(ctl account-add --name "Export test deposit" --type deposit --vat-bp 2000)
OTHER=$(ctl account-add --name "Someone else" --type monthly)
check "test accounts were created" test -n "$MON" -a -n "$BULK" -a -n "$DEP" -a -n "$OTHER"
MON_PW=$(user "$MON" "$K-mon" customer)
OTHER_PW=$(user "$OTHER" "$K-other" admin)
ACC_PW=$(user "$OTHER" "$K-acc" accounting)

# ---- totals are checked against the lines before closing (2019)
drv <<<"charge $OTHER 1000 DV_SSL $K-t1 2019-05-10T10:00:00Z - - - -" >/dev/null
tinv=$(inv_of "$OTHER" 2019-05)
sql "UPDATE invoices SET net_cents = net_cents + 1 WHERE id = $tinv"
rc=0; out=$(close_at "2019-06-01 00:05:00" 2>"$TEST_TMP/err") || rc=$?
check "an invoice whose totals disagree with its lines makes the run fail" test "$rc" -ne 0
like "the summary counts it refused" "$out" "0 closed, first -, last -, 1 refused"
is "and it stays open" "$(sql "SELECT status FROM invoices WHERE id = $tinv")" open
like "the log names the invoice and both sums" "$(cat "$TEST_TMP/err")" "invoice $tinv (2019-05)"
sql "UPDATE invoices SET net_cents = net_cents - 1 WHERE id = $tinv"
out=$(close_at "2019-06-01 00:05:00")
is "once repaired it closes with the first number of 2019" "$out" \
	"close-invoices: 1 closed, first 2019-000001, last 2019-000001"

# ---- two runs at once close each invoice once (2020)
accts=()
for i in $(seq 1 40); do
	accts+=("$(ctl account-add --name "Concurrent $i" --type monthly)")
done
for a in "${accts[@]}"; do
	echo "charge $a 1000 DV_SSL $K-c-$a 2020-06-15T10:00:00Z - - - -"
done | drv >/dev/null
is "40 open invoices of June 2020" \
	"$(sql "SELECT COUNT(*) FROM invoices WHERE period = '2020-06' AND status = 'open'")" 40
# Hold the 2020 counter so that both runs have taken an invoice and wait.
sql "INSERT INTO invoice_counters (series, last_number) VALUES ('2020', 0)"
sql "START TRANSACTION; SELECT last_number FROM invoice_counters WHERE series = '2020' FOR UPDATE; DO SLEEP(2); COMMIT" >/dev/null &
holder=$!
sleep 0.5
close_at "2020-07-01 00:00:00" >"$TEST_TMP/run1" 2>&1 &
r1=$!
close_at "2020-07-01 00:00:00" >"$TEST_TMP/run2" 2>&1 &
r2=$!
fails=0
wait "$r1" || fails=$((fails + 1))
wait "$r2" || fails=$((fails + 1))
wait "$holder"
is "both concurrent runs succeed" "$fails" 0
n1=$(sed -n 's/^close-invoices: \([0-9]*\) closed.*/\1/p' "$TEST_TMP/run1")
n2=$(sed -n 's/^close-invoices: \([0-9]*\) closed.*/\1/p' "$TEST_TMP/run2")
is "between them they closed the 40 invoices" "$((${n1:-0} + ${n2:-0}))" 40
check "both did part of the work (SKIP LOCKED, not waiting in line)" test "${n1:-0}" -gt 0 -a "${n2:-0}" -gt 0
is "no invoice of June 2020 is left open" \
	"$(sql "SELECT COUNT(*) FROM invoices WHERE period = '2020-06' AND status = 'open'")" 0
is "the numbers are 2020-000001..2020-000040, each once" \
	"$(sql "SELECT number FROM invoices WHERE number LIKE '2020-%' ORDER BY number")" \
	"$(seq_numbers 2020 40)"
is "the counter stopped at 40" "$(sql "SELECT last_number FROM invoice_counters WHERE series = '2020'")" 40

# ---- a year of activity, closed month by month (2021)
# A subscription and a domain, so the export can name them (LEFT JOINs).
sql "INSERT INTO subscriptions (account_id, level, name, status, acme_server, idempotency_key,
	created_by, created_at, updated_at) VALUES ($MON, 'DV', 'Shop, \"prod\"', 'active',
	'https://ca.test/v2/DV', '$K-sub', 'test', '2021-01-01', '2021-01-01')"
SUB=$(sql "SELECT id FROM subscriptions WHERE idempotency_key = '$K-sub'")
sql "INSERT INTO subscription_domains (subscription_id, name, wildcard, product_code, status,
	price_cents, created_at) VALUES ($SUB, 'www.shop.test', 0, 'DV_SSL', 'active', 3900, '2021-01-01')"
DOM=$(sql "SELECT id FROM subscription_domains WHERE subscription_id = $SUB")

# month_script MM: the movements of 2021-MM. BULK gets 50 lines at the same
# second, so export chunks (500 rows) cut through rows of equal created_at.
month_script() {
	local m=$1 i
	echo "credit $DEP 50000 - $K-top-$m 2021-$m-01T09:00:00Z - - - - bank transfer $m"
	echo "charge $MON 3900 DV_SSL $K-a-$m 2021-$m-05T10:00:00Z $SUB $DOM ORD-$m 2000 DV SSL www.shop.test"
	for ((i = 1; i <= 50; i++)); do
		echo "charge $BULK $((100 + i * 7)) OV_SSL $K-b-$m-$i 2021-$m-10T12:00:00Z - - - - OV line $i"
	done
	echo "charge $DEP 3900 DV_SSL $K-d-$m 2021-$m-15T08:00:00Z - - ORD-D$m 2100"
	echo "charge $MON 14900 DV_WILDSSL $K-w-$m 2021-$m-20T16:30:00Z $SUB - - - DV WildSSL"
	[[ $m == 03 ]] && echo "refund $MON 1000 DV_SSL $K-r-$m 2021-$m-25T11:00:00Z $SUB $DOM - - refund in the month"
	# A refund after January's closing: a credit line on February's invoice.
	[[ $m == 02 ]] && echo "refund $MON 3900 DV_SSL $K-late 2021-02-03T09:00:00Z $SUB $DOM ORD-01 2000 refund of January"
	return 0
}

summaries=()
drv_fails=0
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
	month_script "$m" | drv >/dev/null || drv_fails=$((drv_fails + 1))
	if [[ $m == 12 ]]; then next="2022-01-01 00:05:00"; else next="2021-$(printf '%02d' $((10#$m + 1)))-01 00:05:00"; fi
	summaries+=("$(close_at "$next")")
done
is "the driver played every month" "$drv_fails" 0
is "January closes the two monthly accounts' invoices" "${summaries[0]}" \
	"close-invoices: 2 closed, first 2021-000001, last 2021-000002"
is "November closes numbers 21 and 22" "${summaries[10]}" \
	"close-invoices: 2 closed, first 2021-000021, last 2021-000022"
is "December is closed in 2022, so its numbers start the 2022 series" "${summaries[11]}" \
	"close-invoices: 2 closed, first 2022-000001, last 2022-000002"
out=$(close_at "2022-01-01 00:05:00")
is "a second run at the same time closes nothing" "$out" "close-invoices: 0 closed, first -, last -"
is "and draws no number" "$(sql "SELECT last_number FROM invoice_counters WHERE series = '2022'")" 2
is "2021 numbers are gap-free" \
	"$(sql "SELECT number FROM invoices WHERE number LIKE '2021-%' ORDER BY number")" "$(seq_numbers 2021 22)"
is "each account has 12 closed invoices for 2021" \
	"$(sql "SELECT account_id, COUNT(*) FROM invoices WHERE account_id IN ($MON, $BULK) AND period LIKE '2021-%' AND status = 'closed' GROUP BY account_id ORDER BY account_id" | tr '\t\n' ' ')" \
	"$MON 12 $BULK 12 "
is "the deposit account has no invoice" "$(sql "SELECT COUNT(*) FROM invoices WHERE account_id = $DEP")" 0
is "every closed invoice's totals equal the sums of its lines" \
	"$(sql "SELECT COUNT(*) FROM invoices i WHERE i.account_id IN ($MON, $BULK) AND (i.net_cents, i.vat_cents, i.gross_cents) <> (SELECT COALESCE(SUM(net_cents),0), COALESCE(SUM(vat_cents),0), COALESCE(SUM(gross_cents),0) FROM invoice_lines WHERE invoice_id = i.id)")" 0
JAN=$(inv_of "$MON" 2021-01)
FEB=$(inv_of "$MON" 2021-02)
is "January: 3900 + 14900 net, 20 % VAT" \
	"$(sql "SELECT number, net_cents, vat_cents, gross_cents, closed_at FROM invoices WHERE id = $JAN" | tr '\t' ' ')" \
	"2021-000001 18800 3760 22560 2021-02-01 00:05:00"
is "the refund after January's closing is a negative line on February's invoice" \
	"$(sql "SELECT l.invoice_id, l.net_cents, l.vat_cents, l.gross_cents FROM invoice_lines l JOIN ledger g ON g.id = l.ledger_id WHERE g.idempotency_key = '$K-late'" | tr '\t' ' ')" \
	"$FEB -3900 -780 -4680"
is "February's invoice is January's amounts less the refund" \
	"$(sql "SELECT net_cents, vat_cents, gross_cents FROM invoices WHERE id = $FEB" | tr '\t' ' ')" \
	"14900 2980 17880"
# BULK: sum(100 + 7i, i = 1..50) = 5000 + 7 × 1275 = 13925; VAT per line at 5.5 %, rounded half up.
is "the 50 lines of a bulk month add up, VAT rounded per line" \
	"$(sql "SELECT net_cents, vat_cents FROM invoices WHERE id = $(inv_of "$BULK" 2021-06)" | tr '\t' ' ')" \
	"13925 $(awk 'BEGIN { for (i = 1; i <= 50; i++) { n = 100 + 7 * i; v += int((n * 550 + 5000) / 10000) } print v }')"

# A draft: an invoice of the running month, still open.
drv <<<"charge $MON 3900 DV_SSL $K-draft 2022-01-10T10:00:00Z $SUB $DOM - - January 2022" >/dev/null
DRAFT=$(inv_of "$MON" 2022-01)

# ---- invoice pages
http GET "/invoices/$JAN"
is "the invoice page wants a login" "$HTTP_STATUS" 303
check "the customer logs in" login "$K-mon" "$MON_PW"
http GET /invoices
is "the customer's invoice list answers 200" "$HTTP_STATUS" 200
like "it lists January's number" "$(cat "$HTTP_BODY")" "2021-000001"
http GET /invoices -H 'Accept: application/json'
is "the list is paginated: 13 invoices, 20 a page, one page" \
	"$(jq -c '[.pagination.total, .pagination.per_page, .pagination.pages, (.invoices | length), .all_accounts]' "$HTTP_BODY")" \
	"[13,20,1,13,false]"
is "newest first, the draft on top" "$(jq -r '.invoices[0] | "\(.id) \(.draft) \(.number)"' "$HTTP_BODY")" "$DRAFT true null"
http GET '/invoices?page=2' -H 'Accept: application/json'
is "page 2 is empty but valid" "$HTTP_STATUS $(jq '.invoices | length' "$HTTP_BODY")" "200 0"
http GET '/invoices?page=0'
is "page 0 is refused" "$HTTP_STATUS" 400
http GET "/invoices/$JAN"
is "the invoice page answers 200" "$HTTP_STATUS" 200
body=$(cat "$HTTP_BODY")
like "it shows the number" "$body" "2021-000001"
like "it shows a line's description" "$body" "DV WildSSL"
is "it has one row per line" "$(grep -o '<tr class="line">' "$HTTP_BODY" | wc -l)" 2
like "it shows the total with VAT" "$body" "€225.60"
like "it links the print stylesheet" "$body" "/static/center.css"
http GET "/invoices/$FEB" -H 'Accept: application/json'
is "the JSON twin lists each line in order, with signed amounts" \
	"$(jq -c '[.invoice.number, .invoice.draft, [.invoice.lines[].gross_cents], .invoice.gross_cents, .invoice.period_start, .invoice.period_end]' "$HTTP_BODY")" \
	'["2021-000003",false,[4680,17880,-4680],17880,"2021-02-01","2021-02-28"]'
is "the JSON twin names seller and customer" \
	"$(jq -c '[.invoice.seller.name, .invoice.customer.id]' "$HTTP_BODY")" "[\"ACME CaaS\",$MON]"
http GET "/invoices/$DRAFT"
like "an open invoice shows as a draft (pro forma)" "$(cat "$HTTP_BODY")" "pro forma"
http GET "/invoices/$(inv_of "$BULK" 2021-01)"
is "another account's invoice is 404" "$HTTP_STATUS" 404
# ---- the invoice API (issue #16 item 7): an API key reads its account's invoices
MONKEY=$(ctl apikey-add --account "$MON" --label t48)
api() { http GET "$1" -H "Authorization: Bearer $MONKEY"; }
api /api/v1/invoices
is "GET /api/v1/invoices lists the account's 13 invoices, newest first" \
	"$HTTP_STATUS $(jq -c '[.pagination.total, (.invoices | length), .invoices[0].id, .invoices[0].draft]' "$HTTP_BODY")" \
	"200 [13,13,$DRAFT,true]"
like "as JSON" "$(header Content-Type)" "application/json"
is "each invoice links its printable page (absolute, from public_url)" "$(jq -r ".invoices[] | select(.id == $JAN) | .print_url" "$HTTP_BODY")" "$CENTER_URL/invoices/$JAN"
api "/api/v1/invoices/$FEB"
is "GET /api/v1/invoices/{id}: the invoice with its signed lines" \
	"$HTTP_STATUS $(jq -c '[.invoice.number, [.invoice.lines[].gross_cents], .invoice.gross_cents, .invoice.issued_at]' "$HTTP_BODY")" \
	'200 ["2021-000003",[4680,17880,-4680],17880,"2021-03-01 00:05:00"]'
api "/api/v1/invoices/$(inv_of "$BULK" 2021-01)"
is "another account's invoice is 404 through the API too" "$HTTP_STATUS $(jq -r .error.status "$HTTP_BODY")" "404 404"
api '/api/v1/invoices?page=0'
is "a bad page is 400 naming page" "$HTTP_STATUS $(jq -r .error.field "$HTTP_BODY")" "400 page"
http GET /api/v1/invoices
is "no key: 401" "$HTTP_STATUS" 401
unset -f api

http GET /accounting/export
is "a customer may not open the export page" "$HTTP_STATUS" 403
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=csv'
is "nor download an export" "$HTTP_STATUS" 403

clear_cookies
check "another account's admin logs in" login "$K-other" "$OTHER_PW"
http GET "/invoices/$JAN"
is "an admin of another account gets 404 too" "$HTTP_STATUS" 404
http GET /accounting/export
is "an admin is not accounting: 403" "$HTTP_STATUS" 403

clear_cookies
check "an accounting user logs in" login "$K-acc" "$ACC_PW"
http GET "/invoices/$JAN" -H 'Accept: application/json'
is "accounting reads any account's invoice" "$HTTP_STATUS $(jq -r .invoice.number "$HTTP_BODY")" "200 2021-000001"
http GET /invoices -H 'Accept: application/json'
is "accounting lists every account" "$(jq -c '[.all_accounts, (.pagination.total >= 66)]' "$HTTP_BODY")" "[true,true]"
http GET /accounting/export
is "the export form answers 200" "$HTTP_STATUS" 200
like "it offers FEC" "$(cat "$HTTP_BODY")" 'value="fec"'
http GET '/accounting/export?from=2021-13-01&to=2021-12-31&format=csv'
is "a bad date is refused" "$HTTP_STATUS" 400
like "naming the field" "$(cat "$HTTP_BODY")" 'aria-invalid="true"'
http GET '/accounting/export?from=2021-12-31&to=2021-01-01&format=csv' -H 'Accept: application/json'
is "an inverted range is refused, naming to" "$HTTP_STATUS $(jq -r .error.field "$HTTP_BODY")" "400 to"
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=xls' -H 'Accept: application/json'
is "an unknown format is refused, naming format" "$HTTP_STATUS $(jq -r .error.field "$HTTP_BODY")" "400 format"

# ---- exports reconcile with the ledger
# Days are those of the legal time zone (Europe/Paris, UTC+1 in winter): a
# movement at 23:30 UTC on 31 December 2020 is in Paris's 2021, one at 23:30
# UTC on 31 December 2021 in Paris's 2022 (issue #16 item 2).
drv <<<"credit $DEP 100 - $K-nye20 2020-12-31T23:30:00Z - - - - new year 2021 in Paris" >/dev/null
drv <<<"charge $DEP 100 DV_SSL $K-nye21 2021-12-31T23:30:00Z - - - - new year 2022 in Paris" >/dev/null
NYE20=$(sql "SELECT id FROM ledger WHERE idempotency_key = '$K-nye20'")
NYE21=$(sql "SELECT id FROM ledger WHERE idempotency_key = '$K-nye21'")
CSV="$TEST_TMP/ledger.csv"
FEC="$TEST_TMP/fec.txt"
ctl export --from 2021-01-01 --to 2021-12-31 --format csv --output "$CSV" 2>"$TEST_TMP/csv.err"
ctl export --from 2021-01-01 --to 2021-12-31 --format fec --output "$FEC" 2>"$TEST_TMP/fec.err"
RANGE="created_at >= '2020-12-31 23:00:00' AND created_at < '2021-12-31 23:00:00'"
rows=$(sql "SELECT COUNT(*) FROM ledger WHERE $RANGE")
read -r s_net s_vat s_gross <<<"$(sql "SELECT SUM(IF(kind = 'refund', -net_cents, net_cents)), SUM(IF(kind = 'refund', -vat_cents, vat_cents)), SUM(IF(kind = 'refund', -gross_cents, gross_cents)) FROM ledger WHERE $RANGE AND kind <> 'credit'")"
s_credit=$(sql "SELECT SUM(net_cents) FROM ledger WHERE $RANGE AND kind = 'credit'")
check "the year spans more than one export chunk" test "$rows" -gt 500
is "CSV: a header and one line per ledger row" "$(($(wc -l <"$CSV") - 1))" "$rows"
is "CSV: every ledger id once, in the range" \
	"$(tail -n +2 "$CSV" | cut -d, -f1 | sort -n | tr '\n' ' ')" \
	"$(sql "SELECT id FROM ledger WHERE $RANGE ORDER BY id" | tr '\n' ' ')"
# Cents from "-12.34" without floating point: drop the dot, read an integer.
csv_sums=$(gawk -v FPAT='([^,]*)|("([^"]|"")*")' '
	function c(s) { gsub(/\./, "", s); return s + 0 }
	NR > 1 && $3 != "credit" { n += c($11); v += c($13); g += c($14) }
	NR > 1 && $3 == "credit" { cr += c($11) }
	NR > 1 && NF != 20 { bad++ }
	END { printf "%d %d %d %d %d\n", n, v, g, cr, bad }' "$CSV")
is "CSV: net, VAT, gross of sales and top-ups equal the ledger's, to the cent; 20 fields a line" \
	"$csv_sums" "$s_net $s_vat $s_gross $s_credit 0"
like "CSV: the header names the columns" "$(head -n1 "$CSV")" "ledger_id,date,kind,account_id,account_name"
like "CSV: a quoted account name and a LEFT JOINed subscription and domain" \
	"$(grep -m1 ",ORD-05," "$CSV")" ",$MON,Invoice test monthly,$SUB,\"Shop, \"\"prod\"\"\",$DOM,www.shop.test,DV_SSL,39.00,20.00,7.80,46.80,EUR,ORD-05,20.00,19.00,2021-000009,"
like "CSV: a name with a comma and quotes is quoted" "$(grep -m1 ",$BULK," "$CSV")" ",\"Bulk, \"\"monthly\"\" SAS\","
like "CSV: a refund is negative, cost and margin too" "$(grep -m1 "refund of January" "$CSV")" \
	",refund,$MON,Invoice test monthly,$SUB,\"Shop, \"\"prod\"\"\",$DOM,www.shop.test,DV_SSL,-39.00,20.00,-7.80,-46.80,EUR,ORD-01,-20.00,-19.00,"
like "CSV: the CLI prints the totals on stderr" "$(cat "$TEST_TMP/csv.err")" "movements; sales (charges - refunds)"

is "FEC: 18 columns on every line" "$(awk -F'|' 'NF != 18' "$FEC" | wc -l)" 0
like "FEC: the header names the 18 columns" "$(head -n1 "$FEC")" \
	"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
is "FEC: one entry per ledger row" "$(tail -n +2 "$FEC" | cut -d'|' -f3 | sort -u | wc -l)" "$rows"
is "FEC: every entry balances (debit = credit)" "$(gawk -F'|' '
	function c(s) { gsub(/,/, "", s); return s + 0 }
	NR > 1 { d[$3] += c($12); k[$3] += c($13) }
	END { for (e in d) if (d[e] != k[e]) bad++; print bad + 0 }' "$FEC")" 0
fec_sums=$(gawk -F'|' '
	function c(s) { gsub(/,/, "", s); return s + 0 }
	NR > 1 { bal[$5] += c($12) - c($13) }
	END { printf "%d %d %d %d\n", -bal["706000"], -bal["445710"], bal["411000"], bal["512000"] }' "$FEC")
is "FEC: sales (706), VAT (44571), customers (411) and bank (512) equal the ledger, to the cent" \
	"$fec_sums" "$s_net $s_vat $((s_gross - s_credit)) $s_credit"
is "FEC: dates are YYYYMMDD and amounts use a decimal comma" \
	"$(grep -m1 "|ORD\|Vente DV_SSL www.shop.test" "$FEC" | cut -d'|' -f1,4,5,7,12,13,16)" \
	"VE|20210105|411000|C$MON|46,80|0,00|20210105"
like "FEC: a monthly line's voucher is its invoice number, dated by the invoice's issue (1 February)" \
	"$(grep -m1 "|20210105|706000|" "$FEC")" "|2021-000001|20210201|Vente DV_SSL www.shop.test|0,00|39,00|"
like "FEC: a deposit line's voucher is its ledger row, dated by the movement" \
	"$(grep -m1 "|20210115|706000|" "$FEC")" "|L$(sql "SELECT id FROM ledger WHERE idempotency_key = '$K-d-01'")|20210115|Vente DV_SSL"
is "FEC: EcritureNum runs 1, 2, 3... without gaps over the period, in date order" \
	"$(tail -n +2 "$FEC" | cut -d'|' -f3 | uniq | tr '\n' ' ')" "$(seq 1 "$rows" | tr '\n' ' ')"
is "FEC: the dates never go back (EcritureDate in order)" \
	"$(tail -n +2 "$FEC" | cut -d'|' -f4 | sort -c 2>&1 && echo sorted)" sorted
is "CSV and FEC: 23:30 UTC on 31 December 2020 is in 2021 (Paris), dated 1 January" \
	"$(grep -c "^$NYE20,2021-01-01 00:30:00,credit," "$CSV") $(grep -c "|20210101|512000|Banque|||L$NYE20|20210101|" "$FEC")" "1 1"
is "and 23:30 UTC on 31 December 2021 is not (it is Paris's 2022)" \
	"$(grep -c "^$NYE21," "$CSV") $(grep -c "|L$NYE21|" "$FEC")" "0 0"
ctl export --from 2022-01-01 --to 2022-01-01 --format fec --output "$TEST_TMP/fec22.txt" 2>/dev/null
like "the first Paris day of 2022 holds it, dated 20220101, as entry 1" \
	"$(grep -m1 "|L$NYE21|" "$TEST_TMP/fec22.txt")" "VE|Ventes|1|20220101|411000|"
like "the CLI says what to file the FEC as" "$(cat "$TEST_TMP/fec.err")" "file it as FEC20211231.txt"

# ---- FEC in ISO-8859-15, for software that wants it
FEC9="$TEST_TMP/fec-latin9.txt"
ctl export --from 2021-01-01 --to 2021-12-31 --format fec --encoding iso-8859-15 --output "$FEC9" 2>/dev/null
check "FEC ISO-8859-15: not the UTF-8 bytes (é is one byte)" test "$(LC_ALL=C grep -c $'TVA collect\xe9e' "$FEC9")" -gt 0
check "FEC ISO-8859-15: the same file once decoded" cmp -s <(iconv -f ISO-8859-15 -t UTF-8 "$FEC9") "$FEC"
rc=0; out=$(ctl export --from 2021-01-01 --to 2021-12-31 --format csv --encoding iso-8859-15 2>&1) || rc=$?
like "ISO-8859-15 is for the FEC only" "$out" "--encoding: iso-8859-15 is for the FEC only"

# ---- CSV for French Excel: ';', decimal comma, UTF-8 BOM
CSVFR="$TEST_TMP/ledger-fr.csv"
ctl export --from 2021-01-01 --to 2021-12-31 --format csv-fr --output "$CSVFR" 2>/dev/null
is "Excel CSV: starts with the UTF-8 BOM" "$(head -c3 "$CSVFR" | od -An -tx1 | tr -d ' ')" efbbbf
like "Excel CSV: ';'-separated header" "$(head -n1 "$CSVFR")" "ledger_id;date;kind;account_id;account_name;"
like "Excel CSV: decimal commas, no quotes needed for a comma" "$(grep -m1 ";ORD-05;" "$CSVFR")" \
	";$MON;Invoice test monthly;$SUB;\"Shop, \"\"prod\"\"\";$DOM;www.shop.test;DV_SSL;39,00;20,00;7,80;46,80;EUR;ORD-05;20,00;19,00;2021-000009;"
is "Excel CSV: one line per ledger row, as the RFC 4180 one" "$(($(wc -l <"$CSVFR") - 1))" "$rows"
fr_sums=$(tail -n +2 "$CSVFR" | gawk -v FPAT='([^;]*)|("([^"]|"")*")' '
	function c(s) { gsub(/,/, "", s); return s + 0 }
	$3 != "credit" { n += c($11); v += c($13); g += c($14) }
	$3 == "credit" { cr += c($11) }
	NF != 20 { bad++ }
	END { printf "%d %d %d %d %d\n", n, v, g, cr, bad }')
is "Excel CSV: the same sums to the cent, 20 fields a line" "$fr_sums" "$s_net $s_vat $s_gross $s_credit 0"
like "FEC: a top-up debits the bank" "$(grep -m1 "|512000|" "$FEC")" "|512000|Banque|||L"

# The download page gives the same bytes as the CLI.
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=csv'
is "the CSV download answers 200" "$HTTP_STATUS" 200
like "as an attachment" "$(header Content-Disposition)" 'attachment; filename="acme-caas-ledger-2021-01-01_2021-12-31.csv"'
like "of type text/csv" "$(header Content-Type)" "text/csv"
check "with the same content as caasctl export" cmp -s "$HTTP_BODY" "$CSV"
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=fec'
is "the FEC download equals caasctl export's" "$HTTP_STATUS $(cmp -s "$HTTP_BODY" "$FEC" && echo same)" "200 same"
like "named as filed: [SIREN]FEC<end of period>.txt" "$(header Content-Disposition)" 'attachment; filename="FEC20211231.txt"'
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=fec&encoding=iso-8859-15'
is "the ISO-8859-15 FEC download equals caasctl export's" "$HTTP_STATUS $(cmp -s "$HTTP_BODY" "$FEC9" && echo same)" "200 same"
like "and says its charset" "$(header Content-Type)" "charset=iso-8859-15"
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=csv-fr'
is "the Excel CSV download equals caasctl export's" "$HTTP_STATUS $(cmp -s "$HTTP_BODY" "$CSVFR" && echo same)" "200 same"
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=csv&encoding=iso-8859-15' -H 'Accept: application/json'
is "ISO-8859-15 for a CSV is refused, naming encoding" "$HTTP_STATUS $(jq -r .error.field "$HTTP_BODY")" "400 encoding"
http GET '/accounting/export?from=2021-01-01&to=2021-12-31&format=fec&encoding=latin1' -H 'Accept: application/json'
is "an unknown encoding is refused, naming encoding" "$HTTP_STATUS $(jq -r .error.field "$HTTP_BODY")" "400 encoding"
http GET /accounting/export
like "the form names the legal time zone" "$(cat "$HTTP_BODY")" "Europe/Paris"
http GET '/accounting/export?from=2031-01-01&to=2031-01-31&format=csv'
is "an empty range is a header only" "$HTTP_STATUS $(wc -l <"$HTTP_BODY")" "200 1"

rc=0; out=$(ctl export --from 2021-01-01 --to 2020-12-31 --format csv 2>&1) || rc=$?
like "caasctl export refuses an inverted range" "$out" "--to: 2020-12-31 is before --from"
rc=0; out=$(ctl export --from 2021-01-01 --to 2021-01-31 --format pdf 2>&1) || rc=$?
like "caasctl export refuses an unknown format" "$out" "--format: must be csv, csv-fr or fec"

rc=0; out=$(ctl ledger-check) || rc=$?
is "caasctl ledger-check finds no discrepancy after a year of invoices" "$rc $(tail -n1 <<<"$out" | sed 's/.*; //')" "0 0 discrepancies"

done_testing
