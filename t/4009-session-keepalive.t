#!/bin/sh
# SPDX-License-Identifier: MIT
# 4009-session-keepalive: keepalive against a relay that stops forwarding
# (a daemon host that vanished: packets dropped, not refused).  The
# client finds it within interval x count and goes down its reconnect
# path, a call never hangs, the daemon closes the connection of a client
# that went silent, and idle connections and consoles are never dropped.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
CLIENTWAIT=$RVIRT_BUILD/t/tools/clientwait
RELAY=$RVIRT_SRC/t/tools/relay.pl
KA="keepalive_interval=1&keepalive_count=2"
GONE="no keepalive ping from the client"

# start_relay: relay.pl to the daemon's TCP port; sets RELAY_PID, RELAY_PORT.
start_relay () {
	rm -f relay.port &&
	{ perl "$RELAY" relay.port "$RVIRTD_TCP_PORT" 300 >relay.out 2>&1 &
	  RELAY_PID=$!; } &&
	wait_until 100 "test -s relay.port" &&
	RELAY_PORT=$(cat relay.port)
}

stop_relay () {
	kill "$RELAY_PID" && wait "$RELAY_PID"
	RELAY_PID=
}

# How many connections the daemon accepted so far (its scoreboard).
accepted () {
	rvirtd_status | sed -n 's/^totals: \([0-9]*\) connections accepted.*/\1/p'
}

# How many connections the daemon closed for keepalive so far.
closed_for_keepalive () {
	grep -c "$GONE" "$RVIRTD_LOG" || :
}

test_expect_success 'start rvirtd on TCP with keepalive 1 s x 2' '
	write_config --tcp rvirtd.conf keepalive_interval=1 keepalive_count=2 &&
	start_rvirtd rvirtd.conf &&
	cat >web.xml <<-\EOF
	<domain type="test"><name>web</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
	EOF
'

test_expect_success 'an idle client and the daemon find each other gone behind a stalled relay; the client reconnects' '
	start_relay &&
	rm -f ready go &&
	{ RVIRT_DEFAULT_URI="test+tcp://127.0.0.1:$RELAY_PORT/default?$KA&reconnect_timeout=60" \
		timeout 150 "$CLIENTWAIT" ping ready go >idle.out 2>&1 & sw=$!; } &&
	wait_until 100 "test -f ready" &&
	kill -USR1 "$RELAY_PID" &&
	wait_until 300 "grep -q \"event disconnected\" idle.out" &&
	test_grep "event disconnected .*keepalive" idle.out &&
	# The daemon, behind the same stalled relay, closes its side.
	wait_until 300 "test \$(closed_for_keepalive) -ge 1" &&
	kill -USR2 "$RELAY_PID" &&
	touch go &&
	wait "$sw" &&
	cat idle.out &&
	test_grep "event reconnected" idle.out &&
	test_grep "ping ok" idle.out &&
	stop_relay
'

test_expect_success 'a call under a stalled daemon does not hang: keepalive ends it, reconnection gives up' '
	start_relay &&
	rm -f ready go &&
	{ RVIRT_DEFAULT_URI="test+tcp://127.0.0.1:$RELAY_PORT/default?$KA&reconnect_timeout=3" \
		timeout 150 "$CLIENTWAIT" ping ready go >call.out 2>&1 & sw=$!; } &&
	wait_until 100 "test -f ready" &&
	kill -USR1 "$RELAY_PID" &&
	touch go &&
	start=$(date +%s) &&
	test_expect_code 1 wait "$sw" &&
	end=$(date +%s) &&
	cat call.out &&
	echo "the call ended after $((end - start)) s" &&
	test_grep "event disconnected .*keepalive" call.out &&
	test_grep "ping error 18 .*not back within 3 s" call.out &&
	test $((end - start)) -lt 120 &&
	stop_relay
'

test_expect_success 'a client that never announced keepalive is never closed for it' '
	before=$(closed_for_keepalive) &&
	rm -f ready go &&
	{ RVIRT_DEFAULT_URI="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default?keepalive_interval=0" \
		timeout 150 "$CLIENTWAIT" ping ready go >plain.out 2>&1 & sw=$!; } &&
	wait_until 100 "test -f ready" &&
	# Quiet for twice the daemon'\''s limit: what is under test is time.
	sleep 6 &&
	touch go &&
	wait "$sw" &&
	cat plain.out &&
	test_grep "ping ok" plain.out &&
	! grep "event" plain.out &&
	test "$(closed_for_keepalive)" = "$before"
'

test_expect_success 'an idle connection and a waiting console live through many keepalive intervals' '
	before=$(closed_for_keepalive) &&
	base=$(accepted) &&
	rm -f ready go &&
	# 1 s x 5: eight intervals of quiet, and room for a loaded host.
	uri="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default?keepalive_interval=1&keepalive_count=5" &&
	{ RVIRT_DEFAULT_URI="$uri" timeout 150 "$CLIENTWAIT" ping ready go \
		>console.out 2>&1 & sw=$!; } &&
	{ timeout 150 "$RVSH" -c "$uri" event --count 1 --timeout 120 \
		>event.out 2>&1 & ev=$!; } &&
	wait_until 100 "test -f ready" &&
	# clientwait, rvsh and the event thread of rvsh: three connections.
	wait_until 100 "test \$(accepted) -ge \$((base + 3))" &&
	test "$(accepted)" -eq $((base + 3)) &&
	# Eight intervals of quiet: what is under test is time.
	sleep 8 &&
	# None of them dropped and connected again (a parked wait included).
	test "$(accepted)" -eq $((base + 3)) &&
	"$RVSH" -c "$uri" define web.xml &&
	wait "$ev" &&
	touch go &&
	wait "$sw" &&
	cat console.out event.out &&
	test_grep "ping ok" console.out &&
	! grep "event" console.out &&
	test_grep "event .lifecycle. for domain .web.: Defined" event.out &&
	! grep "dropped" event.out &&
	test "$(closed_for_keepalive)" = "$before"
