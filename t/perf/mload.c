/* SPDX-License-Identifier: MIT */
/* mload: calls/s of NULL or GET_VERSION for the metrics benchmark. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * Usage:
 *   mload null|version URI CLIENTS SECONDS
 *	CLIENTS processes, each with its own connection, call NULL (or
 *	CONNECT_GET_VERSION) until SECONDS have passed; prints the total
 *	calls per second.
 *   mload define URI COUNT
 *	define COUNT test domains (mload-N) on one connection.
 * Not a test: t/perf/metrics.sh prints what it measures.
 */

#define MLOAD_CLIENTS_MAX 256

static double
mload_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
mload_client(const char *uri, bool version, double seconds, int out_fd)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	unsigned long n = 0;
	uint64_t v;
	double end;
	int r;

	if (!c) {
		fprintf(stderr, "mload: %s\n", err.message);
		return 1;
	}
	end = mload_now() + seconds;
	while (mload_now() < end) {
		for (int i = 0; i < 100; i++) {
			r = version ? rvirt_conn_get_version(c, &v, &err)
				    : rvirt_conn_ping(c, &err);
			if (r < 0) {
				fprintf(stderr, "mload: %s\n", err.message);
				return 1;
			}
		}
		n += 100;
	}
	rvirt_conn_close(c);
	return write(out_fd, &n, sizeof(n)) == sizeof(n) ? 0 : 1;
}

static int
mload_calls(const char *uri, bool version, int clients, double seconds)
{
	unsigned long total = 0, n;
	int fds[2], status, failed = 0;
	double t0, t1;

	if (clients < 1 || clients > MLOAD_CLIENTS_MAX || pipe(fds) < 0)
		return 2;
	t0 = mload_now();
	for (int i = 0; i < clients; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(fds[0]);
			_exit(mload_client(uri, version, seconds, fds[1]));
		}
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	t1 = mload_now();
	printf("%.0f\n", (double)total / (t1 - t0));
	return failed ? 1 : 0;
}

static int
mload_define(const char *uri, long count)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	struct rvirt_domain d;
	char xml[512];

	if (!c) {
		fprintf(stderr, "mload: %s\n", err.message);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		snprintf(xml, sizeof(xml),
			 "<domain type='test'><name>mload-%ld</name>"
			 "<memory unit='KiB'>65536</memory><vcpu>2</vcpu>"
			 "<os><type>hvm</type></os></domain>",
			 i);
		if (rvirt_domain_define_xml(c, xml, &d, &err) < 0) {
			fprintf(stderr, "mload: %s\n", err.message);
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
	if (argc == 5 &&
	    (!strcmp(argv[1], "null") || !strcmp(argv[1], "version")))
		return mload_calls(argv[2], !strcmp(argv[1], "version"),
				   atoi(argv[3]), atof(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "define"))
		return mload_define(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: mload null|version URI CLIENTS SECONDS\n"
			"       mload define URI COUNT\n");
	return 2;
}
