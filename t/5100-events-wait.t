#!/bin/sh
# SPDX-License-Identifier: MIT
# 5100-events-wait: the event journal and EVENT_WAIT through plain rpcgen stubs.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-events.sh"


test_expect_success 'a plain rpcgen client of EVENT_WAIT builds' '
	build_evc
'

# One worker: a parked wait must not keep it from serving others.
test_expect_success 'start rvirtd with one worker' '
	write_config rvirtd.conf start_workers=1 min_spare_workers=0 \
		max_spare_workers=1 max_workers=1 &&
	start_rvirtd
'

test_expect_success 'a fresh journal: the default domain came with the first open' '
	./evc "$RVIRTD_SOCK" now 0 10 >out &&
	echo "cursor 1 lost 0" >expect &&
	test_cmp expect out &&
	./evc "$RVIRTD_SOCK" 0 0 10 >out &&
	test_grep "^event 1 test 2 0 1 -1 unix:uid=" out
'

test_expect_success 'each lifecycle change is journaled once, in order, with its caller' '
	events_domain_xml web >web.xml &&
	"$RVSH" define web.xml &&
	"$RVSH" define web.xml &&
	"$RVSH" start web &&
	"$RVSH" suspend web &&
	"$RVSH" resume web &&
	"$RVSH" reboot web &&
	"$RVSH" destroy web &&
	"$RVSH" undefine web &&
	./evc "$RVIRTD_SOCK" 0 0 100 >out &&
	cat out &&
	id=$(id -u) &&
	sed -n "s/^event \([0-9]*\) web \([0-9]*\) \([0-9]*\) .* unix:uid=$id.*/\1 \2 \3/p" out >got &&
	cat >expect <<-\EOF &&
	2 0 0
	3 0 1
	4 2 0
	5 3 0
	6 4 0
	7 16 0
	8 5 1
	9 1 0
	EOF
	test_cmp expect got &&
	test_grep "^cursor 9 lost 0$" out
'

test_expect_success 'a cursor reads only what follows it; max bounds a reply' '
	./evc "$RVIRTD_SOCK" 7 0 1 >out &&
	printf "cursor 8 lost 0\n" >expect &&
	head -n 1 out >got &&
	test_cmp expect got &&
	test_grep "^event 8 web 5 1 " out &&
	test $(grep -c "^event" out) = 1
'

test_expect_success 'filters: by domain and by kind (the cursor still moves on)' '
	./evc "$RVIRTD_SOCK" 0 0 100 nosuch >out &&
	echo "cursor 9 lost 0" >expect &&
	test_cmp expect out &&
	./evc "$RVIRTD_SOCK" 0 0 100 web 4 >out &&
	test_grep "^event 4 web 2 0 " out &&
	test $(grep -c "^event" out) = 1
'

test_expect_success 'a cursor past the journal is an explicit error' '
	test_expect_code 3 ./evc "$RVIRTD_SOCK" 1000 0 10 >out &&
	test_grep "^error 30 cannot wait for events after 1000: the journal ends at 9" out
'

test_expect_success 'bad arguments get clear errors' '
	test_expect_code 3 ./evc "$RVIRTD_SOCK" 0 0 0 >out &&
	test_grep "^error 3 cannot wait for events: max 0 is not 1 to 1024" out &&
	test_expect_code 3 ./evc "$RVIRTD_SOCK" 0 4000000 10 >out &&
	test_grep "^error 3 cannot wait for events: timeout 4000000 ms" out
'

test_expect_success 'a wait with nothing new times out empty' '
	./evc "$RVIRTD_SOCK" 9 200 10 >out &&
	echo "cursor 9 lost 0" >expect &&
	test_cmp expect out
'

test_expect_success 'a parked wait leaves its worker serving, and wakes on the commit' '
	rm -f parked.out &&
	{ ./evc "$RVIRTD_SOCK" 9 120000 10 >parked.out & } &&
	evc_pid=$! &&
	"$RVSH" list --all >list.out &&
	"$RVSH" domstate test >state.out &&
	events_domain_xml db >db.xml &&
	"$RVSH" define db.xml &&
	wait_for_file parked.out &&
	wait $evc_pid &&
	cat parked.out &&
	test_grep "^event 10 db 0 0 -1 -1 unix:uid=" parked.out
'

test_expect_success 'a waiter that hangs up is forgotten; the worker goes on' '
	{ ./evc "$RVIRTD_SOCK" 10 120000 10 >gone.out & } &&
	evc_pid=$! &&
	"$RVSH" domstate db >/dev/null &&
	kill -KILL $evc_pid && { wait $evc_pid || :; } &&
	"$RVSH" undefine db &&
	./evc "$RVIRTD_SOCK" 10 0 10 >out &&
	test_grep "^event 11 db 1 0 " out
'

test_expect_success 'the journal survives a SIGKILL of the whole daemon' '
	crash_rvirtd &&
	start_rvirtd &&
	./evc "$RVIRTD_SOCK" 0 0 100 >out &&
	test_grep "^cursor 11 lost 0$" out &&
	test $(grep -c "^event" out) = 11
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
