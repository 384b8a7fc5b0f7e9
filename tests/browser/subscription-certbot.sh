#!/usr/bin/env bash
# certbot obtains a certificate for each DOMAIN with the EAB credentials a
# customer copied from the "subscription created" page. Called by
# subscriptions.mjs, which prints the TAP: this script prints no result line,
# only certbot's log tail on failure, and exits 0 when every DOMAIN got its
# certificate.
#
#   subscription-certbot.sh SERVER KID HMAC DOMAIN...
#
# Needs the environment of ./dev test (ACME_CA_BUNDLE, ACME_HTTP01_PORT, and
# the rest that tests/interop/common.bash checks).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

if [[ $# -lt 4 ]]; then
	echo "usage: subscription-certbot.sh SERVER KID HMAC DOMAIN..." >&2
	exit 2
fi
# certbot_run talks to $ACME_DV_URL: the subscription's own server here.
ACME_DV_URL=$1
KID=$2
HMAC=$3
shift 3
export ACME_DV_URL REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE

if ! port_free; then
	echo "http-01 port $ACME_HTTP01_PORT is taken: a leftover would answer the validator" >&2
	exit 1
fi

D="$TEST_TMP/certbot"
for name in "$@"; do
	log="$TEST_TMP/certbot-$name.log"
	rc=0
	run_client "$log" certbot_run "$D" certonly --standalone \
		--http-01-address 127.0.0.1 --http-01-port "$ACME_HTTP01_PORT" \
		--agree-tos -m "admin@$name" --eab-kid "$KID" --eab-hmac-key "$HMAC" -d "$name" || rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "certbot failed for $name (status $rc); last lines of its output:"
		tail -n 25 "$log"
		exit 1
	fi
	if [[ ! -s "$D/config/live/$name/cert.pem" ]]; then
		echo "certbot succeeded for $name but wrote no $D/config/live/$name/cert.pem"
		exit 1
	fi
	# Certificate serial for the caller's diagnostics (not a TAP line).
	echo "issued $name serial $(openssl x509 -in "$D/config/live/$name/cert.pem" -noout -serial | cut -d= -f2)"
done
exit 0
