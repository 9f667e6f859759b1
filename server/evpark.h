/* SPDX-License-Identifier: MIT */
/* evpark: EVENT_WAIT calls parked in a worker until events commit. */
#ifndef RVIRT_SERVER_EVPARK_H
#define RVIRT_SERVER_EVPARK_H

#include <stdbool.h>
#include <stdint.h>

#include "rvirt_protocol.h"

#include "../scoreboard/scoreboard.h"
#include "../store/store.h"
#include "dispatch.h"
#include "rpc.h"

/*
 * An EVENT_WAIT with nothing to return yet does not hold the worker:
 * the handler parks it on its connection (evpark_park), the engine
 * sends no reply, and the worker goes on serving its other
 * connections.  The parked call is answered by evpark_poll when the
 * worker's wake-up fd says events may have been committed, or when its
 * deadline passes.  The wake-up: every store commit that journaled
 * events publishes in the scoreboard (sb_event_publish: a futex word
 * bumped and woken); a thread of the worker, started with its first
 * parked call, sleeps on that futex and makes an eventfd readable.  A
 * parked call costs no CPU and no polling (doc/events.md).
 */
struct evpark;

/*
 * Once per process that commits to st: publish journaled events in sb
 * after each commit (sb may be NULL: nothing is published).  For a
 * worker also make the wake-up eventfd; returns it (for epoll), or -1
 * with *err.
 */
void evpark_publish_init(struct store *st, struct sb *sb);
int evpark_worker_init(struct store *st, struct sb *sb,
		       struct rvirt_error *err);

/* The wake-up fd was readable: read it empty. */
void evpark_drain(void);

/*
 * The handler's side: park the call xid of sess with args (copied)
 * for its timeout.  sess->park is set.  Returns 1 when parked, 0 when
 * this process cannot park (no worker loop: answer now), -1 with *err
 * when out of memory.
 */
int evpark_park(struct session_state *sess, uint32_t xid,
		const struct rvirt_event_wait_args *args,
		struct rvirt_error *err);

/*
 * The engine's side, right after the handler ran: true once for a call
 * that was just parked (no reply goes out now).
 */
bool evpark_just_parked(struct session_state *sess);

/*
 * Try to answer the parked call of sess: 0 still waiting, 1 when out
 * holds its reply (the caller then frees it with evpark_free and sends
 * out), -1 when out of memory (close the connection).
 */
int evpark_poll(struct session_state *sess, struct store *st, uint64_t now_ms,
		struct rpc_buf *out);

/* Forget the parked call of sess (sess->park becomes NULL). */
void evpark_free(struct session_state *sess);

/* The earliest deadline of a parked call, UINT64_MAX when none. */
uint64_t evpark_next_deadline(void);

/* Walk the parked calls: their connections (set by evpark_set_owner). */
struct evpark *evpark_first(void);
struct evpark *evpark_next(const struct evpark *p);
void *evpark_owner(const struct evpark *p);
void evpark_set_owner(struct evpark *p, void *owner);

#endif
