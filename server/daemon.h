/* SPDX-License-Identifier: MIT */
/* daemon: going to the background with a readiness pipe, dirs, pidfile. */
#ifndef RVIRT_SERVER_DAEMON_H
#define RVIRT_SERVER_DAEMON_H

#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "config.h"

/* Seconds the foreground parent waits for the daemon to become ready. */
#define DAEMON_READY_TIMEOUT 60

#define DAEMON_PIDFILE "rvirtd.pid"

/*
 * Fork into the background.  The parent never returns: it waits (at
 * most DAEMON_READY_TIMEOUT seconds) until the child calls daemon_ready,
 * then exits 0; if the child exits first, the parent exits with the
 * child's status (1 at least); the child's own error messages reach the
 * same stderr.  The child returns 0 in a new session with stdin on
 * /dev/null and *notify_fd set for daemon_ready.  Returns -1 with *err
 * when the fork itself fails.
 */
int daemon_detach(int *notify_fd, struct rvirt_error *err);

/*
 * In the child: tell the parent the daemon is ready, then move to "/"
 * and point stdin, stdout and stderr at /dev/null.  notify_fd is closed.
 */
void daemon_ready(int notify_fd);

/* mkdir -p path; directories created get mode.  0, or -1 with *err. */
int daemon_mkdir_p(const char *path, mode_t mode, struct rvirt_error *err);

/* A locked pidfile: the lock says "an rvirtd runs with this runtime dir". */
struct daemon_pidfile {
	int fd; /* -1 when none */
	char path[CONFIG_PATH_MAX + 32];
};

/*
 * Create dir/rvirtd.pid, lock it and write the pid.  Fails when another
 * process holds the lock.  0, or -1 with *err.
 */
int daemon_pidfile_open(struct daemon_pidfile *pf, const char *dir,
			struct rvirt_error *err);

/*
 * Take over the pidfile of the master this one replaces (USR2): fd is
 * open on dir/rvirtd.pid and shares the old master's lock, which stays
 * held while either has it open.  Writes our pid.  0, or -1 with *err.
 */
int daemon_pidfile_adopt(struct daemon_pidfile *pf, int fd, const char *dir,
			 struct rvirt_error *err);

/* Remove and close the pidfile (a no-op when fd is -1). */
void daemon_pidfile_remove(struct daemon_pidfile *pf);

#endif
