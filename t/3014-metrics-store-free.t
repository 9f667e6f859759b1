#!/bin/sh
# SPDX-License-Identifier: MIT
# 3014-metrics-store-free: the exporter reports the store's free list
# (entries, pages as bytes, whether the walk was complete) and agrees
# with LMDB's own mdb_stat -f on the same store.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
. "$RVIRT_SRC/t/lib-metrics.sh"

if ! command -v mdb_stat >/dev/null 2>&1; then
	skip_all 'mdb_stat missing (lmdb-utils, scripts/deps.sh test)'
fi

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'

test_expect_success 'start with the exporter' '
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 start_workers=1 &&
	start_rvirtd &&
	scrape m0 &&
	check_exposition m0 &&
	test_grep "^# TYPE rvirtd_store_free_bytes gauge$" m0 &&
	test_grep "^rvirtd_store_free_list_complete 1$" m0 &&
	STORE=$(dirname "$(find state -name data.mdb | head -n 1)") &&
	test -d "$STORE" &&
	echo "$STORE" >store.dir
'

# free_agrees: one scrape and one mdb_stat -f agree on the entries and
# the free pages (a commit between the two makes them differ: retried).
free_agrees () {
	scrape f.prom &&
	mdb_stat -ef "$(cat store.dir)" >f.stat &&
	ps=$(sed -n "s/^ *Page size: //p" f.stat) &&
	entries=$(awk "/^Freelist Status/ { f = 1 }
		f && /^ *Entries: / { print \$2; exit }" f.stat) &&
	pages=$(sed -n "s/^ *Free pages: //p" f.stat) &&
	test -n "$ps" && test -n "$entries" && test -n "$pages" &&
	test "$(val f.prom rvirtd_store_free_list_entries)" = "$entries" &&
	test "$(val f.prom rvirtd_store_free_bytes)" = "$((pages * ps))"
}

test_expect_success 'after many commits the free list is not empty' '
	for i in $(seq 1 15); do
		rawrpc -t 30 "$RVIRTD_SOCK" $OPEN >open.out &&
		test_grep "^accepted SUCCESS OK" open.out || return 1
	done &&
	wait_until 100 free_agrees &&
	cat f.stat &&
	test "$(val f.prom rvirtd_store_free_list_entries)" -gt 0 &&
	test "$(val f.prom rvirtd_store_free_bytes)" -gt 0 &&
	test_grep "^rvirtd_store_free_list_complete 1$" f.prom
'

test_expect_success 'the OpenMetrics form declares the unit' '
	scrape_as om.out om.hdr "application/openmetrics-text" &&
	check_openmetrics om.out &&
	test_grep "^# UNIT rvirtd_store_free_bytes bytes$" om.out
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_done
