#!/bin/sh
# SPDX-License-Identifier: MIT
# 3002-master-grow-shrink: with one connection per worker, 8 clients
# holding connections make the pool grow; once they leave it shrinks
# back to max_spare_workers idle workers, as `rvirtd status` shows; the
# Prometheus output under that load is well formed.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

test_expect_success 'start: 1 worker, 1 connection each' '
	write_config rvirtd.conf start_workers=1 min_spare_workers=1 \
		max_spare_workers=2 max_workers=12 max_clients_per_worker=1 &&
	start_rvirtd &&
	wait_until 30 "test \$(worker_pids | wc -l) -eq 1"
'

test_expect_success '8 clients holding connections: the pool grows to 9' '
	pids= &&
	for i in 1 2 3 4 5 6 7 8; do
		rawrpc -t 20 "$RVIRTD_SOCK" call sleep 10 call >hold$i &
		pids="$pids $!"
	done &&
	wait_until 90 "test \$(worker_pids | wc -l) -ge 9" &&
	rvirtd_status >status &&
	cat status &&
	test "$(awk "\$5 == 1" status | wc -l)" -eq 8 &&
	rvirtd_status --format=prometheus >prom &&
	perl "$RVIRT_SRC/t/tools/promcheck.pl" prom &&
	for p in $pids; do wait $p || exit 1; done &&
	for i in 1 2 3 4 5 6 7 8; do
		printf "accepted SUCCESS\naccepted SUCCESS\n" >want &&
		test_cmp want hold$i || exit 1
	done
'

test_expect_success 'idle again: it shrinks back to max_spare_workers' '
	wait_until 150 "test \$(worker_pids | wc -l) -le 2" &&
	worker_pids >left &&
	test_line_count = 2 left
'

test_done
