/* SPDX-License-Identifier: MIT */
/* null-rtt: NULL-call round trips per second, against a raw socket baseline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * Usage: null-rtt URI [SECONDS [SERVER_PID]]
 *
 * Prints three numbers measured in this run on this machine:
 *   - baseline: round trips per second of a 44-byte request and a 28-byte
 *     answer (the sizes of an ONC RPC NULL call and reply with record
 *     marks) between this process and a forked echo process over a unix
 *     socketpair: the cost of the kernel path alone;
 *   - rvirt: NULL calls per second through librvirt to the daemon at URI;
 *   - the ratio rvirt / baseline;
 *   - with SERVER_PID, the daemon's CPU time (user + system, from
 *     /proc/PID/stat) per call: unlike the wall-clock rates, this does
 *     not depend on what else the machine is doing.
 * Not a pass/fail test: t/perf/ is run by `make perf`.
 */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
full_io(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* User plus system CPU seconds of pid, or -1. */
static double
cpu_seconds(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Fields after the command name, which may hold blanks. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double
baseline(double seconds)
{
	char req[44] = { 0 }, rep[28] = { 0 };
	int sv[2], status;
	unsigned long n = 0;
	double t0, t1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		while (full_io(sv[1], req, sizeof(req), 0) == 0)
			if (full_io(sv[1], rep, sizeof(rep), 1) < 0)
				break;
		_exit(0);
	}
	close(sv[1]);
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++) {
			if (full_io(sv[0], req, sizeof(req), 1) < 0 ||
			    full_io(sv[0], rep, sizeof(rep), 0) < 0)
				return -1;
		}
		n += 1000;
		t1 = now();
	} while (t1 - t0 < seconds);
	close(sv[0]);
	waitpid(pid, &status, 0);
	return (double)n / (t1 - t0);
}

int
main(int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_conn *conn;
	double seconds = argc > 2 ? atof(argv[2]) : 2.0;
	long server = argc > 3 ? atol(argv[3]) : 0;
	double base, t0, t1, rate, cpu0 = -1, cpu1 = -1;
	unsigned long n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: null-rtt URI [SECONDS]\n");
		return 2;
	}
	base = baseline(seconds);
	conn = rvirt_conn_open(argv[1], 0, &err);
	if (!conn) {
		fprintf(stderr, "null-rtt: %s\n", err.message);
		return 1;
	}
	if (server > 0)
		cpu0 = cpu_seconds(server);
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++) {
			if (rvirt_conn_ping(conn, &err) < 0) {
				fprintf(stderr, "null-rtt: %s\n", err.message);
				return 1;
			}
		}
		n += 1000;
		t1 = now();
	} while (t1 - t0 < seconds);
	rate = (double)n / (t1 - t0);
	if (server > 0)
		cpu1 = cpu_seconds(server);
	rvirt_conn_close(conn);
	printf("uri: %s\n", argv[1]);
	printf("baseline socketpair round trips/s: %.0f\n", base);
	printf("rvirt NULL calls/s: %.0f (%.1f us per call)\n", rate,
	       1e6 / rate);
	printf("ratio rvirt/baseline: %.2f\n", rate / base);
	if (cpu0 >= 0 && cpu1 >= 0)
		printf("rvirtd CPU per NULL call: %.1f us (%lu calls)\n",
		       (cpu1 - cpu0) * 1e6 / (double)n, n);
	return 0;
}
