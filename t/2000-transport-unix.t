#!/bin/sh
# SPDX-License-Identifier: MIT
# 2000-transport-unix: the read-write and read-only unix sockets.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVIRTD=$RVIRT_BUILD/rvirtd
WIRESH=$RVIRT_BUILD/t/tools/wiresh
NO_CONNECT='no connection open: call CONNECT_OPEN first'
XML="<domain type='test'><name>ro1</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"

# The mutating procedures and their arguments ($DOM: the domain test).
mutating_calls () {
	# The XML goes through a file: it has blanks, which "read" would split.
	printf '%s' "$XML" >ro1.xml
	echo "DOMAIN_DEFINE_XML arg=f:ro1.xml arg=u:0"
	echo "DOMAIN_CREATE_XML arg=f:ro1.xml arg=u:0"
	for p in DOMAIN_UNDEFINE DOMAIN_CREATE DOMAIN_DESTROY DOMAIN_SHUTDOWN \
		DOMAIN_REBOOT DOMAIN_SUSPEND DOMAIN_RESUME; do
		echo "$p $DOM"
	done
}

# refused_all SOCKET FLAGS: every mutating call is ACCESS_DENIED, with a
# message naming the procedure and the read-only socket or session.
refused_all () {
	mutating_calls | while read -r proc args; do
		rawrpc -t 5 "$1" call proc=CONNECT_OPEN \
			arg=s:test:///default arg=u:$2 decode=ret \
			call proc=$proc $args decode=ret >out.$proc || return 1
		tail -n 1 out.$proc >last.$proc &&
		test_grep "^accepted SUCCESS ERROR 7 " last.$proc &&
		test_grep -i "$proc" last.$proc &&
		test_grep -i "read-only" last.$proc || return 1
	done
}

test_expect_success 'start rvirtd with the default socket settings' '
	write_config rvirtd.conf log_level=1 &&
	start_rvirtd &&
	test "$RVIRTD_SOCK" = "$TRASH/run/rvirt-sock" &&
	test "$RVIRTD_SOCK_RO" = "$TRASH/run/rvirt-sock-ro"
'

test_expect_success 'the sockets have the default permissions and group' '
	test -S "$RVIRTD_SOCK" &&
	test -S "$RVIRTD_SOCK_RO" &&
	echo "700 $(id -gn)" >expect &&
	stat -c "%a %G" "$RVIRTD_SOCK" >actual &&
	test_cmp expect actual &&
	echo "777 $(id -gn)" >expect &&
	stat -c "%a %G" "$RVIRTD_SOCK_RO" >actual &&
	test_cmp expect actual
'

test_expect_success 'AUTH_LIST before CONNECT_OPEN says none, on both sockets' '
	wire_expect "$RVIRTD_SOCK" "accepted SUCCESS OK 0000000100000000" \
		call proc=AUTH_LIST decode=ret &&
	wire_expect "$RVIRTD_SOCK_RO" "accepted SUCCESS OK 0000000100000000" \
		call proc=AUTH_LIST decode=ret
'

test_expect_success 'calls before CONNECT_OPEN get NO_CONNECT, on both sockets' '
	for sock in "$RVIRTD_SOCK" "$RVIRTD_SOCK_RO"
	do
		rawrpc -t 5 "$sock" \
			call proc=CONNECT_CLOSE decode=ret \
			call proc=CONNECT_GET_TYPE decode=ret \
			call proc=CONNECT_GET_VERSION decode=ret \
			call proc=CONNECT_GET_HOSTNAME decode=ret \
			call proc=CONNECT_GET_URI decode=ret \
			call proc=CONNECT_GET_CAPABILITIES decode=ret \
			call proc=NODE_GET_INFO decode=ret \
			call proc=DOMAIN_LIST_ALL arg=u:0 decode=ret \
			call proc=DOMAIN_LOOKUP_BY_NAME arg=s:test decode=ret \
			call proc=DOMAIN_LOOKUP_BY_ID arg=i:1 decode=ret \
			call proc=DOMAIN_DESTROY arg=s:test arg=x:$(printf "%032d" 0) \
				arg=i:1 arg=u:0 decode=ret \
			>actual || return 1
		cat actual &&
		test_line_count = 11 actual &&
		! grep -v "^accepted SUCCESS ERROR 8 [0-9]* $NO_CONNECT$" actual ||
		return 1
	done
