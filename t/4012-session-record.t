#!/bin/sh
# SPDX-License-Identifier: MIT
# 4012-session-record: when a new session is written to the session
# store (doc/sessions.md, "When a session is written"): not for a
# connection that opens, calls and closes; when its connection drops,
# before its first mutating call, session_record_delay after
# CONNECT_OPEN at the latest, at CONNECT_OPEN with the delay 0.  A
# session the daemon lost before writing it down is made again under
# its cookie by CONNECT_RESUME (librvirt's resume), never by
# CONNECT_RECONNECT, and only for a cookie of this session store issued
# less than session_ttl ago.  What the store holds is read with mdb_stat
# (its last transaction id) and CONNECT_RECONNECT.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-session.sh"
require_rvirtd
command -v mdb_stat >/dev/null 2>&1 ||
	skip_all "needs mdb_stat (lmdb-utils: scripts/deps.sh test)"

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'
GET_URI='call proc=CONNECT_GET_URI decode=ret'

# txn: the session store's last transaction id.
txn () {
	mdb_stat -e "$TRASH/state/sessions" |
		sed -n 's/.*Last transaction ID: *//p'
}

# resume COOKIE: the rawrpc action of CONNECT_RESUME(COOKIE, the test
# driver's URI, no flags).
resume () {
	echo "call proc=CONNECT_RESUME arg=x:$1 arg=s:test:///default arg=u:0 decode=ret"
}

# calls PROC [COLUMN]: the daemon's count of PROC's calls answered ok
# (COLUMN 3: answered with an error).
calls () {
	rvirtd_status >"$TRASH/.st" 2>/dev/null || return 1
	awk -v p="$1" -v c="${2:-2}" '$1 == p { n = $c } END { print n + 0 }' \
		"$TRASH/.st"
}

# hold OUT ACTIONS...: rawrpc ACTIONS then sleep 60 s on one connection
# in the background (HOLD_PID), its reply lines in OUT as they come.
hold () {
	h_out=$1
	shift
	perl "$RVIRT_SRC/t/tools/rawrpc.pl" -t 70 "$RVIRTD_SOCK" "$@" sleep 60 \
		>"$h_out" &
	HOLD_PID=$!
}

# held_cookie OUT: the cookie of the first reply in OUT, once it is there.
held_cookie () {
	wait_until 100 "grep -q '^accepted SUCCESS OK ' '$1'" &&
		sed -n 's/^accepted SUCCESS OK \([0-9a-f]\{64\}\)$/\1/p' "$1" |
		head -n 1
}

unhold () {
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
	return 0
}

test_expect_success 'start rvirtd with the default session_record_delay' '
	write_config rvirtd.conf &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $OPEN >warm &&
	wait_until 100 "test -n \"\$(txn)\""
'

test_expect_success '20 connections that open, call and close write nothing' '
	before=$(txn) &&
	for i in $(seq 20); do
		"$RVIRT_BUILD/rvsh" uri >/dev/null || return 1
	done &&
	wait_until 100 "test \$(calls CONNECT_CLOSE) -eq 20" &&
	test "$(calls CONNECT_CLOSE 3)" -eq 0 &&
	test "$(txn)" = "$before"
'

test_expect_success 'a connection that stays is written down within the delay' '
	before=$(txn) &&
	hold held.out $OPEN &&
	C=$(held_cookie held.out) && test -n "$C" &&
	wait_until 100 "test \$(txn) -gt $before" &&
	! test_proc_gone_ "$HOLD_PID" &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C") $GET_URI >r &&
	unhold && cat r &&
	test "$(grep -c "^OK" r)" = 2
'

test_expect_success 'restart with session_record_delay = 60000' '
	stop_rvirtd &&
	write_config rvirtd.conf session_record_delay=60000 &&
	start_rvirtd rvirtd.conf
'

test_expect_success 'a connection that drops without CONNECT_CLOSE writes its session' '
	before=$(txn) &&
	rpc "$RVIRTD_SOCK" $OPEN >d.out &&
	D=$(cookie_of d.out) && test -n "$D" &&
	wait_until 100 "test \$(txn) -gt $before" &&
	rpc "$RVIRTD_SOCK" $(reconnect "$D") $GET_URI >r &&
	cat r && test "$(grep -c "^OK" r)" = 2
