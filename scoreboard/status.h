/* SPDX-License-Identifier: MIT */
/* status: a scoreboard snapshot as text for people and for Prometheus. */
#ifndef RVIRT_SCOREBOARD_STATUS_H
#define RVIRT_SCOREBOARD_STATUS_H

#include <stdio.h>

#include "../common/rvirt_defs.h"
#include "metrics.h"
#include "scoreboard.h"

/*
 * Print snap like Apache's server-status: a summary (master pid,
 * generation, uptime, workers by state, totals, calls per second since
 * the start) and one row per slot in use (slot, pid, generation, state,
 * open and total connections, calls, seconds since the last state change,
 * current or last procedure, client).  Uptime and ages are computed from
 * the monotonic times in snap, so the output depends on snap alone.
 * When ms is not NULL, the summed counters follow (metrics_print_text).
 * Bytes of the client identity and procedure name that are not printable
 * ASCII are written as \xNN, so a hostile identity cannot drive the
 * terminal.  Returns 0, or -1 with *err when fp reports a write error.
 */
int status_print_text(const struct sb_snapshot *snap,
		      const struct metrics_snapshot *ms, FILE *fp,
		      struct rvirt_error *err);

/*
 * Print snap in the Prometheus text exposition format 0.0.4: every family
 * with its # HELP and # TYPE lines before its samples.  Families:
 * rvirtd_up, rvirtd_start_time_seconds, rvirtd_generation,
 * rvirtd_scoreboard_slots, rvirtd_workers{state} (gauges),
 * rvirtd_connections_accepted_total, rvirtd_calls_total,
 * rvirtd_worker_spawns_total, rvirtd_worker_crashes_total (counters), and
 * per slot in use rvirtd_worker_calls_total{slot},
 * rvirtd_worker_connections_accepted_total{slot},
 * rvirtd_worker_connections{slot} and rvirtd_worker_info{slot,
 * generation,state,procedure,client} (always 1); no pid label, whose
 * values would grow without bound as workers recycle.  When ms is not
 * NULL, the counter families of metrics_print_prometheus follow: this
 * is the one formatter of `rvirtd status --format=prometheus` and of the
 * metrics exporter (server/exporter.c).  Label values are
 * escaped (backslash, double quote, newline) and invalid UTF-8 is
 * replaced by U+FFFD.  Returns 0, or -1 with *err on a write error.
 */
int status_print_prometheus(const struct sb_snapshot *snap,
			    const struct metrics_snapshot *ms, FILE *fp,
			    struct rvirt_error *err);

/*
 * The same in the format of mode (expofmt.h), without its end: the
 * metrics exporter adds the store's families, then expofmt_end.
 */
int status_print_exposition(const struct sb_snapshot *snap,
			    const struct metrics_snapshot *ms,
			    enum expofmt_mode mode, FILE *fp,
			    struct rvirt_error *err);

#endif
