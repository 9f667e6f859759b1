#!/bin/sh
# SPDX-License-Identifier: MIT
# 5102-events-survive: a librvirt console waiting on events while another
# client starts, stops and undefines domains and the whole daemon is
# SIGKILLed twice and upgraded once receives every event once, in order,
# with no gap.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-events.sh"

# churn TAG: define, start, suspend, resume, destroy, undefine TAG-1..3.
churn () {
	for n in 1 2 3; do
		events_domain_xml "$1-$n" >"$1-$n.xml" &&
		"$RVSH" -q define "$1-$n.xml" &&
		"$RVSH" -q start "$1-$n" &&
		"$RVSH" -q suspend "$1-$n" &&
		"$RVSH" -q resume "$1-$n" &&
		"$RVSH" -q destroy "$1-$n" &&
		"$RVSH" -q undefine "$1-$n" || return 1
	done
}

test_expect_success 'build the plain rpcgen event reader' '
	build_evc
'

test_expect_success 'start rvirtd and a console registered for events' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	"$RVSH" list >/dev/null &&
	first=$(./evc "$RVIRTD_SOCK" now 0 1 | sed -n "s/^cursor \([0-9]*\) .*/\1/p") &&
	echo "$first" >first &&
	{ "$RVIRT_BUILD/t/tools/clientwait" events ready stop >console.out \
		2>console.err & } &&
	echo $! >console.pid &&
	test_wait_for_file ready 300
'

test_expect_success 'changes, two SIGKILLs of the whole daemon, one upgrade' '
	churn a &&
	crash_rvirtd && start_rvirtd &&
	churn b &&
	crash_rvirtd && start_rvirtd &&
	churn c &&
	old=$(rvirtd_master_pid) &&
	kill -USR2 $old &&
	wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
	test_wait_exit_ $old 100 &&
	churn d
'

test_expect_success 'the console got every event once, in order, no gap' '
	./evc "$RVIRTD_SOCK" $(cat first) 0 1024 >journal.out &&
	sed -n "s/^event \([0-9]*\) \([^ ]*\) \([0-9]*\) \([0-9]*\) .*/\1 \3 \4 \2/p" \
		journal.out >want &&
	test $(wc -l <want) = 72 &&
	wait_until 600 "test \$(wc -l <console.out) -ge 72" &&
	>stop &&
	wait $(cat console.pid) &&
	cat console.err &&
	test_cmp want console.out
'

test_expect_success 'stop the last master' '
	stop_rvirtd_master
'

test_done
