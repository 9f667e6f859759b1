#!/bin/sh
# SPDX-License-Identifier: MIT
# 4011-session-store: sessions live in a store of their own
# (<state_dir>/sessions, unsynced): a clean stop marks it and keeps it
# across a reboot; a SIGKILL of the whole daemon keeps it (same boot);
# a host that went down without a clean stop (the boot id changed, no
# clean mark) has it dropped and logged, while the domains in the main
# store stay; sessions an older rvirtd kept in the main store are moved
# over on start (doc/sessions.md).  The reboot is simulated with
# RVIRTD_TEST_BOOT_ID_FILE (rvirtd(8)).

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'
SDIR=$TRASH/state/sessions

rpc () {
	rawrpc "$@" >"$TRASH/.raw" || return 1
	sed 's/^accepted SUCCESS //' "$TRASH/.raw"
}

cookie_of () {
	sed -n 's/^OK \([0-9a-f]\{64\}\)$/\1/p' "$1"
}

# resume COOKIE OUT: CONNECT_RECONNECT with COOKIE, the answer in OUT.
resume () {
	rpc "$RVIRTD_SOCK" \
		call proc=CONNECT_RECONNECT arg=x:"$1" arg=u:0 decode=ret >"$2"
	cat "$2"
}

# open_session OUT: a new session's cookie on stdout.
open_session () {
	rpc "$RVIRTD_SOCK" $OPEN >"$1" && cookie_of "$1"
}

RVIRTD_TEST_BOOT_ID_FILE=$TRASH/boot_id
export RVIRTD_TEST_BOOT_ID_FILE
echo 11111111-1111-1111-1111-111111111111 >"$TRASH/boot_id"

reboot_host () {
	echo "$1" >"$TRASH/boot_id"
}

test_expect_success 'start rvirtd: the session store is made, not marked clean' '
	write_config rvirtd.conf store_sync_interval=3600 &&
	start_rvirtd rvirtd.conf &&
	C1=$(open_session o1) && test -n "$C1" &&
	test -f "$SDIR/data.mdb" &&
	grep -q 11111111 "$SDIR/boot_id" &&
	! test -e "$SDIR/clean" &&
	printf "<domain type=\"test\"><name>ss1</name><memory unit=\"KiB\">65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" >ss1.xml &&
	"$RVIRT_BUILD/rvsh" define ss1.xml
'

test_expect_success 'a clean stop leaves the clean mark' '
	stop_rvirtd &&
	test -f "$SDIR/clean"
'

test_expect_success 'after a clean stop a session survives a reboot' '
	reboot_host 22222222-2222-2222-2222-222222222222 &&
	start_rvirtd rvirtd.conf &&
	! test -e "$SDIR/clean" &&
	resume "$C1" r1 &&
	test "$(cat r1)" = OK &&
	! grep "dropped every session" "$RVIRTD_LOG"
'

test_expect_success 'a SIGKILL of the whole daemon keeps the sessions (same boot)' '
	C2=$(open_session o2) && test -n "$C2" &&
	crash_rvirtd &&
	! test -e "$SDIR/clean" &&
	start_rvirtd rvirtd.conf &&
	resume "$C2" r2 &&
	test "$(cat r2)" = OK &&
	! grep "dropped every session" "$RVIRTD_LOG"
'

test_expect_success 'a host crash drops every session and says so; domains stay' '
	C3=$(open_session o3) && test -n "$C3" &&
	crash_rvirtd &&
	reboot_host 33333333-3333-3333-3333-333333333333 &&
	start_rvirtd rvirtd.conf &&
	grep "dropped every session in .*boot id .22222222-2222-2222-2222-222222222222., now .33333333-3333-3333-3333-333333333333." "$RVIRTD_LOG" &&
	resume "$C3" r3 && grep "^ERROR 15 " r3 &&
	resume "$C1" r1b && grep "^ERROR 15 " r1b &&
	"$RVIRT_BUILD/rvsh" --script list --all >list &&
	grep -w ss1 list &&
	grep -q 33333333 "$SDIR/boot_id"
'

test_expect_success 'new sessions work after the drop' '
	C4=$(open_session o4) && test -n "$C4" &&
	resume "$C4" r4 &&
	test "$(cat r4)" = OK
'

test_expect_success 'sessions of the old layout (in the main store) are moved on start' '
	stop_rvirtd &&
	rm -rf "$SDIR" &&
	"$RVIRT_BUILD/t/tools/sessfill" "$TRASH/state" 3 &&
	start_rvirtd rvirtd.conf &&
	OLD=0000000000000000a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 &&
	resume "$OLD" r5 &&
	test "$(cat r5)" = OK &&
	grep "moved 3 sessions from the store" "$RVIRTD_LOG"
'

test_expect_success 'a moved session survives a host crash after a clean stop' '
	stop_rvirtd &&
	reboot_host 44444444-4444-4444-4444-444444444444 &&
	start_rvirtd rvirtd.conf &&
	resume "$OLD" r6 &&
	test "$(cat r6)" = OK
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
