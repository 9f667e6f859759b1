/* SPDX-License-Identifier: MIT */
/*
 * perf: what the t/perf programs share.  Each .c there is a program of
 * its own, so the shared code is static inline in this header.
 */
#ifndef RVIRT_T_PERF_PERF_H
#define RVIRT_T_PERF_PERF_H

#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Counters a client process hands back at most. */
#define PERF_COUNTERS_MAX 4

/* Seconds on the monotonic clock. */
static inline double
perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Fork clients processes that each run child(arg, fd), write n unsigned
 * longs (their counters) to fd and exit with child's return.  Adds up
 * the counters in total[0..n-1], counts in *failed the processes that
 * did not exit 0 and sets *seconds to the time from the first fork to
 * the last exit.  Returns 0; 2 when no pipe can be made, 1 when a fork
 * fails (the processes forked are left running).
 */
static inline int
perf_clients_run(int clients, int (*child)(void *arg, int fd), void *arg,
		 unsigned long *total, size_t n, int *failed, double *seconds)
{
	unsigned long rec[PERF_COUNTERS_MAX];
	int fds[2], status;
	double t0;

	if (n > PERF_COUNTERS_MAX || pipe(fds) < 0)
		return 2;
	t0 = perf_now();
	for (int i = 0; i < clients; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(fds[0]);
			_exit(child(arg, fds[1]));
		}
	}
	close(fds[1]);
	for (size_t i = 0; i < n; i++)
		total[i] = 0;
	while (read(fds[0], rec, n * sizeof(*rec)) ==
	       (ssize_t)(n * sizeof(*rec)))
		for (size_t i = 0; i < n; i++)
			total[i] += rec[i];
	*failed = 0;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			(*failed)++;
	*seconds = perf_now() - t0;
	return 0;
}

/* Setup clients at most (t/perf/setups, t/perf/libvirt/setups). */
#define PERF_SETUPS_CLIENTS_MAX 64

/* What a setups client process is given. */
struct perf_setups {
	const char *kind;  /* setups plain: "unix" or "tcp"; else NULL */
	const char *where; /* a path, a port or a URI */
	double seconds;
};

/*
 * CLIENTS processes run child(&(struct perf_setups){ kind, where,
 * seconds }, fd), which counts its good and failed rounds; prints
 * "setups/s N (R rounds, F failed)" and "client-cpu-us/setup U", the
 * CPU time (user + system) the client processes used per setup.
 * Returns 0, or 1 when a round or a client failed, 2 on bad arguments.
 * Call it once per process: its children are taken to be the clients.
 */
static inline int
perf_setups_run(int (*child)(void *arg, int fd), const char *kind,
		const char *where, int clients, double seconds)
{
	struct perf_setups a = { kind, where, seconds };
	unsigned long total[2];
	int failed, rc;
	struct rusage ru;
	double t, cpu;

	if (clients < 1 || clients > PERF_SETUPS_CLIENTS_MAX)
		return 2;
	rc = perf_clients_run(clients, child, &a, total, 2, &failed, &t);
	if (rc)
		return rc;
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	      ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
	printf("setups/s %.0f (%lu rounds, %lu failed)\n", (double)total[0] / t,
	       total[0], total[1]);
	printf("client-cpu-us/setup %.1f\n",
	       total[0] ? cpu * 1e6 / (double)total[0] : 0.0);
	return failed || total[1] ? 1 : 0;
}

#endif
