#!/bin/sh
# SPDX-License-Identifier: MIT
# 2002-max-clients: at max_clients a worker stops accepting; connections
# beyond it wait in the listen backlog and are served once one closes.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

# hold SECONDS OUT: an rvsh session that opens its connection, answers
# one command, then keeps the connection for SECONDS.
hold () {
	{ echo uri; sleep "$1"; } | "$RVSH" >"$2" 2>&1 &
}

test_expect_success 'start one worker with max_clients = 2' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 max_clients=2 &&
	start_rvirtd
'

test_expect_success 'two held connections are served' '
	hold 4 h1.out && h1=$! &&
	hold 4 h2.out && h2=$! &&
	wait_until 50 "grep -q default h1.out && grep -q default h2.out"
'

test_expect_success 'a third waits in the backlog while they are held' '
	{ timeout 20 "$RVSH" uri >third.out 2>&1; echo $? >third.rc; } &
	sleep 1 &&
	test ! -s third.out &&
	test ! -f third.rc
'

test_expect_success 'it is served once the held connections close' '
	wait $h1 $h2;
	wait_until 150 "test -f third.rc" &&
	echo 0 >expect &&
	test_cmp expect third.rc &&
	echo "test:///default" >expect &&
	test_cmp expect third.out
'

test_done
