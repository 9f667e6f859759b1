#!/bin/sh
# SPDX-License-Identifier: MIT
# 7000-rvsh: rvsh's one-shot and batch modes, errors and exit statuses.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'help lists every command of the issue' '
	"$RVSH" help >out &&
	for c in list dominfo domstate dumpxml define undefine start create \
		destroy shutdown reboot suspend resume nodeinfo capabilities \
		version uri hostname help; do
		test_grep "^ *$c\\b" out || return 1
	done
'

test_expect_success 'the default URI comes from RVIRT_DEFAULT_URI' '
	"$RVSH" uri >out &&
	echo "test:///default" >expect &&
	test_cmp expect out
'

test_expect_success '-c overrides RVIRT_DEFAULT_URI' '
	RVIRT_DEFAULT_URI=test:///default?socket=/nonexistent \
		"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK" uri >out &&
	test_cmp expect out
'

test_expect_success 'hostname, version, nodeinfo and capabilities answer' '
	"$RVSH" hostname >out &&
	hostname >expect &&
	test_cmp expect out &&
	"$RVSH" version >out &&
	test_grep "TEST" out &&
	"$RVSH" nodeinfo >out &&
	test_grep "CPU(s)" out &&
	"$RVSH" capabilities >out &&
	test_grep "<capabilities>" out
'

test_expect_success 'an unknown command: rvsh: message, exit status 1 or 2' '
	test_expect_code 2 "$RVSH" frobnicate 2>err ||
	test_expect_code 1 "$RVSH" frobnicate 2>err &&
	test_grep "^rvsh: .*frobnicate" err
'

test_expect_success 'wrong arguments print the usage, exit status 2' '
	test_expect_code 2 "$RVSH" dominfo 2>err &&
	test_grep "dominfo" err
'

test_expect_success 'an unknown domain: rvsh: message, exit status 1' '
	test_expect_code 1 "$RVSH" dominfo nosuch 2>err &&
	test_grep "^rvsh: .*nosuch" err
'

test_expect_success 'a daemon that is not there: rvsh: message, exit status 1' '
	test_expect_code 1 "$RVSH" -c "test:///default?socket=$TRASH/nope" list 2>err &&
	test_grep "^rvsh: .*nope" err
'

test_expect_success 'a malformed URI: rvsh: message, exit status 1' '
	test_expect_code 1 "$RVSH" -c "test:/default" list 2>err &&
	test_grep "^rvsh: " err
'

test_expect_success 'an unknown URI variable is warned about and ignored' '
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&frob=1" uri >out 2>err &&
	echo "test:///default" >expect &&
	test_cmp expect out &&
	test_grep "frob" err
'

test_expect_success 'the read-only flag -r refuses changes with a clear error' '
	test_expect_code 1 "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK" -r destroy test 2>err &&
	test_grep "read-only" err &&
	"$RVSH" domstate test >out &&
	echo running >expect &&
	test_cmp expect out
'

test_expect_success 'batch mode: commands from a non-terminal stdin' '
	printf "uri\n\n# a comment\nhostname\n" | "$RVSH" >out &&
	{ echo "test:///default" && hostname; } >expect &&
	test_cmp expect out
'

test_expect_success 'batch mode: a failing command makes the status 1, the rest runs' '
	printf "dominfo nosuch\nuri\n" >cmds &&
	test_expect_code 1 "$RVSH" <cmds >out 2>err &&
	test_grep "^rvsh: " err &&
	echo "test:///default" >expect &&
	test_cmp expect out
'

test_expect_success 'batch mode: quoting keeps blanks in one argument' '
	printf "domstate \"te\"st\n" | "$RVSH" >out &&
	echo running >expect &&
	test_cmp expect out
'

test_expect_success '--script list is tab separated without headers' '
	"$RVSH" --script list >out &&
	printf "1\ttest\trunning\n" >expect &&
	test_cmp expect out
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