'

test_expect_success 'CONNECT_OPEN, then calls work on the read-write socket' '
	rawrpc -t 5 "$RVIRTD_SOCK" $OPEN \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:test decode=domain >actual &&
	tail -n 1 actual >last &&
	test_grep -E "^accepted SUCCESS OK test [0-9a-f]{32} 1$" last &&
	uuid=$(cut -d" " -f5 last) &&
	DOM="arg=s:test arg=x:$uuid arg=i:1 arg=u:0"
'

test_expect_success 'CONNECT_OPEN twice on one connection is refused' '
	wire_expect "$RVIRTD_SOCK" "opened|accepted SUCCESS ERROR 24" \
		$OPEN $OPEN
'

test_expect_success 'read calls work on the read-only socket' '
	rawrpc -t 5 "$RVIRTD_SOCK_RO" $OPEN \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:test decode=domain \
		call proc=DOMAIN_GET_STATE $DOM decode=ret \
		call proc=DOMAIN_LIST_ALL arg=u:0 decode=ret \
		call proc=DOMAIN_GET_XML_DESC $DOM decode=ret >actual &&
	test_line_count = 5 actual &&
	! grep -v "^accepted SUCCESS OK " actual &&
	sed -n 2p actual >lookup &&
	test_grep -E "^accepted SUCCESS OK test $uuid 1$" lookup &&
	sed -n 3p actual >st &&
	test_grep "^accepted SUCCESS OK 00000001" st
'

test_expect_success 'every mutating call on the read-only socket is ACCESS_DENIED' '
	refused_all "$RVIRTD_SOCK_RO" 0
'

test_expect_success 'a read-only session on the read-write socket is refused too' '
	refused_all "$RVIRTD_SOCK" 1
'

test_expect_success 'nothing was changed by the refused calls' '
	wire_expect "$RVIRTD_SOCK" "opened|accepted SUCCESS OK 0000000100000001|accepted SUCCESS ERROR 9" \
		$OPEN call proc=DOMAIN_GET_STATE $DOM decode=ret \
		call proc=DOMAIN_LOOKUP_BY_NAME arg=s:ro1 decode=ret
'

if test -x "$WIRESH"; then
	test_expect_success 'librvirt: a read-only connection reads and is refused writes' '
		uri="test:///default?socket=$RVIRTD_SOCK_RO" &&
		"$WIRESH" -r -c "$uri" lookup test >out &&
		test_grep "^test " out &&
		test_expect_code 1 "$WIRESH" -r -c "$uri" destroy test \
			>out 2>err &&
		test_grep "^wiresh: access-denied: " err &&
		test_grep -i "read-only" err &&
		"$WIRESH" -c "$uri" state test >out &&
		cut -d" " -f1 out >actual &&
		echo running >expect &&
		test_cmp expect actual
	'
else
	test_skip 'librvirt: a read-only connection' "'$WIRESH' is not built (make check builds it)"
fi

test_expect_success 'the identity is the peer uid (debug log)' '
	wire_expect "$RVIRTD_SOCK" "opened" $OPEN &&
	test_grep -F "unix:uid=$(id -u)" "$RVIRTD_LOG"
'

