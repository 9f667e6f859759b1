#!/bin/sh
# SPDX-License-Identifier: MIT
# 7100-rvsh-console: rvsh console against a process domain on a
# pseudo-terminal: type, read the answer, ^] leaves with the terminal
# restored; the console carries on across a SIGKILL of rvirtd; read-only
# may read, not write; --force takes over; the log is bounded.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

PTYRUN=$RVIRT_BUILD/t/tools/ptyrun
URI="process://$PROCESS_PATH?socket=$RVIRTD_SOCK"

# console_run SCRIPT [RVSH ARGS...]: rvsh console on a pty, OUT in SCRIPT.out
console_run () {
	cr_script_=$1
	shift
	"$PTYRUN" -t 60 -o "$cr_script_.out" "$cr_script_" \
		"$RVSH" -c "process://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

test_expect_success 'start rvirtd and a process domain with a console' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml con 1 >con.xml &&
	PRVSH define con.xml &&
	PRVSH start con &&
	guest_pid con >/dev/null
'

test_expect_success 'the console holder is no child of rvirtd, the log fills' '
	dir=$(ls -d run/process/console/*) &&
	test -S "$dir/sock" &&
	wait_until 100 "grep -q \"serial console ready\" $dir/log.*" &&
	holder=$(fuser "$dir/lock" 2>/dev/null | tr -d " ") &&
	test -n "$holder" &&
	ppid=$(sed -n "s/^PPid:[^0-9]*//p" /proc/$holder/status) &&
	! readlink /proc/$ppid/exe | grep -q rvirtd
'

test_expect_success 'rvsh console: type, read the answer, ^] leaves, terminal restored' '
	cat >s1 <<-\EOF &&
	expect Escape character is ^]
	send echo hello-console\r
	expect hello-console
	expect hello-console
	send name\r
	expect con
	send \x1d
	exit 0
	cooked
	EOF
	console_run s1 console con
'

test_expect_success 'a second writer is refused; --force takes over, the first is told' '
	cat >s2 <<-\EOF &&
	expect Escape character is ^]
	send echo first\r
	expect first
	expect first
	touch s2.ready
	waitfile s2.go
	send echo after\r
	expect taken over by another client
	exit 1
	cooked
	EOF
	rm -f s2.ready s2.go &&
	{ console_run s2 console con >s2.log 2>&1 & } &&
	pid2=$! &&
	wait_until 300 "test -f s2.ready" &&
	cat >s3 <<-\EOF &&
	exit 1
	EOF
	console_run s3 console con &&
	test_grep "another client has it open" s3.out &&
	cat >s4 <<-\EOF &&
	expect Escape character is ^]
	send echo second\r
	expect second
	expect second
	touch s2.go
	send \x1d
	exit 0
	EOF
	console_run s4 console con --force &&
	{ wait $pid2 || { cat s2.log; false; }; }
'

test_expect_success 'read-only: reads, does not write' '
	cat >s5 <<-\EOF &&
	expect Escape character is ^]
	send echo ro\r
	expect read-only console
	send \x1d
	exit 0
	cooked
	EOF
	"$PTYRUN" -t 60 -o s5.out s5 "$RVSH" -r \
		-c "process://$PROCESS_PATH?socket=$RVIRTD_SOCK_RO" console con
'

test_expect_success 'the console carries on across a SIGKILL of rvirtd, output made meanwhile shown' '
	cat >s6 <<-\EOF &&
	expect Escape character is ^]
	send echo before-crash\r
	expect before-crash
	expect before-crash
	touch s6.ready
	expect reconnecting
	expect the console goes on
	expect SIGUSR1 received
	send echo after-crash\r
	expect after-crash
	expect after-crash
	send \x1d
	exit 0
	cooked
	EOF
	rm -f s6.ready &&
	{ console_run s6 console con >s6.log 2>&1 & } &&
	pid6=$! &&
	wait_until 300 "test -f s6.ready" &&
	crash_rvirtd &&
	dir=$(ls -d run/process/console/*) &&
	test -S "$dir/sock" &&
	kill -USR1 $(guest_pid con) &&
	wait_until 100 "grep -q \"SIGUSR1 received\" $dir/log.*" &&
	start_rvirtd &&
	{ wait $pid6 || { cat s6.log; false; }; }
'

test_expect_success 'the domain ends: its holder goes, the console says so' '
	cat >s7 <<-\EOF &&
	expect Escape character is ^]
	touch s7.ready
	expect console ended
	exit 0
	cooked
	EOF
	rm -f s7.ready &&
	{ console_run s7 console con >s7.log 2>&1 & } &&
	pid7=$! &&
	wait_until 300 "test -f s7.ready" &&
	PRVSH destroy con &&
	{ wait $pid7 || { cat s7.log; false; }; } &&
	dir=$(ls -d run/process/console/*) &&
	wait_until 100 "! test -S $dir/sock" &&
	cat >s8 <<-\EOF &&
	exit 1
	EOF
	console_run s8 console con &&
	test_grep "not running" s8.out
'

test_expect_success 'the log is bounded: a flood keeps two segments of 512 KiB' '
	PRVSH start con &&
	cat >s9 <<-\EOF &&
	expect Escape character is ^]
	send flood 1500000\r
	expect flood done
	send \x1d
	exit 0
	EOF
	console_run s9 console con >/dev/null &&
	dir=$(ls -d run/process/console/*) &&
	test $(ls $dir/log.* | wc -l) -le 2 &&
	total=$(cat $dir/log.* | wc -c) &&
	test "$total" -le 1048576 &&
	test "$total" -ge 524288 &&
	PRVSH destroy con
'

test_done
