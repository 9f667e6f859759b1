#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/console.sh: console keystroke echo latency and flood throughput
# through librvirt, against a bare pty in the same run (t/perf/console.c).
# Run by t/perf/run.sh, or alone:
#   RVIRT_BUILD=$PWD/build RVIRT_SRC=$PWD sh t/perf/console.sh

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"

ROUNDS=${RVIRT_PERF_ROUNDS:-400}
FLOOD=${RVIRT_PERF_FLOOD:-4000000}

write_config rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1
process_xml perfcon 1 >perfcon.xml &&
	PRVSH create perfcon.xml >/dev/null || exit 1
echo "== console: keystroke echo and flood (process domain, unix socket)"
"$RVIRT_BUILD/t/perf/console" "process://$PROCESS_PATH?socket=$RVIRTD_SOCK" \
	perfcon "$ROUNDS" "$FLOOD"
rc=$?
PRVSH destroy perfcon >/dev/null
stop_rvirtd
exit $rc
