#!/bin/sh
# SPDX-License-Identifier: MIT
# 4006-session-lazy: with the default store_sync (full), a session's own
# commits (CONNECT_OPEN, CONNECT_RECONNECT, CONNECT_CLOSE) are not synced
# while a mutating call's commit is; a session survives a SIGKILL of the
# whole daemon without a sync (page cache), a closed one stays closed;
# the master syncs within store_sync_interval, which bounds what a power
# loss can take (doc/sessions.md).

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-session.sh"
require_rvirtd

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'
CLOSE='call proc=CONNECT_CLOSE decode=ret'

# strace_start PID OUT: trace fsync and fdatasync of PID (and its
# threads) into OUT; waits until strace is attached.
strace_start () {
	strace -f -qq -e trace=fsync,fdatasync -o "$2" -p "$1" 2>strace.err &
	STRACE_PID=$!
	# strace has attached when the tracee's status shows a tracer.
	wait_until 100 "grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/$1/status"
}

strace_stop () {
	kill -INT "$STRACE_PID" && wait "$STRACE_PID"
	STRACE_PID=
	return 0
}

syncs () {
	grep -c 'sync(' "$1" || :
}

# Nothing in the master syncs: a crash test must not owe its result to it.
test_expect_success 'start rvirtd with one worker and no periodic sync' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 \
		store_sync_interval=3600 &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $OPEN $CLOSE >warm &&
	grep "^OK" warm
'

if command -v strace >/dev/null 2>&1; then
	test_expect_success 'open, resume and close do not sync; a define does' '
		W=$(worker_pids | head -n 1) && test -n "$W" &&
		strace_start "$W" worker.trace &&
		rpc "$RVIRTD_SOCK" $OPEN >o1 &&
		C1=$(cookie_of o1) && test -n "$C1" &&
		rpc "$RVIRTD_SOCK" $(reconnect "$C1") $CLOSE >c1 &&
		test "$(grep -c "^OK" c1)" = 2 &&
		sleep 0.2 && test "$(syncs worker.trace)" = 0 &&
		printf "<domain type=\"test\"><name>lz1</name><memory unit=\"KiB\">65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" >lz1.xml &&
		"$RVIRT_BUILD/rvsh" define lz1.xml &&
		wait_until 100 "test \$(syncs worker.trace) -ge 1" &&
		strace_stop &&
		cat worker.trace
	'
else
	test_skip 'open, resume and close do not sync; a define does' \
		'needs strace'
fi

test_expect_success 'an unsynced session survives a SIGKILL of the whole daemon' '
	rpc "$RVIRTD_SOCK" $OPEN >o2 &&
	C2=$(cookie_of o2) && test -n "$C2" &&
	rpc "$RVIRTD_SOCK" $OPEN >o3 &&
	C3=$(cookie_of o3) && test -n "$C3" &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C3") $CLOSE >c3 &&
	crash_rvirtd &&
	start_rvirtd rvirtd.conf &&
	rpc "$RVIRTD_SOCK" $(reconnect "$C2") \
		call proc=CONNECT_GET_URI decode=ret >r2 &&
	cat r2 &&
	test "$(sed -n 1p r2)" = OK &&
	sed -n 2p r2 | grep "^OK [0-9a-f]"
'

test_expect_success 'a closed session stays closed after the crash: NO_SESSION' '
	rpc "$RVIRTD_SOCK" $(reconnect "$C3") >r3 &&
	cat r3 &&
	grep "^ERROR 15 " r3
'

if command -v strace >/dev/null 2>&1; then
	test_expect_success 'the master syncs the store within store_sync_interval' '
		stop_rvirtd &&
		write_config rvirtd.conf store_sync_interval=1 &&
		start_rvirtd rvirtd.conf &&
		strace_start "$RVIRTD_PID" master.trace &&
		rpc "$RVIRTD_SOCK" $OPEN >o4 && grep "^OK" o4 &&
		wait_until 100 "grep -q \"^$RVIRTD_PID .*fdatasync(\" master.trace" &&
		strace_stop
	'
else
	test_skip 'the master syncs the store within store_sync_interval' \
		'needs strace'
fi

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
