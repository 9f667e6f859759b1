# SPDX-License-Identifier: MIT
# lib-chaos.sh: librvirt clients doing lifecycle rounds while the whole
# daemon is SIGKILLed at random, upgraded (USR2) and reloaded (HUP);
# the result is judged from outside.  Used by t/4005-session-chaos.t (a
# few kills, in `make check`) and t/chaos/chaos.t (`make chaos`).
#
# Sourced after test-lib.sh (and lib-process.sh, for guest counting).
#
#   chaos_phase NAME DRIVER CLIENTS KILLS
#       DRIVER is "test" or "process".  Starts CLIENTS t/tools/sessload
#       clients (prefix NAME-cN, every 10th domain kept, shut off),
#       then, until KILLS kills are done (or RVIRT_CHAOS_SECONDS, by
#       default 1800, have passed: then it says so and stops early),
#       waits a random 0.1-0.8 s and does one event: a SIGKILL of the
#       whole daemon and a restart (5 in 8), a USR2 upgrade (2 in 8) or
#       a HUP reload (1 in 8), each waited for by its condition (the
#       first two events are an upgrade and a reload).  Then
#       it stops the clients and counts, from outside:
#         errors      errors the clients saw (and any stderr line that
#                     is not a disconnect/reconnect), clients that failed
#         lost        kept domains missing, domains left running
#         duplicated  domains of the clients that should not exist
#                     (an undefine lost, a define run twice)
#         orphans     rvirt-guest processes of this test left running
#       and prints one line "chaos: NAME ..." with them and the work
#       done, and the event that failed if one did (also appended to
#       $TRASH/chaos.summary).  True when all four are 0 and no event
#       failed.  The daemon is running before and after (its master may
#       have changed).

