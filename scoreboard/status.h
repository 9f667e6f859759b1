/* SPDX-License-Identifier: MIT */
/* status: a scoreboard snapshot as text for people and for Prometheus. */
#ifndef RVIRT_SCOREBOARD_STATUS_H
#define RVIRT_SCOREBOARD_STATUS_H

#include <stdio.h>

#include "../common/rvirt_defs.h"
#include "scoreboard.h"

/*
 * Print snap like Apache's server-status: a summary (master pid,
 * generation, uptime, workers by state, totals, calls per second since
 * the start) and one row per slot in use (slot, pid, generation, state,
 * open and total connections, calls, seconds since the last state change,
 * current or last procedure, client).  Uptime and ages are computed from
 * the monotonic times in snap, so the output depends on snap alone.
 * Bytes of the client identity and procedure name that are not printable
 * ASCII are written as \xNN, so a hostile identity cannot drive the
 * terminal.  Returns 0, or -1 with *err when fp reports a write error.
 */
int status_print_text(const struct sb_snapshot *snap, FILE *fp,
		      struct rvirt_error *err);

/*
 * Print snap in the Prometheus text exposition format 0.0.4: every family
 * with its # HELP and # TYPE lines before its samples.  Families:
 * rvirtd_up, rvirtd_start_time_seconds, rvirtd_generation,
 * rvirtd_scoreboard_slots, rvirtd_workers{state} (gauges),
 * rvirtd_connections_accepted_total, rvirtd_calls_total,
 * rvirtd_worker_spawns_total, rvirtd_worker_crashes_total (counters), and
 * per slot in use rvirtd_worker_calls_total{slot,pid},
 * rvirtd_worker_connections_accepted_total{slot,pid},
 * rvirtd_worker_connections{slot,pid} and rvirtd_worker_info{slot,pid,
 * generation,state,procedure,client} (always 1).  Label values are
 * escaped (backslash, double quote, newline) and invalid UTF-8 is
 * replaced by U+FFFD.  Returns 0, or -1 with *err on a write error.
 */
int status_print_prometheus(const struct sb_snapshot *snap, FILE *fp,
			    struct rvirt_error *err);

#endif
