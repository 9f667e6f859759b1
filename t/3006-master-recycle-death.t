#!/bin/sh
# SPDX-License-Identifier: MIT
# 3006-master-recycle-death: max_calls_per_worker recycles a worker;
# when the master is SIGKILLed its workers exit.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

test_expect_success 'a worker recycles itself after max_calls_per_worker' '
	write_config rvirtd.conf start_workers=1 min_spare_workers=1 \
		max_spare_workers=1 max_calls_per_worker=3 &&
	start_rvirtd &&
	wait_until 30 "test \$(worker_pids idle | wc -l) -eq 1" &&
	first=$(worker_pids) &&
	for i in 1 2 3; do rawrpc -t 5 "$RVIRTD_SOCK" call >r$i || exit 1; done &&
	test_wait_exit_ $first 50 &&
	wait_until 50 "test -n \"\$(worker_pids idle)\"" &&
	test "$(worker_pids)" != "$first" &&
	rawrpc -t 5 "$RVIRTD_SOCK" call >r4 &&
	echo "accepted SUCCESS" >want && test_cmp want r4 &&
	rvirtd_status >status && test_grep " 0 crashed" status
'

test_expect_success 'the master dies: its workers exit' '
	worker_pids >workers && test -s workers &&
	kill_rvirtd &&
	for p in $(cat workers); do test_wait_exit_ $p 50 || exit 1; done &&
	no_rvirtd_left
'

test_done
