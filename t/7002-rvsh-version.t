#!/bin/sh
# SPDX-License-Identifier: MIT
# 7002-rvsh-version: one version number (VERSION) in rvirtd --version,
# rvsh --version, librvirt, CONNECT_GET_LIB_VERSION and rvsh version.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
VERSION=$(cat "$RVIRT_SRC/VERSION")
# major * 1000000 + minor * 1000 + micro, as the wire carries it.
WIRE=$(echo "$VERSION" | awk -F. '{ printf "%016x", $1 * 1000000 + $2 * 1000 + $3 }')

test_expect_success 'rvirtd --version and rvsh --version print VERSION' '
	echo "rvirtd $VERSION" >expect &&
	"$RVIRT_BUILD/rvirtd" --version >actual &&
	test_cmp expect actual &&
	echo "rvsh $VERSION" >expect &&
	"$RVSH" --version >actual &&
	test_cmp expect actual
'

test_expect_success 'start rvirtd' '
	start_rvirtd
'

test_expect_success 'CONNECT_GET_LIB_VERSION gives the daemon version before CONNECT_OPEN' '
	wire_expect "$RVIRTD_SOCK" "accepted SUCCESS OK $WIRE" \
		call proc=CONNECT_GET_LIB_VERSION decode=ret
'

test_expect_success 'CONNECT_GET_LIB_VERSION works on the read-only socket' '
	wire_expect "$RVIRTD_SOCK_RO" "accepted SUCCESS OK $WIRE" \
		call proc=CONNECT_GET_LIB_VERSION decode=ret
'

test_expect_success 'CONNECT_GET_LIB_VERSION takes no argument' '
	wire_expect "$RVIRTD_SOCK" "accepted GARBAGE_ARGS" \
		call proc=CONNECT_GET_LIB_VERSION arg=u:1
'

test_expect_success 'rvsh version prints library, driver and daemon versions like virsh' '
	"$RVSH" version >out &&
	cat >expect <<-EOF &&
	Compiled against library: rvirt $VERSION
	Using library: rvirt $VERSION
	Using API: TEST $VERSION
	EOF
	head -n 3 out >actual &&
	test_cmp expect actual &&
	test_grep "^Running hypervisor: TEST [0-9]*\.[0-9]*\.[0-9]*$" out &&
	test_grep "^Running against daemon: $VERSION$" out &&
	test_line_count = 5 out
'

test_expect_success 'rvsh --script version: one key and value per line' '
	"$RVSH" --script version >out &&
	test_grep "^type	TEST$" out &&
	test_grep "^version	[0-9]*\.[0-9]*\.[0-9]*$" out &&
	test_grep "^library	$VERSION$" out &&
	test_grep "^daemon	$VERSION$" out
'

test_done