if test "$(id -u)" = 0 && command -v setpriv >/dev/null 2>&1 &&
	getent passwd nobody >/dev/null; then
	NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	test_expect_success 'another user: ro socket served with that uid, rw socket closed to it' '
		chmod 755 "$TRASH" "$TRASH/run" &&
		cp "$RVIRT_SRC/t/tools/rawrpc.pl" "$TRASH/rawrpc.pl" &&
		chmod 644 "$TRASH/rawrpc.pl" &&
		$NOBODY perl "$TRASH/rawrpc.pl" -t 5 "$RVIRTD_SOCK_RO" $OPEN \
			>out 2>&1 &&
		test_grep "^accepted SUCCESS OK " out &&
		test_grep -F "unix:uid=65534" "$RVIRTD_LOG" &&
		test_expect_code 2 $NOBODY perl "$TRASH/rawrpc.pl" -t 5 \
			"$RVIRTD_SOCK" call >out 2>&1 &&
		test_grep "Permission denied" out
	'
else
	test_skip 'another user on the sockets' 'needs root, setpriv and the user nobody'
fi

test_expect_success 'a second rvirtd on the same socket dir refuses to start' '
	write_config second.conf "state_dir=$TRASH/state2" \
		"runtime_dir=$TRASH/run2" "unix_sock_dir=$TRASH/run" &&
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground \
		-f "$TRASH/second.conf" >out 2>err &&
	cat err &&
	test_grep "^rvirtd: .*$TRASH/run/rvirt-sock" err &&
	test "$(test_masters_in_trash)" = "$RVIRTD_PID"
'

test_expect_success 'the first rvirtd still serves both sockets' '
	wire_expect "$RVIRTD_SOCK" "accepted SUCCESS" call &&
	wire_expect "$RVIRTD_SOCK_RO" "accepted SUCCESS" call
'

test_expect_success 'SIGTERM: exit 0 and the socket files removed' '
	rvirtd_no_crash &&
	stop_rvirtd &&
	! test -e "$TRASH/run/rvirt-sock" &&
	! test -e "$TRASH/run/rvirt-sock-ro"
'

if getent group daemon >/dev/null && test "$(id -u)" = 0; then
	GROUP=daemon
else
	GROUP=$(id -gn)
fi

test_expect_success 'configured permissions and group are applied' '
	write_config perms.conf unix_sock_ro_perms=0750 \
		unix_sock_rw_perms=0770 unix_sock_group=$GROUP \
		"unix_sock_dir=$TRASH/sock" &&
	start_rvirtd "$TRASH/perms.conf" &&
	test "$RVIRTD_SOCK" = "$TRASH/sock/rvirt-sock" &&
	echo "770 $GROUP" >expect &&
	stat -c "%a %G" "$RVIRTD_SOCK" >actual &&
	test_cmp expect actual &&
	echo "750 $GROUP" >expect &&
	stat -c "%a %G" "$RVIRTD_SOCK_RO" >actual &&
	test_cmp expect actual &&
	wire_expect "$RVIRTD_SOCK" "accepted SUCCESS" call &&
	stop_rvirtd
'

test_expect_success 'an unknown socket group is a startup error' '
	write_config badgroup.conf unix_sock_group=no-such-group-rvt &&
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground \
		-f "$TRASH/badgroup.conf" >out 2>err &&
	test_grep "^rvirtd: .*no-such-group-rvt" err &&
	no_rvirtd_left
'

test_expect_success 'stale socket files are replaced' '
	mkdir -p "$TRASH/run" &&
	perl -MIO::Socket::UNIX -e "
		for (@ARGV) {
			IO::Socket::UNIX->new(Local => \$_, Listen => 1)
				or die \"\$_: \$!\";
		}" "$TRASH/run/rvirt-sock" "$TRASH/run/rvirt-sock-ro" &&
	test -S "$TRASH/run/rvirt-sock" &&
	test_expect_code 2 rawrpc -t 2 "$TRASH/run/rvirt-sock" call \
		2>/dev/null &&
	start_rvirtd &&
	wire_expect "$RVIRTD_SOCK" "accepted SUCCESS" call &&
	wire_expect "$RVIRTD_SOCK_RO" "accepted SUCCESS" call
'

test_expect_success 'no worker died; rvirtd exits 0 on SIGTERM' '
	rvirtd_no_crash &&
	stop_rvirtd
'

test_done
