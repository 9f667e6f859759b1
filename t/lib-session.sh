# SPDX-License-Identifier: MIT
# lib-session.sh: sessions on the raw wire (t/4001, t/4003, t/4006).
#
# Sourced after test-lib.sh (rawrpc).
#
#   rpc ARGS...        rawrpc, with the "accepted SUCCESS " of each reply
#                      line left out
#   cookie_of FILE     the cookie of the "OK HEX" line of CONNECT_OPEN's
#                      reply in FILE
#   reconnect COOKIE   the rawrpc action of CONNECT_RECONNECT(COOKIE)

rpc () {
	rawrpc "$@" >"$TRASH/.raw" || return 1
	sed 's/^accepted SUCCESS //' "$TRASH/.raw"
}

cookie_of () {
	sed -n 's/^OK \([0-9a-f]\{64\}\)$/\1/p' "$1"
}

reconnect () {
	echo "call proc=CONNECT_RECONNECT arg=x:$1 arg=u:0 decode=ret"
}
