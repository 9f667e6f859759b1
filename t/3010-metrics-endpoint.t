#!/bin/sh
# SPDX-License-Identifier: MIT
# 3010-metrics-endpoint: GET /metrics of the exporter child passes the
# strict checker and promtool, carries no pid, counts a known sequence
# of calls (errors, RPC rejections, replays) with histograms that match;
# counters survive a SIGKILLed worker and the endpoint answers meanwhile
# and through a USR2 upgrade; `rvirtd status` prints the same families.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
. "$RVIRT_SRC/t/lib-metrics.sh"

OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'

reconnect () {
	echo "call proc=CONNECT_RECONNECT arg=x:$1 arg=u:0 decode=ret"
}

test_expect_success 'start with the exporter on a free loopback port' '
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 start_workers=2 \
		min_spare_workers=1 &&
	start_rvirtd &&
	test -n "$RVIRTD_METRICS_PORT" &&
	test_grep " metrics=127.0.0.1:$RVIRTD_METRICS_PORT" "$RVIRTD_LOG"
'

test_expect_success 'a scrape passes the strict checker (and promtool)' '
	scrape m0 &&
	check_exposition m0 &&
	test_grep "^rvirtd_up 1$" m0 &&
	test_grep "^rvirtd_build_info{version=\"$(cat "$RVIRT_SRC/VERSION")\"} 1$" m0 &&
	test_grep "^rvirtd_store_limit_bytes [1-9]" m0 &&
	test_grep "^# TYPE rvirtd_rpc_call_duration_seconds histogram$" m0
'

test_expect_success 'no series carries a pid, as a label or a value' '
	! grep -E "[{,]pid=" m0 &&
	worker_pids >pids && test -s pids &&
	for p in $(cat pids) $RVIRTD_PID; do
		! grep -F "\"$p\"" m0 || return 1
	done
'

test_expect_success 'other paths and methods get clear HTTP errors' '
	test "$(http_code http://127.0.0.1:$RVIRTD_METRICS_PORT/)" = 404 &&
	test "$(http_code -X POST -d x=1 \
		http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics)" = 405
'

test_expect_success 'a known sequence of calls moves the counters by as much' '
	scrape before &&
	rawrpc -t 10 "$RVIRTD_SOCK" call proc=NULL $OPEN \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:nosuch decode=ret \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:test decode=domain \
		call proc=999 >seq.out &&
	cat seq.out &&
	test_grep "^accepted PROC_UNAVAIL$" seq.out &&
	scrape after &&
	check_exposition after &&
	C="rvirtd_rpc_calls_total{procedure=" &&
	test "$(delta before after "${C}\"NULL\",outcome=\"ok\"}")" = 1 &&
	test "$(delta before after "${C}\"CONNECT_OPEN\",outcome=\"ok\"}")" = 1 &&
	test "$(delta before after "${C}\"DOMAIN_LOOKUP_BY_NAME\",outcome=\"no-domain\"}")" = 1 &&
	test "$(delta before after "${C}\"DOMAIN_LOOKUP_BY_NAME\",outcome=\"ok\"}")" = 1 &&
	test "$(delta before after "${C}\"other\",outcome=\"rpc-rejected\"}")" = 1 &&
	test "$(delta before after rvirtd_sessions_created_total)" = 1 &&
	test "$(delta before after "rvirtd_transport_connections_accepted_total{transport=\"unix\",auth=\"unix-peer\"}")" = 1 &&
	test "$(delta before after rvirtd_calls_total)" = 5 &&
	test "$(delta before after "rvirtd_rpc_call_duration_seconds_count{procedure=\"DOMAIN_LOOKUP_BY_NAME\"}")" = 2
'

test_expect_success 'every latency histogram counts exactly the calls made' '
	histogram_matches after &&
	test_grep "^rvirtd_rpc_call_duration_seconds_bucket{procedure=\"NULL\",le=\"+Inf\"} " after
'

test_expect_success 'domains: by driver and state, and the running one by name' '
	scrape m1 &&
	test_grep "^rvirtd_domains_by_state{driver=\"test\",state=\"running\"} 1$" m1 &&
	test_grep "^rvirtd_domain_vcpus{driver=\"test\",domain=\"test\"} [1-9]" m1 &&
	test_grep "^rvirtd_domain_cpu_seconds_total{driver=\"test\",domain=\"test\"} " m1 &&
	"$RVIRT_BUILD/rvsh" destroy test &&
	scrape d1 &&
	test_grep "^rvirtd_domains_by_state{driver=\"test\",state=\"shutoff\"} 1$" d1 &&
	! grep "^rvirtd_domain_vcpus{" d1 &&
	"$RVIRT_BUILD/rvsh" start test
'

test_expect_success 'a re-sent call answered from the record counts as a replay' '
	printf "<domain type=\"test\"><name>m1</name><memory unit=\"KiB\">65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" >m1.xml &&
	rawrpc -t 10 "$RVIRTD_SOCK" $OPEN >open.out &&
	C=$(sed -n "s/^accepted SUCCESS OK \([0-9a-f]\{64\}\)$/\1/p" open.out) &&
	test -n "$C" &&
	scrape r0 &&
	rawrpc -t 10 "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=77 proc=DOMAIN_DEFINE_XML arg=f:m1.xml arg=u:0 \
		decode=domain >first &&
	rawrpc -t 10 "$RVIRTD_SOCK" $(reconnect "$C") \
		call xid=77 proc=DOMAIN_DEFINE_XML arg=f:m1.xml arg=u:0 \
		decode=domain >again &&
	rawrpc -t 10 "$RVIRTD_SOCK" $(reconnect 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff) >bogus &&
	rawrpc -t 10 "$RVIRTD_SOCK" call proc=CONNECT_RESUME arg=x:$C \
		arg=s:test:///default arg=u:0 decode=ret >resumed &&
	cat first again bogus resumed &&
	test_grep "^accepted SUCCESS OK" resumed &&
	test_grep "ERROR" bogus &&
	scrape r1 &&
	test "$(delta r0 r1 "rvirtd_rpc_replays_total{procedure=\"DOMAIN_DEFINE_XML\"}")" = 1 &&
	test "$(delta r0 r1 "rvirtd_rpc_calls_total{procedure=\"DOMAIN_DEFINE_XML\",outcome=\"ok\"}")" = 2 &&
	test "$(delta r0 r1 rvirtd_sessions_resumed_total)" = 3 &&
	test "$(delta r0 r1 "rvirtd_sessions_refused_total{reason=\"no-session\"}")" = 1 &&
	"$RVIRT_BUILD/rvsh" undefine m1
