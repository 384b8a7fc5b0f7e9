#!/usr/bin/env bash
# Monitoring: /metrics of the customer area and of the CA in the Prometheus
# text format, through nginx; the counters are the same whichever prefork
# worker answers (shared memory), survive a worker's death, and move with the
# requests, upstream calls and jobs; the database's gauges (journal, outbox,
# job runs) follow the rows; only allowed addresses may read them (nginx and
# the program); the CA's health check reports the database and the signer.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/integration/subs.bash"

PY=/usr/bin/python3
CHECK="$ROOT/tests/integration/prom_check.py"
M="$TEST_TMP/metrics"

# scrape URL [curl args]: the exposition into $M; sets SCRAPE (status content-type).
scrape() {
	local url=$1
	shift
	SCRAPE=$(curl -s -o "$M" -w '%{http_code} %{content_type}' --max-time 20 "$@" "$url") || true
}
# series NAME{LABELS}: its value in the last scrape ("absent" if none).
series() { "$PY" "$CHECK" "$M" "$1"; }
center() { scrape "$CENTER_METRICS_URL"; }
ca() { scrape "$CA_METRICS_URL" --cacert "$ACME_CA_BUNDLE"; }
login_ok='center_http_requests_total{method="GET",route="/login",status="200"}'

# ---- the customer area's exposition, through nginx
center
is "GET $CENTER_BASE_PATH/metrics from loopback answers 200 in the text format 0.0.4" \
	"$SCRAPE" "200 text/plain; version=0.0.4; charset=utf-8"
is "the exposition passes the line checks and the Prometheus parser" "$("$PY" "$CHECK" "$M")" ok
for fam in center_http_requests_total center_http_request_duration_seconds center_upstream_calls_total \
	center_journal_open_rows center_journal_oldest_open_age_seconds center_outbox_queued \
	center_outbox_oldest_queued_age_seconds center_database_up center_start_time_seconds; do
	check "it declares $fam" grep -q "^# TYPE $fam " "$M"
done
is "the database is up" "$(series center_database_up)" 1

# ---- counters across the prefork workers: 40 requests at once, all counted
before=$(series "$login_ok")
[[ "$before" == absent ]] && before=0
hbefore=$(series 'center_http_request_duration_seconds_count{method="GET",route="/login"}')
[[ "$hbefore" == absent ]] && hbefore=0
seq 1 40 | xargs -P 8 -I{} curl -s -o /dev/null "$CENTER_URL/login"
workers=$(pgrep -f -x -- ".*/center-fcgi -f $CENTER_CONF" | wc -l)
diag "center-fcgi processes (master + workers): $workers"
center
is "40 concurrent GET /login served by several workers count 40 (shared counters)" \
	"$(series "$login_ok")" $((before + 40))
is "the latency histogram counted them too" \
	"$(series 'center_http_request_duration_seconds_count{method="GET",route="/login"}')" $((hbefore + 40))
check "the earlier scrape is counted under /metrics" \
	test "$(series 'center_http_requests_total{method="GET",route="/metrics",status="200"}')" -ge 1
http GET /no-such-page
center
check "a path outside the route table counts as unmatched 404" \
	test "$(series 'center_http_requests_total{method="",route="unmatched",status="404"}')" != absent

# ---- upstream calls of the web workers, and a worker killed mid-request
R="t26$$$RANDOM"
ACC=$(ctl account-add --name "Metrics test deposit" --type deposit --vat-bp 2000 --balance-cents 1000000)
KEY=$(ctl apikey-add --account "$ACC" --label t26)
pre='center_upstream_calls_total{source="web",action="PREREGISTER",outcome="ok"}'
add='center_upstream_calls_total{source="web",action="ADDDOMAIN",outcome="ok"}'
center
p0=$(series "$pre")
a0=$(series "$add")
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"M\",\"domains\":[\"a.$R.test\",\"b.$R.test\"],\"idempotency_key\":\"$R-1\"}"
is "a subscription is created through the API" "$HTTP_STATUS" 201
center
is "PREREGISTER ok counted once" "$(series "$pre")" $((p0 + 1))
is "ADDDOMAIN ok counted twice" "$(series "$add")" $((a0 + 2))
l0=$(series "$login_ok")

