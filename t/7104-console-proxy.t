#!/bin/sh
# SPDX-License-Identifier: MIT
# 7104-console-proxy: rvirt-console-proxy bridges a websocket to a
# process domain's serial console, found by its token: what is typed
# into the websocket reaches the guest and its answer comes back; a
# malformed, unknown, revoked or expired token is refused with close
# code 1008 and the daemon's reason; other paths get no websocket; the
# web page is served; a bad config file is refused with its line.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-console.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

test_expect_success 'start rvirtd, a process domain with a console, the proxy' '
	console_domain web &&
	cat >proxy.conf <<-EOF &&
	listen_addr = "127.0.0.1"
	listen_port = 0
	uri = "$URI"
	www_dir = "$RVIRT_SRC/proxy/www"
	EOF
	start_proxy proxy.conf
'

test_expect_success 'type through the websocket, read the guest answer' '
	PRVSH console-token enable web >tok &&
	"$WSCLIENT" -t 60 -s "echo through-the-proxy\\r" -w "\\r\\nthrough-the-proxy\\r\\n" -o ws.out \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c1.out &&
	cat c1.out &&
	test_grep "^open$" c1.out &&
	test_grep "^found$" c1.out &&
	wait_until 100 "console_log | grep -q \"^through-the-proxy\""
'

test_expect_success 'the guest answers a command with its name' '
	"$WSCLIENT" -t 60 -s "name\\r" -w "\\r\\nweb\\r\\nguest> " \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >c2.out &&
	test_grep "^found$" c2.out
'

test_expect_success 'a malformed token: close 1008 with the reason' '
	"$WSCLIENT" -t 60 127.0.0.1 "$PROXY_PORT" "/console?token=nope" >c3.out &&
	cat c3.out &&
	test_grep "^close 1008: cannot resolve a console token: it is not 64 lowercase hex digits$" c3.out
'

test_expect_success 'no token at all: refused the same way' '
	"$WSCLIENT" -t 60 127.0.0.1 "$PROXY_PORT" "/console" >c4.out &&
	test_grep "^close 1008: cannot resolve a console token" c4.out
'

test_expect_success 'a revoked token: close 1008, nothing typed' '
	cp tok old-tok &&
	PRVSH console-token disable web &&
	"$WSCLIENT" -t 60 -s "echo revoked-typed\\r" 127.0.0.1 "$PROXY_PORT" "/console?token=$(cat old-tok)" >c5.out &&
	cat c5.out &&
	test_grep "^close 1008: cannot resolve a console token: no domain has it" c5.out &&
	! console_log | grep -q "revoked-typed"
'

test_expect_success 'an expired token: close 1008 saying it expired' '
	PRVSH console-token enable --expires 1 web >tok2 &&
	wait_until 600 "\"$RVIRT_BUILD/t/tools/tokresolve\" \"$URI\" \"$(cat tok2)\" | grep -q \"^error 39\"" &&
	"$WSCLIENT" -t 60 127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok2)" >c6.out &&
	cat c6.out &&
	test_grep "^close 1008: cannot resolve the console token of domain .web.: it expired [0-9]* s ago$" c6.out
'

test_expect_success 'a websocket on another path is refused' '
	PRVSH console-token enable web >tok3 &&
	test_expect_code 1 "$WSCLIENT" -t 60 127.0.0.1 "$PROXY_PORT" "/other?token=$(cat tok3)" >c7.out &&
	cat c7.out &&
	test_grep "^error: " c7.out &&
	test_grep -v "^open$" c7.out
'

test_expect_success 'the web page and the vendored xterm.js are served' '
	curl -fsS "http://127.0.0.1:$PROXY_PORT/?token=$(cat tok3)" >page.out &&
	test_grep "<script src=\"vendor/xterm.js\">" page.out &&
	curl -fsS "http://127.0.0.1:$PROXY_PORT/console.js" >js.out &&
	test_cmp "$RVIRT_SRC/proxy/www/console.js" js.out &&
	curl -fsS "http://127.0.0.1:$PROXY_PORT/vendor/xterm.js" >xterm.out &&
	test_cmp "$RVIRT_SRC/proxy/www/vendor/xterm.js" xterm.out &&
	curl -fsS "http://127.0.0.1:$PROXY_PORT/vendor/xterm.css" >/dev/null &&
	test_expect_code 22 curl -fsS "http://127.0.0.1:$PROXY_PORT/../proxy.conf" 2>/dev/null
'

test_expect_success 'a bad config file: refused with its line, -n checks' '
	printf "listen_port = 99999\n" >bad1.conf &&
	test_expect_code 1 "$PROXY" -n -f bad1.conf 2>bad1.err &&
	test_grep "bad1.conf:1: cannot use .listen_port. = 99999: not in 0..65535" bad1.err &&
	printf "listen_addr = \"127.0.0.1\"\nfrobnicate = 1\n" >bad2.conf &&
	test_expect_code 1 "$PROXY" -n -f bad2.conf 2>bad2.err &&
	test_grep "bad2.conf:2: cannot use .frobnicate.: unknown key" bad2.err &&
	printf "key_file = \"/x\"\n" >bad3.conf &&
	test_expect_code 1 "$PROXY" -n -f bad3.conf 2>bad3.err &&
	test_grep "TLS needs both key_file and cert_file" bad3.err &&
	"$PROXY" -n -f proxy.conf >ok.out &&
	test_grep "proxy.conf: ok" ok.out
'

test_expect_success 'the proxy and rvirtd stop cleanly' '
	stop_proxy &&
	PRVSH destroy web &&
	stop_rvirtd
'

test_done
