# shellcheck shell=bash
# Shared by tests/interop/*.sh: real ACME clients against the bundled CA of the
# stack that ./dev test brought up. Source it after tests/lib.sh:
#
#   . "$ROOT/tests/lib.sh"
#   . "$ROOT/tests/interop/common.bash"
#
# Needs (from demo.env): ACME_DV_URL, ACME_CA_BUNDLE, ACME_HTTP01_PORT,
# CA_ROOT_PEM, CA_ISSUING_PEM, CA_CONF, CAASCTL_CA. Every client run is bounded
# by $CLIENT_TIMEOUT seconds; everything lands in $TEST_TMP (removed on exit).

CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-40}
WEB_PID=

for v in ACME_DV_URL ACME_CA_BUNDLE ACME_HTTP01_PORT CA_ROOT_PEM CA_ISSUING_PEM CA_CONF CAASCTL_CA DEMO_DOMAIN; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
	export "${v?}"
done

interop_cleanup() {
	web_stop
	rm -rf "$TEST_TMP"
}
trap interop_cleanup EXIT

caasctl_ca() {
	"$CAASCTL_CA" -f "$CA_CONF" "$@"
}

# new_eab DOMAIN...: a fresh DV EAB key with DOMAIN... enrolled on it; sets
# EAB_KID and EAB_HMAC (base64url) and BAD_HMAC (the same key with its first
# character changed, so the decoded key differs). Returns 1 on failure.
# shellcheck disable=SC2034 # EAB_* and BAD_HMAC are for the calling script
new_eab() {
	local out d
	if ! out=$(caasctl_ca eab-add --level DV); then
		diag "caasctl-ca eab-add failed"
		return 1
	fi
	read -r EAB_KID EAB_HMAC <<<"$out"
	if [[ -z "$EAB_KID" || ! "$EAB_HMAC" =~ ^[A-Za-z0-9_-]{16,}$ ]]; then
		diag "caasctl-ca eab-add printed '$out', expected 'KID HMAC'"
		return 1
	fi
	if [[ "${EAB_HMAC:0:1}" == A ]]; then
		BAD_HMAC="B${EAB_HMAC:1}"
	else
		BAD_HMAC="A${EAB_HMAC:1}"
	fi
	for d in "$@"; do
		caasctl_ca domain-add --kid "$EAB_KID" --domain "$d" >/dev/null || {
			diag "caasctl-ca domain-add --domain $d failed"
			return 1
		}
	done
}

# run_client LOG CMD...: run an ACME client, bounded, all output into LOG.
# CMD may be a shell function of the script (it then runs in a new bash that
# gets its definition; the variables it uses must be exported). Returns the
# client's status (124 on timeout).
run_client() {
	local log=$1 rc=0
	shift
	if declare -F "$1" >/dev/null; then
		set -- bash -c "$(declare -f "$1")"'; "$@"' interop "$@"
	fi
	timeout -k 5 "$CLIENT_TIMEOUT" "$@" >"$log" 2>&1 </dev/null || rc=$?
	[[ $rc -eq 124 ]] && echo "(interop: killed after ${CLIENT_TIMEOUT}s)" >>"$log"
	return $rc
}

# client_ok DESC LOG CMD...: one test, ok when the client exits 0 (its log
# tail is shown otherwise).
client_ok() {
	local desc=$1 log=$2
	shift 2
	if run_client "$log" "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "exit status $?; last lines of $(basename "$log"):
$(tail -n 25 "$log")"
	fi
}

# client_refused DESC SUBSTRING LOG CMD...: one test, ok when the client
# fails and SUBSTRING appears in what it printed.
client_refused() {
	local desc=$1 want=$2 log=$3 rc=0
	shift 3
	run_client "$log" "$@" || rc=$?
	if [[ $rc -eq 0 ]]; then
		not_ok "$desc" "the client succeeded; last lines:
$(tail -n 15 "$log")"
	elif [[ $rc -eq 124 ]]; then
		not_ok "$desc" "the client timed out; last lines:
$(tail -n 15 "$log")"
	elif grep -q -F -- "$want" "$log"; then
		ok "$desc"
	else
		not_ok "$desc" "exit status $rc but no '$want' in its output; last lines:
$(tail -n 25 "$log")"
	fi
}