printf 'create:after-preregister\n' >"$STACK_DIR/run/fault"
api "$KEY" POST /api/v1/subscriptions "{\"type\":\"DV\",\"name\":\"M2\",\"domains\":[\"c.$R.test\"],\"idempotency_key\":\"$R-2\"}"
check "a worker dies mid-creation (HTTP $HTTP_STATUS)" test "$HTTP_STATUS" -ge 500 -o "$HTTP_STATUS" = 000
open=$(sql "SELECT COUNT(*) FROM journal WHERE state = 'open' AND kind = 'create'")
center
is "the journal gauge shows the open creation" "$(series 'center_journal_open_rows{kind="create"}')" "$open"
check "at least one is open" test "$open" -ge 1
check "its age is a number of seconds" bash -c "[[ '$(series 'center_journal_oldest_open_age_seconds{kind="create"}')' =~ ^[0-9]+$ ]]"
is "the counters survived the worker's death" "$(series "$login_ok")" "$l0"
is "the dead worker's PREREGISTER was counted before it died" "$(series "$pre")" $((p0 + 2))

# ---- jobs: their runs and their upstream calls, from the database
out=$(ctl reconcile --min-age 0)
like "reconcile undoes the interrupted creation" "$out" "undone"
center
is "after reconcile no creation is open" "$(series 'center_journal_open_rows{kind="create"}')" \
	"$(sql "SELECT COUNT(*) FROM journal WHERE state = 'open' AND kind = 'create'")"
last=$(series 'center_job_last_success_timestamp_seconds{job="reconcile"}')
offset=$(head -n1 "$STACK_DIR/run/clock-offset" 2>/dev/null | tr -dc '0-9-')
now=$(($(date +%s) + ${offset:-0}))
check "reconcile's last success is recorded, now on the business clock ($last vs $now)" \
	bash -c "[[ '$last' =~ ^[0-9]+$ ]] && (( $last <= $now + 2 && $last >= $now - 120 ))"
is "its exit status is 0" "$(series 'center_job_last_exit_status{job="reconcile"}')" 0
s0=$(series 'center_upstream_calls_total{source="jobs",action="GETLASTORDER",outcome="ok"}')
[[ "$s0" == absent ]] && s0=0
r0=$(series 'center_job_runs_total{job="sync"}')
[[ "$r0" == absent ]] && r0=0
ctl sync --subscription "$(sql "SELECT id FROM subscriptions WHERE idempotency_key = '$R-1'")" >/dev/null
center
is "a sync run is counted" "$(series 'center_job_runs_total{job="sync"}')" $((r0 + 1))
check "the jobs' GETLASTORDER calls are counted (source jobs)" \
	test "$(series 'center_upstream_calls_total{source="jobs",action="GETLASTORDER",outcome="ok"}')" -gt "$s0"
is "the outbox gauge is the queued rows" "$(series center_outbox_queued)" \
	"$(sql "SELECT COUNT(*) FROM notifications WHERE status = 'queued'")"
is "the exposition still passes the checks" "$("$PY" "$CHECK" "$M")" ok

