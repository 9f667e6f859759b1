#!/bin/sh
# SPDX-License-Identifier: MIT
# 4001-session-rules: CONNECT_RECONNECT on the raw wire: a recorded reply
# answers a re-sent call without running it again, even after a crash;
# cookies of another identity, of a closed or expired session, and a
# read-write session on the read-only socket are refused.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-session.sh"
require_rvirtd

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'

# past_ttl SECOND: wait until a session last used at or before SECOND
# (date +%s, the clock of time(2) that rvirtd judges by) is idle past
# session_ttl = 1, that is until time() - last_used > 1: a wait for the
# clock, never short on a slow machine (60 s bound for a stalled shell).
past_ttl () {
	wait_until 600 "test \$(date +%s) -ge $(($1 + 2))"
}

domain_xml () {
	printf "<domain type='test'><name>%s</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" "$1" >"$1.xml"
}

test_expect_success 'start rvirtd; a session is opened' '
	write_config rvirtd.conf unix_sock_rw_perms=0777 &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $OPEN >open.out &&
	cat open.out &&
	C=$(cookie_of open.out) && test -n "$C" && echo "$C" >cookie
'
C=$(cat "$TRASH/cookie" 2>/dev/null)

test_expect_success 'a mutating call with xid 77 runs and is recorded' '
	domain_xml r1 &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=77 proc=DOMAIN_DEFINE_XML arg=f:r1.xml arg=u:0 \
		decode=domain >first &&
	cat first &&
	grep "^OK r1 [0-9a-f]* -1$" first &&
	"$RVIRT_BUILD/rvsh" undefine r1 &&
	! "$RVIRT_BUILD/rvsh" --script list --all | grep r1
'

test_expect_success 'after a crash the same call gets its recorded reply and does not run' '
	crash_rvirtd &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=77 proc=DOMAIN_DEFINE_XML arg=f:r1.xml arg=u:0 \
		decode=domain >again &&
	cat again &&
	sed -n 2p again >got && sed -n 2p first >want && test_cmp want got &&
	! "$RVIRT_BUILD/rvsh" --script list --all | grep r1 &&
	grep -c "answered from its recorded reply" "$RVIRTD_LOG" >n &&
	echo 1 >want && test_cmp want n
'

test_expect_success 'the same xid with other arguments is a new call and runs' '
	domain_xml r2 &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=77 proc=DOMAIN_DEFINE_XML arg=f:r2.xml arg=u:0 \
		decode=domain >other &&
	cat other &&
	grep "^OK r2 " other &&
	"$RVIRT_BUILD/rvsh" --script list --all | grep r2
'

test_expect_success 'a read-only call is simply run again' '
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=78 proc=CONNECT_GET_TYPE decode=ret >ro1 &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=78 proc=CONNECT_GET_TYPE decode=ret >ro2 &&
	cat ro1 ro2 &&
	test $(cat ro1 ro2 | grep -c "^OK") = 4 &&
	! grep -q "CONNECT_GET_TYPE.*recorded reply" "$RVIRTD_LOG"
'

test_expect_success 'two CONNECT_RECONNECT on one connection: ALREADY_OPEN' '
	rpc "$RVIRTD_SOCK" $(reconnect "$C") $(reconnect "$C") >twice &&
	cat twice &&
	sed -n 2p twice | grep "^ERROR 24 2 connection already open"
'

test_expect_success 'an unknown cookie is refused: NO_SESSION' '
	rpc "$RVIRTD_SOCK" $(reconnect $(printf "%064d" 7)) >unknown &&
	cat unknown &&
	grep "^ERROR 15 2 cannot resume the session: no such session" unknown
'

test_expect_success 'a read-write session on the read-only socket is refused' '
	rpc "$RVIRTD_SOCK_RO" $(reconnect "$C") >ro-sock &&
	cat ro-sock &&
	grep "^ERROR 7 2 cannot resume a read-write session on a read-only connection" ro-sock
'

test_expect_success 'a read-only session resumes on the read-only socket' '
	rpc "$RVIRTD_SOCK_RO" $OPEN >ro-open &&
	R=$(cookie_of ro-open) && test -n "$R" &&
	rpc "$RVIRTD_SOCK_RO" $(reconnect "$R") \
		call proc=CONNECT_GET_TYPE decode=ret >ro-again &&
	cat ro-again &&
	test $(grep -c "^OK" ro-again) = 2
'

