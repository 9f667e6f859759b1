#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/proxy.sh: rvirt-console-proxy's cost.  Its RSS idle and with N
# idle websocket consoles (N process domains, one token and one
# websocket each), and keystroke echo round trips through the proxy,
# against librvirt's and a bare pty's measured in the same run by
# t/perf/console.  Numbers only, never pass/fail.  Run by
# t/perf/run.sh, or alone:
#   RVIRT_BUILD=$PWD/build RVIRT_SRC=$PWD sh t/perf/proxy.sh

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
. "$RVIRT_SRC/t/lib-proxy.sh"

N=${RVIRT_PERF_PROXY_N:-100}
ROUNDS=${RVIRT_PERF_ROUNDS:-400}

rss_kib () {
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"
}

write_config rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1
URI="process://$PROCESS_PATH?socket=$RVIRTD_SOCK"
printf 'listen_port = 0\nuri = "%s"\nwww_dir = "%s"\n' "$URI" \
	"$RVIRT_SRC/proxy/www" >proxy.conf
start_proxy proxy.conf || exit 1

echo "== proxy: keystroke echo round trip (process domain, unix socket)"
process_xml p0 1 >p0.xml && PRVSH create p0.xml >/dev/null || exit 1
tok=$(PRVSH console-token enable p0) || exit 1
"$RVIRT_BUILD/t/perf/console" "$URI" p0 "$ROUNDS" 100000
"$WSCLIENT" -t 300 -l "$ROUNDS" 127.0.0.1 "$PROXY_PORT" "/console?token=$tok" |
	sed 's/^/through rvirt-console-proxy (websocket): /'

echo "== proxy: RSS with $N idle websocket consoles"
idle=$(rss_kib "$PROXY_PID")
i=1
while test "$i" -lt "$N"; do
	process_xml "p$i" 1 >"p$i.xml" && PRVSH create "p$i.xml" >/dev/null || exit 1
	i=$((i + 1))
done
mkfifo hold
exec 3<>hold
i=0
pids=
: >opened
while test "$i" -lt "$N"; do
	t=$(PRVSH console-token enable "p$i") || exit 1
	"$WSCLIENT" -t 600 -n 1 127.0.0.1 "$PROXY_PORT" "/console?token=$t" <hold >>opened 3>&- &
	pids="$pids $!"
	i=$((i + 1))
done
wait_until 1200 "test \$(grep -c '^open\$' opened) -ge $N"
sleep 3 # let the sessions' first reads settle: a benchmark, not a test
busy=$(rss_kib "$PROXY_PID")
threads=$(ls "/proc/$PROXY_PID/task" | wc -l)
echo "proxy RSS idle: $idle KiB; with $(grep -c '^open$' opened) consoles: $busy KiB" \
	"($(( (busy - idle) / N )) KiB per console, $threads threads)"
exec 3>&-
rm -f hold
for p in $pids; do
	wait "$p"
done
i=0
while test "$i" -lt "$N"; do
	PRVSH destroy "p$i" >/dev/null 2>&1
	i=$((i + 1))
done
stop_proxy
stop_rvirtd
