#!/usr/bin/env bash
# certbot (Debian) against the bundled CA: EAB registration, http-01 with its
# standalone server on $ACME_HTTP01_PORT, the chain it gets, and the refusals
# (name not enrolled on the key, wrong HMAC, no EAB). Trust: REQUESTS_CA_BUNDLE.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

NAME=certbot.test
export REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE

check "key for $NAME created and enrolled" new_eab "$NAME"
check "http-01 port $ACME_HTTP01_PORT is free" port_free

D="$TEST_TMP/good"
client_ok "certbot registers with EAB and obtains a certificate for $NAME over http-01" "$TEST_TMP/good.log" \
	certbot_run "$D" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" --agree-tos -m "admin@$NAME" \
	--eab-kid "$EAB_KID" --eab-hmac-key "$EAB_HMAC" -d "$NAME"
check_issued certbot "$D/config/live/$NAME/cert.pem" "$D/config/live/$NAME/chain.pem" "$NAME"

# The same account asks for a name enrolled on another key (the demo key).
OTHER="www.$DEMO_DOMAIN"
client_refused "certbot is refused $OTHER, not enrolled on its key (rejectedIdentifier)" \
	rejectedIdentifier "$TEST_TMP/other.log" \
	certbot_run "$D" certonly --standalone --http-01-address 127.0.0.1 \
	--http-01-port "$ACME_HTTP01_PORT" -d "$OTHER"

# certbot shows only the detail of a registration error, so the server's.
client_refused "certbot cannot register with a wrong HMAC (the server refuses the binding)" \
	"external account binding failed" "$TEST_TMP/badmac.log" \
	certbot_run "$TEST_TMP/badmac" register --agree-tos -m "admin@$NAME" \
	--eab-kid "$EAB_KID" --eab-hmac-key "$BAD_HMAC"

# certbot reads externalAccountRequired from the directory and stops before
# sending anything; the server's own refusal is checked just below.
client_refused "certbot without EAB stops: the directory says external account binding is required" \
	"Server requires external account binding" "$TEST_TMP/noeab.log" \
	certbot_run "$TEST_TMP/noeab" register --agree-tos -m "admin@$NAME"

# The server itself, through certbot's ACME library: newAccount without
# externalAccountBinding gets the externalAccountRequired problem.
cat >"$TEST_TMP/noeab.py" <<'PY'
import sys
import josepy as jose
from cryptography.hazmat.primitives.asymmetric import ec
from acme import client, messages

key = jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
net = client.ClientNetwork(key, alg=jose.ES256, user_agent="acme-caas-interop")
directory = client.ClientV2.get_directory(sys.argv[1], net)
acme = client.ClientV2(directory, net)
try:
    acme.new_account(messages.NewRegistration.from_data(
        email="admin@certbot.test", terms_of_service_agreed=True))
except messages.Error as e:
    print("refused:", e.typ, "::", e.detail)
    sys.exit(1)
print("registered without EAB")
PY
client_refused "new-account without EAB is answered externalAccountRequired (acme library)" \
	"urn:ietf:params:acme:error:externalAccountRequired" "$TEST_TMP/noeab-lib.log" \
	/usr/bin/python3 "$TEST_TMP/noeab.py" "$ACME_DV_URL"

done_testing
