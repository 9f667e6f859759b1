#!/bin/sh
# SPDX-License-Identifier: MIT
# 6000-client-api: every librvirt function against a real rvirtd.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

APICHECK=$RVIRT_BUILD/t/tools/apicheck

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'apicheck: every call gives the documented result' '
	"$APICHECK" "test:///default?socket=$RVIRTD_SOCK" \
		"test:///default?socket=$RVIRTD_SOCK_RO" >out &&
	! grep "^FAIL" out &&
	test $(grep -c "^ok " out) -ge 38
'

test_expect_success 'librvirt.so exports only rvirt_* functions' '
	nm -D --defined-only "$RVIRT_BUILD/librvirt.so.0" |
		awk "\$2 ~ /^[TDBR]\$/ { sub(/@.*/, \"\", \$3); print \$3 }" >syms &&
	test -s syms &&
	! grep -v "^rvirt_" syms &&
	! grep "^rvirt_proc_" syms &&
	test_grep "^rvirt_conn_open\$" syms
'

test_expect_success 'a program links against the shared library and runs' '
	if ! command -v cc >/dev/null; then
		echo "no cc" && return 0
	fi
	cat >prog.c <<-\EOF &&
	#include <stdio.h>
	#include "rvirt.h"
	int main(int argc, char **argv)
	{
		struct rvirt_error err;
		struct rvirt_conn *c = rvirt_conn_open(argv[1], 0, &err);
		if (!c) { fprintf(stderr, "%s\n", err.message); return 1; }
		if (rvirt_conn_ping(c, &err) < 0) return 1;
		rvirt_conn_close(c);
		puts("pinged");
		return 0;
	}
	EOF
	case $RVIRT_BUILD in
	*build-san*) san="-fsanitize=address,undefined" ;;
	*) san= ;;
	esac &&
	cc $san -I"$RVIRT_SRC/client" -I"$RVIRT_SRC/common" prog.c \
		-L"$RVIRT_BUILD" -lrvirt -o prog &&
	LD_LIBRARY_PATH=$RVIRT_BUILD ./prog "test:///default?socket=$RVIRTD_SOCK" >out &&
	echo pinged >expect &&
	test_cmp expect out
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
