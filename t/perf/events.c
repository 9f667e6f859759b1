/* SPDX-License-Identifier: MIT */
/* events: lifecycle event latency, idle subscribers, calls with a subscription. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * Usage (t/perf/events.sh runs them against a daemon of its own):
 *   events latency URI SUBSCRIBERS EVENTS
 *       SUBSCRIBERS registrations (each a connection and a thread of
 *       librvirt); one more connection suspends and resumes domain
 *       "test" until EVENTS events were made.  Prints the median and
 *       99th percentile of (callback time - event time), the event time
 *       being taken by the daemon inside the committing transaction.
 *   events idle URI SUBSCRIBERS SECONDS
 *       registers, prints "ready", sleeps, prints this process's CPU
 *       time over the sleep (the daemon's is measured by the script).
 *   events calls URI SECONDS
 *       NULL calls/s on one connection without, then with, an event
 *       registration on that same connection.
 * Numbers only, never pass/fail.
 */

static pthread_mutex_t lat_lock = PTHREAD_MUTEX_INITIALIZER;
static double *lat_us;
static size_t lat_n, lat_cap;

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
lat_cb(struct rvirt_conn *conn, const struct rvirt_domain_event *ev,
       void *opaque)
{
	struct timespec ts;
	double us;

	(void)conn;
	(void)opaque;
	if (ev->kind == RVIRT_EVENT_LOST)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	us = ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec -
	      (double)ev->time_ns) /
	     1e3;
	pthread_mutex_lock(&lat_lock);
	if (lat_n < lat_cap)
		lat_us[lat_n++] = us;
	pthread_mutex_unlock(&lat_lock);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct rvirt_conn **
subscribe(const char *uri, int n)
{
	struct rvirt_conn **c = calloc((size_t)n, sizeof(*c));
	struct rvirt_error err;

	for (int i = 0; i < n; i++) {
		c[i] = rvirt_conn_open(uri, 0, &err);
		if (!c[i] ||
		    rvirt_conn_domain_event_register(c[i], NULL, 0, lat_cb,
						     NULL, NULL, &err) < 0) {
			fprintf(stderr, "events: subscriber %d: %s\n", i,
				err.message);
			exit(1);
		}
	}
	return c;
}

static int
latency(const char *uri, int subs, int events)
{
	struct rvirt_error err;
	struct rvirt_conn *drv;
	struct rvirt_domain dom;
	double t0;

	lat_cap = (size_t)subs * (size_t)events;
	lat_us = calloc(lat_cap, sizeof(double));
	subscribe(uri, subs);
	drv = rvirt_conn_open(uri, 0, &err);
	if (!drv || rvirt_domain_lookup_by_name(drv, "test", &dom, &err) < 0) {
		fprintf(stderr, "events: %s\n", err.message);
		return 1;
	}
	for (int i = 0; i < events; i++) {
		/* One at a time: each event is alone in the pipe. */
		size_t want = (size_t)subs * (size_t)(i + 1);

		if ((i % 2 ? rvirt_domain_resume(drv, &dom, &err)
			   : rvirt_domain_suspend(drv, &dom, &err)) < 0) {
			fprintf(stderr, "events: %s\n", err.message);
			return 1;
		}
		t0 = now_mono();
		for (;;) {
			size_t n;

			pthread_mutex_lock(&lat_lock);
			n = lat_n;
			pthread_mutex_unlock(&lat_lock);
			if (n >= want || now_mono() - t0 > 10)
				break;
			usleep(200);
		}
	}
	if (events % 2)
		rvirt_domain_resume(drv, &dom, &err);
	qsort(lat_us, lat_n, sizeof(double), cmp_double);
	printf("subscribers %d, events %d, deliveries %zu: commit to "
	       "callback median %.0f us, p99 %.0f us\n",
	       subs, events, lat_n, lat_n ? lat_us[lat_n / 2] : 0.0,
	       lat_n ? lat_us[(size_t)((double)lat_n * 0.99)] : 0.0);
	return 0;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
idle(const char *uri, int subs, int seconds)
{
	double c0;

	subscribe(uri, subs);
	c0 = cpu_s();
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned int)seconds);
	printf("client CPU over %d s with %d idle subscribers: %.3f s\n",
	       seconds, subs, cpu_s() - c0);
	return 0;
}

static double
ping_rate(struct rvirt_conn *c, double seconds)
{
	struct rvirt_error err;
	double t0 = now_mono(), t;
	long n = 0;

	do {
		for (int i = 0; i < 100; i++)
			if (rvirt_conn_ping(c, &err) < 0) {
				fprintf(stderr, "events: %s\n", err.message);
				exit(1);
			}
		n += 100;
		t = now_mono() - t0;
	} while (t < seconds);
	return (double)n / t;
}

static int
calls(const char *uri, int seconds)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	double without, with;

	if (!c) {
		fprintf(stderr, "events: %s\n", err.message);
		return 1;
	}
	without = ping_rate(c, seconds);
	if (rvirt_conn_domain_event_register(c, NULL, 0, lat_cb, NULL, NULL,
					     &err) < 0) {
		fprintf(stderr, "events: %s\n", err.message);
		return 1;
	}
	with = ping_rate(c, seconds);
	printf("NULL calls/s on one connection: without a subscription %.0f, "
	       "with one %.0f, ratio %.2f\n",
	       without, with, with / without);
	rvirt_conn_close(c);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "latency") == 0)
		return latency(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "idle") == 0)
		return idle(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "calls") == 0)
		return calls(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: events latency URI SUBS EVENTS | idle URI "
			"SUBS SECONDS | calls URI SECONDS\n");
	return 2;
}
