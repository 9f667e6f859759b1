/* SPDX-License-Identifier: MIT */
/* master: the prefork master: a pool of workers, signals, upgrades. */
#ifndef RVIRT_SERVER_MASTER_H
#define RVIRT_SERVER_MASTER_H

#include <stdbool.h>

#include "../common/rvirt_defs.h"
#include "config.h"
#include "daemon.h"
#include "listen.h"

/* Name of the scoreboard file in runtime_dir. */
#define MASTER_SCOREBOARD "rvirtd.scoreboard"

/* Seconds a new master (USR2) has to say it is ready. */
#define MASTER_UPGRADE_TIMEOUT 10

/* Seconds the master waits at start for a first worker to be idle. */
#define MASTER_START_TIMEOUT 30

/* What main hands the master; everything is borrowed. */
struct master_params {
	struct config *cfg;	 /* running config, replaced on reload */
	const char *config_path; /* reloaded on SIGHUP; "" for none */
	bool config_optional;	 /* config_path may be missing (default) */
	struct listen_set *ls;	 /* open listeners */
	bool own_sockets;	 /* remove the unix socket files at stop */
	struct daemon_pidfile *pidfile;
	int notify_fd;	   /* daemon_ready once ready, -1 for none */
	int upgrade_fd;	   /* write one byte once ready (USR2), -1 none */
	const char *exe;   /* absolute path exec'd on SIGUSR2 */
	char *const *argv; /* its arguments */
};

/*
 * Run the daemon: create the scoreboard, fork start_workers workers
 * (each opens its own store, then runs worker_run), print the ready
 * line once one is idle, then keep the pool between min_spare_workers
 * and max_spare_workers idle workers, reap and replace dead ones, and
 * handle TERM/INT (graceful stop), HUP (reload, new generation) and
 * USR2 (binary upgrade).  The master never opens the store or calls
 * hv_*.  Expects SIGTERM, SIGINT, SIGHUP, SIGUSR2 and SIGCHLD blocked.
 * Returns 0 after a stop, 1 after a hand-over to a new master (the
 * socket files, pidfile and scoreboard are then the new master's: leave
 * them), -1 with *err when it cannot start.
 */
int master_run(const struct master_params *mp, struct rvirt_error *err);

#endif
