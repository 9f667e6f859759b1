#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/run.sh: the benchmarks, run by `make perf`.  Prints numbers and
# ratios against baselines measured in the same run; never pass/fail.

. "$(dirname "$0")/../test-lib.sh"

SECONDS_EACH=${RVIRT_PERF_SECONDS:-3}
NULL_RTT=$RVIRT_BUILD/t/perf/null-rtt
LOAD=$RVIRT_BUILD/t/perf/load

# now_ms: a monotonic-enough wall clock in milliseconds.
now_ms () {
	echo $(($(date +%s%N) / 1000000))
}

write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1

echo "== NULL calls, one client, unix socket"
"$NULL_RTT" "test:///default?socket=$RVIRTD_SOCK" "$SECONDS_EACH" \
	"$(worker_pids | head -n 1)"
echo
echo "== NULL calls, one client, TCP on 127.0.0.1"
"$NULL_RTT" "test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" "$SECONDS_EACH" \
	"$(worker_pids | head -n 1)"
stop_rvirtd

echo
echo "== NULL calls/s, clients x workers (unix socket, ${SECONDS_EACH}s each)"
for w in 1 2 4; do
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
		start_workers=$w max_workers=$w min_spare_workers=0 \
		max_spare_workers=$w max_clients_per_worker=64
	start_rvirtd || exit 1
	for c in 1 8 32; do
		printf 'workers %d, ' "$w"
		"$LOAD" calls "test:///default?socket=$RVIRTD_SOCK" "$c" \
			"$SECONDS_EACH"
	done
	stop_rvirtd
done

echo
echo "== worker respawn after SIGKILL (2 workers)"
write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
	start_workers=2 min_spare_workers=2 max_spare_workers=2
start_rvirtd || exit 1
wait_until 100 'test "$(worker_pids idle | wc -l)" -ge 2' || exit 1
for round in 1 2 3; do
	victim=$(worker_pids idle | head -n 1)
	t0=$(now_ms)
	kill -KILL "$victim"
	# Poll the scoreboard until two idle workers again, none the victim.
	i=0
	while test $i -lt 2000; do
		pids=$(worker_pids idle)
		if test "$(echo "$pids" | grep -c .)" -ge 2 &&
			! echo "$pids" | grep -qx "$victim"; then
			break
		fi
		sleep 0.002
		i=$((i + 1))
	done
	echo "round $round: a replacement worker was idle $(($(now_ms) - t0)) ms after the kill"
	sleep 0.5
done

echo
echo "== connect+NULL latency while rvirtd is upgraded with USR2 (5 s)"
"$LOAD" connect "test:///default?socket=$RVIRTD_SOCK" 5 &
loadpid=$!
sleep 1
kill -USR2 "$(rvirtd_master_pid)"
wait "$loadpid"
echo "baseline, the same loop with no upgrade:"
"$LOAD" connect "test:///default?socket=$RVIRTD_SOCK" 3
stop_rvirtd_master

echo
echo "== accept(): EPOLLEXCLUSIVE against plain epoll, 4 idle workers, 2 s connect loop"
for mode in exclusive plain; do
	write_config rvirtd.conf log_level=1 log_outputs=1:stderr \
		start_workers=4 max_workers=4 min_spare_workers=0 \
		max_spare_workers=4
	if test $mode = plain; then
		RVIRTD_ACCEPT_MODE=plain
		export RVIRTD_ACCEPT_MODE
	fi
	start_rvirtd >/dev/null || exit 1
	"$LOAD" connect "test:///default?socket=$RVIRTD_SOCK" 2
	stop_rvirtd
	unset RVIRTD_ACCEPT_MODE
	# "worker done: C calls, A accepts, E empty accepts, W empty wake-ups"
	sed -n 's/.*worker done: //p' "$RVIRTD_LOG" |
		awk -F'[ ,]+' -v mode=$mode '{ a += $3; e += $5; w += $8 }
			END { printf "%s: %d accepts, %d accept() calls that found nothing (%.2f per accept), %d wake-ups with nothing to do\n",
				mode, a, e, a ? e / a : 0, w }'
done

echo
echo "== connection setup (open + NULL ping + close, one at a time): unix, ext, ssh"
. "$RVIRT_SRC/t/lib-sshd.sh"
CONNCHECK=$RVIRT_BUILD/t/tools/conncheck
write_config rvirtd.conf log_level=1 log_outputs=1:stderr
start_rvirtd >/dev/null || exit 1
printf 'unix:                '
"$CONNCHECK" "test:///default?socket=$RVIRTD_SOCK" 50 | sed -n 's/^open+ping ms: //p'
printf 'ext (native bridge): '
"$CONNCHECK" "test+ext:///default?command=$RVIRT_BUILD/rvirt-ssh-helper%20--socket%20$RVIRTD_SOCK%20/default" 50 |
	sed -n 's/^open+ping ms: //p'
# require_sshd would end the script; check what it checks first.
if test -x /usr/sbin/sshd && test "$(id -u)" = 0 &&
	command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 &&
	require_sshd >/dev/null && start_sshd; then
	ln -s "$RVIRT_BUILD/rvirt-ssh-helper" "$TRASH/bin/rvirt-ssh-helper"
	for proxy in native netcat; do
		printf 'ssh, proxy=%-7s   ' "$proxy"
		"$CONNCHECK" "test+ssh://root@127.0.0.1:$SSHD_PORT/default?$SSH_URI_VARS&socket=$RVIRTD_SOCK&proxy=$proxy" 10 |
			sed -n 's/^open+ping ms: //p'
	done
	echo
	echo "== NULL calls on an open connection: unix, ext, ssh (2 s each)"
	for u in "test:///default?socket=$RVIRTD_SOCK" \
		"test+ext:///default?command=$RVIRT_BUILD/rvirt-ssh-helper%20--socket%20$RVIRTD_SOCK%20/default" \
		"test+ssh://root@127.0.0.1:$SSHD_PORT/default?$SSH_URI_VARS&socket=$RVIRTD_SOCK&proxy=native"; do
		printf '%s: ' "${u%%:*}"
		"$NULL_RTT" "$u" 2 | sed -n 's/^rvirt NULL calls/NULL calls/p'
	done
	stop_sshd
else
	echo "ssh: skipped (needs root and openssh-server)"
fi
stop_rvirtd

echo
sh "$RVIRT_SRC/t/perf/setups.sh"

echo
sh "$RVIRT_SRC/t/perf/pool.sh"

echo
sh "$RVIRT_SRC/t/perf/sessions.sh"

echo
sh "$RVIRT_SRC/t/perf/pin.sh"

echo
sh "$RVIRT_SRC/t/perf/metrics.sh"

echo
sh "$RVIRT_SRC/t/perf/intent-cost.sh"

echo
sh "$RVIRT_SRC/t/perf/conns.sh"

echo
sh "$RVIRT_SRC/t/perf/keepalive.sh"

echo
sh "$RVIRT_SRC/t/perf/events.sh"

echo
sh "$RVIRT_SRC/t/perf/console.sh"
sh "$RVIRT_SRC/t/perf/proxy.sh"
sh "$RVIRT_SRC/t/perf/vnc.sh"
