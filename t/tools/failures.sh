#!/bin/sh
# SPDX-License-Identifier: MIT
# failures.sh LOG: what `make check` prints when tests failed, from the
# reports t/test-lib.sh appended to LOG (RVIRT_FAILURE_LOG): every
# report whole, then, as the very last lines, a digest: each failed
# test's title and the last 4 lines it printed.  A CI log shown only by
# its tail still names every failure and the line that says why.
test -s "$1" || exit 0
echo "=== what the failed tests reported ($1):"
cat "$1"
echo "=== in short:"
awk '
function flush(   i, from) {
	if (head == "")
		return
	print head
	from = n > 4 ? n - 4 : 0
	for (i = from; i < n; i++)
		print "#   " last[i % 4]
}
/^# failed: / { flush(); head = $0; n = 0; out = 0; next }
/^# exit status: / { out = 1; next }
out { last[n % 4] = substr($0, 3); n++ }
END { flush() }
' "$1"
