# shellcheck shell=bash
# TAP helpers for tests/integration/*.sh. Source it first:
#
#   . "$ROOT/tests/lib.sh"
#   http GET /login
#   is "login page answers 200" "$HTTP_STATUS" 200
#   done_testing
#
# Assertions: ok DESC, not_ok DESC WHY, check DESC CMD..., is DESC GOT EXPECTED,
# like DESC GOT SUBSTRING. HTTP: http METHOD PATH [curl args...] sets HTTP_STATUS
# and fills the files $HTTP_HEADERS and $HTTP_BODY; cookies persist in $COOKIES
# (per script). login USER PASSWORD logs in through the form (0 on a 303).
set -u

: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CENTER_URL:=http://127.0.0.1:18480}"

TEST_NUM=0
TEST_FAILED=0
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/itest.XXXXXX")
COOKIES="$TEST_TMP/cookies"
HTTP_HEADERS="$TEST_TMP/headers"
HTTP_BODY="$TEST_TMP/body"
HTTP_STATUS=000
: >"$COOKIES"
trap 'rm -rf "$TEST_TMP"' EXIT

# diag TEXT...: a TAP comment (each line prefixed by "# ").
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

ok() {
	TEST_NUM=$((TEST_NUM + 1))
	printf 'ok %d - %s\n' "$TEST_NUM" "$1"
}

not_ok() {
	TEST_NUM=$((TEST_NUM + 1))
	TEST_FAILED=$((TEST_FAILED + 1))
	printf 'not ok %d - %s\n' "$TEST_NUM" "$1"
	[[ $# -ge 2 && -n "$2" ]] && diag "$2"
	return 0
}

# check DESC CMD...: ok when CMD exits 0 (run in this shell, so http/login
# side effects such as HTTP_STATUS stay visible).
check() {
	local desc=$1 rc=0
	shift
	"$@" || rc=$?
	if [[ $rc -eq 0 ]]; then
		ok "$desc"
	else
		not_ok "$desc" "command failed (status $rc): $*"
	fi
}

is() {
	if [[ "$2" == "$3" ]]; then
		ok "$1"
	else
		not_ok "$1" "got: '$2'
expected: '$3'"
	fi
}

like() {
	if [[ "$2" == *"$3"* ]]; then
		ok "$1"
	else
		not_ok "$1" "got: '$(printf '%s' "$2" | head -c 2000)'
expected to contain: '$3'"
	fi
}

# http METHOD PATH [curl args...]: request $CENTER_URL$PATH without following
# redirects. Always returns 0; look at HTTP_STATUS (000 when no answer).
http() {
	local method=$1 path=$2
	shift 2
	: >"$HTTP_HEADERS"
	: >"$HTTP_BODY"
	HTTP_STATUS=$(curl -sS -X "$method" --max-time 20 \
		-b "$COOKIES" -c "$COOKIES" \
		-D "$HTTP_HEADERS" -o "$HTTP_BODY" -w '%{http_code}' \
		"$@" "$CENTER_URL$path") || true
	[[ -n "$HTTP_STATUS" ]] || HTTP_STATUS=000
	return 0
}

# header NAME: value of response header NAME (first one, case-insensitive).
header() {
	awk -v n="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" '
		{ sub(/\r$/, "") }
		index(tolower($0), n ":") == 1 { v = substr($0, length(n) + 2); sub(/^[ \t]+/, "", v); print v; exit }
	' "$HTTP_HEADERS"
}

# csrf_token [FILE]: the value of the hidden csrf input of the last page.
# shellcheck disable=SC2120
csrf_token() {
	grep -o '<input[^>]*name="csrf"[^>]*>' "${1:-$HTTP_BODY}" | head -n1 |
		sed -n 's/.*value="\([^"]*\)".*/\1/p'
}

# login USER PASSWORD: GET /login, POST the form with its csrf token.
# Returns 0 when the answer is a 303 redirect.
login() {
	local csrf
	http GET /login
	if [[ "$HTTP_STATUS" != 200 ]]; then
		diag "GET /login answered $HTTP_STATUS"
		return 1
	fi
	csrf=$(csrf_token "$HTTP_BODY")
	if [[ -z "$csrf" ]]; then
		diag "no csrf input on /login"
		return 1
	fi
	http POST /login --data-urlencode "login=$1" --data-urlencode "password=$2" \
		--data-urlencode "csrf=$csrf"
	if [[ "$HTTP_STATUS" != 303 ]]; then
		diag "POST /login answered $HTTP_STATUS"
		return 1
	fi
}

# clear_cookies: forget the session (new empty cookie jar).
clear_cookies() {
	: >"$COOKIES"
}

done_testing() {
	echo "1..$TEST_NUM"
	if [[ $TEST_FAILED -gt 0 ]]; then
		diag "$TEST_FAILED of $TEST_NUM failed"
		exit 1
	fi
	exit 0
}
