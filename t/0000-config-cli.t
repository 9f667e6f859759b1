#!/bin/sh
# SPDX-License-Identifier: MIT
# 0000-config-cli: rvirtd -n, config errors and daemonizing, through the real binary.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVIRTD=$RVIRT_BUILD/rvirtd
write_config "$TRASH/good.conf"

# bad_config NAME LINE: CONTENT on stdin is a config whose error is on
# line LINE; rvirtd -n must exit 1 with "FILE:LINE:" on stderr.
bad_config () {
	cat >"$TRASH/$1.conf" &&
	test_expect_code 1 "$RVIRTD" -n -f "$TRASH/$1.conf" >out 2>err &&
	test_grep -F "$TRASH/$1.conf:$2: " err
}

test_expect_success 'rvirtd -n accepts a good file' '
	"$RVIRTD" -n -f "$TRASH/good.conf" >out 2>&1 &&
	test_grep -F "rvirtd: configuration '\''$TRASH/good.conf'\'' is valid" out
'

test_expect_success 'rvirtd -n accepts every documented key' '
	write_config all.conf listen_tcp=0 unix_sock_ro_perms=0777 \
		unix_sock_rw_perms=0700 unix_sock_group= auth_unix_rw=none \
		auth_unix_ro=none auth_tcp=none max_clients=5000 \
		idle_timeout=0 message_timeout=30 store_max_size=1024 \
		log_level=3 "log_outputs=3:stderr 4:file:$TRASH/x.log" &&
	"$RVIRTD" -n -f "$TRASH/all.conf" >out 2>&1 &&
	test_grep "is valid" out
'

test_expect_success 'rvirtd -n -v prints the configuration' '
	"$RVIRTD" -n -v -f "$TRASH/good.conf" >out 2>&1 &&
	test_grep "^log_level = 2" out &&
	test_grep "^state_dir = \"$TRASH/state\"" out
'

test_expect_success 'an unknown key is an error with its line' '
	bad_config unknown 3 <<-\EOF
	# a comment
	log_level = 2
	frobnicate = 1
	EOF
'

test_expect_success 'store_sync takes full or relaxed; the session keys their ranges' '
	write_config sync.conf store_sync=relaxed store_sync_interval=5 \
		store_gc_interval=30 session_ttl=600 session_max_replies=8 \
		reply_ttl=60 &&
	"$RVIRTD" -n -v -f "$TRASH/sync.conf" >out 2>&1 &&
	test_grep "^store_sync = \"relaxed\"" out &&
	test_grep "^session_max_replies = 8" out &&
	bad_config sync1 1 <<-\EOF &&
	store_sync = "fast"
	EOF
	test_grep "must be .full. or .relaxed., not .fast." err &&
	bad_config sync2 2 <<-\EOF
	log_level = 2
	session_max_replies = 0
	EOF
'

test_expect_success 'a string that is not a number where a number is wanted is an error' '
	bad_config type1 2 <<-\EOF
	log_level = 2
	tcp_port = "16609x"
	EOF
'

test_expect_success 'a quoted number is read as libvirtd.conf writes it' '
	cat >quoted.conf <<-\EOF &&
	tcp_port = "16509"
	EOF
	"$RVIRTD" -n -v -f "$TRASH/quoted.conf" >out 2>&1 &&
	test_grep "tcp_port = 16509" out
'

test_expect_success 'a number where a string is wanted is an error' '
	bad_config type2 1 <<-\EOF
	auth_tcp = 0
	EOF
'

test_expect_success 'a string for a 0/1 flag is an error' '
	bad_config type3 2 <<-\EOF

	listen_tcp = "yes"
	EOF
'

test_expect_success 'a bad auth value is an error' '
	bad_config value1 1 <<-\EOF
	auth_tcp = "kerberos"
	EOF
'

test_expect_success 'an out-of-range log_level is an error' '
	bad_config value2 2 <<-\EOF
	tcp_port = 0
	log_level = 7
	EOF
'

test_expect_success 'a port beyond 65535 is an error' '
	bad_config value3 1 <<-\EOF
	tcp_port = 70000
	EOF
'

test_expect_success 'non-octal socket permissions are an error' '
	bad_config value4 1 <<-\EOF
	unix_sock_ro_perms = "0999"
	EOF
'

test_expect_success 'a negative max_clients is an error' '
	bad_config value5 1 <<-\EOF
	max_clients = -1
	EOF
'

test_expect_success 'a bad log output is an error' '
	bad_config value6 1 <<-\EOF
	log_outputs = "3:nowhere"
	EOF
'

test_expect_success 'a syntax error is an error with its line' '
	bad_config syntax1 3 <<-\EOF
	log_level = 2

	listen_tcp = = 1
	EOF
'

test_expect_success 'an unterminated string is an error' '
	bad_config syntax2 2 <<-\EOF
	log_level = 2
	listen_addr = "127.0.0.1
	EOF
