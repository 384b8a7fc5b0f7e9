#!/usr/bin/env bash
# After every money test of the suite (billing, invoices, subscriptions, faults,
# jobs, the 13-month time travel), the books still balance (issue #16 item 1):
# `caasctl ledger-check` finds, for every account, balance = signed sum of the
# ledger, every invoice's total = its lines, every monthly line = its ledger
# row and no charge refunded above itself. Named to run last of the integration
# tests.
. "$ROOT/tests/lib.sh"

ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }

rc=0; out=$(ctl ledger-check) || rc=$?
is "caasctl ledger-check exits 0 after the whole suite's money movements" "$rc" 0
like "and reports no discrepancy" "$(tail -n1 <<<"$out")" "; 0 discrepancies"
[[ $rc -eq 0 ]] || diag "$out"
check "it looked at accounts and ledger rows" test "$(sed -n 's/^ledger-check: \([0-9]*\) accounts, [0-9]* invoices, \([0-9]*\) ledger rows.*/\1 \2/p' <<<"$out" | awk '{ print ($1 > 0 && $2 > 0) }')" = 1

done_testing