if test "$(id -u)" = 0 && command -v setpriv >/dev/null; then
	test_expect_success 'another identity cannot resume the session' '
		chmod 755 "$TRASH" "$TRASH/run" &&
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			perl "$RVIRT_SRC/t/tools/rawrpc.pl" "$RVIRTD_SOCK" \
			$(reconnect "$C") >other-raw &&
		sed "s/^accepted SUCCESS //" other-raw >other-uid &&
		cat other-uid &&
		grep "^ERROR 7 2 cannot resume the session: it belongs to another identity than .unix:uid=65534." other-uid
	'
else
	test_skip 'another identity cannot resume the session' \
		'needs root and setpriv to act as another uid'
fi

test_expect_success 'CONNECT_CLOSE ends the session for good' '
	rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		call proc=CONNECT_CLOSE decode=ret $(reconnect "$C") >closed &&
	cat closed &&
	sed -n 3p closed | grep "^ERROR 15 "
'

test_expect_success 'restart with session_ttl = 1' '
	stop_rvirtd &&
	write_config rvirtd.conf session_ttl=1 store_gc_interval=3600 &&
	start_rvirtd rvirtd.conf
'

test_expect_success 'a session idle past session_ttl is refused: SESSION_EXPIRED' '
	rpc "$RVIRTD_SOCK" $OPEN >e.out &&
	E=$(cookie_of e.out) && test -n "$E" &&
	past_ttl $(date +%s) &&
	rpc "$RVIRTD_SOCK" $(reconnect "$E") >expired &&
	cat expired &&
	grep "^ERROR 16 2 cannot resume the session: it expired after [0-9]* s idle (session_ttl is 1 s)" expired
'

test_expect_success 'the library: with reconnect_timeout=0 a drop is an error, nothing reconnects' '
	rm -f ready go &&
	{ RVIRT_DEFAULT_URI="$RVIRT_DEFAULT_URI&reconnect_timeout=0" \
		"$RVIRT_BUILD/t/tools/clientwait" ping ready go >w0 & w=$!; } &&
	wait_until 100 "test -f ready" &&
	stop_rvirtd && start_rvirtd rvirtd.conf &&
	touch go && wait_until 100 "grep -q ^ping w0" &&
	{ wait $w || true; } &&
	cat w0 &&
	grep "^ping error 18 " w0 &&
	! grep "^event" w0
'

test_expect_success 'the library: a session in use does not expire' '
	rm -f ready go &&
	{ "$RVIRT_BUILD/t/tools/clientwait" ping ready go >w1 & w=$!; } &&
	wait_until 100 "test -f ready" &&
	past_ttl $(date +%s) && touch go && wait $w &&
	cat w1 && echo "ping ok" >want && test_cmp want w1
'

# The collector runs once at start: a session that expired while the
# daemon was away is gone before any client can come back (NO_SESSION);
# the test waits for that run rather than racing it (SESSION_EXPIRED
# from a worker is test 13's).
test_expect_success 'the library: a session expired while the daemon was away is reported lost' '
	rm -f ready go &&
	{ "$RVIRT_BUILD/t/tools/clientwait" ping ready go >w2 & w=$!; } &&
	wait_until 100 "test -f ready" &&
	stop_rvirtd && past_ttl $(date +%s) && start_rvirtd rvirtd.conf &&
	wait_until 600 "grep -q \"collected [1-9][0-9]* of \" \"\$RVIRTD_LOG\"" &&
	touch go && wait_until 600 "grep -q ^ping w2" &&
	{ wait $w || true; } &&
	cat w2 &&
	grep "^event disconnected 18 " w2 &&
	grep "^event lost 15 connection lost and the session cannot be resumed: cannot resume the session: no such session" w2 &&
	grep "^ping error 15 " w2
'

test_expect_success 'the collector removes expired sessions' '
	stop_rvirtd &&
	write_config rvirtd.conf session_ttl=1 store_gc_interval=1 &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $OPEN >g.out &&
	G=$(cookie_of g.out) && test -n "$G" &&
	past_ttl $(date +%s) &&
	rpc "$RVIRTD_SOCK" $(reconnect "$G") >gone &&
	cat gone &&
	grep "^ERROR 1[56] " gone &&
	wait_until 600 "rpc \"$RVIRTD_SOCK\" $(reconnect "$G") | grep \"^ERROR 15 \"" &&
	wait_until 600 "grep \"collected [1-9][0-9]* of [0-9]* sessions\" \"\$RVIRTD_LOG\""
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
