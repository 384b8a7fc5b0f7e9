#!/usr/bin/env bash
# The customer area's CaaS reseller-API client (libcurl, HTTPS) against the
# bundled CA's API, exactly as it would talk to the real upstream.
. "$ROOT/tests/lib.sh"

out=$("$CAASCTL" -f "$CENTER_CONF" upstream-servers 2>&1)
rc=$?
is "caasctl upstream-servers succeeds against the configured upstream" "$rc" 0
like "the upstream offers the DV directory" "$out" "DV $ACME_DV_URL"
like "the upstream offers the OV directory" "$out" "OV $ACME_OV_URL"
like "the upstream offers the QWAC directory" "$out" "QWAC $ACME_QWAC_URL"

# A wrong password: the upstream's refusal comes through with its kind.
printf 'not-the-password-at-all\n' >"$TEST_TMP/bad-pass"
sed "s|^caas_password_file = .*|caas_password_file = $TEST_TMP/bad-pass|" "$CENTER_CONF" >"$TEST_TMP/bad.conf"
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/bad.conf" upstream-servers 2>&1) || rc=$?
check "a wrong upstream password fails" test "$rc" -ne 0
like "the refusal says unauthorized" "$out" "unauthorized"
check "the password is not printed" bash -c "! grep -q not-the-password-at-all <<<'$out'"
pw=$(head -n1 "$(sed -n 's/^caas_password_file = //p' "$CENTER_CONF")")
check "no log holds the upstream password" bash -c "! grep -rqF -- '$pw' '$STACK_DIR/log'"

# Without the dev root the upstream's TLS certificate is not trusted.
sed "/^caas_ca_bundle/d" "$CENTER_CONF" >"$TEST_TMP/notrust.conf"
rc=0; out=$(env -u CURL_CA_BUNDLE -u SSL_CERT_FILE "$CAASCTL" -f "$TEST_TMP/notrust.conf" upstream-servers 2>&1) || rc=$?
check "an untrusted upstream certificate fails" test "$rc" -ne 0
like "the failure is a transport error naming the TLS problem" "$out" "transport"

# Nothing listening: a transport error, quickly.
sed -e "s|^caas_api_base = .*|caas_api_base = https://127.0.0.1:9|" -e "s|^caas_timeout.*||" \
	"$CENTER_CONF" >"$TEST_TMP/down.conf"
echo "caas_timeout = 3" >>"$TEST_TMP/down.conf"
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/down.conf" upstream-servers 2>&1) || rc=$?
check "an unreachable upstream fails" test "$rc" -ne 0
like "the failure says the connection failed" "$out" "transport"

# Plain HTTP is refused by configuration.
sed "s|^caas_api_base = https://|caas_api_base = http://|" "$CENTER_CONF" >"$TEST_TMP/http.conf"
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/http.conf" upstream-servers 2>&1) || rc=$?
like "a plain-HTTP upstream is refused at start" "$out" "caas_api_base must be https"

# ---- caasctl upstream-check, the preflight (docs/upstream.md)
. "$ROOT/tests/integration/subs.bash"
ACCT=$(upstream PREREGISTER "serverUrl=$ACME_DV_URL" years=1 | jq -r '.Accounts[0].acmeAccountID')
check "a test account at the upstream for the quote" test -n "$ACCT" -a "$ACCT" != null
{ cat "$CENTER_CONF"; echo "upstream_check_account = $ACCT"; echo "upstream_check_domain = check.t45.test"; } \
	>"$TEST_TMP/check.conf"
mark=$(last_call)
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/check.conf" upstream-check 2>&1) || rc=$?
is "upstream-check passes against the bundled CA" "$rc" 0
like "it checks the login" "$out" "ok   login     $CAAS_API_BASE as $CAAS_LOGIN"
like "a server for every level" "$out" "ok   servers   DV $ACME_DV_URL, OV $ACME_OV_URL, QWAC $ACME_QWAC_URL"
like "LISTACCOUNTS page 0 size 1" "$out" "ok   accounts  LISTACCOUNTS page 0 size 1: 1 account(s)"
like "a quote, parsed to the cent with its currency" "$out" "ok   quote     ADDDOMAIN quoteOnly=Y for check.t45.test: 10.00 EUR (nothing bought)"
like "it ends with the count of failures" "$out" "upstream-check: 0 checks failed"
is "its calls: LISTSERVERS, LISTACCOUNTS (page, size), ADDDOMAIN quoteOnly" \
	"$(calls_since "$mark" | awk -F'\t' '{ print $3 ":" $5 }' | paste -sd' ' -)" \
	"LISTSERVERS:action,loginName,loginPassword LISTACCOUNTS:action,loginName,loginPassword,page,size ADDDOMAIN:acmeAccountID,action,domainName,loginName,loginPassword,quoteOnly"
is "nothing was bought: the test account has no domain" "$(up_domains "$ACCT")" ""
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/bad.conf" upstream-check 2>&1) || rc=$?
is "with a wrong password upstream-check fails (exit 1)" "$rc" 1
like "the login check fails with the upstream's words" "$out" "FAIL login     Incorrect login details"
check "the password is not printed" bash -c "! grep -q not-the-password-at-all <<<'$out'"

# Contract drift: an answer of a kind the documentation lacks is counted.
trap 'rm -f "$STACK_DIR/run/ca-fault"' EXIT
api "$DEMO_DEPOSIT_API_KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"t45\",\"domains\":[\"t45-$$-$RANDOM.demo.test\"],\"idempotency_key\":\"t45-$$-$RANDOM\"}"
is "a subscription to sync" "$HTTP_STATUS" 201
SUB=$(j .id)
printf 'GETLASTORDER before 409\n' >"$STACK_DIR/run/ca-fault"
before=$(sql "SELECT COALESCE(SUM(count), 0) FROM upstream_drift WHERE action = 'GETLASTORDER'")
ctl sync --subscription "$SUB" >/dev/null 2>&1
check "the fault fired" test ! -e "$STACK_DIR/run/ca-fault"
is "the undocumented kind is counted as drift for GETLASTORDER" \
	"$(sql "SELECT SUM(count) FROM upstream_drift WHERE action = 'GETLASTORDER'")" $((before + 1))
rc=0; out=$("$CAASCTL" -f "$TEST_TMP/check.conf" upstream-check 2>&1) || rc=$?
like "upstream-check shows the drift per action" "$out" "warn drift     GETLASTORDER: $((before + 1)) answer(s) off contract"
like "naming what was off" "$out" 'undocumented problem type "urn:sectigo:params:acme:error:undocumentedKind"'
is "drift is reported, not a failed check" "$rc" 0

done_testing
