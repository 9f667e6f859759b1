#!/bin/sh
# SPDX-License-Identifier: MIT
# 5005-process-autostart: domains marked autostart start when the host's
# daemon first starts after a boot (boot id in the store), not on every
# restart.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

STOREMETA=$RVIRT_BUILD/t/tools/storemeta

test_expect_success 'start rvirtd (fresh store: it records this boot)' '
	write_config rvirtd.conf &&
	start_rvirtd &&
	process_xml auto 1 >auto.xml &&
	PRVSH define auto.xml &&
	PRVSH autostart auto &&
	process_xml manual 1 >manual.xml &&
	PRVSH define manual.xml
'

test_expect_success 'a restart in the same boot starts nothing' '
	stop_rvirtd &&
	"$STOREMETA" state get process:boot_id >boot &&
	cat /proc/sys/kernel/random/boot_id >expect &&
	test_cmp expect boot &&
	start_rvirtd &&
	PRVSH domstate auto >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	! guest_pid auto
'

test_expect_success 'the first start after a (faked) reboot starts it, only it' '
	stop_rvirtd &&
	"$STOREMETA" state put process:boot_id 00000000-0000-4000-8000-000000000000 &&
	start_rvirtd &&
	PRVSH domstate auto >out &&
	echo running >expect &&
	test_cmp expect out &&
	pid=$(guest_pid auto) &&
	PRVSH domstate manual >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'the boot is recorded: the next restart does not start it again' '
	PRVSH destroy auto &&
	stop_rvirtd &&
	"$STOREMETA" state get process:boot_id >boot &&
	cat /proc/sys/kernel/random/boot_id >expect &&
	test_cmp expect boot &&
	start_rvirtd &&
	PRVSH domstate auto >out &&
	echo "shut off" >expect &&
	test_cmp expect out
'

test_expect_success 'autostart --disable, and transient domains cannot be marked' '
	PRVSH autostart auto --disable &&
	stop_rvirtd &&
	"$STOREMETA" state put process:boot_id 00000000-0000-4000-8000-000000000001 &&
	start_rvirtd &&
	PRVSH domstate auto >out &&
	echo "shut off" >expect &&
	test_cmp expect out &&
	process_xml tr 1 >tr.xml &&
	PRVSH create tr.xml &&
	pid=$(guest_pid tr) &&
	test_must_fail PRVSH autostart tr 2>err &&
	test_grep "transient" err &&
	PRVSH destroy tr &&
	wait_gone "$pid"
'

test_done
