#!/bin/sh
# SPDX-License-Identifier: MIT
# 7108-qemu-graphics: a QEMU domain with <graphics type='vnc'/> has a VNC
# server on a unix socket in a 0700 directory; GRAPHICS_* relay its RFB
# stream through rvirtd (t/tools/rfbcheck does the handshake and reads
# a full update, straight and through rvirtd, and both must agree);
# refusals: read-only, no display, not running; a stream does not
# survive a restart of rvirtd and says so.  Skipped without QEMU.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-qemu.sh"
require_rvirtd

RFBCHECK=$RVIRT_BUILD/t/tools/rfbcheck

# rfb rvirt|rvirt-ro ARGS...: rfbcheck through the running rvirtd
rfb () {
	case $1 in
	rvirt) rfb_s_=$RVIRTD_SOCK ;;
	rvirt-ro) rfb_s_=$RVIRTD_SOCK_RO ;;
	esac
	shift
	"$RFBCHECK" rvirt "qemu://$PROCESS_PATH?socket=$rfb_s_" "$@"
}

test_expect_success 'start rvirtd, a domain with a VNC display and one without' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	cat >qg.xml <<-EOF &&
	<domain type="qemu"><name>qg</name><memory unit="MiB">16</memory>
	  <os><type>hvm</type><loader>$FIRMWARE</loader></os>
	  <devices><graphics type="vnc" port="5900"/><disk/></devices>
	</domain>
	EOF
	cat >qn.xml <<-EOF &&
	<domain type="qemu"><name>qn</name><memory unit="MiB">16</memory>
	  <os><type>hvm</type><loader>$FIRMWARE</loader></os>
	</domain>
	EOF
	QRVSH define qg.xml &&
	QRVSH define qn.xml &&
	QRVSH dumpxml qg >dump &&
	test_grep "<graphics type=\"vnc\"/>" dump &&
	QRVSH start qg &&
	QRVSH start qn &&
	qemu_pid qg >/dev/null &&
	qemu_pid qn >/dev/null
'

test_expect_success 'other graphics types are refused' '
	sed "s/type=\"vnc\"/type=\"spice\"/; s/<name>qg</<name>qs</" qg.xml >qs.xml &&
	test_must_fail QRVSH define qs.xml 2>err &&
	test_grep "<graphics>: type .spice. is not supported (only vnc)" err
'

test_expect_success 'the VNC socket is in a directory only the daemon user may enter' '
	test -S run/qemu/qg.vnc &&
	test "$(stat -c %a run/qemu)" = 700 &&
	! test -e run/qemu/qn.vnc
'

test_expect_success 'straight to the socket: the handshake and a full update' '
	"$RFBCHECK" unix run/qemu/qg.vnc >direct &&
	test_grep "^server RFB 003.008" direct &&
	test_grep "^size [0-9]*x[0-9]*\$" direct &&
	test_grep "^update [1-9][0-9]* [1-9][0-9]*\$" direct
'

test_expect_success 'through rvirtd: the same server, size and update' '
	rfb rvirt qg 3 >relayed &&
	test_grep "^server RFB 003.008" relayed &&
	grep "^size " direct >expect &&
	grep "^size " relayed >actual &&
	test_cmp expect actual &&
	grep "^update " direct | head -1 >expect &&
	grep "^update " relayed | head -1 >actual &&
	test_cmp expect actual &&
	grep "^update " relayed >updates &&
	test_line_count = 3 updates
'

test_expect_success 'refused: read-only connection, no VNC display, not running, another driver' '
	test_must_fail rfb rvirt-ro qg 2>err &&
	test_grep "cannot open the graphics console of domain .qg.: the connection is read-only" err &&
	test_must_fail rfb rvirt qn 2>err &&
	test_grep "cannot open the graphics console of domain .qn.: it has no VNC display" err &&
	pid=$(qemu_pid qn) &&
	QRVSH destroy qn &&
	wait_gone "$pid" &&
	test_must_fail rfb rvirt qn 2>err &&
	test_grep "cannot open the graphics console of domain .qn.: it is not running" err
'

test_expect_success 'a stream does not survive a restart of rvirtd: a clear error' '
	rm -f p.ready p.go &&
	{ rfb rvirt qg 1 p >restart.out 2>&1 & } &&
	pid1=$! &&
	wait_until 600 "test -f p.ready" &&
	crash_rvirtd &&
	start_rvirtd &&
	touch p.go &&
	{ wait $pid1 || { cat restart.out; false; }; } &&
	test_grep "read error: cannot read a graphics stream: no such graphics stream on this connection" restart.out &&
	rfb rvirt qg >again &&
	test_grep "^update " again
'

test_expect_success 'destroy: the socket goes' '
	pid=$(qemu_pid qg) &&
	QRVSH destroy qg &&
	wait_gone "$pid" &&
	wait_until 600 "! test -e run/qemu/qg.vnc" &&
	test_must_fail rfb rvirt qg 2>err &&
	test_grep "it is not running" err
'

test_done
