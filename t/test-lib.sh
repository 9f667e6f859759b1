# SPDX-License-Identifier: MIT
# test-lib.sh: TAP output, a trash dir and rvirtd helpers for every t/*.t.
#
# Sourced (POSIX sh) by each script as
#
#	. "$(dirname "$0")/test-lib.sh"
#
# The API:
#   test_expect_success 'title' 'commands'	eval'd in this shell, in $TRASH
#   test_expect_failure 'title' 'commands'	known breakage (TAP TODO)
#   test_skip 'title' 'reason'			one skipped test
#   skip_all 'reason'				skip the whole script
#   test_done					plan and exit status
#   test_must_fail CMD...	CMD (one of our programs) must fail cleanly:
#				not succeed, not die of a signal
#   test_cmp, test_grep, test_line_count	checks that explain failures
#   write_config [--tcp] FILE [key=value]...	an rvirtd.conf for the trash dir
#   start_rvirtd [CONFIG] / stop_rvirtd		see their comments
#   rawrpc ARGS...	t/tools/rawrpc.pl, the raw ONC RPC client
#
# Environment: RVIRT_BUILD (binaries, default <src>/build), RVIRT_SRC
# (the source tree), RVIRT_KEEP_TRASH (keep the trash dir of a failed
# script), RVIRT_TEST_VERBOSE (show every test's output),
# RVIRT_FAILURE_LOG (a file every failure's report is also appended to:
# `make check` prints it after prove's summary, where a CI log that
# keeps only its tail still shows why).  Daemons are waited for with
# timeouts; every process started here is stopped here.

RVIRT_SRC=${RVIRT_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
RVIRT_BUILD=${RVIRT_BUILD:-$RVIRT_SRC/build}
export RVIRT_SRC RVIRT_BUILD

# Sanitizer builds: a report must end the process so that nothing hides it.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$RVIRT_SRC/t/lsan.supp}
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# Tests must not pick up a user's URI or locale.
unset RVIRT_DEFAULT_URI
LC_ALL=C
export LC_ALL

test_count=0
test_failed=0
test_fixed=0
test_broken=0
test_skipped=0
rvirtd_starts=0
RVIRTD_PID=
RVIRTD_SOCK=
RVIRTD_SOCK_RO=
RVIRTD_TCP_PORT=
RVIRTD_LOG=

# Short paths: a unix socket path must fit in 107 bytes.
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/rvt.XXXXXX") || {
	echo "1..0 # SKIP cannot create a trash directory"
	exit 1
}
export TRASH

# Print the diagnostics of a failure on stderr, which prove shows.
test_diag_ () {
	sed -e 's/^/# /' >&2
}

test_cleanup_ () {
	test_exit_=$?
	if test -n "$RVIRTD_PID"; then
		kill -TERM "$RVIRTD_PID" 2>/dev/null
		if ! test_wait_exit_ "$RVIRTD_PID" 50; then
			kill -KILL "$RVIRTD_PID" 2>/dev/null
		fi
		wait "$RVIRTD_PID" 2>/dev/null
		RVIRTD_PID=
	fi
	test_kill_leftovers_ >/dev/null 2>&1
	test_kill_trash_procs_
	cd / || :
	if test "$test_failed" -gt 0 || test "$test_exit_" -ne 0; then
		if test -n "$RVIRT_KEEP_TRASH"; then
			echo "# trash directory kept: $TRASH" >&2
			return
		fi
	fi
	rm -rf "$TRASH"
}
trap 'test_cleanup_' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$TRASH" || exit 1

# --- TAP ----------------------------------------------------------------

# Run $2 in this shell with its output in a file; status in test_status_.
test_run_ () {
	test_out_=$TRASH/.test-output
	cd "$TRASH" || return 1
	if test -n "$RVIRT_TEST_VERBOSE"; then
		eval "$1" </dev/null 2>&1
		test_status_=$?
	else
		eval "$1" </dev/null >"$test_out_" 2>&1
		test_status_=$?
	fi
	cd "$TRASH" || return 1
	return 0
}

test_report_failure_ () {
	{
		echo "failed: $(basename "$0") #$test_count: $1"
		echo "commands:"
		printf '%s\n' "$2"
		echo "exit status: $test_status_; output:"
		if test -f "$TRASH/.test-output"; then
			tail -n 200 "$TRASH/.test-output" | sed -e '$a\'
		fi
	} >"$TRASH/.test-report"
	test_diag_ <"$TRASH/.test-report"
	if test -n "$RVIRT_FAILURE_LOG"; then
		sed -e 's/^/# /' "$TRASH/.test-report" >>"$RVIRT_FAILURE_LOG"
	fi
}

