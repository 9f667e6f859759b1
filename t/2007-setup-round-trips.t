#!/bin/sh
# SPDX-License-Identifier: MIT
# 2007-setup-round-trips: what librvirt sends to open and close a
# connection (doc/protocol.md, "How librvirt connects").  On a unix
# socket CONNECT_OPEN goes first, with KEEPALIVE_START in front of it;
# AUTH_LIST only when the open is refused.  On plain tcp the first
# connection of a process asks AUTH_LIST first (the URI must not cross
# the network in clear text ahead of a SASL layer), later ones to the
# same daemon do not when it answered "none"; ext always asks first.
# CONNECT_CLOSE is not waited for, and the daemon still runs it.  The
# daemon's per-procedure counters (rvirtd status) tell what arrived.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

# calls PROC [COLUMN]: the daemon's count of PROC's calls answered ok
# (COLUMN 3: answered with an error), 0 when it has none.
calls () {
	rvirtd_status >"$TRASH/.st" 2>/dev/null || return 1
	awk -v p="$1" -v c="${2:-2}" '$1 == p { n = $c } END { print n + 0 }' \
		"$TRASH/.st"
}

test_expect_success 'an rvirtd with a unix socket and tcp without auth' '
	write_config --tcp rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	U="test:///default?socket=$RVIRTD_SOCK" &&
	T="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default"
'

test_expect_success 'unix: no AUTH_LIST; KEEPALIVE_START, CONNECT_OPEN and CONNECT_CLOSE arrive' '
	"$RVSH" -c "$U" uri >out &&
	test_grep "^test:///default$" out &&
	wait_until 100 "test \$(calls CONNECT_CLOSE) -eq 1" &&
	test "$(calls AUTH_LIST)" -eq 0 &&
	test "$(calls CONNECT_OPEN)" -eq 1 &&
	test "$(calls CONNECT_OPEN 3)" -eq 0 &&
	test "$(calls KEEPALIVE_START)" -eq 1
'

# The reply to CONNECT_CLOSE meets a closed socket now and then (2 in
# 10 here): 20 connections make it all but certain that one does.
test_expect_success 'the unwaited CONNECT_CLOSE leaves no complaint in the log' '
	for i in $(seq 20); do
		"$RVSH" -c "$U" uri >/dev/null || return 1
	done &&
	wait_until 100 "test \$(calls CONNECT_CLOSE) -eq 21" &&
	! grep "cannot send" "$RVIRTD_LOG"
'

test_expect_success 'tcp: the first connection of a process asks AUTH_LIST, the second does not' '
	printf "uri\nconnect %s\nuri\n" "$T" | "$RVSH" -c "$T" >out &&
	test_line_count = 2 out &&
	wait_until 100 "test \$(calls CONNECT_CLOSE) -eq 23" &&
	test "$(calls AUTH_LIST)" -eq 1 &&
	test "$(calls CONNECT_OPEN)" -eq 23
'

test_expect_success 'ext: AUTH_LIST first (the command may carry the bytes anywhere)' '
	x=$(echo "$RVIRT_BUILD/rvirt-ssh-helper --socket $RVIRTD_SOCK /default" |
		sed "s/ /%20/g") &&
	"$RVSH" -c "test+ext:///default?command=$x" uri >out &&
	test_grep "^test:///default$" out &&
	wait_until 100 "test \$(calls CONNECT_CLOSE) -eq 24" &&
	test "$(calls AUTH_LIST)" -eq 2 &&
	test "$(calls CONNECT_OPEN)" -eq 24
'

test_expect_success 'auth=sasl in the URI: AUTH_LIST first, and the daemon offering only none is refused' '
	test_must_fail "$RVSH" -c "$U&auth=sasl" uri 2>err &&
	test_grep "no authentication method in common" err &&
	test "$(calls AUTH_LIST)" -eq 3 &&
	test "$(calls CONNECT_OPEN)" -eq 24
'

# t/2100 authenticates for real after such a refusal (SCRAM on unix).
test_expect_success 'a daemon that wants SASL refuses the early open; the client goes on to AUTH_LIST and SASL' '
	stop_rvirtd &&
	write_config sasl.conf auth_unix_rw=sasl &&
	start_rvirtd sasl.conf &&
	test_must_fail "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&no_tty=1" uri 2>err &&
	cat err &&
	test_grep "authentication needs an auth name" err &&
	test "$(calls CONNECT_OPEN 3)" -eq 1 &&
	test "$(calls AUTH_LIST)" -eq 1
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
