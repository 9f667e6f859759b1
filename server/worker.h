/* SPDX-License-Identifier: MIT */
/* worker: the epoll event loop over listeners and client connections. */
#ifndef RVIRT_SERVER_WORKER_H
#define RVIRT_SERVER_WORKER_H

#include "../common/rvirt_defs.h"
#include "../store/store.h"
#include "../scoreboard/scoreboard.h"
#include "config.h"
#include "listen.h"

/* Seconds a graceful stop waits for unsent replies to drain. */
#define WORKER_DRAIN_TIMEOUT 5
/* A worker asks its master for more workers at most this often. */
#define WORKER_KICK_MS 100

/* What the master hands a worker (or main, for a single process). */
struct worker_params {
	const struct config *cfg;    /* borrowed */
	const struct listen_set *ls; /* borrowed, not closed */
	struct store *store;	     /* opened in this process */
	struct sb *sb;		     /* NULL: no scoreboard */
	int sb_slot;		     /* this worker's slot in sb */
	/*
	 * 0, or the master to tell (SIGUSR1, at most every
	 * WORKER_KICK_MS) that this worker takes connections beyond its
	 * slots or refuses some: the pool should grow now, not at its
	 * next tick.
	 */
	pid_t master_pid;
};

/*
 * Serve clients until SIGTERM or SIGINT (or, with a scoreboard, until
 * max_calls_per_worker calls): accept on the listeners (non-blocking,
 * watched with EPOLLEXCLUSIVE so that a connection wakes one idle worker,
 * not all of them), run one call at a time, close connections past
 * message_timeout or idle_timeout, hold at most
 * min(max_clients_per_worker, max_clients) connections (the listeners
 * leave the epoll set at the cap and come back below it).  SIGHUP is
 * the master's business and ignored here.  Scoreboard states:
 * IDLE, READING, BUSY (through conn.c), GRACEFUL once stopping.
 *
 * It blocks SIGTERM, SIGINT and SIGHUP and reads them from a signalfd;
 * block them earlier yourself so that none is lost before.  On a stop
 * it accepts no more, lets replies drain for at most
 * WORKER_DRAIN_TIMEOUT seconds, then closes every connection (releasing
 * its session) and returns 0.  Returns -1 with *err when the loop
 * cannot be set up or fails.
 */
int worker_run(const struct worker_params *wp, struct rvirt_error *err);

#endif
