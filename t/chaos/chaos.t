#!/bin/sh
# SPDX-License-Identifier: MIT
# chaos/chaos: `make chaos`.  RVIRT_CHAOS_CLIENTS (default 8) librvirt
# clients doing lifecycle rounds on the test driver while the whole
# daemon is SIGKILLed at random RVIRT_CHAOS_KILLS_TEST times (default
# 100), upgraded (USR2) and reloaded (HUP) in between; then as many on
# the process driver (define, start, suspend, resume, destroy, undefine
# of real guest processes) through RVIRT_CHAOS_KILLS_PROCESS kills
# (default 30).  Judged from outside (t/lib-chaos.sh): client errors,
# lost and duplicated effects, orphaned guests must all be 0.  Bounded:
# the kills, and RVIRT_CHAOS_SECONDS (default 1800) per phase.

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-chaos.sh"
require_rvirtd

CLIENTS=${RVIRT_CHAOS_CLIENTS:-8}
KILLS_TEST=${RVIRT_CHAOS_KILLS_TEST:-100}
KILLS_PROCESS=${RVIRT_CHAOS_KILLS_PROCESS:-30}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr &&
	start_rvirtd rvirtd.conf
'

test_expect_success "test driver: $CLIENTS clients, $KILLS_TEST kills: all zeros" '
	chaos_phase t test $CLIENTS $KILLS_TEST
'

test_expect_success "process driver: $CLIENTS clients, $KILLS_PROCESS kills: all zeros" '
	chaos_phase p process $CLIENTS $KILLS_PROCESS
'

test_expect_success 'stop rvirtd' '
	chaos_stop
'

test -f chaos.summary && sed "s/^/# /" chaos.summary
test_done
