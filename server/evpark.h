/* SPDX-License-Identifier: MIT */
/* evpark: calls parked in a worker (EVENT_WAIT, CONSOLE_READ, GRAPHICS_READ) until they can be answered. */
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
 *
 * A CONSOLE_READ that finds no output parks the same way
 * (evpark_park_console): the worker watches the console's directory
 * with one inotify descriptor, and the log growing or the holder going
 * wakes it (doc/console.md).  Both wake-ups are one descriptor for the
 * worker's loop, and a parked call of either kind is answered by the
 * same engine path (conn_on_park).  A GRAPHICS_READ that finds nothing
 * parks with its VNC socket in that same epoll set while it waits
 * (evpark_park_graphics, server/proc_graphics.c).
 */
struct evpark;

enum evpark_kind {
	EVPARK_EVENTS,	 /* an EVENT_WAIT: woken by commits */
	EVPARK_CONSOLE,	 /* a CONSOLE_READ: woken by its console directory */
	EVPARK_GRAPHICS, /* a GRAPHICS_READ: woken by its VNC socket */
};

/*
 * Once per process that commits to st: publish journaled events in sb
 * after each commit (sb may be NULL: nothing is published).  For a
 * worker also make the wake-up descriptor; returns it (for epoll), or
 * -1 with *err.
 */
void evpark_publish_init(struct store *st, struct sb *sb);
int evpark_worker_init(struct store *st, struct sb *sb,
		       struct rvirt_error *err);

/* The wake-up fd was readable: read it empty (and note what woke). */
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
 * The same for a CONSOLE_READ of args (copied, but for dom) that found
 * nothing: park it until the console directory cdir changes or
 * args->wait_ms pass.  Same returns as evpark_park.
 */
int evpark_park_console(struct session_state *sess, uint32_t xid,
			const char *cdir,
			const struct rvirt_console_read_args *args,
			struct rvirt_error *err);

/*
 * The same for a GRAPHICS_READ of args (copied) that found nothing:
 * park it until fd (the stream's socket, which stays the caller's) is
 * readable or args->wait_ms pass.  Same returns as evpark_park.
 */
int evpark_park_graphics(struct session_state *sess, uint32_t xid, int fd,
			 const struct rvirt_graphics_read_args *args,
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
