/* SPDX-License-Identifier: MIT */
/* procdom: domains that are host processes: spawn, identity, threads, /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "effect.h"
#include "procdom.h"
#include "procdom_int.h"

/* Threads of one domain we are ready to look at. */
#define PROCDOM_TASKS_MAX (RVIRT_VCPUS_MAX * 2 + 64)
#define PROCDOM_KILL_TIMEOUT_MS 5000

uint64_t
procdom_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
procdom_sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- */
/* /proc                                                             */
/* ---------------------------------------------------------------- */

int
procdom_stat_parse(const char *text, struct procdom_stat *out)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	unsigned long long v[40];
	const char *p;
	size_t clen;
	int field;

	if (!open || !close || close < open || close[1] != ' ')
		return -1;
	memset(out, 0, sizeof(*out));
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, clen);
	p = close + 2;
	/* Field 3 is the state letter; numbers follow from field 4. */
	if (!*p || p[1] != ' ')
		return -1;
	out->state = *p;
	p += 2;
	memset(v, 0, sizeof(v));
	for (field = 4; field < 40 && *p; field++) {
		char *end;

		errno = 0;
		if (*p == '-') {
			/* Signed fields (priority, ...): keep them as 0. */
			strtoll(p, &end, 10);
		} else {
			v[field] = strtoull(p, &end, 10);
		}
		if (end == p || errno)
			return -1;
		p = end;
		if (*p == ' ')
			p++;
		else if (*p && *p != '\n')
			return -1;
	}
	if (field <= 22)
		return -1;
	out->ppid = (int)v[4];
	out->pgrp = (int)v[5];
	out->utime = v[14];
	out->stime = v[15];
	out->starttime = v[22];
	out->processor = field > 39 ? (int)v[39] : -1;
	return 0;
}

int
procdom_stat_read(const char *proc_root, pid_t pid, pid_t tid,
		  struct procdom_stat *out)
{
	char path[256], buf[1024];
	ssize_t n;
	int fd;

	if (!proc_root)
		proc_root = "/proc";
	if (tid > 0)
		snprintf(path, sizeof(path), "%s/%d/task/%d/stat", proc_root,
			 (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	/* A vanished task gives ESRCH or an empty read. */
	if (n <= 0) {
		errno = ENOENT;
		return -1;
	}
	buf[n] = '\0';
	if (procdom_stat_parse(buf, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

uint64_t
procdom_ticks_ns(uint64_t ticks)
{
	static long hz;

	if (hz <= 0)
		hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	return ticks * (1000000000ULL / (uint64_t)hz);
}

int
procdom_alive(pid_t pid, uint64_t start, char *state)
{
	struct procdom_stat st;

	if (pid <= 0 || procdom_stat_read(NULL, pid, 0, &st) < 0)
		return 0;
	if (st.starttime != start || st.state == 'Z' || st.state == 'X' ||
	    st.state == 'x')
		return 0;
	if (state)
		*state = st.state;
	return 1;
}

int
procdom_tasks(pid_t pid, pid_t **tids, size_t *ntids, struct rvirt_error *err)
{
	char path[64];
	struct dirent *de;
	pid_t *out = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		err_set_errno(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			      errno, "cannot list the threads of process %d",
			      (int)pid);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		long t = strtol(de->d_name, &end, 10);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end ||
		    t <= 0 || t > INT_MAX)
			continue;
		if (n == PROCDOM_TASKS_MAX)
			break;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			pid_t *p = reallocarray(out, c, sizeof(*p));

			if (!p) {
				closedir(d);
				free(out);
				err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
					"cannot list the threads of process "
					"%d: out of memory",
					(int)pid);
				return -1;
			}
			out = p;
			cap = c;
		}
		out[n++] = (pid_t)t;
	}
	closedir(d);
	*tids = out;
	*ntids = n;
	return 0;
}

int
procdom_task_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid,
		 (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* "CPU 12/KVM" -> 12; -1 for any other name. */
static long
procdom_vcpu_number(const char *comm)
{
	char *end;
	long v;

	if (strncmp(comm, "CPU ", 4) != 0 || comm[4] < '0' || comm[4] > '9')
		return -1;
	v = strtol(comm + 4, &end, 10);
	if (strcmp(end, "/KVM") != 0 || v < 0 || v >= RVIRT_VCPUS_MAX)
		return -1;
	return v;
}

int
procdom_vcpu_tids(pid_t pid, unsigned int nvcpus, pid_t *tids,
		  struct rvirt_error *err)
{
	pid_t *all = NULL;
	size_t n = 0;
	int found = 0;

	memset(tids, 0, nvcpus * sizeof(*tids));
	if (procdom_tasks(pid, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char comm[32];
		long v;

		if (procdom_task_comm(pid, all[i], comm, sizeof(comm)) < 0)
			continue;
		v = procdom_vcpu_number(comm);
		if (v < 0 || (unsigned long)v >= nvcpus || tids[v])
			continue;
		tids[v] = all[i];
		found++;
	}
	free(all);
	return found;
}

int
procdom_pin(pid_t tid, const struct cpuset *set, const char *what,
	    struct rvirt_error *err)
{
	cpu_set_t *mask;
	size_t size = CPU_ALLOC_SIZE(CPUSET_MAX_CPUS);
	int rc;

	mask = CPU_ALLOC(CPUSET_MAX_CPUS);
	if (!mask) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot pin %s: out of memory", what);
		return -1;
	}
	CPU_ZERO_S(size, mask);
	for (unsigned int c = 0; c < CPUSET_MAX_CPUS; c++)
		if (cpuset_has(set, c))
			CPU_SET_S(c, size, mask);
	rc = sched_setaffinity(tid, size, mask);
	CPU_FREE(mask);
	if (rc < 0) {
		char text[CPUSET_FORMAT_MAX];

		cpuset_format(set, text, sizeof(text));
		err_set_errno(err,
			      errno == ESRCH ? RVIRT_ERR_OPERATION_INVALID
					     : RVIRT_ERR_SYSTEM,
			      RVIRT_FROM_HV, errno,
			      "cannot pin %s (thread %d) to '%s'", what,
			      (int)tid, text);
		return -1;
	}
	return 0;
}

int
procdom_affinity(pid_t tid, struct cpuset *out, struct rvirt_error *err)
{
	cpu_set_t *mask;
	size_t size = CPU_ALLOC_SIZE(CPUSET_MAX_CPUS);
	int rc;

	mask = CPU_ALLOC(CPUSET_MAX_CPUS);
	if (!mask) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot read the affinity of thread %d: out of memory",
			(int)tid);
		return -1;
	}
	CPU_ZERO_S(size, mask);
	rc = sched_getaffinity(tid, size, mask);
	if (rc == 0) {
		cpuset_clear(out);
		for (unsigned int c = 0; c < CPUSET_MAX_CPUS; c++)
			if (CPU_ISSET_S(c, size, mask))
				cpuset_add(out, c);
	} else {
		err_set_errno(err,
			      errno == ESRCH ? RVIRT_ERR_OPERATION_INVALID
					     : RVIRT_ERR_SYSTEM,
			      RVIRT_FROM_HV, errno,
			      "cannot read the affinity of thread %d",
			      (int)tid);
	}
	CPU_FREE(mask);
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- */
/* Signals and waits                                                 */
/* ---------------------------------------------------------------- */

int
procdom_signal(pid_t pid, uint64_t start, int sig, bool group,
	       struct rvirt_error *err)
{
	int pfd, rc;

