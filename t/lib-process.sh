# SPDX-License-Identifier: MIT
# lib-process.sh: helpers for the process driver's tests (t/5001-t/5009).
#
# Sourced after test-lib.sh.  Domain processes are meant to outlive
# rvirtd, so test-lib's stop does not end them: every test destroys the
# domains it starts, and each pid seen is recorded in $TRASH/domain-pids
# and killed at exit whatever happened.  What the tests check is read
# from the kernel (/proc), not from the driver's answers.
#
#   PRVSH ARGS...        rvsh on the process driver of the running rvirtd
#   guest_pid NAME       the live rvirt-guest process of domain NAME
#                        (of this test: its stderr goes below $TRASH)
#   thread_cpus PID      "COMM<TAB>Cpus_allowed_list" per thread, sorted
#   proc_live PID        true while PID exists and is not a zombie
#   host_cpus            the online CPUs, as the kernel lists them
#   need_cpus N          skip the rest of the script below N CPUs

RVSH=$RVIRT_BUILD/rvsh
if test "$(id -u)" = 0; then
	PROCESS_PATH=/system
else
	PROCESS_PATH=/session
fi

PRVSH () {
	"$RVSH" -c "process://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

proc_live () {
	case $(test_proc_state_ "$1") in
	'' | Z | X) return 1 ;;
	esac
	return 0
}

# The live rvirt-guest of a domain (its argv: rvirt-guest --name NAME ...).
guest_pid () {
	# pgrep narrows /proc down in one process; the exact check follows.
	for gp_pid_ in $(pgrep -f "^rvirt-guest --name "); do
		gp_d_=/proc/$gp_pid_
		gp_cmd_=$(tr '\0' '\n' <"$gp_d_/cmdline" 2>/dev/null | sed -n '1,3p' | tr '\n' ' ')
		# Ours only: other test runs on the machine name domains alike,
		# but their guests log to their own trash directories.
		case $(readlink "$gp_d_/fd/2" 2>/dev/null) in
		"$TRASH"/*) ;;
		*) continue ;;
		esac
		if test "$gp_cmd_" = "rvirt-guest --name $1 " && proc_live "$gp_pid_"; then
			echo "$gp_pid_" >>"$TRASH/domain-pids"
			echo "$gp_pid_"
			return 0
		fi
	done
	return 1
}

thread_cpus () {
	for tc_t_ in /proc/"$1"/task/*; do
		tc_comm_=$(cat "$tc_t_/comm" 2>/dev/null) || continue
		tc_cpus_=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$tc_t_/status" 2>/dev/null)
		printf '%s\t%s\n' "$tc_comm_" "$tc_cpus_"
	done | sort
}

host_cpus () {
	cat /sys/devices/system/cpu/online
}

# The number of online CPUs and the first and last of them.
HOST_NCPUS=$(getconf _NPROCESSORS_ONLN)
HOST_FIRST_CPU=$(sed 's/[-,].*//' /sys/devices/system/cpu/online)
HOST_LAST_CPU=$(sed 's/.*[-,]//' /sys/devices/system/cpu/online)

kill_recorded_domains_ () {
	test -f "$TRASH/domain-pids" || return 0
	for kr_pid_ in $(sort -u "$TRASH/domain-pids"); do
		if proc_live "$kr_pid_"; then
			echo "# killing domain process $kr_pid_ left by the test" >&2
			kill -KILL "$kr_pid_" 2>/dev/null
		fi
	done
}
trap 'kr_status_=$?; kill_recorded_domains_; (exit $kr_status_); test_cleanup_' EXIT

# Wait (at most 5 s) for a process to be gone.
wait_gone () {
	wg_i_=0
	while proc_live "$1" && test "$wg_i_" -lt 50; do
		sleep 0.1
		wg_i_=$((wg_i_ + 1))
	done
	! proc_live "$1"
}

process_xml () {
	# process_xml NAME VCPUS [CPUSET [EXTRA-IN-DOMAIN]]
	printf '<domain type="process">\n  <name>%s</name>\n' "$1"
	printf '  <memory unit="MiB">8</memory>\n'
	if test -n "$3"; then
		printf '  <vcpu placement="static" cpuset="%s">%s</vcpu>\n' "$3" "$2"
	else
		printf '  <vcpu placement="static">%s</vcpu>\n' "$2"
	fi
	test -n "$4" && printf '  %s\n' "$4"
	printf '  <os><type>hvm</type><cmdline>load=idle</cmdline></os>\n'
	printf '</domain>\n'
}
