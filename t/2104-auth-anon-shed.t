#!/bin/sh
# SPDX-License-Identifier: MIT
# 2104-auth-anon-shed: connections that never authenticate cannot lock a
# SASL socket: at max_anonymous_clients, a new connection closes the
# unauthenticated one that was quiet longest (past the shed grace of a
# second) instead of being refused (doc/architecture.md, "Connection
# budgets").

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

if ! auth_have saslpasswd2; then
	skip_all 'saslpasswd2 is missing (apt-get install sasl2-bin)'
fi
if ! ls /usr/lib/*/sasl2/*digestmd5* >/dev/null 2>&1; then
	skip_all "sasl plugin 'digestmd5' is missing (apt-get install libsasl2-modules)"
fi
if ! command -v perl >/dev/null 2>&1; then
	skip_all 'perl is missing'
fi

AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck

# hold_tcp PORT N: N connections to 127.0.0.1:PORT that send nothing,
# held until the file stop exists (at most 120 s); "open N" in held.out
# once made, then "eof K" for the K that the daemon closed.
hold_tcp () {
	perl -MIO::Socket::INET -MIO::Select -e '
		my ($port, $n) = @ARGV;
		my @s;
		for (1 .. $n) {
			my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
				PeerPort => $port) or die "connect: $!\n";
			push @s, $c;
		}
		$| = 1;
		print "open ", scalar(@s), "\n";
		for (1 .. 1200) {
			last if -e "stop";
			select(undef, undef, undef, 0.1);
		}
		my $eof = 0;
		my $sel = IO::Select->new(@s);
		for my $c ($sel->can_read(0)) {
			my $buf;
			$eof++ if !sysread($c, $buf, 1);
		}
		print "eof $eof\n";
	' "$1" "$2" >held.out 2>held.err &
	echo $! >held.pid
}

test_expect_success 'one worker, SASL on tcp, max_anonymous_clients = 2' '
	auth_make_sasldb "$TRASH/sasl" --mechs "digest-md5" alice:alicepw &&
	write_config rvirtd.conf listen_tcp=1 auth_tcp=sasl \
		sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost \
		start_workers=1 max_workers=1 min_spare_workers=1 \
		max_spare_workers=1 max_anonymous_clients=2 auth_timeout=600 &&
	start_rvirtd &&
	T="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default"
'

test_expect_success 'two connections hold the unauthenticated places' '
	hold_tcp "$RVIRTD_TCP_PORT" 2 &&
	wait_until 600 "grep -q \"^open 2\" held.out" &&
	wait_until 600 "\"$RVIRT_BUILD/rvirtd\" status --config rvirtd.conf | grep -q \"tcp 2 open\""
'

# The shed grace is a rule of time (a connection younger than a second
# is not shed, so that a flood does not shed itself); waiting it out is
# not a measure of speed: a slower machine only makes them older.
test_expect_success 'a client that authenticates gets in: the oldest is shed' '
	sleep 1.5 &&
	AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
		AUTHCHECK_METHODS=sasl.digest-md5 \
		timeout 60 "$AUTHCHECK" "$T" >out 2>err &&
	test_grep "^ok " out &&
	test_grep "closing connection of .tcp:127.0.0.1:[0-9]*. (unauthenticated) to make room" "$RVIRTD_LOG"
'

test_expect_success 'exactly one held connection was closed' '
	touch stop &&
	wait_until 600 "grep -q \"^eof\" held.out" &&
	test_grep "^eof 1$" held.out
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
