/* SPDX-License-Identifier: MIT */
/* daemon: going to the background with a readiness pipe, dirs, pidfile. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "daemon.h"

#define DAEMON_READY_BYTE 'R'

/* Seconds the parent waits for a child that closed the pipe to exit. */
#define DAEMON_REAP_TIMEOUT 5

static long
daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child closed the pipe without saying ready: report how it ended. */
static void
daemon_parent_reap(pid_t child)
{
	int status = 0;

	for (int i = 0; i < DAEMON_REAP_TIMEOUT * 100; i++) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child) {
			if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				_exit(WEXITSTATUS(status));
			if (WIFSIGNALED(status))
				fprintf(stderr,
					"rvirtd: daemon killed by "
					"signal %d before it was ready\n",
					WTERMSIG(status));
			else
				fprintf(stderr, "rvirtd: daemon exited "
						"before it was ready\n");
			_exit(1);
		}
		if (r < 0 && errno != EINTR)
			break;
		usleep(10000);
	}
	fprintf(stderr, "rvirtd: daemon closed its readiness pipe "
			"without getting ready\n");
	_exit(1);
}

static void
daemon_parent_wait(int fd, pid_t child)
{
	long deadline = daemon_now_ms() + DAEMON_READY_TIMEOUT * 1000L;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	for (;;) {
		long left = deadline - daemon_now_ms();
		ssize_t n;
		int r;

		if (left <= 0) {
			/* Our own child: stopping it is ours to do. */
			kill(child, SIGTERM);
			fprintf(stderr,
				"rvirtd: daemon not ready after %d seconds\n",
				DAEMON_READY_TIMEOUT);
			_exit(1);
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr,
				"rvirtd: cannot wait for the daemon: "
				"%s\n",
				strerror(errno));
			_exit(1);
		}
		if (r == 0)
			continue;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == DAEMON_READY_BYTE)
			_exit(0);
		daemon_parent_reap(child);
	}
}

int
daemon_detach(int *notify_fd, struct rvirt_error *err)
{
	int pfd[2], nullfd;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot create the readiness pipe");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot fork the daemon");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		daemon_parent_wait(pfd[0], pid);
		/* not reached */
	}
	close(pfd[0]);
	/* Leave the terminal's session: no SIGHUP when it closes. */
	setsid();
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd >= 0) {
		dup2(nullfd, 0);
		if (nullfd > 2)
			close(nullfd);
	}
	*notify_fd = pfd[1];
	return 0;
}

void
daemon_ready(int notify_fd)
{
	char c = DAEMON_READY_BYTE;
	ssize_t n;
	int nullfd;

	/* stderr is the parent's until now: the ready line went there. */
	fflush(NULL);
	do
		n = write(notify_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(notify_fd);
	if (chdir("/") < 0) {
		/* Harmless: only keeps a mount point busy. */
	}
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd < 0)
		return;
	dup2(nullfd, 0);
	dup2(nullfd, 1);
	dup2(nullfd, 2);
	if (nullfd > 2)
		close(nullfd);
}

int
daemon_mkdir_p(const char *path, mode_t mode, struct rvirt_error *err)
{
	char buf[CONFIG_PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len == 0 || len >= sizeof(buf)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"invalid directory '%s': empty or too long", path);
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				      errno, "cannot create directory '%s'",
				      buf);
			return -1;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot create directory '%s': not a directory", path);
		return -1;
	}
	return 0;
}

/* Read the pid of the lock holder, 0 when unreadable. */
static long
daemon_pidfile_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int
daemon_pidfile_open(struct daemon_pidfile *pf, const char *dir,
		    struct rvirt_error *err)
{
	char buf[32];
	int fd, len;

	pf->fd = -1;
	if ((size_t)snprintf(pf->path, sizeof(pf->path), "%s/%s", dir,
			     DAEMON_PIDFILE) >= sizeof(pf->path)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"pidfile path in '%s' is too long", dir);
		return -1;
	}
	fd = open(pf->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open pidfile '%s'", pf->path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"cannot lock pidfile '%s': another rvirtd "
				"is running (pid %ld)",
				pf->path, daemon_pidfile_holder(fd));
		else
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				      errno, "cannot lock pidfile '%s'",
				      pf->path);
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot write pidfile '%s'", pf->path);
		close(fd);
		return -1;
	}
	pf->fd = fd;
	return 0;
}

int
daemon_pidfile_adopt(struct daemon_pidfile *pf, int fd, const char *dir,
		     struct rvirt_error *err)
{
	char buf[32];
	int len;

	pf->fd = -1;
	snprintf(pf->path, sizeof(pf->path), "%s/%s", dir, DAEMON_PIDFILE);
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, buf, (size_t)len, 0) != len) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot write pidfile '%s'", pf->path);
		return -1;
	}
	pf->fd = fd;
	return 0;
}

void
daemon_pidfile_remove(struct daemon_pidfile *pf)
{
	if (pf->fd < 0)
		return;
	/* Unlink while still holding the lock, so no newcomer's file goes. */
	unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}
