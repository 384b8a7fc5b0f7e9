#!/usr/bin/env bash
# uacme (Debian) against the bundled CA: EAB registration (-e KID:KEY), http-01
# through a hook that writes the key authorization into a webroot served on
# 127.0.0.1:$ACME_HTTP01_PORT, the chain it gets, and the refusals.
#
# Trust: uacme has no CA-file option and its libcurl (GnuTLS) reads only the
# system CA directory /etc/ssl/certs, so each run gets a private mount
# namespace where a directory holding just the dev TLS root is bind-mounted
# over /etc/ssl/certs. Nothing outside that process changes.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/interop/common.bash"

NAME=uacme.test
WEBROOT="$TEST_TMP/www"
export CERTS="$TEST_TMP/certs"
HOOK="$TEST_TMP/hook.sh"

mkdir -p "$WEBROOT/.well-known/acme-challenge" "$CERTS"
cp "$ACME_CA_BUNDLE" "$CERTS/dev-root.pem"
openssl rehash "$CERTS" 2>/dev/null || true

# Hook arguments: METHOD TYPE IDENT TOKEN KEY_AUTH. Non-zero for a challenge
# type it does not handle makes uacme try the next one.
cat >"$HOOK" <<HOOK
#!/bin/sh
[ "\$2" = http-01 ] || exit 1
f="$WEBROOT/.well-known/acme-challenge/\$4"
case "\$1" in
begin) printf '%s' "\$5" >"\$f" ;;
*) rm -f "\$f" ;;
esac
HOOK
chmod 755 "$HOOK"

# uacme_run CONFDIR ARGS...: uacme on the CA's DV directory, trusting the
# dev TLS root only (see above).
# shellcheck disable=SC2317 # run through run_client
uacme_run() {
	local d=$1
	shift
	unshare --mount --propagation private -- sh -c \
		'mount --bind "$1" /etc/ssl/certs && shift && exec uacme "$@"' sh "$CERTS" \
		-v -y -c "$d" -a "$ACME_DV_URL" "$@"
}

check "key for $NAME created and enrolled" new_eab "$NAME"
if ! unshare --mount --propagation private -- mount --bind "$CERTS" /etc/ssl/certs; then
	not_ok "a private mount namespace is available (root) to point uacme at the dev TLS root"
	done_testing
fi
check "http-01 port $ACME_HTTP01_PORT is free" port_free
check "webroot served on 127.0.0.1:$ACME_HTTP01_PORT" web_start "$WEBROOT"

D="$TEST_TMP/good"
client_ok "uacme registers with EAB" "$TEST_TMP/new.log" \
	uacme_run "$D" -e "$EAB_KID:$EAB_HMAC" new "admin@$NAME"
client_ok "uacme obtains a certificate for $NAME over http-01 (hook + webroot)" "$TEST_TMP/issue.log" \
	uacme_run "$D" -t EC -h "$HOOK" issue "$NAME"
split_chain "$D/$NAME/cert.pem" "$TEST_TMP/chain" || diag "no certificate in $D/$NAME/cert.pem"
check_issued uacme "$TEST_TMP/chain/leaf.pem" "$TEST_TMP/chain/rest.pem" "$NAME"

# Key rollover (RFC 8555 §7.3.5): uacme newkey replaces the account key; the
# account then keeps working with the new key only.
old_key=$(sha256sum <"$D/private/key.pem")
client_ok "uacme rolls its account key over (newkey)" "$TEST_TMP/newkey.log" \
	uacme_run "$D" newkey
check "the account key file changed" test "$(sha256sum <"$D/private/key.pem")" != "$old_key"
client_ok "uacme issues again with the rolled-over key" "$TEST_TMP/reissue.log" \
	uacme_run "$D" -t EC -h "$HOOK" -f issue "$NAME"

OTHER="www.$DEMO_DOMAIN"
client_refused "uacme is refused $OTHER, not enrolled on its key (rejectedIdentifier)" \
	rejectedIdentifier "$TEST_TMP/other.log" \
	uacme_run "$D" -t EC -h "$HOOK" issue "$OTHER"

client_refused "uacme cannot register with a wrong HMAC (unauthorized)" \
	"urn:ietf:params:acme:error:unauthorized" "$TEST_TMP/badmac.log" \
	uacme_run "$TEST_TMP/badmac" -e "$EAB_KID:$BAD_HMAC" new "admin@$NAME"

# uacme reads externalAccountRequired from the directory and stops.
client_refused "uacme without EAB stops: the directory says external credentials are required" \
	"requires external credentials" "$TEST_TMP/noeab.log" \
	uacme_run "$TEST_TMP/noeab" new "admin@$NAME"

web_stop
done_testing
