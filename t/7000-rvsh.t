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

test_expect_success 'an unknown URI variable is warned about and sent to the server' '
	test_must_fail "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&frob=1" uri >out 2>err &&
	test_grep "warning: unknown uri variable .frob. passed to the server" err &&
	test_grep -F "test:///default?frob=1" err &&
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK&frob=1&name=test:///default" \
		uri >out 2>err &&
	echo "test:///default" >expect &&
	test_cmp expect out &&
	test_grep "ignoring unknown uri variable .frob." err
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

test_expect_success 'an unknown option: usage line, exit status 2' '
	test_expect_code 2 "$RVSH" --frob list 2>err &&
	test_grep "^rvsh: unknown option .--frob." err &&
	test_grep "^usage: rvsh " err &&
	test_expect_code 2 "$RVSH" -c 2>err &&
	test_grep "^usage: rvsh " err
'

test_expect_success '-V prints the version, -h the usage' '
	"$RVSH" -V >out &&
	test_grep "^rvsh [0-9]" out &&
	"$RVSH" --help >out &&
	test_grep "^usage: rvsh " out
'

test_expect_success 'help COMMAND describes one command' '
	"$RVSH" help dominfo >out &&
	test_grep "^usage: dominfo DOMAIN" out &&
	test_expect_code 1 "$RVSH" help frob 2>err &&
	test_grep "^rvsh: unknown command .frob." err
'

cat >web7.xml <<\EOF
<domain type='test'><name>web7</name><memory unit='MiB'>64</memory><vcpu>2</vcpu></domain>
EOF

test_expect_success 'define says what it did; -q and --script do not' '
	"$RVSH" define web7.xml >out &&
	echo "Domain '\''web7'\'' defined from web7.xml" >expect &&
	test_cmp expect out &&
	"$RVSH" -q start web7 >out &&
	test_line_count = 0 out &&
	"$RVSH" --script destroy web7 >out &&
	test_line_count = 0 out &&
	"$RVSH" undefine web7 >out &&
	test_grep "web7.*undefined" out &&
	"$RVSH" --script define web7.xml >out &&
	uuid=$("$RVSH" --script dominfo web7 | sed -n "s/^uuid\t//p") &&
	printf -- "-\tweb7\t%s\n" "$uuid" >expect &&
	test_cmp expect out &&
	"$RVSH" -q undefine web7
'

test_expect_success '--script dominfo: key, tab, value' '
	"$RVSH" --script dominfo 1 >out &&
	cut -f1 out >keys &&
	printf "%s\n" id name uuid state cpus cpu_time_ns max_memory_kib \
		used_memory_kib >expect &&
	test_cmp expect keys &&
	test_grep "^name	test\$" out &&
	test_grep "^state	running\$" out
'

test_expect_success 'the human list: header, rule, aligned columns' '
	"$RVSH" list --all >out &&
	printf " Id   Name   State\n---------------------\n 1    test   running\n\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a file that cannot be read: rvsh: message, exit status 1' '
	test_expect_code 1 "$RVSH" define nosuch.xml 2>err &&
	test_grep "^rvsh: cannot open .nosuch.xml.: " err
'

test_expect_success 'an unterminated quote in batch mode is an error' '
	printf "domstate \"test\n" >cmds &&
	test_expect_code 1 "$RVSH" <cmds 2>err &&
	test_grep "^rvsh: unterminated quote" err
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
