/* SPDX-License-Identifier: MIT */
/*
 * worker_accept: a worker's accept path, which applies the connection
 * budgets of admit.c (taking, shedding, refusing, stepping back from the
 * epoll set, telling the master).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/ratelimit.h"
#include "../scoreboard/metrics.h"
#include "admit.h"
#include "auth.h"
#include "conn.h"
#include "keepalive.h"
#include "worker.h"
#include "worker_int.h"

/* Connections accepted per listener event, so calls are not starved. */
#define WORKER_ACCEPTS_PER_EVENT 32
/* How long accepting pauses when out of file descriptors. */
#define WORKER_ACCEPT_PAUSE_MS 1000

/* Refusals and sheds, logged at a bounded rate. */
struct ratelimit worker_refuse_log = RATELIMIT_DEFAULT;
static struct ratelimit worker_shed_log = RATELIMIT_DEFAULT;

void
worker_accept_set(struct worker *w, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | w->accept_flags };

	if (w->accepting == on)
		return;
	for (size_t i = 0; i < w->ls->n; i++) {
		ev.data.u64 = WORKER_TAG_LISTENER + i;
		if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
			      w->ls->ls[i].fd, &ev) < 0)
			log_error("cannot %s accepting on '%s': %s",
				  on ? "resume" : "pause", w->ls->ls[i].name,
				  strerror(errno));
	}
	w->accepting = on;
}

/*
 * Whether the worker holds max_clients_per_worker connections while
 * another worker has a free slot: it then leaves new connections to
 * the others.  When none has room it goes on accepting (overflow) up
 * to its hard limit (server/admit.c).  The scoreboard is read at most
 * every ADMIT_POOL_CHECK_MS.
 */
static bool
worker_at_slots(struct worker *w)
{
	unsigned int n = w->nconns - w->nrefusing;
	/*
	 * At the hard limit, a worker that others can still relieve steps
	 * back too: its next connection would otherwise be refused while
	 * they have room (with EPOLLEXCLUSIVE the same worker is often
	 * woken again and again).
	 */
	unsigned int limit = n >= w->lim.hard ? w->lim.hard : w->lim.slots;

	if (n < w->lim.slots)
		return false;
	if (w->env.now_ms >= w->pool_check_ms || limit != w->pool_limit) {
		unsigned int others;

		w->pool_limit = limit;
		w->pool_full = admit_pool_full(w->env.sb, w->env.sb_slot, limit,
					       &others);
		/* Strict: only a pool that cannot grow any more is full. */
		if (w->lim.strict && others + 1 < w->lim.max_workers)
			w->pool_full = false;
		w->pool_check_ms = w->env.now_ms + ADMIT_POOL_CHECK_MS;
	}
	return !w->pool_full;
}

/* Accept again when nothing holds it back any more. */
void
worker_accept_maybe_resume(struct worker *w)
{
	if (w->accepting || w->stopping || w->accept_resume_ms)
		return;
	if (worker_at_slots(w))
		return;
	if (w->at_limit) {
		log_debug("%u connections (%u slots): accepting again",
			  w->nconns, w->lim.slots);
		w->at_limit = false;
	}
	worker_accept_set(w, true);
}

/*
 * Close c to make room for a new connection, in the middle of a batch
 * of events: later events of the batch may still point to it, so the
 * socket closes now and the memory after the batch (worker_free_dead).
 */
static void
worker_conn_shed(struct worker *w, struct conn *c, const char *where)
{
	const char *why = !c->sess.authenticated ? "unauthenticated"
			  : !c->sess.hv		 ? "no session opened"
						 : "stalled in a record";

	log_ratelimited(&worker_shed_log, LOG_LEVEL_WARN,
			"closing connection of '%s' (%s) to make room on '%s'",
			c->sess.identity, why, where);
	worker_conn_detach(w, c);
	/* Its max_anonymous_clients place is free now, not after the batch. */
	auth_session_release(&c->sess);
	close(c->fd);
	c->fd = -1;
	c->ready_next = w->dead;
	w->dead = c;
	if (w->env.sb)
		sb_slot_conn_close(w->env.sb, w->env.sb_slot);
}

/*
 * Over its socket's budget: make c a connection whose first call is
 * answered with a clear error before it closes.  -1 when it must close
 * at once (too many such, or no memory).
 */
static int
worker_conn_refuse(struct worker *w, const struct listener *l, struct conn *c)
{
	if (w->nrefusing >= ADMIT_REFUSING_MAX ||
	    !(c->refuse = malloc(sizeof(*c->refuse)))) {
		log_ratelimited(&worker_refuse_log, LOG_LEVEL_WARN,
				"closing a connection on '%s' at once: %u "
				"connections are open, and %u others are "
				"being refused",
				l->name, w->nconns - w->nrefusing,
				w->nrefusing);
		return -1;
	}
	err_set(c->refuse, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
		"cannot serve a new connection on '%s': %u connections are "
		"open (max_clients %u per worker, %u of them kept for the "
		"read-write socket)",
		l->name, w->nconns - w->nrefusing, w->lim.hard, w->lim.reserve);
	snprintf(c->sess.identity, sizeof(c->sess.identity), "%s:refused",
		 listen_kind_name(l->kind));
	log_ratelimited(&worker_refuse_log, LOG_LEVEL_WARN,
			"refusing a connection: %s", c->refuse->message);
	return 0;
}

