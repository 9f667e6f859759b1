#!/bin/sh
# SPDX-License-Identifier: MIT
# 7105-console-proxy-tls: rvirt-console-proxy with key_file and
# cert_file speaks only TLS (wss): certificates made now with certtool;
# a client trusting the CA types into the guest and reads the answer,
# one trusting another CA or speaking plain ws gets nothing; with
# ca_file a client without a certificate is refused, one with a
# certificate of that CA gets the console.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-console.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

if ! auth_have certtool; then
	skip_all "certtool (gnutls-bin) not installed"
fi

test_expect_success 'certificates, rvirtd, a process domain, a token' '
	auth_make_certs pki &&
	console_domain tls &&
	PRVSH console-token enable tls >tok
'

test_expect_success 'the proxy on TLS: wss with the CA types and reads the answer' '
	cat >tls.conf <<-EOF &&
	listen_port = 0
	uri = "$URI"
	www_dir = "$RVIRT_SRC/proxy/www"
	key_file = "$TRASH/pki/server-key.pem"
	cert_file = "$TRASH/pki/server-cert.pem"
	EOF
	start_proxy tls.conf &&
	test_grep "ready on 127.0.0.1:[0-9]* (https)" proxy.log &&
	"$WSCLIENT" -t 60 -c pki/ca-cert.pem -H localhost -s "echo over-tls\\r" -w "\\r\\nover-tls\\r\\n" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >t1.out &&
	cat t1.out &&
	test_grep "^found$" t1.out &&
	curl -fsS --cacert pki/ca-cert.pem --resolve "localhost:$PROXY_PORT:127.0.0.1" \
		"https://localhost:$PROXY_PORT/" >page.out &&
	test_grep "vendor/xterm.js" page.out
'

test_expect_success 'another CA, or plain ws: no websocket' '
	test_expect_code 1 "$WSCLIENT" -t 60 -c pki/rogue-cert.pem -H localhost \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >t2.out &&
	cat t2.out &&
	test_grep "^error: " t2.out &&
	test_grep -v "^open$" t2.out &&
	test_must_fail "$WSCLIENT" -t 60 127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >t3.out &&
	test_grep -v "^open$" t3.out &&
	stop_proxy
'

test_expect_success 'ca_file: no client certificate refused, one of the CA served' '
	cat tls.conf >mtls.conf &&
	echo "ca_file = \"$TRASH/pki/ca-cert.pem\"" >>mtls.conf &&
	start_proxy mtls.conf &&
	test_must_fail "$WSCLIENT" -t 60 -c pki/ca-cert.pem -H localhost \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >t4.out &&
	cat t4.out &&
	test_grep -v "^open$" t4.out &&
	"$WSCLIENT" -t 60 -c pki/ca-cert.pem -H localhost -C pki/client-cert.pem -K pki/client-key.pem \
		-s "echo mutual\\r" -w "\\r\\nmutual\\r\\n" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tok)" >t5.out &&
	cat t5.out &&
	test_grep "^found$" t5.out &&
	stop_proxy
'

test_expect_success 'rvirtd stops cleanly' '
	PRVSH destroy tls &&
	stop_rvirtd
'

test_done
