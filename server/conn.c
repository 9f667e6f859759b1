/* SPDX-License-Identifier: MIT */
/* conn: one client connection: buffers, deadlines, session state. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/metrics.h"
#include "../common/ratelimit.h"
#include "admit.h"
#include "auth.h"
#include "conn.h"
#include "evpark.h"
#include "keepalive.h"
#include "sessrec.h"
#include "xprt.h"

/* Connections closed for bad or cut input, logged at a bounded rate. */
static struct ratelimit conn_close_log = RATELIMIT_DEFAULT;

struct conn *
conn_new(int fd, enum listen_kind kind, uint64_t now_ms)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->kind = kind;
	c->sess.uid = (uid_t)-1;
	c->sess.gid = (gid_t)-1;
	rpc_record_init(&c->rec);
	c->last_active_ms = now_ms;
	return c;
}

void
conn_free(struct conn *c)
{
	if (!c)
		return;
	evpark_free(&c->sess);
	dispatch_session_release(&c->sess);
	auth_session_release(&c->sess);
	if (c->fd >= 0)
		close(c->fd);
	rpc_record_release(&c->rec);
	free(c->pending);
	free(c->out);
	free(c->refuse);
	free(c);
}

bool
conn_has_output(const struct conn *c)
{
	return c->out_len > 0;
}

/* Record limit: small until the session has authenticated. */
static size_t
conn_limit(const struct conn *c)
{
	return c->sess.authenticated ? RVIRT_MESSAGE_MAX
				     : RVIRT_MESSAGE_MAX_UNAUTH;
}

/*
 * Send the reply in env->obuf.  What the socket does not take now
 * stays with the connection: the worker's buffer itself is handed over
 * (no copy) and the worker allocates a fresh one on the next call.
 */
static enum conn_next
conn_send(struct conn *c, struct conn_env *env)
{
	struct rpc_buf *ob = env->obuf;
	ssize_t n;

	if (xprt_encode(&c->sess, ob) < 0)
		return CONN_CLOSE;
	do
		n = xprt_send(&c->sess, c->fd, ob->data, ob->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			/* librvirt closes without waiting for the reply. */
			if (c->sess.closed &&
			    (errno == EPIPE || errno == ECONNRESET))
				log_debug("connection of '%s' closed after "
					  "CONNECT_CLOSE",
					  c->sess.identity);
			else
				log_info("closing connection of '%s': cannot "
					 "send: %s",
					 c->sess.identity, strerror(errno));
			return CONN_CLOSE;
		}
		n = 0;
	}
	if ((size_t)n == ob->len) {
		c->last_active_ms = env->now_ms;
		return CONN_READ;
	}
	c->out = ob->data;
	c->out_off = (size_t)n;
	c->out_len = ob->len;
	c->out_start_ms = env->now_ms;
	memset(ob, 0, sizeof(*ob));
	return CONN_WRITE;
}

/* Keep data (len bytes, not from c->pending) for later. */
static int
conn_keep_pending(struct conn *c, const unsigned char *data, size_t len)
{
	c->pending = malloc(len);
	if (!c->pending) {
		log_error("closing connection of '%s': cannot keep %zu "
			  "bytes of input",
			  c->sess.identity, len);
		return -1;
	}
	memcpy(c->pending, data, len);
	c->pending_off = 0;
	c->pending_len = len;
	return 0;
}

/*
 * Tell the scoreboard a call starts: its procedure (the sixth word of a
 * call header; the engine checks the header itself) and its client.
 */
static void
conn_call_begin(struct conn *c, struct conn_env *env, const unsigned char *rec,
		size_t len)
{
	const struct proc_entry *pe = NULL;
	int32_t proc = -1;

	if (len >= 24) {
		proc = (int32_t)((uint32_t)rec[20] << 24 |
				 (uint32_t)rec[21] << 16 |
				 (uint32_t)rec[22] << 8 | rec[23]);
		pe = proc >= 0 ? dispatch_lookup((uint32_t)proc) : NULL;
	}
	sb_slot_set_client(env->sb, env->sb_slot, c->sess.identity);
	sb_slot_call_begin(env->sb, env->sb_slot, proc, pe ? pe->name : NULL);
	metrics_call_begin(proc);
}

