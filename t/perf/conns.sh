#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/conns.sh: a new client's first call (p50/p99) and rvirtd's PSS
# per connection while 2,000 and 10,000 idle, stalled, opened or
# unauthenticated (SASL tcp) connections are held, on the shipped pool defaults; and the log lines
# a refused connect flood writes.  Numbers only, never pass/fail.

. "$(dirname "$0")/../test-lib.sh"

CONNS=$RVIRT_BUILD/t/perf/conns
FLOOD=$RVIRT_BUILD/t/tools/connflood
ROUNDS=${RVIRT_PERF_ROUNDS:-200}

for n in ${RVIRT_PERF_CONNS:-2000 10000}; do
	for mode in idle stalled open; do
		echo "== $n $mode connections, shipped pool defaults (unix socket)"
		write_config rvirtd.conf log_level=3 log_outputs=3:stderr
		start_rvirtd || exit 1
		"$CONNS" $mode $n "$RVIRTD_SOCK" "$RVIRTD_PID" "$ROUNDS"
		stop_rvirtd
	done
done

# Unauthenticated: held on a SASL-only TCP port, never authenticating
# (auth_timeout is raised so that they stay for the measurement); the
# first calls are on the read-write unix socket.
. "$RVIRT_SRC/t/lib-auth.sh"
auth_make_sasldb "$TRASH/sasl" --mechs "scram-sha-256" alice:alicepw >/dev/null
for n in ${RVIRT_PERF_CONNS:-2000 10000}; do
	echo "== $n unauthenticated connections on the SASL tcp port"
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
		listen_tcp=1 auth_tcp=sasl sasl_config_dir="$TRASH/sasl" \
		sasl_server_fqdn=localhost auth_timeout=600
	start_rvirtd || exit 1
	"$CONNS" idle $n "$RVIRTD_SOCK" "$RVIRTD_PID" "$ROUNDS" "$RVIRTD_TCP_PORT"
	stop_rvirtd
done

echo "== log lines of a refused connect flood (20000 connects, rw socket)"
write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
	"unix_rw_allowed_list=[\"uid:4242424\"]"
start_rvirtd || exit 1
t0=$(date +%s%N)
"$FLOOD" close 20000 "$RVIRTD_SOCK" >/dev/null
t1=$(date +%s%N)
sleep 2
lines=$(grep -c "refused\|unix_rw_allowed_list" "$RVIRTD_LOG")
ms=$(((t1 - t0) / 1000000))
echo "  20000 refusals in $ms ms: $lines log lines" \
	"($(echo "$lines $ms" | awk '{ printf "%.1f", $1 * 1000 / ($2 + 2000) }') lines/s;" \
	"one line per refusal before the limiter: $(echo "$ms" | awk '{ printf "%.0f", 20000 * 1000 / $1 }') lines/s)"
stop_rvirtd