# ---- who may read it
scrape "$HANDOVER_URL/metrics" -H "X-Forwarded-For: 192.0.2.10" -D "$TEST_TMP/h1"
is "from a non-allowed address (192.0.2.10 via the site's proxy), nginx refuses" "${SCRAPE%% *}" 403
check "with nginx's own page (the application never saw it)" bash -c "! grep -qi '^content-security-policy' '$TEST_TMP/h1'"
scrape "$HANDOVER_URL/metrics" -D "$TEST_TMP/h2"
is "from loopback, nginx passes; the instance's metrics_allow (192.0.2.0/24) refuses" "${SCRAPE%% *}" 403
check "with the application's page" grep -qi '^content-security-policy' "$TEST_TMP/h2"
sock="$STACK_DIR/run/center.sock"
fcgi() {
	(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$CENTER_BASE_PATH/metrics" SCRIPT_NAME= \
		QUERY_STRING= REMOTE_ADDR="$2" cgi-fcgi -bind -connect "$1" 2>&1 | head -n1)
}
like "the program refuses 192.0.2.1 whatever nginx does" "$(fcgi "$sock" 192.0.2.1)" "Status: 403"
like "and 10.0.0.1" "$(fcgi "$sock" 10.0.0.1)" "Status: 403"
like "it allows 127.0.0.1 (metrics_allow default 127.0.0.0/8, ::1/128)" "$(fcgi "$sock" 127.0.0.1)" "Status: 200"
like "and ::1" "$(fcgi "$sock" ::1)" "Status: 200"
like "and an IPv4-mapped loopback" "$(fcgi "$sock" ::ffff:127.0.0.1)" "Status: 200"
like "but not ::2" "$(fcgi "$sock" ::2)" "Status: 403"
like "a missing REMOTE_ADDR is refused" "$( (cd "$TEST_TMP" && env -i REQUEST_METHOD=GET \
	PATH_INFO="$CENTER_BASE_PATH/metrics" SCRIPT_NAME= QUERY_STRING= cgi-fcgi -bind -connect "$sock" 2>&1 | head -n1))" \
	"Status: 403"

# ---- the CA
ca
is "the CA's /metrics answers 200 in the text format" "$SCRAPE" "200 text/plain; version=0.0.4; charset=utf-8"
is "it passes the line checks and the Prometheus parser" "$("$PY" "$CHECK" "$M")" ok
dir='ca_http_requests_total{method="GET",route="/v2/{level}",status="200"}'
d0=$(series "$dir")
[[ "$d0" == absent ]] && d0=0
seq 1 20 | xargs -P 6 -I{} curl -s -o /dev/null --cacert "$ACME_CA_BUNDLE" "$ACME_DV_URL"
ca
is "20 directory requests count 20" "$(series "$dir")" $((d0 + 20))
is "the issued certificates gauge is the CA's rows" \
	"$(awk '/^ca_certificates_issued\{/ { s += $2 } END { print s + 0 }' "$M")" \
	"$(mariadb --no-defaults -S "$MYSQL_SOCKET" -N ca -e 'SELECT COUNT(*) FROM certificates')"
check "signer errors are exposed" test "$(series 'ca_signer_errors_total{op="sign"}')" != absent
csock="$STACK_DIR/run/ca.sock"
cafcgi() {
	(cd "$TEST_TMP" && env -i REQUEST_METHOD=GET PATH_INFO="$1" SCRIPT_NAME= QUERY_STRING= \
		REMOTE_ADDR="$2" cgi-fcgi -bind -connect "$csock" 2>&1 | head -n1)
}
like "ca-fcgi refuses /metrics to 192.0.2.1" "$(cafcgi /metrics 192.0.2.1)" "Status: 403"
like "ca-fcgi serves /metrics to 127.0.0.1" "$(cafcgi /metrics 127.0.0.1)" "Status: 200"

code=$(curl -s -o "$TEST_TMP/health" -w '%{http_code}' --cacert "$ACME_CA_BUNDLE" "$CA_HEALTH_URL")
is "the CA's health check: 200 with the database and the signer answering" \
	"$code $(tr '\n' ' ' <"$TEST_TMP/health")" "200 database ok signer ok "

# The signer stopped: the health check says so, and the failures are counted.
spid=$(head -n1 "$STACK_DIR/run/ca-signer.pid")
e0=$(series 'ca_signer_errors_total{op="connect"}')
kill -TERM "$spid"
for _ in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
code=$(curl -s -o "$TEST_TMP/health" -w '%{http_code}' --cacert "$ACME_CA_BUNDLE" "$CA_HEALTH_URL")
is "without the signer: 503, naming it" "$code $(tr '\n' ' ' <"$TEST_TMP/health")" "503 database ok signer unreachable "
ca
check "and the failed probe is counted as a signer error" test "$(series 'ca_signer_errors_total{op="connect"}')" -gt "$e0"
rm -f "$STACK_DIR/run/ca-signer.sock"
setsid "$BUILD_DIR/fcgi/ca/ca-signer" -f "$CA_CONF" </dev/null >>"$STACK_DIR/log/ca-signer.log" 2>&1 &
for _ in $(seq 1 100); do [[ -S "$STACK_DIR/run/ca-signer.sock" ]] && break; sleep 0.1; done
code=$(curl -s -o "$TEST_TMP/health" -w '%{http_code}' --cacert "$ACME_CA_BUNDLE" "$CA_HEALTH_URL")
is "the signer restarted: 200 again" "$code" 200

# ---- the cron files send every job's output to syslog, tagged per job
check "no cron line throws its output away" bash -c "! grep -n '/dev/null' '$ROOT'/etc/cron.d/*"
LOGSOCK="$TEST_TMP/log.sock"
"$PY" - "$LOGSOCK" "$TEST_TMP/syslog" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 120
with open(sys.argv[2], 'ab', buffering=0) as f:
    while time.time() < end:
        try:
            f.write(s.recv(65536) + b'\n')
        except socket.timeout:
            pass
PYEOF
LOGPID=$!
for _ in $(seq 1 50); do [[ -S "$LOGSOCK" ]] && break; sleep 0.1; done
# Every job line of etc/cron.d as cron would run it (sh -c), with this stack's
# programs and configs, and logger(1) writing to our socket instead of /dev/log.
while IFS= read -r line; do
	cmd=$(printf '%s\n' "$line" | cut -f3-)
	tag=$(sed -n 's/.*logger -t \([^ ]*\).*/\1/p' <<<"$cmd")
	job=${tag#acme-caas-center-}
	job=${job#acme-caas-ca-}
	cmd=${cmd//\/etc\/acme-caas\/center.conf/$CENTER_CONF}
	cmd=${cmd//\/etc\/acme-caas\/ca.conf/$CA_CONF}
	cmd=${cmd//logger -t/logger -u $LOGSOCK -t}
	PATH="$BUILD_DIR/fcgi/center:$BUILD_DIR/fcgi/ca:$PATH" sh -c "$cmd"
	got=""
	for _ in $(seq 1 50); do
		got=$(grep -a " $tag\(\[[0-9]*\]\)\?: " "$TEST_TMP/syslog" 2>/dev/null | head -n1)
		[[ -n "$got" ]] && break
		sleep 0.1
	done
	msg=$(sed -n "s/.* $tag\(\[[0-9]*\]\)\{0,1\}: //p" <<<"$got")
	diag "$tag: $msg"
	check "cron's $job line logs the job's output to syslog, tagged $tag" test -n "$msg"
done < <(grep -h -E '^[0-9*]' "$ROOT"/etc/cron.d/*)
kill "$LOGPID" 2>/dev/null
wait "$LOGPID" 2>/dev/null

# The database stopped: both say so, and the counters are still there.
$DEV_DB_STOP >/dev/null 2>&1
code=$(curl -s -o "$TEST_TMP/health" -w '%{http_code}' --cacert "$ACME_CA_BUNDLE" "$CA_HEALTH_URL")
is "without the database the CA's health check is 503, naming it" \
	"$code $(head -n1 "$TEST_TMP/health")" "503 database unreachable"
center
is "the customer area's /metrics still answers" "${SCRAPE%% *}" 200
is "with database_up 0" "$(series center_database_up)" 0
check "and its counters" test "$(series "$login_ok")" != absent
is "still in the format" "$("$PY" "$CHECK" "$M")" ok
$DEV_DB_START >/dev/null 2>&1
for _ in $(seq 1 50); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ACME_CA_BUNDLE" "$CA_HEALTH_URL")
	[[ "$code" == 200 ]] && break
	sleep 0.2
done
is "the database back: the CA's health check is 200" "$code" 200
# Leave every center worker reconnected for the next tests: 12 database reads in a row.
good=0
for _ in $(seq 1 60); do
	api "$KEY" GET /api/v1/account
	if [[ "$HTTP_STATUS" == 200 ]]; then good=$((good + 1)); else good=0; fi
	[[ $good -ge 12 ]] && break
	sleep 0.2
done
is "the database back: every worker of the customer area reads it again" "$good" 12

done_testing
