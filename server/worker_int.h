/* SPDX-License-Identifier: MIT */
/* worker_int: the worker's state, shared by worker.c and worker_accept.c. */
#ifndef RVIRT_SERVER_WORKER_INT_H
#define RVIRT_SERVER_WORKER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/ratelimit.h"
#include "admit.h"
#include "config.h"
#include "conn.h"
#include "listen.h"
#include "rpc.h"

/*
 * epoll data: a connection is its pointer; the signalfd and the
 * listeners are small numbers, which no pointer can be.
 */
#define WORKER_TAG_SIGNAL 1
/* evpark's wake-up eventfd */
#define WORKER_TAG_EVENTS 2
#define WORKER_TAG_LISTENER 16 /* + index in the listen set */

struct worker {
	const struct config *cfg;
	const struct listen_set *ls;
	struct admit_limits lim; /* slots, hard limit, rw reserve */
	unsigned int nonrw;	 /* connections not on the rw unix socket */
	unsigned int nrefusing;	 /* connections held only to refuse them */
	uint64_t pool_check_ms;	 /* when to look at the other workers again */
	bool pool_full;		 /* no other worker has a free slot */
	unsigned int pool_limit; /* ... below this many connections */
	pid_t master_pid;	 /* 0, or the master to kick */
	uint64_t kick_ms;	 /* no SIGUSR1 to the master before */
	struct conn *dead;	 /* shed in this batch of events, to free */
	uint64_t max_calls;	 /* recycle after so many calls, 0 never */
	uint32_t accept_flags;	 /* EPOLLEXCLUSIVE unless measuring */
	uint64_t accepts;	 /* accept() calls that gave a connection */
	uint64_t accepts_empty;	 /* ... that found nothing (EAGAIN) */
	uint64_t wakeups_empty;	 /* listener events with nothing to take */
	int epfd;
	int sigfd;
	struct conn *conns; /* every connection, doubly linked */
	unsigned int nconns;
	struct conn *ready; /* connections with a buffered record */
	bool accepting;	    /* listeners are in the epoll set */
	bool at_limit;	    /* paused at max_clients_per_worker */
	bool stopping;
	uint64_t accept_resume_ms; /* paused for lack of fds until then */
	uint64_t next_sweep_ms;
	uint64_t stop_deadline_ms;
	uint64_t message_ms, idle_ms;
	uint64_t touch_ms; /* how often open sessions are marked used */
	uint64_t next_touch_ms;
	struct rpc_buf obuf;
	struct conn_env env;
};

/* Refusals, logged at a bounded rate; the main loop flushes the count. */
extern struct ratelimit worker_refuse_log;

/*
 * worker.c: take c out of the worker's lists and counts (the caller
 * closes or frees it).
 */
void worker_conn_detach(struct worker *w, struct conn *c);

/*
 * worker_accept.c, the accept path (the rules of admit.c applied):
 * put the listeners in the epoll set (on) or take them out.
 */
void worker_accept_set(struct worker *w, bool on);
/* Accept again when nothing holds it back any more. */
void worker_accept_maybe_resume(struct worker *w);
/*
 * Take the connections waiting on l, as many as its budget and the
 * other workers' room allow; shed, refuse or step back as admit.c says.
 */
void worker_accept(struct worker *w, const struct listener *l);

#endif