	/*
	 * A pidfd holds on to the process itself: once its start time is
	 * checked, no reuse of the pid can redirect the signal.
	 */
	pfd = pidfd_open(pid, 0);
	if (pfd < 0) {
		if (errno == ESRCH)
			return 0;
		if (!procdom_alive(pid, start, NULL))
			return 0;
		rc = group ? kill(-pid, sig) : kill(pid, sig);
	} else {
		if (!procdom_alive(pid, start, NULL)) {
			close(pfd);
			return 0;
		}
		rc = pidfd_send_signal(pfd, sig, NULL, 0);
		/* The group: the same check covers its leader's pgid. */
		if (rc == 0 && group)
			kill(-pid, sig);
		close(pfd);
	}
	if (rc < 0) {
		if (errno == ESRCH)
			return 0;
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot signal process %d", (int)pid);
		return -1;
	}
	return 1;
}

int
procdom_wait_gone(pid_t pid, uint64_t start, unsigned int timeout_ms)
{
	uint64_t deadline = procdom_now_ms() + timeout_ms;
	int pfd = pidfd_open(pid, 0);

	if (pfd >= 0 && procdom_alive(pid, start, NULL)) {
		/* Readable once the process has exited. */
		for (;;) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			uint64_t now = procdom_now_ms();
			int rc;

			if (now >= deadline)
				break;
			rc = poll(&p, 1, (int)(deadline - now));
			if (rc < 0 && errno == EINTR)
				continue;
			break;
		}
		close(pfd);
		return procdom_alive(pid, start, NULL) ? 0 : 1;
	}
	if (pfd >= 0)
		close(pfd);
	while (procdom_alive(pid, start, NULL)) {
		if (procdom_now_ms() >= deadline)
			return 0;
		procdom_sleep_us(2000);
	}
	return 1;
}

int
procdom_wait_stopped(pid_t pid, uint64_t start, unsigned int timeout_ms)
{
	uint64_t deadline = procdom_now_ms() + timeout_ms;

	for (;;) {
		pid_t *tids = NULL;
		size_t n = 0;
		bool all = true;
		struct rvirt_error e;

		if (!procdom_alive(pid, start, NULL))
			return 0;
		if (procdom_tasks(pid, &tids, &n, &e) == 0) {
			for (size_t i = 0; i < n && all; i++) {
				struct procdom_stat st;

				if (procdom_stat_read(NULL, pid, tids[i],
						      &st) == 0 &&
				    st.state != 'T' && st.state != 't')
					all = false;
			}
			free(tids);
			if (all)
				return 1;
		}
		if (procdom_now_ms() >= deadline)
			return 0;
		procdom_sleep_us(500);
	}
}

int
procdom_kill(pid_t pid, uint64_t start, struct rvirt_error *err)
{
	int rc = procdom_signal(pid, start, SIGKILL, true, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	if (!procdom_wait_gone(pid, start, PROCDOM_KILL_TIMEOUT_MS)) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
			"process %d is still there %d ms after SIGKILL",
			(int)pid, PROCDOM_KILL_TIMEOUT_MS);
		return -1;
	}
	return 0;
}

void
procdom_kill_leftovers(pid_t pid)
{
	if (pid > 0 && kill(-pid, 0) == 0)
		kill(-pid, SIGKILL);
}

int
procdom_mkdirs(const char *dir, struct rvirt_error *err)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot create directory '%.64s': bad path", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) < 0 && errno != EEXIST) {
				err_set_errno(err, RVIRT_ERR_SYSTEM,
					      RVIRT_FROM_HV, errno,
					      "cannot create directory '%s'",
					      path);
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}
