#!/bin/sh
# SPDX-License-Identifier: MIT
# 2006-pool-overflow: a worker that takes connections beyond its slots
# asks the master for more workers at once (SIGUSR1), instead of waiting
# for the master's once-a-second look; a worker at its hard limit leaves
# new connections to workers with room instead of refusing them
# (doc/architecture.md, "Connection budgets").  The test looks at what
# happened (the master's log, refusals), never at how fast.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
. "$RVIRT_SRC/t/lib-conns.sh"

# One worker in all: nothing else can take the third connection, so the
# worker must overflow and ask (the master then has no room to fork; the
# benchmark t/perf/conns.sh shows what the ask buys in a real pool).
test_expect_success 'one worker with 2 slots' '
	write_config rvirtd.conf log_level=1 start_workers=1 max_workers=1 \
		min_spare_workers=1 max_spare_workers=1 \
		max_clients_per_worker=2 &&
	start_rvirtd
'

test_expect_success 'a third connection makes the worker ask the master' '
	pids= &&
	for i in 1 2 3; do
		hold c$i && pids="$pids $!" || exit 1
	done &&
	wait_until 600 "test \$(cat c*.out | grep -c \"^test:///default\") -ge 3" &&
	wait_until 600 "grep -q \"a worker holds more than its slots\" \"\$RVIRTD_LOG\"" &&
	touch go &&
	for p in $pids; do wait $p || exit 1; done
'

test_expect_success 'no connection was refused' '
	! grep "refusing a connection\|closing a connection" "$RVIRTD_LOG"
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

# Two workers of max_clients = 4: room for 8.  The one that fills up
# first must step back at 4 while the other has fewer, every time.
test_expect_success 'two workers, 2 slots and a hard limit of 4 each' '
	rm -f go c*.out &&
	write_config rvirtd.conf start_workers=2 max_workers=2 \
		min_spare_workers=0 max_spare_workers=2 \
		max_clients_per_worker=2 max_clients=4 &&
	start_rvirtd
'

test_expect_success '8 sessions, one after the other: all held, none refused' '
	pids= &&
	for i in 1 2 3 4 5 6 7 8; do
		hold c$i && pids="$pids $!" &&
		wait_until 600 "grep -q \"^test:///default\" c$i.out" || exit 1
	done &&
	touch go &&
	for p in $pids; do wait $p || exit 1; done &&
	! grep "refusing a connection\|closing a connection" "$RVIRTD_LOG"
'

test_expect_success 'stop rvirtd again' '
	stop_rvirtd
'

test_done
