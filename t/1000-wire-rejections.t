#!/bin/sh
# SPDX-License-Identifier: MIT
# 1000-wire-rejections: every standard ONC RPC rejection, on a raw socket.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

# wire EXPECTED ACTION...: rawrpc on the read-write socket.
wire () {
	wire_expect "$RVIRTD_SOCK" "$@"
}

# The first procedure number past the table, read from the .x.
NEXT_PROC=$(perl -ne '$m = $1 if /\) = (\d+);/ && $1 > $m; END { print $m + 1 }' \
	"$RVIRT_SRC/rpcgen/rvirt_protocol.x")

test_expect_success 'start rvirtd' '
	start_rvirtd
'

test_expect_success 'NULL with AUTH_NONE is accepted' '
	wire "accepted SUCCESS" call proc=NULL
'

test_expect_success 'NULL with AUTH_SYS is accepted, whatever uid it claims' '
	wire "accepted SUCCESS|accepted SUCCESS" \
		call cred=sys call cred=sys:4242:4242
'

test_expect_success 'an RPC version other than 2 is RPC_MISMATCH 2 2' '
	wire "denied RPC_MISMATCH 2 2" call rpcvers=3 &&
	wire "denied RPC_MISMATCH 2 2" call rpcvers=1 &&
	wire "denied RPC_MISMATCH 2 2" call rpcvers=0xffffffff
'

test_expect_success 'another program is PROG_UNAVAIL' '
	wire "accepted PROG_UNAVAIL" call prog=0x20525655 &&
	wire "accepted PROG_UNAVAIL" call prog=100000 &&
	wire "accepted PROG_UNAVAIL" call prog=0
'

test_expect_success 'another version is PROG_MISMATCH 1 1' '
	wire "accepted PROG_MISMATCH 1 1" call vers=2 &&
	wire "accepted PROG_MISMATCH 1 1" call vers=0 &&
	wire "accepted PROG_MISMATCH 1 1" call vers=0xffffffff
'

test_expect_success 'a procedure beyond the table is PROC_UNAVAIL' '
	test "$NEXT_PROC" -gt 25 &&
	wire "accepted PROC_UNAVAIL" call proc=$NEXT_PROC &&
	wire "accepted PROC_UNAVAIL" call proc=1000 &&
	wire "accepted PROC_UNAVAIL" call proc=0x80000000 &&
	wire "accepted PROC_UNAVAIL" call proc=0xffffffff
'

test_expect_success 'the connection stays usable after each rejection' '
	wire "denied RPC_MISMATCH 2 2|accepted SUCCESS|accepted PROG_UNAVAIL|accepted SUCCESS|accepted PROG_MISMATCH 1 1|accepted SUCCESS|accepted PROC_UNAVAIL|accepted SUCCESS" \
		call rpcvers=3 call call prog=5 call call vers=2 call \
		call proc=99 call
'

test_expect_success 'missing arguments are GARBAGE_ARGS' '
	wire "accepted GARBAGE_ARGS|accepted SUCCESS" \
		call proc=CONNECT_OPEN call &&
	wire "accepted GARBAGE_ARGS" \
		call proc=CONNECT_OPEN arg=s:test:///default &&
	wire "accepted GARBAGE_ARGS" call proc=DOMAIN_LOOKUP_BY_ID
'

test_skip 'SYSTEM_ERR' 'nothing sent from outside makes rvirtd fail internally on purpose'

test_expect_success 'an unknown credential flavor is AUTH_ERROR' '
	rawrpc -t 5 "$RVIRTD_SOCK" call cred=99 call cred=6 >actual &&
	cat actual &&
	test_line_count = 2 actual &&
	! grep -v -E "^denied AUTH_ERROR (AUTH_REJECTEDCRED|AUTH_BADCRED|AUTH_TOOWEAK)$" actual
'

test_expect_success 'a malformed AUTH_SYS credential is AUTH_ERROR AUTH_BADCRED' '
	wire "denied AUTH_ERROR AUTH_BADCRED" call cred=1:00000001 &&
	wire "denied AUTH_ERROR AUTH_BADCRED" \
		call cred=1:00000000000000ff000000000000000000000000
'

test_expect_success 'a credential body beyond 400 bytes is refused, not served' '
	body=$(printf "%0802d" 0) &&
	rawrpc -t 5 "$RVIRTD_SOCK" call "cred=1:$body" >actual &&
	cat actual &&
	grep -E "^(denied AUTH_ERROR AUTH_BADCRED|closed)$" actual &&
	wire "accepted SUCCESS" call
'

test_expect_success 'a REPLY instead of a CALL gets no reply' '
	rawrpc -t 5 "$RVIRTD_SOCK" send mtype=1 xid=0x4242 call >actual &&
	cat actual &&
	grep -E "^(accepted SUCCESS|closed)$" actual &&
	wire "accepted SUCCESS" call
'

test_expect_success 'a record too short for a call header gets no reply' '
	rawrpc -t 5 "$RVIRTD_SOCK" raw 80000006aabbccddeeff call >actual &&
	cat actual &&
	grep -E "^(accepted SUCCESS|closed)$" actual &&
	wire "accepted SUCCESS" call
'

test_expect_success 'an unknown message type gets no reply' '
	rawrpc -t 5 "$RVIRTD_SOCK" send mtype=7 call >actual &&
	cat actual &&
	grep -E "^(accepted SUCCESS|closed)$" actual &&
	wire "accepted SUCCESS" call
'

test_expect_success 'pipelined calls are answered in order' '
	wire "accepted SUCCESS|accepted PROC_UNAVAIL|accepted PROG_MISMATCH 1 1|accepted SUCCESS" \
		send send proc=77 send vers=9 send read read read read
'

test_expect_success 'a call in many fragments is one call' '
	wire "accepted SUCCESS OK 0000000100000000" \
		call proc=AUTH_LIST frags=1,1,2,3,5,8,13 decode=ret &&
	wire "accepted SUCCESS OK 0000000100000000" \
		call proc=AUTH_LIST frags=0,4,0,8 decode=ret
'

test_expect_success 'rvirtd still serves a fresh connection; no worker died' '
	rvirtd_alive &&
	wire "accepted SUCCESS" call &&
	rvirtd_no_crash
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
