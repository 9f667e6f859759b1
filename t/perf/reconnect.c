/* SPDX-License-Identifier: MIT */
/* reconnect: how long after rvirtd listens again a client's call completes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * reconnect RVIRTD CONF SOCKET|URI LOG ROUNDS
 *
 * Starts RVIRTD --foreground -f CONF (its stderr in LOG) in a process
 * group of its own, and a client that pings it without pause.  ROUNDS
 * times: SIGKILL the whole group, start the daemon again and note when
 * its ready line appears (it listens before it says so).  For each
 * round it prints the time from that line to the client's first call
 * that completed after the reconnect, and from the SIGKILL, and at the
 * end the medians, next to the cost of a fresh open + ping (the floor
 * for any client).  A third argument with "://" is the URI to use (TCP:
 * CONF must name a fixed tcp_port), else the unix socket's path.
 */

#define RECONNECT_MAX 64

static const char *rvirtd, *conf, *sockpath, *logpath;
static pid_t daemon_pid;
static volatile int reconnects;

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Start the daemon; the time its ready line appeared, or < 0. */
static double
daemon_start(void)
{
	char buf[8192];
	int fd;
	double t0 = now_ms();

	/* The last daemon's ready line must not count for this one. */
	unlink(logpath);
	daemon_pid = fork();
	if (daemon_pid < 0)
		return -1;
	if (daemon_pid == 0) {
		int lfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setsid();
		if (lfd < 0)
			_exit(127);
		dup2(lfd, 2);
		dup2(lfd, 1);
		execl(rvirtd, rvirtd, "--foreground", "-f", conf, (char *)NULL);
		_exit(127);
	}
	while (now_ms() - t0 < 10000) {
		ssize_t n;

		fd = open(logpath, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, ": ready "))
				return now_ms();
		}
		usleep(200);
	}
	return -1;
}

static void
daemon_kill(void)
{
	kill(-daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	/* The workers are in the group too; give the kernel a moment. */
	usleep(20000);
}

static void
on_event(struct rvirt_conn *conn, int event, const struct rvirt_error *why,
	 void *opaque)
{
	(void)conn;
	(void)why;
	(void)opaque;
	if (event == RVIRT_CONN_EVENT_RECONNECTED)
		reconnects++;
}

struct pinger {
	struct rvirt_conn *conn;
	volatile int stop;
	double done_at[RECONNECT_MAX]; /* first call after reconnect k+1 */
	int seen;
	unsigned long errors;
};

static void *
pinger_main(void *arg)
{
	struct pinger *p = arg;
	struct rvirt_error err;

	while (!p->stop) {
		if (rvirt_conn_ping(p->conn, &err) < 0)
			p->errors++;
		if (reconnects > p->seen && p->seen < RECONNECT_MAX)
			p->done_at[p->seen++] = now_ms();
	}
	return NULL;
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
	struct rvirt_error err = { 0 };
	struct pinger p;
	pthread_t th;
	double ready[RECONNECT_MAX], lat[RECONNECT_MAX], fresh[16], t;
	double killed, from_kill[RECONNECT_MAX];
	char uri[600];
	int rounds, n = 0;

	if (argc != 6) {
		fprintf(stderr,
			"usage: reconnect RVIRTD CONF SOCKET LOG ROUNDS\n");
		return 2;
	}
	rvirtd = argv[1];
	conf = argv[2];
	sockpath = argv[3];
	logpath = argv[4];
	rounds = atoi(argv[5]);
	if (rounds < 1 || rounds > RECONNECT_MAX)
		rounds = 5;
	signal(SIGPIPE, SIG_IGN);
	if (strstr(sockpath, "://"))
		snprintf(uri, sizeof(uri), "%s", sockpath);
	else
		snprintf(uri, sizeof(uri), "test:///default?socket=%s",
			 sockpath);
	if (daemon_start() < 0) {
		fprintf(stderr, "reconnect: rvirtd did not start\n");
		return 1;
	}
	/* The floor: a fresh connection and one call. */
	for (int i = 0; i < 16; i++) {
		struct rvirt_conn *c;

		t = now_ms();
		c = rvirt_conn_open(uri, 0, &err);
		if (!c || rvirt_conn_ping(c, &err) < 0) {
			fprintf(stderr, "reconnect: %s\n", err.message);
			return 1;
		}
		fresh[i] = now_ms() - t;
		rvirt_conn_close(c);
	}
	memset(&p, 0, sizeof(p));
	p.conn = rvirt_conn_open(uri, 0, &err);
	if (!p.conn) {
		fprintf(stderr, "reconnect: %s\n", err.message);
		return 1;
	}
	rvirt_conn_set_event_callback(p.conn, on_event, NULL, &err);
	pthread_create(&th, NULL, pinger_main, &p);
	for (int r = 0; r < rounds; r++) {
		usleep(300000);
		killed = now_ms();
		daemon_kill();
		ready[r] = daemon_start();
		if (ready[r] < 0) {
			fprintf(stderr, "reconnect: rvirtd did not restart\n");
			break;
		}
		for (int i = 0; i < 5000 && p.seen <= r; i++)
			usleep(1000);
		if (p.seen <= r) {
			fprintf(stderr, "reconnect: no reconnect in round %d\n",
				r + 1);
			break;
		}
		lat[n] = p.done_at[r] - ready[r];
		from_kill[n] = p.done_at[r] - killed;
		printf("round %d: call completed %.2f ms after the ready "
		       "line, %.2f ms after the kill (ready line %.2f ms "
		       "after it)\n",
		       r + 1, lat[n], from_kill[n], ready[r] - killed);
		n++;
	}
	p.stop = 1;
	pthread_join(th, NULL);
	rvirt_conn_close(p.conn);
	daemon_kill();
	qsort(fresh, 16, sizeof(double), cmp_double);
	if (n > 0) {
		qsort(lat, (size_t)n, sizeof(double), cmp_double);
		qsort(from_kill, (size_t)n, sizeof(double), cmp_double);
		printf("from the kill: median %.2f ms\n", from_kill[n / 2]);
		printf("median %.2f ms, max %.2f ms over %d restarts; "
		       "a fresh open + ping takes %.2f ms (median), ratio "
		       "%.1f; "
		       "failed calls: %lu\n",
		       lat[n / 2], lat[n - 1], n, fresh[8],
		       lat[n / 2] / fresh[8], p.errors);
	}
	return n == rounds ? 0 : 1;
}
