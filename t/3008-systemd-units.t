#!/bin/sh
# SPDX-License-Identifier: MIT
# 3008-systemd-units: the shipped units pass systemd-analyze verify as
# make install writes them; the service is Type=notify with
# NotifyAccess=all and KillMode=process; the TCP and TLS socket units
# name their descriptors as rvirtd expects, on rvirtd.conf's default
# ports; NoNewPrivileges (the hardening that touches exec) leaves the
# process driver working.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-process.sh"
require_rvirtd

UNITS=$TRASH/units
mkdir -p "$UNITS"
# As mk/install.mk installs them, naming this build's rvirtd.
for u in "$RVIRT_SRC"/etc/*.service "$RVIRT_SRC"/etc/*.socket; do
	sed -e "s|/usr/sbin/rvirtd|$RVIRT_BUILD/rvirtd|g" \
		-e "s|/usr/sbin/rvirt-console-proxy|$RVIRT_BUILD/rvirt-console-proxy|g" \
		"$u" >"$UNITS/${u##*/}"
done

test_expect_success 'the service: Type=notify, NotifyAccess=all, KillMode=process' '
	s=$UNITS/rvirtd.service &&
	test_grep -x "Type=notify" "$s" &&
	test_grep -x "NotifyAccess=all" "$s" &&
	test_grep -x "KillMode=process" "$s" &&
	test_grep -x "NoNewPrivileges=yes" "$s" &&
	test_grep -x "ProtectSystem=full" "$s" &&
	test_grep -v "^MemoryDenyWriteExecute" "$s"
'

test_expect_success 'socket units: a name rvirtd knows, the default ports' '
	: >empty.conf && "$RVIRT_BUILD/rvirtd" -n -v -f "$TRASH/empty.conf" >dump &&
	tcp=$(sed -n "s/^tcp_port = //p" dump) &&
	tls=$(sed -n "s/^tls_port = //p" dump) &&
	test_grep -x "ListenStream=$tcp" "$UNITS/rvirtd-tcp.socket" &&
	test_grep -x "FileDescriptorName=tcp" "$UNITS/rvirtd-tcp.socket" &&
	test_grep -x "ListenStream=$tls" "$UNITS/rvirtd-tls.socket" &&
	test_grep -x "FileDescriptorName=tls" "$UNITS/rvirtd-tls.socket" &&
	test_grep -x "FileDescriptorName=rw" "$UNITS/rvirtd.socket" &&
	test_grep -x "FileDescriptorName=ro" "$UNITS/rvirtd-ro.socket"
'

# systemd-analyze verify needs no running systemd; where it cannot work
# at all (a trivial good unit fails), say so and skip.
if ! command -v systemd-analyze >/dev/null 2>&1; then
	test_skip 'systemd-analyze verify' 'systemd-analyze is not installed'
else
	printf '[Service]\nExecStart=/bin/true\n' >"$TRASH/probe.service"
	if ! (cd "$TRASH" && timeout 60 systemd-analyze verify --man=no \
		./probe.service) >/dev/null 2>&1; then
		test_skip 'systemd-analyze verify' \
			'systemd-analyze verify fails on a trivial unit here'
	else
		test_expect_success 'systemd-analyze verify: no warning on any unit' '
			(cd "$UNITS" && timeout 120 systemd-analyze verify --man=no \
				./*.service ./*.socket) >verify.out 2>&1 &&
			! test -s verify.out || { cat verify.out; false; }
		'
	fi
fi

if ! command -v setpriv >/dev/null 2>&1; then
	test_skip 'NoNewPrivileges and the process driver' 'setpriv is not installed'
else
	# rvirtd through setpriv --no-new-privs, as NoNewPrivileges=yes runs it.
	mkdir -p "$TRASH/nnp"
	printf '#!/bin/sh\nexec setpriv --no-new-privs "%s" "$@"\n' \
		"$RVIRT_BUILD/rvirtd" >"$TRASH/nnp/rvirtd"
	chmod +x "$TRASH/nnp/rvirtd"
	test_expect_success 'with no_new_privs a process domain starts and stops' '
		write_config rvirtd.conf &&
		saved=$RVIRT_BUILD && RVIRT_BUILD=$TRASH/nnp &&
		start_rvirtd; rc=$?; RVIRT_BUILD=$saved; test $rc = 0 &&
		test_grep "^NoNewPrivs:.*1" /proc/$(rvirtd_master_pid)/status &&
		process_xml nnp 2 >nnp.xml &&
		PRVSH create nnp.xml &&
		pid=$(guest_pid nnp) &&
		test_grep "^NoNewPrivs:.*1" /proc/$pid/status &&
		PRVSH destroy nnp &&
		wait_gone "$pid" &&
		stop_rvirtd
	'
fi

test_done
