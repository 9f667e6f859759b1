#!/bin/sh
# SPDX-License-Identifier: MIT
# 5007-qemu: real qemu-system (TCG) domains placed and pinned like process
# domains; skipped where QEMU is not installed.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

QEMU=qemu-system-$(uname -m)
command -v "$QEMU" >/dev/null 2>&1 || skip_all "$QEMU is not installed"
A=$HOST_FIRST_CPU
B=$HOST_LAST_CPU

QRVSH () {
	"$RVSH" -c "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

qemu_pid () {
	qp_=$(pgrep -f "guest=$1,debug-threads=on") || return 1
	echo "$qp_" >>"$TRASH/domain-pids"
	echo "$qp_"
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'a TCG domain: its vCPU threads are where the XML says' '
	cat >q.xml <<-EOF &&
	<domain type="qemu"><name>real</name><memory unit="MiB">64</memory>
	  <vcpu cpuset="$A-$B">2</vcpu>
	  <cputune><vcpupin vcpu="0" cpuset="$B"/></cputune>
	</domain>
	EOF
	QRVSH define q.xml &&
	QRVSH start real &&
	pid=$(qemu_pid real) &&
	thread_cpus "$pid" >threads &&
	test_grep "^CPU 0/TCG	$B\$" threads &&
	QRVSH --script vcpupin real >out &&
	test_grep "^0	$B\$" out
'

test_expect_success 'vcpupin --live moves one vCPU thread' '
	pid=$(qemu_pid real) &&
	QRVSH vcpupin real 1 "$A" --live &&
	thread_cpus "$pid" >threads &&
	test_grep "^CPU 1/TCG	$A\$" threads &&
	test_grep "^CPU 0/TCG	$B\$" threads
'

test_expect_success 'suspend, resume, destroy' '
	pid=$(qemu_pid real) &&
	QRVSH suspend real &&
	QRVSH domstate real >out && echo paused >expect && test_cmp expect out &&
	QRVSH resume real &&
	QRVSH destroy real &&
	wait_gone "$pid"
'

test_done
