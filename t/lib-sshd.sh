# SPDX-License-Identifier: MIT
# lib-sshd.sh: a private sshd on a loopback port for the ssh transport tests.
#
# Sourced after test-lib.sh.  Everything lives in the trash dir: host
# key, client keys, authorized_keys, known_hosts, sshd_config, pidfile
# and log; no system sshd or file is touched, except that sshd needs its
# privilege separation directory /run/sshd, created (0755) when missing.
#
#   require_sshd        skip the whole script when sshd cannot run here
#   start_sshd          start /usr/sbin/sshd -D -e on a free port; sets
#                       SSHD_PID, SSHD_PORT and SSH_URI_VARS (keyfile,
#                       known_hosts, no_tty=1, command=ssh -F none)
#   stop_sshd           SIGTERM by pid, bounded wait, reaped
#
# The remote PATH (sshd's SetEnv) starts with $TRASH/bin, where the tests
# put rvirt-ssh-helper and netcat wrappers.

SSHD=${SSHD:-/usr/sbin/sshd}
SSHD_PID=
SSHD_PORT=

# test-lib's exit trap, with sshd stopped first; $? passes through.
trap 'lib_sshd_st_=$?; stop_sshd; (exit "$lib_sshd_st_"); test_cleanup_' EXIT

require_sshd () {
	test -x "$SSHD" || skip_all "no $SSHD (install openssh-server)"
	command -v ssh >/dev/null 2>&1 ||
		skip_all "no ssh client (install openssh-client)"
	command -v ssh-keygen >/dev/null 2>&1 ||
		skip_all "no ssh-keygen (install openssh-client)"
	# sshd runs as root only: as another user it can log in nobody
	# but that user, and the privilege separation checks differ.
	test "$(id -u)" = 0 ||
		skip_all "sshd tests run as root (sshd's privilege separation)"
	if ! test -d /run/sshd; then
		echo "# creating /run/sshd (0755), which sshd needs"
		mkdir -m 0755 /run/sshd 2>/dev/null ||
			skip_all "cannot create /run/sshd"
	fi
	mkdir -p "$TRASH/ssh" "$TRASH/bin" &&
	ssh-keygen -q -t ed25519 -N '' -C host -f "$TRASH/ssh/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -C client -f "$TRASH/ssh/id_client" &&
	ssh-keygen -q -t ed25519 -N '' -C stranger -f "$TRASH/ssh/id_stranger" &&
	cp "$TRASH/ssh/id_client.pub" "$TRASH/ssh/authorized_keys" ||
		skip_all "ssh-keygen failed"
}

# start_sshd: up to 10 random ports in 20000-39999 until one binds.
start_sshd () {
	test_ss_try_=0
	while test "$test_ss_try_" -lt 10; do
		test_ss_try_=$((test_ss_try_ + 1))
		test_ss_rnd_=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		SSHD_PORT=$((20000 + (test_ss_rnd_ + test_ss_try_) % 20000))
		cat >"$TRASH/ssh/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $SSHD_PORT
		HostKey $TRASH/ssh/host_key
		AuthorizedKeysFile $TRASH/ssh/authorized_keys
		PidFile $TRASH/ssh/sshd.pid
		UsePAM no
		StrictModes no
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		X11Forwarding no
		PrintMotd no
		SetEnv PATH=$TRASH/bin:/usr/local/bin:/usr/bin:/bin
		EOF
		"$SSHD" -D -e -f "$TRASH/ssh/sshd_config" \
			</dev/null >"$TRASH/ssh/sshd.log" 2>&1 &
		SSHD_PID=$!
		test_ss_i_=0
		while test "$test_ss_i_" -lt 50; do
			if grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" \
				"$TRASH/ssh/sshd.log"; then
				echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$TRASH/ssh/host_key.pub")" \
					>"$TRASH/ssh/known_hosts"
				SSH_URI_VARS="keyfile=$TRASH/ssh/id_client&known_hosts=$TRASH/ssh/known_hosts&no_tty=1&command=ssh%20-F%20none"
				return 0
			fi
			test_proc_gone_ "$SSHD_PID" && break
			sleep 0.1
			test_ss_i_=$((test_ss_i_ + 1))
		done
		kill -TERM "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	done
	echo "start_sshd: sshd did not start; its last log:" >&2
	cat "$TRASH/ssh/sshd.log" >&2
	return 1
}

stop_sshd () {
	test -n "$SSHD_PID" || return 0
	kill -TERM "$SSHD_PID" 2>/dev/null
	if ! test_wait_exit_ "$SSHD_PID" 50; then
		kill -KILL "$SSHD_PID" 2>/dev/null
	fi
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
