#!/usr/bin/env bash
# `make distcheck` (issue 12, item 1): the release tarball builds out of tree
# from a read-only source, its unit tests pass, and make install / uninstall
# with DESTDIR leave nothing behind. Then the installed tree itself: daemons in
# sbindir, CLIs in bindir, data under datadir/acme-caas, examples under
# sysconfdir/acme-caas with the configured paths, units, man pages.
. "$ROOT/tests/lib.sh"
# What this builds and installs is a production build (no test hooks), which
# refuses the test stack's clock hooks: they are for the test build only.
unset CAAS_CLOCK_OFFSET_FILE CAAS_NOW

if [[ ! -f "$BUILD_DIR/Makefile" ]]; then
	not_ok "a configured build in $BUILD_DIR" "run through ./dev test"
	done_testing
fi

log="$TEST_TMP/distcheck.log"
t0=$SECONDS
if make -C "$BUILD_DIR" -j2 distcheck >"$log" 2>&1; then
	ok "make distcheck passes ($((SECONDS - t0)) s)"
else
	not_ok "make distcheck passes" "$(grep -E 'error|Error|FAIL' "$log" | head -n 15)"
fi
check "it leaves the release tarball" test -s "$BUILD_DIR/acme-caas-0.1.0.tar.gz"
listing=$(tar -tzf "$BUILD_DIR/acme-caas-0.1.0.tar.gz" 2>/dev/null)
for f in debian/control debian/rules man/caasctl.1 etc/systemd/acme-caas-center.service \
	etc/sysusers.d/acme-caas-ca.conf schema/center/0001_foundation.sql tests/integration/97-install.sh; do
	like "the tarball has $f" "$listing" "acme-caas-0.1.0/$f"
done
check "and no object, test program or npm module of a build" \
	bash -c "! grep -E '\\.o\$|/\\.deps/|node_modules|tests/unit/test-[a-z-]+\$' <<<'$listing'"

# make install into a prefix of our own: the layout of item 1.
D="$TEST_TMP/destdir"
prefix=/opt/acme-caas-t96
if make -C "$BUILD_DIR" install DESTDIR="$D" prefix="$prefix" >"$TEST_TMP/install.log" 2>&1; then
	ok "make install DESTDIR=… prefix=$prefix"
else
	not_ok "make install DESTDIR=… prefix=$prefix" "$(tail -n 15 "$TEST_TMP/install.log")"
fi
for p in center-fcgi ca-fcgi ca-signer ca-validator; do
	check "daemon $p in sbindir" test -x "$D$prefix/sbin/$p"
done
for p in caasctl caasctl-ca; do
	check "CLI $p in bindir" test -x "$D$prefix/bin/$p"
done
check "views, both schemas and static files under datadir/acme-caas" test -s "$D$prefix/share/acme-caas/views/layout.xsl" \
	-a -s "$D$prefix/share/acme-caas/schema/center/0001_foundation.sql" \
	-a -s "$D$prefix/share/acme-caas/schema/ca/0001_acme.sql" -a -s "$D$prefix/share/acme-caas/static/center.css"
is "every migration of the tree is installed" \
	"$(cd "$D$prefix/share/acme-caas/schema" && find . -name '*.sql' | sort | tr '\n' ' ')" \
	"$(cd "$ROOT/schema" && find . -name '*.sql' | sort | tr '\n' ' ')"
check "the nginx snippets under datadir/acme-caas/nginx" test -s "$D$prefix/share/acme-caas/nginx/center-locations.conf" \
	-a -s "$D$prefix/share/acme-caas/nginx/ca-locations.conf"
ex="$D$prefix/etc/acme-caas/center.conf.example"
check "example configs under sysconfdir/acme-caas" test -s "$ex" -a -s "$D$prefix/etc/acme-caas/ca.conf.example"
like "the example names the installed views" "$(cat "$ex" 2>/dev/null)" "views_dir = $prefix/share/acme-caas/views"
unitdir=$(sed -n 's/^systemdsystemunitdir = //p' "$BUILD_DIR/Makefile")
unit="$D$unitdir/acme-caas-center.service"
like "units under systemd's unit directory ($unitdir), with the installed paths" \
	"$(grep '^ExecStart=' "$unit" 2>/dev/null)" "ExecStart=$prefix/sbin/center-fcgi -f $prefix/etc/acme-caas/center.conf"
n=$(find "$D$unitdir" -name 'acme-caas-*.service' | wc -l)
is "a unit for each of the 4 daemons and 11 jobs" "$n" 15
for m in man1/caasctl.1 man1/caasctl-ca.1 man5/acme-caas-center.conf.5 man5/acme-caas-ca.conf.5 \
	man8/center-fcgi.8 man8/ca-fcgi.8 man8/ca-signer.8 man8/ca-validator.8; do
	w=$(man --warnings -l "$D$prefix/share/man/$m" 2>&1 >/dev/null)
	is "man page $m renders without warnings" "$w" ""
done
# Every key of the programs' key tables is in its configuration page.
missing=
for k in $(grep -o '^	K([a-z0-9_]*' "$ROOT/fcgi/center/cconf.c" | cut -c4-); do
	grep -q "^\.B $k\$" "$ROOT/man/acme-caas-center.conf.5" || missing+=" $k"
done
is "acme-caas-center.conf(5) lists every key of fcgi/center/cconf.c" "$missing" ""
missing=
for k in $(grep -o '^	K([a-z0-9_]*' "$ROOT/fcgi/ca/caconf.c" | cut -c4-); do
	grep -q "^\.B $k\$" "$ROOT/man/acme-caas-ca.conf.5" || missing+=" $k"
done
is "acme-caas-ca.conf(5) lists every key of fcgi/ca/caconf.c" "$missing" ""
mkdir -p "$TEST_TMP/man"
out=$(cd "$ROOT" && python3 man/gen-conf-pages "$TEST_TMP/man" 2>&1 &&
	diff -u man/acme-caas-center.conf.5 "$TEST_TMP/man/acme-caas-center.conf.5" &&
	diff -u man/acme-caas-ca.conf.5 "$TEST_TMP/man/acme-caas-ca.conf.5")
is "the configuration pages are up to date with docs/ (man/gen-conf-pages changes nothing)" "$out" ""
if make -C "$BUILD_DIR" uninstall DESTDIR="$D" prefix="$prefix" >/dev/null 2>&1; then
	left=$(find "$D" -type f | head -n 5)
	is "make uninstall removes every file it installed" "$left" ""
else
	not_ok "make uninstall runs"
fi

done_testing
