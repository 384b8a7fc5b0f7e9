#!/usr/bin/env bash
# E-mail notifications (issue #6, item 5) against the real database, the real
# libcurl SMTP client and the stack's SMTP sink (tests/smtp-sink.py, one .eml per
# message in $SMTP_SINK_DIR): every kind is queued by notify-driver (standing in
# for the jobs), sent once by `caasctl notify` with the right headers and texts in
# English and French; a dedup key queues once; a rolled-back event queues nothing;
# a stopped sink defers and a later run delivers; no smtp_url keeps mail queued;
# a 550 fails for good; two concurrent runs deliver each message exactly once;
# expiry reminders come once at 30 and 7 days; no mail holds an HMAC key.
. "$ROOT/tests/lib.sh"

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
DRV="$BUILD_DIR/tests/integration/notify-driver"
T0=2030-01-15T10:00:00Z
# drv ARGS...: notify-driver at T0 (enqueue time decides when a message is due).
drv() { CAAS_NOW=$T0 "$DRV" -f "$CENTER_CONF" "$@"; }
notify() { ctl notify "$@" 2>>"$TEST_TMP/notify.log"; }
K="t49-$$-$RANDOM"	# dedup keys unique to this run
MAILDIR=$SMTP_SINK_DIR
nmail() { find "$MAILDIR" -maxdepth 1 -name '*.eml' | wc -l; }