chaos_rand () {
	# An integer in [0, $1), from the kernel.
	echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

# chaos_event_ [R]: one event; R (0-7) chooses it, random without.  A
# failure says which event and which step (ce_what_).
chaos_event_ () {
	ce_r_=${1:-$(chaos_rand 8)}
	if test "$ce_r_" -lt 5; then
		ce_what_="kill: crash_rvirtd (master $(rvirtd_master_pid))"
		crash_rvirtd || return 1
		ce_what_="kill: start_rvirtd after it"
		start_rvirtd rvirtd.conf || return 1
		chaos_kills=$((chaos_kills + 1))
	elif test "$ce_r_" -lt 7; then
		ce_what_="upgrade: no master in the pidfile"
		ce_old_=$(rvirtd_master_pid) || return 1
		ce_what_="upgrade: SIGUSR2 to master $ce_old_"
		kill -USR2 "$ce_old_" || return 1
		ce_what_="upgrade: the pidfile still names $ce_old_ after 30 s"
		wait_until 300 "test \"\$(rvirtd_master_pid)\" != $ce_old_" ||
			return 1
		ce_what_="upgrade: old master $ce_old_ still running after 30 s"
		test_wait_exit_ "$ce_old_" 300 || return 1
		chaos_upgrades=$((chaos_upgrades + 1))
	else
		ce_what_="reload: no generation from rvirtd status"
		ce_gen_=$(rvirtd_generation) && test -n "$ce_gen_" || return 1
		ce_what_="reload: SIGHUP to master $(rvirtd_master_pid)"
		kill -HUP "$(rvirtd_master_pid)" || return 1
		ce_what_="reload: generation still $ce_gen_ after 30 s"
		wait_until 300 "test \"\$(rvirtd_generation)\" -gt $ce_gen_" ||
			return 1
		chaos_reloads=$((chaos_reloads + 1))
	fi
}

# chaos_event_failed_: what a failed event left: the daemon's processes
# on the trash dir and the end of the newest log.
chaos_event_failed_ () {
	echo "# chaos: $cp_name_: event $cp_n_ failed: $ce_what_"
	echo "# rvirtd processes of this script (pid ppid state):"
	for ce_p_ in $(test_procs_in_trash); do
		echo "#   $ce_p_ $(sed -n 's/^PPid:[^0-9]*//p' "/proc/$ce_p_/status")" \
			"$(test_proc_state_ "$ce_p_")"
	done
	echo "# the end of $RVIRTD_LOG:"
	tail -n 40 "$RVIRTD_LOG" 2>/dev/null | sed -e 's/^/#   /'
}

chaos_guests_ () {
	for cg_pid_ in $(pgrep -f "^rvirt-guest --name $1-"); do
		case $(readlink "/proc/$cg_pid_/fd/2" 2>/dev/null) in
		"$TRASH"/*) proc_live "$cg_pid_" && echo "$cg_pid_" ;;
		esac
	done
}

chaos_phase () {
	cp_name_=$1 cp_drv_=$2 cp_clients_=$3 cp_kills_=$4
	cp_deadline_=$(($(date +%s) + ${RVIRT_CHAOS_SECONDS:-1800}))
	if test "$cp_drv_" = process; then
		cp_uri_="process://$PROCESS_PATH?socket=$RVIRTD_SOCK"
		cp_x_=-x
	else
		cp_uri_="test:///default?socket=$RVIRTD_SOCK"
		cp_x_=
	fi
	chaos_kills=0 chaos_upgrades=0 chaos_reloads=0
	rm -f "$cp_name_.stop"
	cp_pids_=
	cp_c_=1
	while test "$cp_c_" -le "$cp_clients_"; do
		"$RVIRT_BUILD/t/tools/sessload" -u "$cp_uri_" $cp_x_ -c -k 10 \
			-n 1000000 -p "$cp_name_-c$cp_c_" -s "$cp_name_.stop" \
			>"$cp_name_-c$cp_c_.out" 2>"$cp_name_-c$cp_c_.err" &
		cp_pids_="$cp_pids_ $!"
		cp_c_=$((cp_c_ + 1))
	done
	cp_t0_=$(date +%s)
	cp_ok_=0
	cp_n_=0
	while test "$chaos_kills" -lt "$cp_kills_"; do
		if test "$(date +%s)" -ge "$cp_deadline_"; then
			echo "# chaos: $cp_name_: time bound reached after $chaos_kills of $cp_kills_ kills" >&2
			break
		fi
		sleep "0.$(($(chaos_rand 8) + 1))"
		# The first two are an upgrade and a reload, so that even a
		# short run has one of each; then chance decides.
		case $cp_n_ in
		0) cp_ev_=5 ;;
		1) cp_ev_=7 ;;
		*) cp_ev_= ;;
		esac
		cp_n_=$((cp_n_ + 1))
		chaos_event_ $cp_ev_ || {
			chaos_event_failed_ >&2
			cp_ok_=1
			break
		}
	done
	touch "$cp_name_.stop"
	cp_errors_=0
	for cp_p_ in $cp_pids_; do
		wait "$cp_p_" || cp_errors_=$((cp_errors_ + 1))
	done
	cp_secs_=$(($(date +%s) - cp_t0_))
	cp_rounds_=0 cp_calls_=0
	for cp_f_ in "$cp_name_"-c*.out; do
		cat "$cp_f_" >&2
		cp_r_=$(sed -n 's/^rounds=\([0-9]*\) .*/\1/p' "$cp_f_")
		cp_n_=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' "$cp_f_")
		cp_e_=$(sed -n 's/.* errors=\([0-9]*\) .*/\1/p' "$cp_f_")
		cp_rounds_=$((cp_rounds_ + ${cp_r_:-0}))
		cp_calls_=$((cp_calls_ + ${cp_n_:-0}))
		cp_errors_=$((cp_errors_ + ${cp_e_:-1}))
	done
	cp_bad_=$(cat "$cp_name_"-c*.err | grep -cv "^sessload: \(dis\|re\)connected")
	grep -v "^sessload: \(dis\|re\)connected" "$cp_name_"-c*.err >&2
	cp_errors_=$((cp_errors_ + cp_bad_))
	# What must exist: the kept domains of every client, shut off.
	: >"$cp_name_.want"
	cp_c_=1
	while test "$cp_c_" -le "$cp_clients_"; do
		cp_r_=$(sed -n 's/^rounds=\([0-9]*\) .*/\1/p' "$cp_name_-c$cp_c_.out")
		cp_i_=10
		while test "$cp_i_" -le "${cp_r_:-0}"; do
			echo "$cp_name_-c$cp_c_-$cp_i_" >>"$cp_name_.want"
			cp_i_=$((cp_i_ + 10))
		done
		cp_c_=$((cp_c_ + 1))
	done
	sort -o "$cp_name_.want" "$cp_name_.want"
	"$RVIRT_BUILD/rvsh" -c "$cp_uri_" --script list --all >"$cp_name_.list" ||
		return 1
	cut -f 2 "$cp_name_.list" | grep "^$cp_name_-" | sort >"$cp_name_.got"
	cp_lost_=$(comm -23 "$cp_name_.want" "$cp_name_.got" | wc -l)
	cp_dup_=$(comm -13 "$cp_name_.want" "$cp_name_.got" | wc -l)
	"$RVIRT_BUILD/rvsh" -c "$cp_uri_" --script list >"$cp_name_.active" ||
		return 1
	cp_running_=$(cut -f 2 "$cp_name_.active" | grep -c "^$cp_name_-")
	cp_lost_=$((cp_lost_ + cp_running_))
	cp_orphans_=$(chaos_guests_ "$cp_name_" | wc -l)
	cp_evmsg_=
	test "$cp_ok_" = 0 || cp_evmsg_=" failed event: $ce_what_"
	echo "chaos: $cp_name_ driver=$cp_drv_ clients=$cp_clients_" \
		"kills=$chaos_kills upgrades=$chaos_upgrades" \
		"reloads=$chaos_reloads seconds=$cp_secs_ rounds=$cp_rounds_" \
		"calls=$cp_calls_ errors=$cp_errors_ lost=$cp_lost_" \
		"duplicated=$cp_dup_ orphans=$cp_orphans_$cp_evmsg_" |
		tee -a "$TRASH/chaos.summary"
	test "$cp_ok_" = 0 && test "$cp_errors_" = 0 && test "$cp_lost_" = 0 &&
		test "$cp_dup_" = 0 && test "$cp_orphans_" = 0
}

# chaos_stop: stop the daemon, whether its master is still the one
# start_rvirtd started (the last event was a kill) or an upgraded one.
chaos_stop () {
	if test -n "$RVIRTD_PID" && ! test_proc_gone_ "$RVIRTD_PID" &&
		test "$(rvirtd_master_pid)" = "$RVIRTD_PID"; then
		stop_rvirtd
	else
		stop_rvirtd_master
	fi
}
