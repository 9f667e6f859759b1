#!/bin/sh
# SPDX-License-Identifier: MIT
# 4000-session-survive: a librvirt client keeps making mutating calls
# while the whole daemon is killed with SIGKILL and started again, and
# while it is upgraded with USR2: it sees no error, and every call ran
# exactly once.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

ROUNDS=${RVIRT_SESSION_ROUNDS:-100000}
RESTARTS=${RVIRT_SESSION_RESTARTS:-4}
SESSLOAD=$RVIRT_BUILD/t/tools/sessload

# How many times the client has said "reconnected".
reconnects () {
	grep -c '^sessload: reconnected' "$1" 2>/dev/null || true
}

# The domains named PREFIX-N that are defined, one per line, sorted.
defined () {
	"$RVIRT_BUILD/rvsh" --script list --all | cut -f 2 |
		grep "^$1-" | sort
}

# The names that must be defined after R rounds, keeping every 10th.
expected () {
	i=10
	while test "$i" -le "$2"; do
		echo "$1-$i"
		i=$((i + 10))
	done | sort
}

# Run sessload as PREFIX [on URI] in the background until stopped.
load_start () {
	rm -f "$1.stop" "$1.out" "$1.err"
	"$SESSLOAD" -n "$ROUNDS" -p "$1" -k 10 -s "$1.stop" \
		${2:+-u "$2"} >"$1.out" 2>"$1.err" &
	LOAD_PID=$!
	# The first rounds must be done: the session is open and busy.
	wait_until 100 "grep -q . \"$1.err\" || test \$(defined $1 | wc -l) -ge 1"
}

load_stop () {
	touch "$1.stop"
	wait "$LOAD_PID"
	load_rc_=$?
	cat "$1.out"
	grep -v '^sessload: \(dis\|re\)connected' "$1.err" >&2
	return "$load_rc_"
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd rvirtd.conf
'

test_expect_success "SIGKILL of the whole daemon, $RESTARTS times: no error" '
	load_start k &&
	r=0 &&
	while test $r -lt $RESTARTS; do
		sleep 0.3 &&
		crash_rvirtd &&
		sleep 0.2 &&
		start_rvirtd rvirtd.conf &&
		r=$((r + 1)) &&
		wait_until 100 "test \$(reconnects k.err) -ge $r" || break
	done &&
	load_stop k >result &&
	cat result &&
	test $r = $RESTARTS &&
	# No error and nothing lost; every drop reconnected.  A reconnection
	# that lands on a daemon still being killed drops once more, so on a
	# slow machine there may be more drops than restarts.
	grep "errors=0 disconnects=[0-9]* reconnects=[0-9]* lost=0" result &&
	d=$(sed -n "s/.* disconnects=\([0-9]*\) .*/\1/p" result) &&
	grep " reconnects=$d " result &&
	test "$d" -ge $RESTARTS &&
	grep "id_gaps=0" result
'

test_expect_success 'after the crashes every call ran once' '
	rounds=$(sed -n "s/^rounds=\([0-9]*\) .*/\1/p" result) &&
	test "$rounds" -gt 10 &&
	expected k "$rounds" >want &&
	defined k >got &&
	test_cmp want got
'

test_expect_success "USR2 upgrades, $RESTARTS times: no error" '
	load_start u &&
	r=0 &&
	while test $r -lt $RESTARTS; do
		sleep 0.3 &&
		old=$(rvirtd_master_pid) &&
		kill -USR2 $old &&
		wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
		test_wait_exit_ $old 100 &&
		r=$((r + 1)) || break
	done &&
	load_stop u >result &&
	cat result &&
	test $r = $RESTARTS &&
	grep "errors=0 .* lost=0" result &&
	grep "id_gaps=0" result
'

test_expect_success 'after the upgrades every call ran once' '
	rounds=$(sed -n "s/^rounds=\([0-9]*\) .*/\1/p" result) &&
	test "$rounds" -gt 10 &&
	expected u "$rounds" >want &&
	defined u >got &&
	test_cmp want got
'

test_expect_success 'stop the last master' '
	stop_rvirtd_master
'

test_expect_success 'over TCP without authentication: a crash, the same port again' '
	write_config --tcp rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	port=$RVIRTD_TCP_PORT &&
	stop_rvirtd &&
	write_config --tcp rvirtd.conf tcp_port=$port &&
	start_rvirtd rvirtd.conf &&
	load_start t "test+tcp://127.0.0.1:$port/default" &&
	sleep 0.3 &&
	crash_rvirtd &&
	start_rvirtd rvirtd.conf &&
	wait_until 100 "test \$(reconnects t.err) -ge 1" &&
	load_stop t >result &&
	cat result t.err &&
	grep "errors=0 disconnects=1 reconnects=1 lost=0" result &&
	stop_rvirtd
'

test_done