'

test_expect_success 'on the wire: a plain client, quiet for twice the limit, is not closed' '
	rawrpc -t 30 "127.0.0.1:$RVIRTD_TCP_PORT" call proc=NULL sleep 5 \
		call proc=NULL >plain.wire &&
	cat >expect <<-\EOF &&
	accepted SUCCESS
	accepted SUCCESS
	EOF
	test_cmp expect plain.wire
'

test_expect_success 'on the wire: KEEPALIVE_START with interval 0 stops the watch' '
	rawrpc -t 30 "127.0.0.1:$RVIRTD_TCP_PORT" \
		call proc=41 arg=u:1 arg=u:1 \
		call proc=41 arg=u:0 arg=u:1 sleep 4 \
		call proc=NULL >stop.wire &&
	cat stop.wire &&
	test_line_count = 3 stop.wire &&
	! grep -v "^accepted SUCCESS" stop.wire
'

test_expect_success 'on the wire: a client that announced keepalive and went quiet is closed' '
	rawrpc -t 30 "127.0.0.1:$RVIRTD_TCP_PORT" \
		call proc=41 arg=u:1 arg=u:1 decode=ret \
		expect-close >ka.wire &&
	cat ka.wire &&
	test_grep "^accepted SUCCESS OK" ka.wire &&
	test_grep "^closed after" ka.wire
'

test_expect_success 'the closes are counted: rvirtd_keepalive_drops_total' '
	rvirtd_status --format=prometheus >ka.prom &&
	n=$(sed -n "s/^rvirtd_keepalive_drops_total \([0-9]*\)$/\1/p" ka.prom) &&
	echo "drops: $n" &&
	test "$n" -ge 2 &&
	rvirtd_status >ka.txt &&
	test_grep "keepalive drops: $n$" ka.txt
'

test_expect_success 'KEEPALIVE_START with a bad interval gets a clear error' '
	rawrpc -t 30 "127.0.0.1:$RVIRTD_TCP_PORT" \
		call proc=41 arg=u:5000 arg=u:5 decode=ret \
		call proc=41 arg=u:1 arg=u:0 decode=ret \
		call proc=41 arg=u:0 arg=u:0 decode=ret >bad.wire &&
	cat bad.wire &&
	test_grep "ERROR 3 .*cannot start keepalive with interval 5000 and count 5: the interval must be 0 (off) to 3600 s" bad.wire &&
	test_grep "ERROR 3 .*cannot start keepalive with interval 1 and count 0" bad.wire &&
	test_grep "^accepted SUCCESS OK" bad.wire
'

test_expect_success 'TCP connections get TCP keepalive too (for clients that never announce)' '
	if ! command -v ss >/dev/null 2>&1; then
		echo "ss(8) is missing: not checked" && return 0
	fi
	rm -f ready go &&
	{ RVIRT_DEFAULT_URI="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default?keepalive_interval=0" \
		timeout 150 "$CLIENTWAIT" ping ready go >tcpka.out 2>&1 & sw=$!; } &&
	wait_until 100 "test -f ready" &&
	# While a reply waits for its ACK, ss shows the retransmit timer.
	wait_until 100 "ss -tnoH state established \"( sport = :$RVIRTD_TCP_PORT )\" >ss.out && grep -q \"timer:(keepalive\" ss.out" &&
	touch go &&
	wait "$sw" &&
	cat ss.out &&
	test_grep "timer:(keepalive" ss.out
'

test_expect_success 'keepalive does not starve behind a busy worker: one worker, four clients calling flat out' '
	stop_rvirtd &&
	write_config --tcp busy.conf keepalive_interval=1 keepalive_count=2 \
		max_workers=1 start_workers=1 min_spare_workers=0 \
		max_spare_workers=1 &&
	start_rvirtd busy.conf &&
	base=$(accepted) &&
	rm -f ready go &&
	uri="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default?$KA" &&
	{ RVIRT_DEFAULT_URI="$uri" timeout 150 "$CLIENTWAIT" ping ready go \
		>busy.out 2>&1 & sw=$!; } &&
	wait_until 100 "test -f ready" &&
	# Bounded: 4 clients for 6 s, on the one worker that holds clientwait.
	timeout 60 "$RVIRT_BUILD/t/perf/load" calls "$RVIRT_DEFAULT_URI" 4 6 >load.out 2>&1 &&
	cat load.out &&
	touch go &&
	wait "$sw" &&
	cat busy.out &&
	test_grep "ping ok" busy.out &&
	! grep "event" busy.out &&
	! grep "$GONE" "$RVIRTD_LOG"
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
