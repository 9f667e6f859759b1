#!/bin/sh
# SPDX-License-Identifier: MIT
# 6001-client-hostile-server: librvirt against a server that never ends
# its reply: endless empty fragments, endless replies to another call,
# a reply trickled a byte at a time.  The call must fail with a clear
# error (a limit, or its own timeout) and the client must not wait on.

. "$(dirname "$0")/test-lib.sh"

WIRESH=$RVIRT_BUILD/t/tools/wiresh
if ! test -x "$WIRESH"; then
	skip_all "wiresh is not built in '$RVIRT_BUILD' (make check builds it)"
fi

# hostile MODE: the fake server in the background, ready on h-MODE.sock
hostile () {
	perl "$RVIRT_SRC/t/tools/hostilesrv.pl" "$1" "$TRASH/h-$1.sock" 90 \
		>"srv-$1.out" 2>&1 &
	echo $! >"srv-$1.pid" &&
	wait_until 100 "grep -q ^ready srv-$1.out"
}

# client MODE: one librvirt call (AUTH_LIST when it connects); the
# outer timeout is far beyond the library's own call timeout (25 s).
client () {
	! timeout 80 "$WIRESH" -c "test:///default?socket=$TRASH/h-$1.sock" \
		ping >"cli-$1.out" 2>"cli-$1.err" &&
	cat "cli-$1.err"
}

# reap MODE: the fake server saw the client close the connection.
reap () {
	wait "$(cat "srv-$1.pid")" &&
	cat "srv-$1.out" &&
	test_grep "^client closed after" "srv-$1.out"
}

test_expect_success 'endless empty fragments: the fragment limit ends the call' '
	hostile empty &&
	client empty &&
	test_grep "wiresh: .*more than 1024 fragments" cli-empty.err &&
	reap empty
'

# Both take the library's call timeout: run them side by side.
test_expect_success 'endless replies to another call: the call times out' '
	hostile stale &&
	hostile trickle &&
	{ client trickle >trickle.res 2>&1 & } &&
	client stale &&
	test_grep "wiresh: .*timed out" cli-stale.err &&
	reap stale
'

test_expect_success 'a reply trickled byte by byte: the call times out' '
	wait_until 900 "test -s cli-trickle.err" &&
	test_grep "wiresh: .*timed out" cli-trickle.err &&
	reap trickle
'

test_done
