#!/bin/sh
# SPDX-License-Identifier: MIT
# 7111-console-restart: what is typed reaches the guest after its domain
# was destroyed and started again, on a worker that wrote to the old
# console (one worker, so it is the same one).  The new holder's socket
# may get the old one's inode number (ext4 hands a freed inode out again
# at once), so a worker must not take it for the old holder's.  Whether
# the number is reused here is up to the file system; t/unit/t5006 makes
# that case certain.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

PTYRUN=$RVIRT_BUILD/t/tools/ptyrun

console_run () {
	cr_script_=$1
	shift
	"$PTYRUN" -t 60 -o "$cr_script_.out" "$cr_script_" \
		"$RVSH" -c "process://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

# type_echo WORD: type "echo WORD" on con's console, see the answer.
type_echo () {
	cat >"s-$1" <<-EOF &&
	expect Escape character is ^]
	send echo $1\\r
	expect $1
	expect $1
	send \\x1d
	exit 0
	cooked
	EOF
	console_run "s-$1" console con || {
		cat "s-$1.out"
		false
	}
}

test_expect_success 'start rvirtd with one worker and a process domain' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 &&
	start_rvirtd &&
	process_xml con 1 >con.xml &&
	PRVSH define con.xml &&
	PRVSH start con &&
	guest_pid con >/dev/null &&
	dir=$(ls -d run/process/console/*) &&
	wait_until 600 "grep -q \"serial console ready\" $dir/log.*"
'

test_expect_success 'the worker types into the first console' '
	type_echo first-run
'

test_expect_success 'destroyed and started again: the new console gets what is typed' '
	dir=$(ls -d run/process/console/*) &&
	stat -c "old holder socket: inode %i" $dir/sock &&
	PRVSH destroy con &&
	wait_until 600 "! test -S $dir/sock" &&
	PRVSH start con &&
	guest_pid con >/dev/null &&
	wait_until 600 "test \$(cat $dir/log.* | grep -c \"serial console ready\") -ge 2" &&
	stat -c "new holder socket: inode %i" $dir/sock &&
	type_echo second-run
'

test_expect_success 'stop' '
	PRVSH destroy con &&
	stop_rvirtd
'

test_done
