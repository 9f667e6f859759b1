#!/bin/sh
# SPDX-License-Identifier: MIT
# 4005-session-chaos: the short chaos run of `make check` (the long one
# is `make chaos`, t/chaos/chaos.t): librvirt clients doing lifecycle
# rounds on the test and the process drivers while the whole daemon is
# SIGKILLed at random, upgraded and reloaded; from outside: no client
# error, no lost or duplicated effect, no orphaned guest.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-chaos.sh"
require_rvirtd

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr &&
	start_rvirtd rvirtd.conf
'

test_expect_success 'test driver: 2 clients, 4 kills, upgrades, reloads: all zeros' '
	chaos_phase t test 2 4
'

test_expect_success 'process driver: 2 clients, 3 kills, upgrades, reloads: all zeros' '
	chaos_phase p process 2 3
'

test_expect_success 'stop rvirtd' '
	chaos_stop
'

test -f chaos.summary && sed "s/^/# /" chaos.summary
test_done
