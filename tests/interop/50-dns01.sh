#!/usr/bin/env bash
# dns-01 (RFC 8555 §8.4) with lego (Debian) against the bundled CA: lego's
# "exec" DNS provider publishes the TXT record in pebble-challtestsrv (Debian
# package pebble), which this script runs on the CA's dns_server for its own
# duration; a wildcard and a plain name are issued, a wrong or missing TXT
# record fails with the CA's problem. Ports come from $CA_CONF: dns_server
# (P-427) and its management API two above (P-425).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

CLIENT_TIMEOUT=20
ENROLLED='*.dnsw.test'
export LEGO_CA_CERTIFICATES=$ACME_CA_BUNDLE
DNS_PID=

# shellcheck disable=SC2317 # called through trap, check or a condition
dns_stop() {
	if [[ -n "$DNS_PID" ]]; then
		kill "$DNS_PID" 2>/dev/null || true
		wait "$DNS_PID" 2>/dev/null || true
		DNS_PID=
	fi
}
trap 'dns_stop; interop_cleanup' EXIT

DNS_SERVER=$(sed -n 's/^dns_server *= *//p' "$CA_CONF")
DNS_PORT=${DNS_SERVER##*:}
MGMT_PORT=$((DNS_PORT + 2))
MGMT="http://127.0.0.1:$MGMT_PORT"
if [[ "$DNS_SERVER" != 127.0.0.1:* || ! "$DNS_PORT" =~ ^[0-9]+$ ]]; then
	not_ok "the CA's dns_server is 127.0.0.1:PORT" "dns_server = '$DNS_SERVER' in $CA_CONF"
	done_testing
fi
export MGMT

# dns_start: pebble-challtestsrv answering DNS on the CA's dns_server, nothing
# else but its management API; 1 if it is not up within 10 s.
# shellcheck disable=SC2317 # called through trap, check or a condition
dns_start() {
	local i
	pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		-dns01 "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
		-management "127.0.0.1:$MGMT_PORT" >"$TEST_TMP/challtestsrv.log" 2>&1 </dev/null &
	DNS_PID=$!
	for ((i = 0; i < 100; i++)); do
		if curl -s -o /dev/null --max-time 1 "$MGMT/"; then
			return 0
		fi
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "pebble-challtestsrv did not come up: $(tail -n 5 "$TEST_TMP/challtestsrv.log")"
	return 1
}

# EXEC_PATH scripts: lego calls them with "present|cleanup FQDN VALUE".
# good publishes VALUE; wrong publishes another 43-character value; none
# publishes nothing.
for mode in good wrong none; do
	cat >"$TEST_TMP/txt-$mode" <<-EOF
	#!/bin/bash
	set -eu
	mode=$mode
	EOF
	cat >>"$TEST_TMP/txt-$mode" <<-'EOF'
	value=$3
	[[ $mode == wrong ]] && value=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	case $1 in
	present)
		[[ $mode == none ]] && exit 0
		jq -nc --arg h "$2" --arg v "$value" '{host: $h, value: $v}' |
			curl -sf --max-time 5 -X POST --data-binary @- "$MGMT/set-txt" ;;
	cleanup)
		jq -nc --arg h "$2" '{host: $h}' |
			curl -sf --max-time 5 -X POST --data-binary @- "$MGMT/clear-txt" ;;
	esac
	EOF
	chmod +x "$TEST_TMP/txt-$mode"
done

# lego_dns DIR MODE ARGS...: lego with its state under DIR, dns-01 only,
# published by txt-MODE, checked against challtestsrv without waiting.
# shellcheck disable=SC2317 # run through run_client
lego_dns() {
	local d=$1 mode=$2
	shift 2
	EXEC_PATH="$TEST_TMP/txt-$mode" EXEC_PROPAGATION_TIMEOUT=10 EXEC_POLLING_INTERVAL=1 \
		lego --server "$ACME_DV_URL" --accept-tos --email "admin@dnsw.test" --path "$d" \
		--dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp "$@"
}
export TEST_TMP DNS_PORT

check "key for $ENROLLED created and enrolled" new_eab "$ENROLLED"
check "pebble-challtestsrv answers DNS on the CA's dns_server $DNS_SERVER" dns_start

D="$TEST_TMP/lego"
client_ok "lego obtains a certificate for $ENROLLED over dns-01" \
	"$TEST_TMP/wild.log" lego_dns "$D" good --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d "$ENROLLED" run
split_chain "$D/certificates/_.dnsw.test.crt" "$TEST_TMP/wchain" ||
	diag "no certificate in $D/certificates/_.dnsw.test.crt"
check_issued "dns-01 wildcard" "$TEST_TMP/wchain/leaf.pem" "$TEST_TMP/wchain/rest.pem" "$ENROLLED"

NAME=www.dnsw.test
client_ok "lego obtains a certificate for $NAME over dns-01" \
	"$TEST_TMP/plain.log" lego_dns "$D" good --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d "$NAME" run
split_chain "$D/certificates/$NAME.crt" "$TEST_TMP/pchain" ||
	diag "no certificate in $D/certificates/$NAME.crt"
check_issued "dns-01 $NAME" "$TEST_TMP/pchain/leaf.pem" "$TEST_TMP/pchain/rest.pem" "$NAME"

client_refused "a wrong TXT value fails dns-01 with the CA's incorrectResponse" \
	"urn:ietf:params:acme:error:incorrectResponse" "$TEST_TMP/wrong.log" \
	lego_dns "$D" wrong --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d wrong.dnsw.test run
like "the CA says which name holds no matching TXT record" "$(cat "$TEST_TMP/wrong.log")" \
	"TXT records at _acme-challenge.wrong.dnsw.test matches"

client_refused "no TXT record fails dns-01 with the CA's dns problem" \
	"urn:ietf:params:acme:error:dns" "$TEST_TMP/none.log" \
	lego_dns "$D" none --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" -d none.dnsw.test run

done_testing
