#!/bin/sh
# SPDX-License-Identifier: MIT
# 4007-store-full: a store at store_max_size refuses new definitions
# with the store-full error, yet every undefine (and CONNECT_CLOSE)
# still works, and then definitions fit again, without a restart.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

. "$RVIRT_SRC/t/lib-store.sh"

test_expect_success 'an rvirtd with a 1 MiB store' '
	write_config rvirtd.conf store_max_size=1 &&
	start_rvirtd
'

# Bounded: a 1 MiB store holds far fewer than 200 of these.
test_expect_success 'definitions fill it; the next one gets the store-full error' '
	store_fill &&
	test_grep "^wiresh: store-full: cannot write: store .* is full" err
'

test_expect_success 'every defined domain undefines, one connection each' '
	n=$(cat defined) &&
	i=0 &&
	while test $i -lt "$n"; do
		"$WIRESH" undefine "big$i" || return 1
		i=$((i + 1))
	done &&
	"$WIRESH" list --all >out &&
	! grep "^big" out
'

test_expect_success 'and then definitions fit again, without a restart' '
	n=$(cat defined) &&
	i=0 &&
	while test $i -lt "$n" && test $i -lt 3; do
		"$WIRESH" define "dom-$i.xml" || return 1
		i=$((i + 1))
	done
'

test_expect_success 'no worker died; stop rvirtd' '
	rvirtd_no_crash &&
	stop_rvirtd
'

test_done
