#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/metrics.sh: the metrics benchmarks of `make perf` (run.sh runs
# it): NULL and GET_VERSION calls/s at 1 and 32 clients with metrics off
# (RVIRTD_METRICS_COUNTERS=off, no exporter) and on (counters, and the
# exporter scraped every second), alternated in the same run; then the
# CPU time and latency of one scrape with an empty store and with 10,000
# sessions and 1,000 domains.  Numbers and ratios, never pass/fail.

. "$(dirname "$0")/../test-lib.sh"

SECONDS_EACH=${RVIRT_PERF_SECONDS:-3}
ROUNDS=${RVIRT_PERF_METRICS_ROUNDS:-2}
SCRAPES=${RVIRT_PERF_SCRAPES:-200}
LOAD=$RVIRT_BUILD/t/perf/load
SESSFILL=$RVIRT_BUILD/t/tools/sessfill
HZ=$(getconf CLK_TCK)

# exporter_pid: the master's child with more than one thread.
exporter_pid () {
	for c in $(children_of "$RVIRTD_PID" 2>/dev/null); do
		t=$(sed -n 's/^Threads:\t*//p' /proc/$c/status 2>/dev/null)
		test "${t:-1}" -gt 1 && echo $c
	done
	return 0
}

# cpu_ticks PID: user + system time of PID in clock ticks.
cpu_ticks () {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' /proc/$1/stat
}

# workers_cpu: user + system ticks of all the workers now running.
workers_cpu () {
	t=0
	for p in $(worker_pids); do
		t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
	done
	echo $t
}

# calls_served: calls the scoreboard counted (metrics on or off).
calls_served () {
	rvirtd_status --format=prometheus 2>/dev/null |
		sed -n 's/^rvirtd_calls_total //p'
}

scraper () {
	i=0
	while ! test -e stop-scraper && test $i -lt 3600; do
		curl -s -o /dev/null --max-time 10 \
			"http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics"
		sleep 1
		i=$((i + 1))
	done
}

echo "== the counting hooks of one call, in one process (clock_gettime is most of it)"
"$RVIRT_BUILD/t/tools/metricscost" "$TRASH/cost.metrics" 2000000 || exit 1

echo
echo "== NULL and GET_VERSION calls/s, metrics off vs on (${SECONDS_EACH}s each, $ROUNDS rounds, alternated)"
echo "(the machine is shared with other builds and tests: compare the ratios, not the rates)"
: >rates
: >cpu
r=1
while test $r -le "$ROUNDS"; do
	for mode in off on; do
		if test $mode = off; then
			RVIRTD_METRICS_COUNTERS=off
			export RVIRTD_METRICS_COUNTERS
			listen=
		else
			unset RVIRTD_METRICS_COUNTERS
			listen=127.0.0.1:0
		fi
		write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
			start_workers=2 max_workers=2 min_spare_workers=0 \
			max_spare_workers=2 max_clients_per_worker=64 \
			metrics_listen=$listen
		start_rvirtd || exit 1
		unset RVIRTD_METRICS_COUNTERS
		rm -f stop-scraper
		if test $mode = on; then
			scraper &
			sp=$!
		fi
		for proc in null version; do
			for c in 1 32; do
				w0=$(workers_cpu) n0=$(calls_served)
				rate=$("$LOAD" $proc \
					"test:///default?socket=$RVIRTD_SOCK" \
					$c "$SECONDS_EACH") || exit 1
				w1=$(workers_cpu) n1=$(calls_served)
				echo "$proc $c $mode $rate" >>rates
				echo "$proc $c $mode $((w1 - w0)) $((n1 - n0))" >>cpu
				echo "round $r, metrics $mode, $proc, $c clients: $rate calls/s"
			done
		done
		if test $mode = on; then
			touch stop-scraper
			wait $sp
		fi
		stop_rvirtd || exit 1
	done
	r=$((r + 1))
done
awk '{ s[$1 " " $2 " " $3] += $4; n[$1 " " $2 " " $3]++ }
	END {
		split("null version", p, " "); split("1 32", c, " ");
		for (i = 1; i <= 2; i++) for (j = 1; j <= 2; j++) {
			k = p[i] " " c[j];
			off = s[k " off"] / n[k " off"];
			on = s[k " on"] / n[k " on"];
			printf "%-7s %2d clients: off %8.0f, on %8.0f calls/s (means); on/off %.3f\n",
				p[i], c[j], off, on, off ? on / off : 0;
		}
	}' rates
echo "worker CPU time per call (user + system ticks of the workers over the calls the scoreboard counted; CPU time, so less sensitive to the load than calls/s):"
awk -v hz="$HZ" '{ t[$1 " " $2 " " $3] += $4; n[$1 " " $2 " " $3] += $5 }
	END {
		split("null version", p, " "); split("1 32", c, " ");
		for (i = 1; i <= 2; i++) for (j = 1; j <= 2; j++) {
			k = p[i] " " c[j];
			off = n[k " off"] ? t[k " off"] * 1e6 / hz / n[k " off"] : 0;
			on = n[k " on"] ? t[k " on"] * 1e6 / hz / n[k " on"] : 0;
			printf "%-7s %2d clients: off %6.2f us, on %6.2f us of worker CPU per call; on - off %+.2f us\n",
				p[i], c[j], off, on, on - off;
		}
	}' cpu

echo
echo "== one scrape: exporter CPU time and latency ($SCRAPES scrapes, one at a time)"
for fill in empty full; do
	rm -rf "$TRASH/state"
	mkdir -p "$TRASH/state"
	if test $fill = full; then
		"$SESSFILL" "$TRASH/state" 10000 || exit 1
	fi
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
		metrics_listen=127.0.0.1:0 store_sync=relaxed
	start_rvirtd || exit 1
	if test $fill = full; then
		"$LOAD" define "test:///default?socket=$RVIRTD_SOCK" 1000 ||
			exit 1
	fi
	url=http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics
	curl -s -o page "$url"
	e=$(exporter_pid)
	c0=$(cpu_ticks "$e")
	i=0
	: >lat
	while test $i -lt "$SCRAPES"; do
		curl -s -o /dev/null -w '%{time_total}\n' "$url" >>lat
		i=$((i + 1))
	done
	c1=$(cpu_ticks "$e")
	sort -n lat | awk -v f=$fill -v t=$((c1 - c0)) -v hz="$HZ" \
		-v n="$SCRAPES" -v b="$(wc -c <page)" -v s="$(grep -c "^rvirtd_sessions " page)" '
		{ v[NR] = $1 * 1000 }
		END {
			printf "%-5s store: %d bytes, CPU %.2f ms per scrape (%d ticks of 1/%d s over %d), latency median %.2f ms, p99 %.2f ms, max %.2f ms\n",
				f, b, t * 1000 / hz / n, t, hz, n,
				v[int(NR / 2) + 1], v[int(NR * 0.99)], v[NR];
		}'
	grep "^rvirtd_sessions \|^rvirtd_domains " page
	stop_rvirtd || exit 1
done
