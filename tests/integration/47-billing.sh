#!/usr/bin/env bash
# The billing module against the real database (DESIGN.md §4): a deposit is
# debited the gross amount only if it holds it; a monthly account gets lines on
# the open invoice of the month; refunds give back; an idempotency key moves
# money once, even when 8 processes race with it; deposit-credit tops up once.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
DRV="$BUILD_DIR/tests/integration/billing-driver"
drv() { "$DRV" -f "$CENTER_CONF" "$@"; }
# field NAME LINE: the value of NAME=... in a driver line.
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }
balance() { sql "SELECT balance_cents FROM accounts WHERE id = $1"; }
nledger() { sql "SELECT COUNT(*) FROM ledger WHERE account_id = $1"; }

K="t47-$$-$RANDOM"	# idempotency keys unique to this run
DEP=$(ctl account-add --name "Billing test deposit" --type deposit --vat-bp 2000 --balance-cents 10000)
MON=$(ctl account-add --name "Billing test monthly" --type monthly --vat-bp 550)
check "test accounts were created" test -n "$DEP" -a -n "$MON"
is "the opening balance is the deposit's first ledger line (a credit)" \
	"$(sql "SELECT kind, net_cents, vat_cents, gross_cents, idempotency_key, reference FROM ledger WHERE account_id = $DEP" | tr '\t' ' ')" \
	"credit 10000 0 10000 opening-$DEP opening balance"
is "a monthly account has no opening line" "$(nledger "$MON")" 0

# ---- prices: negotiated else list
is "the list price applies without a negotiated one" "$(drv price "$DEP" DV_SSL)" 3900
ctl price-set --account "$DEP" --product DV_SSL --cents 2500 >/dev/null
is "a negotiated price overrides the list price" "$(drv price "$DEP" DV_SSL)" 2500
is "the negotiated price is the account's only" "$(drv price "$MON" DV_SSL)" 3900
rc=0; out=$(drv price "$DEP" GOLD_SSL) || rc=$?
like "an unknown product is refused by name" "$out" "no such product"

# ---- deposit: charge debits gross = net + VAT
out=$(drv charge "$DEP" 1000 DV_SSL "$K-c1")
id1=$(field ledger "$out")
is "a deposit charge adds 20% VAT to the net amount" "$(field gross "$out")" 1200
is "the deposit is debited the gross amount" "$(balance "$DEP")" 8800
is "the ledger row holds net, rate, VAT, gross, currency and product" \
	"$(sql "SELECT kind, net_cents, vat_bp, vat_cents, gross_cents, currency, product_code, invoice_id IS NULL FROM ledger WHERE id = $id1" | tr '\t' ' ')" \
	"charge 1000 2000 200 1200 EUR DV_SSL 1"

out=$(drv charge "$DEP" 1000 DV_SSL "$K-c1")
is "a retry with the same key answers the same ledger id" "$(field ledger "$out")" "$id1"
is "the retry says it is a replay" "$(field replay "$out")" 1
is "the retry moved no money" "$(balance "$DEP")" 8800
is "the retry wrote no ledger row (opening credit + the charge)" "$(nledger "$DEP")" 2
rc=0; out=$(drv charge "$DEP" 999 DV_SSL "$K-c1") || rc=$?
check "the same key for another amount is refused" test "$rc" -eq 3
like "the refusal names the key reuse" "$out" "idempotency key was already used"

# ---- insufficient funds: clear refusal, nothing changed
rc=0; out=$(drv charge "$DEP" 8000 DV_SSL "$K-c2") || rc=$?
check "a charge over the balance (gross 9600 > 8800) is refused" test "$rc" -eq 3
like "the refusal says insufficient funds" "$out" "insufficient funds"
is "the refused charge left the balance alone" "$(balance "$DEP")" 8800
is "the refused charge wrote no ledger row" "$(nledger "$DEP")" 2
# 7333 + round_half_up(1466.6) = 8800: exactly the balance.
out=$(drv charge "$DEP" 7333 DV_SSL "$K-c3")
is "a charge of exactly the balance goes through" "$(field gross "$out")" 8800
is "and leaves 0" "$(balance "$DEP")" 0

