#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/pool.sh: NULL calls/s at 32 busy clients (each its own
# connection, unix socket), the shipped pool defaults against pools
# sized by hand (start_workers = max_workers = W), all in the same run.
# Prints numbers and the ratio to the best hand-sized pool; never
# pass/fail.

. "$(dirname "$0")/../test-lib.sh"

LOAD=$RVIRT_BUILD/t/perf/load
SECS=${RVIRT_PERF_SECONDS:-3}
CLIENTS=${RVIRT_PERF_POOL_CLIENTS:-32}

rate () {
	sed -n 's/.*: \([0-9]*\) calls\/s.*/\1/p' "$1"
}

echo "== NULL calls/s, $CLIENTS busy clients, ${SECS}s each: the shipped pool against pools sized by hand"
best=0
best_w=
for w in stock 2 4 8 16 stock; do
	if test $w = stock; then
		write_config rvirtd.conf log_level=3 log_outputs=3:stderr
	else
		write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
			start_workers=$w max_workers=$w min_spare_workers=0 \
			max_spare_workers=$w
	fi
	start_rvirtd rvirtd.conf >/dev/null || exit 1
	"$LOAD" calls "test:///default?socket=$RVIRTD_SOCK" "$CLIENTS" \
		"$SECS" >pool.out
	r=$(rate pool.out)
	n=$(worker_pids | wc -l)
	stop_rvirtd
	echo "pool $w: $r calls/s ($n workers at the end)"
	if test $w = stock; then
		stock=$r
	elif test "$r" -gt "$best"; then
		best=$r
		best_w=$w
	fi
done
echo "shipped pool (second run) / best hand-sized pool ($best_w workers): $(awk -v a="$stock" -v b="$best" 'BEGIN { printf "%.2f", b ? a / b : 0 }') (issue's target: >= 0.9)"
