/* SPDX-License-Identifier: MIT */
/* event: lifecycle event registrations of librvirt (doc/events.md). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "conn.h"
#include "rvirt.h"

/*
 * Each registration has a thread and a connection of its own (opened
 * like the application's): the thread parks an EVENT_WAIT there, so a
 * wait never delays the application's calls, which keep their one call
 * at a time on their own connection.  The cursor advances only after
 * the callback has seen an event, so a wait sent again after a
 * reconnect (or on a new connection, when the old one gave up) asks
 * for exactly the events not yet delivered.
 */

/*
 * How long one EVENT_WAIT parks: a registration costs the daemon one
 * call this often when nothing happens.
 */
#define EVENT_WAIT_MS 300000
/* Events fetched per wait. */
#define EVENT_BATCH 256
/* Between attempts to open a new connection when the old one gave up. */
#define EVENT_RETRY_MS 1000

struct event_reg {
	int id;
	struct rvirt_conn *conn; /* the application's */
	struct rvirt_conn *own;	 /* the thread's */
	char *domain;
	unsigned int kinds;
	void (*cb)(struct rvirt_conn *conn, const struct rvirt_domain_event *ev,
		   void *opaque);
	void *opaque;
	void (*free_opaque)(void *opaque);
	uint64_t cursor;
	bool stop;    /* under event_lock: no more callbacks */
	bool running; /* the thread is inside a callback batch */
	pthread_t thread;
	struct event_reg *next;
};

static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t event_cond = PTHREAD_COND_INITIALIZER;
static struct event_reg *event_regs;
static int event_next_id;

static void
event_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One EVENT_WAIT on r->own.  0 with *ret filled, or -1 with *err. */
static int
event_wait(struct event_reg *r, unsigned int flags, unsigned int timeout_ms,
	   rvirt_event_wait_ret *ret, struct rvirt_error *err)
{
	rvirt_event_wait_args args;
	struct timeval tv = { timeout_ms / 1000 + 30, 0 };
	enum clnt_stat cs;

	memset(&args, 0, sizeof(args));
	args.cursor = r->cursor;
	args.domain = r->domain;
	args.kinds = r->kinds;
	args.max = EVENT_BATCH;
	args.timeout_ms = timeout_ms;
	args.flags = flags;
	memset(ret, 0, sizeof(*ret));
	if (conn_begin(r->own, err) < 0)
		return -1;
	clnt_control(conn_clnt(r->own), CLSET_TIMEOUT, (char *)&tv);
	cs = rvirt_proc_event_wait_1(&args, ret, conn_clnt(r->own));
	if (conn_end(r->own, "EVENT_WAIT", cs, ret->status,
		     &ret->rvirt_event_wait_ret_u.error, err) < 0) {
		xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)ret);
		return -1;
	}
	return 0;
}

/* Hand the events of one reply to the callback, in order. */
static void
event_deliver(struct event_reg *r, const rvirt_wire_events *w)
{
	struct rvirt_domain_event ev;

	pthread_mutex_lock(&event_lock);
	if (r->stop) {
		pthread_mutex_unlock(&event_lock);
		return;
	}
	r->running = true;
	pthread_mutex_unlock(&event_lock);
	if (w->lost > 0) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = RVIRT_EVENT_LOST;
		ev.lost = w->lost;
		ev.status = -1;
		ev.dom.id = -1;
		r->cb(r->conn, &ev, r->opaque);
	}
	for (u_int i = 0; i < w->events.events_len; i++) {
		const rvirt_wire_event *e = &w->events.events_val[i];

		memset(&ev, 0, sizeof(ev));
		ev.seq = e->seq;
		snprintf(ev.dom.name, sizeof(ev.dom.name), "%s",
			 e->dom.name ? e->dom.name : "");
		memcpy(ev.dom.uuid, e->dom.uuid, sizeof(ev.dom.uuid));
		ev.dom.id = e->dom.id;
		ev.kind = e->kind;
		ev.detail = e->detail;
		ev.status = e->status;
		ev.time_ns = e->time_ns;
		snprintf(ev.identity, sizeof(ev.identity), "%s",
			 e->identity ? e->identity : "");
		r->cb(r->conn, &ev, r->opaque);
	}
	r->cursor = w->cursor;
	pthread_mutex_lock(&event_lock);
	r->running = false;
	pthread_cond_broadcast(&event_cond);
	pthread_mutex_unlock(&event_lock);
}

static bool
event_stopped(struct event_reg *r)
{
	bool stop;

	pthread_mutex_lock(&event_lock);
	stop = r->stop;
	pthread_mutex_unlock(&event_lock);
	return stop;
}

static void
event_reg_free(struct event_reg *r)
{
	rvirt_conn_close(r->own);
	if (r->free_opaque)
		r->free_opaque(r->opaque);
	free(r->domain);
	free(r);
}

