#!/bin/sh
# SPDX-License-Identifier: MIT
# 7106-console-proxy-browser: the web page in a real browser.  Headless
# Chromium loads a page made of the shipped index.html's parts
# (xterm.js, console.js) plus a script that types a command through
# xterm.js (Terminal.input, as a keyboard would) and, once the guest's
# answer came over the websocket, writes a mark into the DOM;
# --dump-dom shows it, with the answer in xterm's rows.  Skipped
# without chromium.
#
# --virtual-time-budget ends the page's run as soon as it is idle, and a
# page waiting for a websocket message is idle: the answer, when it came
# late (a loaded machine), missed the dump.  The page now keeps a fetch
# to t/tools/holdsrv.pl pending (which stops virtual time) until it has
# the answer or the close; holdsrv bounds that wait to 60 s.  The answer
# counts only once xterm.js has drawn it into its rows, which it does on
# a later frame: marked as soon as it arrived, the dump once (in an
# ASan run on a loaded machine) showed the mark without the rows.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-console.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"
require_rvirtd

require_chromium

# holdsrv goes at exit too, before lib-proxy's cleanup.
hold_cleanup_ () {
	hc_rc_=$?
	if test -s "$TRASH/hold.pid"; then
		kill "$(cat "$TRASH/hold.pid")" 2>/dev/null
	fi
	(exit "$hc_rc_")
	proxy_cleanup_
}
trap 'hold_cleanup_' EXIT

test_expect_success 'rvirtd, a process domain, a token, the proxy on a page with a self-test' '
	console_domain brw &&
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
		var hold = new AbortController(), port =
			new URLSearchParams(location.search).get("hold");
		fetch("http://127.0.0.1:" + port + "/", {
			mode: "no-cors", signal: hold.signal
		}).catch(function () {});
		/* The answer counts once xterm has drawn it into its rows
		   (the command line, then the answer): xterm draws on a
		   later frame, and the dump may come right after the mark. */
		function drawn() {
			var r = document.querySelector(".xterm-rows");
			return r && r.textContent.split("from-chromium").length > 2;
		}
		function check() {
			if (got.indexOf("\r\nfrom-chromium\r\n") >= 0 &&
			    drawn() && !document.getElementById("answer")) {
				mark("answer", "ANSWER-SEEN");
				hold.abort();
			}
		}
		c.term.onRender(check);
		c.ws.addEventListener("open", function () {
			c.term.input("echo from-chromium\r", true);
		});
		c.ws.addEventListener("message", function (ev) {
			got += new TextDecoder().decode(ev.data);
			check();
		});
		c.ws.addEventListener("close", function (ev) {
			mark("closed", "CLOSED " + ev.code + " " + ev.reason);
			hold.abort();
		});
	})();
	EOF
	cat >proxy.conf <<-EOF &&
	listen_port = 0
	uri = "$URI"
	www_dir = "$TRASH/www"
	EOF
	start_proxy proxy.conf &&
	{ perl "$RVIRT_SRC/t/tools/holdsrv.pl" hold.port & echo $! >hold.pid; } &&
	wait_until 300 "test -s hold.port"
'

# --virtual-time-budget lets the page run before the DOM is dumped, for
# as long as the fetch to holdsrv (PORT in hold=) is pending; the mark
# says the answer came.
chromium_dump () {
	timeout 180 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$TRASH/chromium" \
		--virtual-time-budget=20000 --dump-dom "$1" 2>chromium.err
}

test_expect_success 'chromium: typed through xterm.js, the answer in the page' '
	chromium_dump "http://127.0.0.1:$PROXY_PORT/selftest.html?token=$(cat tok)&hold=$(cat hold.port)" >dom.out &&
	test_grep "ANSWER-SEEN" dom.out &&
	test_grep "xterm-rows" dom.out &&
	test_grep "from-chromium" dom.out &&
	wait_until 100 "console_log | grep -q \"^from-chromium\""
'

test_expect_success 'chromium: a revoked token shows the close reason' '
	cp tok old &&
	PRVSH console-token disable brw &&
	chromium_dump "http://127.0.0.1:$PROXY_PORT/selftest.html?token=$(cat old)&hold=$(cat hold.port)" >dom2.out &&
	test_grep "closed 1008: cannot resolve a console token: no domain has it" dom2.out
'

test_expect_success 'the proxy and rvirtd stop cleanly' '
	kill "$(cat hold.pid)" && rm hold.pid &&
	stop_proxy &&
	PRVSH destroy brw &&
	stop_rvirtd
'

test_done
