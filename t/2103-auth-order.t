#!/bin/sh
# SPDX-License-Identifier: MIT
# 2103-auth-order: every order of the auth procedures, unauthenticated,
# on sasl sockets: the worker survives and the connection stays usable.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

if ! auth_have saslpasswd2; then
	skip_all 'saslpasswd2 is missing (apt-get install sasl2-bin)'
fi
for m in scram libplain; do
	if ! ls /usr/lib/*/sasl2/*"$m"* >/dev/null 2>&1; then
		skip_all "sasl plugin '$m' is missing (apt-get install libsasl2-modules)"
	fi
done

AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck
ORDER="perl $RVIRT_SRC/t/tools/authorder.pl -t 20"

# One worker, so that its pid tells whether it survived.
test_expect_success 'an rvirtd with sasl on every socket and one worker' '
	auth_make_sasldb "$TRASH/sasl" \
		--mechs "scram-sha-256 digest-md5 plain" alice:alicepw &&
	write_config rvirtd.conf listen_tcp=1 auth_tcp=sasl \
		auth_unix_rw=sasl auth_unix_ro=sasl \
		sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost \
		auth_fail_delay=0 start_workers=1 max_workers=1 \
		min_spare_workers=0 max_spare_workers=1 &&
	start_rvirtd &&
	wait_until 100 "test \"\$(worker_pids | wc -l)\" = 1" &&
	worker_pids >pid.before &&
	test_line_count = 1 pid.before
'

test_expect_success 'STEP right after INIT is refused clearly, NULL still answered' '
	rawrpc -t 10 "$RVIRTD_SOCK" call proc=AUTH_SASL_INIT \
		call proc=AUTH_SASL_STEP arg=i:1 arg=u:0 decode=ret \
		call proc=NULL >out &&
	sed -n 2,3p out >actual &&
	cat >expect <<-\EOF &&
	accepted SUCCESS ERROR 6 8 cannot take AUTH_SASL_STEP now: no mechanism was started: call AUTH_SASL_START first
	accepted SUCCESS
	EOF
	test_cmp expect actual
'

test_expect_success 'START twice and START before INIT are refused clearly' '
	rawrpc -t 10 "$RVIRTD_SOCK" \
		call proc=AUTH_SASL_START arg=s:PLAIN arg=i:1 arg=u:0 decode=ret \
		call proc=AUTH_SASL_INIT \
		call proc=AUTH_SASL_START arg=s:PLAIN arg=i:1 arg=u:0 decode=ret \
		call proc=AUTH_SASL_START arg=s:PLAIN arg=i:1 arg=u:0 decode=ret \
		>out &&
	sed -n "1p;3,4p" out >actual &&
	cat >expect <<-\EOF &&
	accepted SUCCESS ERROR 6 8 no sasl negotiation in progress: call AUTH_SASL_INIT first
	accepted SUCCESS OK 000000000000000000000000
	accepted SUCCESS ERROR 6 8 cannot take AUTH_SASL_START now: a negotiation is already under way: continue with AUTH_SASL_STEP or call AUTH_SASL_INIT
	EOF
	test_cmp expect actual
'

test_expect_success 'every sequence of up to three auth calls on the unix socket' '
	$ORDER "$RVIRTD_SOCK" alice alicepw >out &&
	cat out &&
	test_grep "^sequences=1110 .* failures=0$" out
'

test_expect_success 'the same on the read-only socket' '
	$ORDER -n 2 "$RVIRTD_SOCK_RO" alice alicepw >out &&
	test_grep "^sequences=110 .* failures=0$" out
'

test_expect_success 'the same on plain tcp (sasl with a security layer)' '
	$ORDER -n 2 "127.0.0.1:$RVIRTD_TCP_PORT" alice alicepw >out &&
	test_grep "^sequences=110 .* failures=0$" out
'

test_expect_success 'the worker is the same one and nothing died' '
	worker_pids >pid.after &&
	test_cmp pid.before pid.after &&
	rvirtd_no_crash
'

test_expect_success 'a new client still authenticates' '
	AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw AUTHCHECK_METHODS=sasl.scram-sha-256 \
		timeout 20 "$AUTHCHECK" "test:///default?socket=$RVIRTD_SOCK" >out &&
	test_grep "^ok " out
'

test_expect_success 'stop rvirtd' '
	stop_rvirtd
'

test_done
