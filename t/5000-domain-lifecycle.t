#!/bin/sh
# SPDX-License-Identifier: MIT
# 5000-domain-lifecycle: the test driver's domains through rvsh and rvirtd.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh

domain_xml () {
	cat <<-EOF
	<domain type='test'>
	  <name>$1</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu placement='static' cpuset='0-1,^1'>2</vcpu>
	  <os><type>hvm</type></os>
	</domain>
	EOF
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'the default domain test is running with id 1' '
	"$RVSH" --script list --all >out &&
	printf "1\ttest\trunning\n" >expect &&
	test_cmp expect out
'

test_expect_success 'define a domain: inactive, id -' '
	domain_xml web >web.xml &&
	"$RVSH" define web.xml >out &&
	test_grep "web" out &&
	"$RVSH" domstate web >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	"$RVSH" --script list --inactive >out &&
	printf -- "-\tweb\tshut off\n" >expect &&
	test_cmp expect out
'

test_expect_success 'the same name again is a redefinition, not a new domain' '
	uuid=$("$RVSH" --script dominfo web | sed -n "s/^uuid\t//p") &&
	test -n "$uuid" &&
	"$RVSH" define web.xml &&
	"$RVSH" --script dominfo web >out &&
	test_grep "^uuid	$uuid\$" out &&
	"$RVSH" --script list --all >out &&
	test_line_count = 2 out
'

test_expect_success 'a second domain with another uuid but the same name is refused' '
	sed "s|<name>web</name>|<name>web</name><uuid>11111111-2222-4333-8444-555555555555</uuid>|" \
		web.xml >dup.xml &&
	test_must_fail "$RVSH" define dup.xml 2>err &&
	test_grep "^rvsh: .*web" err
'

test_expect_success 'start, then it is active with a new id' '
	"$RVSH" start web &&
	"$RVSH" domstate web >out &&
	echo running >expect &&
	test_cmp expect out &&
	"$RVSH" --script list --all >out &&
	test_grep "^2	web	running\$" out &&
	"$RVSH" --script list >active &&
	test_line_count = 2 active
'

test_expect_success 'starting a running domain is refused' '
	test_must_fail "$RVSH" start web 2>err &&
	test_grep "already running" err
'

test_expect_success 'the domain can be named by id and by uuid' '
	"$RVSH" domstate 2 >out &&
	echo running >expect &&
	test_cmp expect out &&
	"$RVSH" domstate "$uuid" >out &&
	test_cmp expect out
'

test_expect_success 'dumpxml keeps the cpuset and shows the id' '
	"$RVSH" dumpxml web >out &&
	test_grep "cpuset=\"0\"" out &&
	test_grep "<domain type=\"test\" id=\"2\"" out &&
	test_grep "<uuid>$uuid</uuid>" out
'

test_expect_success 'suspend and resume' '
	"$RVSH" suspend web &&
	"$RVSH" domstate web >out &&
	echo paused >expect &&
	test_cmp expect out &&
	test_must_fail "$RVSH" suspend web 2>err &&
	"$RVSH" resume web &&
	"$RVSH" domstate web >out &&
	echo running >expect &&
	test_cmp expect out
'

test_expect_success 'dominfo reports what the XML said' '
	"$RVSH" --script dominfo web >out &&
	test_grep "^state	running\$" out &&
	test_grep "	2\$" out &&
	test_grep "262144" out
'

test_expect_success 'reboot keeps it running; shutdown stops it' '
	"$RVSH" reboot web &&
	"$RVSH" domstate web >out &&
	echo running >expect &&
	test_cmp expect out &&
	"$RVSH" shutdown web &&
	"$RVSH" domstate web >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'destroying a stopped domain is refused' '
	test_must_fail "$RVSH" destroy web 2>err &&
	test_grep "not running" err
'

test_expect_success 'a transient domain disappears after destroy' '
	domain_xml tmp1 >tmp1.xml &&
	"$RVSH" create tmp1.xml &&
	"$RVSH" domstate tmp1 >out &&
	echo running >expect &&
	test_cmp expect out &&
	"$RVSH" destroy tmp1 &&
	test_must_fail "$RVSH" domstate tmp1 2>err &&
	test_grep "tmp1" err
'

test_expect_success 'an XML document with a DOCTYPE (XXE) is refused' '
	cat >xxe.xml <<-\EOF &&
	<?xml version="1.0"?>
	<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>
	<domain type="test"><name>&x;</name><memory>1024</memory></domain>
	EOF
	test_must_fail "$RVSH" define xxe.xml 2>err &&
	test_grep -i "doctype" err &&
	! "$RVSH" --script list --all | grep root
'

test_expect_success 'malformed XML and bad names are refused with a message' '
	echo "<domain type=\"test\"><name>x</name>" >bad.xml &&
	test_must_fail "$RVSH" define bad.xml 2>err &&
	test_grep "^rvsh: " err &&
	domain_xml "../etc" >dots.xml &&
	test_must_fail "$RVSH" define dots.xml 2>err &&
	test_grep "^rvsh: " err
'

test_expect_success 'a second connection sees the same state' '
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK_RO" -r --script list --all >out &&
	test_grep "^-	web	shut off\$" out &&
	test_grep "^1	test	running\$" out
'

test_expect_success 'domains survive a daemon restart (same state dir)' '
	stop_rvirtd &&
	start_rvirtd &&
	"$RVSH" --script list --all >out &&
	test_grep "^-	web	shut off\$" out &&
	test_grep "^1	test	running\$" out &&
	test_line_count = 2 out
'

test_expect_success 'undefine removes it' '
	"$RVSH" undefine web &&
	test_must_fail "$RVSH" domstate web 2>err &&
	"$RVSH" --script list --all >out &&
	test_line_count = 1 out
'

test_expect_success 'rvirtd exits 0 on SIGTERM' '
	stop_rvirtd
'

test_done
