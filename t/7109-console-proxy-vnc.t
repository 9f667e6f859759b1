#!/bin/sh
# SPDX-License-Identifier: MIT
# 7109-console-proxy-vnc: rvirt-console-proxy bridges /vnc?token=T to a
# QEMU domain's VNC display through rvirtd's graphics stream: the
# browser's side (t/tools/wsrfb.pl, RFB in binary websocket frames)
# gets RFB 3.8, the one security type None, SecurityResult OK, the
# ServerInit with the size QEMU reports on its own socket, and a
# FramebufferUpdate; an RFB 3.3 viewer too; bad, revoked tokens and a
# domain without a display are refused.  Skipped without QEMU.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-qemu.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

RFBCHECK=$RVIRT_BUILD/t/tools/rfbcheck
WSRFB="perl $RVIRT_SRC/t/tools/wsrfb.pl"

test_expect_success 'start rvirtd, QEMU domains with and without a display, the proxy' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	qemu_xml pv vnc >pv.xml &&
	sed "s/<name>pv</<name>pn</; /graphics/d" pv.xml >pn.xml &&
	QRVSH define pv.xml &&
	QRVSH define pn.xml &&
	QRVSH start pv &&
	QRVSH start pn &&
	qemu_pid pv >/dev/null &&
	qemu_pid pn >/dev/null &&
	cat >proxy.conf <<-EOF &&
	listen_addr = "127.0.0.1"
	listen_port = 0
	uri = "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK"
	www_dir = "$RVIRT_SRC/proxy/www"
	EOF
	start_proxy proxy.conf &&
	QRVSH console-token enable pv >tok &&
	QRVSH console-token enable pn >tokn
'

test_expect_success 'RFB 3.8 through the websocket: None only, OK, the size QEMU reports, an update' '
	"$RFBCHECK" unix run/qemu/pv.vnc >direct &&
	$WSRFB "$PROXY_PORT" "/vnc?token=$(cat tok)" >ws.out &&
	cat ws.out &&
	test_grep "^server RFB 003.008\$" ws.out &&
	test_grep "^security 1\$" ws.out &&
	test_grep "^result 0\$" ws.out &&
	grep "^size " direct >expect &&
	grep "^size " ws.out >actual &&
	test_cmp expect actual &&
	grep "^update " direct >expect &&
	grep "^update " ws.out >actual &&
	test_cmp expect actual
'

test_expect_success 'an RFB 3.3 viewer: the proxy picks None itself' '
	$WSRFB "$PROXY_PORT" "/vnc?token=$(cat tok)" 003.003 >ws33.out &&
	test_grep "^security 1\$" ws33.out &&
	grep "^size " direct >expect &&
	grep "^size " ws33.out >actual &&
	test_cmp expect actual
'

test_expect_success 'refused: a malformed token, a revoked one, a domain without a display' '
	$WSRFB "$PROXY_PORT" "/vnc?token=nope" >bad.out &&
	test_grep "^close 1008: cannot resolve a console token: it is not 64 lowercase hex digits\$" bad.out &&
	QRVSH console-token disable pv &&
	$WSRFB "$PROXY_PORT" "/vnc?token=$(cat tok)" >revoked.out &&
	test_grep "^close 1008: cannot resolve a console token: no domain has it" revoked.out &&
	$WSRFB "$PROXY_PORT" "/vnc?token=$(cat tokn)" >nodisp.out &&
	test_grep "^close 1011: cannot open the graphics console of domain .pn.: it has no VNC display" nodisp.out
'

test_expect_success 'the serial console of the same proxy still works (/console)' '
	QRVSH console-token enable pn >tokn &&
	"$WSCLIENT" -t 60 -s "via-proxy\\r" -w "serial-echo got [via-proxy]" \
		127.0.0.1 "$PROXY_PORT" "/console?token=$(cat tokn)" >c.out &&
	test_grep "^found$" c.out
'

test_expect_success 'stop the proxy and the domains' '
	stop_proxy &&
	p1=$(qemu_pid pv) && p2=$(qemu_pid pn) &&
	QRVSH destroy pv && QRVSH destroy pn &&
	wait_gone "$p1" && wait_gone "$p2"
'

test_done
