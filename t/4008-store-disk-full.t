#!/bin/sh
# SPDX-License-Identifier: MIT
# 4008-store-disk-full: the store on a full file system (a small tmpfs
# mounted in the trash dir) gives the documented store-full error, not
# "input/output error", and the daemon goes on serving.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-store.sh"
MNT=$TRASH/disk

mkdir -p "$MNT"
if test "$(id -u)" != 0 ||
	! mount -t tmpfs -o size=768k,mode=0700 rvirt-test-disk "$MNT" 2>/dev/null; then
	skip_all 'cannot mount a small tmpfs here (needs root and mount rights)'
fi
# At exit: the daemon stopped (if a test failed first), the disk
# unmounted, then test-lib's own clean-up with the same exit status.
test_disk_exit_ () {
	test_de_st_=$?
	if test -n "$RVIRTD_PID"; then
		kill -KILL "$RVIRTD_PID" 2>/dev/null
		wait "$RVIRTD_PID" 2>/dev/null
		RVIRTD_PID=
		test_kill_leftovers_ >/dev/null 2>&1
	fi
	umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	(exit "$test_de_st_")
	test_cleanup_
}
trap 'test_disk_exit_' EXIT

test_expect_success 'an rvirtd whose store (64 MiB map) lives on a 768 KiB disk' '
	write_config rvirtd.conf state_dir="$MNT" store_max_size=64 &&
	start_rvirtd
'

test_expect_success 'definitions fill the disk; then the store-full error' '
	store_fill &&
	test_grep "^wiresh: store-full: .*no space left for store" err &&
	! grep -i "input/output" err
'

test_expect_success 'what was committed is all there; the daemon still serves' '
	"$WIRESH" list --all >out &&
	test "$(grep -c "^big" out)" = "$(cat defined)" &&
	rvirtd_no_crash
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
