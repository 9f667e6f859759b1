#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/pin.sh: the process driver's placed start and PIN_VCPU, against a
# NULL call and a bare fork+exec measured in the same run (t/perf/pin.c).
# Run by t/perf/run.sh, or alone:
#   RVIRT_BUILD=$PWD/build RVIRT_SRC=$PWD sh t/perf/pin.sh

. "$(dirname "$0")/../test-lib.sh"

SECONDS_EACH=${RVIRT_PERF_SECONDS:-3}
ROUNDS=${RVIRT_PERF_ROUNDS:-30}
PIN=$RVIRT_BUILD/t/perf/pin
if test "$(id -u)" = 0; then
	path=/system
else
	path=/session
fi

write_config rvirtd.conf log_level=3 log_outputs=3:stderr
start_rvirtd || exit 1
echo "== process driver: a placed start and PIN_VCPU ($(getconf _NPROCESSORS_ONLN) CPUs)"
"$PIN" "process://$path?socket=$RVIRTD_SOCK" "$ROUNDS" "$SECONDS_EACH"
rc=$?
stop_rvirtd
exit $rc
