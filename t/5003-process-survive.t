#!/bin/sh
# SPDX-License-Identifier: MIT
# 5003-process-survive: domains outlive a worker's death, a daemon restart
# and a USR2 upgrade, keep their placement, and are found again by pid and
# start time; one killed from outside is reported shut off.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

A=$HOST_FIRST_CPU
B=$HOST_LAST_CPU

# The domain's identity as the kernel knows it: pid and start time.
identity () {
	printf '%s %s\n' "$1" "$(sed 's/.*) //' /proc/"$1"/stat | cut -d " " -f 20)"
}

test_expect_success 'start rvirtd and a pinned domain' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml keep 2 "$A-$B" \
		"<cputune><vcpupin vcpu=\"1\" cpuset=\"$B\"/><emulatorpin cpuset=\"$A\"/></cputune>" >keep.xml &&
	PRVSH define keep.xml &&
	PRVSH start keep &&
	pid=$(guest_pid keep) &&
	identity "$pid" >id.before &&
	thread_cpus "$pid" >threads.before &&
	PRVSH --script list >list.before
'

test_expect_success 'the domain is not a child of any rvirtd process' '
	pid=$(guest_pid keep) &&
	ppid=$(sed -n "s/^PPid:[^0-9]*//p" /proc/$pid/status) &&
	! readlink /proc/$ppid/exe | grep -q rvirtd &&
	sid=$(ps -o sid= -p "$pid" | tr -d " ") &&
	test "$sid" = "$pid"
'

test_expect_success 'a worker killed with SIGKILL leaves it running' '
	ws=$(children_of "$RVIRTD_PID") &&
	for w in $ws; do kill -KILL "$w"; done &&
	for w in $ws; do test_wait_exit_ "$w" 300 || return 1; done &&
	pid=$(guest_pid keep) &&
	identity "$pid" >id.now &&
	test_cmp id.before id.now &&
	wait_until 50 "PRVSH --script list >list.now" &&
	test_cmp list.before list.now
'

test_expect_success 'a daemon restart leaves it running, placed, and finds it' '
	stop_rvirtd &&
	pid=$(guest_pid keep) &&
	identity "$pid" >id.now &&
	test_cmp id.before id.now &&
	thread_cpus "$pid" >threads.now &&
	test_cmp threads.before threads.now &&
	start_rvirtd &&
	PRVSH --script list >list.now &&
	test_cmp list.before list.now &&
	PRVSH --script vcpupin keep >out &&
	printf "0\t%s\n1\t%s\n" "$A-$B" "$B" >expect &&
	if test "$A" = "$B"; then printf "0\t%s\n1\t%s\n" "$A" "$B" >expect; fi &&
	test_cmp expect out
'

test_expect_success 'a USR2 upgrade leaves it running and placed' '
	old=$(rvirtd_master_pid) &&
	kill -USR2 "$old" &&
	wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
	test_wait_exit_ "$old" 100 &&
	pid=$(guest_pid keep) &&
	identity "$pid" >id.now &&
	test_cmp id.before id.now &&
	thread_cpus "$pid" >threads.now &&
	test_cmp threads.before threads.now &&
	PRVSH --script list >list.now &&
	test_cmp list.before list.now
'

test_expect_success 'stop the upgraded daemon, the domain stays' '
	stop_rvirtd_master &&
	pid=$(guest_pid keep) &&
	identity "$pid" >id.now &&
	test_cmp id.before id.now
'

test_expect_success 'killed while the daemon was down: shut off when it returns' '
	pid=$(guest_pid keep) &&
	kill -KILL "$pid" &&
	wait_gone "$pid" &&
	start_rvirtd &&
	PRVSH domstate keep >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	PRVSH --script list --all >out &&
	printf -- "-\tkeep\tshut off\n" >expect &&
	test_cmp expect out
'

test_expect_success 'killed from outside while it runs: shut off' '
	PRVSH start keep &&
	pid=$(guest_pid keep) &&
	kill -KILL "$pid" &&
	wait_gone "$pid" &&
	PRVSH domstate keep >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	test_must_fail PRVSH destroy keep 2>err &&
	test_grep "not running" err
'

test_expect_success 'a transient domain killed from outside disappears' '
	process_xml gone 1 >gone.xml &&
	PRVSH create gone.xml &&
	pid=$(guest_pid gone) &&
	kill -KILL "$pid" &&
	wait_gone "$pid" &&
	test_must_fail PRVSH domstate gone 2>err &&
	PRVSH --script list --all >out &&
	! grep gone out
'

test_expect_success 'SIGSTOP and SIGCONT from outside: the kernel state is reported' '
	PRVSH start keep &&
	pid=$(guest_pid keep) &&
	kill -STOP "$pid" &&
	wait_until 50 "test \"\$(PRVSH domstate keep)\" = paused" &&
	kill -CONT "$pid" &&
	wait_until 50 "test \"\$(PRVSH domstate keep)\" = running" &&
	PRVSH destroy keep &&
	wait_gone "$pid"
'

test_done
