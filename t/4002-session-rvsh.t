#!/bin/sh
# SPDX-License-Identifier: MIT
# 4002-session-rvsh: interactive rvsh goes on across a crash and restart
# of the daemon: the next command works, in the same session.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
if ! command -v script >/dev/null 2>&1; then
	skip_all 'script(1) from util-linux is needed for a pseudo-terminal'
fi

# Two commands, a pause until the file "go" exists (20 s at most), then
# two more, all typed on a pseudo-terminal.
typist () {
	printf 'define d1.xml\nlist --all\n'
	i=0
	while ! test -f go && test $i -lt 200; do
		sleep 0.1
		i=$((i + 1))
	done
	printf 'start d1\nlist\nquit\n'
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	XDG_STATE_HOME=$TRASH/state-home &&
	export XDG_STATE_HOME &&
	printf "<domain type=\"test\"><name>d1</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" >d1.xml
'

test_expect_success 'rvsh on a terminal keeps working across a daemon crash' '
	rm -f go &&
	{ typist | on_pty 30 "$RVSH" >tty.out 2>&1 &
	  t=$!; } &&
	wait_until 100 "grep -q \"d1 *shut off\" tty.out" &&
	crash_rvirtd &&
	start_rvirtd rvirtd.conf &&
	touch go &&
	wait $t &&
	tr -d "\r" <tty.out >tty.txt &&
	cat tty.txt &&
	test_grep "Domain .d1. started" tty.txt &&
	test_grep "rvsh: connection to the daemon dropped" tty.txt &&
	test_grep "rvsh: reconnected: the session goes on" tty.txt &&
	test_grep "d1 *running" tty.txt &&
	! grep -i "error" tty.txt
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
