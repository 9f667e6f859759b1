/* SPDX-License-Identifier: MIT */
/* worker: the epoll event loop over listeners and client connections. */
#ifndef RVIRT_SERVER_WORKER_H
#define RVIRT_SERVER_WORKER_H

#include "../common/rvirt_defs.h"
#include "../store/store.h"
#include "config.h"
#include "listen.h"

/* Seconds a graceful stop waits for unsent replies to drain. */
#define WORKER_DRAIN_TIMEOUT 5

/*
 * Serve clients until SIGTERM or SIGINT: accept on the listeners in ls
 * (borrowed; not closed), run one call at a time per connection, close
 * connections past message_timeout or idle_timeout, stop accepting at
 * max_clients and resume below it.  SIGHUP is logged (reload is not
 * implemented yet).  The caller has opened store in this process.
 *
 * It blocks SIGTERM, SIGINT and SIGHUP and reads them from a signalfd;
 * block them earlier yourself so that none is lost before.  On a stop
 * it accepts no more, lets replies drain for at most
 * WORKER_DRAIN_TIMEOUT seconds, then closes every connection (releasing
 * its session) and returns 0.  Returns -1 with *err when the loop
 * cannot be set up or fails.
 *
 * This is the seam for a prefork master: it forks, the child opens its
 * own store and calls worker_run with the inherited listeners.
 */
int worker_run(const struct config *cfg, const struct listen_set *ls,
	       struct store *store, struct rvirt_error *err);

#endif
