#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/sessions.sh: the sessions benchmarks of `make perf` (run.sh runs
# it): mutating calls/s with store_sync full and relaxed, the time from
# rvirtd listening again to a client's call completing, and the store's
# size after a million recorded replies expired.

. "$(dirname "$0")/../test-lib.sh"

ROUNDS=${RVIRT_PERF_SESSION_ROUNDS:-1000}

now_ms () {
	echo $(($(date +%s%N) / 1000000))
}

echo "== mutating calls/s (define, start, destroy, undefine; one client), store_sync full vs relaxed"
for mode in full relaxed; do
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
		store_sync=$mode
	rm -rf "$TRASH/state"
	start_rvirtd rvirtd.conf || exit 1
	t0=$(now_ms)
	"$RVIRT_BUILD/t/tools/sessload" -n "$ROUNDS" -k 0 -p "$mode" >load.out ||
		exit 1
	ms=$(($(now_ms) - t0))
	calls=$(sed -n 's/.*calls=\([0-9]*\) .*/\1/p' load.out)
	rate=$((calls * 1000 / (ms ? ms : 1)))
	echo "$mode: $calls calls in $ms ms, $rate calls/s"
	eval "rate_$mode=$rate"
	stop_rvirtd
done
echo "relaxed / full: $(awk -v a="$rate_relaxed" -v b="$rate_full" 'BEGIN { printf "%.1f", a / b }')"

echo
echo "== from rvirtd listening again (after SIGKILL of all its processes) to a client's call completing, unix socket"
echo "(before the fast-first back-off: 52 ms median after the ready line, issue 14)"
write_config rvirtd.conf log_level=3 log_outputs=3:stderr
"$RVIRT_BUILD/t/perf/reconnect" "$RVIRT_BUILD/rvirtd" "$TRASH/rvirtd.conf" \
	"$TRASH/run/rvirt-sock" "$TRASH/reconnect.log" 8
echo
echo "== the same over TCP on 127.0.0.1 (a fixed port)"
write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd rvirtd.conf >/dev/null || exit 1
port=$RVIRTD_TCP_PORT
stop_rvirtd
write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr tcp_port=$port
"$RVIRT_BUILD/t/perf/reconnect" "$RVIRT_BUILD/rvirtd" "$TRASH/rvirtd.conf" \
	"test+tcp://127.0.0.1:$port/default" "$TRASH/reconnect.log" 8

echo
echo "== store size after a million recorded replies expired"
mkdir -p "$TRASH/gc"
"$RVIRT_BUILD/t/tools/storegc" "$TRASH/gc" 1000000
