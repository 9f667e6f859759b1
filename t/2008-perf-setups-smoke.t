#!/bin/sh
# SPDX-License-Identifier: MIT
# 2008-perf-setups-smoke: a smoke run of t/perf/setups.sh, the benchmark
# of issue 14's connection setups (make perf), so that it cannot rot
# unseen: a fraction of a second per measurement, each figure there and
# no round failed.  Its libvirtd baseline (t/perf/lib-libvirtd.sh) runs
# where libvirt-daemon and libvirt-dev are installed (scripts/deps.sh
# perf, in all: CI has them); elsewhere the script must say why it is
# left out.  Numbers are not judged here.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
. "$RVIRT_SRC/t/perf/lib-libvirtd.sh"

# The script makes its own trash directory under TMPDIR: inside ours,
# so that test_procs_in_trash finds anything it leaves running.  libvirtd
# runs as nobody when we are root, and must reach it.
mkdir -p "$TRASH/tmp"
chmod 711 "$TRASH" "$TRASH/tmp"

test_expect_success 'setups.sh runs each measurement once' '
	TMPDIR=$TRASH/tmp RVIRT_PERF_SECONDS=0.3 RVIRT_PERF_SETUP_REPS=1 \
		RVIRT_FAILURE_LOG= sh "$RVIRT_SRC/t/perf/setups.sh" >out 2>err ||
		{ cat out err; false; }
'

# nonzero KIND: the line "rep 1 KIND: plain rpcgen N/s, plain x2 N/s,
# rvirtd N/s, ..." with three rates above 0.
nonzero () {
	sed -n "s/^rep 1 $1: *plain rpcgen \([0-9]*\)\/s, plain x2 \([0-9]*\)\/s, rvirtd \([0-9]*\)\/s, ratio .*/\1 \2 \3/p" out |
		awk "{ ok = \$1 > 0 && \$2 > 0 && \$3 > 0 } END { exit !(NR == 1 && ok) }"
}

test_expect_success 'unix and tcp: plain, plain x2 and rvirtd each made setups' '
	nonzero unix && nonzero tcp || { cat out; false; }
'

test_expect_success 'no round failed, and nothing was left running' '
	! grep -i "failed" out err &&
	test -z "$(test_procs_in_trash)"
'

# run.sh (make perf) runs in its trash directory: a script it names by
# a path relative to where it started is not found there (it ran none
# of setups.sh and the nine after it until 2026-12-03).
test_expect_success 'make perf names every script it runs by its full path, and each exists' '
	grep "^sh " "$RVIRT_SRC/t/perf/run.sh" >runs &&
	test_line_count -ge 12 runs &&
	! grep -v "^sh \"\$RVIRT_SRC/t/perf/[a-z-]*\.sh\"$" runs &&
	for f in $(sed "s|^sh \"\$RVIRT_SRC/\(.*\)\"$|\1|" runs); do
		test -f "$RVIRT_SRC/$f" || { echo "missing: $f"; return 1; }
	done
'

if why=$(libvirtd_missing); then
	test_expect_success 'without libvirtd the script says why it is left out' '
		test_grep "^libvirtd: left out: " out
	'
else
	test_expect_success 'libvirtd, started as a session instance, made setups on unix and tcp' '
		test "$(grep -c "^      libvirtd [1-9][0-9]*/s: rvirtd is [0-9.]*x libvirtd" out)" -eq 2 ||
			{ cat out err; false; }
	'
fi

test_done
