#!/bin/sh
# SPDX-License-Identifier: MIT
# 7107-qemu-console: a QEMU domain's serial console is a process
# domain's: a tiny firmware (t/tools/serial-echo.S, <os><loader>) talks
# on COM1; rvsh console types and reads its answer; the log keeps the
# banner; the console carries on across a SIGKILL of rvirtd; destroy
# ends it.  Skipped where QEMU is not installed.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-qemu.sh"
require_rvirtd

PTYRUN=$RVIRT_BUILD/t/tools/ptyrun

# console_run SCRIPT [RVSH ARGS...]: rvsh console on a pty, OUT in SCRIPT.out
console_run () {
	cr_script_=$1
	shift
	"$PTYRUN" -t 120 -o "$cr_script_.out" "$cr_script_" \
		"$RVSH" -c "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success '<os><loader> must be an absolute path' '
	cat >bad.xml <<-EOF &&
	<domain type="qemu"><name>qc-bad</name><memory unit="MiB">16</memory>
	  <os><type>hvm</type><loader>serial-echo.bin</loader></os>
	</domain>
	EOF
	test_must_fail QRVSH define bad.xml 2>err &&
	test_grep "<os><loader>: .serial-echo.bin. is not an absolute path" err
'

test_expect_success 'a QEMU domain with the firmware: its COM1 is the console pty' '
	cat >qc.xml <<-EOF &&
	<domain type="qemu"><name>qc</name><memory unit="MiB">16</memory>
	  <os><type>hvm</type><loader>$FIRMWARE</loader></os>
	</domain>
	EOF
	QRVSH define qc.xml &&
	QRVSH dumpxml qc >dump &&
	test_grep "<loader>$FIRMWARE</loader>" dump &&
	QRVSH start qc &&
	pid=$(qemu_pid qc) &&
	case $(readlink /proc/$pid/fd/0) in /dev/pts/*) ;; *) false ;; esac &&
	case $(readlink /proc/$pid/fd/1) in /dev/pts/*) ;; *) false ;; esac &&
	case $(readlink /proc/$pid/fd/2) in "$TRASH"/run/qemu/*) ;; *) false ;; esac &&
	dir=$(ls -d run/qemu/console/*) &&
	test -S "$dir/sock" &&
	wait_until 600 "grep -q \"serial-echo firmware ready\" $dir/log.*"
'

test_expect_success 'rvsh console: type, read the firmware answer, ^] leaves' '
	cat >s1 <<-\EOF &&
	expect Escape character is ^]
	send hello-qemu\r
	expect serial-echo got [hello-qemu]
	send \x1d
	exit 0
	cooked
	EOF
	console_run s1 console qc
'

test_expect_success 'the console log kept the banner and the answer' '
	dir=$(ls -d run/qemu/console/*) &&
	cat $dir/log.* >log &&
	test_grep "rvirt serial-echo firmware ready" log &&
	test_grep "serial-echo got .hello-qemu]" log
'

test_expect_success 'the console carries on across a SIGKILL of rvirtd' '
	cat >s2 <<-\EOF &&
	expect Escape character is ^]
	send before-crash\r
	expect serial-echo got [before-crash]
	touch s2.ready
	expect reconnecting
	expect the console goes on
	send after-crash\r
	expect serial-echo got [after-crash]
	send \x1d
	exit 0
	cooked
	EOF
	rm -f s2.ready &&
	{ console_run s2 console qc >s2.log 2>&1 & } &&
	pid2=$! &&
	wait_until 600 "test -f s2.ready" &&
	crash_rvirtd &&
	pid=$(qemu_pid qc) &&
	dir=$(ls -d run/qemu/console/*) &&
	test -S "$dir/sock" &&
	start_rvirtd &&
	{ wait $pid2 || { cat s2.log; false; }; }
'

test_expect_success 'destroy ends the console; its holder goes' '
	cat >s3 <<-\EOF &&
	expect Escape character is ^]
	touch s3.ready
	expect console ended
	exit 0
	cooked
	EOF
	rm -f s3.ready &&
	{ console_run s3 console qc >s3.log 2>&1 & } &&
	pid3=$! &&
	wait_until 600 "test -f s3.ready" &&
	pid=$(qemu_pid qc) &&
	QRVSH destroy qc &&
	wait_gone "$pid" &&
	{ wait $pid3 || { cat s3.log; false; }; } &&
	dir=$(ls -d run/qemu/console/*) &&
	wait_until 600 "! test -S $dir/sock" &&
	cat >s4 <<-\EOF &&
	exit 1
	EOF
	console_run s4 console qc &&
	test_grep "not running" s4.out
'

test_done
