#!/bin/sh
# SPDX-License-Identifier: MIT
# soak/sessions: `make soak`.  Several librvirt clients make mutating
# calls while the daemon is killed with SIGKILL and upgraded with USR2,
# many times over, alternately; every client must see no error and the
# final state must show each call applied exactly once.  Sized by
# RVIRT_SOAK_RESTARTS (default 40) and RVIRT_SOAK_CLIENTS (default 4).

. "$(dirname "$0")/../test-lib.sh"
require_rvirtd

RESTARTS=${RVIRT_SOAK_RESTARTS:-40}
CLIENTS=${RVIRT_SOAK_CLIENTS:-4}
SESSLOAD=$RVIRT_BUILD/t/tools/sessload

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr &&
	start_rvirtd rvirtd.conf
'

test_expect_success "$CLIENTS clients, $RESTARTS crashes and upgrades: no error" '
	rm -f stop && pids= &&
	c=1 &&
	while test $c -le $CLIENTS; do
		"$SESSLOAD" -n 1000000 -p c$c -k 10 -c -s stop >c$c.out 2>c$c.err &
		pids="$pids $!" &&
		c=$((c + 1))
	done &&
	r=0 &&
	while test $r -lt $RESTARTS; do
		sleep 0.5 &&
		if test $((r % 2)) = 0; then
			crash_rvirtd && start_rvirtd rvirtd.conf
		else
			old=$(rvirtd_master_pid) && kill -USR2 $old &&
			wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
			test_wait_exit_ $old 100
		fi &&
		r=$((r + 1)) || break
	done &&
	touch stop &&
	fail=0 &&
	for p in $pids; do wait $p || fail=1; done &&
	cat c*.out &&
	test $r = $RESTARTS && test $fail = 0 &&
	! grep -v "^sessload: \(dis\|re\)connected" c*.err
'

test_expect_success 'every call ran exactly once' '
	c=1 &&
	while test $c -le $CLIENTS; do
		rounds=$(sed -n "s/^rounds=\([0-9]*\) .*/\1/p" c$c.out) &&
		i=10 && while test $i -le "$rounds"; do
			echo "c$c-$i"; i=$((i + 10)); done | sort >want &&
		"$RVIRT_BUILD/rvsh" --script list --all | cut -f 2 |
			grep "^c$c-" | sort >got &&
		test_cmp want got &&
		c=$((c + 1)) || return 1
	done
'

test_expect_success 'stop the last master' '
	stop_rvirtd_master
'

test_done
