#!/bin/sh
# SPDX-License-Identifier: MIT
# 1003-fuzz-replay: every fuzz target replays its committed seeds and the
# inputs that once crashed it (t/fuzz/crashes/), built with the
# ordinary compiler (and under the sanitizers in the sanitizer tree).

. "$(dirname "$0")/test-lib.sh"

for src in "$RVIRT_SRC"/t/fuzz/fuzz-*.c; do
	name=${src##*/fuzz-}
	name=${name%.c}
	test_expect_success "fuzz target '$name' replays its seeds and crashes" '
		bin=$RVIRT_BUILD/t/fuzz/fuzz-$name-replay &&
		test -x "$bin" &&
		set -- "$RVIRT_SRC"/t/fuzz/corpus/$name/* &&
		if test -d "$RVIRT_SRC/t/fuzz/crashes/$name"; then
			set -- "$@" "$RVIRT_SRC"/t/fuzz/crashes/$name/*
		fi &&
		test -f "$1" &&
		TMPDIR=$TRASH "$bin" "$@" >out 2>err &&
		test_grep "^replayed $# *\$" out &&
		! ls "$TRASH"/rvirt-fuzz* 2>/dev/null
	'
done

test_done
