#!/usr/bin/env bash
# The build enforces the parts (docs/architecture.md): each part compiles with
# only the include paths it may use, so that billing cannot see the customer
# area or the CA, the customer area cannot see the CA, and shared code sees
# none of them. The probes of tests/boundaries/ are compiled with the very
# command of the build ("make boundary-flags" in $BUILD_DIR prints it per
# part): every deny-* probe must fail, naming the header it may not see, and
# every allow-* probe must compile. Sources reach headers by their include
# paths only: no "../" and no "fcgi/" in an #include.
. "$ROOT/tests/lib.sh"

PROBES="$ROOT/tests/boundaries"
declare -A CMD=()
while read -r part cmd; do
	[[ -n "$part" ]] && CMD[$part]=$cmd
done < <(make -s -C "$BUILD_DIR" boundary-flags 2>/dev/null)

for part in common billing center ca; do
	check "the build reports the compile command of $part" test -n "${CMD[$part]:-}"
done

# probe FILE: compile FILE with its part's command; output in $TEST_TMP/cc.log.
probe() {
	local name part
	name=$(basename "$1" .c)
	part=${name#*-}
	part=${part%%-*}
	# shellcheck disable=SC2086
	(cd "$BUILD_DIR" && ${CMD[$part]} -c "$1" -o "$TEST_TMP/probe.o") >"$TEST_TMP/cc.log" 2>&1
}

for f in "$PROBES"/deny-*.c; do
	name=$(basename "$f" .c)
	hdr=$(sed -n 's/^#include "\([^"]*\)"$/\1/p' "$f" | grep -v '^config.h$' | head -n1)
	if probe "$f"; then
		not_ok "$name: a part including \"$hdr\" does not compile" "it compiled"
	else
		like "$name: a part including \"$hdr\" does not compile: the header is not found" \
			"$(cat "$TEST_TMP/cc.log")" "$hdr: No such file or directory"
	fi
done

for f in "$PROBES"/allow-*.c; do
	name=$(basename "$f" .c)
	check "$name: a part including what it may see compiles" probe "$f" ||
		diag "$(cat "$TEST_TMP/cc.log")"
done
check "there are deny probes for billing, center and common" \
	test -e "$PROBES/deny-billing-center.c" -a -e "$PROBES/deny-center-acme.c" \
	-a -e "$PROBES/deny-center-reseller.c" -a -e "$PROBES/deny-common-billing.c"

relative=$(cd "$ROOT" && grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<](\.\./|\./|fcgi/)' fcgi/ || true)
is "no source under fcgi/ includes a header by a relative path or by fcgi/" "$relative" ""
check "the relative-include check sees includes at all" \
	grep -rqE '^#include "core/subs.h"' "$ROOT/fcgi/center"

done_testing
