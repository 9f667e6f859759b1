#!/bin/sh
# SPDX-License-Identifier: MIT
# 7003-rvsh-outage: the interactive rvsh through an outage, on a
# pseudo-terminal: it says it is waiting, Ctrl-C stops the wait but not
# the shell, the next command tries again and the session resumes,
# "connect URI" opens another connection, and the history is written
# on every way out (quit, a hang-up), a line at a time (libedit writes
# a blank as \040).

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
if ! command -v script >/dev/null 2>&1; then
	skip_all 'script(1) from util-linux is needed for a pseudo-terminal'
fi

# wait_file F: until F exists, 60 s at most (the typist's pace).
wait_file () {
	i=0
	while ! test -f "$1" && test $i -lt 600; do
		sleep 0.1
		i=$((i + 1))
	done
}

# The person at the terminal: each step waits for the test to say go.
typist () {
	printf 'list --all\n'
	wait_file go1
	printf 'list --all\n'
	wait_file go2
	printf '\003'
	wait_file go3
	printf '\003'
	wait_file go4
	printf 'hostname\n'
	wait_file go5
	printf 'connect test:///default?socket=%s\n' "$RVIRTD_SOCK"
	printf 'uri\n'
	printf 'quit\n'
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	XDG_STATE_HOME=$TRASH/state-home &&
	export XDG_STATE_HOME
'

# tty_wait PATTERN: until the terminal shows PATTERN, 60 s at most (a
# bound for a loaded machine, not a pace); on a timeout, what the
# terminal showed goes into the test's output.
tty_wait () {
	wait_until 600 "grep -q \"$1\" tty.out" && return 0
	echo "tty_wait: no '$1' on the terminal within 60 s; it shows:"
	tr -d "\r" <tty.out
	return 1
}

test_expect_success 'rvsh waits out an outage, says so; Ctrl-C stops the wait, not the shell' '
	rm -f go1 go2 go3 go4 go5 &&
	{ typist | on_pty 300 "$RVSH" >tty.out 2>&1 &
	  t=$!; } &&
	tty_wait "test *running" &&
	stop_rvirtd &&
	touch go1 &&
	tty_wait "still trying (Ctrl-C to stop waiting)" &&
	touch go2 &&
	tty_wait "stopped waiting" &&
	touch go3 &&
	start_rvirtd rvirtd.conf &&
	touch go4 &&
	tty_wait "reconnected: the session goes on" &&
	touch go5 &&
	wait "$t" &&
	tr -d "\r" <tty.out >tty.txt &&
	cat tty.txt &&
	test_grep "rvsh: rvirtd is not answering; still trying (Ctrl-C to stop waiting)" tty.txt &&
	test_grep "rvsh: .*stopped waiting for it (interrupted)" tty.txt &&
	test_grep "rvsh: reconnected: the session goes on" tty.txt &&
	test_grep "^test:///default\$" tty.txt
'

test_expect_success 'the history holds the commands, connect included' '
	h=$XDG_STATE_HOME/rvirt/rvsh_history &&
	cat "$h" &&
	test_grep "^hostname\$" "$h" &&
	test_grep "^connect.040test:///default" "$h" &&
	test_grep "^uri\$" "$h"
'

test_expect_success 'connect with a bad URI says why and the shell goes on' '
	printf "connect nosuch+tcp://\nuri\nquit\n" |
		on_pty 120 "$RVSH" >bad.out 2>&1 &&
	tr -d "\r" <bad.out >bad.txt &&
	cat bad.txt &&
	test_grep "rvsh: .*nosuch" bad.txt &&
	test_grep "^test:///default\$" bad.txt
'

test_expect_success 'the history is written when the terminal hangs up' '
	rm -f go1 &&
	{ { printf "nodeinfo\n"; wait_file go1; } |
		on_pty 120 "$RVSH" >hup.out 2>&1 &
	  t=$!; } &&
	wait_until 600 "grep -q \"CPU model\" hup.out" &&
	r=$(descendant_named "$t" rvsh) &&
	test -n "$r" &&
	kill -HUP $r &&
	touch go1 &&
	wait "$t";
	test_grep "^nodeinfo\$" "$XDG_STATE_HOME/rvirt/rvsh_history"
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
