#!/bin/sh
# SPDX-License-Identifier: MIT
# 4010-session-forever: outages of any length.  A handle whose
# reconnection gave up works again on its next call once the daemon is
# back (same session), and with reconnect_timeout=forever a call waits
# out an outage longer than the default 60 s and resumes its session.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

PINGSTEPS=$RVIRT_BUILD/t/tools/pingsteps

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	mkdir s1 s2
'

test_expect_success 'a handle that gave up tries again on its next call and resumes its session' '
	{ RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&reconnect_timeout=1" \
		timeout 200 "$PINGSTEPS" s1 2 >s1.out 2>&1 & ps=$!; } &&
	wait_until 100 "test -f s1/ready" &&
	stop_rvirtd &&
	touch s1/go.1 &&
	wait_until 300 "test -f s1/done.1" &&
	test_grep "ping 1 error 18 .*not back within 1 s" s1.out &&
	test_grep "event lost" s1.out &&
	start_rvirtd rvirtd.conf &&
	touch s1/go.2 &&
	wait "$ps" &&
	cat s1.out &&
	test_grep "ping 2 ok" s1.out &&
	test_grep "event reconnected" s1.out
'

test_expect_success 'reconnect_timeout=forever: an outage longer than 60 s is waited out, the session resumes' '
	{ RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&reconnect_timeout=forever" \
		timeout 300 "$PINGSTEPS" s2 1 >s2.out 2>&1 & ps=$!; } &&
	wait_until 100 "test -f s2/ready" &&
	stop_rvirtd &&
	touch s2/go.1 &&
	wait_until 100 "grep -q \"event waiting\" s2.out" &&
	# The outage is what is under test: longer than the old 60 s limit.
	sleep 65 &&
	! test -f s2/done.1 &&
	start_rvirtd rvirtd.conf &&
	wait "$ps" &&
	cat s2.out &&
	test_grep "ping 1 ok" s2.out &&
	test_grep "event reconnected" s2.out &&
	! grep "event lost" s2.out
'

test_expect_success 'bad reconnect_timeout and keepalive values are refused with a clear error' '
	test_must_fail env RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&reconnect_timeout=always" \
		"$PINGSTEPS" s2 1 2>bad.err &&
	test_grep "reconnect_timeout. must be a number of seconds or .forever." bad.err &&
	test_must_fail env RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&keepalive_count=0" \
		"$PINGSTEPS" s2 1 2>bad.err &&
	test_grep "keepalive_count. must be 1 to 1000" bad.err &&
	test_must_fail env RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&keepalive_interval=3601" \
		"$PINGSTEPS" s2 1 2>bad.err &&
	test_grep "keepalive_interval. must be 0 to 3600 seconds" bad.err
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
