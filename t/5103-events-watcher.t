#!/bin/sh
# SPDX-License-Identifier: MIT
# 5103-events-watcher: process domains that end on their own are journaled
# by the watcher while rvirtd runs, and once at start-up when they ended
# while it was down.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-events.sh"
EVC_URI=process://$PROCESS_PATH
export EVC_URI

test_expect_success 'build the plain rpcgen event reader' '
	build_evc
'

test_expect_success 'start rvirtd and a process domain' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml victim 1 >victim.xml &&
	PRVSH define victim.xml &&
	PRVSH start victim &&
	pid=$(guest_pid victim) &&
	echo $pid >victim.pid
'

test_expect_success 'killed from outside: a crashed event, from the hypervisor' '
	cursor=$(./evc "$RVIRTD_SOCK" now 0 1 | sed -n "s/^cursor \([0-9]*\) .*/\1/p") &&
	kill -KILL $(cat victim.pid) &&
	./evc "$RVIRTD_SOCK" $cursor 60000 10 victim >out &&
	cat out &&
	test_grep "^event [0-9]* victim 5 2 [0-9]* -\{0,1\}[0-9]* -$" out &&
	PRVSH domstate victim >st.out &&
	test_grep "shut off" st.out
'

test_expect_success 'the status is the signal when the watcher could still read it' '
	if grep -q "^event [0-9]* victim 5 2 [0-9]* -1 -$" out; then
		echo "# the process was reaped before the watcher looked: status unknown"
	else
		test_grep "^event [0-9]* victim 5 2 [0-9]* 9 -$" out
	fi
'

# Killed at once after its start, the process is usually gone before the
# watcher's next look (once a second) and no connection opens after the
# kill: the watcher itself finds it gone.  That is a crash while rvirtd
# runs, never "vanished while the daemon was down" (detail 16).
test_expect_success 'killed before the watcher looked: still crashed, not vanished' '
	cursor=$(./evc "$RVIRTD_SOCK" now 0 1 | sed -n "s/^cursor \([0-9]*\) .*/\1/p") &&
	{ ./evc "$RVIRTD_SOCK" $cursor 60000 1 victim 0x20 >out2 & } &&
	evc_pid=$! &&
	PRVSH start victim &&
	kill -KILL $(guest_pid victim) &&
	wait $evc_pid &&
	cat out2 &&
	test_grep "^event [0-9]* victim 5 2 " out2
'

test_expect_success 'a domain that ends while rvirtd is down: journaled once at start' '
	PRVSH start victim &&
	pid=$(guest_pid victim) &&
	cursor=$(./evc "$RVIRTD_SOCK" now 0 1 | sed -n "s/^cursor \([0-9]*\) .*/\1/p") &&
	stop_rvirtd &&
	proc_live $pid &&
	kill -KILL $pid &&
	wait_gone $pid &&
	start_rvirtd &&
	PRVSH domstate victim >st.out &&
	test_grep "shut off" st.out &&
	./evc "$RVIRTD_SOCK" $cursor 0 100 victim >out &&
	cat out &&
	test $(grep -c "^event" out) = 1 &&
	test_grep "^event [0-9]* victim 5 16 " out
'

test_expect_success 'stop rvirtd' '
	PRVSH undefine victim &&
	stop_rvirtd
'

test_done
