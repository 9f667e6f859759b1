/* SPDX-License-Identifier: MIT */
/* ratelimit: at most a burst of similar log lines per interval, then a count. */
#ifndef RVIRT_COMMON_RATELIMIT_H
#define RVIRT_COMMON_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

/*
 * One kind of repeated message (refusals, failed authentications,
 * timeouts): at most burst lines per interval_ms; the others are only
 * counted, and the next line that gets through says how many were
 * suppressed.  Initialise with RATELIMIT_INIT or ratelimit_init; no
 * release needed.  Not thread-safe: one per process (rvirtd's workers
 * are single-threaded).
 */
struct ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	uint64_t window_start_ms; /* start of the current interval */
	unsigned int printed;	  /* lines printed in this interval */
	uint64_t suppressed;	  /* lines dropped since the last one out */
};

#define RATELIMIT_INIT(interval, n)                     \
	{                                               \
		.interval_ms = (interval), .burst = (n) \
	}

/* The limits of rvirtd's repeated warnings: 5 lines per second per kind. */
#define RATELIMIT_DEFAULT_INTERVAL_MS 1000
#define RATELIMIT_DEFAULT_BURST 5
#define RATELIMIT_DEFAULT \
	RATELIMIT_INIT(RATELIMIT_DEFAULT_INTERVAL_MS, RATELIMIT_DEFAULT_BURST)

void ratelimit_init(struct ratelimit *rl, uint64_t interval_ms,
		    unsigned int burst);

/*
 * Whether a line may be printed at now_ms (any monotonic milliseconds).
 * When it may, *suppressed gets the number of lines dropped since the
 * last one printed (then reset to 0); when not, the drop is counted.
 */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
		     uint64_t *suppressed);

/*
 * Lines dropped and not yet reported once the interval they fell in is
 * over, or 0: for a periodic "suppressed N" line when no new line comes
 * to carry the count.  Resets the count it returns.
 */
uint64_t ratelimit_flush(struct ratelimit *rl, uint64_t now_ms);

/* CLOCK_MONOTONIC_COARSE in milliseconds. */
uint64_t ratelimit_now_ms(void);

/*
 * log_msg through rl: the line is printed (with " (suppressed N similar
 * messages)" appended when lines were dropped before it) or counted.
 */
void log_ratelimited(struct ratelimit *rl, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
