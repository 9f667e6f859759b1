/* SPDX-License-Identifier: MIT */
/* conns: a new client's first call and rvirtd's memory under many connections. */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * conns MODE N SOCKET MASTER_PID ROUNDS [PORT]
 *
 * MODE is what the N held connections on the unix socket SOCKET (or,
 * with PORT, on 127.0.0.1:PORT) do:
 *	idle	connect, send nothing (no session: sheddable; on a SASL
 *		TCP port: unauthenticated)
 *	stalled	connect, send half a record
 *	open	librvirt open (CONNECT_OPEN, authenticated, a session),
 *		then nothing: an idle console
 * Prints the first-call latency of a new client (open + get_version +
 * close, ROUNDS times: p50 and p99) with no held connections, then the
 * PSS of rvirtd (master and workers, /proc/PID/smaps_rollup), opens the
 * N connections, prints PSS again and the growth per connection, and
 * the first-call latency with them held.
 */

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Which line of smaps_rollup: "Pss", or "Pss_Anon" (heap, not the store). */
static const char *pss_key = "Pss";

static long
pss_kib(pid_t pid)
{
	char path[64], line[256], key[32];
	long kib = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^:]: %ld kB", key, &v) == 2 &&
		    strcmp(key, pss_key) == 0) {
			kib = v;
			break;
		}
	fclose(f);
	return kib;
}

/* PSS of master and its children (the workers, the collector). */
static long
daemon_pss_kib(pid_t master)
{
	long sum = pss_kib(master);
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return sum;
	while ((de = readdir(d))) {
		char path[300], buf[512], *p;
		long ppid;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == master)
			sum += pss_kib((pid_t)atol(de->d_name));
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ROUNDS new clients, one after the other: p50 and p99 of each. */
static void
first_calls(const char *uri, int rounds, const char *what)
{
	double *t = calloc((size_t)rounds, sizeof(*t));
	int fails = 0, n = 0;

	if (!t)
		exit(1);
	for (int i = 0; i < rounds; i++) {
		struct rvirt_error err;
		struct rvirt_conn *c;
		uint64_t v;
		double t0 = now_ms();

		c = rvirt_conn_open(uri, 0, &err);
		if (!c || rvirt_conn_get_version(c, &v, &err) < 0) {
			if (fails++ == 0)
				fprintf(stderr, "first call failed: %s\n",
					err.message);
			rvirt_conn_close(c);
			continue;
		}
		t[n++] = now_ms() - t0;
		rvirt_conn_close(c);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	if (n)
		printf("  %s: first call p50 %.2f ms, p99 %.2f ms, max %.2f "
		       "ms (%d rounds, %d failed)\n",
		       what, t[n / 2],
		       t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], t[n - 1],
		       rounds, fails);
	else
		printf("  %s: every first call failed (%d)\n", what, fails);
	free(t);
}

/* A connection to the unix socket path, or to 127.0.0.1:port if port. */
static int
raw_connect(const char *path, int port)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr *sa = (struct sockaddr *)&sun;
	socklen_t len = sizeof(sun);
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (port) {
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa = (struct sockaddr *)&sin;
		len = sizeof(sin);
	}
	fd = socket(port ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, sa, len) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Raw connections still open at the daemon: not readable (no EOF). */
static int
count_held(const int *fds, int n)
{
	int held = 0;

	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		if (fds[i] >= 0 && poll(&p, 1, 0) == 0)
			held++;
	}
	return held;
}

int
main(int argc, char **argv)
{
	static const unsigned char half[4 + 100] = { 0x80, 0, 0, 200 };
	const char *mode, *sock;
	struct rvirt_conn **held;
	int n, rounds, ok = 0, *fds, port;
	char uri[512];
	long before, after, anon_before, anon_after;
	struct rlimit rl;
	pid_t master;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: conns idle|stalled|open N SOCKET "
				"MASTER_PID ROUNDS [PORT]\n");
		return 2;
	}
	port = argc == 7 ? atoi(argv[6]) : 0;
	mode = argv[1];
	n = atoi(argv[2]);
	sock = argv[3];
	master = (pid_t)atol(argv[4]);
	rounds = atoi(argv[5]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(uri, sizeof(uri), "test:///default?socket=%s", sock);
	held = calloc((size_t)n, sizeof(*held));
	fds = malloc((size_t)n * sizeof(*fds));
	if (!held || !fds)
		return 1;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	first_calls(uri, rounds, "no held connections");
	before = daemon_pss_kib(master);
	pss_key = "Pss_Anon";
	anon_before = daemon_pss_kib(master);
	pss_key = "Pss";
	for (int i = 0; i < n; i++) {
		struct rvirt_error err;

		if (strcmp(mode, "open") == 0) {
			held[i] = rvirt_conn_open(uri, 0, &err);
			ok += held[i] != NULL;
			continue;
		}
		int fd = raw_connect(sock, port);

		if (fd < 0)
			continue;
		if (strcmp(mode, "stalled") == 0 &&
		    write(fd, half, sizeof(half)) != (ssize_t)sizeof(half)) {
			close(fd);
			continue;
		}
		fds[i] = fd;
		ok++;
	}
	/*
	 * Held connections are old ones: wait past the daemon's shed grace
	 * (ADMIT_SHED_GRACE_MS) and its pool tick, then count the raw
	 * connections the daemon really holds (a refused one reads EOF).
	 */
	sleep(3);
	if (strcmp(mode, "open") != 0)
		ok = count_held(fds, n);
	after = daemon_pss_kib(master);
	pss_key = "Pss_Anon";
	anon_after = daemon_pss_kib(master);
	printf("  %s x %d (%d held): rvirtd PSS %ld KiB -> %ld KiB, "
	       "%.0f bytes per connection (anonymous memory %.0f, the rest "
	       "the store's mapped pages)\n",
	       mode, n, ok, before, after,
	       ok ? (double)(after - before) * 1024 / ok : 0.0,
	       ok ? (double)(anon_after - anon_before) * 1024 / ok : 0.0);
	first_calls(uri, rounds, "held connections");
	for (int i = 0; i < n; i++) {
		rvirt_conn_close(held[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(fds);
	free(held);
	return 0;
}
