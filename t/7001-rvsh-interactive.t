#!/bin/sh
# SPDX-License-Identifier: MIT
# 7001-rvsh-interactive: rvsh on a terminal: prompt, completion, history.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
if ! command -v script >/dev/null 2>&1; then
	skip_all 'script(1) from util-linux is needed for a pseudo-terminal'
fi

# rvsh_tty INPUT: run rvsh on a pseudo-terminal fed INPUT, at most 10 s.
rvsh_tty () {
	printf "$1" | on_pty 10 "$RVSH" >tty.out &&
	tr -d "\r" <tty.out >tty.txt
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	XDG_STATE_HOME=$TRASH/state-home &&
	export XDG_STATE_HOME
'

test_expect_success 'interactive: prompt, a command, quit' '
	rvsh_tty "list\nquit\n" &&
	test_grep "rvsh # " tty.txt &&
	test_grep "1    test   running" tty.txt
'

test_expect_success 'tab completes command and domain names' '
	rvsh_tty "doms\tte\t\nquit\n" &&
	test_grep "^running\$" tty.txt
'

test_expect_success 'history is kept across sessions' '
	test_grep "domstate" "$XDG_STATE_HOME/rvirt/rvsh_history"
'

test_expect_success 'an error does not end the session' '
	rvsh_tty "dominfo nosuch\nuri\nquit\n" &&
	test_grep "rvsh: .*nosuch" tty.txt &&
	test_grep "^test:///default\$" tty.txt
'

test_expect_success 'end of input leaves cleanly' '
	rvsh_tty "uri\n" &&
	test_grep "^test:///default\$" tty.txt
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
