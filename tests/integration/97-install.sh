#!/usr/bin/env bash
# The Debian packages on this machine (issue 12, "Done when"): build them once
# with dpkg-buildpackage from the release tarball, lintian, install them with
# apt, check that nothing started and what the maintainer scripts made (users,
# ca_dir, secrets), systemd-analyze verify on every installed unit, then follow
# README "Installing on a server" against the test stack's MariaDB: edit the
# configs, run the migrations, start every daemon from its installed unit's
# command line under its own user (systemd is not PID 1 here: User=, Group=,
# SupplementaryGroups=, RuntimeDirectory= and ExecStart= are read from the
# unit, readiness is the daemon's own sd_notify on a NOTIFY_SOCKET of ours),
# mount the installed nginx snippets in a server {} of a site of our own, and
# run a real flow: first login, a subscription created on the page, certbot
# issues with the credentials shown, `caasctl sync` (the timer's command line)
# and the certificate shows. The CA key is readable by the signer alone: as
# the ca-fcgi user reading it fails. Everything is stopped, purged and removed
# at the end.
#
# Ports (loopback, from the stack's P): P+21 the site over HTTPS, P+22 the CA
# over HTTPS, P+23 http-01 (certbot), P+24 plain HTTP for crl_url/aia_url,
# P+25 tls-alpn-01. Runs as root only; one install test at a time per machine.
. "$ROOT/tests/lib.sh"
# What this builds and installs is a production build (no test hooks), which
# refuses the test stack's clock hooks: they are for the test build only.
unset CAAS_CLOCK_OFFSET_FILE CAAS_NOW

if [[ $(id -u) -ne 0 ]]; then
	ok "# SKIP the install test needs root (dpkg, users)"
	done_testing
fi
for v in MYSQL_SOCKET ACME_CA_BUNDLE STACK_DIR BUILD_DIR; do
	if [[ -z "${!v:-}" ]]; then
		not_ok "environment has $v (run through ./dev test)"
		done_testing
	fi
done
# CENTER_URL is http://127.0.0.1:P, or http://127.0.0.1:P/BASE once mounted under a path.
P=$(sed -E 's|^[a-z]+://[^:/]+:([0-9]+).*$|\1|' <<<"$CENTER_URL")
if [[ ! "$P" =~ ^[0-9]+$ ]]; then
	not_ok "the stack's port from CENTER_URL ($CENTER_URL)"
	done_testing
fi
C_PORT=$((P + 21)) CA_PORT=$((P + 22)) H01_PORT=$((P + 23)) PLAIN_PORT=$((P + 24)) ALPN_PORT=$((P + 25))
SITE="https://127.0.0.1:$C_PORT"
CA_BASE="https://127.0.0.1:$CA_PORT"
UNITS=/lib/systemd/system
W="$TEST_TMP/install"
mkdir -p "$W"
chmod 755 "$TEST_TMP" "$W"
R="pkg$$"
DB_C="t97_center" DB_CA="t97_ca"
PIDS=()
NGINX_PID=

sql() { mariadb --no-defaults -S "$MYSQL_SOCKET" -u root -N "$@"; }

# Whether we installed the packages (then we purge them), and the users that
# existed before (those we leave).
INSTALLED=0
USERS="acme-caas acme-caas-ca acme-caas-signer acme-caas-validator"
GROUPS_MADE="acme-caas-cadb"
PRE_USERS=$(for u in $USERS; do getent passwd "$u" >/dev/null && echo "$u"; done)

