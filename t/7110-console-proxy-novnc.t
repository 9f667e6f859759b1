#!/bin/sh
# SPDX-License-Identifier: MIT
# 7110-console-proxy-novnc: the proxy's VNC page (vnc.html, noVNC) in
# headless Chromium: a page made of the shipped vnc.html plus a script
# that waits until noVNC's canvas has the framebuffer's size and writes
# the size into the DOM; --dump-dom must show the size QEMU's own VNC
# socket reports.  Skipped without QEMU or Chromium.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-qemu.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

require_chromium
RFBCHECK=$RVIRT_BUILD/t/tools/rfbcheck

test_expect_success 'rvirtd, a QEMU domain with a display, a token, the proxy with a self-test page' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	qemu_xml nv vnc >nv.xml &&
	QRVSH define nv.xml &&
	QRVSH start nv &&
	qemu_pid nv >/dev/null &&
	QRVSH console-token enable nv >tok &&
	cp -r "$RVIRT_SRC/proxy/www" www &&
	sed "s|</body>|<script src=\"selftest.js\"></script></body>|" \
		"$RVIRT_SRC/proxy/www/vnc.html" >www/selftest.html &&
	cat >www/selftest.js <<-\EOF &&
	(async function () {
		function done() {
			var c = document.querySelector("#screen canvas");
			var st = document.body.getAttribute("data-status") || "";
			return c && st.indexOf("connected:") === 0 &&
			       c.width > 0 && c.height > 0 ? c : null;
		}
		/*
		 * The virtual time of Chromium stands still while a fetch is
		 * pending, and runs ahead while the page only waits for
		 * its websocket: fetch the page again and again (at most
		 * 20000 times) so that real time passes for the RFB
		 * handshake before the budget is spent.
		 */
		for (var i = 0; i < 20000 && !done(); i++)
			await fetch("vnc.html?poll=" + i, { cache: "no-store" });
		var c = done();
		var p = document.createElement("pre");
		p.id = "canvas";
		p.textContent = c ? "CANVAS " + c.width + "x" + c.height
				  : "NO CANVAS after " + i + " polls";
		document.body.appendChild(p);
	})();
	EOF
	cat >proxy.conf <<-EOF &&
	listen_port = 0
	uri = "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK"
	www_dir = "$TRASH/www"
	EOF
	start_proxy proxy.conf
'

chromium_dump () {
	timeout 180 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$TRASH/chromium" \
		--virtual-time-budget=20000 --dump-dom "$1" 2>chromium.err
}

test_expect_success 'chromium: noVNC connects and its canvas takes the size QEMU reports' '
	"$RFBCHECK" unix run/qemu/nv.vnc >direct &&
	sed -n "s/^size /CANVAS /p" direct >expect &&
	chromium_dump "http://127.0.0.1:$PROXY_PORT/selftest.html?token=$(cat tok)" >dom.out &&
	sed -n "s/.*\(CANVAS [0-9]*x[0-9]*\).*/\1/p" dom.out >actual &&
	test_cmp expect actual &&
	test_grep "data-status=\"connected: QEMU (nv)\"" dom.out
'

test_expect_success 'the proxy, the domain and rvirtd stop cleanly' '
	stop_proxy &&
	pid=$(qemu_pid nv) &&
	QRVSH destroy nv &&
	wait_gone "$pid" &&
	stop_rvirtd
'

test_done
