#!/bin/sh
# SPDX-License-Identifier: MIT
# 5001-process-placement: a process domain's threads are placed as its XML
# says from the start, read back from /proc/PID/task/TID/status.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'the process driver opens and reports the real host' '
	PRVSH uri >out &&
	echo "process://$PROCESS_PATH" >expect &&
	test_cmp expect out &&
	PRVSH version >out &&
	test_grep PROCESS out &&
	PRVSH --script nodecpumap >out &&
	test_grep "^online	$HOST_NCPUS\$" out &&
	test_grep "^cpumap	$(host_cpus)\$" out &&
	PRVSH --script nodeinfo >out &&
	test_grep "$HOST_NCPUS" out
'

test_expect_success 'a domain with a cpuset: every thread allowed exactly there' '
	process_xml one 3 "$HOST_LAST_CPU" >one.xml &&
	PRVSH define one.xml &&
	PRVSH start one &&
	pid=$(guest_pid one) &&
	thread_cpus "$pid" >threads &&
	printf "CPU 0/KVM\t%s\nCPU 1/KVM\t%s\nCPU 2/KVM\t%s\nrvirt-guest\t%s\n" \
		"$HOST_LAST_CPU" "$HOST_LAST_CPU" "$HOST_LAST_CPU" "$HOST_LAST_CPU" >expect &&
	test_cmp expect threads
'

test_expect_success 'without a cpuset the threads may use every host CPU' '
	process_xml free 2 >free.xml &&
	PRVSH create free.xml &&
	pid=$(guest_pid free) &&
	thread_cpus "$pid" >threads &&
	cpus=$(host_cpus) &&
	printf "CPU 0/KVM\t%s\nCPU 1/KVM\t%s\nrvirt-guest\t%s\n" "$cpus" "$cpus" "$cpus" >expect &&
	test_cmp expect threads &&
	PRVSH destroy free &&
	wait_gone "$pid"
'

if test "$HOST_NCPUS" -ge 2; then
	test_expect_success 'vcpupin and emulatorpin in the XML, applied at start' '
		a=$HOST_FIRST_CPU && b=$HOST_LAST_CPU &&
		process_xml two 2 "$a,$b" \
			"<cputune><vcpupin vcpu=\"0\" cpuset=\"$b\"/><vcpupin vcpu=\"1\" cpuset=\"$a\"/><emulatorpin cpuset=\"$b\"/></cputune>" >two.xml &&
		PRVSH define two.xml &&
		PRVSH start two &&
		pid=$(guest_pid two) &&
		thread_cpus "$pid" >threads &&
		printf "CPU 0/KVM\t%s\nCPU 1/KVM\t%s\nrvirt-guest\t%s\n" "$b" "$a" "$b" >expect &&
		test_cmp expect threads &&
		PRVSH --script vcpupin two >out &&
		printf "0\t%s\n1\t%s\n" "$b" "$a" >expect &&
		test_cmp expect out &&
		PRVSH destroy two &&
		wait_gone "$pid"
	'
else
	test_skip 'vcpupin and emulatorpin in the XML, applied at start' 'needs 2 CPUs'
fi

test_expect_success 'a cpuset naming a CPU the machine lacks is refused, nothing runs' '
	missing=$((HOST_LAST_CPU + 1)) &&
	process_xml nowhere 1 "0,$missing" >nowhere.xml &&
	PRVSH define nowhere.xml &&
	test_must_fail PRVSH start nowhere 2>err &&
	test_grep "cpu $missing, which the host does not have" err &&
	! guest_pid nowhere &&
	PRVSH domstate nowhere >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	process_xml nowhere2 1 "" "<cputune><vcpupin vcpu=\"0\" cpuset=\"$missing\"/></cputune>" >nowhere2.xml &&
	test_must_fail PRVSH create nowhere2.xml 2>err &&
	test_grep "does not have" err &&
	! guest_pid nowhere2
'

test_expect_success 'malformed cpusets are refused at define' '
	for bad in "0-" "^0" "1-0" "0,,1" "0 ,1" "99999999999" "a"; do
		process_xml bad 1 "$bad" >bad.xml &&
		test_must_fail PRVSH define bad.xml 2>err &&
		test_grep "invalid cpuset" err || return 1
	done
'

test_expect_success 'destroy leaves no process of the domain' '
	pid=$(guest_pid one) &&
	PRVSH destroy one &&
	wait_gone "$pid" &&
	! guest_pid one &&
	PRVSH domstate one >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'an exe domain runs its program, placed' '
	cat >exe.xml <<-EOF &&
	<domain type="process"><name>prog</name><memory>1024</memory>
	  <vcpu cpuset="$HOST_FIRST_CPU">1</vcpu>
	  <os><type>exe</type><init>/bin/sleep</init><initarg>317</initarg></os>
	</domain>
	EOF
	PRVSH create exe.xml &&
	pid=$(pgrep -x -f "/bin/sleep 317") &&
	test -n "$pid" &&
	echo "$pid" >>"$TRASH/domain-pids" &&
	thread_cpus "$pid" >threads &&
	printf "sleep\t%s\n" "$HOST_FIRST_CPU" >expect &&
	test_cmp expect threads &&
	PRVSH destroy prog &&
	wait_gone "$pid"
'

test_expect_success 'the program finds itself placed from its first instructions' '
	cat >first.xml <<-EOF &&
	<domain type="process"><name>first</name><memory>1024</memory>
	  <vcpu cpuset="$HOST_LAST_CPU">1</vcpu>
	  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>
	  <initarg>grep Cpus_allowed_list /proc/\$\$/status; exec sleep 318</initarg></os>
	</domain>
	EOF
	PRVSH create first.xml &&
	wait_until 50 "pgrep -x -f \"sleep 318\" >pid" &&
	pid=$(cat pid) &&
	echo "$pid" >>"$TRASH/domain-pids" &&
	printf "Cpus_allowed_list:\t%s\n" "$HOST_LAST_CPU" >expect &&
	wait_until 50 "test -s run/process/first.log" &&
	test_cmp expect run/process/first.log &&
	PRVSH destroy first &&
	wait_gone "$pid"
'

test_done
