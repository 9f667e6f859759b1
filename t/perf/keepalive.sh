#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/keepalive.sh: NULL calls/s with librvirt's keepalive on (the
# default 5 s x 5, and an eager 1 s x 2) against off
# (keepalive_interval=0), 1 and 8 clients on the unix socket, in the
# same run, in alternating order (off, on, off, on) so drift shows.
# Prints numbers and the ratio on/off; never pass/fail.

. "$(dirname "$0")/../test-lib.sh"

LOAD=$RVIRT_BUILD/t/perf/load
SECS=${RVIRT_PERF_SECONDS:-3}

rate () {
	sed -n 's/.*: \([0-9]*\) calls\/s.*/\1/p' "$1"
}

write_config rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd rvirtd.conf >/dev/null || exit 1
base="test:///default?socket=$RVIRTD_SOCK"
echo "== NULL calls/s with keepalive on and off, ${SECS}s each, two passes"
for c in 1 8; do
	for ka in off default eager off default eager; do
		case $ka in
		off) uri="$base&keepalive_interval=0" ;;
		default) uri="$base" ;;
		eager) uri="$base&keepalive_interval=1&keepalive_count=2" ;;
		esac
		"$LOAD" calls "$uri" "$c" "$SECS" >ka.out
		r=$(rate ka.out)
		echo "clients $c, keepalive $ka: $r calls/s"
		eval "sum_$ka=\$((\${sum_$ka:-0} + r))"
	done
	echo "clients $c: default/off $(awk -v a="$sum_default" -v b="$sum_off" 'BEGIN { printf "%.3f", b ? a / b : 0 }'), eager/off $(awk -v a="$sum_eager" -v b="$sum_off" 'BEGIN { printf "%.3f", b ? a / b : 0 }')"
	sum_off=0 sum_default=0 sum_eager=0
done
stop_rvirtd
