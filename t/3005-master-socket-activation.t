#!/bin/sh
# SPDX-License-Identifier: MIT
# 3005-master-socket-activation: sockets passed by systemd-socket-activate
# (LISTEN_FDS) are served and not unlinked at stop.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
command -v systemd-socket-activate >/dev/null 2>&1 ||
	skip_all "systemd-socket-activate is not installed"

test_expect_success 'rvirtd under systemd-socket-activate serves calls' '
	write_config rvirtd.conf &&
	mkdir -p run &&
	setsid systemd-socket-activate -l "$TRASH/act/rvirt-sock" \
		"$RVIRT_BUILD/rvirtd" --foreground -f "$TRASH/rvirtd.conf" \
		</dev/null >act.log 2>&1 &
	RVIRTD_PID=$! RVIRTD_LOG=$TRASH/act.log &&
	wait_until 50 "test -S act/rvirt-sock" &&
	# The first connection makes it exec rvirtd; it waits meanwhile.
	rawrpc -t 10 "$TRASH/act/rvirt-sock" call >reply &&
	echo "accepted SUCCESS" >want && test_cmp want reply &&
	wait_until 50 "grep -q \"ready unix=$TRASH/act/rvirt-sock \" act.log" &&
	! test -e run/rvirt-sock
'
mkdir -p "$TRASH/act" 2>/dev/null

test_expect_success 'TERM: the inherited socket file stays' '
	stop_rvirtd &&
	test -S "$TRASH/act/rvirt-sock"
'

test_done
