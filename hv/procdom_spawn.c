/* SPDX-License-Identifier: MIT */
/* procdom_spawn: starting a domain process (double fork, pidfd, exec check). */
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
#include "fdio.h"
#include "procdom.h"
#include "procdom_int.h"

extern char **environ;

/* How long the spawn waits for the program to be exec'd. */
#define PROCDOM_EXEC_TIMEOUT_MS 10000

/* ---------------------------------------------------------------- */
/* Spawning                                                          */
/* ---------------------------------------------------------------- */

/* Move fd above the low numbers the child is about to fill in. */
static int
procdom_fd_high(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/*
 * The domain process, after the second fork.  Only async-signal-safe
 * calls: the worker may have threads (libraries) we know nothing of.
 */
static _Noreturn void
procdom_grandchild(const struct procdom_launch *l, char *const *envp,
		   const cpu_set_t *mask, size_t masksize, int status_w,
		   int log_fd, int null_fd, int go_r)
{
	struct sigaction sa;
	sigset_t all;
	int e;

	/*
	 * Our pid first, from us: written by the intermediate it could
	 * reach the pipe after an exec failure's errno and be read as it.
	 */
	fdio_write_all(status_w, &(int32_t){ (int32_t)getpid() },
		       sizeof(int32_t));
	/*
	 * A session of its own, led by the domain: its process group is
	 * its pid, so a signal to -pid reaches all it started.
	 */
	if (setsid() < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Placement first: no instruction of the program runs elsewhere. */
	if (mask && sched_setaffinity(0, masksize, mask) < 0)
		goto fail;
	status_w = procdom_fd_high(status_w);
	log_fd = procdom_fd_high(log_fd);
	null_fd = procdom_fd_high(null_fd);
	go_r = procdom_fd_high(go_r);
	if (status_w < 0 || log_fd < 0 || null_fd < 0 || (l->hold && go_r < 0))
		goto fail;
	if (dup2(null_fd, 0) < 0 ||
	    dup2(l->console_tty ? null_fd : log_fd, 1) < 0 ||
	    dup2(log_fd, 2) < 0)
		goto fail;
	if (l->hold && dup2(go_r, 3) < 0)
		goto fail;
	/*
	 * Every other descriptor of the worker (listening sockets, the
	 * store, connections) is closed by exec; the status pipe too,
	 * which is how the parent learns that exec worked.
	 */
	if (close_range(l->hold ? 4 : 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		goto fail;
	if (chdir("/") < 0)
		goto fail;
	execve(l->path, l->argv, envp);
fail:
	e = errno;
	fdio_write_all(status_w, &e, sizeof(e));
	_exit(127);
}

/*
 * The environment of a domain process: the worker's, and the tag of
 * the call that starts it (hv/effect.h) in place of any inherited one.
 * *tagged is malloc'd (NULL without a current effect: then environ).
 */
static char *const *
procdom_env(char *entry, size_t size, char ***tagged)
{
	const struct hv_effect *e = hv_effect_current();
	size_t n = 0, k = 0, plen = strlen(HV_EFFECT_ENV);
	char **env;

	*tagged = NULL;
	if (!e || !e->tag[0])
		return environ;
	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], HV_EFFECT_ENV, plen) != 0 ||
		    environ[i][plen] != '=')
			env[k++] = environ[i];
	snprintf(entry, size, "%s=%s", HV_EFFECT_ENV, e->tag);
	env[k] = entry;
	*tagged = env;
	return env;
}

void
procdom_close_others(int *keep, size_t n)
{
	unsigned int lo = 0;

	/* Insertion sort: n is 4. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < lo)
			continue;
		if ((unsigned int)keep[i] > lo)
			close_range(lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/* Read exactly len bytes from fd within the deadline; 0, -1 (EOF/time). */
static int
procdom_read_wait(int fd, void *buf, size_t len, uint64_t deadline_ms,
		  bool *eof)
{
	char *p = buf;

	*eof = false;
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = procdom_now_ms();
		ssize_t n;
		int rc;

		if (now >= deadline_ms)
			return -1;
		rc = poll(&pfd, 1, (int)(deadline_ms - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*eof = n == 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
procdom_spawn(const struct procdom_launch *l, struct procdom_proc *out,
	      struct rvirt_error *err)
{
	int status[2] = { -1, -1 }, go[2] = { -1, -1 };
	int log_fd = -1, null_fd = -1, ret = -1, child_errno = 0;
	size_t masksize = CPU_ALLOC_SIZE(CPUSET_MAX_CPUS);
	cpu_set_t *mask = NULL;
	char tag_entry[sizeof(HV_EFFECT_ENV) + HV_EFFECT_TAG_MAX + 2];
	char **tagged_env = NULL;
	char *const *envp;
	pid_t mid, pid = 0;
	struct procdom_stat st;
	uint64_t deadline;
	int32_t wpid;
	bool eof;

	log_fd = open(l->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0600);
	if (log_fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot open the domain log '%s'", l->log_path);
		return -1;
	}
	null_fd = open(l->console_tty ? l->console_tty : "/dev/null",
		       O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (null_fd < 0 || pipe2(status, O_CLOEXEC) < 0 ||
	    (l->hold && pipe2(go, O_CLOEXEC) < 0)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot start '%s'", l->path);
		goto out;
	}
	if (l->affinity) {
		mask = CPU_ALLOC(CPUSET_MAX_CPUS);
		if (!mask) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
				"cannot start '%s': out of memory", l->path);
			goto out;
		}
		CPU_ZERO_S(masksize, mask);
		for (unsigned int c = 0; c < CPUSET_MAX_CPUS; c++)
			if (cpuset_has(l->affinity, c))
				CPU_SET_S(c, masksize, mask);
	}
	envp = procdom_env(tag_entry, sizeof(tag_entry), &tagged_env);
	if (!envp) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot start '%s': out of memory", l->path);
		goto out;
	}
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot start '%s': fork", l->path);
		goto out;
	}
	if (mid == 0) {
		/* The intermediate: the domain, then away. */
		pid_t g;

		int keep[] = { status[1], log_fd, null_fd, go[0] };

		/*
		 * Only what the domain needs crosses into it.  A worker's
		 * connection socket that a child still held after the
		 * worker closed it would stay in the worker's epoll set,
		 * pointing at freed memory (seen under ASan when an exec
		 * failed and the grandchild was still exiting).  Before
		 * the worker's waitpid returns, no copy is left.
		 */
		procdom_close_others(keep, sizeof(keep) / sizeof(keep[0]));
		g = fork();
		if (g == 0)
			procdom_grandchild(l, envp, mask, masksize, status[1],
					   log_fd, null_fd, go[0]);
		if (g < 0) {
			int e = errno;

			fdio_write_all(status[1], &(int32_t){ -1 },
				       sizeof(int32_t));
			fdio_write_all(status[1], &e, sizeof(e));
			_exit(1);
		}
		/* The grandchild wrote its pid itself. */
		_exit(0);
	}
	close(status[1]);
	status[1] = -1;
	if (go[0] >= 0) {
		close(go[0]);
		go[0] = -1;
	}
	/* The intermediate is ours: reap it, no zombie is left. */
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	deadline = procdom_now_ms() + PROCDOM_EXEC_TIMEOUT_MS;
	if (procdom_read_wait(status[0], &wpid, sizeof(wpid), deadline, &eof) <
	    0) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot start '%s': the launcher died", l->path);
		goto out;
	}
	if (wpid <= 0) {
		if (procdom_read_wait(status[0], &child_errno,
				      sizeof(child_errno), deadline, &eof) < 0)
			child_errno = EIO;
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, child_errno,
			      "cannot start '%s'", l->path);
		goto out;
	}
	pid = (pid_t)wpid;
	/* EOF: exec closed the pipe.  Four bytes: exec (or setup) failed. */
	if (procdom_read_wait(status[0], &child_errno, sizeof(child_errno),
			      deadline, &eof) == 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, child_errno,
			      "cannot run '%s'", l->path);
		goto out;
	}
	if (!eof) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
			"cannot start '%s': not running after %d ms", l->path,
			PROCDOM_EXEC_TIMEOUT_MS);
		kill(pid, SIGKILL);
		goto out;
	}
	if (procdom_stat_read(NULL, pid, 0, &st) < 0 || st.state == 'Z' ||
	    st.state == 'X') {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"'%s' exited as soon as it started: see '%s'", l->path,
			l->log_path);
		goto out;
	}
	out->pid = pid;
	out->start = st.starttime;
	out->go_fd = go[1];
	go[1] = -1;
	ret = 0;
out:
	CPU_FREE(mask);
	free(tagged_env);
	if (status[0] >= 0)
		close(status[0]);
	if (status[1] >= 0)
		close(status[1]);
	if (go[0] >= 0)
		close(go[0]);
	/* Without its start byte a held program gives up and exits. */
	if (go[1] >= 0)
		close(go[1]);
	if (log_fd >= 0)
		close(log_fd);
	if (null_fd >= 0)
		close(null_fd);
	return ret;
}

int
procdom_release(struct procdom_proc *p, struct rvirt_error *err)
{
	ssize_t n;

	if (p->go_fd < 0)
		return 0;
	do
		n = write(p->go_fd, "g", 1);
	while (n < 0 && errno == EINTR);
	close(p->go_fd);
	p->go_fd = -1;
	if (n != 1) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot start process %d: it left before its "
			      "start signal",
			      (int)p->pid);
		return -1;
	}
	return 0;
}
