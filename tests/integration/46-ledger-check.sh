#!/usr/bin/env bash
# The ledger explains every balance (issue #16 items 1 and 5): an opening
# balance is a ledger credit, `caasctl ledger-check` proves balance = signed
# sum of the ledger and invoice totals = their lines, and names each kind of
# discrepancy it finds; a refund mirrors the VAT rate and amounts of the
# charge it gives back, never the account's current rate, and never gives
# back more than the charge. Deposit movements are dated 2018; the monthly ones
# now, so that no past open invoice of ours is left for another test's
# close-invoices run to number.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
drv() { "$BUILD_DIR/tests/integration/ledger-driver" -f "$CENTER_CONF"; }
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }
balance() { sql "SELECT balance_cents FROM accounts WHERE id = $1"; }
signed_sum() { sql "SELECT COALESCE(SUM(IF(kind = 'charge', -gross_cents, gross_cents)), 0) FROM ledger WHERE account_id = $1"; }
# checked: ledger-check's exit status and the count on its summary line; its
# whole output stays in $TEST_TMP/check.
checked() {
	local rc=0 out
	out=$(ctl ledger-check) || rc=$?
	printf '%s\n' "$out" >"$TEST_TMP/check"
	printf '%s %s\n' "$rc" "$(tail -n1 <<<"$out" | sed -n 's/.*; \([0-9]*\) discrepanc.*/\1/p')"
}

K="t46-$$-$RANDOM"
is "the books balance before this test" "$(checked)" "0 0"

# ---- opening balance: a ledger line, not a bare number
DEP=$(ctl account-add --name "Ledger check deposit" --type deposit --vat-bp 2000 --balance-cents 50000)
check "a deposit account with an opening balance was created" test -n "$DEP"
is "its balance is the opening amount" "$(balance "$DEP")" 50000
is "and the ledger explains it: one credit row of the same amount" \
	"$(sql "SELECT COUNT(*), SUM(gross_cents), MIN(kind), MIN(reference) FROM ledger WHERE account_id = $DEP" | tr '\t' ' ')" \
	"1 50000 credit opening balance"
is "balance = signed sum of the ledger" "$(signed_sum "$DEP")" 50000
MON=$(ctl account-add --name "Ledger check monthly" --type monthly --vat-bp 2000)
is "ledger-check passes with the new accounts" "$(checked)" "0 0"
like "its summary counts accounts, invoices and ledger rows" "$(cat "$TEST_TMP/check")" "ledger-check: "

# ---- a refund mirrors its charge
SUBREF=$((900000000 + RANDOM))
out=$(drv <<<"charge $DEP 3900 DV_SSL $K-c1 2018-03-01T10:00:00Z $SUBREF 11 - - DV SSL a")
is "a charge at 20 %" "$(field vat "$out") $(field vat_bp "$out")" "780 2000"
sql "UPDATE accounts SET vat_bp = 550 WHERE id = $DEP"
out=$(drv <<<"refund $DEP 3900 DV_SSL $K-r1 2018-03-05T10:00:00Z $SUBREF 11 - - refund a")
is "its full refund after the account moved to 5.5 %: the charge's 20 % and VAT" \
	"$(field net "$out") $(field vat "$out") $(field vat_bp "$out")" "3900 780 2000"
is "the refund row names the charge it gives back" \
	"$(sql "SELECT r.refund_of = c.id FROM ledger r, ledger c WHERE r.idempotency_key = '$K-r1' AND c.idempotency_key = '$K-c1'")" 1
out=$(drv <<<"charge $DEP 1001 DV_SSL $K-c2 2018-03-06T10:00:00Z $SUBREF 12 - - DV SSL b")
is "a new charge takes the new rate" "$(field vat "$out") $(field vat_bp "$out")" "55 550"
sql "UPDATE accounts SET vat_bp = 2000 WHERE id = $DEP"
out=$(drv <<<"refund=$K-c2 $DEP 500 DV_SSL $K-r2a 2018-03-07T10:00:00Z $SUBREF 12 - - part 1")
is "a partial refund naming its charge: the charge's rate on the part" \
	"$(field vat "$out") $(field vat_bp "$out")" "28 550"
out=$(drv <<<"refund=$K-c2 $DEP 501 DV_SSL $K-r2b 2018-03-08T10:00:00Z $SUBREF 12 - - part 2")
is "the last part takes the rest of the charge's VAT, so the parts add up to it" \
	"$(field vat "$out")" 27
