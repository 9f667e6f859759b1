#!/bin/sh
# SPDX-License-Identifier: MIT
# 5101-events-bounds: the collector trims the journal; a reader behind is told what it lost.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-events.sh"

test_expect_success 'build the plain rpcgen event client' '
	build_evc
'

test_expect_success 'bad bounds are refused with the key named' '
	write_config bad.conf event_journal_max=-1 &&
	test_must_fail "$RVIRT_BUILD/rvirtd" -n -f bad.conf 2>err &&
	test_grep "event_journal_max" err
'

test_expect_success 'start rvirtd keeping 3 events, collecting every second' '
	write_config rvirtd.conf event_journal_max=3 store_gc_interval=1 &&
	start_rvirtd
'

test_expect_success '19 changes; the collector keeps the newest 3' '
	for i in 1 2 3 4 5 6 7 8 9; do
		"$RVSH" suspend test && "$RVSH" resume test || return 1
	done &&
	wait_until 300 "./evc \"\$RVIRTD_SOCK\" 0 0 10 | grep -q \"^cursor 19 lost 16\$\"" &&
	./evc "$RVIRTD_SOCK" 0 0 10 >out &&
	cat out &&
	test $(grep -c "^event" out) = 3 &&
	test_grep "^event 17 test 4 0 " out &&
	test_grep "^event 18 test 3 0 " out &&
	test_grep "^event 19 test 4 0 " out
'

test_expect_success 'a reader at the trimmed end loses nothing more' '
	./evc "$RVIRTD_SOCK" 16 0 10 >out &&
	test_grep "^cursor 19 lost 0$" out &&
	./evc "$RVIRTD_SOCK" 15 0 10 >out &&
	test_grep "^cursor 19 lost 1$" out
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
