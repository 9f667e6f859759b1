#!/bin/sh
# SPDX-License-Identifier: MIT
# 2100-auth-sasl: SASL (Cyrus, a sasldb made here) on the unix and tcp sockets.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

if ! auth_have saslpasswd2; then
	skip_all 'saslpasswd2 is missing (apt-get install sasl2-bin)'
fi
for m in scram libdigestmd5 libplain; do
	if ! ls /usr/lib/*/sasl2/*"$m"* >/dev/null 2>&1; then
		skip_all "sasl plugin '$m' is missing (apt-get install libsasl2-modules)"
	fi
done

AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck
RVIT_RVSH=$RVIRT_BUILD/rvsh

# check URI USER PASS [METHODS]: authcheck's output in out, callback log in err
check () {
	AUTHCHECK_USER=$2 AUTHCHECK_PASS=$3 AUTHCHECK_METHODS=$4 \
		timeout 20 "$AUTHCHECK" "$1" >out 2>err
}

test_expect_success 'a sasldb and an rvirtd with sasl on unix and tcp' '
	auth_make_sasldb "$TRASH/sasl" \
		--mechs "scram-sha-256 scram-sha-1 digest-md5 plain" \
		alice:alicepw bob:bobpw carol2:carolpw &&
	write_config rvirtd.conf listen_tcp=1 auth_unix_rw=sasl \
		sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost \
		"sasl_allowed_username_list=[\"alice\", \"carol*\"]" \
		auth_fail_delay=500 &&
	start_rvirtd &&
	U="test:///default?socket=$RVIRTD_SOCK" &&
	T="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default"
'

test_expect_success 'AUTH_LIST names sasl; other calls get AUTH_REQUIRED, the connection stays' '
	rawrpc -t 5 "$RVIRTD_SOCK" call proc=AUTH_LIST \
		call proc=CONNECT_GET_TYPE decode=ret \
		call proc=NULL >actual &&
	cat >expect <<-\EOF &&
	accepted SUCCESS 000000000000000100000001
	accepted SUCCESS ERROR 5 8 authentication required: use sasl
	accepted SUCCESS
	EOF
	test_cmp expect actual
'

test_expect_success 'SCRAM-SHA-256 on the unix socket; identity sasl:alice' '
	check "$U" alice alicepw sasl.scram-sha-256 &&
	test_grep "^ok " out &&
	test_grep "authenticated as '\''sasl:alice'\''" "$RVIRTD_LOG"
'

test_expect_success 'the callback is called once with every credential needed' '
	test_line_count = 1 err &&
	test_grep "^callback: 2,5$" err
'

test_expect_success 'SCRAM-SHA-1, DIGEST-MD5 and PLAIN on the unix socket' '
	check "$U" alice alicepw sasl.scram-sha-1 && test_grep "^ok " out &&
	check "$U" alice alicepw sasl.digest-md5 && test_grep "^ok " out &&
	check "$U" alice alicepw sasl.plain && test_grep "^ok " out
'

test_expect_success 'a wrong password is refused with a clear message, per mechanism' '
	! check "$U" alice wrong sasl.scram-sha-256 &&
	test_grep "^error 6: authentication failed: .*mismatch" out &&
	! check "$U" alice wrong sasl.digest-md5 &&
	test_grep "^error 6: authentication failed" out &&
	sleep 0.6 &&
	! check "$U" alice wrong sasl.plain &&
	test_grep "^error 6: authentication failed" out &&
	rvirtd_no_crash
'

test_expect_success 'repeated failures: the peer must wait, then it is served again' '
	! check "$U" alice alicepw sasl.scram-sha-256 &&
	test_grep "^error 6: too many failed authentications from .*try again in [0-9]* ms$" out &&
	# Wait as long as the daemon said, and a little more: its word is the
	# contract, however slow this machine is.
	wait_s=$(sed -n "s/.*try again in \([0-9]*\) ms$/\1/p" out | awk "{ print \$1 / 1000 + 0.2 }") &&
	sleep "$wait_s" &&
	check "$U" alice alicepw sasl.scram-sha-256 &&
	test_grep "^ok " out
'

test_expect_success 'meanwhile the read-only socket (auth none) was served' '
	timeout 10 "$RVIRT_BUILD/rvsh" -r -c "test:///default?socket=$RVIRTD_SOCK_RO" uri >out &&
	echo "test:///default" >expect &&
	test_cmp expect out
'

test_expect_success 'sasl_allowed_username_list: bob is refused, carol2 matches carol*' '
	! check "$U" bob bobpw sasl.scram-sha-256 &&
	test_grep "^error 7: user '\''bob'\'' is not in sasl_allowed_username_list$" out &&
	check "$U" carol2 carolpw sasl.scram-sha-256 &&
	test_grep "^ok " out
'

test_expect_success 'no callback and a password needed: a clear error' '
	! AUTHCHECK_NOCB=1 check "$U" alice alicepw sasl.scram-sha-256 &&
	test_grep "^error 6: authentication needs an auth name, and there is no way to ask for it (no terminal or no_tty=1, and no callback given to rvirt_conn_open_auth)$" out
'

test_expect_success 'an application that cannot supply the auth name says so' '
	! AUTHCHECK_TYPES=passphrase check "$U" alice alicepw sasl.scram-sha-256 &&
	test_grep "^error 6: authentication needs an auth name, and the application cannot supply one$" out
'

test_expect_success 'no method in common: both lists named' '
	! check "$U" alice alicepw none,tls &&
	test_grep "^error 6: no authentication method in common: the daemon wants sasl, the client accepts none, tls$" out
'

test_expect_success 'the auth= URI variable picks the mechanism' '
	check "$U&auth=sasl.digest-md5" alice alicepw &&
	test_grep "^ok " out
'

test_expect_success 'a new transport reuses the credentials: one callback for three' '
	AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
		AUTHCHECK_METHODS=sasl.scram-sha-256 \
		timeout 20 "$AUTHCHECK" "$U" reauth 3 >out 2>err &&
	test_grep "^reauth ok 3, callbacks 1$" out &&
	AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
		timeout 20 "$AUTHCHECK" "$T" reauth 2 >out 2>err &&
	test_grep "^reauth ok 2, callbacks 1$" out
'

test_expect_success 'across a daemon crash the session resumes, re-authenticated with the kept credentials' '
	rm -f ready go &&
	{ AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
		AUTHCHECK_METHODS=sasl.scram-sha-256 \
		timeout 60 "$AUTHCHECK" "$U" survive ready go >out 2>err &
	  a=$!; } &&
	wait_until 100 "test -f ready" &&
	crash_rvirtd &&
	start_rvirtd &&
	T="test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" &&
	touch go &&
	wait $a &&
	cat out err &&
	test_grep "^survive ok, callbacks 1, reconnects 1$" out &&
	test $(grep -c "authenticated as .sasl:alice." "$RVIRTD_LOG") -ge 1
'

if command -v script >/dev/null 2>&1; then
	test_expect_success 'rvsh prompts on the terminal, the password without echo' '
		{ sleep 1; printf "alice\n"; sleep 1; printf "alicepw\n"; sleep 1; } |
			on_pty 20 "$RVIT_RVSH -c \"$U&auth=sasl.scram-sha-256\" uri" \
			>tty.out &&
		tr -d "\r" <tty.out >tty.txt &&
		cat tty.txt &&
		test_grep -i "authentication name" tty.txt &&
		test_grep -i "password" tty.txt &&
		test_grep "alice" tty.txt &&
		test_grep -v "alicepw" tty.txt &&
		test_grep "^test:///default$" tty.txt
	'
else
	test_skip 'rvsh prompts on the terminal' 'script(1) from util-linux is missing'
fi

test_expect_success 'rvsh with no_tty=1 does not prompt and says why' '
	! timeout 20 "$RVIT_RVSH" -c "$U&no_tty=1&auth=sasl.scram-sha-256" uri \
		</dev/null >out 2>err &&
	test_grep "authentication needs an auth name, and there is no way to ask for it" err
'

test_expect_success 'plain tcp offers only mechanisms with a security layer' '
	rawrpc -t 5 127.0.0.1:$RVIRTD_TCP_PORT call proc=AUTH_SASL_INIT \
		decode=ret >actual &&
	test_grep "^accepted SUCCESS OK " actual &&
	test_grep "4449474553542d4d4435" actual &&
	test_grep -v "504c41494e" actual &&
	test_grep -v "534352414d" actual
'

test_expect_success 'DIGEST-MD5 over plain tcp works (with its security layer)' '
	check "$T" alice alicepw &&
	test_grep "^ok " out
'

test_expect_success 'PLAIN and SCRAM over plain tcp are refused, clearly' '
	! check "$T" alice alicepw sasl.plain &&
	test_grep "^error 6: sasl mechanism '\''plain'\'' is not offered by the daemon on this socket (it offers: DIGEST-MD5" out &&
	! check "$T" alice alicepw sasl.scram-sha-256 &&
	test_grep "^error 6: sasl mechanism '\''scram-sha-256'\'' is not offered" out
'

test_expect_success 'a client that sends PLAIN on tcp anyway is refused' '
	rawrpc -t 5 127.0.0.1:$RVIRTD_TCP_PORT call proc=AUTH_SASL_INIT \
		call proc=AUTH_SASL_START arg=s:PLAIN arg=i:0 \
		arg=f:/dev/null decode=ret >actual &&
	test_grep "^accepted SUCCESS ERROR 6 8 sasl mechanism .PLAIN. is not offered here (offered: DIGEST-MD5)$" actual
'

test_expect_success 'a capture of a sasl-protected tcp session holds no plaintext' '
	perl "$RVIRT_SRC/t/tools/tcpcapture.pl" cap.port "$RVIRTD_TCP_PORT" \
		cap.bin 30 &
	cap_pid=$! &&
	wait_until 50 "test -s cap.port" &&
	check "test+tcp://127.0.0.1:$(cat cap.port)/default" alice alicepw &&
	test_grep "^ok " out &&
	kill $cap_pid && wait $cap_pid;
	test -s cap.bin &&
	grep -a -q "DIGEST-MD5" cap.bin &&
	! grep -a -q "test:///default" cap.bin &&
	host=$(sed -n "s/^ok //p" out) &&
	# A short host name ("vm") turns up in random ciphertext by chance.
	{ test ${#host} -lt 8 || ! grep -a -q "$host" cap.bin; }
'

test_expect_success 'rvirtd stops cleanly' '
	stop_rvirtd
'

test_expect_success 'an rvirtd with tcp and no auth' '
	write_config --tcp plain.conf &&
	start_rvirtd plain.conf &&
	rm -f cap.port cap.bin
'

test_expect_success 'the same calls over tcp without auth are visible (the capture works)' '
	perl "$RVIRT_SRC/t/tools/tcpcapture.pl" cap.port "$RVIRTD_TCP_PORT" \
		cap.bin 30 &
	cap_pid=$! &&
	wait_until 50 "test -s cap.port" &&
	check "test+tcp://127.0.0.1:$(cat cap.port)/default" alice alicepw &&
	kill $cap_pid && wait $cap_pid;
	grep -a -q "test:///default" cap.bin
'

test_expect_success 'auth_timeout closes an unauthenticated connection' '
	stop_rvirtd &&
	write_config rvirtd2.conf auth_unix_rw=sasl auth_timeout=1 \
		max_anonymous_clients=2 sasl_config_dir="$TRASH/sasl" \
		max_workers=1 start_workers=1 min_spare_workers=0 \
		max_spare_workers=1 &&
	start_rvirtd rvirtd2.conf &&
	rawrpc -t 5 "$RVIRTD_SOCK" call proc=AUTH_LIST expect-close >actual &&
	closed_within actual 0.8 3.5 &&
	test_grep "auth_timeout passed before authentication" "$RVIRTD_LOG"
'

# two_open: until the daemon has the two unauthenticated connections
# just started (not a pause that a loaded machine may outlast).
two_open () {
	wait_until 100 "rvirtd_status | grep -q \"unix 2 open\""
}

test_expect_success 'max_anonymous_clients: the third unauthenticated connection is refused' '
	rawrpc -t 8 "$RVIRTD_SOCK" call proc=NULL sleep 6 >a1 2>&1 &
	p1=$! &&
	rawrpc -t 8 "$RVIRTD_SOCK" call proc=NULL sleep 6 >a2 2>&1 &
	p2=$! &&
	two_open &&
	rawrpc -t 2 "$RVIRTD_SOCK" call proc=NULL >a3 2>&1;
	wait $p1 $p2;
	cat a3 &&
	test_grep "closed" a3 &&
	test_grep "max_anonymous_clients" "$RVIRTD_LOG"
'

test_expect_success 'authenticated clients are served meanwhile' '
	rawrpc -t 8 "$RVIRTD_SOCK" call proc=NULL sleep 6 >/dev/null 2>&1 &
	p1=$! &&
	rawrpc -t 8 "$RVIRTD_SOCK" call proc=NULL sleep 6 >/dev/null 2>&1 &
	p2=$! &&
	two_open &&
	timeout 10 "$RVIRT_BUILD/rvsh" -r -c "test:///default?socket=$RVIRTD_SOCK_RO" uri >out &&
	wait $p1 $p2 &&
	echo "test:///default" >expect &&
	test_cmp expect out
'

test_expect_success 'unix_rw_allowed_list: a uid not on it is closed out, one on it served' '
	stop_rvirtd &&
	write_config allow.conf "unix_rw_allowed_list=[\"uid:4242\"]" &&
	start_rvirtd allow.conf &&
	rawrpc -t 5 "$RVIRTD_SOCK" call proc=NULL >actual &&
	test_grep "closed" actual &&
	test_grep "is not in unix_rw_allowed_list" "$RVIRTD_LOG" &&
	stop_rvirtd &&
	write_config allow.conf "unix_rw_allowed_list=[\"uid:4242\", \"uid:$(id -u)\"]" &&
	start_rvirtd allow.conf &&
	rawrpc -t 5 "$RVIRTD_SOCK" call proc=NULL >actual &&
	test_grep "^accepted SUCCESS" actual &&
	stop_rvirtd
'

test_done
