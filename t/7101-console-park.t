#!/bin/sh
# SPDX-License-Identifier: MIT
# 7101-console-park: a CONSOLE_READ that waits is parked without holding
# its worker (one worker serves other calls meanwhile), and is woken by
# the console's output, not by its timeout; bad arguments and a driver
# without consoles get clear errors.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

CONSREAD=$RVIRT_BUILD/t/tools/consread

test_expect_success 'start rvirtd with one worker and a process domain' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 &&
	start_rvirtd &&
	process_xml park 1 >park.xml &&
	PRVSH create park.xml &&
	guest_pid park >/dev/null
'

test_expect_success 'a read waiting 20 s does not hold the only worker; output wakes it' '
	rw="process://$PROCESS_PATH?socket=$RVIRTD_SOCK" &&
	{ "$CONSREAD" "$rw" park 20000 >read.out 2>read.err & } &&
	reader=$! &&
	wait_until 300 "grep -q waiting read.out" &&
	PRVSH --script list >list.out &&
	test_grep "park" list.out &&
	PRVSH domstate park >state.out &&
	test_grep "running" state.out &&
	! test_proc_gone_ "$reader" &&
	kill -USR1 $(guest_pid park) &&
	wait_until 300 "test_proc_gone_ $reader" &&
	wait "$reader" &&
	! grep -q nothing read.out &&
	test_grep "SIGUSR1 received" run/process/console/*/log.*
'

test_expect_success 'on the read-only socket too: the read parks and output wakes it' '
	ro="process://$PROCESS_PATH?socket=$RVIRTD_SOCK_RO" &&
	{ "$CONSREAD" "$ro" park 20000 >ro.out 2>ro.err & } &&
	reader=$! &&
	wait_until 300 "grep -q waiting ro.out" &&
	PRVSH domstate park >state.out &&
	test_grep "running" state.out &&
	! test_proc_gone_ "$reader" &&
	kill -USR1 $(guest_pid park) &&
	wait_until 300 "test_proc_gone_ $reader" &&
	{ wait "$reader" || { cat ro.err; false; }; } &&
	! grep -q nothing ro.out &&
	test_grep "SIGUSR1 received" ro.out
'

test_expect_success 'bad arguments are refused with clear errors' '
	test_must_fail PRVSH console >usage.out 2>&1 &&
	test_grep "usage: console DOMAIN" usage.out &&
	test_must_fail PRVSH console nosuch 2>err &&
	test_grep "nosuch" err
'

test_expect_success 'the test driver has no consoles: a clear error' '
	test_must_fail "$RVIRT_BUILD/rvsh" -c "test:///default?socket=$RVIRTD_SOCK" \
		console test 2>err &&
	test_grep "cannot open the console of domain .test.: the test driver has no consoles" err
'

test_expect_success 'destroy the domain' '
	PRVSH destroy park
'

test_expect_success 'rvirtd stops cleanly' '
	stop_rvirtd
'

test_done