/*
 * Beyond its slots or its budget: ask the master for another worker at
 * once (a burst of connections fills a pool faster than its tick).
 */
static void
worker_kick_master(struct worker *w)
{
	if (!w->master_pid || w->env.now_ms < w->kick_ms)
		return;
	w->kick_ms = w->env.now_ms + WORKER_KICK_MS;
	/* Only the master that forked us (never a process reusing its pid). */
	if (getppid() == w->master_pid)
		kill(w->master_pid, SIGUSR1);
}

/* Which budget the connection falls in: make room, or refuse it. */
static enum admit_verdict
worker_admit(struct worker *w, const struct listener *l)
{
	enum admit_verdict v;
	struct conn *victim;

	/* One connection per process: the rest of a full pool is refused. */
	if (w->lim.strict && w->nconns - w->nrefusing >= 1)
		return ADMIT_REFUSE;
	v = admit_decide(&w->lim, l->kind, w->nconns - w->nrefusing, w->nonrw);
	if (v != ADMIT_SHED)
		return v;
	worker_kick_master(w);
	victim = admit_pick_shed(w->conns, l->kind, w->env.now_ms);
	if (!victim)
		return ADMIT_REFUSE;
	worker_conn_shed(w, victim, l->name);
	return ADMIT_OK;
}

static void
worker_conn_add(struct worker *w, const struct listener *l, int fd,
		const struct sockaddr *peer, socklen_t peerlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	enum admit_verdict v = worker_admit(w, l);
	struct rvirt_error err;
	struct conn *c;
	int one = 1;

	c = conn_new(fd, l->kind, w->env.now_ms);
	if (!c) {
		log_error("cannot accept on '%s': out of memory", l->name);
		close(fd);
		return;
	}
	if (v != ADMIT_REFUSE && auth_anon_full(l->kind, w->cfg)) {
		/* Unauthenticated ones past their grace make room. */
		struct conn *victim =
			admit_pick_anon(w->conns, l->kind, w->env.now_ms);

		if (victim)
			worker_conn_shed(w, victim, l->name);
	}
	if (v == ADMIT_REFUSE) {
		metrics_conn_refused(l->kind);
		if (worker_conn_refuse(w, l, c) < 0) {
			conn_free(c);
			return;
		}
	} else if (auth_session_init(&c->sess, l->kind, fd, peer, peerlen,
				     w->cfg, &err) < 0) {
		log_ratelimited(&worker_refuse_log, LOG_LEVEL_WARN,
				"closing a connection on '%s': %s", l->name,
				err.message);
		metrics_conn_refused(l->kind);
		conn_free(c);
		return;
	}
	/* Replies are whole records: send them now, not after 40 ms. */
	if (l->kind == LISTEN_TCP || l->kind == LISTEN_TLS)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (l->kind == LISTEN_TCP || l->kind == LISTEN_TLS)
		keepalive_tcp(fd);
	ev.data.ptr = c;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_error("closing connection of '%s': cannot watch it: %s",
			  c->sess.identity, strerror(errno));
		conn_free(c);
		return;
	}
	c->events = EPOLLIN;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	if (c->refuse)
		w->nrefusing++;
	else if (c->kind != LISTEN_UNIX_RW)
		w->nonrw++;
	if (w->nconns - w->nrefusing > w->lim.slots)
		worker_kick_master(w);
	if (w->env.sb)
		sb_slot_conn_open(w->env.sb, w->env.sb_slot);
	metrics_conn_accepted(l->kind);
	log_debug("connection of '%s' on '%s'", c->sess.identity, l->name);
}

void
worker_accept(struct worker *w, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	for (int i = 0; i < WORKER_ACCEPTS_PER_EVENT && w->accepting; i++) {
		/*
		 * Other workers have room: they take the rest.  But the
		 * connection that woke this worker is taken first:
		 * EPOLLEXCLUSIVE woke no other worker for it, so leaving
		 * it would strand it in the backlog until the next one
		 * arrives.  (Strict one-per-process workers leave it.)
		 */
		if ((i > 0 || w->lim.strict) && worker_at_slots(w)) {
			log_debug("%u connections: at max_clients_per_worker, "
				  "not accepting",
				  w->nconns);
			w->at_limit = true;
			worker_accept_set(w, false);
			return;
		}
		sl = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				w->accepts_empty++;
				if (i == 0)
					w->wakeups_empty++;
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/*
				 * Level-triggered: without a pause the
				 * loop would spin on the waiting client.
				 */
				log_error("cannot accept on '%s': %s: pausing "
					  "for %d ms",
					  l->name, strerror(errno),
					  WORKER_ACCEPT_PAUSE_MS);
				w->accept_resume_ms =
					w->env.now_ms + WORKER_ACCEPT_PAUSE_MS;
				worker_accept_set(w, false);
				return;
			default:
				log_error("cannot accept on '%s': %s", l->name,
					  strerror(errno));
				return;
			}
		}
		w->accepts++;
		worker_conn_add(w, l, fd, (const struct sockaddr *)&ss, sl);
		/* Full now: leave the next one to a worker with room. */
		if (w->nconns - w->nrefusing >= w->lim.hard &&
		    worker_at_slots(w)) {
			w->at_limit = true;
			worker_accept_set(w, false);
			return;
		}
	}
}
