#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh: start rvirtd in ./run and drive it with rvsh, step by step.
#
# Usage: scripts/demo.sh [BUILD_DIR]   (default: build; `make demo` runs it)
#
# Everything lives under ./run (config, sockets, store, log): no root
# needed, TCP off.  The daemon is stopped on exit whatever happens; the
# exit status is non-zero if any step failed.

set -euo pipefail

BUILD=${1:-build}
RVIRTD=$BUILD/rvirtd
RVSH=$BUILD/rvsh
READY_TIMEOUT=${RVIRT_DEMO_TIMEOUT:-10}

for bin in "$RVIRTD" "$RVSH"; do
	if [ ! -x "$bin" ]; then
		echo "demo: '$bin' is missing: run 'make' first" >&2
		exit 1
	fi
done

RUN=$(pwd)/run
SOCK=$RUN/sock/rvirt-sock
# A unix socket path must fit in sun_path (107 bytes and a NUL).
if [ ${#SOCK} -gt 100 ]; then
	echo "demo: socket path '$SOCK' is too long for a unix socket;" \
		"run the demo from a shorter directory" >&2
	exit 1
fi

mkdir -p "$RUN/state" "$RUN/runtime" "$RUN/sock"
# A fresh store each time, so the demo always starts from the test
# driver's default domain and `define demo` cannot collide.
rm -rf "${RUN:?}/state/"* "$RUN/sock/"* "$RUN/rvirtd.log"

CONF=$RUN/rvirtd.conf
cat >"$CONF" <<EOF
# Written by scripts/demo.sh: everything under $RUN, TCP off.
state_dir = "$RUN/state"
runtime_dir = "$RUN/runtime"
unix_sock_dir = "$RUN/sock"
listen_tcp = 0
log_level = 3
log_outputs = "3:stderr"
EOF

LOG=$RUN/rvirtd.log
PID=

# Whether process $1 is running.  kill -0 is not enough: our exited
# child stays a zombie until it is waited for.
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# The pids whose parent is $1 (rvirtd's workers).
kids_of() {
	local f rest
	for f in /proc/[0-9]*/stat; do
		rest=$(sed 's/.*) //' "$f" 2>/dev/null) || continue
		set -- "$1" $rest
		[ "${3:-}" = "$1" ] && echo "${f#/proc/}" | cut -d/ -f1
	done
}

# Stop rvirtd with SIGTERM and wait for it, 5 s at most, then SIGKILL.
# Sets DAEMON_STATUS to its exit status (or 1 when it had to be killed).
DAEMON_STATUS=0
daemon_stop() {
	DAEMON_STATUS=0
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	for _ in $(seq 1 50); do
		alive "$PID" || break
		sleep 0.1
	done
	if alive "$PID"; then
		echo "demo: rvirtd did not stop within 5 s; killing it" >&2
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		DAEMON_STATUS=1
	else
		wait "$PID" 2>/dev/null || DAEMON_STATUS=$?
	fi
	PID=
}

on_exit() {
	local status=$?
	daemon_stop
	exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
	echo
	echo "\$ $*"
	if ! "$@"; then
		echo "demo: step failed: $*" >&2
		return 1
	fi
}

# Start rvirtd in the background and wait for its ready line, which is
# left in $ready.
daemon_start() {
	: >"$LOG"
	# 3>&-: fd 3 may be the rvsh FIFO below, whose end of input must
	# not wait for the daemon.
	"$RVIRTD" --foreground -f "$CONF" 2>>"$LOG" 3>&- &
	PID=$!
	ready=
	for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
		if grep -q "^rvirtd\[$PID\]: ready " "$LOG" 2>/dev/null; then
			ready=$(grep "^rvirtd\[$PID\]: ready " "$LOG" | head -n 1)
			break
		fi
		if ! alive "$PID"; then
			echo "demo: rvirtd exited before it was ready:" >&2
			cat "$LOG" >&2
			PID=
			exit 1
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "demo: rvirtd not ready after ${READY_TIMEOUT} s; its log:" >&2
		cat "$LOG" >&2
		exit 1
	fi
	echo "$ready"
}

echo "== starting rvirtd (config $CONF)"
daemon_start

# The socket the daemon actually listens on, from the ready line.
sock=${ready#*unix=}
sock=${sock%% *}
URI="test:///default?socket=$sock"

XML=$RUN/demo.xml
cat >"$XML" <<'EOF'
<domain type='test'>
  <name>demo</name>
  <memory unit='MiB'>256</memory>
  <vcpu placement='static' cpuset='0-1'>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
</domain>
EOF

echo
echo "== a client at work: rvsh -c '$URI' ..."
rvsh() {
	"$RVSH" -c "$URI" "$@"
}
step rvsh version
step rvsh nodeinfo
step rvsh list --all
echo
echo "\$ cat $XML"
cat "$XML"
step rvsh define "$XML"
step rvsh start demo
step rvsh list
step rvsh dominfo demo
step rvsh dumpxml demo
step rvsh destroy demo
step rvsh undefine demo
step rvsh list --all

echo
echo "== a session outlives the daemon: one rvsh, rvirtd killed and started again under it"
FIFO=$RUN/rvsh.in
rm -f "$FIFO"
mkfifo "$FIFO"
"$RVSH" -c "$URI" <"$FIFO" >"$RUN/rvsh.out" 2>&1 &
RVSH_PID=$!
exec 3>"$FIFO"
echo "rvsh> define $XML"
echo "define $XML" >&3
sleep 0.5
echo "\$ kill -KILL rvirtd and its workers; start rvirtd again"
kill -KILL $(kids_of "$PID") "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
PID=
daemon_start
echo "rvsh> start demo; list; destroy demo; undefine demo"
printf 'start demo\nlist\ndestroy demo\nundefine demo\n' >&3
exec 3>&-
rvsh_status=0
wait "$RVSH_PID" || rvsh_status=$?
sed 's/^/  | /' "$RUN/rvsh.out"
if [ "$rvsh_status" -ne 0 ] || ! grep -q "reconnected" "$RUN/rvsh.out"; then
	echo "demo: rvsh did not carry on across the restart" >&2
	exit 1
fi
echo "(the same rvsh process, the same session: it reconnected by itself)"

echo
echo "== every step succeeded; stopping rvirtd (pid $PID)"
daemon_stop
if [ "$DAEMON_STATUS" -ne 0 ]; then
	echo "demo: rvirtd exited with status $DAEMON_STATUS; its log:" >&2
	cat "$LOG" >&2
	exit 1
fi
if [ -e "$sock" ]; then
	echo "demo: rvirtd left its socket '$sock' behind" >&2
	exit 1
fi
echo "rvirtd stopped cleanly (exit status 0, sockets removed)"
echo "demo: OK"
