#!/bin/sh
# SPDX-License-Identifier: MIT
# 0001-testlib-selftest: t/test-lib.sh reports failures and always stops rvirtd.

. "$(dirname "$0")/test-lib.sh"

# Run a sub-script that sources the test library; its TAP goes to
# $1.out, its stderr to $1.err, its exit status to $1.status.
# The scripts run here fail on purpose: not into make check's report.
run_sub () {
	RVIRT_FAILURE_LOG= sh "$1" >"$1.out" 2>"$1.err"
	echo $? >"$1.status"
}

sub_header () {
	echo ". '$RVIRT_SRC/t/test-lib.sh'"
}

test_expect_success 'failures, known breakages and skips are reported' '
	{
		sub_header &&
		cat <<-\EOF
		test_expect_success "passes" "true"
		test_expect_success "fails" "false"
		test_expect_success "a broken chain fails" "true && false && true"
		test_expect_failure "known" "false"
		test_skip "skipped" "because"
		test_done
		EOF
	} >mixed.t &&
	run_sub mixed.t &&
	cat >expect <<-\EOF &&
	ok 1 - passes
	not ok 2 - fails
	not ok 3 - a broken chain fails
	not ok 4 - known # TODO known breakage
	ok 5 # skip skipped (because)
	1..5
	# failed 2 among 5 test(s)
	EOF
	test_cmp expect mixed.t.out &&
	echo 1 >expect &&
	test_cmp expect mixed.t.status &&
	test_grep "^# failed: mixed.t #2: fails" mixed.t.err &&
	test_grep "^# failed: mixed.t #3: a broken chain fails" mixed.t.err
'

test_expect_success 'RVIRT_FAILURE_LOG collects the reports of failures only' '
	{
		sub_header &&
		cat <<-\EOF
		test_expect_success "passes" "echo quiet"
		test_expect_success "fails" "echo loud; false"
		test_done
		EOF
	} >flog.t &&
	echo "# earlier" >flog &&
	{ RVIRT_FAILURE_LOG=$TRASH/flog sh flog.t >/dev/null 2>&1; echo $? >st; } &&
	echo 1 >expect &&
	test_cmp expect st &&
	test_grep "^# earlier" flog &&
	test_grep "^# failed: flog.t #2: fails" flog &&
	test_grep "^# loud" flog &&
	! grep quiet flog
'

test_expect_success 't/tools/failures.sh ends with each failure and its last 4 lines' '
	{
		sub_header &&
		cat <<-\EOF
		test_expect_success "first" "seq 1 9; false"
		test_expect_success "passes" "true"
		test_expect_success "second" "echo only; false"
		test_done
		EOF
	} >dig.t &&
	{ RVIRT_FAILURE_LOG=$TRASH/dig.log sh dig.t >/dev/null 2>&1; true; } &&
	sh "$RVIRT_SRC/t/tools/failures.sh" dig.log >dig.out &&
	tail -n 7 dig.out >actual &&
	cat >expect <<-\EOF &&
	# failed: dig.t #1: first
	#   6
	#   7
	#   8
	#   9
	# failed: dig.t #3: second
	#   only
	EOF
	test_cmp expect actual &&
	test_grep "^# 1$" dig.out &&
	sh "$RVIRT_SRC/t/tools/failures.sh" no-such-log >none.out &&
	test_line_count = 0 none.out
'

test_expect_success 'a script whose tests pass exits 0' '
	{
		sub_header &&
		cat <<-\EOF
		test_expect_success "one" "true"
		test_expect_success "two" "x=1 && test \$x = 1"
		test_done
		EOF
	} >pass.t &&
	run_sub pass.t &&
	printf "ok 1 - one\nok 2 - two\n1..2\n" >expect &&
	test_cmp expect pass.t.out &&
	echo 0 >expect &&
	test_cmp expect pass.t.status
'

test_expect_success 'skip_all prints an empty plan with the reason' '
	{
		sub_header &&
		echo "skip_all \"no frobnicator\""
	} >skip.t &&
	run_sub skip.t &&
	echo "1..0 # SKIP no frobnicator" >expect &&
	test_cmp expect skip.t.out &&
	echo 0 >expect &&
	test_cmp expect skip.t.status
