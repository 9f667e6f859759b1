/* SPDX-License-Identifier: MIT */
/* load: concurrent clients calling NULL, or a connect loop with latencies. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"
#include "perf.h"

/*
 * Usage:
 *   load calls URI CLIENTS SECONDS
 *	CLIENTS processes, each with its own connection, call NULL until
 *	SECONDS have passed; prints the total calls per second.
 *   load null|version URI CLIENTS SECONDS
 *	the same, calling NULL or CONNECT_GET_VERSION, and printing only
 *	the calls per second (t/perf/metrics.sh).
 *   load connect URI SECONDS
 *	one process opens a connection, calls NULL and closes, again and
 *	again; prints how many rounds failed and the round latency (max,
 *	99th percentile, median).  Used while rvirtd is being upgraded.
 *   load define URI COUNT
 *	define COUNT test domains (mload-N) on one connection.
 * Not a test: t/perf/run.sh and t/perf/metrics.sh print what it
 * measures.
 */

#define LOAD_CLIENTS_MAX 256
#define LOAD_SAMPLES_MAX 1000000

static int
client(const char *uri, bool version, double seconds, int out_fd)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	unsigned long n = 0;
	double end;
	uint64_t v;
	int r;

	if (!c) {
		fprintf(stderr, "load: %s\n", err.message);
		return 1;
	}
	end = perf_now() + seconds;
	while (perf_now() < end) {
		for (int i = 0; i < 100; i++) {
			r = version ? rvirt_conn_get_version(c, &v, &err)
				    : rvirt_conn_ping(c, &err);
			if (r < 0) {
				fprintf(stderr, "load: %s\n", err.message);
				return 1;
			}
		}
		n += 100;
	}
	rvirt_conn_close(c);
	return write(out_fd, &n, sizeof(n)) == sizeof(n) ? 0 : 1;
}

struct load_client {
	const char *uri;
	bool version;
	double seconds;
};

static int
load_client(void *arg, int fd)
{
	const struct load_client *a = arg;

	return client(a->uri, a->version, a->seconds, fd);
}

/* terse: print only the calls per second. */
static int
run_calls(const char *uri, bool version, int clients, double seconds,
	  bool terse)
{
	struct load_client a = { uri, version, seconds };
	unsigned long total;
	int failed, rc;
	double t;

	if (clients < 1 || clients > LOAD_CLIENTS_MAX)
		return 2;
	rc = perf_clients_run(clients, load_client, &a, &total, 1, &failed, &t);
	if (rc)
		return rc;
	if (terse)
		printf("%.0f\n", (double)total / t);
	else
		printf("clients %d: %.0f calls/s (%lu calls, %d clients "
		       "failed)\n",
		       clients, (double)total / t, total, failed);
	return failed ? 1 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
run_connect(const char *uri, double seconds)
{
	double *lat = malloc(LOAD_SAMPLES_MAX * sizeof(*lat));
	unsigned long n = 0, failures = 0;
	double end = perf_now() + seconds;
	struct rvirt_error err;

	if (!lat)
		return 1;
	while (perf_now() < end && n < LOAD_SAMPLES_MAX) {
		double t0 = perf_now();
		struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);

		if (!c || rvirt_conn_ping(c, &err) < 0) {
			failures++;
			fprintf(stderr, "load: %s\n", err.message);
		}
		rvirt_conn_close(c);
		lat[n++] = perf_now() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("connect+NULL rounds: %lu, failed: %lu, latency max %.1f ms, "
	       "p99 %.2f ms, median %.2f ms\n",
	       n, failures, n ? lat[n - 1] * 1e3 : 0.0,
	       n ? lat[(size_t)((double)n * 0.99)] * 1e3 : 0.0,
	       n ? lat[n / 2] * 1e3 : 0.0);
	free(lat);
	return failures ? 1 : 0;
}

static int
run_define(const char *uri, long count)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	struct rvirt_domain d;
	char xml[512];

	if (!c) {
		fprintf(stderr, "load: %s\n", err.message);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		snprintf(xml, sizeof(xml),
			 "<domain type='test'><name>mload-%ld</name>"
			 "<memory unit='KiB'>65536</memory><vcpu>2</vcpu>"
			 "<os><type>hvm</type></os></domain>",
			 i);
		if (rvirt_domain_define_xml(c, xml, &d, &err) < 0) {
			fprintf(stderr, "load: %s\n", err.message);
			rvirt_conn_close(c);
			return 1;
		}
	}
	rvirt_conn_close(c);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "calls"))
		return run_calls(argv[2], false, atoi(argv[3]), atof(argv[4]),
				 false);
	if (argc == 5 &&
	    (!strcmp(argv[1], "null") || !strcmp(argv[1], "version")))
		return run_calls(argv[2], !strcmp(argv[1], "version"),
				 atoi(argv[3]), atof(argv[4]), true);
	if (argc == 4 && !strcmp(argv[1], "define"))
		return run_define(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return run_connect(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: load calls URI CLIENTS SECONDS\n"
			"       load null|version URI CLIENTS SECONDS\n"
			"       load connect URI SECONDS\n"
			"       load define URI COUNT\n");
	return 2;
}