# web_start DIR: serve DIR over plain HTTP on 127.0.0.1:$ACME_HTTP01_PORT
# (the validator's http-01 port) until web_stop. Returns 1 if it is not up
# within 10 s.
web_start() {
	local dir=$1 i
	/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$ACME_HTTP01_PORT" \
		>"$TEST_TMP/web.log" 2>&1 </dev/null &
	WEB_PID=$!
	for ((i = 0; i < 100; i++)); do
		if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ACME_HTTP01_PORT/"; then
			return 0
		fi
		kill -0 "$WEB_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "web server on $ACME_HTTP01_PORT did not come up: $(tail -n 5 "$TEST_TMP/web.log")"
	web_stop
	return 1
}

web_stop() {
	if [[ -n "$WEB_PID" ]]; then
		kill "$WEB_PID" 2>/dev/null || true
		wait "$WEB_PID" 2>/dev/null || true
		WEB_PID=
	fi
}

# port_free: 0 when nothing listens on the http-01 port (a leftover would
# answer the validator in the client's stead).
port_free() {
	! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ACME_HTTP01_PORT/"
}

# split_chain PEM DIR: DIR/leaf.pem (first certificate) and DIR/rest.pem (the
# others); 1 when PEM holds no certificate.
split_chain() {
	[[ -s "$1" ]] || return 1
	mkdir -p "$2"
	awk -v leaf="$2/leaf.pem" -v rest="$2/rest.pem" '
		/-----BEGIN CERTIFICATE-----/ { n++ }
		n == 1 { print > leaf }
		n > 1 { print > rest }
	' "$1"
	[[ -s "$2/leaf.pem" ]] || return 1
	[[ -f "$2/rest.pem" ]] || : >"$2/rest.pem"
}

# check_issued PREFIX LEAF INTERMEDIATES NAME: the three checks every client
# makes of what it obtained.
check_issued() {
	local p=$1 leaf=$2 inter=$3 name=$4 out san
	if [[ ! -s "$leaf" ]]; then
		not_ok "$p: the client wrote the certificate" "no $leaf"
		return
	fi
	ok "$p: the client wrote the certificate"
	if out=$(openssl verify -purpose sslserver -CAfile "$CA_ROOT_PEM" -untrusted "$inter" "$leaf" 2>&1); then
		ok "$p: leaf verifies to the CA root through the chain the client got"
	else
		not_ok "$p: leaf verifies to the CA root through the chain the client got" "$out"
	fi
	if cmp -s <(openssl x509 -in "$inter" -outform DER 2>/dev/null) \
		<(openssl x509 -in "$CA_ISSUING_PEM" -outform DER 2>/dev/null); then
		ok "$p: the chain is the CA's issuing certificate"
	else
		not_ok "$p: the chain is the CA's issuing certificate" "$(openssl x509 -in "$inter" -noout -subject -issuer 2>&1)"
	fi
	san=$(openssl x509 -in "$leaf" -noout -ext subjectAltName 2>/dev/null | sed -n '2,$p' | tr -d ' ')
	is "$p: leaf names exactly $name" "$san" "DNS:$name"
}

# certbot_run DIR ARGS...: certbot with its state under DIR. When it fails,
# the ACME problems from its log follow its output: certbot 2.1 on Python
# 3.11 replaces an order's problem on the terminal by "AttributeError: can't
# set attribute" (acme.messages.Error is immutable), the log keeps it.
# shellcheck disable=SC2317 # run through run_client
certbot_run() {
	local d=$1 rc=0
	shift
	certbot --non-interactive --config-dir "$d/config" --work-dir "$d/work" \
		--logs-dir "$d/logs" --server "$ACME_DV_URL" "$@" || rc=$?
	if [[ $rc -ne 0 && -f "$d/logs/letsencrypt.log" ]]; then
		echo "---- problems in $d/logs/letsencrypt.log:"
		grep -E 'acme\.messages\.Error|Problem for|urn:ietf:params:acme:error' "$d/logs/letsencrypt.log" |
			sort -u | head -n 5
	fi
	return "$rc"
}
