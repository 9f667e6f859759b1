#!/bin/sh
# SPDX-License-Identifier: MIT
# 1101-interop-rpcinfo: rpcinfo (package rpcbind) pings rvirtd over TCP.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RPCINFO=$(command -v rpcinfo || echo /usr/sbin/rpcinfo)
if ! test -x "$RPCINFO"; then
	skip_all 'rpcinfo is not installed (Debian package rpcbind)'
fi
PROG=542266964

test_expect_success 'start rvirtd with TCP' '
	write_config --tcp rvirtd.conf &&
	start_rvirtd &&
	test -n "$RVIRTD_TCP_PORT" &&
	# The universal address (RFC 5665) of 127.0.0.1:PORT.
	UADDR=127.0.0.1.$((RVIRTD_TCP_PORT / 256)).$((RVIRTD_TCP_PORT % 256))
'

# rpcinfo of rpcbind 1.2.x ignores -n for -t: it asks rpcbind on port
# 111 for the address (ip_getclient) whatever port is given.  Where that
# is so, and rvirtd registers nowhere, the -n form cannot reach rvirtd.
test_expect_success 'rpcinfo -n PORT -t reaches rvirtd, or cannot honour -n' '
	"$RPCINFO" -n $RVIRTD_TCP_PORT -t 127.0.0.1 $PROG 1 >out 2>err
	echo $? >status &&
	cat out err &&
	if grep "ready and waiting" out
	then
		echo "program $PROG version 1 ready and waiting" >expect &&
		test_cmp expect out &&
		echo 0 >expect &&
		test_cmp expect status
	else
		grep -E "Connection refused|not registered|Program not registered" err &&
		echo "this rpcinfo ignores -n; see the -a tests" >n-ignored
	fi
'
if test -f n-ignored; then
	test_skip 'rpcinfo -n PORT -t: version 1 ready and waiting' \
		"this rpcinfo ignores -n with -t and asks rpcbind on port 111; the same pings follow with -a"
fi

test_expect_success 'rpcinfo -a: version 1 is ready and waiting' '
	"$RPCINFO" -a $UADDR -T tcp $PROG 1 >out 2>err &&
	echo "program $PROG version 1 ready and waiting" >expect &&
	test_cmp expect out
'

test_expect_success 'rpcinfo -a: version 2 is a version mismatch, 1 to 1' '
	! "$RPCINFO" -a $UADDR -T tcp $PROG 2 >out 2>err &&
	cat out err &&
	echo "program $PROG version 2 is not available" >expect &&
	test_cmp expect out &&
	test_grep "Program/version mismatch; low version = 1, high version = 1" err
'

test_expect_success 'rpcinfo -a without a version finds version 1 alone' '
	"$RPCINFO" -a $UADDR -T tcp $PROG >out 2>err &&
	echo "program $PROG version 1 ready and waiting" >expect &&
	test_cmp expect out
'

test_expect_success 'rpcinfo -a: another program is unavailable' '
	! "$RPCINFO" -a $UADDR -T tcp $((PROG + 1)) 1 >out 2>err &&
	cat out err &&
	test_grep "Program unavailable" err
'

test_expect_success 'no worker died; rvirtd exits 0 on SIGTERM' '
	rvirtd_no_crash &&
	stop_rvirtd
'

test_done
