/* SPDX-License-Identifier: MIT */
/* ratelimit: at most a burst of similar log lines per interval, then a count. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl, uint64_t interval_ms, unsigned int burst)
{
	rl->interval_ms = interval_ms;
	rl->burst = burst;
	rl->window_start_ms = 0;
	rl->printed = 0;
	rl->suppressed = 0;
}

/* Start a new interval when the current one is over. */
static void
ratelimit_roll(struct ratelimit *rl, uint64_t now_ms)
{
	if (rl->printed == 0 && rl->window_start_ms == 0) {
		rl->window_start_ms = now_ms;
		return;
	}
	/* now_ms below the start (another clock reading) rolls too. */
	if (now_ms < rl->window_start_ms ||
	    now_ms - rl->window_start_ms >= rl->interval_ms) {
		rl->window_start_ms = now_ms;
		rl->printed = 0;
	}
}

bool
ratelimit_allow(struct ratelimit *rl, uint64_t now_ms, uint64_t *suppressed)
{
	ratelimit_roll(rl, now_ms);
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->printed++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

uint64_t
ratelimit_flush(struct ratelimit *rl, uint64_t now_ms)
{
	uint64_t n = rl->suppressed;

	if (n == 0 || (now_ms >= rl->window_start_ms &&
		       now_ms - rl->window_start_ms < rl->interval_ms))
		return 0;
	rl->suppressed = 0;
	/* The summary line is a line of the new interval. */
	rl->window_start_ms = now_ms;
	rl->printed = 1;
	return n;
}

uint64_t
ratelimit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
log_ratelimited(struct ratelimit *rl, int level, const char *fmt, ...)
{
	char line[1024];
	uint64_t dropped;
	va_list ap;

	if (!ratelimit_allow(rl, ratelimit_now_ms(), &dropped))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dropped)
		log_msg(level, "%s (suppressed %llu similar messages)", line,
			(unsigned long long)dropped);
	else
		log_msg(level, "%s", line);
}
