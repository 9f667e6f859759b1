#!/bin/sh
# SPDX-License-Identifier: MIT
# 3001-master-pool: the master forks start_workers workers that show in
# `rvirtd status`; a SIGKILLed worker under client load is replaced and
# only its own call can fail; TERM leaves no process and no file behind.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
RVSH=$RVIRT_BUILD/rvsh

test_expect_success 'start with 3 workers' '
	write_config rvirtd.conf start_workers=3 min_spare_workers=2 \
		max_spare_workers=4 max_clients_per_worker=1 &&
	start_rvirtd &&
	wait_until 50 "test \$(worker_pids idle | wc -l) -ge 3" &&
	worker_pids >pids0 &&
	test_line_count = 3 pids0 &&
	test "$(rvirtd_master_pid)" = "$RVIRTD_PID"
'

test_expect_success 'status prints the master and its workers' '
	rvirtd_status >status &&
	test_grep "^rvirtd master $RVIRTD_PID (running), generation 0," status &&
	test_grep "workers spawned" status
'

# A user with read access only: the trash dir is 0700 (mktemp), so it is
# opened up for this check, and the scoreboard file is 0644 by design.
if test "$(id -u)" = 0 && command -v setpriv >/dev/null 2>&1; then
	test_expect_success 'status works as an unprivileged user with read access' '
		chmod 755 "$TRASH" "$TRASH/run" &&
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$RVIRT_BUILD/rvirtd" status --runtime-dir "$TRASH/run" \
			--format=prometheus >prom 2>err &&
		test_grep "^rvirtd_up 1" prom &&
		perl "$RVIRT_SRC/t/tools/promcheck.pl" prom &&
		chmod 700 "$TRASH/run" &&
		test_must_fail setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$RVIRT_BUILD/rvirtd" status \
			--runtime-dir "$TRASH/run" 2>err &&
		test_grep "^rvirtd: " err
	'
else
	test_skip 'status works as an unprivileged user with read access' \
		'needs root (to become another user) and setpriv'
fi

test_expect_success 'the master serves no call: workers do' '
	"$RVSH" list --all >out &&
	test_grep " test " out &&
	rvirtd_status >status &&
	test_grep "CONNECT_CLOSE" status
'

# client LOOPS OUT: LOOPS one-shot rvsh calls, one line per result.
client () {
	i=0
	while test $i -lt "$1"; do
		if timeout 10 "$RVSH" list --all >/dev/null 2>&1; then
			echo ok
		else
			echo fail
		fi
		i=$((i + 1))
	done >"$2"
}

test_expect_success 'a worker killed under load is replaced; at most its call fails' '
	client 60 c1 & p1=$!
	client 60 c2 & p2=$!
	client 60 c3 & p3=$!
	wait_until 300 "test -s c1 && test -s c2 && test -s c3" &&
	victim=$(worker_pids | head -n 1) &&
	test -n "$victim" &&
	kill -KILL "$victim" &&
	wait $p1 && wait $p2 && wait $p3 &&
	cat c1 c2 c3 >all &&
	test_line_count = 180 all &&
	fails=$(grep -c fail all) ;
	echo "failed calls: $fails" &&
	test "$fails" -le 1 &&
	wait_until 50 "! worker_pids | grep -qx $victim" &&
	rvirtd_status >status &&
	test_grep "1 crashed" status &&
	test $(worker_pids | wc -l) -ge 2
'

test_expect_success 'TERM: exit 0, no process, sockets, pidfile or scoreboard left' '
	worker_pids >pids1 &&
	stop_rvirtd &&
	for p in $(cat pids0 pids1); do test_wait_exit_ $p 20 || exit 1; done &&
	! test -e run/rvirt-sock && ! test -e run/rvirt-sock-ro &&
	! test -e run/rvirtd.pid && ! test -e run/rvirtd.scoreboard &&
	test_expect_code 1 "$RVIRT_BUILD/rvirtd" status --runtime-dir "$TRASH/run" 2>err &&
	test_grep "no daemon is running" err
'

test_done
