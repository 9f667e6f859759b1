#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/setups.sh: connection setups per second at 8 clients (connect,
# open, one call, close), rvirtd with the shipped store_sync (full)
# against libvirtd 9.0 with its test driver (the issue's comparison,
# t/perf/lib-libvirtd.sh; left out, saying why, where it is not
# installed) and a plain libtirpc svc_run server, all measured in the
# same run, over a unix socket and TCP on 127.0.0.1.  Prints numbers
# and ratios; never pass/fail.
#
# Second baseline, "plain x2": the same plain server and client making
# 2 NULL calls per connection, as many round trips as librvirt's setup
# (KEEPALIVE_START with CONNECT_OPEN, NULL, then CONNECT_CLOSE not
# waited for; doc/protocol.md, "How librvirt connects"): what rvirtd
# loses to it is our cost, what plain x2 loses to plain is the
# protocol's.  Each line also gives the CPU time per setup, of the
# server processes (from /proc) and of the clients (getrusage), in
# microseconds: on a loaded machine these vary less than the rates.
# The libvirtd clients are libvirt's own (virConnectOpen,
# virConnectGetVersion, virConnectClose; t/perf/libvirt/setups.c).

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/perf/lib-libvirtd.sh"

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
# measure NAME PIDS PROGRAM ARGS: the same with another client program.
measure () {
	m_name=$1 m_pids=$2 m_prog=$3
	test "$m_prog" != -- || m_prog=$SETUPS
	shift 3
	m_t0=$(cpu_ticks $m_pids)
	"$m_prog" "$@" >"$m_name.out"
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
trap 'kill $plain_unix $plain_tcp 2>/dev/null; stop_libvirtd' EXIT
wait_until 100 'grep -q listening plain-unix.out && grep -q listening plain-tcp.out' ||
	exit 1
plain_port=$(sed -n 's/^listening //p' plain-tcp.out)

write_config --tcp rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd >/dev/null || exit 1
if lv_why=$(libvirtd_missing); then
	echo "libvirtd: left out: $lv_why"
elif ! start_libvirtd; then
	lv_why="it did not start"
fi

echo "== connection setups/s, $CLIENTS clients, ${SECS}s each, $REPS interleaved repetitions (store_sync full)"
rpids () {
	echo "$RVIRTD_PID $(children_of "$RVIRTD_PID")"
}
# libvirtd_line: its rate and ratios for one socket kind (lu or lt).
libvirtd_line () {
	test -z "$lv_why" || return 0
	eval "l_rate=\$${1}_rate l_cpu=\$${1}_cpu"
	eval "l_r=\$${2}_rate l_p=\$${3}_rate"
	echo "      libvirtd $l_rate/s: rvirtd is $(ratio "$l_r" "$l_rate")x libvirtd (plain rpcgen $(ratio "$l_p" "$l_rate")x); cpu/setup $l_cpu"
	echo "$1 $(ratio "$l_r" "$l_rate") $(ratio "$l_p" "$l_rate")" >>lv-ratios
}

# libvirtd_median KIND: the median over the repetitions of rvirtd's and
# plain rpcgen's multiple of libvirtd on one socket kind (lu or lt).
libvirtd_median () {
	awk -v k="$1" '$1 == k { r[++n] = $2; p[n] = $3 }
		function med(a, i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END { if (n) printf "rvirtd %.2fx libvirtd, plain rpcgen %.2fx", med(r), med(p) }' lv-ratios
}
for rep in $(seq "$REPS"); do
	measure pu "$plain_unix" -- plain unix "$TRASH/plain.sock" "$CLIENTS" "$SECS"
	measure p2u "$plain_unix" -- plain unix "$TRASH/plain.sock" "$CLIENTS" "$SECS" 2
	measure ru "$(rpids)" -- rvirt "test:///default?socket=$RVIRTD_SOCK" \
		"$CLIENTS" "$SECS"
	test -n "$lv_why" || measure lu "$LIBVIRTD_PID" "$LIBVIRT_SETUPS" \
		"test+unix:///default?socket=$LIBVIRTD_SOCK" "$CLIENTS" "$SECS"
	measure pt "$plain_tcp" -- plain tcp "$plain_port" "$CLIENTS" "$SECS"
	measure p2t "$plain_tcp" -- plain tcp "$plain_port" "$CLIENTS" "$SECS" 2
	measure rt "$(rpids)" -- rvirt \
		"test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" "$CLIENTS" "$SECS"
	test -n "$lv_why" || measure lt "$LIBVIRTD_PID" "$LIBVIRT_SETUPS" \
		"test+tcp://127.0.0.1:$LIBVIRTD_PORT/default" "$CLIENTS" "$SECS"
	echo "rep $rep unix: plain rpcgen $pu_rate/s, plain x2 $p2u_rate/s, rvirtd $ru_rate/s, ratio $(ratio "$ru_rate" "$pu_rate") (to x2 $(ratio "$ru_rate" "$p2u_rate"))"
	echo "      cpu/setup: plain $pu_cpu; x2 $p2u_cpu; rvirtd $ru_cpu"
	libvirtd_line lu ru pu
	echo "rep $rep tcp:  plain rpcgen $pt_rate/s, plain x2 $p2t_rate/s, rvirtd $rt_rate/s, ratio $(ratio "$rt_rate" "$pt_rate") (to x2 $(ratio "$rt_rate" "$p2t_rate"))"
	echo "      cpu/setup: plain $pt_cpu; x2 $p2t_cpu; rvirtd $rt_cpu"
	libvirtd_line lt rt pt
	grep -h failed ru.out rt.out l?.out 2>/dev/null | grep -v ' 0 failed' || :
done
if test -z "$lv_why"; then
	echo "median of $REPS: unix $(libvirtd_median lu); tcp $(libvirtd_median lt)"
fi
echo "issue 14's target: rvirtd >= 10x libvirtd on each socket (its run: libvirtd 932/s, plain rpcgen 11,749/s over TCP, 12.6x)"
stop_libvirtd
stop_rvirtd
kill $plain_unix $plain_tcp 2>/dev/null
wait $plain_unix $plain_tcp 2>/dev/null
trap - EXIT