'

test_expect_success 'a mutating call writes its session before it runs' '
	printf "<domain type=\"test\"><name>rec1</name><memory unit=\"KiB\">65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" >rec1.xml &&
	before=$(txn) &&
	hold m2.out $OPEN \
		call proc=DOMAIN_DEFINE_XML arg=f:rec1.xml arg=u:0 decode=domain &&
	wait_until 100 "grep -q \"^accepted SUCCESS OK rec1 \" m2.out" &&
	after=$(txn) &&
	! test_proc_gone_ "$HOLD_PID" &&
	unhold &&
	test "$after" -gt "$before"
'

test_expect_success 'a session lost before it was written: RECONNECT refuses, RESUME makes it again' '
	hold lost.out $OPEN &&
	L=$(held_cookie lost.out) && test -n "$L" &&
	before=$(txn) &&
	crash_rvirtd && unhold &&
	start_rvirtd rvirtd.conf &&
	test "$(txn)" = "$before" &&
	rpc "$RVIRTD_SOCK" $(reconnect "$L") >r1 &&
	cat r1 && grep "^ERROR 15 " r1 &&
	! grep "made a session" "$RVIRTD_LOG" &&
	rpc "$RVIRTD_SOCK" $(resume "$L") $GET_URI >r2 &&
	cat r2 && test "$(grep -c "^OK" r2)" = 2 &&
	grep "made a session of .unix:uid=[0-9]*. again on resuming it" "$RVIRTD_LOG" &&
	rpc "$RVIRTD_SOCK" $(reconnect "$L") $GET_URI >r3 &&
	cat r3 && test "$(grep -c "^OK" r3)" = 2
'

# A cookie is store id (4 bytes), issue time (8), random (20), in hex.
test_expect_success 'RESUME makes nothing for a cookie of another store or issued too long ago' '
	hold c.out $OPEN &&
	K=$(held_cookie c.out) && test -n "$K" &&
	crash_rvirtd && unhold &&
	start_rvirtd rvirtd.conf &&
	other=$(printf "%08x" $(( (0x$(echo "$K" | cut -c1-8) + 1) % 4294967296 )))$(echo "$K" | cut -c9-64) &&
	old=$(echo "$K" | cut -c1-8)0000000000000001$(echo "$K" | cut -c25-64) &&
	rpc "$RVIRTD_SOCK" $(resume "$other") >o1 &&
	rpc "$RVIRTD_SOCK" $(resume "$old") >o2 &&
	cat o1 o2 &&
	grep "^ERROR 15 " o1 && grep "^ERROR 15 " o2 &&
	! grep "made a session" "$RVIRTD_LOG"
'

test_expect_success 'librvirt: a session lost before it was written is resumed unnoticed' '
	rm -f ready go &&
	{ "$RVIRT_BUILD/t/tools/clientwait" ping ready go >w & w=$!; } &&
	wait_until 100 "test -f ready" &&
	crash_rvirtd &&
	start_rvirtd rvirtd.conf &&
	touch go && wait $w &&
	cat w &&
	grep "^event reconnected 0 " w &&
	grep "^ping ok" w &&
	! grep "^event lost" w &&
	test "$(calls CONNECT_RESUME)" -eq 1 &&
	grep "made a session of .unix:uid=[0-9]*. again on resuming it" "$RVIRTD_LOG"
'

test_expect_success 'with session_record_delay = 0 CONNECT_OPEN writes at once' '
	stop_rvirtd &&
	write_config rvirtd.conf session_record_delay=0 &&
	start_rvirtd rvirtd.conf &&
	before=$(txn) &&
	hold z.out $OPEN &&
	Z=$(held_cookie z.out) && test -n "$Z" &&
	after=$(txn) &&
	! test_proc_gone_ "$HOLD_PID" &&
	unhold &&
	test "$after" -gt "$before"
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
