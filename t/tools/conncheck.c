/* SPDX-License-Identifier: MIT */
/* conncheck: open URI N times, count this process's children, time the opens. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * Usage: conncheck [-r] URI N
 * Prints, for the N open/ping/close rounds in sequence:
 *	children while open: MAX
 *	children after close: MAX
 *	open+ping ms: min MIN median MED max MAX
 *	close ms: min MIN median MED max MAX
 * where children are live or zombie processes whose parent is this one
 * (from /proc), counted after the ping and after the close.  Exit 1
 * when an open or ping fails (its message on stderr, then "children
 * after failure: N" on stdout), 2 on bad usage.
 */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Processes whose PPid is ours, zombies included. */
static int
count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	pid_t me = getpid();

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], line[256];
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "PPid:", 5) == 0) {
				if (atoi(line + 5) == me)
					n++;
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	unsigned int flags = 0;
	int n, i, open_max = 0, after_max = 0;
	double *ms, *cms;

	if (argc > 1 && strcmp(argv[1], "-r") == 0) {
		flags = RVIRT_CONNECT_RO;
		argv++;
		argc--;
	}
	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > 10000) {
		fprintf(stderr, "usage: conncheck [-r] URI N\n");
		return 2;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	cms = calloc((size_t)n, sizeof(*cms));
	if (!ms || !cms)
		return 1;
	for (i = 0; i < n; i++) {
		struct rvirt_error err = { 0 };
		struct rvirt_conn *conn;
		double t0 = now_ms();
		int c;

		conn = rvirt_conn_open(argv[1], flags, &err);
		if (!conn || rvirt_conn_ping(conn, &err) < 0) {
			fprintf(stderr, "conncheck: %s\n", err.message);
			rvirt_conn_close(conn);
			printf("children after failure: %d\n",
			       count_children());
			free(ms);
			free(cms);
			return 1;
		}
		ms[i] = now_ms() - t0;
		c = count_children();
		if (c > open_max)
			open_max = c;
		t0 = now_ms();
		rvirt_conn_close(conn);
		cms[i] = now_ms() - t0;
		c = count_children();
		if (c > after_max)
			after_max = c;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	qsort(cms, (size_t)n, sizeof(*cms), cmp_double);
	printf("children while open: %d\n", open_max);
	printf("children after close: %d\n", after_max);
	printf("open+ping ms: min %.2f median %.2f max %.2f\n", ms[0],
	       ms[n / 2], ms[n - 1]);
	printf("close ms: min %.2f median %.2f max %.2f\n", cms[0], cms[n / 2],
	       cms[n - 1]);
	free(ms);
	free(cms);
	return 0;
}
