#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh: run libFuzzer targets for a time budget each (make fuzz).
#
# usage: t/fuzz/run.sh BUILD SECONDS JOBS NAME...
#
# Each target BUILD/t/fuzz/fuzz-NAME runs for SECONDS in its own
# directory BUILD/fuzz-run/NAME (a working corpus that grows there, the
# committed seeds t/fuzz/corpus/NAME and t/fuzz/crashes/NAME read
# only), JOBS targets at once.  A crash leaves its input as
# BUILD/fuzz-run/NAME/crash-* (copy it to t/fuzz/crashes/NAME/ with
# the fix).  Prints one line per target and exits 1 if any found one.

set -u

[ $# -ge 4 ] || {
	echo "usage: $0 BUILD SECONDS JOBS NAME..." >&2
	exit 2
}
build=$1
seconds=$2
jobs=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)

run_one() {
	name=$1
	bin=$build/t/fuzz/fuzz-$name
	dir=$build/fuzz-run/$name
	mkdir -p "$dir/corpus" || return 1
	set -- "$dir/corpus"
	for d in "$src/corpus/$name" "$src/crashes/$name"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	dict=
	[ -f "$src/$name.dict" ] && dict=-dict=$src/$name.dict
	# -timeout: one input longer than 10 s is a finding (a hang).
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" $dict "$@" \
		>"$dir/log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	if [ "$status" -eq 0 ]; then
		echo "fuzz $name: ${seconds} s, ${runs:-?} runs, no finding"
	else
		echo "fuzz $name: FINDING (status $status) after ${runs:-?} runs; see $dir/log"
		ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null
		return 1
	fi
}

# Leaks inside third-party libraries that rvirt cannot free.
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/../lsan.supp}
export build seconds src LSAN_OPTIONS
fail=0
# JOBS at a time, in the order given.
pids=
n=0
for name in "$@"; do
	run_one "$name" >"$build/fuzz-run.$name.out" 2>&1 &
	pids="$pids $!"
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		for p in $pids; do
			wait "$p" || fail=1
		done
		pids=
		n=0
	fi
done
for p in $pids; do
	wait "$p" || fail=1
done
for name in "$@"; do
	cat "$build/fuzz-run.$name.out"
	rm -f "$build/fuzz-run.$name.out"
done
exit "$fail"
