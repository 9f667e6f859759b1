# SPDX-License-Identifier: MIT
# t/perf/lib-libvirtd.sh: a private libvirtd, the baseline the issues
# compare rvirtd with.  Debian 12's libvirt-daemon is libvirt 9.0, the
# version of issue 14's figures; scripts/deps.sh perf installs it, with
# libvirt-dev for t/perf/libvirt/setups.c.  Sourced after test-lib.sh.
#
# It runs with its own configuration, sockets and state under
# $TRASH/libvirtd, never the host's.  As root it runs as nobody: root's
# libvirtd is the system instance, whose QEMU driver will not start
# without the libvirt-qemu user of libvirt-daemon-system, and the whole
# daemon fails with it.  An unprivileged libvirtd is a session instance,
# which has the same remote protocol, test driver and listeners.

LIBVIRTD=${LIBVIRTD:-/usr/sbin/libvirtd}
LIBVIRT_SETUPS=$RVIRT_BUILD/t/perf/libvirt-setups
LIBVIRTD_PID=
LIBVIRTD_PORT=
LIBVIRTD_SOCK=

# libvirtd_missing: why there is no libvirtd baseline here, or false.
libvirtd_missing () {
	if ! test -x "$LIBVIRTD"; then
		echo "$LIBVIRTD is not installed (scripts/deps.sh perf)"
	elif ! test -x "$LIBVIRT_SETUPS"; then
		echo "$LIBVIRT_SETUPS is not built (libvirt-dev: scripts/deps.sh perf)"
	else
		return 1
	fi
}

# libvirtd_port_open PORT: true when something accepts on 127.0.0.1:PORT.
libvirtd_port_open () {
	perl -MIO::Socket::INET -e \
		'exit !IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]")' "$1"
}

# start_libvirtd: up to 5 random ports in 20000-31999 until one binds;
# sets LIBVIRTD_PID, LIBVIRTD_PORT (TCP on 127.0.0.1, no auth) and
# LIBVIRTD_SOCK (its read-write unix socket).  Fails saying why.  The
# ports are below Linux's ephemeral range (32768-60999): after a TCP
# benchmark most ports there are held by connections in TIME_WAIT, and
# libvirtd cannot bind one of those.
start_libvirtd () {
	test_sl_d_=$TRASH/libvirtd
	mkdir -p "$test_sl_d_/home" "$test_sl_d_/run"
	test_sl_as_=
	if test "$(id -u)" = 0; then
		chmod 711 "$TRASH"
		chown -R nobody:nogroup "$test_sl_d_"
		test_sl_as_="setpriv --reuid=nobody --regid=nogroup --clear-groups"
		# shellcheck disable=SC2086 # test_sl_as_ is a command line
		if ! $test_sl_as_ test -w "$test_sl_d_"; then
			echo "start_libvirtd: nobody cannot reach $test_sl_d_ (a directory above it is closed to others; TMPDIR?)" >&2
			return 1
		fi
	fi
	LIBVIRTD_SOCK=$test_sl_d_/libvirt-sock
	test_sl_try_=0
	while test "$test_sl_try_" -lt 5; do
		test_sl_try_=$((test_sl_try_ + 1))
		test_sl_rnd_=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		LIBVIRTD_PORT=$((20000 + test_sl_rnd_ % 12000))
		cat >"$test_sl_d_/libvirtd.conf" <<-EOF
		listen_tls = 0
		listen_tcp = 1
		listen_addr = "127.0.0.1"
		tcp_port = "$LIBVIRTD_PORT"
		auth_tcp = "none"
		auth_unix_rw = "none"
		unix_sock_dir = "$test_sl_d_"
		log_outputs = "1:stderr"
		EOF
		# shellcheck disable=SC2086 # test_sl_as_ is a command line
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME="$test_sl_d_/home" XDG_RUNTIME_DIR="$test_sl_d_/run" \
			$test_sl_as_ "$LIBVIRTD" --listen \
			-f "$test_sl_d_/libvirtd.conf" -p "$test_sl_d_/pid" \
			</dev/null >"$test_sl_d_/log" 2>&1 &
		LIBVIRTD_PID=$!
		test_sl_i_=0
		while test "$test_sl_i_" -lt 100; do
			test_proc_gone_ "$LIBVIRTD_PID" && break
			if test -S "$LIBVIRTD_SOCK" &&
				libvirtd_port_open "$LIBVIRTD_PORT"; then
				return 0
			fi
			sleep 0.1
			test_sl_i_=$((test_sl_i_ + 1))
		done
		echo "start_libvirtd: libvirtd did not listen on port $LIBVIRTD_PORT: $(grep -m 1 ': error : virNet' "$test_sl_d_/log")" >&2
		stop_libvirtd
		rm -f "$LIBVIRTD_SOCK" "$LIBVIRTD_SOCK-ro" "$LIBVIRTD_SOCK-admin"
	done
	echo "start_libvirtd: libvirtd did not start; the end of its log:" >&2
	tail -n 20 "$test_sl_d_/log" >&2
	return 1
}

# stop_libvirtd: SIGTERM, then SIGKILL after 10 s.
stop_libvirtd () {
	test -n "$LIBVIRTD_PID" || return 0
	kill -TERM "$LIBVIRTD_PID" 2>/dev/null
	test_wait_exit_ "$LIBVIRTD_PID" 100 ||
		kill -KILL "$LIBVIRTD_PID" 2>/dev/null
	wait "$LIBVIRTD_PID" 2>/dev/null
	LIBVIRTD_PID=
}
