#!/bin/sh
# SPDX-License-Identifier: MIT
# 5002-process-pin: run-time pinning of a process domain (vcpupin,
# emulatorpin, vcpuinfo), checked against the kernel's view of each thread.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd
if test "$HOST_NCPUS" -lt 2; then
	skip_all "a pin change is only visible with 2 CPUs or more"
fi

A=$HOST_FIRST_CPU
B=$HOST_LAST_CPU
ALL=$(host_cpus)

test_expect_success 'start rvirtd and a domain with 3 vCPUs on all CPUs' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml web 3 >web.xml &&
	PRVSH define web.xml &&
	PRVSH start web &&
	pid=$(guest_pid web) &&
	thread_cpus "$pid" >before &&
	printf "CPU 0/KVM\t%s\nCPU 1/KVM\t%s\nCPU 2/KVM\t%s\nrvirt-guest\t%s\n" \
		"$ALL" "$ALL" "$ALL" "$ALL" >expect &&
	test_cmp expect before
'

test_expect_success 'vcpupin --live changes that vCPU thread and nothing else' '
	pid=$(guest_pid web) &&
	PRVSH vcpupin web 1 "$B" --live &&
	thread_cpus "$pid" >after &&
	sed "s/^\(CPU 1\/KVM\)	.*/\1	$B/" before >expect &&
	test_cmp expect after &&
	PRVSH --script vcpupin web >out &&
	printf "0\t%s\n1\t%s\n2\t%s\n" "$ALL" "$B" "$ALL" >expect &&
	test_cmp expect out
'

test_expect_success 'the definition did not change (--config shows it)' '
	PRVSH --script vcpupin web --config >out &&
	printf "0\t%s\n1\t%s\n2\t%s\n" "$ALL" "$ALL" "$ALL" >expect &&
	test_cmp expect out &&
	PRVSH dumpxml web >xml &&
	test_grep "<vcpupin vcpu=\"1\" cpuset=\"$B\"/>" xml
'

test_expect_success 'vcpupin --config changes the definition, not the threads' '
	pid=$(guest_pid web) &&
	thread_cpus "$pid" >before &&
	PRVSH vcpupin web 2 "$A" --config &&
	thread_cpus "$pid" >after &&
	test_cmp before after &&
	PRVSH --script vcpupin web 2 --config >out &&
	printf "2\t%s\n" "$A" >expect &&
	test_cmp expect out
'

test_expect_success 'vcpuinfo reports what the kernel has for each thread' '
	pid=$(guest_pid web) &&
	PRVSH --script vcpuinfo web >out &&
	test_line_count = 3 out &&
	cut -f 1,5 out >got &&
	printf "0\t%s\n1\t%s\n2\t%s\n" "$ALL" "$B" "$ALL" >expect &&
	test_cmp expect got &&
	awk -F "\t" "\$3 != \"running\" && \$3 != \"blocked\" { exit 1 }" out
'

test_expect_success 'emulatorpin --live moves the other threads only' '
	pid=$(guest_pid web) &&
	thread_cpus "$pid" >before &&
	PRVSH emulatorpin web "$A" --live &&
	thread_cpus "$pid" >after &&
	sed "s/^\(rvirt-guest\)	.*/\1	$A/" before >expect &&
	test_cmp expect after &&
	PRVSH --script emulatorpin web >out &&
	echo "$A" >expect &&
	test_cmp expect out
'

test_expect_success 'pinning to a CPU the host lacks is refused and changes nothing' '
	pid=$(guest_pid web) &&
	thread_cpus "$pid" >before &&
	test_must_fail PRVSH vcpupin web 0 "$((B + 1))" 2>err &&
	test_grep "no cpu $((B + 1))" err &&
	test_must_fail PRVSH vcpupin web 0 "0-" 2>err &&
	test_grep "invalid cpuset" err &&
	test_must_fail PRVSH vcpupin web 3 "$A" 2>err &&
	test_grep "no vcpu 3" err &&
	test_must_fail PRVSH emulatorpin web "4096" 2>err &&
	thread_cpus "$pid" >after &&
	test_cmp before after
'

test_expect_success 'usage errors' '
	test_expect_code 2 PRVSH vcpupin &&
	test_expect_code 2 PRVSH vcpupin web x 0 &&
	test_expect_code 2 PRVSH vcpupin web --live --config &&
	test_expect_code 2 PRVSH vcpupin web 0 0 --bogus &&
	test_expect_code 2 PRVSH vcpuinfo &&
	test_expect_code 2 PRVSH emulatorpin &&
	test_expect_code 2 PRVSH nodecpumap extra
'

test_expect_success 'the read-only socket refuses pinning but shows it' '
	RO="process://$PROCESS_PATH?socket=$RVIRTD_SOCK_RO" &&
	test_must_fail "$RVSH" -r -c "$RO" vcpupin web 0 "$A" 2>err &&
	test_grep "DOMAIN_PIN_VCPU" err &&
	test_grep "read-only" err &&
	test_must_fail "$RVSH" -r -c "$RO" emulatorpin web "$A" 2>err &&
	test_grep "DOMAIN_PIN_EMULATOR" err &&
	"$RVSH" -r -c "$RO" --script vcpupin web >out &&
	test_line_count = 3 out
'

test_expect_success 'the config pin is there at the next start' '
	pid=$(guest_pid web) &&
	PRVSH destroy web &&
	wait_gone "$pid" &&
	test_must_fail PRVSH vcpupin web 0 "$A" --live 2>err &&
	test_grep "not running" err &&
	PRVSH start web &&
	pid=$(guest_pid web) &&
	thread_cpus "$pid" >threads &&
	printf "CPU 0/KVM\t%s\nCPU 1/KVM\t%s\nCPU 2/KVM\t%s\nrvirt-guest\t%s\n" \
		"$ALL" "$ALL" "$A" "$ALL" >expect &&
	test_cmp expect threads &&
	PRVSH destroy web &&
	wait_gone "$pid"
'

test_done