rc=0; out=$(drv <<<"refund=$K-c2 $DEP 1 DV_SSL $K-r2c 2018-03-09T10:00:00Z $SUBREF 12 - - too much") || rc=$?
check "refunding more than the charge is refused" test "$rc" -eq 3
rc=0; out=$(drv <<<"refund=no-such-key-$K $DEP 1 DV_SSL $K-r3 2018-03-09T10:00:00Z - - - - x") || rc=$?
check "a refund naming an unknown charge is refused" test "$rc" -eq 3
rc=0; out=$(drv <<<"refund=$K-c1 $MON 100 DV_SSL $K-r4 2018-03-09T10:00:00Z - - - - x") || rc=$?
check "a refund naming another account's charge is refused" test "$rc" -eq 3
is "refused refunds wrote nothing" "$(sql "SELECT COUNT(*) FROM ledger WHERE idempotency_key IN ('$K-r2c', '$K-r3', '$K-r4')")" 0
# Monthly: the mirrored refund is a negative line with the charge's amounts.
sql "UPDATE accounts SET vat_bp = 2000 WHERE id = $MON"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
drv <<<"charge $MON 14900 DV_WILDSSL $K-m1 $NOW $SUBREF 13 - - wild" >/dev/null
sql "UPDATE accounts SET vat_bp = 0 WHERE id = $MON"
drv <<<"refund $MON 14900 DV_WILDSSL $K-m2 $NOW $SUBREF 13 - - wild back" >/dev/null
is "a monthly refund line mirrors the charge line" \
	"$(sql "SELECT il.net_cents, il.vat_cents, il.gross_cents FROM invoice_lines il JOIN ledger g ON g.id = il.ledger_id WHERE g.idempotency_key IN ('$K-m1', '$K-m2') ORDER BY g.id" | tr '\t\n' '  ')" \
	"14900 2980 17880 -14900 -2980 -17880 "
sql "UPDATE accounts SET vat_bp = 2000 WHERE id = $MON"
is "ledger-check passes after the refunds" "$(checked)" "0 0"

# ---- each kind of discrepancy is found and named, then repaired
sql "UPDATE accounts SET balance_cents = balance_cents + 7 WHERE id = $DEP"
is "a balance moved outside the ledger fails the check" "$(checked)" "1 1"
like "naming the account, its balance and what the ledger explains" "$(cat "$TEST_TMP/check")" \
	"account $DEP: balance $(balance "$DEP"), the ledger explains $(signed_sum "$DEP") (cents)"
sql "UPDATE accounts SET balance_cents = balance_cents - 7 WHERE id = $DEP"
sql "UPDATE accounts SET balance_cents = 5 WHERE id = $MON"
is "a monthly account with a balance fails the check" "$(checked)" "1 1"
like "naming it" "$(cat "$TEST_TMP/check")" "account $MON: balance 5, the ledger explains 0"
sql "UPDATE accounts SET balance_cents = 0 WHERE id = $MON"
INV=$(sql "SELECT invoice_id FROM ledger WHERE idempotency_key = '$K-m1'")
sql "UPDATE invoices SET gross_cents = gross_cents + 1 WHERE id = $INV"
is "an invoice whose total is not its lines fails the check" "$(checked)" "1 1"
like "naming the invoice" "$(cat "$TEST_TMP/check")" "invoice $INV: total 1, its lines sum to 0"
sql "UPDATE invoices SET gross_cents = gross_cents - 1 WHERE id = $INV"
LINE=$(sql "SELECT il.id FROM invoice_lines il JOIN ledger g ON g.id = il.ledger_id WHERE g.idempotency_key = '$K-m1'")
LID=$(sql "SELECT id FROM ledger WHERE idempotency_key = '$K-m1'")
sql "UPDATE invoice_lines SET net_cents = net_cents - 1, gross_cents = gross_cents - 1 WHERE id = $LINE; UPDATE invoices SET net_cents = net_cents - 1, gross_cents = gross_cents - 1 WHERE id = $INV"
is "an invoice line that disagrees with its ledger row fails the check" "$(checked)" "1 1"
like "naming the ledger row" "$(cat "$TEST_TMP/check")" "ledger row $LID: invoice line 17879, the row says 17880"
sql "UPDATE invoice_lines SET net_cents = net_cents + 1, gross_cents = gross_cents + 1 WHERE id = $LINE; UPDATE invoices SET net_cents = net_cents + 1, gross_cents = gross_cents + 1 WHERE id = $INV"
is "repaired, ledger-check passes again" "$(checked)" "0 0"

done_testing
