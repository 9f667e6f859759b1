#!/bin/sh
# SPDX-License-Identifier: MIT
# 7106-console-proxy-browser: the web page in a real browser.  Headless
# Chromium loads a page made of the shipped index.html's parts
# (xterm.js, console.js) plus a script that types a command through
# xterm.js (Terminal.input, as a keyboard would) and, once the guest's
# answer came over the websocket, writes a mark into the DOM;
# --dump-dom shows it, with the answer in xterm's rows.  Skipped
# without chromium.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROMIUM=$(command -v "$c")
		break
	fi
done
if test -z "$CHROMIUM"; then
	skip_all "chromium not installed"
fi

console_log () {
	cat run/process/console/*/log.* 2>/dev/null
}

test_expect_success 'rvirtd, a process domain, a token, the proxy on a page with a self-test' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	URI="process://$PROCESS_PATH?socket=$RVIRTD_SOCK" &&
	process_xml brw 1 >brw.xml &&
	PRVSH define brw.xml &&
	PRVSH start brw &&
	guest_pid brw >/dev/null &&
	wait_until 100 "console_log | grep -q \"serial console ready\"" &&
	PRVSH console-token enable brw >tok &&
	cp -r "$RVIRT_SRC/proxy/www" www &&
	sed "s|</body>|<script src=\"selftest.js\"></script></body>|" \
		"$RVIRT_SRC/proxy/www/index.html" >www/selftest.html &&
	cat >www/selftest.js <<-\EOF &&
	(function () {
		var c = window.rvirtConsole, got = "";
		function mark(id, text) {
			var p = document.createElement("pre");
			p.id = id;
			p.textContent = text;
			document.body.appendChild(p);
		}
		c.ws.addEventListener("open", function () {
			c.term.input("echo from-chromium\r", true);
		});
		c.ws.addEventListener("message", function (ev) {
			got += new TextDecoder().decode(ev.data);
			if (got.indexOf("\r\nfrom-chromium\r\n") >= 0 &&
			    !document.getElementById("answer"))
				mark("answer", "ANSWER-SEEN");
		});
		c.ws.addEventListener("close", function (ev) {
			mark("closed", "CLOSED " + ev.code + " " + ev.reason);
		});
		/*
		 * Virtual time stands still while a fetch is pending and
		 * runs ahead while the page only waits for its websocket:
		 * keep one pending (the page again, at most 20000 times)
		 * until the answer or the close came, so that real time
		 * passes for them on a loaded machine.
		 */
		(async function () {
			for (var i = 0; i < 20000 &&
			     !document.getElementById("answer") &&
			     !document.getElementById("closed"); i++)
				await fetch("selftest.html?poll=" + i,
					    { cache: "no-store" });
		})();
	})();
	EOF
	cat >proxy.conf <<-EOF &&
	listen_port = 0
	uri = "$URI"
	www_dir = "$TRASH/www"
	EOF
	start_proxy proxy.conf
'

# --virtual-time-budget lets the page run (its websocket included)
# before the DOM is dumped; the mark says the answer came.  The
# self-test keeps a fetch pending meanwhile: see selftest.js.
chromium_dump () {
	timeout 180 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$TRASH/chromium" \
		--virtual-time-budget=20000 --dump-dom "$1" 2>chromium.err
}

test_expect_success 'chromium: typed through xterm.js, the answer in the page' '
	chromium_dump "http://127.0.0.1:$PROXY_PORT/selftest.html?token=$(cat tok)" >dom.out &&
	test_grep "ANSWER-SEEN" dom.out &&
	test_grep "xterm-rows" dom.out &&
	test_grep "from-chromium" dom.out &&
	wait_until 100 "console_log | grep -q \"^from-chromium\""
'

test_expect_success 'chromium: a revoked token shows the close reason' '
	cp tok old &&
	PRVSH console-token disable brw &&
	chromium_dump "http://127.0.0.1:$PROXY_PORT/selftest.html?token=$(cat old)" >dom2.out &&
	test_grep "closed 1008: cannot resolve a console token: no domain has it" dom2.out
'

test_expect_success 'the proxy and rvirtd stop cleanly' '
	stop_proxy &&
	PRVSH destroy brw &&
	stop_rvirtd
'

test_done
