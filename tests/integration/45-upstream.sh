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

done_testing
