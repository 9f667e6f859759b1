/* SPDX-License-Identifier: MIT */
/* pool: which workers count as spare, from the time they spend awake. */
#ifndef RVIRT_SERVER_POOL_H
#define RVIRT_SERVER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "../scoreboard/scoreboard.h"

/*
 * A worker is busy when it was awake (not waiting for events) for at
 * least this share of the last sampling interval (the master's tick).
 */
#define POOL_BUSY_PCT 50

/* The master's last look at one worker's busy time. */
struct pool_sample {
	uint64_t busy_ns; /* the slot's busy_ns then */
	int64_t at_ns;	  /* when (the snapshot's CLOCK_MONOTONIC_COARSE) */
	unsigned int busy_pct; /* share of the last interval, percent */
	bool valid;	       /* busy_pct covers a whole interval */
};

/*
 * Take a new sample of the worker in si at now_ns, computing its busy
 * share since the previous one (the first sample only records).
 */
void pool_sample_update(struct pool_sample *ps, const struct sb_slot_info *si,
			int64_t now_ns);

/*
 * Whether the worker counts as spare: starting, or serving, busy less
 * than POOL_BUSY_PCT of the last interval and below cap connections
 * (the most a worker holds: it can take another), however many it
 * holds (idle consoles do not pin a worker).  Before a whole interval
 * has been measured: IDLE with no connection, the rule before busy time
 * was measured.
 */
bool pool_worker_idle(const struct sb_slot_info *si,
		      const struct pool_sample *ps, uint64_t cap);

/*
 * Whether the worker may be retired as surplus: spare, IDLE and holding
 * no connection (retiring one with idle connections would only move
 * them to another worker).
 */
bool pool_worker_retirable(const struct sb_slot_info *si,
			   const struct pool_sample *ps, uint64_t cap);

#endif
