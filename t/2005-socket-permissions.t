#!/bin/sh
# SPDX-License-Identifier: MIT
# 2005-socket-permissions: another local user reaches the read-only
# socket (unix_sock_ro_perms) but not the read-write one; narrowing
# unix_sock_ro_perms shuts them out.  Runs as root, tries as nobody.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

test "$(id -u)" = 0 || skip_all 'needs root, to try the sockets as another uid'
command -v setpriv >/dev/null 2>&1 || skip_all 'setpriv is not installed (util-linux)'
getent passwd nobody >/dev/null 2>&1 || skip_all 'no user nobody'
NOGROUP=$(getent group nogroup >/dev/null 2>&1 && echo nogroup || echo nobody)

RVSH=$RVIRT_BUILD/rvsh
# mktemp made the trash dir 0700: open the path to the sockets, as /run is.
chmod 0755 "$TRASH"
# rvsh and its library must be readable by nobody too.
AS_NOBODY="setpriv --reuid=nobody --regid=$NOGROUP --clear-groups"

test_expect_success 'setup: rvsh is reachable by nobody' '
	$AS_NOBODY "$RVSH" --version >out 2>&1 ||
		{ cat out; echo "rvsh is not readable by nobody here"; false; }
'

test_expect_success 'rvirtd creates its socket directory 0755' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	test "$(stat -c %a "$TRASH/run")" = 755 &&
	test "$(stat -c %a "$TRASH/state")" = 700 &&
	test "$(stat -c %a "$RVIRTD_SOCK_RO")" = 777 &&
	test "$(stat -c %a "$RVIRTD_SOCK")" = 700
'

test_expect_success 'another user lists domains on the read-only socket' '
	$AS_NOBODY "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK_RO" \
		--script list --all >out 2>err &&
	test_grep "	test	" out
'

test_expect_success 'another user cannot change anything there' '
	test_must_fail $AS_NOBODY "$RVSH" \
		-c "test:///default?socket=$RVIRTD_SOCK_RO" destroy test \
		>out 2>err &&
	test_grep "^rvsh: .*read-only" err
'

test_expect_success 'another user cannot connect to the read-write socket' '
	test_must_fail $AS_NOBODY "$RVSH" \
		-c "test:///default?socket=$RVIRTD_SOCK" list >out 2>err &&
	test_grep "^rvsh: .*[Pp]ermission denied" err
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_expect_success 'unix_sock_ro_perms = "0700" shuts other users out' '
	write_config narrow.conf unix_sock_ro_perms=0700 &&
	start_rvirtd "$TRASH/narrow.conf" &&
	test_must_fail $AS_NOBODY "$RVSH" \
		-c "test:///default?socket=$RVIRTD_SOCK_RO" list >out 2>err &&
	test_grep "^rvsh: .*[Pp]ermission denied" err &&
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK_RO" list >out &&
	stop_rvirtd
'

test_expect_success 'a socket directory of mode 0700 is warned about' '
	chmod 0700 "$TRASH/run" &&
	start_rvirtd &&
	test_grep "read-only socket is out of reach of other users: .*0700" \
		"$RVIRTD_LOG" &&
	stop_rvirtd
'

test_done
