#!/bin/sh
# SPDX-License-Identifier: MIT
# 5004-process-lifecycle: suspend, resume, reboot, shutdown and info of
# process domains, as the kernel sees their processes.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

# The state letter of every thread of pid, sorted and unique.
thread_states () {
	for ts_t_ in /proc/"$1"/task/*; do
		sed 's/.*) //' "$ts_t_/stat" | cut -c 1
	done | sort -u | tr -d '\n'
}

rss_kib () {
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/"$1"/status
}

test_expect_success 'start rvirtd and a busy domain with 16 MiB it writes' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	cat >busy.xml <<-EOF &&
	<domain type="process"><name>busy</name>
	  <memory unit="MiB">16</memory><vcpu>2</vcpu>
	  <os><type>hvm</type><cmdline>load=busy,duty:20 touch=all</cmdline></os>
	</domain>
	EOF
	PRVSH define busy.xml &&
	PRVSH start busy &&
	pid=$(guest_pid busy) &&
	wait_until 50 "test \$(rss_kib $pid) -ge 16384"
'

test_expect_success 'CPU time comes from /proc and grows while it runs' '
	PRVSH --script dominfo busy >a &&
	ta=$(sed -n "s/^cpu_time_ns\t//p" a) &&
	wait_until 300 "PRVSH --script dominfo busy >b &&
		test \$(sed -n \"s/^cpu_time_ns\t//p\" b) -gt $ta" &&
	test_grep "^cpus	2\$" b &&
	test_grep "^max_memory_kib	16384\$" b
'

test_expect_success 'suspend stops every thread (state T); resume continues' '
	pid=$(guest_pid busy) &&
	PRVSH suspend busy &&
	test "$(thread_states "$pid")" = T &&
	PRVSH domstate busy >out &&
	echo paused >expect &&
	test_cmp expect out &&
	test_must_fail PRVSH suspend busy 2>err &&
	test_grep "already paused" err &&
	test_must_fail PRVSH shutdown busy 2>err &&
	test_grep "resume it first" err &&
	PRVSH resume busy &&
	! thread_states "$pid" | grep -q T &&
	PRVSH domstate busy >out &&
	echo running >expect &&
	test_cmp expect out
'

test_expect_success 'reboot keeps the process and its vCPU threads' '
	pid=$(guest_pid busy) &&
	thread_cpus "$pid" >before &&
	ls /proc/$pid/task >tids.before &&
	PRVSH reboot busy &&
	wait_until 50 "grep -q rebooted run/process/busy.log" &&
	test "$(guest_pid busy)" = "$pid" &&
	ls /proc/$pid/task >tids.after &&
	test_cmp tids.before tids.after &&
	thread_cpus "$pid" >after &&
	test_cmp before after
'

test_expect_success 'shutdown: the guest stops its threads and exits' '
	pid=$(guest_pid busy) &&
	PRVSH shutdown busy &&
	wait_gone "$pid" &&
	test_grep "shut down (signal 15)" run/process/busy.log &&
	PRVSH domstate busy >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	test_must_fail PRVSH vcpuinfo busy 2>err &&
	test_grep "not running" err
'

test_expect_success 'a program that ignores the request: shutdown times out, destroy works' '
	cat >stubborn.xml <<-EOF &&
	<domain type="process"><name>stubborn</name><memory>1024</memory>
	  <os><type>exe</type><init>/bin/sh</init>
	  <initarg>-c</initarg><initarg>trap "" TERM; sleep 301; sleep 1</initarg></os>
	</domain>
	EOF
	PRVSH create stubborn.xml &&
	pid=$(pgrep -x -f "/bin/sh -c trap \"\" TERM; sleep 301; sleep 1") &&
	echo "$pid" >>"$TRASH/domain-pids" &&
	test_must_fail PRVSH shutdown stubborn 2>err &&
	test_grep "did not shut down within" err &&
	PRVSH domstate stubborn >out &&
	echo running >expect &&
	test_cmp expect out &&
	child=$(pgrep -x -f "sleep 301") &&
	PRVSH destroy stubborn &&
	wait_gone "$pid" &&
	wait_gone "$child"
'

test_expect_success 'shutdown of a program leaves none of its children behind' '
	cat >parent.xml <<-EOF &&
	<domain type="process"><name>parent</name><memory>1024</memory>
	  <os><type>exe</type><init>/bin/sh</init>
	  <initarg>-c</initarg><initarg>sleep 305 &amp; wait; sleep 1</initarg></os>
	</domain>
	EOF
	PRVSH create parent.xml &&
	pid=$(pgrep -x -f "/bin/sh -c sleep 305 & wait; sleep 1") &&
	echo "$pid" >>"$TRASH/domain-pids" &&
	wait_until 50 "pgrep -x -f \"sleep 305\" >child" &&
	child=$(cat child) &&
	echo "$child" >>"$TRASH/domain-pids" &&
	PRVSH shutdown parent &&
	wait_gone "$pid" &&
	wait_gone "$child"
'

test_expect_success 'reboot of an exe domain starts a new process, same id' '
	cat >prog.xml <<-EOF &&
	<domain type="process"><name>prog</name><memory>1024</memory>
	  <os><type>exe</type><init>/bin/sleep</init><initarg>302</initarg></os>
	</domain>
	EOF
	PRVSH define prog.xml &&
	PRVSH start prog &&
	id=$(PRVSH --script dominfo prog | sed -n "s/^id\t//p") &&
	old=$(pgrep -x -f "/bin/sleep 302") &&
	echo "$old" >>"$TRASH/domain-pids" &&
	PRVSH reboot prog &&
	wait_gone "$old" &&
	new=$(pgrep -x -f "/bin/sleep 302") &&
	echo "$new" >>"$TRASH/domain-pids" &&
	test "$new" != "$old" &&
	test "$(PRVSH --script dominfo prog | sed -n "s/^id\t//p")" = "$id" &&
	PRVSH destroy prog &&
	wait_gone "$new"
'

test_expect_success 'an exe domain without an absolute program is refused' '
	cat >rel.xml <<-EOF &&
	<domain type="process"><name>rel</name><memory>1024</memory>
	  <os><type>exe</type><init>sleep</init></os></domain>
	EOF
	test_must_fail PRVSH create rel.xml 2>err &&
	test_grep "absolute path" err &&
	cat >missing.xml <<-EOF &&
	<domain type="process"><name>missing</name><memory>1024</memory>
	  <os><type>exe</type><init>/nonexistent/program</init></os></domain>
	EOF
	test_must_fail PRVSH create missing.xml 2>err &&
	test_grep "cannot run .*/nonexistent/program.*no such file" err
'

test_expect_success 'one worker: no descriptor leaks over starts, pins and stops' '
	stop_rvirtd &&
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 &&
	start_rvirtd &&
	w=$(worker_pids) &&
	test -n "$w" &&
	process_xml fds 2 >fds.xml &&
	PRVSH define fds.xml &&
	wait_until 50 "test \$(ls /proc/$w/fd | wc -l) -gt 0" &&
	PRVSH start fds && pid=$(guest_pid fds) &&
	PRVSH destroy fds && wait_gone "$pid" &&
	ls /proc/$w/fd >fds.before &&
	for i in 1 2 3 4 5 6 7 8; do
		PRVSH start fds &&
		pid=$(guest_pid fds) &&
		PRVSH vcpupin fds 0 "$HOST_LAST_CPU" --live &&
		PRVSH vcpuinfo fds >/dev/null &&
		PRVSH suspend fds && PRVSH resume fds &&
		PRVSH destroy fds &&
		wait_gone "$pid" || return 1
	done &&
	test_must_fail PRVSH create missing.xml 2>/dev/null &&
	test "$(worker_pids)" = "$w" &&
	wait_until 50 "ls /proc/$w/fd >fds.after && cmp -s fds.before fds.after" ||
	{ ls -l /proc/$w/fd; false; }
'

test_expect_success 'a test domain type is refused by the process driver' '
	echo "<domain type=\"test\"><name>t</name><memory>1</memory></domain>" >t.xml &&
	test_must_fail PRVSH define t.xml 2>err &&
	test_grep "type=.process." err
'

test_done
