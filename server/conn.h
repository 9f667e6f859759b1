/* SPDX-License-Identifier: MIT */
/* conn: one client connection: buffers, deadlines, session state. */
#ifndef RVIRT_SERVER_CONN_H
#define RVIRT_SERVER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scoreboard/scoreboard.h"
#include "dispatch.h"
#include "listen.h"
#include "rpc.h"

/* Calls one connection may run per readiness event (fairness). */
#define CONN_CALLS_PER_EVENT 16

/*
 * What a worker lends its connections while handling one event: the
 * store, a shared read buffer and a shared reply buffer (a connection
 * keeps bytes of its own only when a reply or a next record has to
 * wait), and the time.
 */
struct conn_env {
	struct store *store;
	unsigned char *rbuf;
	size_t rbuf_size;
	struct rpc_buf *obuf;
	uint64_t now_ms; /* CLOCK_MONOTONIC_COARSE, in milliseconds */
	/*
	 * The worker's scoreboard slot (sb NULL: none): a call is marked
	 * BUSY with its procedure and client, a partial record READING.
	 */
	struct sb *sb;
	int sb_slot;
	uint64_t calls; /* calls answered by this worker, all connections */
	/* The first session not written down is due then; 0: none known. */
	uint64_t record_due_ms;
};

/* What a connection wants next. */
enum conn_next {
	CONN_READ,  /* wait until the socket is readable */
	CONN_WRITE, /* a reply is partly written: wait until writable */
	CONN_READY, /* a complete record is buffered: run it soon */
	CONN_CLOSE, /* close it (the reason is logged already) */
	/* A call is parked (evpark.c): watch for a hang-up only. */
	CONN_PARKED,
};

struct conn {
	int fd;
	enum listen_kind kind;
	struct session_state sess;
	struct rpc_record rec;
	/* Bytes read after a complete record, waiting for their turn. */
	unsigned char *pending;
	size_t pending_off, pending_len;
	/* The rest of a reply the socket did not take at once. */
	unsigned char *out;
	size_t out_off, out_len;
	uint64_t last_active_ms;  /* last byte read or reply finished */
	uint64_t record_start_ms; /* first byte of the record in progress */
	uint64_t out_start_ms;	  /* when the reply began to wait */
	uint64_t calls;		  /* calls answered */
	/*
	 * Beyond the worker's limits (server/admit.c): the first call gets
	 * this error as its reply, then the connection closes.  NULL for
	 * a connection served as usual.
	 */
	struct rvirt_error *refuse;

	/* The worker's bookkeeping. */
	uint32_t events; /* epoll events registered */
	bool on_ready;	 /* in the worker's ready list */
	struct conn *prev, *next, *ready_next;
};

/*
 * A connection for fd (owned from now on, closed by conn_free) accepted
 * on a listener of kind.  The session is zeroed: the caller fills it
 * (auth_session_init).  NULL when out of memory (fd is then not closed).
 */
struct conn *conn_new(int fd, enum listen_kind kind, uint64_t now_ms);

/*
 * Close the socket, release the session (dispatch_session_release) and
 * free.  NULL is a no-op.
 */
void conn_free(struct conn *c);

/*
 * The socket is readable, or a buffered record is waiting (CONN_READY):
 * read, run complete calls and send their replies, at most
 * CONN_CALLS_PER_EVENT of them.
 */
enum conn_next conn_on_readable(struct conn *c, struct conn_env *env);

/* The socket is writable: send the rest of the reply, then go on reading. */
enum conn_next conn_on_writable(struct conn *c, struct conn_env *env);

/*
 * Events may have been committed, or a parked call's deadline passed:
 * answer the parked call of c if it is due (CONN_PARKED while it still
 * waits), then go on as after a reply.
 */
enum conn_next conn_on_park(struct conn *c, struct conn_env *env);

/* Whether a reply is waiting to be written. */
bool conn_has_output(const struct conn *c);

/*
 * Why c should be closed at now_ms, or NULL: a record started more than
 * message_ms ago, a reply waiting more than message_ms, or nothing
 * happening for idle_ms.  0 turns a deadline off.
 */
const char *conn_expired(const struct conn *c, uint64_t now_ms,
			 uint64_t message_ms, uint64_t idle_ms);

#endif
