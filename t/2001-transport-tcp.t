#!/bin/sh
# SPDX-License-Identifier: MIT
# 2001-transport-tcp: plain TCP; sasl by default, none only when written.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVIRTD=$RVIRT_BUILD/rvirtd
RVSH=$RVIRT_BUILD/rvsh

test_expect_success 'listen_tcp without auth_tcp written: sasl, clients must authenticate' '
	write_config sasl.conf listen_tcp=1 &&
	start_rvirtd sasl.conf &&
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" call proc=AUTH_LIST \
		call proc=CONNECT_GET_TYPE decode=ret >actual &&
	cat >expect <<-\EOF &&
	accepted SUCCESS 000000000000000100000001
	accepted SUCCESS ERROR 5 8 authentication required: use sasl
	EOF
	test_cmp expect actual &&
	stop_rvirtd
'

test_expect_success 'auth_tcp = "none" is allowed with a warning' '
	write_config --tcp none.conf &&
	"$RVIRTD" -n -f none.conf 2>err;
	test_grep "clear" err
'

test_expect_success 'with auth_tcp = "none" it listens on a free loopback port' '
	write_config --tcp rvirtd.conf &&
	start_rvirtd &&
	test -n "$RVIRTD_TCP_PORT" &&
	test "$RVIRTD_TCP_PORT" -gt 0
'

test_expect_success 'calls work over TCP' '
	uri="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" &&
	"$RVSH" -c "$uri" --script list --all >out &&
	printf "1\ttest\trunning\n" >expect &&
	test_cmp expect out &&
	"$RVSH" -c "$uri" uri >out &&
	echo "test:///default" >expect &&
	test_cmp expect out
'

test_expect_success 'a mutating call over TCP works and is seen on the unix socket' '
	cat >tcp1.xml <<-\EOF &&
	<domain type="test"><name>tcp1</name><memory>1024</memory></domain>
	EOF
	"$RVSH" -c "$uri" define tcp1.xml &&
	"$RVSH" domstate tcp1 >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'the ready line names the listening address' '
	test_grep " tcp=127.0.0.1:$RVIRTD_TCP_PORT\$" "$RVIRTD_LOG"
'

test_expect_success 'listen_addr is honoured: another loopback address is not served' '
	test_expect_code 2 rawrpc -t 5 "127.0.0.2:$RVIRTD_TCP_PORT" call \
		>out 2>err &&
	test_grep -i "refused" err
'

test_expect_success 'raw calls over TCP: open, lookup, limits' '
	wire_expect "127.0.0.1:$RVIRTD_TCP_PORT" \
		"opened|accepted GARBAGE_ARGS|accepted SUCCESS|accepted PROC_UNAVAIL" \
		$OPEN call proc=DOMAIN_LOOKUP_BY_NAME arg=S:256 call \
		call proc=99 &&
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" $OPEN \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:test decode=domain >out &&
	tail -n 1 out >last &&
	test_grep -E "^accepted SUCCESS OK test [0-9a-f]{32} 1\$" last &&
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" raw 80400001 expect-close \
		>out &&
	closed_within out 0 3
'

test_expect_success 'calls before CONNECT_OPEN get NO_CONNECT over TCP too' '
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" \
		call proc=CONNECT_GET_TYPE decode=ret >out &&
	test_grep "^accepted SUCCESS ERROR 8 " out &&
	test_grep "CONNECT_OPEN first" out
'

test_expect_success 'AUTH_LIST over TCP says none' '
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" \
		call proc=AUTH_LIST decode=ret >out &&
	test_grep "^accepted SUCCESS OK 0000000100000000\$" out
'

test_expect_success 'the peer identity of a TCP session is tcp:ADDR:PORT (debug log)' '
	rvirtd_no_crash &&
	stop_rvirtd &&
	write_config --tcp rvirtd.conf log_level=1 &&
	start_rvirtd &&
	"$RVSH" -c "test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" hostname &&
	test_grep "tcp:127.0.0.1:" "$RVIRTD_LOG"
'

test_expect_success 'the identity names the peer address and port exactly' '
	rawrpc -t 5 "127.0.0.1:$RVIRTD_TCP_PORT" local $OPEN >out &&
	peer=$(head -n 1 out) &&
	test_grep "^accepted SUCCESS OK " out &&
	test_grep -F "tcp:$peer" "$RVIRTD_LOG"
'

test_expect_success 'a refused port gives a clear client error' '
	rvirtd_no_crash &&
	stop_rvirtd &&
	test_must_fail "$RVSH" -c "test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" list 2>err &&
	test_grep "^rvsh: " err &&
	test_grep -i "refused" err
'

test_expect_success 'a busy port: "cannot bind ADDR:PORT: address already in use"' '
	perl -MIO::Socket::INET -e "
		my \$s = IO::Socket::INET->new(LocalAddr => q(127.0.0.1),
		    LocalPort => 0, Listen => 1, ReuseAddr => 0) or die \$!;
		open(my \$f, q(>), q($TRASH/busy.port)) or die \$!;
		print \$f \$s->sockport, qq(\\n);
		close \$f;
		sleep 30;" >/dev/null 2>&1 &
	holder=$! &&
	test_wait_for_file "$TRASH/busy.port" 50 &&
	sleep 0.1 &&
	port=$(cat "$TRASH/busy.port") &&
	test -n "$port" &&
	write_config --tcp busy.conf tcp_port=$port &&
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground -f busy.conf \
		>out 2>err
	status=$?
	kill $holder && wait $holder
	test $status -eq 0 &&
	cat err &&
	test_grep -F "rvirtd: cannot bind '\''127.0.0.1:$port'\'': address already in use" err &&
	no_rvirtd_left
'

test_done
