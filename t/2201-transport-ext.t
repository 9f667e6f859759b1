#!/bin/sh
# SPDX-License-Identifier: MIT
# 2201-transport-ext: the ext transport, rvirt-ssh-helper run locally, and
# unknown URI variables passed to the server in the name.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
HELPER=$RVIRT_BUILD/rvirt-ssh-helper
CONNCHECK=$RVIRT_BUILD/t/tools/conncheck
XML="<domain type='test'><name>ro1</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"

# ext_uri ARGS: ext running the helper with ARGS (blanks become %20).
ext_uri () {
	echo "test+ext:///default?command=$(echo "$HELPER $*" | sed 's/ /%20/g')"
}

test_expect_success 'start rvirtd' '
	start_rvirtd
'

test_expect_success 'ext runs the native bridge: rvsh lists the domains' '
	"$RVSH" -c "$(ext_uri --socket "$RVIRTD_SOCK" /default)" list --all >out &&
	test_grep " test " out
'

test_expect_success 'ext splits the command on runs of blanks, with no shell' '
	"$RVSH" -c "test+ext:///default?command=%20$HELPER%20%20--socket%09$RVIRTD_SOCK%20/default%20" \
		list >out &&
	test_grep " test " out &&
	test_must_fail "$RVSH" -c "test+ext:///default?command=$HELPER%20--socket%20$RVIRTD_SOCK%20/default%20%3B%20true" \
		list 2>err &&
	test_grep -F "usage: rvirt-ssh-helper" err
'

test_expect_success 'ext read-only: the bridge to the read-only socket refuses writes' '
	printf "%s" "$XML" >ro1.xml &&
	test_must_fail "$RVSH" -r -c "$(ext_uri --readonly --socket "$RVIRTD_SOCK_RO" /default)" \
		define ro1.xml 2>err &&
	test_grep -i "read-only" err
'

test_expect_success 'the bridge'\''s own failure reaches the message' '
	test_must_fail "$RVSH" -c "$(ext_uri --socket "$TRASH/nope" /default)" \
		list 2>err &&
	test_grep -F "cannot connect to '\''$HELPER'\'': rvirt-ssh-helper: cannot connect to '\''$TRASH/nope'\'': no such file or directory" err
'

test_expect_success 'a command that writes megabytes on stderr while we wait still answers' '
	# More than the largest stderr pipe (1 MiB) before the bridge runs:
	# a client that reads stderr only between its own reads and writes
	# leaves it blocked on a full pipe until the call times out.
	cat >chatty <<-EOF &&
	#!/bin/sh
	head -c 3000000 /dev/zero | tr "\\0" x >&2
	echo >&2
	exec "$HELPER" --socket "$RVIRTD_SOCK" /default
	EOF
	chmod +x chatty &&
	timeout 120 "$RVSH" -c "test+ext:///default?command=$TRASH/chatty" list >out 2>err &&
	test_grep " test " out &&
	test_grep -v "xxxx" err
'

test_expect_success 'a command that cannot run is named in the message' '
	test_must_fail "$RVSH" -c "test+ext:///default?command=$TRASH/missing" \
		list 2>err &&
	test_grep -F "cannot run '\''$TRASH/missing'\'': no such file or directory" err
'

test_expect_success 'the ext child is reaped at close and after a failure' '
	"$CONNCHECK" "$(ext_uri --socket "$RVIRTD_SOCK" /default)" 5 >out &&
	test_grep -x "children while open: 1" out &&
	test_grep -x "children after close: 0" out &&
	test_must_fail "$CONNCHECK" "$(ext_uri --socket "$TRASH/nope" /default)" 1 >out &&
	test_grep -x "children after failure: 0" out
'

# A NULL call record (xid 7, AUTH_NONE) and what rvirtd answers.
test_expect_success 'a session goes on across a crash of rvirtd (a new ext child)' '
	crash_under_client "$(ext_uri --socket "$RVIRTD_SOCK" /default)"
'

test_expect_success 'rvirt-ssh-helper half-closes: EOF on stdin, the reply still comes' '
	printf "\200\000\000\050\000\000\000\007\000\000\000\000\000\000\000\002\040\122\126\124\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000" >null.bin &&
	"$HELPER" --socket "$RVIRTD_SOCK" /default <null.bin >reply.bin &&
	od -An -tx1 reply.bin | tr -d " \n" >actual &&
	printf "80000018000000070000000100000000000000000000000000000000" >expect &&
	test_cmp expect actual
'

test_expect_success 'rvirt-ssh-helper: usage, and /system is the system socket' '
	test_expect_code 2 "$HELPER" </dev/null &&
	test_expect_code 2 "$HELPER" --bogus /default </dev/null &&
	test_expect_code 2 "$HELPER" relative </dev/null &&
	if ! test -S /run/rvirt/rvirt-sock-ro; then
		test_expect_code 1 "$HELPER" --readonly /system </dev/null 2>err &&
		test_grep -F "rvirt-ssh-helper: cannot connect to '\''/run/rvirt/rvirt-sock-ro'\''" err
	fi
'

test_expect_success 'rvirt-ssh-helper as a user: the session socket by the runtime dir rules' '
	if test "$(id -u)" = 0; then
		want=/run/rvirt/rvirt-sock
	else
		want=$TRASH/xdg/rvirt/rvirt-sock
	fi &&
	XDG_RUNTIME_DIR=$TRASH/xdg test_expect_code 1 "$HELPER" /session </dev/null 2>err &&
	if ! test -S "$want"; then
		test_grep -F "cannot connect to '\''$want'\''" err
	fi
'

test_expect_success 'an unknown variable goes to the server in the name, with a warning' '
	test_must_fail "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&foo=b%20r" \
		list 2>err &&
	test_grep -F "rvirt: warning: unknown uri variable '\''foo'\'' passed to the server in the name" err &&
	test_grep -F "test:///default?foo=b%20r" err
'

test_expect_success 'with name= the unknown variable is dropped, with a warning' '
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&foo=bar&name=test:///default" \
		list >out 2>err &&
	test_grep " test " out &&
	test_grep -F "rvirt: warning: ignoring unknown uri variable '\''foo'\'': the variable '\''name'\'' is given" err
'

if command -v mandoc >/dev/null 2>&1; then
	test_expect_success 'doc/rvirt-ssh-helper.1 passes mandoc -T lint -W warning' '
		mandoc -T lint -W warning "$RVIRT_SRC/doc/rvirt-ssh-helper.1"
	'
else
	test_skip 'rvirt-ssh-helper.1 lint' 'mandoc not installed'
fi

test_done