cleanup() {
	local pid u
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	[[ -n "$NGINX_PID" ]] && kill -QUIT "$NGINX_PID" 2>/dev/null
	for pid in "${PIDS[@]}" $NGINX_PID; do
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [[ $INSTALLED == 1 ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 acme-caas-center acme-caas-ca \
			>"$W/purge.log" 2>&1 || cat "$W/purge.log"
	fi
	rm -rf /var/lib/acme-caas /run/acme-caas /run/acme-caas-ca /run/acme-caas-signer \
		/run/acme-caas-validator /etc/acme-caas
	for u in $USERS; do
		grep -qx "$u" <<<"$PRE_USERS" || userdel "$u" 2>/dev/null || true
		grep -qx "$u" <<<"$PRE_USERS" || groupdel "$u" 2>/dev/null || true
	done
	[[ -z "$PRE_USERS" ]] && { groupdel "$GROUPS_MADE" 2>/dev/null || true; }
	sql -e "DROP DATABASE IF EXISTS $DB_C; DROP DATABASE IF EXISTS $DB_CA;
		DROP USER IF EXISTS '$DB_C'@'localhost'; DROP USER IF EXISTS '$DB_CA'@'localhost';" 2>/dev/null
	[[ -n "${HOSTS_ADDED:-}" ]] && sed -i '/ # t97-install$/d' /etc/hosts
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
# A timeout of tests/run (SIGTERM) must still uninstall everything.
trap 'exit 143' TERM INT

# One install test per machine at a time: dpkg and the system users are global.
exec 9>/run/lock/acme-caas-install-test.lock
if ! flock -w 600 9; then
	not_ok "the install test lock (another install test runs)"
	done_testing
fi
if dpkg-query -W -f='${db:Status-Status}' acme-caas-center 2>/dev/null | grep -q installed ||
	dpkg-query -W -f='${db:Status-Status}' acme-caas-ca 2>/dev/null | grep -q installed; then
	not_ok "acme-caas packages are not installed on this machine before the test" \
		"someone installed them: this test would remove them"
	trap - EXIT
	rm -rf "$TEST_TMP"
	done_testing
fi
for port in $C_PORT $CA_PORT $H01_PORT $PLAIN_PORT $ALPN_PORT; do
	if ss -Hltn "sport = :$port" | grep -q .; then
		not_ok "port $port is free for the installed instance"
		done_testing
	fi
done

# ---- build the packages once, from the release tarball
t0=$SECONDS
if ! make -C "$BUILD_DIR" dist >"$W/dist.log" 2>&1; then
	not_ok "make dist" "$(tail -n 10 "$W/dist.log")"
	done_testing
fi
tar -C "$W" -xzf "$BUILD_DIR/acme-caas-0.1.0.tar.gz"
# make check already ran in 96-distcheck.sh: the package build skips it.
if (cd "$W/acme-caas-0.1.0" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds the packages ($((SECONDS - t0)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the packages" "$(tail -n 20 "$W/build.log")"
	done_testing
fi
DEB_C=$(ls "$W"/acme-caas-center_*_*.deb 2>/dev/null | head -n1)
DEB_CA=$(ls "$W"/acme-caas-ca_*_*.deb 2>/dev/null | head -n1)
check "acme-caas-center and acme-caas-ca are built" test -s "$DEB_C" -a -s "$DEB_CA"
lint=$(lintian --fail-on error --no-tag-display-limit "$W"/acme-caas_*.changes 2>&1)
lrc=$?
is "lintian finds no error" "$lrc $(grep -c '^E:' <<<"$lint")" "0 0"
diag "lintian: $(grep -c '^W:' <<<"$lint") warnings, $(grep -c '^I:' <<<"$lint") info tags"
grep '^[EW]:' <<<"$lint" | head -n 10 | while IFS= read -r l; do diag "$l"; done
like "acme-caas-center depends on the libraries it links and openssl" \
	"$(dpkg-deb -f "$DEB_C" Depends)" "libmariadb3"
check "the configs are conffiles" bash -c "dpkg-deb -I '$DEB_C' conffiles | grep -qx /etc/acme-caas/center.conf && \
	dpkg-deb -I '$DEB_CA' conffiles | grep -qx /etc/acme-caas/ca.conf"

# ---- install (README step 1)
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends "$DEB_C" "$DEB_CA" \
	>"$W/apt.log" 2>&1; then
	INSTALLED=1
	ok "apt-get install ./acme-caas-center_….deb ./acme-caas-ca_….deb"
else
	INSTALLED=1
	not_ok "apt-get install the packages" "$(tail -n 20 "$W/apt.log")"
	done_testing
fi
running=$(pgrep -a -f '^/usr/sbin/(center-fcgi|ca-fcgi|ca-signer|ca-validator)( |$)' || true)
is "installation started no daemon (nothing runs half-configured)" "$running" ""
enabled=$(ls /etc/systemd/system/*.wants/ 2>/dev/null | grep acme-caas || true)
is "and enabled no unit" "$enabled" ""
for u in $USERS; do
	check "system user $u exists, without a login shell" \
		bash -c "getent passwd $u | grep -q ':/usr/sbin/nologin\$'"
done
is "acme-caas-ca is in the signer's, the validator's and the CA database's groups" \
	"$(id -nG acme-caas-ca | tr ' ' '\n' | sort | tr '\n' ' ')" "acme-caas-ca acme-caas-cadb acme-caas-signer acme-caas-validator "
is "acme-caas-validator is in its own group and the CA database's only" \
	"$(id -nG acme-caas-validator | tr ' ' '\n' | sort | tr '\n' ' ')" "acme-caas-cadb acme-caas-validator "
is "acme-caas-signer is in no other group" "$(id -nG acme-caas-signer)" "acme-caas-signer"
is "ca_dir belongs to the signer, its group to the ACME server (tmpfiles.d)" \
	"$(stat -c '%U:%G %a' /var/lib/acme-caas/ca)" "acme-caas-signer:acme-caas-ca 751"
is "ca_dir/crl belongs to the ACME server" "$(stat -c '%U:%G %a' /var/lib/acme-caas/ca/crl)" "acme-caas-ca:acme-caas-ca 755"
for s in center.dbpass:root:acme-caas:640 ca.dbpass:root:acme-caas-cadb:640 ca.eabkey:root:acme-caas-ca:640 \
	ca.reseller-pass:acme-caas-ca:acme-caas-ca:600; do
	f=${s%%:*} want=${s#*:}
	is "the postinst made /etc/acme-caas/$f, ${want%:*} ${want##*:}" \
		"$(stat -c '%U:%G:%a' "/etc/acme-caas/$f" 2>/dev/null)" "$want"
done
check "the EAB key is 64 hex characters" grep -qxE '[0-9a-f]{64}' /etc/acme-caas/ca.eabkey

# ---- the units
vlog=$(systemd-analyze verify --man=no "$UNITS"/acme-caas-*.service "$UNITS"/acme-caas-*.timer 2>&1)
is "systemd-analyze verify passes on every installed unit" "$vlog" ""
for u in "$UNITS"/acme-caas-*.service; do
	missing=
	for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
		'RestrictAddressFamilies=' 'CapabilityBoundingSet=$' 'SystemCallFilter=@system-service' User=; do
		grep -q "^$d" "$u" || missing+=" $d"
	done
	is "$(basename "$u") is hardened" "$missing" ""
done
for u in center ca ca-signer ca-validator; do
	is "acme-caas-$u.service is Type=notify" "$(grep -c '^Type=notify$' "$UNITS/acme-caas-$u.service")" 1
done
like "invoice closing runs on the first of the month, UTC" \
	"$(grep '^OnCalendar=' "$UNITS/acme-caas-center-close-invoices.timer")" "*-*-01 00:05:00 UTC"
expo=$(systemd-analyze security --offline=yes "$UNITS/acme-caas-ca-signer.service" 2>/dev/null | tail -n1)
diag "systemd-analyze security, ca-signer: ${expo:-n/a}"

# ---- README step 2: the databases (here in the test stack's MariaDB)
sql -e "CREATE DATABASE $DB_C CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
	CREATE USER '$DB_C'@'localhost' IDENTIFIED BY '$(cat /etc/acme-caas/center.dbpass)';
	GRANT ALL ON $DB_C.* TO '$DB_C'@'localhost';
	CREATE DATABASE $DB_CA CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
	CREATE USER '$DB_CA'@'localhost' IDENTIFIED BY '$(cat /etc/acme-caas/ca.dbpass)';
	GRANT ALL ON $DB_CA.* TO '$DB_CA'@'localhost';"
check "the databases exist" test "$(sql -e "SHOW DATABASES LIKE 't97\\_%'" | wc -l)" = 2

# ---- README step 3: edit the two config files (set KEY VALUE in FILE)
setkey() {
	local file=$1 key=$2 value=$3
	if grep -qE "^$key =" "$file"; then
		sed -i -E "0,/^$key =.*/s||$key = $value|" "$file"
	elif grep -qE "^# ?$key =" "$file"; then
		sed -i -E "0,/^# ?$key =.*/s||$key = $value|" "$file"
	else
		printf '%s = %s\n' "$key" "$value" >>"$file"
	fi
}
# The upstream password: with the bundled CA on the same host, its reseller password.
install -m 0600 -o acme-caas -g acme-caas /etc/acme-caas/ca.reseller-pass /etc/acme-caas/caas.pass
# The TLS of this machine's test site is the stack's dev root.
install -m 0644 "$ACME_CA_BUNDLE" /etc/acme-caas/test-tls-root.pem
CC=/etc/acme-caas/center.conf CA=/etc/acme-caas/ca.conf
for kv in "db_socket $MYSQL_SOCKET" "db_name $DB_C" "db_user $DB_C" "log stderr" \
	"caas_api_base $CA_BASE" "caas_login reseller" "caas_ca_bundle /etc/acme-caas/test-tls-root.pem" \
	"smtp_url " "public_url $SITE" "allow_test_domains true"; do
	setkey "$CC" "${kv%% *}" "${kv#* }"
done
# A base path where the customer area supports one (README: mounted in a site).
BASE=
if grep -q '^base_path' "$ROOT/man/acme-caas-center.conf.5" 2>/dev/null ||
	grep -q '`base_path`' "$ROOT/docs/config.md"; then
	BASE=/acme-caas
	setkey "$CC" base_path "$BASE"
fi
for kv in "db_socket $MYSQL_SOCKET" "db_name $DB_CA" "db_user $DB_CA" "log stderr" "base_url $CA_BASE" \
	"crl_url http://127.0.0.1:$PLAIN_PORT/crl/issuing.crl" "aia_url http://127.0.0.1:$PLAIN_PORT/ca/issuing.pem" \
	"http01_port $H01_PORT" "tls_alpn01_port $ALPN_PORT" "allow_private_addresses true" \
	"terms_url $SITE/terms" "website_url $SITE/"; do
	setkey "$CA" "${kv%% *}" "${kv#* }"
done

# unit_get UNIT KEY: the values of KEY= in the installed unit, one a line.
unit_get() { sed -n "s/^$2=//p" "$UNITS/$1"; }
# unit_priv UNIT: AS (array) = setpriv with the unit's User=, Group= and
# SupplementaryGroups=, no capabilities and no new privileges, as systemd
# would run its commands.
unit_priv() {
	local user group supp
	user=$(unit_get "$1" User) group=$(unit_get "$1" Group)
	supp=$(unit_get "$1" SupplementaryGroups | tr ' ' ',')
	AS=(setpriv --reuid="$user" --regid="$group")
	if [[ -n "$supp" ]]; then
		AS+=(--groups="$supp")
	else
		AS+=(--clear-groups)
	fi
	AS+=(--no-new-privs --inh-caps=-all --bounding-set=-all --)
}
# as_unit UNIT CMD...: CMD as the unit would run it.
as_unit() {
	local unit=$1
	shift
	unit_priv "$unit"
	"${AS[@]}" "$@"
}
# run_unit UNIT: a oneshot unit's ExecStart=, its output in $W/UNIT.log.
run_unit() {
	local cmd
	read -r -a cmd <<<"$(unit_get "$1" ExecStart)"
	as_unit "$1" "${cmd[@]}" >"$W/$1.log" 2>&1
}

# ---- README step 4: the migrations, as the services' users (the default config paths)
check "caasctl migrate as acme-caas" runuser -u acme-caas -- caasctl migrate
check "caasctl-ca migrate as acme-caas-ca" runuser -u acme-caas-ca -- caasctl-ca migrate
is "the center schema is there" "$(sql "$DB_C" -e "SELECT COUNT(*) > 5 FROM schema_migrations")" 1

# ---- README step 5: start the daemons (here: the units' command lines by hand)
# notify_wait SOCK: wait for READY=1 on the datagram socket SOCK (30 s).
cat >"$W/notify.py" <<-'EOF'
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
	s.settimeout(30)
	open(sys.argv[1] + ".bound", "w").close()
	try:
	    while True:
	        msg = s.recv(4096).decode()
	        if "READY=1" in msg.split("\n"):
	            print("READY=1"); break
	except socket.timeout:
	    print("timeout")
EOF
# start_unit UNIT: RuntimeDirectory= made as systemd makes it, ExecStartPre=,
# then ExecStart= in the background with NOTIFY_SOCKET; 0 once it sent READY=1.
start_unit() {
	local unit=$1 rt mode user group cmd pre ns="$W/$1.notify" npid pid ans
	user=$(unit_get "$unit" User) group=$(unit_get "$unit" Group)
	rt=$(unit_get "$unit" RuntimeDirectory) mode=$(unit_get "$unit" RuntimeDirectoryMode)
	[[ -n "$rt" ]] && install -d -o "$user" -g "$group" -m "${mode:-0755}" "/run/$rt"
	while IFS= read -r pre; do
		[[ -n "$pre" ]] || continue
		read -r -a cmd <<<"$pre"
		as_unit "$unit" "${cmd[@]}" >>"$W/$unit.log" 2>&1 || { diag "$unit: ExecStartPre failed"; return 1; }
	done < <(unit_get "$unit" ExecStartPre)
	rm -f "$ns" "$ns.bound"
	/usr/bin/python3 "$W/notify.py" "$ns" >"$ns.out" &
	npid=$!
	for _ in $(seq 1 50); do [[ -e "$ns.bound" ]] && break; sleep 0.1; done
	read -r -a cmd <<<"$(unit_get "$unit" ExecStart)"
	unit_priv "$unit"
	# setsid and setpriv exec: $! is the daemon's master, the unit's main process.
	NOTIFY_SOCKET=$ns setsid "${AS[@]}" "${cmd[@]}" </dev/null >>"$W/$unit.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait "$npid"
	ans=$(cat "$ns.out")
	if [[ "$ans" != READY=1 ]]; then
		diag "$unit: no READY=1 ($ans); its log:"
		diag "$(tail -n 15 "$W/$unit.log")"
		return 1
	fi
}
for u in acme-caas-ca-signer acme-caas-ca-validator acme-caas-ca acme-caas-center; do
	check "$u starts from its unit's command line and notifies READY=1" start_unit "$u.service"
done
i=0
for d in ca-signer:acme-caas-signer ca-validator:acme-caas-validator ca-fcgi:acme-caas-ca center-fcgi:acme-caas; do
	pid=${PIDS[$i]:-0}
	i=$((i + 1))
	is "${d%%:*} runs as ${d#*:}, from /usr/sbin" \
		"$(ps -o user:32=,args= -p "$pid" | awk '{ print $1, $2 }')" "${d#*:} /usr/sbin/${d%%:*}"
	workers=$(pgrep -P "$pid" | wc -l)
	check "${d%%:*} has its workers, under the same user" test "$workers" -ge 1 -a \
		"$(ps -o user:32= --ppid "$pid" | sort -u)" = "${d#*:}"
done
check "the signer created the CA on its first start (ExecStartPre --init)" test -s /var/lib/acme-caas/ca/issuing.pem
is "its key is 0600, the signer's" "$(stat -c '%U %a' /var/lib/acme-caas/ca/issuing.key)" "acme-caas-signer 600"

# ---- item 4: the CA key is readable by the signer alone
fails() { ! "$@" >/dev/null 2>&1; }
check "as the ca-fcgi user (with its groups), reading the CA key fails" \
	fails as_unit acme-caas-ca.service cat /var/lib/acme-caas/ca/issuing.key
check "and so does reading the root key" fails as_unit acme-caas-ca.service cat /var/lib/acme-caas/ca/root.key
like "while it reads the issuing certificate" \
	"$(as_unit acme-caas-ca.service cat /var/lib/acme-caas/ca/issuing.pem 2>&1)" "BEGIN CERTIFICATE"
check "as the validator user, reading the EAB key fails" \
	fails as_unit acme-caas-ca-validator.service cat /etc/acme-caas/ca.eabkey
check "and so does reading the reseller password" \
	fails as_unit acme-caas-ca-validator.service cat /etc/acme-caas/ca.reseller-pass
check "the signer user can read neither the database password nor the EAB key (it starts without them)" \
	fails as_unit acme-caas-ca-signer.service cat /etc/acme-caas/ca.dbpass /etc/acme-caas/ca.eabkey
check "as the customer area's user, reading any CA secret fails" \
	bash -c "for f in ca.dbpass ca.eabkey ca.reseller-pass; do runuser -u acme-caas -- cat /etc/acme-caas/\$f >/dev/null 2>&1 && exit 1; done; exit 0"
# The CRL timer's command line: as acme-caas-ca, through the signer, into crl/.
check "acme-caas-ca-crl.service writes the CRL as acme-caas-ca (signer_clients)" run_unit acme-caas-ca-crl.service
is "the CRL is the ACME server's file" "$(stat -c %U /var/lib/acme-caas/ca/crl/issuing.crl 2>/dev/null)" acme-caas-ca
# A process in the socket's group but not in signer_clients: the signer hangs up on it.
cat >"$W/peer.py" <<-'EOF'
	import socket, struct, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(10)
	s.connect(sys.argv[1])
	body = b'{"op":"crl","revoked":[]}'
	try:
	    s.sendall(struct.pack(">I", len(body)) + body)
	    print("answered" if s.recv(4) else "closed")
	except (ConnectionResetError, BrokenPipeError):
	    print("closed")
EOF
got=$(setpriv --reuid=nobody --regid=nogroup --groups=acme-caas-signer --no-new-privs -- \
	/usr/bin/python3 "$W/peer.py" /run/acme-caas-signer/signer.sock 2>&1)
is "the signer closes a connection from a user outside signer_clients (SO_PEERCRED)" "$got" closed
like "and logs the refusal with the uid" "$(cat "$W/acme-caas-ca-signer.service.log")" \
	"refused a connection from uid $(id -u nobody)"
got=$(setpriv --reuid=acme-caas-ca --regid=acme-caas-ca --groups=acme-caas-signer --no-new-privs -- \
	/usr/bin/python3 "$W/peer.py" /run/acme-caas-signer/signer.sock 2>&1)
is "the same request from acme-caas-ca is answered" "$got" answered

# ---- README step 6: nginx, the snippets in a server {} of an existing site
N="$W/nginx"
# What ca-locations.conf says it needs in http {} (the reseller API's allowlist and rate).
CA_HTTP_NEEDS=
grep -q '^[^#]*\$ca_reseller_allowed' /usr/share/acme-caas/nginx/ca-locations.conf &&
	CA_HTTP_NEEDS+="    geo \$ca_reseller_allowed { default 0; 127.0.0.1 1; ::1 1; }"$'\n'
grep -q '^[^#]*zone=ca_reseller' /usr/share/acme-caas/nginx/ca-locations.conf &&
	CA_HTTP_NEEDS+="    limit_req_zone \$binary_remote_addr zone=ca_reseller:1m rate=50r/s;"$'\n'
# And what center-locations.conf says (the login rate limit).
grep -q '^[^#]*zone=center_login' /usr/share/acme-caas/nginx/center-locations.conf &&
	CA_HTTP_NEEDS+="    map \$request_method \$center_login_limit { POST \$binary_remote_addr; default \"\"; }
    limit_req_zone \$center_login_limit zone=center_login:10m rate=10r/s;"$'\n'
# Where the snippet does not serve the stylesheet itself, the server block does.
STATIC_LOCATION=
grep -q '^[[:space:]]*location [^#]*/static/' /usr/share/acme-caas/nginx/center-locations.conf ||
	STATIC_LOCATION="        location $BASE/static/ { alias /usr/share/acme-caas/static/; }"
mkdir -p "$N"/{client_body,proxy,fastcgi,uwsgi,scgi,logs}
cp "$STACK_DIR/tls/server.pem" "$STACK_DIR/tls/server.key" "$N/"
cat >"$N/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $N/logs/access.log;
    client_body_temp_path $N/client_body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    upstream center_fcgi { server unix:/run/acme-caas/center.sock; }
    upstream ca_fcgi { server unix:/run/acme-caas-ca/ca.sock; }
$CA_HTTP_NEEDS

    # The existing site, which mounts the customer area.
    server {
        listen 127.0.0.1:$C_PORT ssl;
        ssl_certificate $N/server.pem;
        ssl_certificate_key $N/server.key;
        location = /existing-site { return 200 "the existing site\n"; }
$STATIC_LOCATION
        include /usr/share/acme-caas/nginx/center-locations.conf;
    }
    server {
        listen 127.0.0.1:$CA_PORT ssl;
        ssl_certificate $N/server.pem;
        ssl_certificate_key $N/server.key;
        include /usr/share/acme-caas/nginx/ca-locations.conf;
    }
    server {
        listen 127.0.0.1:$PLAIN_PORT;
        location = /ca/issuing.pem { alias /var/lib/acme-caas/ca/issuing.pem; }
        location /crl/ { alias /var/lib/acme-caas/ca/crl/; types { application/pkix-crl crl; } }
    }
}
EOF
# The stack's fastcgi_params is Debian's; the snippets include it by name.
cp /etc/nginx/fastcgi_params "$N/"
if nginx -p "$N/" -c "$N/nginx.conf" -t >"$W/nginx-t.log" 2>&1 && nginx -p "$N/" -c "$N/nginx.conf" 2>>"$W/nginx-t.log"; then
	for _ in $(seq 1 50); do [[ -s "$N/nginx.pid" ]] && break; sleep 0.1; done
	NGINX_PID=$(cat "$N/nginx.pid")
	ok "nginx -t and start with the installed snippets included"
else
	not_ok "nginx -t and start with the installed snippets included" "$(cat "$W/nginx-t.log")"
	done_testing
fi
# Every curl of this script (tests/lib.sh's http and login too) trusts the dev root.
export CURL_CA_BUNDLE=$ACME_CA_BUNDLE
CURL=()
CENTER_URL="$SITE$BASE"
http GET /login "${CURL[@]}"
is "the login page answers through the snippet (nginx as www-data reaches the socket)" "$HTTP_STATUS" 200
is "the existing site still answers its own path" \
	"$(curl -sS "${CURL[@]}" "$SITE/existing-site")" "the existing site"
is "static files are served" "$(curl -sS -o /dev/null -w '%{http_code}' "${CURL[@]}" "$SITE$BASE/static/center.css")" 200
is "the CA's directory answers through ca-locations.conf" \
	"$(curl -sS "${CURL[@]}" "$CA_BASE/v2/DV" | jq -r .newNonce)" "$CA_BASE/v2/DV/new-nonce"
check "caasctl upstream-servers as acme-caas lists the installed CA's directories" \
	bash -c "runuser -u acme-caas -- caasctl upstream-servers | grep -q '$CA_BASE/v2/DV'"
if runuser -u acme-caas -- caasctl help 2>&1 | grep -q upstream-check; then
	out=$(runuser -u acme-caas -- caasctl upstream-check 2>&1)
	like "caasctl upstream-check as acme-caas: no check fails" "$out" "upstream-check: 0 checks failed"
fi

# ---- README step 7: the first login, a subscription, certbot, the certificate
PW="$W/pw"
printf '%s\n' "pw-$R-secret" >"$PW"
chmod 644 "$PW"
ACC=$(runuser -u acme-caas -- caasctl account-add --name "Install test $R" --type deposit --vat-bp 2000 --balance-cents 100000)
runuser -u acme-caas -- caasctl user-add --account "$ACC" --login "inst-$R" --password-file "$PW" >/dev/null
check "the first customer logs in through the installed site" login "inst-$R" "pw-$R-secret"
http GET /acme/new "${CURL[@]}"
TOKEN=$(grep -o 'name="form_token" value="[^"]*"' "$HTTP_BODY" | head -n1 | sed 's/.*value="//; s/"$//')
CSRF=$(csrf_token)
DOM="www.$R.test"
# A production validator resolves with the system resolver (resolve= is a
# test hook its build does not have): the name goes into /etc/hosts, removed
# on exit, and allow_private_addresses lets it validate on loopback.
printf '127.0.0.1 %s # t97-install\n' "$DOM" >>/etc/hosts
HOSTS_ADDED=1
http POST /acme/new "${CURL[@]}" --data-urlencode "csrf=$CSRF" --data-urlencode "form_token=$TOKEN" \
	-d type=DV --data-urlencode "organization_id=" --data-urlencode "name=Install $R" \
	--data-urlencode "domains=$DOM" -d action=subscribe
is "the subscription is created on the page (201)" "$HTTP_STATUS" 201
xp() { xmllint --html --xpath "string($1)" "$HTTP_BODY" 2>/dev/null; }
KID=$(xp "//*[@id='eab-kid']") HMAC=$(xp "//*[@id='eab-hmac']") SERVER=$(xp "//*[@id='acme-server']")
is "it shows the installed CA's DV directory" "$SERVER" "$CA_BASE/v2/DV"
check "and the EAB credentials" test -n "$KID" -a ${#HMAC} -ge 32
SUB=$(sql "$DB_C" -e "SELECT id FROM subscriptions WHERE account_id = $ACC")
CB="$W/certbot"
if REQUESTS_CA_BUNDLE=$ACME_CA_BUNDLE timeout 90 certbot --non-interactive --config-dir "$CB/config" \
	--work-dir "$CB/work" --logs-dir "$CB/logs" --server "$SERVER" certonly --standalone \
	--http-01-address 127.0.0.1 --http-01-port "$H01_PORT" --agree-tos -m "admin@$DOM" \
	--eab-kid "$KID" --eab-hmac-key "$HMAC" -d "$DOM" >"$W/certbot.log" 2>&1; then
	ok "certbot issues $DOM with the credentials shown"
else
	not_ok "certbot issues $DOM with the credentials shown" "$(tail -n 20 "$W/certbot.log")
$(tail -n 10 "$W/acme-caas-ca-validator.service.log")"
fi
SERIAL=$(openssl x509 -in "$CB/config/live/$DOM/cert.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr 'A-F' 'a-f')
check "the certificate chains to the installed CA's issuing certificate" \
	openssl verify -partial_chain -CAfile /var/lib/acme-caas/ca/issuing.pem "$CB/config/live/$DOM/cert.pem"
check "acme-caas-center-sync.service (the timer's command line) pulls it" run_unit acme-caas-center-sync.service
http GET "/acme/$SUB" "${CURL[@]}"
is "the details page answers" "$HTTP_STATUS" 200
body=$(tr 'A-F' 'a-f' <"$HTTP_BODY")
like "it shows the certificate: an SGACME- reference" "$(cat "$HTTP_BODY")" "SGACME-"
like "with certbot's serial" "$body" "$SERIAL"

# Every daemon is still up; then a graceful stop, as systemctl stop would do it.
alive=0
for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
is "the four daemons are still running" "$alive" 4
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
stopped=0
for pid in "${PIDS[@]}"; do
	for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null || stopped=$((stopped + 1))
done
is "and stop on SIGTERM" "$stopped" 4
diag "install test: ${SECONDS} s in all"
check "no secret appears in the daemons' logs" bash -c "! grep -rqF -e '$HMAC' -e '$(cat /etc/acme-caas/ca.reseller-pass)' '$W'/acme-caas-*.log"

done_testing
