#!/usr/bin/env bash
# E-mail for real names (issue #16 item 11): a subscription name may hold 200
# characters of up to 4 bytes (800 bytes) and a domain 253: the notification is
# queued (the parameters were capped at 253 bytes, so such mail was dropped),
# sent through the real SMTP sink with every line within RFC 5322's 998 bytes,
# and the customer reads the whole name; From: carries the configured display
# name (mail_from_name), plain or RFC 2047-encoded; a 201-character name is
# still refused. The subscription it makes on the demo account is removed at the end.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults --default-character-set=utf8mb4 -S "$MYSQL_SOCKET" -N center -e "$1"; }
DRV="$BUILD_DIR/tests/integration/notify-driver"
T0=2030-02-20T10:00:00Z
drv() { CAAS_NOW=$T0 "$DRV" -f "$CENTER_CONF" "$@"; }
K="t49m-$$-$RANDOM"
MAILDIR=$SMTP_SINK_DIR
eml() {
	/usr/bin/python3 - "$1" "$2" <<-'PY'
		import sys, email
		from email import policy
		with open(sys.argv[1], "rb") as f:
		    m = email.message_from_binary_file(f, policy=policy.default)
		if sys.argv[2] == "body":
		    sys.stdout.write(m.get_content())
		else:
		    sys.stdout.write(str(m.get(sys.argv[2], "")))
	PY
}
nid() { sql "SELECT id FROM notifications WHERE dedup_key = '$1' ORDER BY id LIMIT 1"; }
file_of() { grep -l "^Message-ID: <notify\.$1\." "$MAILDIR"/*.eml 2>/dev/null | head -n1; }
# conf_with LINE: a copy of the stack's configuration with one more line.
conf_with() {
	local f="$TEST_TMP/center-$RANDOM.conf"
	{ cat "$CENTER_CONF"; printf '%s\n' "$1"; } >"$f"
	printf '%s\n' "$f"
}

# 200 four-byte characters (800 bytes), and a 253-byte domain.
NAME=$(python3 -c 'print("\U0001F512" * 200)')
LONGDOM=$(python3 -c 'print(".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 56]) + ".test")')
is "the name is 800 bytes, the domain 253" "$(printf '%s' "$NAME" | wc -c) ${#LONGDOM}" "800 253"
DEP=$DEMO_DEPOSIT_ACCOUNT_ID
SUB=$(sql "INSERT INTO subscriptions (account_id, level, name, status, acme_server, start_date,
	end_date, auto_renew, idempotency_key, created_by, created_at, updated_at)
	VALUES ($DEP, 'DV', '$NAME', 'active', 'https://ca.test/v2/DV', '2030-02-15',
	'2031-02-15', 1, '$K-sub', 'test', '2030-02-01', '2030-02-01'); SELECT LAST_INSERT_ID()")
check "a subscription with the longest name the product accepts" test -n "$SUB"
PARAMS="{\"subscription_name\":\"$NAME\",\"level\":\"DV\",\"domain\":\"$LONGDOM\",\"refund_cents\":4680,\"revoked_count\":2}"
is "a refund mail about it is queued (it was refused at 253 bytes)" \
	"$(drv domain_refunded "$DEP" "$SUB" "$K:long" "$PARAMS")" "queued=1"
NAME201=$(python3 -c 'print("x" * 201)')
rc=0; drv expired "$DEP" "$SUB" "$K:201" \
	"{\"subscription_name\":\"$NAME201\",\"level\":\"DV\",\"end_date\":\"2031-01-15\",\"revoked_count\":1}" >/dev/null 2>&1 || rc=$?
is "a 201-character name is still refused" "$rc" 3

# ---- sent with a display name in From:, encoded since it is not ASCII
CONF1=$(conf_with "mail_from_name = Équipe ACME CaaS")
out=$("$CAASCTL" -f "$CONF1" notify --now 2030-02-20T10:01:00Z 2>>"$TEST_TMP/notify.log")
like "caasctl notify sends it" "$out" "notify: "
ID=$(nid "$K:long")
is "the notification is marked sent" "$(sql "SELECT status FROM notifications WHERE id = $ID")" sent
f=$(file_of "$ID")
check "the sink received it" test -n "$f"
is "From: shows the display name and mail_from" "$(eml "$f" From)" "Équipe ACME CaaS <no-reply@center.test>"
check "the raw From: is RFC 2047-encoded, not 8-bit" grep -q '^From: =?UTF-8?B?' "$f"
is "every line of the message is within 998 bytes (RFC 5322 2.1.1)" \
	"$(LC_ALL=C awk '{ sub(/\r$/, ""); if (length($0) > 998) bad++ } END { print bad + 0 }' "$f")" 0
body=$(eml "$f" body | tr -d '\n')
like "the body holds the whole name" "$body" "$NAME"
like "and the whole domain" "$body" "$LONGDOM"
like "the subject holds the name too (encoded words, folded)" "$(eml "$f" Subject)" "$LONGDOM"

# ---- a plain ASCII display name is a quoted string
drv renewal_done "$DEP" "$SUB" "$K:ascii" "{\"subscription_name\":\"$NAME\",\"level\":\"DV\",\"end_date\":\"2031-02-15\",\"amount_cents\":4680}" >/dev/null
CONF2=$(conf_with "mail_from_name = ACME CaaS")
"$CAASCTL" -f "$CONF2" notify --now 2030-02-20T10:02:00Z >/dev/null 2>>"$TEST_TMP/notify.log"
f=$(file_of "$(nid "$K:ascii")")
check "the second message arrived" test -n "$f"
is "an ASCII display name goes out as a quoted string" \
	"$(grep -m1 '^From:' "$f" | tr -d '\r')" 'From: "ACME CaaS" <no-reply@center.test>'
rc=0; out=$("$CAASCTL" -f "$(conf_with 'mail_from_name = Bad "quote"')" notify 2>&1) || rc=$?
like "a display name with a quote stops the program at start" "$out" "mail_from_name"

# The demo account is shared: leave it as it was (the browser test expects its empty list).
sql "DELETE FROM notifications WHERE subscription_id = $SUB; DELETE FROM subscriptions WHERE id = $SUB"
is "the test subscription is gone from the demo account" "$(sql "SELECT COUNT(*) FROM subscriptions WHERE id = $SUB")" 0

done_testing
