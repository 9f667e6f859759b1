#!/bin/sh
# SPDX-License-Identifier: MIT
# 2200-transport-ssh: the ssh transport against a real sshd on loopback.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-sshd.sh"
require_rvirtd
require_sshd

RVSH=$RVIRT_BUILD/rvsh
CONNCHECK=$RVIRT_BUILD/t/tools/conncheck
XML="<domain type='test'><name>ro1</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"

# ssh_uri SOCKET [MORE]: the test URI over our sshd, to rvirtd's SOCKET.
ssh_uri () {
	echo "test+ssh://root@127.0.0.1:$SSHD_PORT/default?$SSH_URI_VARS&socket=$1$2"
}

# Wrappers in the remote PATH that log their arguments.
write_wrappers () {
	cat >"$TRASH/bin/rvirt-ssh-helper" <<-EOF &&
	#!/bin/sh
	echo "\$*" >>"$TRASH/helper.log"
	exec "$RVIRT_BUILD/rvirt-ssh-helper" "\$@"
	EOF
	cat >"$TRASH/bin/lognc" <<-EOF &&
	#!/bin/sh
	echo "\$*" >>"$TRASH/nc.log"
	exec nc "\$@"
	EOF
	chmod +x "$TRASH/bin/rvirt-ssh-helper" "$TRASH/bin/lognc"
}

# No netcat of ours is left holding rvirtd's socket (netcat-openbsd
# stays after EOF on its stdin unless run with -N).
no_nc_left () {
	for d in /proc/[0-9]*; do
		if tr '\0' ' ' <"$d/cmdline" 2>/dev/null |
			grep -q -e "^nc .*-U $RVIRTD_SOCK"; then
			return 1
		fi
	done
	return 0
}

test_expect_success 'start rvirtd and a private sshd' '
	start_rvirtd &&
	start_sshd &&
	write_wrappers
'

test_expect_success 'native proxy: rvsh lists the domains over ssh' '
	rm -f helper.log &&
	"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&proxy=native")" list --all >out &&
	test_grep " test " out &&
	echo "--socket $RVIRTD_SOCK /default" >expect &&
	test_cmp expect helper.log
'

if command -v nc >/dev/null 2>&1; then
	test_expect_success 'netcat proxy: netcat= runs with -N -U SOCKET' '
		rm -f helper.log nc.log &&
		"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&proxy=netcat&netcat=lognc")" \
			list --all >out &&
		test_grep " test " out &&
		test_grep -x -e "-N -U $RVIRTD_SOCK" nc.log &&
		! test -e helper.log
	'
	test_expect_success 'netcat: no nc is left on the daemon side' '
		wait_until 30 no_nc_left
	'
	test_expect_success 'auto without rvirt-ssh-helper in the remote PATH: netcat' '
		rm -f helper.log nc.log &&
		mv bin/rvirt-ssh-helper bin/off &&
		"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&netcat=lognc")" list >out;
		st=$?; mv bin/off bin/rvirt-ssh-helper &&
		test "$st" = 0 &&
		test_grep " test " out &&
		test_grep -x -e "-N -U $RVIRTD_SOCK" nc.log
	'
else
	test_skip 'netcat proxy' 'no nc (install netcat-openbsd)'
	test_skip 'netcat: no nc left' 'no nc (install netcat-openbsd)'
	test_skip 'auto falls back to netcat' 'no nc (install netcat-openbsd)'
fi

test_expect_success 'auto with rvirt-ssh-helper in the remote PATH: native' '
	rm -f helper.log nc.log &&
	"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&netcat=lognc")" list >out &&
	test_grep " test " out &&
	test -s helper.log &&
	! test -e nc.log
'

test_expect_success 'socket= names the remote socket; its failure is in the message' '
	test_must_fail "$RVSH" -c "$(ssh_uri "$TRASH/nope" "&proxy=native")" \
		list 2>err &&
	test_grep -F "cannot connect to '\''root@127.0.0.1:$SSHD_PORT'\''" err &&
	test_grep -F "rvirt-ssh-helper: cannot connect to '\''$TRASH/nope'\'': no such file or directory" err
'

test_expect_success 'read-only over ssh: the helper gets --readonly, writes are refused' '
	rm -f helper.log &&
	printf "%s" "$XML" >ro1.xml &&
	"$RVSH" -r -c "$(ssh_uri "$RVIRTD_SOCK_RO" "&proxy=native")" list >out &&
	test_grep " test " out &&
	test_grep -x -e "--readonly --socket $RVIRTD_SOCK_RO /default" helper.log &&
	test_must_fail "$RVSH" -r -c "$(ssh_uri "$RVIRTD_SOCK_RO" "&proxy=native")" \
		define ro1.xml 2>err &&
	test_grep -i "read-only" err
'

test_expect_success 'a key sshd does not know is refused with ssh'\''s message' '
	test_must_fail "$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&keyfile=$TRASH/ssh/id_stranger")" \
		list 2>err &&
	test_grep -F "cannot connect to '\''root@127.0.0.1:$SSHD_PORT'\'': ssh: " err &&
	test_grep -F "Permission denied (publickey)" err
'

test_expect_success 'an unknown host key is refused (no_tty=1: no question asked)' '
	: >empty_known_hosts &&
	test_must_fail "$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&known_hosts=$TRASH/empty_known_hosts")" \
		list 2>err &&
	test_grep -F "Host key verification failed" err
'

test_expect_success 'the ssh process runs while open and is reaped at close' '
	"$CONNCHECK" "$(ssh_uri "$RVIRTD_SOCK" "&proxy=native")" 3 >out &&
	test_grep -x "children while open: 1" out &&
	test_grep -x "children after close: 0" out
'

test_expect_success 'failed connections leave no ssh behind either' '
	test_must_fail "$CONNCHECK" "$(ssh_uri "$RVIRTD_SOCK" "&keyfile=$TRASH/ssh/id_stranger")" \
		1 >out 2>err &&
	test_grep "Permission denied" err &&
	test_grep -x "children after failure: 0" out
'

test_expect_success 'after an rvirtd restart a new ssh connection works' '
	stop_rvirtd &&
	start_rvirtd &&
	"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&proxy=native")" list >out &&
	test_grep " test " out
'

test_expect_success 'a session goes on across a crash of rvirtd (a new ssh child)' '
	crash_under_client "$(ssh_uri "$RVIRTD_SOCK" "&proxy=native")"
'

# On the daemon's side: no bridge outlives its ssh session.
no_helper_left () {
	for d in /proc/[0-9]*; do
		if tr '\0' ' ' <"$d/cmdline" 2>/dev/null |
			grep -q -e "rvirt-ssh-helper.*$TRASH"; then
			return 1
		fi
	done
	return 0
}

test_expect_success 'no rvirt-ssh-helper is left on the daemon side' '
	wait_until 30 no_helper_left
'

test_expect_success 'ssh -vvv works: its stderr chatter is kept out of the output' '
	"$RVSH" -c "$(ssh_uri "$RVIRTD_SOCK" "&proxy=native")&command=ssh%20-F%20none%20-vvv" \
		list >out 2>err ||
		{ sed "s/^/# /" err | grep -v debug | tail -20; false; } &&
	test_grep " test " out &&
	test_grep -v "debug1" err
'

test_expect_success 'sshd stops' 'stop_sshd'

test_done
