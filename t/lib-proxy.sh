# SPDX-License-Identifier: MIT
# lib-proxy.sh: rvirt-console-proxy for the tests of t/71xx.
#
# Sourced after test-lib.sh.  The proxy runs in the trash directory on
# a free loopback port and is always stopped at exit.
#
#   start_proxy CONF     start it with CONF, wait for its ready line;
#                        sets PROXY_PID and PROXY_PORT
#   stop_proxy           SIGTERM, wait for its exit, check status 0
#   WSCLIENT ...         the websocket test client (t/tools/wsclient)
#   require_chromium     set CHROMIUM, or skip the script without it

PROXY=$RVIRT_BUILD/rvirt-console-proxy
WSCLIENT=$RVIRT_BUILD/t/tools/wsclient
PROXY_PID=

proxy_cleanup_ () {
	pc_rc_=$?
	if test -n "$PROXY_PID"; then
		kill -TERM "$PROXY_PID" 2>/dev/null
		test_wait_exit_ "$PROXY_PID" 100 || kill -KILL "$PROXY_PID" 2>/dev/null
		PROXY_PID=
	fi
	(exit "$pc_rc_")
	test_cleanup_
}
trap 'proxy_cleanup_' EXIT

start_proxy () {
	: >proxy.log
	"$PROXY" -f "$1" 2>>proxy.log &
	PROXY_PID=$!
	wait_until 300 "grep -q \"ready on\" proxy.log" || {
		cat proxy.log
		return 1
	}
	PROXY_PORT=$(sed -n 's/.*ready on [^ ]*:\([0-9]*\) .*/\1/p' proxy.log | tail -n 1)
	test -n "$PROXY_PORT" && test "$PROXY_PORT" -gt 0
}

stop_proxy () {
	kill -TERM "$PROXY_PID" &&
	wait "$PROXY_PID"
	sp_rc_=$?
	PROXY_PID=
	test "$sp_rc_" = 0
}

require_chromium () {
	CHROMIUM=
	for rc_c_ in chromium chromium-browser google-chrome; do
		if command -v "$rc_c_" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$rc_c_")
			break
		fi
	done
	test -n "$CHROMIUM" || skip_all "chromium not installed"
}
