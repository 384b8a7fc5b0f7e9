#!/usr/bin/env bash
# The prefork daemon: a killed worker is replaced and service goes on.
. "$ROOT/tests/lib.sh"

master=$(cat "$STACK_DIR/run/center.pid")
check "the master is running" kill -0 "$master"
workers() { pgrep -P "$master" | sort; }
before=$(workers | wc -l)
check "the master has workers" test "$before" -ge 1
victim=$(workers | head -n1)
kill -9 "$victim"
replaced=no
for _ in $(seq 1 40); do
	now=$(workers)
	if [[ $(wc -l <<<"$now") -eq $before ]] && ! grep -qx "$victim" <<<"$now"; then replaced=yes; break; fi
	sleep 0.25
done
is "a killed worker is replaced" "$replaced" yes
all=200
for _ in $(seq 1 10); do
	http GET /healthz
	[[ "$HTTP_STATUS" == 200 ]] || all=$HTTP_STATUS
done
is "requests keep being served" "$all" 200
check "the respawn is logged" grep -q "killed by signal 9; respawning" "$STACK_DIR/log/center.log"

done_testing
