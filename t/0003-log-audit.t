#!/bin/sh
# SPDX-License-Identifier: MIT
# 0003-log-audit: the audit trail (audit_log: on, off, file:PATH) of
# mutating calls with who, what, which domain, where from and the
# outcome, replays marked; log_filters; log files reopened on HUP;
# "<N>" priorities when stderr is the journal; a start-up error printed
# once.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
UUID_RE='[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}'

cat >dom.xml <<-\EOF
<domain type="test"><name>aud</name><memory>1024</memory><vcpu>1</vcpu></domain>
EOF

test_expect_success 'audit_log = "on": mutating calls are in the log at the default level' '
	write_config rvirtd.conf log_level=3 log_outputs=3:stderr &&
	start_rvirtd &&
	"$RVSH" define dom.xml &&
	"$RVSH" start aud &&
	"$RVSH" list --all >/dev/null &&
	"$RVSH" destroy aud &&
	test_must_fail "$RVSH" destroy aud 2>err &&
	test_grep "audit: DOMAIN_DEFINE_XML by .unix:uid=$(id -u). from local domain .aud. uuid $UUID_RE xid [0-9]*: ok$" "$RVIRTD_LOG" &&
	test_grep "audit: DOMAIN_CREATE by .unix:uid=$(id -u). from local domain .aud. uuid $UUID_RE xid [0-9]*: ok$" "$RVIRTD_LOG" &&
	test_grep "audit: DOMAIN_DESTROY by .unix:uid=$(id -u). .* domain .aud. .*: ok$" "$RVIRTD_LOG" &&
	test_grep "audit: DOMAIN_DESTROY by .* domain .aud. .*: error [0-9]*: .*not running" "$RVIRTD_LOG" &&
	test_grep -v "audit: DOMAIN_LIST_ALL" "$RVIRTD_LOG" &&
	test_grep -v "audit: CONNECT_OPEN" "$RVIRTD_LOG"
'

test_expect_success 'a refused change on the read-only socket is audited with its error' '
	test_must_fail "$RVSH" -c "test:///default?socket=$RVIRTD_SOCK_RO" \
		undefine aud 2>err &&
	test_grep "audit: DOMAIN_UNDEFINE by .* domain .aud. .*: error [0-9]*: .*read-only" "$RVIRTD_LOG"
'

test_expect_success 'a call sent again is answered from its reply and audited as a replay' '
	# DOMAIN_SUSPEND of test:///default'"'"'s domain "test" twice with
	# xid 4242 on one session.
	hex=$("$RVSH" --script dominfo test | sed -n "s/^uuid	//p" | tr -d -) &&
	test -n "$hex" &&
	SUSPEND="call proc=DOMAIN_SUSPEND xid=4242 arg=s:test arg=x:$hex arg=i:-1 arg=u:0 decode=ret" &&
	rawrpc -t 10 "$RVIRTD_SOCK" $OPEN $SUSPEND $SUSPEND >out &&
	test_line_count = 3 out &&
	test "$(grep -c "audit: DOMAIN_SUSPEND .* domain .test. .*xid 4242: ok" "$RVIRTD_LOG")" = 1 &&
	test_grep "audit: DOMAIN_SUSPEND .* domain .test. .*xid 4242 replay: ok" "$RVIRTD_LOG" &&
	"$RVSH" resume test
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_expect_success 'audit_log = "off": no audit record' '
	write_config off.conf log_level=1 log_outputs=1:stderr audit_log='"'"'"off"'"'"' &&
	start_rvirtd "$TRASH/off.conf" &&
	"$RVSH" suspend test && "$RVSH" resume test &&
	test_grep -v "audit:" "$RVIRTD_LOG" &&
	stop_rvirtd
'

test_expect_success 'audit_log = "file:PATH": records there only, reopened on HUP' '
	write_config file.conf audit_log="\"file:$TRASH/audit.log\"" &&
	start_rvirtd "$TRASH/file.conf" &&
	"$RVSH" suspend test &&
	test_grep "^[0-9-]* [0-9:.]*Z rvirtd\[[0-9]*\]: audit: DOMAIN_SUSPEND .* domain .test. .*: ok$" audit.log &&
	test_grep -v "audit:" "$RVIRTD_LOG" &&
	mv audit.log audit.log.1 &&
	kill -HUP $RVIRTD_PID &&
	wait_until 100 "test -e audit.log" &&
	"$RVSH" resume test &&
	test_grep "audit: DOMAIN_RESUME" audit.log &&
	test_grep -v "audit: DOMAIN_RESUME" audit.log.1 &&
	stop_rvirtd
'

test_expect_success 'a bad audit_log or log_filters is refused by rvirtd -n' '
	write_config bad1.conf audit_log='"'"'"maybe"'"'"' &&
	test_must_fail "$RVIRT_BUILD/rvirtd" -n -f "$TRASH/bad1.conf" 2>err &&
	test_grep "invalid audit_log .maybe." err &&
	write_config bad2.conf log_filters='"'"'"9:hv"'"'"' &&
	test_must_fail "$RVIRT_BUILD/rvirtd" -n -f "$TRASH/bad2.conf" 2>err &&
	test_grep "invalid log filter .9:hv." err
'

test_expect_success 'log_filters: debug messages of the matching source only' '
	write_config filt.conf log_level=3 log_outputs=1:stderr \
		log_filters='"'"'"1:server/master"'"'"' &&
	start_rvirtd "$TRASH/filt.conf" &&
	stop_rvirtd &&
	test_grep ": debug: worker [0-9]* started in slot" "$RVIRTD_LOG" &&
	write_config nofilt.conf log_level=3 log_outputs=1:stderr &&
	start_rvirtd "$TRASH/nofilt.conf" &&
	stop_rvirtd &&
	test_grep -v ": debug: " "$RVIRTD_LOG"
'

test_expect_success 'log files are reopened on HUP (logrotate)' '
	write_config rot.conf log_level=2 "log_outputs=2:file:$TRASH/rot.log" &&
	start_rvirtd "$TRASH/rot.conf" &&
	mv rot.log rot.log.1 &&
	kill -HUP $RVIRTD_PID &&
	wait_until 100 "grep -q reloaded rot.log" &&
	test_grep -v reloaded rot.log.1 &&
	stop_rvirtd
'

test_expect_success 'log_outputs may name journald' '
	write_config jd.conf "log_outputs=3:stderr 2:journald" &&
	"$RVIRT_BUILD/rvirtd" -n -f "$TRASH/jd.conf" >out &&
	test_grep "is valid" out
'

test_expect_success 'a start-up error is printed once' '
	: >notadir &&
	write_config once.conf "unix_sock_dir=$TRASH/notadir/sub" &&
	test_must_fail "$RVIRT_BUILD/rvirtd" --foreground -f "$TRASH/once.conf" \
		>out 2>err &&
	test_grep "notadir" err &&
	test "$(grep -c "notadir" err)" = 1
'

test_expect_success 'stderr that is the journal (JOURNAL_STREAM) gets <N> priorities' '
	: >jerr &&
	JOURNAL_STREAM=$(stat -c "%d:%i" jerr) &&
	export JOURNAL_STREAM &&
	test_must_fail "$RVIRT_BUILD/rvirtd" --foreground -f "$TRASH/once.conf" \
		>out 2>>jerr;
	unset JOURNAL_STREAM &&
	test_grep "^<3>rvirtd: .*notadir" jerr &&
	test "$(grep -c notadir jerr)" = 1
'

test_done