/* A session CONNECT_OPEN left unwritten is due then (server/sessrec.c). */
static void
conn_note_unrecorded(const struct conn *c, struct conn_env *env)
{
	uint64_t due = sessrec_due_ms(&c->sess);

	if (due && (!env->record_due_ms || due < env->record_due_ms))
		env->record_due_ms = due;
}

/*
 * Run the records in data.  from_pending says data is c->pending's,
 * which then must stay allocated while a record inside it runs.
 */
static enum conn_next
conn_process(struct conn *c, struct conn_env *env, const unsigned char *data,
	     size_t len, bool from_pending)
{
	unsigned int budget = CONN_CALLS_PER_EVENT;
	enum conn_next next = CONN_READ;
	bool refused = false; /* a refusal went out: close after the rest */
	const unsigned char *rec;
	struct rvirt_error err;
	size_t reclen, used;
	bool was_started;
	int r;

	while (len > 0) {
		was_started = rpc_record_started(&c->rec);
		r = rpc_record_feed(&c->rec, data, len, conn_limit(c), &used,
				    &rec, &reclen, &err);
		if (r < 0) {
			log_ratelimited(&conn_close_log, LOG_LEVEL_WARN,
					"closing connection of '%s': %s",
					c->sess.identity, err.message);
			return CONN_CLOSE;
		}
		if (!was_started)
			c->record_start_ms = env->now_ms;
		data += used;
		len -= used;
		if (r == 0) {
			if (env->sb && rpc_record_started(&c->rec))
				sb_slot_set_state(env->sb, env->sb_slot,
						  SB_STATE_READING);
			break;
		}
		if (c->refuse) {
			/*
			 * Each call that came with the first is refused too
			 * (librvirt sends KEEPALIVE_START and CONNECT_OPEN
			 * in one write: the reply it waits for is the
			 * second); then nothing more is read.
			 */
			r = rpc_call_refuse(rec, reclen, c->refuse, env->obuf);
			rpc_record_reset(&c->rec);
			if (r < 0)
				return CONN_CLOSE;
			next = conn_send(c, env);
			if (next != CONN_READ || --budget == 0)
				return next == CONN_WRITE ? CONN_WRITE
							  : CONN_CLOSE;
			refused = true;
			continue;
		}
		if (env->sb)
			conn_call_begin(c, env, rec, reclen);
		r = rpc_call_handle(rec, reclen, &c->sess, env->store,
				    env->obuf, &err);
		if (env->sb) {
			sb_slot_call_end(env->sb, env->sb_slot);
			metrics_call_end();
		}
		env->calls++;
		conn_note_unrecorded(c, env);
		rpc_record_reset(&c->rec);
		if (r < 0) {
			log_ratelimited(&conn_close_log, LOG_LEVEL_WARN,
					"closing connection of '%s': %s",
					c->sess.identity, err.message);
			return CONN_CLOSE;
		}
		if (c->sess.park) {
			/* No reply now, no next record before it. */
			evpark_set_owner(c->sess.park, c);
			next = CONN_PARKED;
			break;
		}
		c->calls++;
		next = conn_send(c, env);
		if (next == CONN_CLOSE)
			return CONN_CLOSE;
		if (next == CONN_WRITE || --budget == 0)
			break;
	}

	if (refused)
		return CONN_CLOSE;
	if (from_pending) {
		c->pending_off = (size_t)(data - c->pending);
		c->pending_len = len;
		if (len == 0) {
			free(c->pending);
			c->pending = NULL;
			c->pending_off = 0;
		}
	} else if (len > 0 && conn_keep_pending(c, data, len) < 0) {
		return CONN_CLOSE;
	}
	if (next == CONN_WRITE || next == CONN_PARKED)
		return next;
	return c->pending_len > 0 ? CONN_READY : CONN_READ;
}

