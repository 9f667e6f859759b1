#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/intent-cost.sh: what intents (doc/sessions.md) cost a process
# domain's lifecycle.  One librvirt client (t/tools/sessload -x) runs
# define / start / suspend / resume / destroy / undefine rounds on the
# process driver, against the same daemon started without intents
# (RVIRTD_TEST_NO_INTENTS, the baseline), alternately, in this run.
# Run by t/perf/run.sh, or alone:
#   RVIRT_BUILD=$PWD/build RVIRT_SRC=$PWD sh t/perf/intent-cost.sh

. "$(dirname "$0")/../test-lib.sh"

ROUNDS=${RVIRT_PERF_ROUNDS:-30}
SESSLOAD=$RVIRT_BUILD/t/tools/sessload
if test "$(id -u)" = 0; then
	path=/system
else
	path=/session
fi

# one_run LABEL: ms per round of ROUNDS rounds on a fresh daemon.
one_run () {
	start_rvirtd || exit 1
	t0=$(date +%s%N)
	"$SESSLOAD" -u "process://$path?socket=$RVIRTD_SOCK" -n "$ROUNDS" \
		-k 0 -x -p "$1" >run.out 2>run.err || {
		cat run.out run.err
		exit 1
	}
	t1=$(date +%s%N)
	stop_rvirtd || exit 1
	echo $(((t1 - t0) / ROUNDS / 1000))
}

# measure WHERE RUNTIME_DIR: both sides with that runtime directory.
measure () {
	mkdir -p "$2" &&
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr \
		runtime_dir="$2" unix_sock_dir="$2"
	echo "== process driver, runtime_dir on $1 ($(stat -f -c %T "$2")):" \
		"a lifecycle round (6 calls, 4 of them under an intent)," \
		"with and without intents; $ROUNDS rounds each, twice;" \
		"$(getconf _NPROCESSORS_ONLN) CPUs"
	with=0 without=0
	# The order changes between passes, so that neither side always
	# runs first on a fresh state directory.
	for pass in 1 2; do
		if test $pass = 1; then
			export RVIRTD_TEST_NO_INTENTS=1
			b=$(one_run base$pass)
			unset RVIRTD_TEST_NO_INTENTS
			w=$(one_run with$pass)
		else
			w=$(one_run with$pass)
			export RVIRTD_TEST_NO_INTENTS=1
			b=$(one_run base$pass)
			unset RVIRTD_TEST_NO_INTENTS
		fi
		echo "pass $pass: without intents $b us/round, with intents" \
			"$w us/round"
		with=$((with + w))
		without=$((without + b))
	done
	echo "mean: without $((without / 2)) us/round, with" \
		"$((with / 2)) us/round," \
		"ratio $(awk "BEGIN { printf \"%.3f\", $with / $without }")," \
		"difference per intent call $(((with - without) / 2 / 4)) us"
}

# The trash directory shares its file system with the store: every
# intent file made and removed there is metadata that the store's next
# fdatasync commits with its own.  An installed rvirtd has its runtime
# directory in /run, a tmpfs; /dev/shm stands for it.
measure "the store's file system" "$TRASH/run"
if test -d /dev/shm && test -w /dev/shm; then
	shm=$(mktemp -d /dev/shm/rvirt-perf.XXXXXX) || exit 1
	measure "tmpfs, as /run" "$shm"
	rm -rf "$shm"
fi
