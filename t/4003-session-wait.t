#!/bin/sh
# SPDX-License-Identifier: MIT
# 4003-session-wait: a call sent again while its first run is still
# going on in another worker waits for it and gets its reply; it does
# not run a second time.  The slow call is the shutdown of a process
# domain whose program takes two seconds to go.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-session.sh"
require_rvirtd

OPEN="call proc=CONNECT_OPEN arg=s:process://$PROCESS_PATH arg=u:0 decode=ret"

test_expect_success 'start rvirtd with two workers; a domain slow to shut down' '
	write_config rvirtd.conf start_workers=2 min_spare_workers=2 &&
	start_rvirtd rvirtd.conf &&
	cat >slow.xml <<-EOF &&
	<domain type="process"><name>slow</name><memory>1024</memory>
	  <os><type>exe</type><init>/bin/sh</init>
	  <initarg>-c</initarg><initarg>trap "echo term >>$TRASH/slow.log; sleep 2; exit 0" TERM; while :; do sleep 0.1; done</initarg></os>
	</domain>
	EOF
	PRVSH define slow.xml &&
	PRVSH start slow &&
	pgrep -f "echo term >>$TRASH/slow.log" >>"$TRASH/domain-pids" &&
	rpc "$RVIRTD_SOCK" $OPEN \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:slow decode=domain >open.out &&
	cat open.out &&
	C=$(sed -n "1s/^OK \([0-9a-f]\{64\}\)$/\1/p" open.out) &&
	set -- $(sed -n 2p open.out) &&
	test "$1 $2" = "OK slow" &&
	echo "$C arg=s:slow arg=x:$3 arg=i:$4 arg=u:0" >call.args
'
read -r C DOMARGS <"$TRASH/call.args" 2>/dev/null

test_expect_success 'the shutdown sent again while the first runs waits and gets its reply' '
	{ rpc "$RVIRTD_SOCK" $(reconnect "$C") \
		send xid=90 proc=DOMAIN_SHUTDOWN $DOMARGS sleep 0.4 >first & f=$!; } &&
	wait_until 300 "test -s slow.log" &&
	t0=$(date +%s%N) &&
	rpc -t 15 "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=90 proc=DOMAIN_SHUTDOWN $DOMARGS decode=ret >again &&
	t1=$(date +%s%N) &&
	wait $f &&
	cat again &&
	printf "OK\nOK\n" >want && test_cmp want again &&
	echo "waited $(( (t1 - t0) / 1000000 )) ms" &&
	test_grep "DOMAIN_SHUTDOWN. (xid 90) of a session .* answered from its recorded reply" "$RVIRTD_LOG" &&
	echo term >want && test_cmp want slow.log &&
	PRVSH domstate slow >domstate.out &&
	echo "shut off" >want && test_cmp want domstate.out
'

test_expect_success 'stop rvirtd' '
	PRVSH undefine slow &&
	stop_rvirtd
'

test_done