'

test_expect_success 'test_must_fail wants a clean failure' '
	test_must_fail false &&
	test_must_fail sh -c "exit 3" &&
	! test_must_fail true 2>err &&
	test_grep "command succeeded" err &&
	! test_must_fail sh -c "kill -SEGV \$\$" 2>err &&
	test_grep "died of signal 11" err &&
	! test_must_fail sh -c "kill -ABRT \$\$" 2>err &&
	test_grep "died of signal 6" err &&
	! test_must_fail ./no-such-program 2>err &&
	test_grep "cannot run" err &&
	! test_must_fail timeout 0.2 sleep 5 2>err &&
	test_grep "timed out" err
'

test_expect_success 'the trash dir goes away, or stays when asked after a failure' '
	{
		sub_header &&
		echo "echo \"\$TRASH\" >\"$TRASH/trash-name\"" &&
		echo "test_expect_success \"fails\" \"false\"" &&
		echo "test_done"
	} >trash.t &&
	RVIRT_KEEP_TRASH= run_sub trash.t &&
	sub_trash=$(cat trash-name) &&
	test -n "$sub_trash" &&
	! test -e "$sub_trash" &&
	RVIRT_KEEP_TRASH=1 run_sub trash.t &&
	sub_trash=$(cat trash-name) &&
	test -d "$sub_trash" &&
	test_grep "trash directory kept: $sub_trash" trash.t.err &&
	rm -rf "$sub_trash"
'

test_expect_success 'write_config writes defaults, quotes strings, replaces and removes keys' '
	write_config c.conf log_level=1 tcp_port= unix_sock_group=daemon \
		"listen_addr=\"::1\"" bogus_key=7 &&
	cat >expect <<-EOF &&
	# rvirtd.conf written by write_config for 0001-testlib-selftest.t
	state_dir = "$TRASH/state"
	runtime_dir = "$TRASH/run"
	unix_sock_dir = "$TRASH/run"
	log_outputs = "1:stderr"
	log_level = 1
	unix_sock_group = "daemon"
	listen_addr = "::1"
	bogus_key = 7
	EOF
	test_cmp expect c.conf &&
	write_config --tcp t.conf &&
	test_grep "^listen_tcp = 1$" t.conf &&
	test_grep "^auth_tcp = \"none\"$" t.conf &&
	test_grep "^tcp_port = 0$" t.conf
'

# A stand-in for rvirtd: prints the ready line, then exits with
# $FAKE_EXIT on SIGTERM; FAKE_CHILD leaves a child behind, FAKE_ASAN
# prints a sanitizer report, FAKE_DIE exits before it is ready.
mkdir fakebin
cat >fakebin/rvirtd <<\EOF
#!/bin/sh
test -n "$FAKE_DIE" && { echo "rvirtd: cannot start: fake" >&2; exit 1; }
trap 'test -n "$FAKE_ASAN" && echo "==1==ERROR: AddressSanitizer: fake" >&2; exit ${FAKE_EXIT:-0}' TERM
test -n "$FAKE_CHILD" && { sleep 30 & }
test -n "$FAKE_CRASH" && echo "rvirtd[$$]: warn: worker 4242 killed by signal 11" >&2
echo "rvirtd[$$]: ready unix=/fake/rvirt-sock unix_ro=/fake/rvirt-sock-ro tcp=127.0.0.1:4242" >&2
i=0
while test $i -lt 300; do sleep 0.1; i=$((i + 1)); done
exit 9
EOF
chmod +x fakebin/rvirtd

test_expect_success 'start_rvirtd reads the ready line; stop_rvirtd checks a clean exit' '
	RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	test "$RVIRTD_SOCK" = /fake/rvirt-sock &&
	test "$RVIRTD_SOCK_RO" = /fake/rvirt-sock-ro &&
	test "$RVIRTD_TCP_PORT" = 4242 &&
	test "$RVIRT_DEFAULT_URI" = "test:///default?socket=/fake/rvirt-sock" &&
	pid=$RVIRTD_PID &&
	rvirtd_alive &&
	stop_rvirtd &&
	test -z "$RVIRTD_PID" &&
	! test -e /proc/$pid
