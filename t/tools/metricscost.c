/* SPDX-License-Identifier: MIT */
/* metricscost: what the counting hooks of one call cost, in ns. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../common/err.h"
#include "../../scoreboard/metrics.h"

/*
 * Usage: metricscost FILE N
 * Creates a metrics file at FILE (removed at the end), binds slot 0 and
 * times N rounds of the hooks a call makes (begin, outcome, end),
 * against N rounds of the same loop with the hooks unbound (their
 * early return), in one process.  Prints ns per call for both, and
 * what one clock_gettime(CLOCK_MONOTONIC) costs alone (a call's hooks
 * read the clock twice).
 */

/*
 * The loops are timed in this thread's CPU time, not on the wall
 * clock: on a loaded machine the wall clock also counts the time the
 * thread waited for a CPU, which inflates both loops by as much.
 */
static double
metricscost_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
metricscost_loop(long n)
{
	double t0 = metricscost_now();

	for (long i = 0; i < n; i++) {
		metrics_call_begin((int32_t)(i & 31));
		metrics_call_outcome(0);
		metrics_call_end();
	}
	return (metricscost_now() - t0) / (double)n;
}

static double
metricscost_clock(long n)
{
	struct timespec ts;
	double t0 = metricscost_now();
	long sink = 0;

	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sink += ts.tv_nsec;
	}
	if (sink == 42) /* keeps the loop */
		fputc(' ', stderr);
	return (metricscost_now() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	struct rvirt_error err;
	struct metrics *mx;
	double off, on, clk;
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: metricscost FILE N\n");
		return 2;
	}
	n = atol(argv[2]);
	mx = metrics_create(argv[1], 1, &err);
	if (!mx || n <= 0) {
		fprintf(stderr, "metricscost: %s\n",
			mx ? "bad N" : err.message);
		return 1;
	}
	off = metricscost_loop(n);
	metrics_worker_bind(mx, 0);
	on = metricscost_loop(n);
	metrics_worker_bind(NULL, 0);
	clk = metricscost_clock(n);
	printf("hooks of one call: %.1f ns counted, %.1f ns unbound "
	       "(%ld calls each); one clock_gettime(CLOCK_MONOTONIC): "
	       "%.1f ns (thread CPU time)\n",
	       on, off, n, clk);
	metrics_detach(mx);
	unlink(argv[1]);
	return 0;
}
