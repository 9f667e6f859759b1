#!/bin/sh
# SPDX-License-Identifier: MIT
# 2003-connect-flood-log: a connect flood that is refused makes rvirtd
# write a bounded number of lines; the rest are counted in "suppressed
# N similar messages" lines, so every refusal is still accounted for.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
FLOOD=$RVIRT_BUILD/t/tools/connflood
N=2000

test_expect_success 'start one worker that refuses every unix peer' '
	write_config rvirtd.conf start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 \
		"unix_rw_allowed_list=[\"uid:4242424\"]" &&
	start_rvirtd
'

# refusals: lines printed for refusals, and the sum of their counts.
refusals () {
	grep -c "closing a connection on .*not in unix_rw_allowed_list" \
		"$RVIRTD_LOG" >printed
	sed -n "s/.*refused.*suppressed \([0-9]*\) similar.*/\1/p;
		s/.*unix_rw_allowed_list (suppressed \([0-9]*\) similar.*/\1/p" \
		"$RVIRTD_LOG" | awk "{ s += \$1 } END { print s + 0 }" >suppressed
	echo $(($(cat printed) + $(cat suppressed)))
}

test_expect_success "a flood of $N refused connections" '
	t0=$(date +%s) &&
	"$FLOOD" close $N "$RVIRTD_SOCK" >flood.out &&
	echo "done $N" >expect &&
	test_cmp expect flood.out &&
	wait_until 300 "test \$(refusals) -eq $N" &&
	t1=$(date +%s) &&
	echo $((t1 - t0)) >elapsed
'

test_expect_success 'the log shows a suppressed count' '
	test_grep "suppressed [0-9]* similar messages" "$RVIRTD_LOG"
'

# The limit is 5 lines a second for refusals, plus one summary line a
# second: an upper bound from the time the flood took, whatever it was.
test_expect_success 'the lines printed are bounded by the time taken' '
	refusals >/dev/null &&
	lines=$(grep -c "refused\|not in unix_rw_allowed_list" "$RVIRTD_LOG") &&
	max=$((6 * ($(cat elapsed) + 2))) &&
	echo "printed $lines lines for $N refusals in $(cat elapsed) s (bound $max)" &&
	test "$lines" -le "$max" &&
	test "$lines" -lt $N
'

test_expect_success 'the daemon still serves an allowed client on the ro socket' '
	"$RVIRT_BUILD/rvsh" -c "test:///default?socket=$RVIRTD_SOCK_RO" \
		uri >out &&
	echo "test:///default" >expect &&
	test_cmp expect out &&
	stop_rvirtd
'

test_done