test_expect_success () {
	if test $# -ne 2; then
		echo "bug in the test script: test_expect_success takes 2 arguments" >&2
		exit 1
	fi
	test_count=$((test_count + 1))
	test_run_ "$2"
	if test "$test_status_" -eq 0; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		test_report_failure_ "$1" "$2"
	fi
}

# A known breakage: reported as TAP TODO, so it never fails the script.
test_expect_failure () {
	if test $# -ne 2; then
		echo "bug in the test script: test_expect_failure takes 2 arguments" >&2
		exit 1
	fi
	test_count=$((test_count + 1))
	test_run_ "$2"
	if test "$test_status_" -eq 0; then
		test_fixed=$((test_fixed + 1))
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

test_skip () {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

skip_all () {
	if test "$test_count" -gt 0; then
		echo "bug in the test script: skip_all after tests ran" >&2
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

test_done () {
	if test -n "$RVIRTD_PID"; then
		test_expect_success 'rvirtd stops cleanly at the end' 'stop_rvirtd'
	fi
	echo "1..$test_count"
	if test "$test_failed" -gt 0; then
		echo "# failed $test_failed among $test_count test(s)"
		exit 1
	fi
	exit 0
}

# --- checks -------------------------------------------------------------

# Only for our own programs: success is a failure, and so is a death by
# signal (a crash, a sanitizer abort), a missing command or a timeout(1)
# that expired.
test_must_fail () {
	"$@"
	test_mf_status_=$?
	if test "$test_mf_status_" -eq 0; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif test "$test_mf_status_" -ge 128; then
		echo "test_must_fail: died of signal $((test_mf_status_ - 128)): $*" >&2
		return 1
	elif test "$test_mf_status_" -eq 127 || test "$test_mf_status_" -eq 126; then
		echo "test_must_fail: cannot run: $*" >&2
		return 1
	elif test "$test_mf_status_" -eq 124 && test "$1" = timeout; then
		echo "test_must_fail: timed out: $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD exits with status N exactly.
test_expect_code () {
	test_ec_want_=$1
	shift
	"$@"
	test_ec_got_=$?
	if test "$test_ec_got_" = "$test_ec_want_"; then
		return 0
	fi
	echo "test_expect_code: expected status $test_ec_want_, got $test_ec_got_: $*" >&2
	return 1
}

# no_rvirtd_left: no rvirtd process of this script remains (waiting up
# to 10 s for one that is exiting); leftovers are shown and killed.
no_rvirtd_left () {
	test_nl_i_=0
	while test "$test_nl_i_" -lt 100; do
		test -z "$(test_procs_in_trash)" && return 0
		sleep 0.1
		test_nl_i_=$((test_nl_i_ + 1))
	done
	for test_nl_pid_ in $(test_procs_in_trash); do
		echo "no_rvirtd_left: rvirtd process $test_nl_pid_ left: $(tr '\0' ' ' <"/proc/$test_nl_pid_/cmdline")" >&2
		kill -KILL "$test_nl_pid_" 2>/dev/null
	done
	return 1
}

# closed_within FILE MIN MAX: FILE's last line is "closed after S.Ss"
# (from rawrpc's expect-close) with MIN <= S <= MAX.
closed_within () {
	if tail -n 1 "$1" | awk -v lo="$2" -v hi="$3" '
		$1 == "closed" && $2 == "after" {
			s = $3; sub(/s$/, "", s)
			if (s + 0 >= lo + 0 && s + 0 <= hi + 0) ok = 1
		}
		END { exit ok ? 0 : 1 }'; then
		return 0
	fi
	echo "closed_within: expected 'closed after S.Ss' with $2 <= S <= $3 in $1:" >&2
	cat "$1" >&2
	return 1
}

# test_cmp EXPECTED ACTUAL: equal files, or the diff.
test_cmp () {
	diff -u "$1" "$2"
}

# test_grep [-v] [grep options] PATTERN FILE: on failure show FILE.
test_grep () {
	test_grep_neg_=
	if test "$1" = "-v"; then
		test_grep_neg_=1
		shift
	fi
	eval "test_grep_file_=\${$#}"
	if test -n "$test_grep_neg_"; then
		if ! grep "$@" >/dev/null; then
			return 0
		fi
		echo "test_grep: found what should not be there: $*" >&2
	else
		if grep "$@" >/dev/null; then
			return 0
		fi
		echo "test_grep: not found: $*" >&2
	fi
	echo "--- $test_grep_file_:" >&2
	if test -f "$test_grep_file_"; then
		cat "$test_grep_file_" >&2
	fi
	return 1
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
test_line_count () {
	test_lc_=$(wc -l <"$3")
	if test "$test_lc_" "$1" "$2"; then
		return 0
	fi
	echo "test_line_count: $3 has $test_lc_ lines, expected $1 $2:" >&2
	cat "$3" >&2
	return 1
}

# --- processes ----------------------------------------------------------

# State letter of PID from /proc, empty when it is gone.
test_proc_state_ () {
	test_ps_line_=
	read -r test_ps_line_ 2>/dev/null <"/proc/$1/stat" || return 0
	test_ps_line_=${test_ps_line_##*) }
	echo "${test_ps_line_%% *}"
}

# True once PID has exited (gone or a zombie).
test_proc_gone_ () {
	case $(test_proc_state_ "$1") in
	'' | Z | X) return 0 ;;
	esac
	return 1
}

# Wait for PID to exit, polling every 0.1 s at most N times.
test_wait_exit_ () {
	test_we_i_=0
	while test "$test_we_i_" -lt "$2"; do
		test_proc_gone_ "$1" && return 0
		sleep 0.1
		test_we_i_=$((test_we_i_ + 1))
	done
	test_proc_gone_ "$1"
}

# on_pty SECS 'COMMAND': run the shell command COMMAND on a pseudo-terminal
# (script(1)), killed after SECS.  script(1) starts COMMAND with $SHELL -c;
# a shell left in between (dash does not exec the last command) dies of
# the Ctrl-C meant for COMMAND, so /bin/sh runs it with exec, whatever
# the caller's $SHELL (CI runs with none).
on_pty () {
	SHELL=/bin/sh timeout "$1" script -qec "exec $2" /dev/null
}

# children_of PID: its live children.
children_of () {
	for test_co_d_ in /proc/[0-9]*; do
		read -r test_co_l_ 2>/dev/null <"$test_co_d_/stat" || continue
		# After the command name: "STATE PPID ...".
		test_co_l_=${test_co_l_##*) }
		test_co_state_=${test_co_l_%% *}
		test_co_l_=${test_co_l_#* }
		if test "${test_co_l_%% *}" = "$1" && test "$test_co_state_" != Z
		then
			echo "${test_co_d_#/proc/}"
		fi
	done
}

# descendant_named PID NAME: the live descendants of PID whose command
# name (/proc/N/comm) is NAME.
descendant_named () {
	for test_dn_p_ in $(children_of "$1"); do
		read -r test_dn_c_ 2>/dev/null <"/proc/$test_dn_p_/comm" || continue
		test "$test_dn_c_" = "$2" && echo "$test_dn_p_"
		descendant_named "$test_dn_p_" "$2"
	done
}

# Live processes whose command line mentions the trash dir (an rvirtd
# started here, a daemonized one, or a worker it forked).
test_procs_in_trash () {
	# pgrep -f lists the candidates in one process: a loop over
	# /proc forking tr and grep for each took 18 s on a loaded host.
	for test_pt_pid_ in $(pgrep -f -- "$TRASH"); do
		test "$test_pt_pid_" = "$$" && continue
		test_proc_gone_ "$test_pt_pid_" && continue
		case $(readlink "/proc/$test_pt_pid_/exe" 2>/dev/null) in
		*/rvirtd) echo "$test_pt_pid_" ;;
		esac
	done
}

# Of those, the ones whose parent is not one of them: the masters (a
# prefork rvirtd shows as its master plus workers).
test_masters_in_trash () {
	test_mt_all_=" $(test_procs_in_trash | tr '\n' ' ') "
	for test_mt_pid_ in $test_mt_all_; do
		test_mt_pp_=$(sed -n 's/^PPid:[^0-9]*//p' "/proc/$test_mt_pid_/status" 2>/dev/null)
		case $test_mt_all_ in
		*" $test_mt_pp_ "*) ;;
		*) echo "$test_mt_pid_" ;;
		esac
	done
}

# At exit, whatever still runs on the trash dir: a domain's guest (its
# log is there), a console holder (its directory is in its argv), a
# background client of a test that failed half-way.  They were started
# by this script or by its daemon (a background load a test leaves to
# this cleanup, too); nothing of another script is touched (each has its
# own trash dir).
test_kill_trash_procs_ () {
	test_kt_pids_=$({
		pgrep -f -- "$TRASH"
		find /proc/[0-9]*/fd -maxdepth 1 -lname "$TRASH/*" 2>/dev/null |
			sed -n 's#^/proc/\([0-9]*\)/fd/.*#\1#p'
	} | sort -u)
	for test_kt_pid_ in $test_kt_pids_; do
		test "$test_kt_pid_" = "$$" && continue
		test_proc_gone_ "$test_kt_pid_" && continue
		# Named when the script failed: it may be what went wrong.
		if test "$test_failed" -gt 0 || test "$test_exit_" -ne 0; then
			echo "# killing process $test_kt_pid_ left on the trash dir: $(tr '\0' ' ' <"/proc/$test_kt_pid_/cmdline" 2>/dev/null)" >&2
		fi
		kill -KILL "$test_kt_pid_" 2>/dev/null
	done
}

test_kill_leftovers_ () {
	for test_kl_pid_ in $(test_procs_in_trash); do
		echo "killing leftover rvirtd process $test_kl_pid_" >&2
		kill -KILL "$test_kl_pid_" 2>/dev/null
	done
}

# --- configuration ------------------------------------------------------

# Keys whose values are strings: write_config quotes them.
test_string_key_ () {
	case $1 in
	listen_addr | unix_sock_dir | unix_sock_ro_perms | unix_sock_rw_perms | \
		unix_sock_group | auth_unix_rw | auth_unix_ro | auth_tcp | \
		state_dir | runtime_dir | log_outputs | store_sync | auth_tls | \
		key_file | cert_file | ca_file | crl_file | tls_priority | \
		sasl_config_dir | sasl_server_fqdn | metrics_listen | \
		metrics_auth_file)
		return 0 ;;
	esac
	return 1
}

# write_config [--tcp] FILE [key=value]...
# The test defaults (directories in the trash dir, log_level = 2,
# listen_addr = "127.0.0.1", tcp_port = 0), then each key=value replaces
# its key or is appended; "key=" removes the key.  String keys are
# quoted unless the value starts with '"' or '['; other values are
# written as they are (so "bogus_key=1" or 'tcp_port="x"' work too).
# --tcp adds listen_tcp = 1 and auth_tcp = "none".
write_config () {
	test_wc_tcp_=
	if test "$1" = --tcp; then
		test_wc_tcp_=1
		shift
	fi
	test_wc_file_=$1
	shift
	{
		echo "state_dir=$TRASH/state"
		echo "runtime_dir=$TRASH/run"
		echo "unix_sock_dir=$TRASH/run"
		echo "log_level=2"
		echo "log_outputs=1:stderr"
		echo "listen_addr=127.0.0.1"
		echo "tcp_port=0"
		if test -n "$test_wc_tcp_"; then
			echo "listen_tcp=1"
			echo "auth_tcp=none"
		fi
	} >"$test_wc_file_.kv"
	for test_wc_kv_ in "$@"; do
		test_wc_key_=${test_wc_kv_%%=*}
		grep -v "^$test_wc_key_=" "$test_wc_file_.kv" >"$test_wc_file_.kv2"
		mv "$test_wc_file_.kv2" "$test_wc_file_.kv"
		if test -n "${test_wc_kv_#*=}"; then
			printf '%s\n' "$test_wc_kv_" >>"$test_wc_file_.kv"
		fi
	done
	{
		echo "# rvirtd.conf written by write_config for $(basename "$0")"
		while IFS= read -r test_wc_kv_; do
			test_wc_key_=${test_wc_kv_%%=*}
			test_wc_val_=${test_wc_kv_#*=}
			if test_string_key_ "$test_wc_key_"; then
				case $test_wc_val_ in
				\"* | \[*) ;;
				*) test_wc_val_="\"$test_wc_val_\"" ;;
				esac
			fi
			printf '%s = %s\n' "$test_wc_key_" "$test_wc_val_"
		done <"$test_wc_file_.kv"
	} >"$test_wc_file_"
	rm -f "$test_wc_file_.kv"
}

# --- the daemon ---------------------------------------------------------

require_rvirtd () {
	if ! test -x "$RVIRT_BUILD/rvirtd"; then
		skip_all "rvirtd is not built in '$RVIRT_BUILD' (run make)"
	fi
}

# start_rvirtd [CONFIG]
# Runs "rvirtd --foreground -f CONFIG" (default: $TRASH/rvirtd.conf,
# written by write_config if missing) in its own session, stderr and
# stdout to $RVIRTD_LOG, and waits up to 30 s for the ready line
#	rvirtd[PID]: ready unix=PATH unix_ro=PATH[ tcp=ADDR:PORT][ tls=ADDR:PORT]
#		[ metrics=ADDR:PORT]
# Sets and exports RVIRTD_PID, RVIRTD_SOCK, RVIRTD_SOCK_RO,
# RVIRTD_TCP_PORT (empty without TCP), RVIRTD_TLS_PORT (same for TLS),
# RVIRTD_METRICS_PORT (same for the metrics exporter),
# RVIRTD_LOG and RVIRT_DEFAULT_URI.
# Fails, showing the log, if the line does not come or rvirtd dies.
# Call it in the script's own shell (not in $(...) or a subshell), so
# that stop_rvirtd can collect the exit status.
start_rvirtd () {
	if test -n "$RVIRTD_PID"; then
		echo "start_rvirtd: rvirtd $RVIRTD_PID is already running" >&2
		return 1
	fi
	test_sr_conf_=${1:-$TRASH/rvirtd.conf}
	if test -z "$1" && ! test -f "$test_sr_conf_"; then
		write_config "$test_sr_conf_"
	fi
	# Absolute: the trash dir in its argv is how test_procs_in_trash
	# finds the daemon's processes when they should be gone.
	case $test_sr_conf_ in
	/*) ;;
	*) test_sr_conf_=$TRASH/$test_sr_conf_ ;;
	esac
	rvirtd_starts=$((rvirtd_starts + 1))
	RVIRTD_LOG=$TRASH/rvirtd.$rvirtd_starts.log
	export RVIRTD_LOG
	# setsid: keep terminal signals away; the daemon is ours to stop.
	setsid "$RVIRT_BUILD/rvirtd" --foreground -f "$test_sr_conf_" \
		</dev/null >"$RVIRTD_LOG" 2>&1 &
	RVIRTD_PID=$!
	test_sr_i_=0
	test_sr_line_=
	while test "$test_sr_i_" -lt 300; do
		test_sr_line_=$(grep -m 1 '^rvirtd\[[0-9]*\]: ready ' "$RVIRTD_LOG")
		test -n "$test_sr_line_" && break
		if test_proc_gone_ "$RVIRTD_PID"; then
			wait "$RVIRTD_PID"
			echo "start_rvirtd: rvirtd exited with status $? before it was ready; its log:" >&2
			cat "$RVIRTD_LOG" >&2
			RVIRTD_PID=
			return 1
		fi
		sleep 0.1
		test_sr_i_=$((test_sr_i_ + 1))
	done
	if test -z "$test_sr_line_"; then
		echo "start_rvirtd: no ready line from rvirtd $RVIRTD_PID within 30 s; its log:" >&2
		cat "$RVIRTD_LOG" >&2
		kill -KILL "$RVIRTD_PID" 2>/dev/null
		wait "$RVIRTD_PID"
		RVIRTD_PID=
		return 1
	fi
	test_sr_pid_=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/^rvirtd\[\([0-9]*\)\]: ready .*/\1/p')
	RVIRTD_SOCK=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/.* unix=\([^ ]*\).*/\1/p')
	RVIRTD_SOCK_RO=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/.* unix_ro=\([^ ]*\).*/\1/p')
	RVIRTD_TCP_PORT=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/.* tcp=[^ ]*:\([0-9]*\).*/\1/p')
	RVIRTD_TLS_PORT=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/.* tls=[^ ]*:\([0-9]*\).*/\1/p')
	RVIRTD_METRICS_PORT=$(printf '%s\n' "$test_sr_line_" |
		sed -n 's/.* metrics=[^ ]*:\([0-9]*\).*/\1/p')
	RVIRT_DEFAULT_URI="test:///default?socket=$RVIRTD_SOCK"
	export RVIRTD_PID RVIRTD_SOCK RVIRTD_SOCK_RO RVIRTD_TCP_PORT
	export RVIRTD_TLS_PORT RVIRTD_METRICS_PORT
	export RVIRT_DEFAULT_URI
	if test "$test_sr_pid_" != "$RVIRTD_PID"; then
		echo "start_rvirtd: ready line names pid '$test_sr_pid_', rvirtd is $RVIRTD_PID: $test_sr_line_" >&2
		return 1
	fi
	if test -z "$RVIRTD_SOCK" || test -z "$RVIRTD_SOCK_RO"; then
		echo "start_rvirtd: malformed ready line: $test_sr_line_" >&2
		return 1
	fi
	return 0
}

# test_why_ VAR MESSAGE: append a line to the reasons collected in VAR.
test_why_ () {
	eval "$1=\"\$$1
\$2\""
}

# stop_rvirtd: SIGTERM by pid, wait up to 10 s (then SIGKILL and fail).
# Fails unless rvirtd exited with status 0, no process it had forked is
# left, and its log holds no sanitizer report.  On failure the end of
# the log comes first and the reasons last, where a short tail shows them.
stop_rvirtd () {
	if test -z "$RVIRTD_PID"; then
		echo "stop_rvirtd: no rvirtd running" >&2
		return 1
	fi
	test_st_pid_=$RVIRTD_PID
	test_st_kids_=$(children_of "$test_st_pid_")
	test_st_ret_=0
	test_st_why_=
	kill -TERM "$test_st_pid_"
	if ! test_wait_exit_ "$test_st_pid_" 100; then
		test_why_ test_st_why_ "stop_rvirtd: rvirtd $test_st_pid_ still running 10 s after SIGTERM; killed"
		kill -KILL "$test_st_pid_"
		test_st_ret_=1
	fi
	wait "$test_st_pid_"
	test_st_status_=$?
	RVIRTD_PID=
	if test "$test_st_ret_" -eq 0 && test "$test_st_status_" -ne 0; then
		test_why_ test_st_why_ "stop_rvirtd: rvirtd exited with status $test_st_status_"
		test_st_ret_=1
	fi
	# Workers get a moment to notice their master is gone (a loaded
	# machine's moment: 10 s).
	for test_st_k_ in $test_st_kids_; do
		test_wait_exit_ "$test_st_k_" 100 && continue
		test_why_ test_st_why_ "stop_rvirtd: process $test_st_k_ forked by rvirtd is still running; killed"
		kill -KILL "$test_st_k_" 2>/dev/null
		test_st_ret_=1
	done
	for test_st_k_ in $(test_procs_in_trash); do
		test_why_ test_st_why_ "stop_rvirtd: rvirtd process $test_st_k_ left behind; killed"
		kill -KILL "$test_st_k_" 2>/dev/null
		test_st_ret_=1
	done
	if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' \
		"$RVIRTD_LOG" >/dev/null; then
		test_why_ test_st_why_ "stop_rvirtd: sanitizer report in $RVIRTD_LOG"
		test_st_ret_=1
	fi
	if test "$test_st_ret_" -ne 0; then
		echo "--- $RVIRTD_LOG:" >&2
		tail -n 100 "$RVIRTD_LOG" >&2
		echo "--- why stop_rvirtd failed:$test_st_why_" >&2
	fi
	return "$test_st_ret_"
}

# Kill rvirtd with SIGKILL (to leave stale files behind, say) and reap it.
kill_rvirtd () {
	test -n "$RVIRTD_PID" || return 1
	kill -KILL "$RVIRTD_PID"
	wait "$RVIRTD_PID"
	RVIRTD_PID=
	return 0
}

# True while the rvirtd we started is alive.
# Kill the whole daemon started by start_rvirtd, master and workers at
# once, with SIGKILL: a crash of everything, as a power cut would leave
# the processes (not the disk).  The master is stopped (SIGSTOP) before
# its children are listed: a worker it forked between the list and the
# kill would outlive the "crash", get SIGTERM from its parent's death
# and serve clients while it drains (t/4000 #7 saw a client reconnect
# to one and be dropped by it again).
crash_rvirtd () {
	# After a USR2 upgrade the master is the pidfile's, not ours.
	test_cr_m_=$(rvirtd_master_pid) || test_cr_m_=$RVIRTD_PID
	test -n "$test_cr_m_" || return 1
	kill -STOP "$test_cr_m_" || return 1
	test_cr_i_=0
	# T: stopped; gone or a zombie: it forks nothing either.
	until case $(test_proc_state_ "$test_cr_m_") in
		T | Z | X | '') true ;;
		*) false ;;
		esac
	do
		if test "$test_cr_i_" -ge 3000; then
			echo "crash_rvirtd: master $test_cr_m_ not stopped 30 s after SIGSTOP (state $(test_proc_state_ "$test_cr_m_"))" >&2
			kill -KILL "$test_cr_m_"
			return 1
		fi
		sleep 0.01
		test_cr_i_=$((test_cr_i_ + 1))
	done
	test_cr_kids_=$(children_of "$test_cr_m_")
	# The children first: one whose master died before it would get
	# SIGTERM (PR_SET_PDEATHSIG) and could start a graceful stop, which
	# writes down its sessions, before its SIGKILL came (t/4012 #9).
	kill -KILL $test_cr_kids_ "$test_cr_m_"
	if test -n "$RVIRTD_PID"; then
		wait "$RVIRTD_PID"
		RVIRTD_PID=
	fi
	for test_cr_k_ in $test_cr_m_ $test_cr_kids_; do
		test_wait_exit_ "$test_cr_k_" 50 && continue
		echo "crash_rvirtd: $test_cr_k_ (state $(test_proc_state_ "$test_cr_k_")) still there 5 s after SIGKILL" >&2
		return 1
	done
	return 0
}

# crash_under_client URI: a librvirt client (t/tools/sessload) works on
# URI while the whole daemon is killed with SIGKILL and started again;
# true when the client saw one disconnect, one reconnect and no error.
crash_under_client () {
	rm -f cuc.stop
	"$RVIRT_BUILD/t/tools/sessload" -u "$1" -n 100000 -p cuc -s cuc.stop \
		>cuc.out 2>cuc.err &
	test_cuc_pid_=$!
	wait_until 100 "$RVIRT_BUILD/rvsh --script list --all | grep -q cuc-10" &&
		crash_rvirtd && start_rvirtd &&
		wait_until 150 "grep -q ^sessload:.reconnected cuc.err"
	test_cuc_ret_=$?
	touch cuc.stop
	wait "$test_cuc_pid_" || test_cuc_ret_=1
	cat cuc.out cuc.err
	test "$test_cuc_ret_" = 0 &&
		grep -q "errors=0 disconnects=1 reconnects=1 lost=0 .* id_gaps=0" cuc.out
}

rvirtd_alive () {
	test -n "$RVIRTD_PID" && ! test_proc_gone_ "$RVIRTD_PID"
}

# Resident set size of the running rvirtd, in KiB: the master and its
# workers together (the master serves no call; a worker does).
rvirtd_rss_kib () {
	test_rss_sum_=0
	for test_rss_pid_ in $(test_procs_in_trash); do
		test_rss_kib_=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' \
			"/proc/$test_rss_pid_/status" 2>/dev/null)
		test_rss_sum_=$((test_rss_sum_ + ${test_rss_kib_:-0}))
	done
	echo "$test_rss_sum_"
}

# rvirtd_no_crash: no worker of the rvirtd started last died of a signal
# or exited with an error (the master replaces such a worker, so only
# its log line tells).  Not for tests that kill workers on purpose.
rvirtd_no_crash () {
	if grep -E 'worker [0-9]+ (killed by signal|exited with status)' \
		"$RVIRTD_LOG" >&2; then
		echo "rvirtd_no_crash: a worker died; see $RVIRTD_LOG" >&2
		return 1
	fi
	return 0
}

# --- tools --------------------------------------------------------------

rawrpc () {
	perl "$RVIRT_SRC/t/tools/rawrpc.pl" "$@"
}

# rawrpc actions that open test:///default on the connection.
OPEN='call proc=CONNECT_OPEN arg=s:test:///default arg=u:0 decode=ret'

# wire_expect TARGET EXPECTED ACTION...: run rawrpc (timeout
# $WIRE_TIMEOUT, default 5 s) and compare its output with EXPECTED,
# lines separated by '|'.  Two normalisations: a session cookie
# ("accepted SUCCESS OK" and 32 bytes) reads "opened", and an error
# result reads "accepted SUCCESS ERROR CODE" (origin and message cut).
wire_expect () {
	test_we_target_=$1
	printf '%s\n' "$2" | tr '|' '\n' >expect
	shift 2
	rawrpc -t "${WIRE_TIMEOUT:-5}" "$test_we_target_" "$@" >actual.raw
	test_we_status_=$?
	sed -e 's/^accepted SUCCESS OK [0-9a-f]\{64\}$/opened/' \
		-e 's/^\(accepted SUCCESS ERROR -*[0-9]*\) .*/\1/' \
		actual.raw >actual
	if test "$test_we_status_" -ne 0; then
		echo "wire_expect: rawrpc exited with status $test_we_status_:" >&2
		cat actual.raw >&2
		return 1
	fi
	test_cmp expect actual
}

# Wait up to $2 tenths of a second for file $1 to exist.
test_wait_for_file () {
	test_wf_i_=0
	while test "$test_wf_i_" -lt "$2"; do
		test -e "$1" && return 0
		sleep 0.1
		test_wf_i_=$((test_wf_i_ + 1))
	done
	test -e "$1"
}

# --- the prefork master -------------------------------------------------

# rvirtd_status [ARGS...]: "rvirtd status" for the daemon of this script
# (write_config's runtime_dir).
rvirtd_status () {
	"$RVIRT_BUILD/rvirtd" status --runtime-dir "$TRASH/run" "$@"
}

# worker_pids [STATE]: pids of the workers in the scoreboard, one per
# line, only those in STATE (idle, busy, ...) when given.
worker_pids () {
	rvirtd_status >"$TRASH/.status" 2>/dev/null || return 1
	awk -v st="${1:-}" '
		$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ &&
		(st == "" || $4 == st) { print $2 }' "$TRASH/.status"
}

# rvirtd_generation: the generation the scoreboard shows.
rvirtd_generation () {
	rvirtd_status 2>/dev/null |
		sed -n 's/^rvirtd master [0-9]* (running), generation \([0-9]*\),.*/\1/p'
}

# rvirtd_master_pid: the pid in the pidfile (the master after upgrades).
rvirtd_master_pid () {
	read -r test_mp_pid_ <"$TRASH/run/rvirtd.pid" 2>/dev/null || return 1
	echo "$test_mp_pid_"
}

# wait_until N 'COMMANDS': poll COMMANDS every 0.1 s until they succeed,
# N times at most but never fewer than 300 (30 s): N says what the test
# expects, and a loaded machine running the sanitizer build gets time
# to catch up.  Every caller waits for something that must happen, so a
# longer bound costs nothing when things work.
wait_until () {
	test_wu_n_=$1
	test "$test_wu_n_" -lt 300 && test_wu_n_=300
	test_wu_i_=0
	while test "$test_wu_i_" -lt "$test_wu_n_"; do
		eval "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
		test_wu_i_=$((test_wu_i_ + 1))
	done
	eval "$2"
}

# stop_rvirtd_master: stop_rvirtd for a daemon whose master changed
# (USR2): the first master must have exited 0 by now; SIGTERM goes to
# the pidfile's master, which is not our child, so its exit is watched
# in /proc; then no rvirtd process of this script may be left.
stop_rvirtd_master () {
	test_sm_ret_=0
	test_sm_why_=
	if test -n "$RVIRTD_PID"; then
		if test_wait_exit_ "$RVIRTD_PID" 100; then
			wait "$RVIRTD_PID"
			test_sm_st_=$?
			if test "$test_sm_st_" -ne 0; then
				test_why_ test_sm_why_ "stop_rvirtd_master: first master exited with status $test_sm_st_"
				test_sm_ret_=1
			fi
		else
			test_why_ test_sm_why_ "stop_rvirtd_master: first master $RVIRTD_PID still running"
			test_sm_ret_=1
		fi
		RVIRTD_PID=
	fi
	test_sm_pid_=$(rvirtd_master_pid) || {
		echo "stop_rvirtd_master: no pidfile" >&2
		return 1
	}
	kill -TERM "$test_sm_pid_"
	if ! test_wait_exit_ "$test_sm_pid_" 100; then
		test_why_ test_sm_why_ "stop_rvirtd_master: master $test_sm_pid_ still running 10 s after SIGTERM"
		test_sm_ret_=1
	fi
	if ! wait_until 30 'test -z "$(test_procs_in_trash)"'; then
		test_why_ test_sm_why_ "stop_rvirtd_master: rvirtd processes left: $(test_procs_in_trash)"
		test_sm_ret_=1
	fi
	if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' \
		"$RVIRTD_LOG" >/dev/null; then
		test_why_ test_sm_why_ "stop_rvirtd_master: sanitizer report in $RVIRTD_LOG"
		test_sm_ret_=1
	fi
	if test "$test_sm_ret_" -ne 0; then
		echo "--- $RVIRTD_LOG:" >&2
		tail -n 50 "$RVIRTD_LOG" >&2
		echo "--- why stop_rvirtd_master failed:$test_sm_why_" >&2
	fi
	return "$test_sm_ret_"
}