enum conn_next
conn_on_park(struct conn *c, struct conn_env *env)
{
	enum conn_next next;
	int r = evpark_poll(&c->sess, env->store, env->now_ms, env->obuf);

	if (r == 0)
		return CONN_PARKED;
	evpark_free(&c->sess);
	if (r < 0) {
		log_error("closing connection of '%s': cannot answer its "
			  "event wait",
			  c->sess.identity);
		return CONN_CLOSE;
	}
	c->calls++;
	env->calls++;
	next = conn_send(c, env);
	if (next != CONN_READ)
		return next;
	return c->pending_len > 0 || xprt_pending(&c->sess) ? CONN_READY
							    : CONN_READ;
}

enum conn_next
conn_on_readable(struct conn *c, struct conn_env *env)
{
	const unsigned char *data;
	enum conn_next next;
	ssize_t n;

	if (c->out_len > 0)
		return CONN_WRITE;
	/* Buffered records first: one call at a time, in order. */
	if (c->pending_len > 0)
		return conn_process(c, env, c->pending + c->pending_off,
				    c->pending_len, true);
	n = xprt_read(&c->sess, c->fd, env->rbuf, env->rbuf_size, &data);
	if (n == 0) {
		if (rpc_record_started(&c->rec))
			log_ratelimited(&conn_close_log, LOG_LEVEL_INFO,
					"connection of '%s' closed in the "
					"middle of a record",
					c->sess.identity);
		else
			log_debug("connection of '%s' closed after %llu calls",
				  c->sess.identity,
				  (unsigned long long)c->calls);
		return CONN_CLOSE;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return xprt_pending(&c->sess) ? CONN_READY : CONN_READ;
		if (errno != ECONNABORTED)
			log_info("closing connection of '%s': cannot read: %s",
				 c->sess.identity, strerror(errno));
		return CONN_CLOSE;
	}
	c->last_active_ms = env->now_ms;
	next = conn_process(c, env, data, (size_t)n, false);
	/* GnuTLS may hold decrypted records epoll knows nothing about. */
	if (next == CONN_READ && xprt_pending(&c->sess))
		return CONN_READY;
	return next;
}

enum conn_next
conn_on_writable(struct conn *c, struct conn_env *env)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = xprt_send(&c->sess, c->fd, c->out + c->out_off,
			      c->out_len - c->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return CONN_WRITE;
		if (n < 0) {
			log_info("closing connection of '%s': cannot send: "
				 "%s",
				 c->sess.identity, strerror(errno));
			return CONN_CLOSE;
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	c->last_active_ms = env->now_ms;
	if (c->refuse)
		return CONN_CLOSE;
	return c->pending_len > 0 ? CONN_READY : CONN_READ;
}

const char *
conn_expired(const struct conn *c, uint64_t now_ms, uint64_t message_ms,
	     uint64_t idle_ms)
{
	bool started = rpc_record_started(&c->rec);
	const char *why = auth_expired(&c->sess, now_ms);

	if (why)
		return why;
	if (c->refuse && now_ms - c->last_active_ms >= ADMIT_REFUSE_WAIT_MS)
		return "refused, and no call came to answer";
	if (message_ms && started && now_ms - c->record_start_ms >= message_ms)
		return "message_timeout passed with a record unfinished";
	if (message_ms && c->out_len > 0 &&
	    now_ms - c->out_start_ms >= message_ms)
		return "message_timeout passed with a reply unread";
	if (idle_ms && !started && c->out_len == 0 && c->pending_len == 0 &&
	    !c->sess.park && now_ms - c->last_active_ms >= idle_ms)
		return "idle_timeout passed";
	return keepalive_expired(c, now_ms);
}
