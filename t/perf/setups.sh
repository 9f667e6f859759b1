#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/setups.sh: connection setups per second at 8 clients (connect,
# open, one call, close), rvirtd with the shipped store_sync (full)
# against a plain libtirpc svc_run server measured in the same run, over
# a unix socket and TCP on 127.0.0.1.  Prints numbers and ratios; never
# pass/fail.  libvirtd 9.0 is not installed here: the issue measured it
# at 932/s against 11,749/s for plain rpcgen (ratio 0.08).
#
# Second baseline, "plain x2": the same plain server and client making
# 2 NULL calls per connection, as many round trips as librvirt's setup
# (KEEPALIVE_START with CONNECT_OPEN, NULL, then CONNECT_CLOSE not
# waited for; doc/protocol.md, "How librvirt connects"): what rvirtd
# loses to it is our cost, what plain x2 loses to plain is the
# protocol's.  Each line also gives the CPU time per setup, of the
# server processes (from /proc) and of the clients (getrusage), in
# microseconds: on a loaded machine these vary less than the rates.

. "$(dirname "$0")/../test-lib.sh"

SETUPS=$RVIRT_BUILD/t/perf/setups
SECS=${RVIRT_PERF_SECONDS:-3}
CLIENTS=${RVIRT_PERF_SETUP_CLIENTS:-8}
REPS=${RVIRT_PERF_SETUP_REPS:-3}

# rate OUTPUT: the setups/s figure of a setups client run.
rate () {
	sed -n 's/^setups\/s \([0-9]*\).*/\1/p' "$1"
}

# cpu_ticks PID...: user + system clock ticks of the processes so far.
cpu_ticks () {
	for p in "$@"; do
		cat "/proc/$p/stat" 2>/dev/null
	done | sed 's/^.*) //' | awk '{ t += $12 + $13 } END { print t + 0 }'
}

# cpu_us TICKS_BEFORE TICKS_AFTER OUTPUT: server microseconds per setup.
cpu_us () {
	awk -v a="$1" -v b="$2" -v n="$(rounds "$3")" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.0f", n ? (b - a) * 1e6 / hz / n : 0 }'
}

rounds () {
	sed -n 's/^setups\/s [0-9]* (\([0-9]*\) rounds.*/\1/p' "$1"
}

client_us () {
	sed -n 's/^client-cpu-us\/setup \([0-9]*\).*/\1/p' "$1"
}

# measure NAME PIDS -- SETUPS-ARGS: run a client, note rate and CPU.
measure () {
	m_name=$1 m_pids=$2
	shift 3
	m_t0=$(cpu_ticks $m_pids)
	"$SETUPS" "$@" >"$m_name.out"
	m_t1=$(cpu_ticks $m_pids)
	eval "${m_name}_rate=\$(rate $m_name.out)"
	eval "${m_name}_cpu=\"server \$(cpu_us $m_t0 $m_t1 $m_name.out) us, client \$(client_us $m_name.out) us\""
}

ratio () {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'
}

"$SETUPS" serve unix "$TRASH/plain.sock" >plain-unix.out &
plain_unix=$!
"$SETUPS" serve tcp >plain-tcp.out &
plain_tcp=$!
trap 'kill $plain_unix $plain_tcp 2>/dev/null' EXIT
wait_until 100 'grep -q listening plain-unix.out && grep -q listening plain-tcp.out' ||
	exit 1
plain_port=$(sed -n 's/^listening //p' plain-tcp.out)

write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd >/dev/null || exit 1

echo "== connection setups/s, $CLIENTS clients, ${SECS}s each, $REPS interleaved repetitions (store_sync full)"
rpids () {
	echo "$RVIRTD_PID $(children_of "$RVIRTD_PID")"
}
for rep in $(seq "$REPS"); do
	measure pu "$plain_unix" -- plain unix "$TRASH/plain.sock" "$CLIENTS" "$SECS"
	measure p2u "$plain_unix" -- plain unix "$TRASH/plain.sock" "$CLIENTS" "$SECS" 2
	measure ru "$(rpids)" -- rvirt "test:///default?socket=$RVIRTD_SOCK" \
		"$CLIENTS" "$SECS"
	measure pt "$plain_tcp" -- plain tcp "$plain_port" "$CLIENTS" "$SECS"
	measure p2t "$plain_tcp" -- plain tcp "$plain_port" "$CLIENTS" "$SECS" 2
	measure rt "$(rpids)" -- rvirt \
		"test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" "$CLIENTS" "$SECS"
	echo "rep $rep unix: plain rpcgen $pu_rate/s, plain x2 $p2u_rate/s, rvirtd $ru_rate/s, ratio $(ratio "$ru_rate" "$pu_rate") (to x2 $(ratio "$ru_rate" "$p2u_rate"))"
	echo "      cpu/setup: plain $pu_cpu; x2 $p2u_cpu; rvirtd $ru_cpu"
	echo "rep $rep tcp:  plain rpcgen $pt_rate/s, plain x2 $p2t_rate/s, rvirtd $rt_rate/s, ratio $(ratio "$rt_rate" "$pt_rate") (to x2 $(ratio "$rt_rate" "$p2t_rate"))"
	echo "      cpu/setup: plain $pt_cpu; x2 $p2t_cpu; rvirtd $rt_cpu"
	grep -h failed ru.out rt.out | grep -v ' 0 failed' || :
done
echo "issue's target: rvirtd >= 10x libvirtd = ratio >= 0.79 to plain rpcgen (932 x 10 / 11,749)"
stop_rvirtd
kill $plain_unix $plain_tcp 2>/dev/null
wait $plain_unix $plain_tcp 2>/dev/null
trap - EXIT
