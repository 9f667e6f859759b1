#!/bin/sh
# SPDX-License-Identifier: MIT
# 7102-console-access: who may write to a console, checked at the daemon
# through librvirt (not rvsh's own refusal): a read-only socket or a
# read-only connection is refused with a clear error and types nothing;
# a second writer is refused until it forces, and the writer it took
# the console from is told.  The console holder is not the domain: the
# domain watcher follows the guest's own process (killing the holder
# stops nothing; killing the guest is a crash and the holder goes).

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-console.sh"
require_rvirtd

CONSWRITE=$RVIRT_BUILD/t/tools/conswrite

test_expect_success 'start rvirtd and a process domain with a console' '
	console_domain acc
'

test_expect_success 'the read-only socket: opened read-only, a write refused, nothing typed' '
	ro="process://$PROCESS_PATH?socket=$RVIRTD_SOCK_RO" &&
	"$CONSWRITE" "$ro" acc write "echo ro-socket-typed$(printf "\r")" >ro.out &&
	cat ro.out &&
	test_grep "^open: writable 0$" ro.out &&
	test_grep "^write: error 7: cannot write to the console of domain .acc.: the connection is read-only$" ro.out
'

test_expect_success 'a read-only connection on the read-write socket: refused the same way' '
	rw="process://$PROCESS_PATH?socket=$RVIRTD_SOCK" &&
	"$CONSWRITE" "$rw" acc write "echo ro-flag-typed$(printf "\r")" ro >roflag.out &&
	cat roflag.out &&
	test_grep "^open: writable 0$" roflag.out &&
	test_grep "^write: error 7: cannot write to the console of domain .acc.: the connection is read-only$" roflag.out
'

test_expect_success 'a writer on the read-write socket types (and the refused ones typed nothing)' '
	"$CONSWRITE" "$rw" acc write "echo rw-typed$(printf "\r")" >rw.out &&
	test_grep "^open: writable 1$" rw.out &&
	test_grep "^write: accepted 14$" rw.out &&
	wait_until 100 "console_log | grep -q \"^rw-typed\"" &&
	! console_log | grep -q "ro-socket-typed" &&
	! console_log | grep -q "ro-flag-typed"
'

test_expect_success 'a second writer is refused, --force takes over, the first is told' '
	"$CONSWRITE" "$rw" acc takeover >take.out &&
	cat take.out &&
	test_grep "^open a: ok$" take.out &&
	test_grep "^write a: ok$" take.out &&
	test_grep "^open b: error 35: " take.out &&
	test_grep "^open b force: ok$" take.out &&
	test_grep "^write b: ok$" take.out &&
	test_grep "^write a again: error 36: the console was taken over by another client$" take.out &&
	test_grep "^close b: ok$" take.out &&
	wait_until 100 "console_log | grep -q \"^from-b\"" &&
	! console_log | grep -q "again-a"
'

test_expect_success 'killing the holder stops nothing: the domain runs, its console is gone' '
	gpid=$(guest_pid acc) &&
	dir=$(ls -d run/process/console/*) &&
	holder=$(fuser "$dir/lock" 2>/dev/null | tr -d " ") &&
	test -n "$holder" &&
	test "$holder" != "$gpid" &&
	kill -KILL "$holder" &&
	wait_gone "$holder" &&
	proc_live "$gpid" &&
	PRVSH domstate acc >st.out &&
	test_grep "running" st.out &&
	"$CONSWRITE" "$rw" acc write x >gone.out &&
	cat gone.out &&
	test_grep "^open: error 37: cannot open the console of domain .acc.: it runs without one" gone.out &&
	proc_live "$gpid" &&
	PRVSH domstate acc >st.out &&
	test_grep "running" st.out
'

# The watcher holds a pidfd of the guest's own process: its death is
# seen (the holder is no part of it), and the holder follows the pty.
test_expect_success 'started again: a new holder; killing the guest stops the domain, the holder goes' '
	PRVSH destroy acc &&
	PRVSH start acc &&
	gpid=$(guest_pid acc) &&
	dir=$(ls -d run/process/console/*) &&
	wait_until 100 "test -S $dir/sock" &&
	holder=$(fuser "$dir/lock" 2>/dev/null | tr -d " ") &&
	test -n "$holder" &&
	test "$holder" != "$gpid" &&
	kill -KILL "$gpid" &&
	wait_gone "$gpid" &&
	wait_until 300 "PRVSH domstate acc | grep -q \"shut off\"" &&
	wait_gone "$holder" &&
	wait_until 100 "! test -S $dir/sock"
'

test_expect_success 'rvirtd stops cleanly' '
	stop_rvirtd
'

test_done
