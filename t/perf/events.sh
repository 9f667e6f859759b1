#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/events.sh: lifecycle event latency at 1 and 100 subscribers, the
# CPU cost of 1000 idle subscribers (against the same daemon idle with
# none, measured in the same run), calls/s with a subscription.

. "$(dirname "$0")/../test-lib.sh"

EVENTS=$RVIRT_BUILD/t/perf/events

# daemon_cpu_ticks: utime + stime of the master and all its children.
daemon_cpu_ticks () {
	t=0
	m=$(rvirtd_master_pid)
	for p in $m $(pgrep -P "$m"); do
		v=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${v:-0}))
	done
	echo $t
}

ulimit -n 8192 2>/dev/null
write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
	start_workers=2 min_spare_workers=0 max_spare_workers=2 max_workers=2 \
	max_clients=2000 max_clients_per_worker=2000
start_rvirtd || exit 1
URI="test:///default?socket=$RVIRTD_SOCK"

echo "== event latency, commit to callback (test driver, unix socket)"
"$EVENTS" latency "$URI" 1 200
"$EVENTS" latency "$URI" 100 50

echo
echo "== daemon CPU, 10 s idle: no subscriber vs 1000 parked subscribers"
hz=$(getconf CLK_TCK)
a=$(daemon_cpu_ticks); sleep 10; b=$(daemon_cpu_ticks)
echo "no subscriber: $((b - a)) ticks of 1/$hz s"
rm -f idle.out
"$EVENTS" idle "$URI" 1000 12 >idle.out &
ipid=$!
wait_until 1200 'grep -q ready idle.out'
sleep 1
a=$(daemon_cpu_ticks); sleep 10; b=$(daemon_cpu_ticks)
echo "1000 subscribers: $((b - a)) ticks of 1/$hz s"
wait $ipid
cat idle.out | grep -v ready

echo
echo "== NULL calls/s on a connection with and without a subscription"
"$EVENTS" calls "$URI" 3
stop_rvirtd

# The event time is taken inside the committing transaction, so the
# figures above include the commit's fdatasync (store_sync = full).
# With store_sync = relaxed the rest shows: the wake-up and delivery.
echo
echo "== event latency with store_sync = relaxed (no fdatasync per commit)"
write_config rvirtd.conf log_level=3 log_outputs=3:stderr store_sync=relaxed \
	start_workers=2 min_spare_workers=0 max_spare_workers=2 max_workers=2 \
	max_clients=2000 max_clients_per_worker=2000
start_rvirtd || exit 1
"$EVENTS" latency "$URI" 1 200
"$EVENTS" latency "$URI" 100 50
stop_rvirtd
