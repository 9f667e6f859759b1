/* SPDX-License-Identifier: MIT */
/* console: keystroke echo latency and flood throughput of a console, against a bare pty. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * console URI DOMAIN ROUNDS FLOOD-BYTES
 *
 * Baseline: a bare pty in raw mode with a child echoing each byte
 * (the least a console round trip can cost here), and a child writing
 * FLOOD-BYTES into the pty.  Then the same through librvirt against the
 * domain's console (rvirt-guest echoes what is typed): one keystroke
 * written, its echo read back (a parked CONSOLE_READ), and
 * "flood FLOOD-BYTES" read to its end.  Prints median and p99 in us
 * and bytes/s, and the ratios.  Numbers only, never pass/fail.  The
 * guest is not held back by a slow reader: what the 1 MiB log dropped
 * before it was read is printed, and bytes/s counts what was read.
 */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, int n, double *median)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*median = v[n / 2];
	printf("%-34s median %8.1f us  p99 %8.1f us  (%d rounds)\n", what,
	       v[n / 2], v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], n);
}

static int
read_exact(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A bare pty: echo round trips, then a flood; -1 on failure. */
static int
pty_baseline(int rounds, size_t flood, double *lat, double *bps)
{
	int m, s;
	struct termios t;
	pid_t pid;
	char c, buf[65536];
	size_t got = 0;
	double t0;

	if (openpty(&m, &s, NULL, NULL, NULL) < 0)
		return -1;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	pid = fork();
	if (pid == 0) {
		close(m);
		for (int i = 0; i < rounds; i++) {
			if (read(s, &c, 1) != 1 || write(s, &c, 1) != 1)
				_exit(1);
		}
		memset(buf, 'x', sizeof(buf));
		for (size_t left = flood; left > 0;) {
			size_t k = left < sizeof(buf) ? left : sizeof(buf);
			ssize_t w = write(s, buf, k);

			if (w <= 0)
				_exit(1);
			left -= (size_t)w;
		}
		/* Stay until the parent has read it all. */
		if (read(s, &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(s);
	for (int i = 0; i < rounds; i++) {
		c = 'a';
		t0 = now_us();
		if (write(m, &c, 1) != 1 || read_exact(m, &c, 1) < 0)
			return -1;
		lat[i] = now_us() - t0;
	}
	t0 = now_us();
	while (got < flood) {
		ssize_t n = read(m, buf, sizeof(buf));

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*bps = (double)flood / ((now_us() - t0) / 1e6);
	c = 'q';
	if (write(m, &c, 1) != 1)
		return -1;
	waitpid(pid, NULL, 0);
	close(m);
	return 0;
}

/* Read from con until want appears; -1 on error or after 10 s. */
static int
console_until(struct rvirt_console *con, const char *want, size_t *bytes)
{
	static char seen[256];
	static size_t nseen;
	char buf[65536];
	double deadline = now_us() + 10e6;
	struct rvirt_error err;

	nseen = 0;
	while (now_us() < deadline) {
		ssize_t n =
			rvirt_console_read(con, buf, sizeof(buf), 1000, &err);

		if (n < 0) {
			fprintf(stderr, "console: %s\n", err.message);
			return -1;
		}
		if (bytes)
			*bytes += (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (nseen == sizeof(seen) - 1) {
				memmove(seen, seen + 128, nseen - 128);
				nseen -= 128;
			}
			seen[nseen++] = buf[i];
		}
		seen[nseen] = '\0';
		if (memmem(seen, nseen, want, strlen(want)))
			return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct rvirt_console *con;
	struct rvirt_domain dom;
	struct rvirt_conn *conn;
	struct rvirt_error err;
	double *lat, bps_pty, bps_con, med_pty, med_con, t0;
	int rounds;
	size_t flood, bytes = 0;
	char cmd[64];

	if (argc != 5) {
		fprintf(stderr,
			"usage: console URI DOMAIN ROUNDS FLOOD-BYTES\n");
		return 2;
	}
	rounds = atoi(argv[3]);
	flood = (size_t)strtoull(argv[4], NULL, 10);
	lat = calloc((size_t)rounds, sizeof(*lat));
	if (!lat || rounds < 2)
		return 2;
	if (pty_baseline(rounds, flood, lat, &bps_pty) < 0) {
		fprintf(stderr, "console: the pty baseline failed\n");
		return 1;
	}
	report("bare pty echo", lat, rounds, &med_pty);

	conn = rvirt_conn_open(argv[1], 0, &err);
	if (!conn ||
	    rvirt_domain_lookup_by_name(conn, argv[2], &dom, &err) < 0 ||
	    !(con = rvirt_console_open(conn, &dom, RVIRT_CONSOLE_FORCE,
				       &err))) {
		fprintf(stderr, "console: %s\n", err.message);
		return 1;
	}
	/* Start at the end of what is there. */
	while (rvirt_console_read(con, cmd, sizeof(cmd), 0, &err) > 0)
		;
	for (int i = 0; i < rounds; i++) {
		/* A letter, then rub it out: the line never fills. */
		const char *key = i % 2 ? "\x7f" : "a";
		const char *echo = i % 2 ? "\b \b" : "a";

		t0 = now_us();
		if (rvirt_console_write(con, key, 1, &err) != 1 ||
		    console_until(con, echo, NULL) < 0) {
			fprintf(stderr, "console: round %d: %s\n", i,
				err.message);
			return 1;
		}
		lat[i] = now_us() - t0;
	}
	report("librvirt console echo", lat, rounds, &med_con);
	snprintf(cmd, sizeof(cmd), "\rflood %zu\r", flood);
	t0 = now_us();
	if (rvirt_console_write(con, cmd, strlen(cmd), &err) !=
		    (ssize_t)strlen(cmd) ||
	    console_until(con, "flood done", &bytes) < 0) {
		fprintf(stderr, "console: flood failed\n");
		return 1;
	}
	bps_con = (double)bytes / ((now_us() - t0) / 1e6);
	printf("%-34s %12.0f bytes/s\n", "bare pty flood", bps_pty);
	printf("%-34s %12.0f bytes/s (%zu bytes read, %llu the bounded log "
	       "dropped before they were read)\n",
	       "librvirt console flood", bps_con, bytes,
	       (unsigned long long)rvirt_console_lost(con));
	printf("ratios: echo latency %.1fx the bare pty, flood %.2fx its "
	       "throughput\n",
	       med_con / med_pty, bps_con / bps_pty);
	rvirt_console_close(con, &err);
	rvirt_conn_close(conn);
	free(lat);
	return 0;
}