'

test_expect_success 'stop_rvirtd fails on a bad exit status' '
	FAKE_EXIT=3 RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	! stop_rvirtd 2>err &&
	test_grep "exited with status 3" err
'

test_expect_success 'stop_rvirtd fails on a sanitizer report' '
	FAKE_ASAN=1 RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	! stop_rvirtd 2>err &&
	test_grep "sanitizer report" err
'

test_expect_success 'stop_rvirtd fails on a process left behind, and kills it' '
	FAKE_CHILD=1 RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	kid= &&
	for k in $(children_of $RVIRTD_PID)
	do
		case $(tr "\\0" " " </proc/$k/cmdline) in
		"sleep 30 ") kid=$k ;;
		esac
	done &&
	test -n "$kid" &&
	! stop_rvirtd 2>err &&
	test_grep "forked by rvirtd is still running" err &&
	test_wait_exit_ $kid 20
'

test_expect_success 'rvirtd_no_crash finds a worker that died' '
	RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	rvirtd_no_crash &&
	stop_rvirtd &&
	FAKE_CRASH=1 RVIRT_BUILD=$TRASH/fakebin start_rvirtd &&
	! rvirtd_no_crash 2>err &&
	test_grep "worker 4242 killed by signal 11" err &&
	stop_rvirtd
'

test_expect_success 'start_rvirtd fails, showing the log, when rvirtd dies' '
	! FAKE_DIE=1 RVIRT_BUILD=$TRASH/fakebin start_rvirtd 2>err &&
	test -z "$RVIRTD_PID" &&
	test_grep "exited with status 1 before it was ready" err &&
	test_grep "cannot start: fake" err
'

# The EXIT trap of a script that dies must still stop its daemon.
for how in exit error signal; do
	test_expect_success "the trap stops rvirtd when the script dies ($how)" '
		{
			sub_header &&
			echo "RVIRT_BUILD=$TRASH/fakebin start_rvirtd || exit 1" &&
			echo "echo \$RVIRTD_PID >\"$TRASH/$how.pid\"" &&
			case $how in
			exit) echo "exit 3" ;;
			error) echo ": \${no_such_variable?}" ;;
			signal) echo "i=0; while test \$i -lt 200; do sleep 0.1; i=\$((i + 1)); done" ;;
			esac &&
			echo "test_done"
		} >die-$how.t &&
		rm -f $how.pid &&
		if test $how = signal
		then
			sh die-$how.t >die.out 2>&1 &
			sub=$! &&
			test_wait_for_file $how.pid 50 &&
			sleep 0.2 &&
			kill -TERM $sub &&
			wait $sub
			test $? -ne 0
		else
			test_must_fail sh die-$how.t >die.out 2>&1
		fi &&
		fake=$(cat $how.pid) &&
		test -n "$fake" &&
		test_wait_exit_ "$fake" 20
	'
done

if test -x "$RVIRT_BUILD/rvirtd"; then
	test_expect_success 'the trap stops a real rvirtd when the script dies' '
		{
			sub_header &&
			echo "start_rvirtd || exit 1" &&
			echo "echo \$RVIRTD_PID >\"$TRASH/real.pid\"" &&
			echo "exit 4"
		} >die-real.t &&
		test_must_fail sh die-real.t >die.out 2>&1 &&
		real=$(cat real.pid) &&
		test -n "$real" &&
		test_wait_exit_ "$real" 20
	'
	test_expect_success 'test_done stops the daemon a script left running' '
		{
			sub_header &&
			echo "start_rvirtd || exit 1" &&
			echo "test_expect_success \"runs\" \"rvirtd_alive\"" &&
			echo "test_done"
		} >left.t &&
		run_sub left.t &&
		printf "ok 1 - runs\nok 2 - rvirtd stops cleanly at the end\n1..2\n" >expect &&
		test_cmp expect left.t.out
	'
else
	test_skip 'the trap stops a real rvirtd' 'rvirtd is not built'
	test_skip 'test_done stops the daemon a script left running' 'rvirtd is not built'
fi

test_done