# ---- deposit refund: a credit to the balance
out=$(drv refund "$DEP" 1000 DV_SSL "$K-r1")
rid=$(field ledger "$out")
is "a refund credits the deposit with the gross amount" "$(balance "$DEP")" 1200
is "the refund is a refund row" "$(sql "SELECT kind, gross_cents FROM ledger WHERE id = $rid" | tr '\t' ' ')" "refund 1200"
out=$(drv refund "$DEP" 1000 DV_SSL "$K-r1")
is "a replayed refund answers the same id" "$(field ledger "$out")" "$rid"
is "and credits once" "$(balance "$DEP")" 1200

# ---- 8 processes race with one key: exactly one movement
# Hold the account row so that all 8 queue on the lock, then release it.
sql "START TRANSACTION; SELECT id FROM accounts WHERE id = $DEP FOR UPDATE; DO SLEEP(2); COMMIT" >/dev/null &
holder=$!
sleep 0.5
pids=()
for i in 1 2 3 4 5 6 7 8; do
	drv charge "$DEP" 100 DV_SSL "$K-race" >"$TEST_TMP/race.$i" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
wait "$holder"
is "all 8 racing charges answer success" "$fails" 0
is "they all answer the same ledger id" "$(sed -n 's/.*ledger=\([0-9]*\).*/\1/p' "$TEST_TMP"/race.* | sort -u | wc -l)" 1
is "exactly one of them moved money" "$(grep -l 'replay=0' "$TEST_TMP"/race.* | wc -l)" 1
is "one ledger row holds the key" "$(sql "SELECT COUNT(*) FROM ledger WHERE idempotency_key = '$K-race'")" 1
is "the balance moved once (1200 - 120)" "$(balance "$DEP")" 1080

# ---- different accounts do not block each other into deadlocks
accts=()
for i in 1 2 3 4 5 6 7 8; do
	accts+=("$(ctl account-add --name "Billing test parallel $i" --type monthly)")
done
for round in 1 2 3; do
	pids=()
	for a in "${accts[@]}"; do
		CAAS_NOW=2026-10-0${round}T00:00:00Z drv charge "$a" 100 DV_SSL "$K-par-$a-$round" >/dev/null 2>&1 &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	is "8 new accounts charging at once all succeed (round $round)" "$fails" 0
done

# ---- monthly: lines on the open invoice of the month, created on demand
out=$(CAAS_NOW=2026-11-15T10:00:00Z drv charge "$MON" 1000 OV_SSL "$K-m1")
inv=$(field invoice "$out")
m1=$(field ledger "$out")
check "a monthly charge puts the line on an invoice" test "$inv" -gt 0
is "the invoice is the open one of the clock's month" \
	"$(sql "SELECT period, status FROM invoices WHERE id = $inv" | tr '\t' ' ')" "2026-11 open"
is "VAT at 5.5% on 1000 is 55" "$(field vat "$out")" 55
out=$(CAAS_NOW=2026-11-28T23:59:59Z drv charge "$MON" 2000 OV_SSL "$K-m2")
is "a second charge of the month goes on the same invoice" "$(field invoice "$out")" "$inv"
is "the month has one open invoice" \
	"$(sql "SELECT COUNT(*) FROM invoices WHERE account_id = $MON AND period = '2026-11'")" 1
# 500 × 5.5 % = 27.5 → 28, so the line is -500 -28 -528.
out=$(CAAS_NOW=2026-11-29T08:00:00Z drv refund "$MON" 500 OV_SSL "$K-m3")
is "a monthly refund goes on the same invoice" "$(field invoice "$out")" "$inv"
is "the refund is a negative line" \
	"$(sql "SELECT l.net_cents, l.vat_cents, l.gross_cents FROM invoice_lines l JOIN ledger g ON g.id = l.ledger_id WHERE g.idempotency_key = '$K-m3'" | tr '\t' ' ')" \
	"-500 -28 -528"
