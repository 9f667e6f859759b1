#!/bin/sh
# SPDX-License-Identifier: MIT
# 5008-qemu-scripted: the qemu driver end to end against t/tools/fake-qemu,
# a stand-in with vCPU threads and a scripted QMP monitor (QEMU itself is
# t/5007's): thread ids from query-cpus-fast, placement, pinning, stop,
# cont, reset, powerdown.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

FAKE=$RVIRT_BUILD/t/tools/fake-qemu
test -x "$FAKE" || skip_all "t/tools/fake-qemu is not built"
A=$HOST_FIRST_CPU
B=$HOST_LAST_CPU

mkdir "$TRASH/bin" &&
ln -s "$FAKE" "$TRASH/bin/qemu-system-$(uname -m)" || exit 1

QRVSH () {
	"$RVSH" -c "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

qemu_pid () {
	qp_=$(pgrep -f "guest=$1,debug-threads=on") || return 1
	echo "$qp_" >>"$TRASH/domain-pids"
	echo "$qp_"
}

test_expect_success 'start rvirtd with the stand-in first in PATH' '
	write_config rvirtd.conf &&
	PATH_SAVED=$PATH && PATH=$TRASH/bin:$PATH &&
	start_rvirtd; st=$?; PATH=$PATH_SAVED; test $st = 0
'

test_expect_success 'the qemu driver opens' '
	QRVSH version >out &&
	test_grep QEMU out &&
	QRVSH capabilities >caps &&
	test_grep "<domain type=\"qemu\"/>" caps
'

test_expect_success 'start: vCPU threads found by QMP and placed' '
	cat >q.xml <<-EOF &&
	<domain type="qemu"><name>q1</name><memory unit="MiB">64</memory>
	  <vcpu cpuset="$A-$B">2</vcpu>
	  <cputune><vcpupin vcpu="0" cpuset="$B"/><emulatorpin cpuset="$A"/></cputune>
	</domain>
	EOF
	QRVSH define q.xml &&
	QRVSH start q1 &&
	pid=$(qemu_pid q1) &&
	thread_cpus "$pid" >threads &&
	all=$(host_cpus) &&
	if test "$A" = "$B"; then all=$A; fi &&
	main=$(cat /proc/$pid/comm) &&
	printf "CPU 0/TCG\t%s\nCPU 1/TCG\t%s\n%s\t%s\n" \
		"$B" "$all" "$main" "$A" | sort >expect &&
	test_cmp expect threads &&
	grep "query-cpus-fast" run/qemu/q1.log &&
	grep "\"cont\"" run/qemu/q1.log
'

test_expect_success 'vcpupin --live moves the thread QMP names' '
	pid=$(qemu_pid q1) &&
	QRVSH vcpupin q1 1 "$A" --live &&
	thread_cpus "$pid" >threads &&
	test_grep "^CPU 1/TCG	$A\$" threads &&
	QRVSH --script vcpuinfo q1 >out &&
	test_line_count = 2 out
'

test_expect_success 'suspend and resume are QMP stop and cont' '
	QRVSH suspend q1 &&
	QRVSH domstate q1 >out &&
	echo paused >expect &&
	test_cmp expect out &&
	grep "\"stop\"" run/qemu/q1.log &&
	QRVSH resume q1 &&
	QRVSH domstate q1 >out &&
	echo running >expect &&
	test_cmp expect out
'

test_expect_success 'reboot is system_reset, same process' '
	pid=$(qemu_pid q1) &&
	QRVSH reboot q1 &&
	grep "system_reset" run/qemu/q1.log &&
	test "$(qemu_pid q1)" = "$pid"
'

test_expect_success 'shutdown is system_powerdown; the monitor socket goes' '
	pid=$(qemu_pid q1) &&
	QRVSH shutdown q1 &&
	wait_gone "$pid" &&
	QRVSH domstate q1 >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	! test -e run/qemu/q1.qmp
'

test_expect_success 'destroy kills it; killed from outside is shut off' '
	QRVSH start q1 &&
	pid=$(qemu_pid q1) &&
	QRVSH destroy q1 &&
	wait_gone "$pid" &&
	QRVSH start q1 &&
	pid=$(qemu_pid q1) &&
	kill -KILL "$pid" &&
	wait_gone "$pid" &&
	QRVSH domstate q1 >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'a thread id QMP names outside qemu is refused, not pinned' '
	sleep 303 &
	other=$! &&
	echo "$other" >>"$TRASH/domain-pids" &&
	before=$(thread_cpus "$other") &&
	stop_rvirtd &&
	PATH_SAVED=$PATH && PATH=$TRASH/bin:$PATH &&
	FAKE_QEMU_VCPU0_TID=$other && export FAKE_QEMU_VCPU0_TID &&
	start_rvirtd; st=$?; PATH=$PATH_SAVED; unset FAKE_QEMU_VCPU0_TID &&
	test $st = 0 &&
	cat >liar.xml <<-EOF &&
	<domain type="qemu"><name>liar</name><memory unit="MiB">64</memory>
	  <vcpu>1</vcpu>
	  <cputune><vcpupin vcpu="0" cpuset="$B"/><emulatorpin cpuset="$A"/></cputune>
	</domain>
	EOF
	test_must_fail QRVSH create liar.xml 2>err &&
	! qemu_pid liar &&
	test_grep "vcpu 0 has thread $other, which is not a thread of qemu" err &&
	test "$(thread_cpus "$other")" = "$before" &&
	kill "$other"
'

test_done
