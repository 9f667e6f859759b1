#!/bin/sh
# SPDX-License-Identifier: MIT
# 3009-master-notify: the systemd notify protocol, with NOTIFY_SOCKET
# emulated by t/tools/notifysock (no systemd runs here): READY=1 once
# serving with a STATUS line, RELOADING=1 then READY=1 around HUP,
# MAINPID of the new master across USR2 (sent by the new master itself,
# before the old one exits), STOPPING=1 at TERM.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

NOTIFYSOCK=$RVIRT_BUILD/t/tools/notifysock
test -x "$NOTIFYSOCK" || skip_all "t/tools/notifysock is not built"

# The listener runs for at most 300 s, and is stopped at the end.
"$NOTIFYSOCK" "$TRASH/notify" 300 >"$TRASH/notify.log" 2>&1 &
NS_PID=$!
wait_until 100 "test -S '$TRASH/notify'" || {
	echo "1..0 # SKIP notifysock did not bind"
	exit 0
}
NOTIFY_SOCKET=$TRASH/notify
export NOTIFY_SOCKET

# notified PID 'FIELDS': a datagram from PID holding these fields in order.
notified () {
	grep -q "^pid=$1 .*$2" notify.log
}

test_expect_success 'READY=1 with a STATUS line, from the master, once serving' '
	write_config rvirtd.conf start_workers=2 min_spare_workers=1 &&
	start_rvirtd &&
	wait_until 100 "notified $RVIRTD_PID \"READY=1 STATUS=[0-9]* workers ([0-9]* idle), [0-9]* connections\"" &&
	rawrpc -t 5 "$RVIRTD_SOCK" call >reply &&
	echo "accepted SUCCESS" >want && test_cmp want reply &&
	test "$(grep -c READY=1 notify.log)" = 1
'

test_expect_success 'HUP: RELOADING=1 with MONOTONIC_USEC, then READY=1' '
	kill -HUP $RVIRTD_PID &&
	wait_until 100 "test \$(grep -c READY=1 notify.log) = 2" &&
	grep -n "" notify.log >numbered &&
	r=$(grep "^[0-9]*:pid=$RVIRTD_PID RELOADING=1 MONOTONIC_USEC=[0-9]*" numbered | cut -d: -f1) &&
	test -n "$r" &&
	last=$(grep "READY=1" numbered | tail -n 1 | cut -d: -f1) &&
	test "$r" -lt "$last"
'

test_expect_success 'USR2: the new master sends MAINPID=itself and READY=1 before the old one exits' '
	old=$RVIRTD_PID &&
	kill -USR2 $old &&
	wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
	new=$(rvirtd_master_pid) &&
	wait_until 100 "notified $new \"MAINPID=$new READY=1\"" &&
	test_wait_exit_ $old 100 &&
	! grep "^pid=$old .*STOPPING=1" notify.log
'

test_expect_success 'TERM: STOPPING=1 from the master' '
	new=$(rvirtd_master_pid) &&
	stop_rvirtd_master &&
	wait_until 50 "notified $new STOPPING=1"
'

test_expect_success 'no NOTIFY_SOCKET: rvirtd starts and stops as before' '
	unset NOTIFY_SOCKET &&
	: >notify.log &&
	start_rvirtd &&
	stop_rvirtd &&
	! test -s notify.log
'

kill "$NS_PID" 2>/dev/null
wait "$NS_PID" 2>/dev/null
test_done
