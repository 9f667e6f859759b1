/* SPDX-License-Identifier: MIT */
/* pin: what a placed start and a PIN_VCPU cost, seen in /proc, against NULL. */
#define _GNU_SOURCE
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
 * Usage: pin URI ROUNDS SECONDS
 *
 * URI is a process driver connection (process:///system?socket=...).
 * Prints, measured in this run on this machine:
 *   - start: ROUNDS times, DOMAIN_CREATE_XML of a 2-vCPU rvirt-guest with
 *     <vcpupin> and <emulatorpin>; the time until the call returns, and
 *     until this program has found the process in /proc and read the
 *     Cpus_allowed_list of every thread equal to what the XML asked
 *     (median, 90th percentile, max), and in how many rounds that was
 *     already so at the first look after the call returned;
 *   - baselines: a NULL call, and fork + exec + wait of /bin/true from
 *     this process (the cost of a process start with nothing else);
 *   - calls: NULL, PIN_VCPU live (vCPU 0 moved between two CPUs on
 *     every call), PIN_VCPU config, GET_VCPU_PIN_INFO live, for SECONDS
 *     each: microseconds per call and the ratio to NULL; after the live
 *     loop, the thread of vCPU 0 is checked in /proc to hold the last
 *     set, so the number is the cost of pins that happened.
 * Not a pass/fail test: t/perf/ is run by `make perf`.
 */

#define PIN_ROUNDS_MAX 1000
#define PIN_SCAN_TIMEOUT 5.0

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, 90th percentile and max of v (sorted in place), in ms. */
static void
print_ms(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%-44s median %7.2f ms   p90 %7.2f ms   max %7.2f ms\n", what,
	       v[n / 2] * 1e3, v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] * 1e3,
	       v[n - 1] * 1e3);
}

/* Read a small file into buf (NUL-terminated); its length or -1. */
static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = (ssize_t)fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* The pid of the live rvirt-guest of domain name, 0 when none. */
static pid_t
guest_pid(const char *name)
{
	char want[320], path[300], buf[512];
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t wlen;
	pid_t pid = 0;

	if (!d)
		return 0;
	wlen = (size_t)snprintf(want, sizeof(want), "rvirt-guest%c--name%c%s",
				0, 0, name) +
	       1;
	while (!pid && (de = readdir(d)) != NULL) {
		ssize_t n;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		n = read_file(path, buf, sizeof(buf));
		if (n >= (ssize_t)wlen && memcmp(buf, want, wlen) == 0)
			pid = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return pid;
}

/* One thread's "Cpus_allowed_list:" value and its comm; 0 or -1. */
static int
task_cpus(pid_t pid, const char *tid, char *comm, size_t csize, char *cpus,
	  size_t size)
{
	char path[128], buf[4096], *p, *e;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, tid);
	if (read_file(path, comm, csize) <= 0)
		return -1;
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "Cpus_allowed_list:");
	if (!p)
		return -1;
	p += strlen("Cpus_allowed_list:");
	p += strspn(p, " \t");
	e = p + strcspn(p, "\n");
	snprintf(cpus, size, "%.*s", (int)(e - p), p);
	return 0;
}

/*
 * Whether every thread of pid has the set it should: "CPU 0/KVM" vcpu0,
 * "CPU 1/KVM" vcpu1, any other emu.  Only vcpu0 is checked when
 * only_vcpu0.
 */
static int
placed(pid_t pid, const char *vcpu0, const char *vcpu1, const char *emu,
       int only_vcpu0)
{
	char path[64], comm[32], cpus[256];
	struct dirent *de;
	int ok = 1, seen = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (ok && (de = readdir(d)) != NULL) {
		const char *want;

		if (de->d_name[0] == '.')
			continue;
		if (task_cpus(pid, de->d_name, comm, sizeof(comm), cpus,
			      sizeof(cpus)) < 0) {
			ok = 0;
			break;
		}
		if (strcmp(comm, "CPU 0/KVM") == 0)
			want = vcpu0;
		else if (only_vcpu0)
			continue;
		else if (strcmp(comm, "CPU 1/KVM") == 0)
			want = vcpu1;
		else
			want = emu;
		seen++;
		ok = strcmp(cpus, want) == 0;
	}
	closedir(d);
	return ok && seen >= (only_vcpu0 ? 1 : 3);
}