'

test_expect_success 'a key given twice is an error' '
	bad_config syntax3 2 <<-\EOF
	log_level = 2
	log_level = 3
	EOF
'

test_expect_success 'a missing -f file is an error, with -n and without' '
	test_expect_code 1 "$RVIRTD" -n -f "$TRASH/no-such.conf" >out 2>err &&
	test_grep -F "no-such.conf" err &&
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground \
		-f "$TRASH/no-such.conf" >out 2>err &&
	test_grep -F "no-such.conf" err &&
	no_rvirtd_left
'

test_expect_success 'a bad config in the foreground exits 1 and leaves nothing' '
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground \
		-f "$TRASH/unknown.conf" >out 2>err &&
	test_grep -F "$TRASH/unknown.conf:3: " err &&
	no_rvirtd_left
'

test_expect_success 'a bad config when daemonizing exits 1 and leaves nothing' '
	test_expect_code 1 timeout 10 "$RVIRTD" -f "$TRASH/syntax1.conf" \
		>out 2>err &&
	test_grep -F "$TRASH/syntax1.conf:3: " err &&
	no_rvirtd_left
'

test_expect_success 'a startup error is "rvirtd: message" with status 1' '
	: >not-a-dir &&
	write_config state.conf "state_dir=$TRASH/not-a-dir/state" &&
	test_expect_code 1 timeout 10 "$RVIRTD" --foreground \
		-f "$TRASH/state.conf" >out 2>err &&
	test_grep "^rvirtd: .*not-a-dir" err &&
	no_rvirtd_left
'

test_expect_success 'a startup error when daemonizing reaches the parent' '
	test_expect_code 1 timeout 10 "$RVIRTD" -f "$TRASH/state.conf" \
		>out 2>err &&
	test_grep "^rvirtd: .*not-a-dir" err &&
	no_rvirtd_left
'

test_expect_success 'rvirtd daemonizes: the parent exits 0 once it is ready' '
	write_config daemon.conf &&
	timeout 10 "$RVIRTD" -f "$TRASH/daemon.conf" >out 2>err &&
	# Ready means listening: the socket answers at once.
	test -S "$TRASH/run/rvirt-sock" &&
	test -S "$TRASH/run/rvirt-sock-ro" &&
	rawrpc -t 5 "$TRASH/run/rvirt-sock" call >reply &&
	echo "accepted SUCCESS" >expect &&
	test_cmp expect reply &&
	daemon=$(test_masters_in_trash) &&
	test -n "$daemon" &&
	test "$(echo $daemon | wc -w)" = 1 &&
	ppid=$(sed -n "s/^PPid:[^0-9]*//p" /proc/$daemon/status) &&
	test "$ppid" != "$$" &&
	kill -TERM $daemon &&
	test_wait_exit_ $daemon 100 &&
	! test -e "$TRASH/run/rvirt-sock" &&
	! test -e "$TRASH/run/rvirt-sock-ro" &&
	no_rvirtd_left
'

test_expect_success 'a daemonizing rvirtd behind a pipe: the pipe ends when the parent exits' '
	write_config daemon.conf &&
	timeout 10 sh -c "\"$RVIRTD\" -f \"$TRASH/daemon.conf\" 2>&1 | cat >piped.out" &&
	test_grep "ready unix=" piped.out &&
	daemon=$(test_masters_in_trash) &&
	test -n "$daemon" &&
	for w in $(children_of $daemon); do
		test "$(readlink /proc/$w/fd/2)" = /dev/null || return 1
	done &&
	kill -TERM $daemon &&
	test_wait_exit_ $daemon 100 &&
	no_rvirtd_left
'

test_expect_success 'rvirtd -v shows debug messages even where the outputs say warnings' '
	write_config verbose.conf log_level=3 log_outputs=3:stderr &&
	{ "$RVIRTD" -v --foreground -f "$TRASH/verbose.conf" 2>verbose.log &
	  v=$!; } &&
	wait_until 100 "grep -q \"ready unix=\" verbose.log" &&
	kill -TERM $v && wait $v &&
	test_grep ": debug: " verbose.log &&
	no_rvirtd_left
'

test_expect_success 'rvirtd -V prints a version' '
	"$RVIRTD" -V >out 2>&1 &&
	test_grep "[0-9]" out &&
	"$RVIRTD" --version >out 2>&1 &&
	test_grep "[0-9]" out
'

test_expect_success 'rvirtd -h prints the usage' '
	"$RVIRTD" -h >out 2>&1 &&
	test_grep -i "usage" out &&
	test_grep -e "-f" out
'

test_expect_success 'an unknown option is refused' '
	test_must_fail "$RVIRTD" --frobnicate >out 2>err &&
	test -s err &&
	no_rvirtd_left
'

test_done
