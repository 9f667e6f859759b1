#!/bin/sh
# SPDX-License-Identifier: MIT
# 7101-console-park: a CONSOLE_READ that waits is parked without holding
# its worker (one worker serves other calls meanwhile), and is woken by
# the console's output, not by its timeout, on the read-write and the
# read-only socket; more reads parked in one worker than a user may have
# inotify instances are all woken; bad arguments and a driver without
# consoles get clear errors.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

CONSREAD=$RVIRT_BUILD/t/tools/consread
CONSMANY=$RVIRT_BUILD/t/tools/consmany
# More than fs.inotify.max_user_instances (128 by default): work-16 made
# an inotify instance per parked read, so the reads beyond it failed.
NREADERS=160

test_expect_success 'start rvirtd with one worker and a process domain' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 \
		max_clients_per_worker=400 &&
	start_rvirtd &&
	process_xml park 1 >park.xml &&
	PRVSH create park.xml &&
	guest_pid park >/dev/null
'

test_expect_success 'a read waiting 20 s does not hold the only worker; output wakes it' '
	rw="process://$PROCESS_PATH?socket=$RVIRTD_SOCK" &&
	{ "$CONSREAD" "$rw" park 20000 "SIGUSR1 received" >read.out 2>read.err & } &&
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
	{ "$CONSREAD" "$ro" park 20000 "SIGUSR1 received" >ro.out 2>ro.err & } &&
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

test_expect_success "$NREADERS reads parked in the one worker are all woken by one output" '
	ro="process://$PROCESS_PATH?socket=$RVIRTD_SOCK_RO" &&
	{ "$CONSMANY" "$ro" park $NREADERS 30000 "SIGUSR1 received" \
		>many.out 2>many.err & } &&
	many=$! &&
	wait_until 600 "grep -q waiting many.out" &&
	kill -USR1 $(guest_pid park) &&
	{ wait "$many" || { cat many.err; false; }; } &&
	test_grep "got $NREADERS" many.out &&
	PRVSH domstate park >state.out &&
	test_grep "running" state.out
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
