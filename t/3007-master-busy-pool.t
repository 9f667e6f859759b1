#!/bin/sh
# SPDX-License-Identifier: MIT
# 3007-master-busy-pool: the pool counts a worker as spare by the time it
# is awake (busy_ns in the scoreboard), not by whether it holds a
# connection: 64 connections that send nothing leave their worker spare,
# so the extra worker forked while it was unmeasured is retired again;
# busy clients make the pool grow.  Waits have generous timeouts; no
# figure of speed is asserted.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

test_expect_success 'start: 1 worker, 1 spare wanted, at most 1 spare' '
	write_config rvirtd.conf start_workers=1 min_spare_workers=1 \
		max_spare_workers=1 max_workers=4 max_clients_per_worker=100 \
		idle_timeout=0 log_level=1 log_outputs=1:stderr &&
	start_rvirtd &&
	wait_until 100 "test \$(worker_pids | wc -l) -eq 1"
'

# hold N: open N connections to the socket and keep them, quiet, until
# the file stop exists (at most 120 s); ready tells they are all open.
test_expect_success '64 quiet connections on the one worker' '
	rm -f ready stop &&
	{ perl -MIO::Socket::UNIX -e "
		my @s;
		for (1 .. 64) {
			my \$c = IO::Socket::UNIX->new(Peer => \$ARGV[0])
				or die qq(connect: \$!\n);
			push @s, \$c;
		}
		open(my \$f, q(>), \$ARGV[1]) or die; close(\$f);
		for (1 .. 1200) { last if -e \$ARGV[2]; select(undef, undef, undef, 0.1) }
	" "$RVIRTD_SOCK" ready stop & holder=$!; } &&
	echo $holder >holder.pid &&
	wait_until 100 "test -f ready" &&
	wait_until 100 "rvirtd_status | awk \"\\\$5 == 64\" | grep -q ."
'

# The master logs its view of the pool at debug level when it changes.
test_expect_success 'the worker holding them counts as spare: no second worker' '
	wait_until 300 "grep -q \"pool: 1 workers, 1 spare, 64 connections\" \"\$RVIRTD_LOG\"" &&
	rvirtd_status >status &&
	cat status &&
	test "$(worker_pids | wc -l)" -eq 1
'

test_expect_success 'the connections are still served' '
	touch stop && wait "$(cat holder.pid)" &&
	"$RVIRT_BUILD/rvsh" list --all
'

test_expect_success 'busy clients make the pool grow' '
	rm -f stop &&
	{ "$RVIRT_BUILD/t/perf/load" calls \
		"test:///default?socket=$RVIRTD_SOCK" 16 150 >load.out 2>&1 &
		loader=$!; } &&
	# Generous: on a loaded machine the clients themselves may be too
	# slow to keep the worker busy for a while.
	# On failure: what the clients did and what the master saw.
	{ wait_until 1500 "test \$(worker_pids | wc -l) -ge 2" || {
		sed "s/^/# load: /" load.out
		grep "pool:" "$RVIRTD_LOG" | tail -20 | sed "s/^/# /"
		false
	}; } &&
	kill $loader && { wait $loader || :; } &&
	rvirtd_status
'

test_expect_success 'rvirtd stops cleanly at the end' '
	stop_rvirtd
'

test_done