# eml FILE FIELD: a header, decoded (RFC 2047), or "body" (the decoded text).
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
# raw_header FILE NAME: the header as sent, folded lines joined.
raw_header() { awk -v n="$2:" 'BEGIN{IGNORECASE=0} /^\r?$/{exit} f&&/^[ \t]/{printf "%s",$0;next} f{exit} index($0,n)==1{f=1;printf "%s",$0}' "$1" | tr -d '\r'; }
nid() { sql "SELECT id FROM notifications WHERE dedup_key = '$1' ORDER BY id LIMIT 1"; }
# file_of ID: the .eml of notification ID (by its Message-ID).
file_of() { grep -l "^Message-ID: <notify\.$1\." "$MAILDIR"/*.eml 2>/dev/null | head -n1; }
copies_of() { grep -l "^Message-ID: <notify\.$1\." "$MAILDIR"/*.eml 2>/dev/null | wc -l; }

# One subscription per demo account, ending far away, auto-renewal on (so the
# expiry reminders of `caasctl notify` leave them alone).
add_sub() {
	sql "INSERT INTO subscriptions (account_id, level, name, status, acme_server, start_date,
		end_date, auto_renew, idempotency_key, created_by, created_at, updated_at)
		VALUES ($1, '$2', '$3', 'active', 'https://ca.test/v2/$2', '2030-01-15', '$4', $5,
		'$K-$RANDOM', 'test', '2030-01-01', '2030-01-01'); SELECT LAST_INSERT_ID()"
}
DEP=$DEMO_DEPOSIT_ACCOUNT_ID
MON=$DEMO_MONTHLY_ACCOUNT_ID
SD=$(add_sub "$DEP" DV "Boutique Ünïcode" 2031-01-15 1)
SM=$(add_sub "$MON" OV "Intranet de la société de démonstration, site principal" 2031-01-15 1)
check "two subscriptions to notify about" test -n "$SD" -a -n "$SM"
is "the deposit user's address is the one ./dev set" \
	"$(sql "SELECT email, lang FROM users WHERE login = '$DEMO_DEPOSIT_USER'" | tr '\t' ' ')" \
	"demo-deposit@demo.test en"
is "the monthly user reads French" "$(sql "SELECT lang FROM users WHERE login = '$DEMO_MONTHLY_USER'")" fr
rm -f "$MAILDIR"/*.eml

# params KIND NAME LEVEL: the parameters notify.h lists for KIND.
params() {
	local base="\"subscription_name\":\"$2\",\"level\":\"$3\""
	case $1 in
	renewal_done) echo "{$base,\"end_date\":\"2031-01-15\",\"amount_cents\":4680}" ;;
	renewal_failed) echo "{$base,\"end_date\":\"2031-01-15\",\"missing_cents\":123456}" ;;
	expiry_30 | expiry_7) echo "{$base,\"end_date\":\"2031-01-15\"}" ;;
	domain_refunded) echo "{$base,\"domain\":\"shop.demo.test\",\"refund_cents\":4680,\"revoked_count\":3}" ;;
	expired) echo "{$base,\"end_date\":\"2031-01-15\",\"revoked_count\":2}" ;;
	esac
}
KINDS=(renewal_done renewal_failed expiry_30 expiry_7 domain_refunded expired)

# ---- enqueue: every kind, once per dedup key, inside the caller's transaction
for k in "${KINDS[@]}"; do
	is "$k is queued for the deposit account's user" \
		"$(drv "$k" "$DEP" "$SD" "$K:$k:dep" "$(params "$k" "Boutique Ünïcode" DV)")" "queued=1"
	is "$k is queued for the monthly account's user" \
		"$(drv "$k" "$MON" "$SM" "$K:$k:mon" "$(params "$k" "Intranet de la société de démonstration, site principal" OV)")" \
		"queued=1"
done
is "the same dedup key again queues nothing" \
	"$(drv renewal_failed "$DEP" "$SD" "$K:renewal_failed:dep" "$(params renewal_failed "Boutique Ünïcode" DV)")" \
	"queued=0"
is "one row per event and recipient" "$(sql "SELECT COUNT(*) FROM notifications WHERE dedup_key LIKE '$K:%'")" 12
out=$(drv --rollback expired "$DEP" "$SD" "$K:rolledback" "$(params expired "Boutique Ünïcode" DV)")
is "an enqueue inside a transaction that is rolled back…" "$out" "queued=1"
is "…leaves nothing queued" "$(sql "SELECT COUNT(*) FROM notifications WHERE dedup_key = '$K:rolledback'")" 0
rc=0; out=$(drv expired "$DEP" "$SD" "$K:secret" \
	'{"subscription_name":"x","level":"DV","end_date":"2031-01-15","revoked_count":1,"hmac_key":"abc"}' 2>&1) || rc=$?
is "a parameter outside the kind's closed set (hmac_key) is refused" "$rc" 3
like "the refusal names the parameter" "$out" '"hmac_key"'
rc=0; drv expired "$DEP" "$SD" "$K:missing" '{"subscription_name":"x","level":"DV"}' >/dev/null 2>&1 || rc=$?
is "missing parameters are refused" "$rc" 3
rc=0; drv expired "$DEP" "$SD" "$K:badname" \
	"{\"subscription_name\":\"a\\r\\nBcc: x@y.z\",\"level\":\"DV\",\"end_date\":\"2031-01-15\",\"revoked_count\":1}" \
	>/dev/null 2>&1 || rc=$?
is "a name with CR LF is refused before it nears a header" "$rc" 3
is "refusals queued nothing" "$(sql "SELECT COUNT(*) FROM notifications WHERE dedup_key IN ('$K:secret', '$K:missing', '$K:badname')")" 0

# ---- send
out=$(notify --now 2030-01-15T10:01:00Z)
is "caasctl notify sends the 12 messages and says so in one line" "$out" \
	"notify: 12 sent, 0 failed, 0 deferred; 0 reminders queued"
is "the sink received 12 messages" "$(nmail)" 12
is "every row is marked sent at the run's time" \
	"$(sql "SELECT status, sent_at, attempts, COUNT(*) FROM notifications WHERE dedup_key LIKE '$K:%' GROUP BY 1, 2, 3" | tr '\t' ' ')" \
	"sent 2030-01-15 10:01:00 1 12"

f=$(file_of "$(nid "$K:renewal_failed:dep")")
check "the English renewal_failed message arrived" test -n "$f"
is "To is the user's address" "$(eml "$f" To)" "demo-deposit@demo.test"
is "From is mail_from" "$(eml "$f" From)" "no-reply@center.test"
is "the envelope went to the user" "$(eml "$f" X-Envelope-To)" "demo-deposit@demo.test"
is "the English subject" "$(eml "$f" Subject)" "Action needed: the renewal of “Boutique Ünïcode” failed"
like "the subject is RFC 2047 encoded on the wire" "$(raw_header "$f" Subject)" "Subject: =?UTF-8?B?"
is "Content-Type is UTF-8 plain text" "$(raw_header "$f" Content-Type)" "Content-Type: text/plain; charset=utf-8"
is "Content-Transfer-Encoding" "$(eml "$f" Content-Transfer-Encoding)" "8bit"
is "MIME-Version" "$(eml "$f" MIME-Version)" "1.0"
is "Content-Language" "$(eml "$f" Content-Language)" "en"
is "Date is the run's time (RFC 5322)" "$(eml "$f" Date)" "Tue, 15 Jan 2030 10:01:00 +0000"
like "Message-ID names the notification, in mail_from's domain" "$(eml "$f" Message-ID)" "@center.test>"
body=$(eml "$f" body)
like "the body formats the amount missing as money" "$body" "Amount missing: €1,234.56."
like "the body gives the deadline" "$body" "before 2031-01-15"
like "the body links to the subscription's page" "$body" "Details: $CENTER_URL/acme/$SD"
like "the body names subscription and level" "$body" "“Boutique Ünïcode” (DV, no. $SD)"

f=$(file_of "$(nid "$K:renewal_failed:mon")")
is "the French user's message goes to the French user" "$(eml "$f" To)" "demo-monthly@demo.test"
is "the French subject (a long one, folded in several encoded words)" "$(eml "$f" Subject)" \
	"Action requise : le renouvellement de « Intranet de la société de démonstration, site principal » a échoué"
check "the long subject takes several header lines of at most 76 characters" \
	awk '/^Subject:/{s=1} s&&/^\r?$/{exit} s&&/^[^ ]/&&!/^Subject:/{exit} s{n++; if (length($0) > 77) bad=1} END{exit !(n > 1 && !bad)}' "$f"
is "Content-Language fr" "$(eml "$f" Content-Language)" "fr"
body=$(eml "$f" body)
like "French money format (narrow no-break space, comma, no-break space, €)" "$body" \
	$'Montant manquant : 1\xe2\x80\xaf234,56\xc2\xa0\xe2\x82\xac.'
like "French date format" "$body" "avant le 15/01/2031"
like "French greeting" "$body" "Bonjour,"

f=$(file_of "$(nid "$K:domain_refunded:dep")")
is "domain_refunded subject names the domain" "$(eml "$f" Subject)" "Domain shop.demo.test removed and refunded"
like "the subject of an ASCII text is not encoded" "$(raw_header "$f" Subject)" "Subject: Domain shop.demo.test"
body=$(eml "$f" body)
like "the refund is formatted" "$body" "Refunded, VAT included: €46.80."
like "the revoked certificates are counted" "$body" "Certificates revoked for this domain: 3."
f=$(file_of "$(nid "$K:domain_refunded:mon")")
like "French refund" "$(eml "$f" body)" $'Montant rembours\xc3\xa9 TTC : 46,80\xc2\xa0\xe2\x82\xac.'
f=$(file_of "$(nid "$K:renewal_done:dep")")
is "renewal_done subject" "$(eml "$f" Subject)" "Subscription “Boutique Ünïcode” renewed until 2031-01-15"
like "renewal_done amount" "$(eml "$f" body)" "Amount billed, VAT included: €46.80."
f=$(file_of "$(nid "$K:expired:mon")")
is "expired, in French" "$(eml "$f" Subject)" \
	"L'abonnement « Intranet de la société de démonstration, site principal » a expiré"
like "expired counts revoked certificates" "$(eml "$f" body)" "Certificats révoqués : 2."
f=$(file_of "$(nid "$K:expiry_7:dep")")
is "expiry_7 subject" "$(eml "$f" Subject)" "Reminder: subscription “Boutique Ünïcode” expires on 2031-01-15"
f=$(file_of "$(nid "$K:expiry_30:mon")")
like "expiry_30 in French" "$(eml "$f" body)" "dans 30 jours"

out=$(notify --now 2030-01-15T10:02:00Z)
is "a second run sends nothing" "$out" "notify: 0 sent, 0 failed, 0 deferred; 0 reminders queued"
is "and the sink has no new message" "$(nmail)" 12

# ---- the sink is down: deferred with backoff, delivered by a later run
for i in "" 2 3; do
	drv expired "$DEP" "$SD" "$K:down$i" "$(params expired "Boutique Ünïcode" DV)" >/dev/null
done
$DEV_SINK_STOP >/dev/null 2>&1
out=$(notify --now 2030-01-15T11:00:00Z)
is "with the SMTP server down the messages are deferred" "$out" \
	"notify: 0 sent, 0 failed, 3 deferred; 0 reminders queued"
is "the first stays queued, one attempt, retried 5 minutes later" \
	"$(sql "SELECT status, attempts, next_attempt_at FROM notifications WHERE dedup_key = '$K:down'" | tr '\t' ' ')" \
	"queued 1 2030-01-15 11:05:00"
check "the row says why" test -n "$(sql "SELECT last_error FROM notifications WHERE dedup_key = '$K:down'")"
is "the run stopped there: the others were not tried" \
	"$(sql "SELECT SUM(attempts) FROM notifications WHERE dedup_key IN ('$K:down2', '$K:down3')")" 0
out=$(notify --now 2030-01-15T11:01:00Z)
is "a run before its retry time tries the next one and stops again" "$out" \
	"notify: 0 sent, 0 failed, 2 deferred; 0 reminders queued"
$DEV_SINK_START >/dev/null 2>&1
out=$(notify --now 2030-01-15T11:06:00Z)
is "once the server is back a later run delivers them" "$out" "notify: 3 sent, 0 failed, 0 deferred; 0 reminders queued"
is "sent at the second attempt" \
	"$(sql "SELECT status, attempts, last_error IS NULL FROM notifications WHERE dedup_key = '$K:down'" | tr '\t' ' ')" \
	"sent 2 1"
is "exactly one copy arrived" "$(copies_of "$(nid "$K:down")")" 1

# ---- no smtp_url: mail stays queued, one warning
NOSMTP="$TEST_TMP/center-nosmtp.conf"
sed -e 's/^smtp_url = .*/smtp_url =/' "$CENTER_CONF" >"$NOSMTP"
drv expired "$DEP" "$SD" "$K:nosmtp" "$(params expired "Boutique Ünïcode" DV)" >/dev/null
out=$("$CAASCTL" -f "$NOSMTP" notify --now 2030-01-15T12:00:00Z 2>"$TEST_TMP/nosmtp.err")
is "without smtp_url nothing is sent, the due message is deferred" "$out" \
	"notify: 0 sent, 0 failed, 1 deferred; 0 reminders queued"
is "one warning says why" "$(grep -c 'smtp_url is not set' "$TEST_TMP/nosmtp.err")" 1
is "the row is untouched" \
	"$(sql "SELECT status, attempts FROM notifications WHERE dedup_key = '$K:nosmtp'" | tr '\t' ' ')" "queued 0"
out=$(notify --now 2030-01-15T12:00:00Z)
is "with smtp_url back it goes out" "$out" "notify: 1 sent, 0 failed, 0 deferred; 0 reminders queued"

# ---- a final refusal (550) is not retried
BNC=$(ctl account-add --name "Notify bounce test" --type deposit)
BU=$(ctl user-add --account "$BNC" --login "t49-bounce-$$" --no-password --lang en)
ctl user-email --login "t49-bounce-$$" --email "bounce-$$@demo.test" >/dev/null
SB=$(add_sub "$BNC" DV "Bounce" 2031-01-15 1)
drv expired "$BNC" "$SB" "$K:bounce" "$(params expired Bounce DV)" >/dev/null
out=$(notify --now 2030-01-15T12:30:00Z)
is "a recipient the server refuses for good fails at once" "$out" \
	"notify: 0 sent, 1 failed, 0 deferred; 0 reminders queued"
like "the row says the server's answer" \
	"$(sql "SELECT CONCAT(status, ' ', last_error) FROM notifications WHERE dedup_key = '$K:bounce'")" "failed smtp:"
like "with the SMTP code" "$(sql "SELECT last_error FROM notifications WHERE dedup_key = '$K:bounce'")" "550"
check "the bounce user has an id" test -n "$BU"

# ---- two runs at once deliver each message exactly once
CC=$(ctl account-add --name "Notify concurrency test" --type monthly)
ctl user-add --account "$CC" --login "t49-cc-$$@demo.test" --no-password --lang fr >/dev/null
SC=$(add_sub "$CC" DV "Concurrence" 2031-01-15 1)
for i in $(seq 1 40); do
	drv renewal_done "$CC" "$SC" "$K:cc:$i" "$(params renewal_done Concurrence DV)" >/dev/null
done
is "40 messages queued for a user whose login is an address" \
	"$(sql "SELECT COUNT(DISTINCT recipient), COUNT(*) FROM notifications WHERE dedup_key LIKE '$K:cc:%'" | tr '\t' ' ')" \
	"1 40"
# A slower sink (50 ms per message) makes the two runs overlap.
$DEV_SINK_STOP >/dev/null 2>&1
SMTP_SINK_DELAY=0.05 $DEV_SINK_START >/dev/null 2>&1
ctl notify --now 2030-01-15T13:00:00Z --batch 5 >"$TEST_TMP/cc.1" 2>/dev/null &
p1=$!
ctl notify --now 2030-01-15T13:00:00Z --batch 5 >"$TEST_TMP/cc.2" 2>/dev/null &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
is "both runs succeed" "$r1 $r2" "0 0"
s1=$(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$TEST_TMP/cc.1")
s2=$(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$TEST_TMP/cc.2")
is "together they sent 40" "$((s1 + s2))" 40
check "both did part of the work ($s1 + $s2)" test "$s1" -gt 0 -a "$s2" -gt 0
dups=0
missing=0
for id in $(sql "SELECT id FROM notifications WHERE dedup_key LIKE '$K:cc:%'"); do
	n=$(copies_of "$id")
	[[ $n -gt 1 ]] && dups=$((dups + 1))
	[[ $n -eq 0 ]] && missing=$((missing + 1))
done
is "no message was delivered twice" "$dups" 0
is "no message was lost" "$missing" 0
is "all 40 are marked sent once" \
	"$(sql "SELECT status, attempts, COUNT(*) FROM notifications WHERE dedup_key LIKE '$K:cc:%' GROUP BY 1, 2" | tr '\t' ' ')" \
	"sent 1 40"
$DEV_SINK_STOP >/dev/null 2>&1
$DEV_SINK_START >/dev/null 2>&1

# ---- expiry reminders: 30 days, then 7 days before the end, once each
RA=$(ctl account-add --name "Notify reminder test" --type deposit)
ctl user-add --account "$RA" --login "t49-remind-$$" --no-password --lang fr >/dev/null
ctl user-email --login "t49-remind-$$" --email "remind-$$@demo.test" >/dev/null
SR=$(add_sub "$RA" QWAC "Rappel" 2030-03-20 0)
SN=$(add_sub "$RA" DV "Renouvelé" 2030-03-20 1)
out=$(notify --now 2030-02-10T06:00:00Z)
is "38 days before the end: no reminder" "$out" "notify: 0 sent, 0 failed, 0 deferred; 0 reminders queued"
out=$(notify --now 2030-02-18T06:00:00Z)
is "30 days before the end the reminder is queued and sent" "$out" \
	"notify: 1 sent, 0 failed, 0 deferred; 1 reminders queued"
is "it is expiry_30, keyed by subscription and end date" \
	"$(sql "SELECT kind, dedup_key, recipient FROM notifications WHERE subscription_id = $SR" | tr '\t' ' ')" \
	"expiry_30 expiry30:$SR:2030-03-20 remind-$$@demo.test"
f=$(file_of "$(sql "SELECT id FROM notifications WHERE subscription_id = $SR")")
is "in the user's language" "$(eml "$f" Subject)" "L'abonnement « Rappel » expire le 20/03/2030"
out=$(notify --now 2030-02-19T06:00:00Z)
is "the next day's run queues it again? no" "$out" "notify: 0 sent, 0 failed, 0 deferred; 0 reminders queued"
out=$(notify --now 2030-03-14T06:00:00Z)
is "7 days before the end the second reminder goes out" "$out" \
	"notify: 1 sent, 0 failed, 0 deferred; 1 reminders queued"
out=$(notify --now 2030-03-15T06:00:00Z)
is "once" "$out" "notify: 0 sent, 0 failed, 0 deferred; 0 reminders queued"
is "the subscription with auto-renewal got no reminder" \
	"$(sql "SELECT COUNT(*) FROM notifications WHERE subscription_id = $SN")" 0
is "two reminders in all" "$(sql "SELECT GROUP_CONCAT(kind ORDER BY id) FROM notifications WHERE subscription_id = $SR")" \
	"expiry_30,expiry_7"

# ---- never a secret
is "no stored or sent mail says hmac" "$(grep -ril hmac "$MAILDIR" | wc -l)" 0
is "no mail holds the demo EAB HMAC key" "$(grep -rlF "$DEMO_EAB_HMAC" "$MAILDIR" | wc -l)" 0
is "no queued params hold one either" "$(sql "SELECT COUNT(*) FROM notifications WHERE params LIKE '%hmac%' OR params LIKE '%$DEMO_EAB_HMAC%'")" 0
secretish=$(/usr/bin/python3 - "$MAILDIR" <<-'PY'
	import email, glob, re, sys
	from email import policy
	n = 0
	for p in glob.glob(sys.argv[1] + "/*.eml"):
	    with open(p, "rb") as f:
	        m = email.message_from_binary_file(f, policy=policy.default)
	    text = m.get_content() + "".join(str(v) for k, v in m.items() if k != "Message-ID")
	    # An EAB HMAC key: 32+ bytes as base64url, 43 characters or more.
	    if re.search(r"[A-Za-z0-9_-]{43,}", text):
	        n += 1
	print(n)
	PY
)
is "no decoded mail holds an HMAC-looking base64url run" "$secretish" 0
check "the sink has the mail of this test" test "$(nmail)" -eq 58

# ---- SMTP credentials (issue 13 item 11): in a file, and only ever over TLS
CREDS="$TEST_TMP/center-creds-in-url.conf"
sed -e "s|^smtp_url = smtp://|smtp_url = smtp://mailer:secret-pw@|" "$CENTER_CONF" >"$CREDS"
out=$("$CAASCTL" -f "$CREDS" notify --now 2030-01-15T14:00:00Z 2>&1)
like "credentials in smtp_url are refused at start, saying where they go" "$out" \
	"smtp_url must not hold credentials: set smtp_user and smtp_password_file"
(umask 077 && printf 'smtp-secret-pw-1\n' >"$TEST_TMP/smtp.pw")
AUTHCONF="$TEST_TMP/center-smtp-auth.conf"
{ cat "$CENTER_CONF"; printf 'smtp_user = mailer\nsmtp_password_file = %s\n' "$TEST_TMP/smtp.pw"; } >"$AUTHCONF"
chmod o+r "$TEST_TMP/smtp.pw"
out=$("$CAASCTL" -f "$AUTHCONF" notify --now 2030-01-15T14:00:00Z 2>&1)
like "a world-readable SMTP password file is refused" "$out" "world-readable"
chmod o-r "$TEST_TMP/smtp.pw"
drv expired "$DEP" "$SD" "$K:tls" "$(params expired "Boutique Ünïcode" DV)" >/dev/null
before=$(nmail)
out=$("$CAASCTL" -f "$AUTHCONF" notify --now 2030-01-15T14:00:00Z 2>>"$TEST_TMP/notify.log")
is "with credentials, a server without STARTTLS gets nothing" "$(nmail)" "$before"
like "the message waits, and says why" \
	"$(sql "SELECT CONCAT(status, ' ', last_error) FROM notifications WHERE dedup_key = '$K:tls'")" "queued smtp:"
# A submission server that offers STARTTLS and wants AUTH (aiosmtpd, Debian).
CPORT=${CENTER_URL#*://*:}
CPORT=${CPORT%%/*}	# CENTER_URL may end with the base path
TLSPORT=$(( CPORT + 4 ))
mkdir -p "$TEST_TMP/tls-mail"
cat >"$TEST_TMP/tls-sink.py" <<-'PY'
	import asyncio, os, ssl, sys
	from aiosmtpd.controller import Controller
	from aiosmtpd.smtp import AuthResult
	port, tls_dir, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
	ctx.load_cert_chain(tls_dir + "/server.pem", tls_dir + "/server.key")
	def auth(server, session, envelope, mechanism, data):
	    good = data.login == b"mailer" and data.password == b"smtp-secret-pw-1"
	    with open(out + "/auth.log", "a") as f:
	        f.write("auth %s tls=%d\n" % ("good" if good else "bad", session.ssl is not None))
	    return AuthResult(success=good)
	class H:
	    async def handle_DATA(self, server, session, envelope):
	        with open(out + "/%d.eml" % len(os.listdir(out)), "wb") as f:
	            f.write(envelope.original_content)
	        return "250 OK"
	c = Controller(H(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
	               auth_required=True, authenticator=auth)
	c.start()
	print("ready", flush=True)
	sys.stdin.read()
	c.stop()
PY
coproc TLSSINK { /usr/bin/python3 "$TEST_TMP/tls-sink.py" "$TLSPORT" "$STACK_DIR/tls" "$TEST_TMP/tls-mail"; }
read -r -t 10 ready <&"${TLSSINK[0]}" || ready=
is "a STARTTLS + AUTH submission server runs" "$ready" ready
TLSCONF="$TEST_TMP/center-smtp-tls.conf"
sed -e "s|^smtp_url = .*|smtp_url = smtp://127.0.0.1:$TLSPORT|" "$AUTHCONF" >"$TLSCONF"
printf 'smtp_ca_bundle = %s\n' "$STACK_DIR/tls/dev-root.pem" >>"$TLSCONF"
out=$("$CAASCTL" -f "$TLSCONF" notify --now 2030-01-15T14:30:00Z 2>>"$TEST_TMP/notify.log")
is "over STARTTLS with smtp_user and smtp_password_file the message goes out" \
	"$(sql "SELECT status FROM notifications WHERE dedup_key = '$K:tls'")" sent
is "the server saw the right credentials, inside TLS" "$(cat "$TEST_TMP/tls-mail/auth.log" 2>/dev/null)" \
	"auth good tls=1"
is "and received one message" "$(find "$TEST_TMP/tls-mail" -name '*.eml' | wc -l)" 1
exec {TLSSINK[1]}>&-
wait "$TLSSINK_PID" 2>/dev/null

# The demo accounts are shared with later tests (the browser test expects the
# demo deposit customer's list to be empty): take our two rows back out.
sql "DELETE FROM notifications WHERE subscription_id IN ($SD, $SM);
	DELETE FROM subscriptions WHERE id IN ($SD, $SM)"
done_testing
