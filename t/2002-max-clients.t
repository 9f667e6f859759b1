#!/bin/sh
# SPDX-License-Identifier: MIT
# 2002-max-clients: at max_clients a worker refuses a new connection
# with a clear error (its first call is answered, then it is closed),
# instead of leaving it in the listen backlog; once connections close,
# new ones are served again.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

# hold NAME: an rvsh session that opens its connection and answers one
# command, then keeps the connection until the file NAME.go exists and
# answers a second command.
hold () {
	{
		echo uri
		i=0
		while ! test -f "$1.go" && test $i -lt 600; do
			sleep 0.1
			i=$((i + 1))
		done
		echo uri
	} | "$RVSH" >"$1.out" 2>&1 &
}

test_expect_success 'start one worker with max_clients = 2' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 max_clients=2 &&
	start_rvirtd
'

test_expect_success 'two held connections are served' '
	hold h1 && h1=$! &&
	hold h2 && h2=$! &&
	wait_until 300 "grep -q default h1.out && grep -q default h2.out"
'

test_expect_success 'a third is refused with a clear error, not left waiting' '
	test_must_fail timeout 60 "$RVSH" uri >third.out 2>third.err &&
	test_grep "cannot serve a new connection on .*rvirt-sock.*: 2 connections are open (max_clients 2 per worker" third.err &&
	test_grep "refusing a connection" "$RVIRTD_LOG"
'

test_expect_success 'the held connections are still served' '
	touch h1.go h2.go &&
	wait $h1 && wait $h2 &&
	test $(grep -c "^test:///default" h1.out) = 2 &&
	test $(grep -c "^test:///default" h2.out) = 2
'

test_expect_success 'once they closed, a new connection is served' '
	wait_until 100 "timeout 60 \"$RVSH\" uri >fourth.out 2>&1" &&
	echo "test:///default" >expect &&
	test_cmp expect fourth.out
'

test_done
