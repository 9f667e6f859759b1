#!/bin/sh
# SPDX-License-Identifier: MIT
# 5006-test-driver-pin: the test driver simulates pinning on its 16-CPU
# host: vcpupin, emulatorpin, vcpuinfo, nodecpumap, autostart via rvsh.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

test_expect_success 'librvirt.so exports every function of rvirt.h' '
	sed -n "s/^[a-z].*[ *]\(rvirt_[a-z_0-9]*\)(.*/\1/p" \
		"$RVIRT_SRC/client/rvirt.h" | sort -u >declared &&
	test_grep "^rvirt_cpumap_parse\$" declared &&
	nm -D --defined-only "$RVIRT_BUILD/librvirt.so.0" |
		awk "{ sub(/@.*/, \"\", \$3); print \$3 }" | sort -u >exported &&
	comm -23 declared exported >missing &&
	cat missing &&
	! test -s missing
'

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'nodecpumap: the simulated host has CPUs 0-15' '
	"$RVSH" --script nodecpumap >out &&
	printf "cpus\t16\nonline\t16\ncpumap\t0-15\n" >expect &&
	test_cmp expect out &&
	"$RVSH" nodecpumap >out &&
	test_grep "^CPU map: *0-15\$" out
'

test_expect_success 'vcpupin shows, changes live, keeps the definition' '
	"$RVSH" --script vcpupin test >out &&
	printf "0\t0-15\n1\t0-15\n" >expect &&
	test_cmp expect out &&
	"$RVSH" vcpupin test 1 "4-7,^5" &&
	"$RVSH" --script vcpupin test >out &&
	printf "0\t0-15\n1\t4,6-7\n" >expect &&
	test_cmp expect out &&
	"$RVSH" --script vcpupin test 1 --config >out &&
	printf "1\t0-15\n" >expect &&
	test_cmp expect out &&
	"$RVSH" vcpupin test 1 >out &&
	echo "4,6-7" >expect &&
	test_cmp expect out
'

test_expect_success 'vcpuinfo: simulated vCPUs on their affinity' '
	"$RVSH" --script vcpuinfo test >out &&
	test_line_count = 2 out &&
	cut -f 1,2,3,5 out >got &&
	printf "0\t0\trunning\t0-15\n1\t6\trunning\t4,6-7\n" >expect &&
	test_cmp expect got
'

test_expect_success 'live and config together; dumpxml shows the pins' '
	"$RVSH" vcpupin test 0 3 --live --config &&
	"$RVSH" emulatorpin test 8-9 --live --config &&
	"$RVSH" dumpxml test >xml &&
	test_grep "<vcpupin vcpu=\"0\" cpuset=\"3\"/>" xml &&
	test_grep "<emulatorpin cpuset=\"8-9\"/>" xml &&
	"$RVSH" --script emulatorpin test --config >out &&
	echo "8-9" >expect &&
	test_cmp expect out
'

test_expect_success 'a CPU the simulated host lacks, and bad lists' '
	test_must_fail "$RVSH" vcpupin test 0 16 2>err &&
	test_grep "no cpu 16 (it has 0-15)" err &&
	test_must_fail "$RVSH" vcpupin test 0 "3-1" 2>err &&
	test_grep "invalid cpuset" err &&
	test_must_fail "$RVSH" vcpupin test 2 1 2>err &&
	test_grep "no vcpu 2" err
'

test_expect_success 'a shut off domain: --live refused, config by default' '
	cat >web.xml <<-\EOF &&
	<domain type="test"><name>web</name><memory>1024</memory><vcpu>2</vcpu></domain>
	EOF
	"$RVSH" define web.xml &&
	test_must_fail "$RVSH" vcpupin web 0 1 --live 2>err &&
	test_grep "not running" err &&
	"$RVSH" vcpupin web 0 1 &&
	"$RVSH" --script vcpupin web >out &&
	printf "0\t1\n1\t0-15\n" >expect &&
	test_cmp expect out &&
	test_must_fail "$RVSH" vcpuinfo web 2>err &&
	test_grep "not running" err
'

test_expect_success 'autostart on and off' '
	"$RVSH" autostart web >out &&
	test_grep "marked as autostarted" out &&
	"$RVSH" autostart web --disable >out &&
	test_grep "unmarked" out
'

test_expect_success 'help lists the new commands' '
	"$RVSH" help >out &&
	for c in vcpupin vcpuinfo emulatorpin nodecpumap autostart; do
		test_grep "^  $c " out || return 1
	done &&
	"$RVSH" help vcpupin >out &&
	test_grep "^usage: vcpupin DOMAIN" out
'

test_done
