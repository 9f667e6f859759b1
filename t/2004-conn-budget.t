#!/bin/sh
# SPDX-License-Identifier: MIT
# 2004-conn-budget: connection budgets (doc/architecture.md).  More
# connections than max_workers x max_clients_per_worker are all served;
# a flood of idle connections on the read-only socket does not keep a
# client of the read-write socket out; stalled connections are shed so
# that a new client gets through.  Nothing here is timed.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
. "$RVIRT_SRC/t/lib-conns.sh"
FLOOD=$RVIRT_BUILD/t/tools/connflood

# flood MODE N SOCKET NAME: connflood in the background, holding its
# connections until NAME.stop exists; its pid in NAME.pid.
flood () {
	{
		i=0
		while ! test -f "$4.stop" && test $i -lt 1200; do
			sleep 0.1
			i=$((i + 1))
		done
	} | "$FLOOD" "$1" "$2" "$3" >"$4.out" 2>"$4.err" &
	echo $! >"$4.pid"
}

test_expect_success '2 workers x 4 slots: 20 connections are all served' '
	write_config rvirtd.conf start_workers=2 max_workers=2 \
		min_spare_workers=0 max_spare_workers=2 \
		max_clients_per_worker=4 &&
	start_rvirtd &&
	pids= &&
	for i in $(seq 20); do
		hold c$i && pids="$pids $!" || exit 1
	done &&
	wait_until 600 "test \$(cat c*.out | grep -c \"^test:///default\") -ge 20" &&
	touch go &&
	for p in $pids; do wait $p || exit 1; done &&
	test $(cat c*.out | grep -c "^test:///default") = 40 &&
	stop_rvirtd
'

test_expect_success 'start one worker with max_clients = 40' '
	rm -f go &&
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 max_clients=40 \
		message_timeout=3600 &&
	start_rvirtd
'

test_expect_success 'a flood of idle connections on the read-only socket' '
	flood idle 200 "$RVIRTD_SOCK_RO" ro &&
	wait_until 600 "grep -q held ro.out" &&
	cat ro.out
'

test_expect_success 'does not keep a read-write client out' '
	timeout 120 "$RVSH" uri >rw.out 2>rw.err &&
	echo "test:///default" >expect &&
	test_cmp expect rw.out
'

# 40 - 40/8: 35 served, and at most 16 more held to be refused.
test_expect_success 'read-only connections beyond their share are refused or shed' '
	test_grep "refusing a connection\|to make room on .*rvirt-sock-ro\|at once" \
		"$RVIRTD_LOG" &&
	touch ro.stop &&
	wait $(cat ro.pid) &&
	open=$(sed -n "s/^open //p" ro.out) &&
	echo "read-only connections still open: $open" &&
	test "$open" -le $((35 + 16))
'

test_expect_success 'stalled connections fill the worker' '
	flood stalled 40 "$RVIRTD_SOCK" st &&
	wait_until 600 "grep -q \"held 40\" st.out"
'

# message_timeout is an hour: only shedding can let the client in.
# A stalled connection is shed once it has been quiet for a second; a
# client that comes sooner gets the refusal and tries again.
test_expect_success 'a new client gets through: the oldest stalled one is shed' '
	wait_until 600 "timeout 60 \"$RVSH\" uri >new.out 2>new.err" &&
	echo "test:///default" >expect &&
	test_cmp expect new.out &&
	test_grep "(stalled in a record) to make room\|(no session opened) to make room" "$RVIRTD_LOG" &&
	touch st.stop &&
	wait $(cat st.pid) &&
	test "$(sed -n "s/^open //p" st.out)" -lt 40 &&
	stop_rvirtd
'

test_done
