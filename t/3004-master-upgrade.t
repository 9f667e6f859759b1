#!/bin/sh
# SPDX-License-Identifier: MIT
# 3004-master-upgrade: USR2 execs the binary again with the listening
# sockets; five upgrades in a row under a connecting client refuse no
# connection; a broken binary, or a new master whose workers cannot
# start, leaves the old master serving with its pidfile and scoreboard.
# The load is checked by condition, not by rate: after each upgrade the
# client must start and complete a call on the new master (however long it takes
# on a busy machine), and not one call may fail.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

# Started through a symlink, so that the binary can be swapped.
ln -s "$RVIRT_BUILD/rvirtd" "$TRASH/rvirtd" || exit 1
printf '#!/bin/sh\nexit 1\n' >"$TRASH/broken" && chmod +x "$TRASH/broken"

test_expect_success 'start through a symlink' '
	write_config rvirtd.conf &&
	RVIRT_BUILD_SAVED=$RVIRT_BUILD && RVIRT_BUILD=$TRASH &&
	start_rvirtd; st=$?; RVIRT_BUILD=$RVIRT_BUILD_SAVED; test $st = 0
'

# loop_null OUT: NULL calls, each on a new connection, until ./stop.
loop_null () {
	i=0
	while ! test -e stop && test $i -lt 5000; do
		rawrpc -t 5 "$RVIRTD_SOCK" call >>"$1" 2>&1 || echo "rawrpc failed" >>"$1"
		i=$((i + 1))
	done
}

test_expect_success 'five USR2 upgrades under load: no refused connection' '
	rm -f stop && : >loop.out &&
	{ loop_null loop.out & lp=$!; } &&
	ok=0 && first=$RVIRTD_PID &&
	for n in 1 2 3 4 5; do
		old=$(rvirtd_master_pid) &&
		kill -USR2 $old &&
		wait_until 100 "test \"\$(rvirtd_master_pid)\" != $old" &&
		test_wait_exit_ $old 100 &&
		seen=$(wc -l <loop.out) &&
		wait_until 300 "test \$(wc -l <loop.out) -gt $((seen + 1))" &&
		ok=$((ok + 1)) || break
	done
	touch stop && wait $lp &&
	test $ok = 5 &&
	test "$(rvirtd_master_pid)" != "$first" &&
	sort loop.out | uniq -c &&
	! grep -v "^accepted SUCCESS$" loop.out
'

test_expect_success 'USR2 with a broken binary: the old master serves on' '
	ln -sf "$TRASH/broken" "$TRASH/rvirtd" &&
	m=$(rvirtd_master_pid) &&
	kill -USR2 $m &&
	wait_until 100 "grep -q \"upgrade failed\" \"$RVIRTD_LOG\"" &&
	test "$(rvirtd_master_pid)" = $m &&
	! test_proc_gone_ $m &&
	rawrpc -t 5 "$RVIRTD_SOCK" call >reply &&
	echo "accepted SUCCESS" >want && test_cmp want reply
'

test_expect_success 'USR2: a new master that starts and then fails leaves the old one whole' '
	ln -sf "$RVIRT_BUILD/rvirtd" "$TRASH/rvirtd" &&
	m=$(rvirtd_master_pid) &&
	cp rvirtd.conf good.conf &&
	mkdir -p broken-state/data.mdb &&
	write_config rvirtd.conf state_dir=$TRASH/broken-state &&
	n=$(grep -c "upgrade failed" "$RVIRTD_LOG") &&
	kill -USR2 $m &&
	wait_until 150 "test \$(grep -c \"upgrade failed\" \"$RVIRTD_LOG\") -gt $n" &&
	cp good.conf rvirtd.conf &&
	test_grep "cannot open the environment in store .*broken-state" "$RVIRTD_LOG" &&
	test "$(rvirtd_master_pid)" = $m &&
	! test_proc_gone_ $m &&
	! test -e run/rvirtd.scoreboard.new &&
	rvirtd_status >status &&
	test_grep "master $m" status &&
	rawrpc -t 5 "$RVIRTD_SOCK" call >reply &&
	echo "accepted SUCCESS" >want && test_cmp want reply
'

test_expect_success 'stop the last master: nothing left' '
	stop_rvirtd_master &&
	! test -e run/rvirt-sock && ! test -e run/rvirtd.pid
'

test_done
