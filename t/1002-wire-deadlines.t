#!/bin/sh
# SPDX-License-Identifier: MIT
# 1002-wire-deadlines: message_timeout closes stalled records, idle_timeout idle connections.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

wire () {
	wire_expect "$RVIRTD_SOCK" "$@"
}

test_expect_success 'start rvirtd with message_timeout = 1' '
	write_config msg.conf message_timeout=1 idle_timeout=0 &&
	start_rvirtd "$TRASH/msg.conf"
'

test_expect_success 'a partial record then silence is closed after message_timeout' '
	rawrpc -t 6 "$RVIRTD_SOCK" send partial=10 expect-close >actual &&
	closed_within actual 0.7 4
'

test_expect_success 'a partial record mark then silence is closed too' '
	rawrpc -t 6 "$RVIRTD_SOCK" send partial=2 expect-close >actual &&
	closed_within actual 0.7 4
'

test_expect_success 'a whole first fragment without the last one is closed too' '
	rawrpc -t 6 "$RVIRTD_SOCK" send frags=20 partial=24 expect-close \
		>actual &&
	closed_within actual 0.7 4
'

test_expect_success 'a record trickled in slower than message_timeout is closed' '
	# 44 bytes, 4 every 0.3 s: 3 s for the record, deadline 1 s.
	wire "closed" call trickle=0.3
'

test_expect_success 'a record trickled in within message_timeout is served' '
	wire "accepted SUCCESS" call trickle=0.02
'

test_expect_success 'a stalled client does not hold up the others' '
	rawrpc -t 6 "$RVIRTD_SOCK" send partial=10 expect-close \
		>stalled 2>&1 &
	stalled=$! &&
	sleep 0.2 &&
	WIRE_TIMEOUT=0.5 wire "accepted SUCCESS" call &&
	wait $stalled &&
	closed_within stalled 0.5 4
'

test_expect_success 'message_timeout does not close a connection between records' '
	WIRE_TIMEOUT=6 wire "accepted SUCCESS|accepted SUCCESS" \
		call sleep 2.2 call &&
	rawrpc -t 2.5 "$RVIRTD_SOCK" expect-close >actual &&
	test_grep "^timeout after" actual
'

test_expect_success 'rvirtd still serves a fresh connection and stops cleanly' '
	wire "accepted SUCCESS" call &&
	rvirtd_no_crash &&
	stop_rvirtd
'

test_expect_success 'start rvirtd with idle_timeout = 1' '
	write_config idle.conf idle_timeout=1 &&
	start_rvirtd "$TRASH/idle.conf"
'

test_expect_success 'a connection that sends nothing is closed after idle_timeout' '
	rawrpc -t 6 "$RVIRTD_SOCK" expect-close >actual &&
	closed_within actual 0.7 4
'

test_expect_success 'a connection idle after a call is closed after idle_timeout' '
	rawrpc -t 6 "$RVIRTD_SOCK" call expect-close >actual &&
	head -n 1 actual >first &&
	echo "accepted SUCCESS" >expect &&
	test_cmp expect first &&
	closed_within actual 0.7 4
'

test_expect_success 'a connection idle after opening a session is closed too' '
	rawrpc -t 6 "$RVIRTD_SOCK" $OPEN expect-close >actual &&
	grep "^accepted SUCCESS OK " actual &&
	closed_within actual 0.7 4
'

test_expect_success 'calls keep a connection from being idle' '
	WIRE_TIMEOUT=5 wire "accepted SUCCESS|accepted SUCCESS|accepted SUCCESS|accepted SUCCESS" \
		call sleep 0.6 call sleep 0.6 call sleep 0.6 call
'

test_expect_success 'no worker died; rvirtd exits 0 on SIGTERM' '
	rvirtd_no_crash &&
	stop_rvirtd
'

test_done
