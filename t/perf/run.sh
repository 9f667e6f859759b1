#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/run.sh: the benchmarks, run by `make perf`.  Prints numbers and
# ratios against baselines measured in the same run; never pass/fail.

. "$(dirname "$0")/../test-lib.sh"

SECONDS_EACH=${RVIRT_PERF_SECONDS:-3}
NULL_RTT=$RVIRT_BUILD/t/perf/null-rtt

write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1

echo "== NULL calls, one client, unix socket"
"$NULL_RTT" "test:///default?socket=$RVIRTD_SOCK" "$SECONDS_EACH" "$RVIRTD_PID"
echo
echo "== NULL calls, one client, TCP on 127.0.0.1"
"$NULL_RTT" "test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" "$SECONDS_EACH" "$RVIRTD_PID"

stop_rvirtd
