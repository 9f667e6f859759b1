#!/bin/sh
# SPDX-License-Identifier: MIT
# 3000-scoreboard-concurrency: writers and readers of one scoreboard in
# separate processes never see a torn slot; a non-root reader can read a
# 0644 scoreboard but not write it; the Prometheus output is well formed.

. "$(dirname "$0")/test-lib.sh"

SBTOOL_BUILT=$RVIRT_BUILD/t/tools/sbtool
PROMCHECK=$RVIRT_SRC/t/tools/promcheck.pl
if ! test -x "$SBTOOL_BUILT"; then
	skip_all "sbtool is not built in '$RVIRT_BUILD' (run make check)"
fi
# A copy in the trash dir, so that the unprivileged reader can run it
# whatever the permissions of the build tree.
SBTOOL=$TRASH/sbtool
cp "$SBTOOL_BUILT" "$SBTOOL" || exit 1
SB=$TRASH/rvirtd.scoreboard

# check_reader FILE: the reader's summary line says it checked copies
# and found no torn one.
check_reader () {
	test_grep -E '^reader: [0-9]+ snapshots, [1-9][0-9]* slot copies checked, [0-9]+ unknown, 0 torn$' "$1"
}

# check_writer FILE: the writer went round its loop many times.
check_writer () {
	test_grep -E '^writer slot [0-9]+: [0-9]{4,} iterations$' "$1"
}

test_expect_success 'create a scoreboard of 4 slots, mode 0644' '
	(umask 077 && "$SBTOOL" create "$SB" 4) &&
	test "$(stat -c %a "$SB")" = 644 &&
	test "$(stat -c %s "$SB")" = $((64 + 128 + 4 * 512))
'

test_expect_success 'the master claims two slots for two writers' '
	"$SBTOOL" claim "$SB" $$ 1 >claim0 &&
	"$SBTOOL" claim "$SB" $$ 1 >claim1 &&
	echo 0 >want0 && echo 1 >want1 &&
	test_cmp want0 claim0 && test_cmp want1 claim1
'

test_expect_success '2 writers and 2 readers for 2 s: no torn read' '
	timeout 30 "$SBTOOL" writer "$SB" 0 2 >w0.out 2>&1 &
	w0=$!
	timeout 30 "$SBTOOL" writer "$SB" 1 2 >w1.out 2>&1 &
	w1=$!
	timeout 30 "$SBTOOL" reader "$SB" 2 >r0.out 2>&1 &
	r0=$!
	timeout 30 "$SBTOOL" reader "$SB" 2 >r1.out 2>&1 &
	r1=$!
	wait $w0; s_w0=$?
	wait $w1; s_w1=$?
	wait $r0; s_r0=$?
	wait $r1; s_r1=$?
	cat w0.out w1.out r0.out r1.out &&
	test "$s_w0 $s_w1 $s_r0 $s_r1" = "0 0 0 0" &&
	check_writer w0.out && check_writer w1.out &&
	check_reader r0.out && check_reader r1.out
'

test_expect_success 'the counters add up after the run' '
	"$SBTOOL" status "$SB" >status.out &&
	cat status.out &&
	calls0=$(sed -n "s/^writer slot 0: \([0-9]*\) iterations$/\1/p" w0.out) &&
	calls1=$(sed -n "s/^writer slot 1: \([0-9]*\) iterations$/\1/p" w1.out) &&
	test_grep "^totals: [0-9]* connections accepted, $((calls0 + calls1)) calls served" status.out &&
	test_grep -E "^ +0 +[0-9]+ +1 idle +[01] +[0-9]+ +$calls0 " status.out &&
	test_grep -E "^ +1 +[0-9]+ +1 idle +[01] +[0-9]+ +$calls1 " status.out
'

# The control: the same checks on copies made without the seqlock must
# find torn slots, or they could not find any.
test_expect_success 'a reader that skips the seqlock does see torn slots' '
	timeout 30 "$SBTOOL" writer "$SB" 0 2 >w.out 2>&1 &
	w=$!
	timeout 30 "$SBTOOL" reader "$SB" 2 --raw >raw.out 2>raw.err
	s_raw=$?
	wait $w; s_w=$?
	cat raw.out && head -n 3 raw.err &&
	test "$s_w $s_raw" = "0 1" &&
	test_grep -E "^reader: .* [1-9][0-9]* torn$" raw.out &&
	test_grep "^sbtool: torn read of slot 0: " raw.err
'

if test "$(id -u)" = 0 && command -v setpriv >/dev/null 2>&1; then
	AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 0755 "$TRASH"
	test_expect_success 'nobody reads the root-owned 0644 scoreboard while it is written' '
		timeout 30 "$SBTOOL" writer "$SB" 1 2 >w.out 2>&1 &
		w=$!
		timeout 30 $AS_NOBODY "$SBTOOL" reader "$SB" 2 >nobody.out 2>&1
		s_r=$?
		wait $w; s_w=$?
		cat nobody.out &&
		test "$s_w $s_r" = "0 0" &&
		check_reader nobody.out &&
		$AS_NOBODY "$SBTOOL" status "$SB" >nobody-status.out &&
		test_grep "^workers: 2 in use of 4 slots" nobody-status.out
	'
	test_expect_success 'nobody cannot attach it for writing' '
		test_must_fail $AS_NOBODY "$SBTOOL" client "$SB" 0 x 2>err &&
		test_grep "^sbtool: cannot open scoreboard .*: permission denied$" err
	'