is "the invoice totals are the sums of its lines (3000 - 500, 55 + 110 - 28)" \
	"$(sql "SELECT net_cents, vat_cents, gross_cents FROM invoices WHERE id = $inv" | tr '\t' ' ')" \
	"2500 137 2637"
out=$(CAAS_NOW=2026-11-29T09:00:00Z drv charge "$MON" 1000 OV_SSL "$K-m1")
is "a replayed monthly charge answers the same ledger id" "$(field ledger "$out")" "$m1"
is "and adds no line" "$(sql "SELECT COUNT(*) FROM invoice_lines WHERE invoice_id = $inv")" 3
is "a monthly account keeps no balance" "$(balance "$MON")" 0
out=$(CAAS_NOW=2026-12-01T00:00:00Z drv charge "$MON" 1000 OV_SSL "$K-m4")
inv2=$(field invoice "$out")
is "the next month opens a new invoice" "$(sql "SELECT period FROM invoices WHERE id = ${inv2:-0}")" 2026-12
rc=0; sql "INSERT INTO invoices (account_id, period, status, created_at) VALUES ($MON, '2026-12', 'open', '2026-12-02')" 2>/dev/null || rc=$?
check "the database refuses a second open invoice for a month" test "$rc" -ne 0
sql "UPDATE invoices SET status = 'closed' WHERE id = $inv"
out=$(CAAS_NOW=2026-11-30T12:00:00Z drv charge "$MON" 100 OV_SSL "$K-m5")
inv3=$(field invoice "$out")
check "a charge after the month's invoice closed opens another" test "${inv3:-0}" -gt 0 -a "${inv3:-0}" != "$inv"

# ---- deposit-credit (an accountant's top-up)
out=$(ctl deposit-credit --account "$DEP" --cents 5000 --reference "bank transfer 42" --key "$K-top")
cid=${out%% *}
like "deposit-credit credits the balance" "$out" "credited balance 6080"
is "the balance is 1080 + 5000" "$(balance "$DEP")" 6080
is "the credit is a ledger row without VAT" \
	"$(sql "SELECT kind, net_cents, vat_cents, gross_cents, reference FROM ledger WHERE id = $cid" | tr '\t' ' ')" \
	"credit 5000 0 5000 bank transfer 42"
out=$(ctl deposit-credit --account "$DEP" --cents 5000 --reference "bank transfer 42" --key "$K-top")
like "the same key again is a replay of the same row" "$out" "$cid replayed"
is "and credits once" "$(balance "$DEP")" 6080
rc=0; out=$(ctl deposit-credit --account "$MON" --cents 5000 --reference x --key "$K-top2" 2>&1) || rc=$?
check "a monthly account cannot be credited a deposit" test "$rc" -ne 0
like "the refusal names --account" "$out" "not a deposit account"
rc=0; out=$(ctl deposit-credit --account "$DEP" --cents 5000 --reference x 2>&1) || rc=$?
like "deposit-credit requires --key" "$out" "--key is required"
rc=0; out=$(ctl deposit-credit --account "$DEP" --cents 0 --reference x --key "$K-top3" 2>&1) || rc=$?
like "deposit-credit refuses 0 cents" "$out" "--cents"
is "refused credits left the balance alone" "$(balance "$DEP")" 6080

# ---- caasctl ledger
out=$(ctl ledger --account "$DEP")
is "ledger prints a header and every row of the account" "$(($(wc -l <<<"$out") - 2))" "$(nledger "$DEP")"
like "ledger shows the credit with its reference" "$out" "$K-top	bank transfer 42"
like "ledger shows the balance" "$out" "# balance 6080 EUR"
rc=0; out=$(ctl ledger --account 99999999 2>&1) || rc=$?
like "ledger of a missing account is refused" "$out" "--account: no account"

# ---- the books balance after every movement of this file
rc=0; out=$(ctl ledger-check) || rc=$?
is "caasctl ledger-check finds no discrepancy after the billing tests" "$rc $(tail -n1 <<<"$out" | sed 's/.*; //')" "0 0 discrepancies"

done_testing