'

test_expect_success 'an open connection shows in the gauge' '
	rawrpc -t 60 "$RVIRTD_SOCK" call proc=NULL sleep 60 >held.out 2>&1 &
	echo $! >held.pid &&
	wait_until 100 "scrape g1 && test \"\$(val g1 \"rvirtd_transport_connections{transport=\\\"unix\\\",auth=\\\"unix-peer\\\"}\")\" = 1"
'

test_expect_success 'SIGKILLed workers: the endpoint answers, no count is lost' '
	scrape k0 &&
	crashes=$(val k0 rvirtd_worker_crashes_total) &&
	worker_pids >kpids && test -s kpids &&
	kill -KILL $(cat kpids) &&
	scrape k1 &&
	test_grep "^rvirtd_up 1$" k1 &&
	wait_until 200 "scrape k2 && test \$(val k2 rvirtd_worker_crashes_total) -ge \$((crashes + \$(wc -l <kpids)))" &&
	check_exposition k2 &&
	monotonic k0 k1 &&
	monotonic k0 k2 &&
	test "$(val k2 "rvirtd_transport_connections{transport=\"unix\",auth=\"unix-peer\"}")" = 0 &&
	{ kill $(cat held.pid) 2>/dev/null; wait $(cat held.pid); true; } &&
	C="rvirtd_rpc_calls_total{procedure=" &&
	test "$(val k2 "${C}\"CONNECT_OPEN\",outcome=\"ok\"}")" = "$(val k0 "${C}\"CONNECT_OPEN\",outcome=\"ok\"}")" &&
	wait_until 100 "test \$(worker_pids idle | wc -l) -ge 1" &&
	"$RVIRT_BUILD/rvsh" list --all >/dev/null &&
	scrape k3 && monotonic k2 k3
'

# exporter_pid: the master's child with more than one thread (the
# exporter's HTTP thread); workers and the collector have one.
exporter_pid () {
	for c in $(children_of "$(rvirtd_master_pid)"); do
		test "$(sed -n "s/^Threads:\t*//p" /proc/$c/status 2>/dev/null)" -gt 1 2>/dev/null &&
			echo $c
	done
	return 0
}

test_expect_success 'a killed exporter is started again' '
	scrape e0 &&
	e=$(exporter_pid) && test -n "$e" &&
	kill -KILL $e &&
	wait_until 200 "scrape e1 && test \$(val e1 rvirtd_exporter_starts_total) -gt \$(val e0 rvirtd_exporter_starts_total)" &&
	test "$(exporter_pid)" != "$e" &&
	monotonic e0 e1
'

test_expect_success 'rvirtd status prints the same families as the endpoint' '
	rvirtd_status --format=prometheus >st.prom &&
	scrape ep.prom &&
	check_exposition st.prom &&
	grep "^# " st.prom >st.meta &&
	grep "^# " ep.prom >ep.meta &&
	! grep -v -x -F -f ep.meta st.meta &&
	test "$(val st.prom "rvirtd_rpc_calls_total{procedure=\"CONNECT_OPEN\",outcome=\"ok\"}")" = \
		"$(val ep.prom "rvirtd_rpc_calls_total{procedure=\"CONNECT_OPEN\",outcome=\"ok\"}")" &&
	rvirtd_status >st.txt &&
	test_grep "^CONNECT_OPEN  *[1-9]" st.txt &&
	test_grep "^connections: unix 0 open" st.txt
'

# scrape_loop OUT: scrapes until ./stop (at most 3000), one line each:
# the HTTP code, "000" when the connection failed.
scrape_loop () {
	i=0
	while ! test -e stop && test $i -lt 3000; do
		http_code "http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics" >>"$1"
		echo >>"$1"
		i=$((i + 1))
	done
}

test_expect_success 'the endpoint answers all through a USR2 upgrade' '
	rm -f stop loop.out &&
	scrape_loop loop.out & lp=$!
	old=$(rvirtd_master_pid) &&
	wait_until 100 "test -s loop.out" &&
	kill -USR2 $old &&
	wait_until 200 "test \"\$(rvirtd_master_pid)\" != $old" &&
	test_wait_exit_ $old 200 &&
	n=$(wc -l <loop.out) &&
	wait_until 100 "test \$(wc -l <loop.out) -gt \$((n + 2))" &&
	touch stop && wait $lp &&
	sort loop.out | uniq -c &&
	! grep -v "^200$" loop.out &&
	scrape u1 && check_exposition u1 &&
	test_grep "^rvirtd_up 1$" u1
'

test_expect_success 'stop: no process and no metrics file left' '
	stop_rvirtd_master &&
	! test -e run/rvirtd.metrics &&
	! test -e run/rvirtd.metrics.new
'

test_done