static int
fail(const char *what, const struct rvirt_error *err)
{
	fprintf(stderr, "pin: %s: %s\n", what, err->message);
	return 1;
}

/* fork + exec + wait of /bin/true, n times; seconds per round. */
static double
spawn_baseline(int n)
{
	double t0 = now();

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return -1;
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return (now() - t0) / n;
}

enum pin_kind { PIN_NULL, PIN_LIVE, PIN_CONFIG, PIN_INFO };

/* Calls of one kind for seconds; microseconds per call, -1 on error. */
static double
call_loop(struct rvirt_conn *c, const struct rvirt_domain *dom,
	  enum pin_kind kind, const struct rvirt_cpumap *maps, double seconds,
	  unsigned long *ncalls)
{
	struct rvirt_error err;
	unsigned long n = 0;
	double t0 = now(), end = t0 + seconds, t1;
	int rc = 0;

	do {
		for (int i = 0; i < 20 && rc == 0; i++, n++) {
			struct rvirt_cpumap *got = NULL;
			size_t ngot = 0;

			switch (kind) {
			case PIN_NULL:
				rc = rvirt_conn_ping(c, &err);
				break;
			case PIN_LIVE:
				rc = rvirt_domain_pin_vcpu(
					c, dom, 0, &maps[n % 2],
					RVIRT_AFFECT_LIVE, &err);
				break;
			case PIN_CONFIG:
				rc = rvirt_domain_pin_vcpu(
					c, dom, 0, &maps[n % 2],
					RVIRT_AFFECT_CONFIG, &err);
				break;
			case PIN_INFO:
				rc = rvirt_domain_get_vcpu_pin_info(
					c, dom, RVIRT_AFFECT_LIVE, &got, &ngot,
					&err);
				free(got);
				break;
			}
		}
		t1 = now();
	} while (rc == 0 && t1 < end);
	if (rc < 0) {
		fail("call", &err);
		return -1;
	}
	*ncalls = n;
	return (t1 - t0) / (double)n * 1e6;
}

