/* SPDX-License-Identifier: MIT */
/* master_upgrade: the binary upgrade on SIGUSR2 and the hand-over. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "exporter.h"
#include "listen.h"
#include "master.h"
#include "master_int.h"

/* First fd of the sockets passed to a new master (LISTEN_FDS). */
#define MASTER_LISTEN_FDS_START 3

/*
 * A new master of a failed upgrade wrote its pid into the pidfile (the
 * file and its lock are shared): put this master's pid back.
 */
void
master_pidfile_restore(struct master *m)
{
	const struct daemon_pidfile *pf = m->mp->pidfile;
	char buf[32];
	int len;

	if (!pf || pf->fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) < 0 ||
	    pwrite(pf->fd, buf, (size_t)len, 0) != len)
		log_error("cannot restore pidfile '%s': %s", pf->path,
			  strerror(errno));
}

/* Put fd at exactly target, without close-on-exec. */
static int
master_fd_at(int fd, int target)
{
	if (fd == target) {
		int fl = fcntl(fd, F_GETFD);

		return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the child of a USR2: become the new binary.  Never returns. */
static void __attribute__((noreturn))
master_upgrade_exec(struct master *m, int wfd)
{
	const struct listen_set *ls = m->mp->ls;
	int high[LISTEN_MAX + 2], n = 0, fd;
	char names[64] = "", buf[32];
	sigset_t none;

	exporter_pass_on(&m->ex, 64);
	/* Out of the way first, so that no dup2 below overwrites one. */
	for (size_t i = 0; i < ls->n; i++)
		high[n++] = fcntl(ls->ls[i].fd, F_DUPFD_CLOEXEC, 64);
	high[n++] = fcntl(wfd, F_DUPFD_CLOEXEC, 64);
	fd = m->mp->pidfile ? m->mp->pidfile->fd : -1;
	high[n++] = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 64) : -1;
	for (int i = 0; i < n; i++) {
		if (i == n - 1 && high[i] < 0)
			continue;
		if (high[i] < 0 ||
		    master_fd_at(high[i], MASTER_LISTEN_FDS_START + i) < 0)
			_exit(126);
	}
	for (size_t i = 0; i < ls->n; i++) {
		static const char *const kn[] = {
			[LISTEN_UNIX_RW] = "rw",
			[LISTEN_UNIX_RO] = "ro",
			[LISTEN_TCP] = "tcp",
			[LISTEN_TLS] = "tls",
		};
		size_t len = strlen(names);

		snprintf(names + len, sizeof(names) - len, "%s%s", i ? ":" : "",
			 kn[ls->ls[i].kind]);
	}
	snprintf(buf, sizeof(buf), "%zu", ls->n);
	setenv("LISTEN_FDS", buf, 1);
	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(buf, sizeof(buf), "%d", MASTER_LISTEN_FDS_START + (int)ls->n);
	setenv("RVIRT_UPGRADE_READY_FD", buf, 1);
	if (high[n - 1] >= 0) {
		snprintf(buf, sizeof(buf), "%d",
			 MASTER_LISTEN_FDS_START + (int)ls->n + 1);
		setenv("RVIRT_UPGRADE_PIDFILE_FD", buf, 1);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(m->mp->exe, m->mp->argv);
	fprintf(stderr, "rvirtd: cannot run '%s': %s\n", m->mp->exe,
		strerror(errno));
	_exit(127);
}

/* SIGUSR2: start the binary again with our sockets; see master_run. */
void
master_upgrade_start(struct master *m)
{
	int pfd[2];
	pid_t pid;

	if (m->stopping || m->upgrade_pid) {
		log_warn("SIGUSR2 ignored: %s",
			 m->stopping ? "stopping" : "an upgrade is running");
		return;
	}
	if (!m->mp->exe || !m->mp->exe[0]) {
		log_error("upgrade failed: the path of the binary is unknown");
		return;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_error("upgrade failed: cannot create a pipe: %s",
			  strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("upgrade failed: cannot fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		master_upgrade_exec(m, pfd[1]);
	}
	close(pfd[1]);
	m->upgrade_pid = pid;
	m->upgrade_rfd = pfd[0];
	m->upgrade_deadline_ms =
		master_now_ms() + MASTER_UPGRADE_TIMEOUT * 1000;
	log_info("upgrade: started '%s' as %ld", m->mp->exe, (long)pid);
}

void
master_upgrade_abort(struct master *m, const char *why)
{
	log_error("upgrade failed: %s; the running master goes on", why);
	master_pidfile_restore(m);
	if (m->upgrade_pid)
		kill(m->upgrade_pid, SIGKILL);
	if (m->upgrade_rfd >= 0)
		close(m->upgrade_rfd);
	m->upgrade_rfd = -1;
	/* master_reap collects it and says no more. */
}

/* The upgrade pipe is readable: ready byte, or EOF. */
void
master_upgrade_event(struct master *m)
{
	char c;
	ssize_t n;

	do
		n = read(m->upgrade_rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		log_info("upgrade: new master %ld is ready; this one hands "
			 "over",
			 (long)m->upgrade_pid);
		close(m->upgrade_rfd);
		m->upgrade_rfd = -1;
		m->handed_over = true;
		m->stopping = true;
		return;
	}
	master_upgrade_abort(m, "the new master closed its pipe before it "
				"was ready");
}
