#!/bin/sh
# SPDX-License-Identifier: MIT
# 4004-session-effects: exactly once for what the process driver does
# to the world.  A test hook (RVIRTD_TEST_HOLD) stops the worker after
# the effect of a call (a guest started, killed, stopped, continued,
# pinned) and before its commit; the whole daemon is killed there and
# started again; rvsh's librvirt reconnects and sends the call again
# with the same xid.  The call must succeed as the first run would
# have, with one guest (the same process), and no orphan.  An intent
# whose client never comes back is settled at the next start: its
# guest, unknown to the store, is stopped.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

# The rvirt-guest processes of domain NAME of this test, one pid a line.
guests () {
	for gs_pid_ in $(pgrep -f "^rvirt-guest --name $1 "); do
		case $(readlink "/proc/$gs_pid_/fd/2" 2>/dev/null) in
		"$TRASH"/*) proc_live "$gs_pid_" && echo "$gs_pid_" ;;
		esac
	done
}

# held PROC RVSH-ARGS...: restart rvirtd with the hook on PROC, run
# "rvsh RVSH-ARGS" in the background (pid in $held_pid) and wait until
# its call is held between its effect and its commit.
held () {
	held_proc_=$1
	shift
	rm -f run/test-hold &&
	stop_rvirtd &&
	RVIRTD_TEST_HOLD=after-effect:$held_proc_ &&
	export RVIRTD_TEST_HOLD &&
	start_rvirtd
	held_rc_=$?
	unset RVIRTD_TEST_HOLD
	test "$held_rc_" = 0 || return 1
	PRVSH "$@" >held.out 2>held.err &
	held_pid=$!
	wait_until 300 "test -s run/test-hold" || {
		cat held.out held.err
		return 1
	}
}

# crash_and_resend: kill the whole daemon (the held worker with it),
# start it again without the hook, and wait for rvsh, which must have
# reconnected, sent its call again and succeeded.
crash_and_resend () {
	crash_rvirtd &&
	start_rvirtd &&
	wait_until 600 "test_proc_gone_ $held_pid" &&
	wait $held_pid &&
	cat held.out held.err
}

test_expect_success 'start rvirtd, define a domain' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml g 2 >g.xml &&
	PRVSH define g.xml
'

test_expect_success 'create: the guest started by the dead run is adopted' '
	held DOMAIN_CREATE start g &&
	guests g >during &&
	test_line_count = 1 during &&
	cat during >>domain-pids &&
	crash_and_resend && test_grep reconciling "$RVIRTD_LOG" &&
	test_grep "started" held.out &&
	guests g >after &&
	test_cmp during after &&
	PRVSH domstate g >st && echo running >want && test_cmp want st
'

test_expect_success 'suspend: a guest stopped by the dead run is the success it was' '
	held DOMAIN_SUSPEND suspend g &&
	test "$(test_proc_state_ "$(cat during)")" = T &&
	crash_and_resend && test_grep reconciling "$RVIRTD_LOG" &&
	test_grep "suspended" held.out &&
	PRVSH domstate g >st && echo paused >want && test_cmp want st &&
	guests g >after && test_cmp during after
'

test_expect_success 'resume: a guest continued by the dead run is the success it was' '
	held DOMAIN_RESUME resume g &&
	test "$(test_proc_state_ "$(cat during)")" != T &&
	crash_and_resend && test_grep reconciling "$RVIRTD_LOG" &&
	test_grep "resumed" held.out &&
	PRVSH domstate g >st && echo running >want && test_cmp want st &&
	guests g >after && test_cmp during after
'

if test "$HOST_NCPUS" -ge 2; then
	test_expect_success 'vcpupin: a pin applied by the dead run is applied once' '
		held DOMAIN_PIN_VCPU vcpupin g 1 "$HOST_LAST_CPU" --live &&
		crash_and_resend &&
		PRVSH --script vcpupin g >pins &&
		cat pins &&
		test_grep "^1[^0-9]*$HOST_LAST_CPU\$" pins &&
		guests g >after && test_cmp during after
	'
else
	test_skip 'vcpupin: a pin applied by the dead run is applied once' \
		'a pin change is only visible with 2 CPUs or more'
fi

test_expect_success 'destroy: a guest killed by the dead run is the success it was' '
	held DOMAIN_DESTROY destroy g &&
	guests g >gone && test_line_count = 0 gone &&
	crash_and_resend && test_grep reconciling "$RVIRTD_LOG" &&
	test_grep "destroyed" held.out &&
	PRVSH domstate g >st && echo "shut off" >want && test_cmp want st
'

test_expect_success 'shutdown: a guest stopped by the dead run is the success it was' '
	PRVSH start g &&
	guests g >during && cat during >>domain-pids &&
	held DOMAIN_SHUTDOWN shutdown g &&
	guests g >gone && test_line_count = 0 gone &&
	crash_and_resend && test_grep reconciling "$RVIRTD_LOG" &&
	test_grep "shut" held.out &&
	PRVSH domstate g >st && echo "shut off" >want && test_cmp want st
'

test_expect_success 'an intent its client abandoned: the guest is stopped at the next start' '
	rm -f run/test-hold &&
	stop_rvirtd &&
	RVIRTD_TEST_HOLD=after-effect:DOMAIN_CREATE &&
	export RVIRTD_TEST_HOLD &&
	start_rvirtd
	rc=$?
	unset RVIRTD_TEST_HOLD
	test $rc = 0 &&
	{ "$RVSH" -c "process://$PROCESS_PATH?socket=$RVIRTD_SOCK&reconnect_timeout=0" \
		start g >ab.out 2>&1 & ab=$!; } &&
	wait_until 300 "test -s run/test-hold" &&
	guests g >during && test_line_count = 1 during &&
	cat during >>domain-pids &&
	crash_rvirtd &&
	! wait $ab &&
	ls run/intents >intents && test_line_count = 1 intents &&
	touch -d "-10 minutes" run/intents/* &&
	start_rvirtd &&
	wait_until 300 "test_proc_gone_ $(cat during)" &&
	test_grep "abandoned by its client: 1 process" "$RVIRTD_LOG" &&
	ls run/intents >intents && test_line_count = 0 intents &&
	PRVSH domstate g >st && echo "shut off" >want && test_cmp want st
'

test_expect_success 'no guest is left, no intent is left' '
	guests g >left && test_line_count = 0 left &&
	ls run/intents >intents && test_line_count = 0 intents &&
	PRVSH undefine g &&
	stop_rvirtd
'

test_done
