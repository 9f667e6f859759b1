#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/vnc.sh: a VNC framebuffer stream's throughput, straight from
# QEMU's socket, through rvirtd (GRAPHICS_READ) and through the proxy's
# /vnc websocket, measured in the same run: N full (non-incremental)
# raw updates of the 640x480 display each way.  QEMU paces the updates
# of a display that does not change (its refresh interval grows while
# nothing is drawn), so the time is mostly QEMU's and the ratios show
# what the relays add.  Numbers and ratios only, never pass/fail;
# skipped without QEMU.  Run by t/perf/run.sh,
# or alone:  RVIRT_BUILD=$PWD/build RVIRT_SRC=$PWD sh t/perf/vnc.sh

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"

N=${RVIRT_PERF_VNC_UPDATES:-3}
QEMU=qemu-system-$(uname -m)
command -v "$QEMU" >/dev/null 2>&1 || {
	echo "== vnc: skipped, $QEMU is not installed"
	exit 0
}
RFBCHECK=$RVIRT_BUILD/t/tools/rfbcheck

write_config rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1
URI="qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK"
cat >v.xml <<EOF
<domain type="qemu"><name>perfvnc</name><memory unit="MiB">16</memory>
  <os><type>hvm</type><loader>$RVIRT_BUILD/t/tools/serial-echo.bin</loader></os>
  <devices><graphics type="vnc"/></devices>
</domain>
EOF
"$RVSH" -c "$URI" create v.xml >/dev/null || exit 1
printf 'listen_port = 0\nuri = "%s"\nwww_dir = "%s"\n' "$URI" \
	"$RVIRT_SRC/proxy/www" >proxy.conf
start_proxy proxy.conf || exit 1
tok=$("$RVSH" -c "$URI" console-token enable perfvnc) || exit 1

# rate FILE: bytes per second from its "bytes N seconds S" line
rate () {
	sed -n 's/^bytes \([0-9]*\) seconds \([0-9.]*\)$/\1 \2/p' "$1" |
		awk '{ printf "%.0f", $1 / $2 }'
}

echo "== vnc: $N full raw updates of the display (shared, loaded machine: compare the ratios)"
"$RFBCHECK" unix run/qemu/perfvnc.vnc "$N" >direct.out || exit 1
"$RFBCHECK" rvirt "$URI" perfvnc "$N" >rvirt.out || exit 1
perl "$RVIRT_SRC/t/tools/wsrfb.pl" "$PROXY_PORT" "/vnc?token=$tok" 003.008 "$N" \
	>proxy.out || exit 1
d=$(rate direct.out)
r=$(rate rvirt.out)
p=$(rate proxy.out)
echo "straight to QEMU's socket (C):            $(grep ^bytes direct.out), $d bytes/s"
echo "through rvirtd, librvirt (C):             $(grep ^bytes rvirt.out), $r bytes/s ($(awk "BEGIN { printf \"%.2f\", $r / $d }")x)"
echo "through the proxy's websocket (perl):     $(grep ^bytes proxy.out), $p bytes/s ($(awk "BEGIN { printf \"%.2f\", $p / $d }")x)"
echo "(the last client is perl: its own cost is part of that number)"

stop_proxy
"$RVSH" -c "$URI" destroy perfvnc >/dev/null
stop_rvirtd
