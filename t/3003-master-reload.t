#!/bin/sh
# SPDX-License-Identifier: MIT
# 3003-master-reload: HUP with a broken config logs the error and keeps
# everything as it was; HUP with a good one bumps the generation and
# replaces every worker; socket keys are left as they were.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
RVSH=$RVIRT_BUILD/rvsh

test_expect_success 'start' '
	write_config rvirtd.conf start_workers=2 &&
	start_rvirtd &&
	wait_until 30 "test \$(worker_pids idle | wc -l) -eq 2" &&
	worker_pids >gen0 &&
	test "$(rvirtd_generation)" = 0
'

test_expect_success 'HUP with a broken config: error logged, nothing changes' '
	cp rvirtd.conf good.conf &&
	echo "max_workers = \"many\"" >>rvirtd.conf &&
	kill -HUP $RVIRTD_PID &&
	wait_until 50 "grep -q \"reload failed: .*rvirtd.conf:[0-9]*: \" \"$RVIRTD_LOG\"" &&
	test "$(rvirtd_generation)" = 0 &&
	worker_pids >now && test_cmp gen0 now &&
	"$RVSH" list --all >out && test_grep " test " out
'

test_expect_success 'HUP with a good config: generation 1, old workers gone' '
	write_config rvirtd.conf start_workers=3 max_spare_workers=3 tcp_port=1 &&
	kill -HUP $RVIRTD_PID &&
	wait_until 50 "test \"\$(rvirtd_generation)\" = 1" &&
	for p in $(cat gen0); do test_wait_exit_ $p 50 || exit 1; done &&
	wait_until 50 "test \$(worker_pids | wc -l) -eq 3" &&
	worker_pids >gen1 &&
	! grep -x -f gen0 gen1 &&
	test_grep "needs a restart" "$RVIRTD_LOG" &&
	"$RVSH" list --all >out && test_grep " test " out
'

test_done