int
main(int argc, char **argv)
{
	static double ret_s[PIN_ROUNDS_MAX], seen_s[PIN_ROUNDS_MAX];
	struct rvirt_cpumap online, maps[2];
	struct rvirt_domain dom;
	struct rvirt_error err;
	struct rvirt_conn *c;
	char xml[2048], name[64], a[16], b[16];
	unsigned long n_null, n_live, n_conf, n_info;
	double us_null, us_live, us_conf, us_info, spawn, t0;
	int rounds, first = -1, last = -1, at_once = 0;
	double seconds;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: pin URI ROUNDS SECONDS\n");
		return 2;
	}
	rounds = atoi(argv[2]);
	seconds = atof(argv[3]);
	if (rounds < 1 || rounds > PIN_ROUNDS_MAX || seconds <= 0) {
		fprintf(stderr, "pin: ROUNDS is 1 to %d, SECONDS > 0\n",
			PIN_ROUNDS_MAX);
		return 2;
	}
	c = rvirt_conn_open(argv[1], 0, &err);
	if (!c)
		return fail("open", &err);
	if (rvirt_node_get_cpu_map(c, &online, NULL, NULL, &err) < 0)
		return fail("node cpu map", &err);
	for (int i = 0; i < RVIRT_CPUMAP_MAX * 8; i++) {
		if (online.bits[i / 8] & (1u << (i % 8))) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	snprintf(a, sizeof(a), "%d", first);
	snprintf(b, sizeof(b), "%d", last);
	printf("host CPUs online: %d to %d; vCPU 0 pinned to %s, vCPU 1 and "
	       "the emulator to %s\n",
	       first, last, b, a);

	/* Starts. */
	for (int r = 0; r < rounds; r++) {
		double deadline;
		int ok;

		snprintf(name, sizeof(name), "perf-start-%d", r);
		snprintf(xml, sizeof(xml),
			 "<domain type='process'><name>%s</name>"
			 "<memory unit='MiB'>8</memory>"
			 "<vcpu placement='static' cpuset='%s,%s'>2</vcpu>"
			 "<cputune><vcpupin vcpu='0' cpuset='%s'/>"
			 "<vcpupin vcpu='1' cpuset='%s'/>"
			 "<emulatorpin cpuset='%s'/></cputune>"
			 "<os><type>hvm</type>"
			 "<cmdline>load=idle touch=none</cmdline></os>"
			 "</domain>",
			 name, a, b, b, a, a);
		t0 = now();
		if (rvirt_domain_create_xml(c, xml, &dom, &err) < 0)
			return fail("create", &err);
		ret_s[r] = now() - t0;
		deadline = t0 + PIN_SCAN_TIMEOUT;
		ok = 0;
		for (int look = 0; !ok && now() < deadline; look++) {
			pid = guest_pid(name);
			ok = pid > 0 && placed(pid, b, a, a, 0);
			if (ok && look == 0)
				at_once++;
		}
		seen_s[r] = now() - t0;
		if (!ok) {
			fprintf(stderr,
				"pin: domain '%s': placement not seen in "
				"/proc within %.0f s\n",
				name, PIN_SCAN_TIMEOUT);
			rvirt_domain_destroy(c, &dom, &err);
			return 1;
		}
		if (rvirt_domain_destroy(c, &dom, &err) < 0)
			return fail("destroy", &err);
	}
	us_null = call_loop(c, NULL, PIN_NULL, NULL, seconds, &n_null);
	spawn = spawn_baseline(rounds < 20 ? 20 : rounds);
	printf("\n== start: DOMAIN_CREATE_XML of a placed 2-vCPU domain, %d "
	       "rounds\n",
	       rounds);
	print_ms("CREATE_XML call returned", ret_s, rounds);
	print_ms("placement of every thread seen in /proc", seen_s, rounds);
	printf("placement already in /proc at the first look after the "
	       "call: %d of %d\n",
	       at_once, rounds);
	printf("baselines: NULL call %.1f us; fork+exec+wait of /bin/true "
	       "%.2f ms\n",
	       us_null, spawn * 1e3);
	printf("ratios (median): CREATE_XML / NULL = %.0f, CREATE_XML / "
	       "fork+exec = %.1f\n",
	       ret_s[rounds / 2] * 1e6 / us_null, ret_s[rounds / 2] / spawn);

	/* Calls on one running persistent domain. */
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>perf-pin</name>"
		 "<memory unit='MiB'>8</memory><vcpu>2</vcpu>"
		 "<os><type>hvm</type>"
		 "<cmdline>load=idle touch=none</cmdline></os></domain>");
	if (rvirt_domain_define_xml(c, xml, &dom, &err) < 0 ||
	    rvirt_domain_create(c, &dom, &dom, &err) < 0)
		return fail("start perf-pin", &err);
	pid = guest_pid("perf-pin");
	memset(maps, 0, sizeof(maps));
	maps[0].bits[first / 8] |= (unsigned char)(1u << (first % 8));
	maps[1].bits[last / 8] |= (unsigned char)(1u << (last % 8));
	us_null = call_loop(c, &dom, PIN_NULL, maps, seconds, &n_null);
	us_live = call_loop(c, &dom, PIN_LIVE, maps, seconds, &n_live);
	us_conf = call_loop(c, &dom, PIN_CONFIG, maps, seconds, &n_conf);
	us_info = call_loop(c, &dom, PIN_INFO, maps, seconds, &n_info);
	printf("\n== calls on a running 2-vCPU domain, %.0f s each\n", seconds);
	if (us_null > 0 && us_live > 0 && us_conf > 0 && us_info > 0) {
		printf("NULL                      %8.1f us/call (%lu calls)\n",
		       us_null, n_null);
		printf("PIN_VCPU live             %8.1f us/call (%lu calls), "
		       "%.1f x NULL\n",
		       us_live, n_live, us_live / us_null);
		printf("PIN_VCPU config           %8.1f us/call (%lu calls), "
		       "%.1f x NULL\n",
		       us_conf, n_conf, us_conf / us_null);
		printf("GET_VCPU_PIN_INFO live    %8.1f us/call (%lu calls), "
		       "%.1f x NULL\n",
		       us_info, n_info, us_info / us_null);
		/* The live loop's last call was number n_live - 1. */
		printf("vCPU 0 thread after the live loop: %s in /proc\n",
		       pid > 0 && placed(pid, (n_live - 1) % 2 ? b : a, NULL,
					 NULL, 1)
			       ? "holds the last set"
			       : "DOES NOT hold the last set");
	}
	if (rvirt_domain_destroy(c, &dom, &err) < 0 ||
	    rvirt_domain_undefine(c, &dom, &err) < 0)
		return fail("clean up perf-pin", &err);
	rvirt_conn_close(c);
	return 0;
}