else
	test_skip 'nobody reads a root-owned 0644 scoreboard' 'needs root and setpriv'
	test_skip 'nobody cannot attach it for writing' 'needs root and setpriv'
fi

test_expect_success 'every state and a hostile client identity' '
	"$SBTOOL" claim "$SB" 4242 2 >/dev/null &&
	"$SBTOOL" claim "$SB" 4243 2 >/dev/null &&
	"$SBTOOL" conn "$SB" 2 open &&
	"$SBTOOL" call "$SB" 2 12 domain_lookup_by_name &&
	"$SBTOOL" client "$SB" 2 "$(printf "sasl:\"x\\\\y\nz\377\033[0m")" &&
	"$SBTOOL" state "$SB" 2 reading &&
	"$SBTOOL" state "$SB" 3 graceful &&
	"$SBTOOL" crash "$SB" &&
	"$SBTOOL" status "$SB" >text.out &&
	cat text.out &&
	test_grep "^workers: 4 in use of 4 slots: 0 starting, 2 idle, 1 reading, 0 busy, 0 closing, 1 graceful, 0 dead, 0 unknown$" text.out &&
	test_grep -F " domain_lookup_by_name    sasl:\"x\\\\y\\x0az\\xff\\x1b[0m" text.out
'

test_expect_success 'the Prometheus output passes the strict checker' '
	"$SBTOOL" status "$SB" --format=prometheus >metrics.prom &&
	cat metrics.prom &&
	"$PROMCHECK" metrics.prom &&
	test_grep "^rvirtd_workers{state=\"graceful\"} 1$" metrics.prom &&
	test_grep "^rvirtd_worker_crashes_total 1$" metrics.prom &&
	test_grep -F "client=\"sasl:\\\"x\\\\y\\nz$(printf "\357\277\275\033")[0m\"} 1" metrics.prom
'

if command -v promtool >/dev/null 2>&1; then
	test_expect_success 'promtool check metrics accepts it too' '
		promtool check metrics <metrics.prom
	'
else
	test_skip 'promtool check metrics' 'promtool not installed'
fi

# The checker must be able to fail: one broken exposition per rule.
promcheck_rejects () {
	printf "$2" >bad.prom
	if "$PROMCHECK" bad.prom 2>bad.err; then
		echo "promcheck accepted $1:" >&2
		cat bad.prom >&2
		return 1
	fi
	test_grep "^promcheck: " bad.err
}

test_expect_success 'the checker rejects what the format forbids' '
	H="# HELP a x\n# TYPE a gauge\n" &&
	promcheck_rejects "no TYPE" "# HELP a_total x\na_total 1\n" &&
	promcheck_rejects "no HELP" "# TYPE a gauge\na 1\n" &&
	promcheck_rejects "a bad escape" "${H}a{l=\"x\\\\ty\"} 1\n" &&
	promcheck_rejects "a raw quote" "${H}a{l=\"x\"y\"} 1\n" &&
	promcheck_rejects "a counter without _total" "# HELP a x\n# TYPE a counter\na 1\n" &&
	promcheck_rejects "two TYPEs" "${H}# TYPE a gauge\na 1\n" &&
	promcheck_rejects "a value that is no float" "${H}a abc\n" &&
	promcheck_rejects "HELP after samples" "# TYPE a gauge\na 1\n# HELP a x\n" &&
	promcheck_rejects "a split family" "${H}# HELP b x\n# TYPE b gauge\na{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n" &&
	promcheck_rejects "invalid UTF-8" "${H}a{l=\"\377\"} 1\n" &&
	promcheck_rejects "no final newline" "${H}a 1" &&
	promcheck_rejects "a duplicate series" "${H}a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n" &&
	promcheck_rejects "a bad label name" "${H}a{1x=\"1\"} 1\n" &&
	promcheck_rejects "a reserved label name" "${H}a{__x=\"1\"} 1\n" &&
	promcheck_rejects "a negative counter" "# HELP a_total x\n# TYPE a_total counter\na_total -1\n" &&
	printf "${H}a{l=\"q\\\\\"b\\\\\\\\s\\\\nn\"} 1\na{l=\"y\"} +Inf\na{l=\"z\"} 1.5e3 123\n" >good.prom &&
	cat good.prom &&
	"$PROMCHECK" good.prom
'

test_expect_success 'a file that is no scoreboard is refused clearly' '
	head -c 4096 /dev/zero >not-sb &&
	test_must_fail "$SBTOOL" status not-sb 2>err &&
	test_grep "^sbtool: cannot attach scoreboard .*not-sb.: bad magic, not an rvirtd scoreboard" err
'

test_done
