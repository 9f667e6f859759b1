/* SPDX-License-Identifier: MIT */
/* master_int: the master's state, shared by master.c and its helpers. */
#ifndef RVIRT_SERVER_MASTER_INT_H
#define RVIRT_SERVER_MASTER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "../scoreboard/scoreboard.h"
#include "child.h"
#include "config.h"
#include "exporter.h"
#include "master.h"

struct master_worker; /* master.c */

struct master {
	const struct master_params *mp;
	struct config *cfg;
	struct sb *sb;
	char sb_path[CONFIG_PATH_MAX + 32];
	struct master_worker *workers; /* indexed by scoreboard slot */
	unsigned int nslots;
	uint64_t generation;
	int sigfd;
	unsigned int spawn_rate;
	uint64_t backoff_ms;
	uint64_t next_spawn_ms; /* no spawn before (back-off) */
	bool pool_kick;		/* a worker asked for more (SIGUSR1) */
	uint64_t next_tick_ms;
	bool ready;
	bool stopping;
	bool handed_over;
	/* A USR2 upgrade in flight. */
	pid_t upgrade_pid;
	int upgrade_rfd;
	uint64_t upgrade_deadline_ms;
	/* Startup: the first worker that failed. */
	bool start_failed;
	/* The launcher's readiness pipe until ready (daemon mode), else -1. */
	int notify_fd;
	/* The store's upkeep: a collector child, and syncs when relaxed. */
	struct child gc;
	uint64_t next_sync_ms;
	/* The counters' file and the metrics child (server/exporter.c). */
	struct exporter ex;
	/* The domain watcher child (server/watcher.c), restarted if it dies. */
	struct child watcher;
};

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t master_now_ms(void);

/*
 * master_children.c: the helper children (collector, watcher, metrics
 * exporter; server/child.c starts them) and the store's upkeep.
 */

/*
 * The start of every child the master forks (master_pid is the
 * master's): dies with the master, lets go of what is the master's.
 */
void master_child_start(struct master *m, pid_t master_pid);

/* A child's own store (LMDB must never cross a fork); NULL with *err. */
struct store *master_child_store(const struct master *m,
				 struct rvirt_error *err);

/* Sync the store's data file (store_sync = relaxed, and at the end). */
void master_store_sync(struct master *m);

/* Once a tick: the watcher, the relaxed sync, the collector when due. */
void master_store_upkeep(struct master *m, uint64_t now);

/* Start the metrics child when one is due (see exporter_due). */
void master_exporter_spawn(struct master *m);

/* master_upgrade.c: the binary upgrade on SIGUSR2 and its hand-over. */

/* Put this master's pid back into the pidfile a failed upgrade took. */
void master_pidfile_restore(struct master *m);

/* SIGUSR2: start the binary again with our sockets. */
void master_upgrade_start(struct master *m);

/* Give up the upgrade in flight (logged with why); the master goes on. */
void master_upgrade_abort(struct master *m, const char *why);

/* The upgrade pipe is readable: ready byte (hand over), or EOF. */
void master_upgrade_event(struct master *m);

#endif
