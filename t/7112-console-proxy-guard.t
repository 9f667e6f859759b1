#!/bin/sh
# SPDX-License-Identifier: MIT
# 7112-console-proxy-guard: what guards rvirt-console-proxy's consoles
# besides the token: a websocket from another site's page (Origin) is
# refused unless allowed_origins names it; an open websocket closes
# with 1008 once its token is revoked (token_recheck); the proxy signs
# in to rvirtd with SASL from its configuration, its password file
# refused when others may read it.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

if ! auth_have saslpasswd2; then
	skip_all 'saslpasswd2 is missing (apt-get install sasl2-bin)'
fi
if ! ls /usr/lib/*/sasl2/*digestmd5* >/dev/null 2>&1; then
	skip_all "sasl plugin 'digestmd5' is missing (apt-get install libsasl2-modules)"
fi

console_log () {
	cat run/process/console/*/log.* 2>/dev/null
}

# proxy_conf FILE [LINE...]: the proxy on rvirtd's SASL TCP socket.
proxy_conf () {
	pc_f_=$1
	shift
	{
		echo 'listen_addr = "127.0.0.1"'
		echo 'listen_port = 0'
		echo "uri = \"process+tcp://127.0.0.1:$RVIRTD_TCP_PORT$PROCESS_PATH\""
		echo "www_dir = \"$RVIRT_SRC/proxy/www\""
		echo 'sasl_username = "alice"'
		echo "sasl_password_file = \"$TRASH/alice.pw\""
		echo 'token_recheck = 1'
		for pc_l_ in "$@"; do
			echo "$pc_l_"
		done
	} >"$pc_f_"
}

test_expect_success 'rvirtd with SASL on TCP, a process domain with a console' '
	auth_make_sasldb "$TRASH/sasl" --mechs "digest-md5" alice:alicepw &&
	write_config rvirtd.conf listen_tcp=1 auth_tcp=sasl \
		sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost &&
	start_rvirtd &&
	process_xml web 1 >web.xml &&
	PRVSH define web.xml &&
	PRVSH start web &&
	guest_pid web >/dev/null &&
	wait_until 600 "console_log | grep -q \"serial console ready\"" &&
	PRVSH console-token enable web >tok
'

test_expect_success 'a password file others may read is refused' '
	printf "alicepw\n" >alice.pw &&
	chmod 644 alice.pw &&
	proxy_conf p0.conf &&
	test_expect_code 1 "$PROXY" -f p0.conf 2>p0.err &&
	test_grep "cannot use sasl_password_file .*alice.pw.: not a regular file that only its owner may read (chmod 600)" p0.err &&
	printf "sasl_username = \"alice\"\n" >p1.conf &&
	test_expect_code 1 "$PROXY" -n -f p1.conf 2>p1.err &&
	test_grep "SASL needs both sasl_username and sasl_password_file" p1.err
'

test_expect_success 'a wrong password: the proxy does not start, and says why' '
	printf "wrong\n" >alice.pw &&
	chmod 600 alice.pw &&
	proxy_conf p2.conf &&
	test_expect_code 1 timeout 120 "$PROXY" -f p2.conf 2>p2.err &&
	cat p2.err &&
	test_grep "cannot connect to rvirtd at .process+tcp://127.0.0.1:$RVIRTD_TCP_PORT" p2.err
'

test_expect_success 'signed in with SASL: the console works through a token' '
	printf "alicepw\n" >alice.pw &&
	proxy_conf proxy.conf &&
	start_proxy proxy.conf &&
	"$WSCLIENT" -t 60 -s "echo over-sasl\\r" -w "\\r\\nover-sasl\\r\\n" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c1.out &&
	cat c1.out &&
	test_grep "^found$" c1.out
'

test_expect_success 'a page of another site is refused; no Origin (no browser) is not' '
	test_expect_code 1 "$WSCLIENT" -t 60 -O "http://evil.example" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c2.out &&
	cat c2.out &&
	test_grep "^error: " c2.out &&
	test_grep -v "^open$" c2.out &&
	test_grep "refused a websocket from origin .http://evil.example.: not the proxy.s own page" proxy.log &&
	test_expect_code 1 "$WSCLIENT" -t 60 -O "http://127.0.0.1.evil.example" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c3.out &&
	test_grep "^error: " c3.out &&
	"$WSCLIENT" -t 60 -O "" -s "name\\r" -w "\\r\\nweb\\r\\n" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c4.out &&
	test_grep "^found$" c4.out
'

test_expect_success 'allowed_origins lets the named sites in, and only them' '
	stop_proxy &&
	proxy_conf proxy.conf "allowed_origins = \"http://a.example http://evil.example\"" &&
	start_proxy proxy.conf &&
	"$WSCLIENT" -t 60 -O "http://evil.example" -s "name\\r" -w "\\r\\nweb\\r\\n" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c5.out &&
	test_grep "^found$" c5.out &&
	test_expect_code 1 "$WSCLIENT" -t 60 -O "http://b.example" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c6.out &&
	test_grep "^error: " c6.out
'

test_expect_success 'an open websocket closes with 1008 once its token is revoked' '
	rm -f held.out &&
	{ "$WSCLIENT" -t 120 -O "http://a.example" -w "never-printed-by-the-guest" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >held.out &
	  w=$!; } &&
	wait_until 600 "grep -q \"^open$\" held.out" &&
	PRVSH console-token disable web &&
	wait "$w" &&
	cat held.out &&
	test_grep "^close 1008: token no longer valid: cannot resolve a console token: no domain has it" held.out &&
	test_grep "console of domain .web. closed: its token no longer holds" proxy.log
'

test_expect_success 'the proxy and rvirtd stop cleanly' '
	stop_proxy &&
	PRVSH destroy web &&
	stop_rvirtd
'

test_done