static void *
event_thread(void *arg)
{
	struct event_reg *r = arg;
	rvirt_event_wait_ret ret;
	struct rvirt_error err;
	unsigned int park;

	while (!event_stopped(r)) {
		if (!r->own) {
			/*
			 * The old connection gave up: the daemon was away
			 * longer than its reconnect timeout.  Try again,
			 * marked running so a close of the application's
			 * connection waits for the look at it.
			 */
			pthread_mutex_lock(&event_lock);
			if (r->stop) {
				pthread_mutex_unlock(&event_lock);
				break;
			}
			r->running = true;
			pthread_mutex_unlock(&event_lock);
			r->own = conn_open_again(r->conn, &err);
			pthread_mutex_lock(&event_lock);
			r->running = false;
			pthread_cond_broadcast(&event_cond);
			pthread_mutex_unlock(&event_lock);
			if (!r->own) {
				event_sleep_ms(EVENT_RETRY_MS);
				continue;
			}
		}
		/*
		 * A parked wait answers nothing else, keepalive probes
		 * included: keep it well inside interval * count.
		 */
		park = conn_keepalive_park_ms(r->own);
		if (!park || park > EVENT_WAIT_MS)
			park = EVENT_WAIT_MS;
		if (event_wait(r, 0, park, &ret, &err) < 0) {
			if (err.code == RVIRT_ERR_EVENT_CURSOR) {
				/* Not the store the cursor came from. */
				r->cursor = 0;
				continue;
			}
			rvirt_conn_close(r->own);
			r->own = NULL;
			continue;
		}
		event_deliver(r, &ret.rvirt_event_wait_ret_u.ev);
		xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)&ret);
	}
	event_reg_free(r);
	return NULL;
}

int
rvirt_conn_domain_event_register(struct rvirt_conn *conn, const char *domain,
				 unsigned int kinds,
				 void (*cb)(struct rvirt_conn *conn,
					    const struct rvirt_domain_event *ev,
					    void *opaque),
				 void *opaque,
				 void (*free_opaque)(void *opaque),
				 struct rvirt_error *err)
{
	struct event_reg *r;
	rvirt_event_wait_ret ret;
	pthread_attr_t attr;
	int rc, id;

	if (!conn || !cb) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"cannot register for events: %s",
			conn ? "no callback given" : "no connection given");
		return -1;
	}
	if (domain && strlen(domain) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"cannot register for events of '%.32s...': the name "
			"is longer than %d bytes",
			domain, RVIRT_NAME_MAX);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->domain = strdup(domain ? domain : ""))) {
		free(r);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"cannot register for events: out of memory");
		return -1;
	}
	r->conn = conn;
	r->kinds = kinds;
	r->cb = cb;
	r->opaque = opaque;
	r->own = conn_open_again(conn, err);
	if (!r->own)
		goto fail;
	/* From now on: the newest event is where this one starts. */
	if (event_wait(r, RVIRT_EVENT_WAIT_NOW, 0, &ret, err) < 0)
		goto fail;
	r->cursor = ret.rvirt_event_wait_ret_u.ev.cursor;
	xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)&ret);
	pthread_mutex_lock(&event_lock);
	id = r->id = event_next_id++;
	r->next = event_regs;
	event_regs = r;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&r->thread, &attr, event_thread, r);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		event_regs = r->next;
		pthread_mutex_unlock(&event_lock);
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_CLIENT,
			"cannot register for events: cannot start a thread: "
			"%s",
			strerror(rc));
		goto fail;
	}
	/* The thread frees r (and calls free_opaque) when it ends. */
	r->free_opaque = free_opaque;
	pthread_mutex_unlock(&event_lock);
	return id;
fail:
	rvirt_conn_close(r->own);
	free(r->domain);
	free(r);
	return -1;
}

/* Under event_lock: stop r and wait for a callback batch in flight. */
static void
event_stop_locked(struct event_reg *r)
{
	r->stop = true;
	while (r->running && !pthread_equal(r->thread, pthread_self()))
		pthread_cond_wait(&event_cond, &event_lock);
}

int
rvirt_conn_domain_event_deregister(struct rvirt_conn *conn, int id,
				   struct rvirt_error *err)
{
	struct event_reg **pp, *r;

	pthread_mutex_lock(&event_lock);
	for (pp = &event_regs; *pp; pp = &(*pp)->next) {
		r = *pp;
		if (r->conn == conn && r->id == id) {
			*pp = r->next;
			event_stop_locked(r);
			pthread_mutex_unlock(&event_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&event_lock);
	err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
		"cannot deregister event callback %d: no such registration",
		id);
	return -1;
}

void
event_conn_close(struct rvirt_conn *conn)
{
	struct event_reg **pp, *r;

	pthread_mutex_lock(&event_lock);
	for (pp = &event_regs; *pp;) {
		r = *pp;
		if (r->conn != conn) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		event_stop_locked(r);
	}
	pthread_mutex_unlock(&event_lock);
}
