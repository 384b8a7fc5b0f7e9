#!/usr/bin/env bash
# caasctl against the real database: migrations in order, recorded, checksummed,
# refusing a half-applied state; admin commands refuse bad input and change nothing.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CONF" "$@"; }

CONF=$CENTER_CONF
out=$(ctl migrate 2>&1)
like "migrate on an up-to-date schema applies nothing" "$out" "0 applied"
is "migrations are recorded as applied" "$(sql "SELECT COUNT(*) FROM schema_migrations WHERE state <> 'applied'")" 0

# A private copy of the schema and config to exercise new, changed and failing migrations.
mkdir -p "$TEST_TMP/schema"
cp "$ROOT"/schema/center/*.sql "$TEST_TMP/schema/"
sed "s|^schema_dir.*|schema_dir = $TEST_TMP/schema|" "$CENTER_CONF" >"$TEST_TMP/center.conf"
CONF=$TEST_TMP/center.conf
cat >"$TEST_TMP/schema/9001_itest_table.sql" <<'SQL'
CREATE TABLE itest_migration (id INT PRIMARY KEY);
INSERT INTO itest_migration VALUES (1), (2);
SQL
out=$(ctl migrate 2>&1)
like "a new migration is applied" "$out" "1 applied"
is "its statements ran" "$(sql "SELECT COUNT(*) FROM itest_migration")" 2
is "it is recorded" "$(sql "SELECT state FROM schema_migrations WHERE version = 9001")" applied

echo "-- edited" >>"$TEST_TMP/schema/9001_itest_table.sql"
rc=0; out=$(ctl migrate 2>&1) || rc=$?
check "an edited applied migration stops migrate" test "$rc" -ne 0
like "the refusal names the changed file" "$out" "9001_itest_table.sql changed after it was applied"
sed -i '$d' "$TEST_TMP/schema/9001_itest_table.sql"

cat >"$TEST_TMP/schema/9002_itest_broken.sql" <<'SQL'
CREATE TABLE itest_half (id INT PRIMARY KEY);
THIS IS NOT SQL;
SQL
rc=0; out=$(ctl migrate 2>&1) || rc=$?
check "a failing migration stops migrate" test "$rc" -ne 0
like "the failure says the schema may be half-applied" "$out" "half-applied"
is "the failing migration is left marked applying" "$(sql "SELECT state FROM schema_migrations WHERE version = 9002")" applying
rc=0; out=$(ctl migrate 2>&1) || rc=$?
check "migrate refuses to run over a half-applied migration" test "$rc" -ne 0
like "the refusal says how to get out" "$out" "--mark-applied 9002"
out=$(ctl migrate --mark-applied 9002 2>&1)
like "an operator can mark the repaired migration" "$out" "marked applied"
out=$(ctl migrate 2>&1)
like "migrate then goes on" "$out" "0 applied"

sql "DROP TABLE itest_migration; DROP TABLE itest_half; DELETE FROM schema_migrations WHERE version >= 9000"
CONF=$CENTER_CONF

# Admin commands: bad input names the option and leaves the database untouched.
before=$(sql "SELECT COUNT(*) FROM accounts")
rc=0; out=$(ctl account-add --name "Bad" --type weekly 2>&1) || rc=$?
check "an unknown account type is refused" test "$rc" -ne 0
like "the refusal names --type" "$out" "--type"
rc=0; out=$(ctl account-add --name "Bad" --type deposit --vat-bp 20001 2>&1) || rc=$?
like "a VAT rate over 100% is refused" "$out" "--vat-bp"
rc=0; out=$(ctl account-add --name "Bad" --type monthly --balance-cents 500 2>&1) || rc=$?
like "a monthly account with a balance is refused" "$out" "--balance-cents"
is "refused commands created no account" "$(sql "SELECT COUNT(*) FROM accounts")" "$before"
rc=0; out=$(ctl org-add --account "$DEMO_DEPOSIT_ACCOUNT_ID" --name X --city Y --country fra 2>&1) || rc=$?
like "a bad country code is refused" "$out" "--country"
rc=0; out=$(ctl preval-set --org "$DEMO_ORG_ID" --level EV --status approved 2>&1) || rc=$?
like "an unknown level is refused" "$out" "--level"
rc=0; out=$(ctl price-set --account "$DEMO_DEPOSIT_ACCOUNT_ID" --product GOLD --cents 1 2>&1) || rc=$?
like "an unknown product is refused" "$out" "--product"
rc=0; out=$(ctl user-add --account 99999999 --login ghost --no-password 2>&1) || rc=$?
like "a user for a missing account is refused" "$out" "--account"
printf 'short\n' >"$TEST_TMP/pw"
rc=0; out=$(ctl user-add --account "$DEMO_DEPOSIT_ACCOUNT_ID" --login shorty --password-file "$TEST_TMP/pw" 2>&1) || rc=$?
like "a short password is refused" "$out" "at least 8"
rc=0; out=$(ctl user-add --account "$DEMO_DEPOSIT_ACCOUNT_ID" --login "$DEMO_DEPOSIT_USER" --no-password 2>&1) || rc=$?
like "a duplicate login is refused" "$out" "already exists"
is "no user was created by refused commands" "$(sql "SELECT COUNT(*) FROM users WHERE login IN ('ghost','shorty')")" 0
rc=0; out=$(ctl frobnicate 2>&1) || rc=$?
like "an unknown command shows the usage" "$out" "usage: caasctl"

key=$(ctl apikey-add --account "$DEMO_MONTHLY_ACCOUNT_ID" --label itest)
like "apikey-add prints a new key once" "$key" "caas_"
is "the key is stored with its prefix only in clear" "$(sql "SELECT key_prefix FROM api_keys WHERE label = 'itest'")" "${key:0:12}"
http GET /api/v1/account -H "Authorization: Bearer $key"
is "the new key works at once" "$(jq -r .type "$HTTP_BODY")" monthly

done_testing
