# shellcheck shell=bash
# Shared by the subscription tests (55, 56, 99): the center database, caasctl,
# the JSON API with an account's key, and the upstream reseller API as the
# customer area calls it. Source after tests/lib.sh.

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -N center -e "$1"; }
ctl() { "$CAASCTL" -f "$CENTER_CONF" "$@"; }
# cactl ARGS...: the bundled CA's caasctl-ca (the upstream's side of the contract).
cactl() { "$BUILD_DIR/fcgi/ca/caasctl-ca" -f "$STACK_DIR/etc/ca.conf" "$@"; }
# preval_approve ORG LEVEL: the organization's pre-validation approved for LEVEL,
# with an upstream pre-validation (anchor order number) made at the bundled CA.
preval_approve() {
	local anchor
	anchor=$(cactl preval-add --level "$2" --org "org-$1" --org-city Paris --org-country FR)
	ctl preval-set --org "$1" --level "$2" --status approved --upstream-id "$anchor"
}
# calls_since ID: the upstream calls the bundled CA logged after ID (caasctl-ca calls).
calls_since() { cactl calls --since "$1"; }
last_call() { cactl calls --last-id; }
# j FILTER: jq on the last HTTP answer.
j() { jq -r "$1" "$HTTP_BODY" 2>/dev/null; }
balance() { sql "SELECT balance_cents FROM accounts WHERE id = $1"; }

# api KEY METHOD PATH [JSON]: the JSON API with a bearer key (lib.sh's http).
api() {
	local key=$1 method=$2 path=$3
	if [[ $# -ge 4 ]]; then
		http "$method" "$path" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
			--data-binary "$4"
	else
		http "$method" "$path" -H "Authorization: Bearer $key"
	fi
}

# upstream ACTION FIELD=VALUE...: POST !ACMEAdmin with the reseller's login; the JSON on stdout.
upstream() {
	local a=(--data-urlencode "loginName=$CAAS_LOGIN" --data-urlencode "loginPassword=$CAAS_PASSWORD"
		--data-urlencode "action=$1") f
	shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	curl -sS --cacert "$ACME_CA_BUNDLE" --max-time 30 "${a[@]}" "$CAAS_API_BASE/products/!ACMEAdmin"
}
# up_domains ACCOUNT: the upstream's enrolled names of an account, sorted, comma-separated.
up_domains() { upstream LISTDOMAINS "acmeAccountID=$1" | jq -r '[.Domains[]?.domainName] | sort | join(",")'; }
# up_status ACCOUNT: the upstream account's status (LISTACCOUNTS, first 20 pages).
up_status() {
	local page s
	for page in $(seq 0 19); do
		s=$(upstream LISTACCOUNTS "page=$page" "size=100" | jq -r --arg k "$1" '.Accounts[] | select(.acmeAccountID == $k) | .accountStatus')
		[[ -n "$s" ]] && { echo "$s"; return; }
	done
}
