/* SPDX-License-Identifier: MIT */
/* worker: the epoll event loop over listeners and client connections. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/metrics.h"
#include "../common/ratelimit.h"
#include "admit.h"
#include "conn.h"
#include "dispatch.h"
#include "evpark.h"
#include "keepalive.h"
#include "rpc.h"
#include "sessdb.h"
#include "session.h"
#include "sessrec.h"
#include "worker.h"
#include "worker_int.h"

#define WORKER_MAX_EVENTS 64
/* Deadlines are whole seconds: looking once a second is enough. */
#define WORKER_SWEEP_MS 1000
/*
 * During a graceful stop a connection is closed once it has been quiet
 * this long: one accepted just before the stop (its call perhaps still
 * in flight, or unread in the socket) gets the time to send it and have
 * it answered, instead of a reset.
 */
#define WORKER_STOP_QUIET_MS 200
/* One read takes a whole unauthenticated record. */
#define WORKER_RBUF_SIZE RVIRT_MESSAGE_MAX_UNAUTH

/* Deadline closes, logged at a bounded rate (refusals: worker_accept.c). */
static struct ratelimit worker_timeout_log = RATELIMIT_DEFAULT;

static uint64_t
worker_now_ms(void)
{
	struct timespec ts;

	/* The coarse clock is read without a system call. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
worker_ready_remove(struct worker *w, struct conn *c)
{
	struct conn **pp;

	if (!c->on_ready)
		return;
	for (pp = &w->ready; *pp; pp = &(*pp)->ready_next) {
		if (*pp == c) {
			*pp = c->ready_next;
			break;
		}
	}
	c->on_ready = false;
	c->ready_next = NULL;
}

/*
 * Take c out of the worker's lists and counts.  A session not written
 * down yet is written now: its client may come back for it
 * (server/sessrec.c).
 */
void
worker_conn_detach(struct worker *w, struct conn *c)
{
	struct rvirt_error err;

	if (c->sess.unrecorded && w->env.store &&
	    sessrec_write(w->env.store, &c->sess, &err) < 0)
		log_warn("cannot write down the session of '%s' as its "
			 "connection ends: %s",
			 c->sess.identity, err.message);
	worker_ready_remove(w, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	w->nconns--;
	metrics_conn_closed(c->kind);
	if (c->refuse)
		w->nrefusing--;
	else if (c->kind != LISTEN_UNIX_RW)
		w->nonrw--;
}

static void
worker_free_dead(struct worker *w)
{
	struct conn *c;

	while ((c = w->dead)) {
		w->dead = c->ready_next;
		conn_free(c);
	}
}

static void
worker_conn_close(struct worker *w, struct conn *c)
{
	worker_conn_detach(w, c);
	/* Closing the fd removes it from the epoll set. */
	conn_free(c);
	if (w->env.sb) {
		sb_slot_conn_close(w->env.sb, w->env.sb_slot);
		/* A record may have been cut short: not READING any more. */
		if (!w->stopping)
			sb_slot_set_state(w->env.sb, w->env.sb_slot,
					  SB_STATE_IDLE);
	}
	worker_accept_maybe_resume(w);
}

static int
worker_conn_watch(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		log_error("closing connection of '%s': cannot watch it: %s",
			  c->sess.identity, strerror(errno));
		return -1;
	}
	c->events = events;
	return 0;
}

/* Do what the connection asked for after an event. */
static void
worker_conn_next(struct worker *w, struct conn *c, enum conn_next next)
{
	switch (next) {
	case CONN_WRITE:
		if (worker_conn_watch(w, c, EPOLLOUT) < 0)
			break;
		return;
	case CONN_READY:
		if (w->stopping)
			break;
		if (worker_conn_watch(w, c, EPOLLIN) < 0)
			break;
		if (!c->on_ready) {
			c->on_ready = true;
			c->ready_next = w->ready;
			w->ready = c;
		}
		return;
	case CONN_READ:
		if (w->stopping)
			break;
		if (worker_conn_watch(w, c, EPOLLIN) < 0)
			break;
		return;
	case CONN_PARKED:
		/* Only a hang-up matters until the parked call is answered. */
		if (worker_conn_watch(w, c, EPOLLRDHUP) < 0)
			break;
		return;
	case CONN_CLOSE:
		break;
	}
	worker_conn_close(w, c);
}

/* Events may have been committed: answer the parked calls that can be. */
static void
worker_parked(struct worker *w)
{
	struct evpark *p, *next;

	for (p = evpark_first(); p; p = next) {
		/* conn_on_park may free p: take its connection first. */
		struct conn *c = evpark_owner(p);

		next = evpark_next(p);
		worker_conn_next(w, c, conn_on_park(c, &w->env));
	}
}

static void
worker_conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	enum conn_next next;

	if (c->fd < 0)
		return; /* shed earlier in this batch */
	if (c->sess.park) {
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
			log_debug("connection of '%s' closed while waiting "
				  "for events",
				  c->sess.identity);
			worker_conn_close(w, c);
		}
		return;
	}
	/* Otherwise errors and hang-ups show up in read or send. */
	if (conn_has_output(c))
		next = conn_on_writable(c, &w->env);
	else
		next = conn_on_readable(c, &w->env);
	worker_conn_next(w, c, next);
}

/* Run connections whose next record is already buffered. */
static void
worker_run_ready(struct worker *w)
{
	struct conn *list = w->ready, *c;

	w->ready = NULL;
	while (list) {
		c = list;
		list = c->ready_next;
		c->ready_next = NULL;
		c->on_ready = false;
		worker_conn_next(w, c, conn_on_readable(c, &w->env));
	}
}

/*
 * Sessions one commit writes down at most: LMDB keeps the pages a
 * transaction dirtied for its next ones, so a commit of thousands (a
 * burst of consoles) would leave every worker holding hundreds of KiB.
 * t/perf/conns.sh, 10,000 opened connections, PSS per connection: one
 * commit per burst 2,072-2,252 bytes, 32 to a commit 1,976-1,997, 8 to
 * a commit 1,925; a commit per session (before) 1,760-1,844.
 */
#define WORKER_RECORD_BATCH 8

/*
 * Write down up to WORKER_RECORD_BATCH of the sessions that are due (all:
 * every one not written yet) in one transaction; *next: when the next
 * is due (now when more are due already, 0 when none).  Returns how
 * many it wrote, or -1 with *err.
 */
static int
worker_record_batch(struct worker *w, bool all, uint64_t *next,
		    struct rvirt_error *err)
{
	struct conn *batch[WORKER_RECORD_BATCH];
	struct store_txn *txn = NULL;
	struct conn *c;
	uint64_t due;
	int n = 0;

	*next = 0;
	for (c = w->conns; c; c = c->next) {
		due = sessrec_due_ms(&c->sess);
		if (!due)
			continue;
		if (!all && due > w->env.now_ms) {
			if (!*next || due < *next)
				*next = due;
			continue;
		}
		if (n == WORKER_RECORD_BATCH) {
			*next = w->env.now_ms;
			break;
		}
		if (!txn)
			txn = store_txn_begin(sessdb_store(w->env.store), true,
					      err);
		if (!txn)
			return -1;
		if (sessrec_add(txn, &c->sess, err) < 0) {
			store_txn_abort(txn);
			return -1;
		}
		batch[n++] = c;
	}
	/* The commit frees txn, whether it worked or not. */
	if (txn && store_txn_commit_lazy(txn, err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		sessrec_written(&batch[i]->sess);
	return n;
}

/*
 * Write down the sessions that are due (all: every one not written yet),
 * WORKER_RECORD_BATCH to a commit (server/sessrec.c), and note when the
 * next is due.
 */
static void
worker_record_sessions(struct worker *w, bool all)
{
	struct rvirt_error err;
	uint64_t next = 0;
	int n;

	if (!w->env.store)
		return;
	err_clear(&err);
	do
		n = worker_record_batch(w, all, &next, &err);
	while (n == WORKER_RECORD_BATCH);
	if (n < 0) {
		log_warn("cannot write down new sessions: %s", err.message);
		/* Again in a second: the store may have room by then. */
		next = w->env.now_ms + WORKER_SWEEP_MS;
	}
	w->env.record_due_ms = next;
}

/*
 * While stopping: close the connections that are quiet (no reply to
 * send, no record begun, nothing read and waiting, no activity for
 * WORKER_STOP_QUIET_MS).  The call in hand is already done (one thread).
 */
static void
worker_drain(struct worker *w)
{
	struct conn *c, *next;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (conn_has_output(c) || rpc_record_started(&c->rec) ||
		    c->pending_off < c->pending_len || c->on_ready)
			continue;
		/*
		 * A connection with a session can go between two calls: its
		 * client resumes the session elsewhere and re-sends anything
		 * it had sent here unread.  Others get their quiet time.
		 */
		if (!c->sess.hv &&
		    w->env.now_ms - c->last_active_ms < WORKER_STOP_QUIET_MS)
			continue;
		worker_conn_close(w, c);
	}
}

static void
worker_stop(struct worker *w, const char *why)
{
	if (w->stopping)
		return;
	log_info("stopping on %s", why);
	w->stopping = true;
	if (w->env.sb)
		sb_slot_set_state(w->env.sb, w->env.sb_slot, SB_STATE_GRACEFUL);
	w->stop_deadline_ms = w->env.now_ms + WORKER_DRAIN_TIMEOUT * 1000;
	worker_accept_set(w, false);
	/* Their clients resume them elsewhere: in one commit, not one each. */
	worker_record_sessions(w, true);
	worker_drain(w);
}

static int
worker_signals(struct worker *w, struct rvirt_error *err)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (int i = 0; i < 16; i++) {
		n = read(w->sigfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n != sizeof(si)) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				      errno, "cannot read signals");
			return -1;
		}
		switch (si.ssi_signo) {
		case SIGTERM:
			worker_stop(w, "SIGTERM");
			break;
		case SIGINT:
			worker_stop(w, "SIGINT");
			break;
		case SIGHUP:
			/* The master reloads and replaces workers. */
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * Mark the sessions of open connections as used, so that a session
 * expires session_ttl after its last connection went, never while one
 * holds it.  One write transaction for them all, every touch_ms.
 */
static void
worker_touch_sessions(struct worker *w)
{
	struct store_txn *txn = NULL;
	struct rvirt_error err;
	uint64_t now = (uint64_t)time(NULL);
	struct conn *c;

	w->next_touch_ms = w->env.now_ms + w->touch_ms;
	if (!w->env.store)
		return;
	err_clear(&err);
	for (c = w->conns; c; c = c->next) {
		/* One not written down yet is written as new soon. */
		if (!c->sess.hv || c->sess.unrecorded)
			continue;
		if (!txn) {
			txn = store_txn_begin(sessdb_store(w->env.store), true,
					      &err);
			if (!txn)
				break;
		}
		if (session_touch(txn, c->sess.cookie, now, &err) < 0) {
			store_txn_abort(txn);
			txn = NULL;
			break;
		}
	}
	if (txn)
		store_txn_commit(txn, &err);
	if (err.code != RVIRT_ERR_OK)
		log_warn("cannot mark the open sessions as used: %s",
			 err.message);
}

/* Report warnings the rate limits held back, once their interval is over. */
static void
worker_log_flush(void)
{
	uint64_t now = ratelimit_now_ms(), n;

	n = ratelimit_flush(&worker_refuse_log, now);
	if (n)
		log_warn("closing connections refused: suppressed %llu "
			 "similar messages",
			 (unsigned long long)n);
	n = ratelimit_flush(&worker_timeout_log, now);
	if (n)
		log_info("closing connections past a deadline: suppressed "
			 "%llu similar messages",
			 (unsigned long long)n);
}

/* Close connections past their deadlines; once a second. */
static void
worker_sweep(struct worker *w)
{
	struct conn *c, *next;
	const char *why;

	w->next_sweep_ms = w->env.now_ms + WORKER_SWEEP_MS;
	worker_log_flush();
	if (w->env.now_ms >= w->next_touch_ms)
		worker_touch_sessions(w);
	if (w->accept_resume_ms && w->env.now_ms >= w->accept_resume_ms) {
		w->accept_resume_ms = 0;
		worker_accept_maybe_resume(w);
	}
	for (c = w->conns; c; c = next) {
		next = c->next;
		why = conn_expired(c, w->env.now_ms, w->message_ms, w->idle_ms);
		if (!why)
			continue;
		if (why == keepalive_expired(c, w->env.now_ms))
			metrics_keepalive_dropped();
		log_ratelimited(&worker_timeout_log, LOG_LEVEL_INFO,
				"closing connection of '%s': %s",
				c->sess.identity, why);
		worker_conn_close(w, c);
	}
}

/* Milliseconds epoll_wait may sleep. */
static int
worker_timeout(const struct worker *w)
{
	uint64_t deadline = UINT64_MAX, now = w->env.now_ms;

	if (w->ready)
		return 0;
	if (w->nconns && (w->message_ms || w->idle_ms))
		deadline = w->next_sweep_ms;
	/* Suppressed warnings are counted in a line once their second ends. */
	if (worker_refuse_log.suppressed || worker_timeout_log.suppressed)
		deadline = w->next_sweep_ms;
	if (w->nconns && w->next_touch_ms < deadline)
		deadline = w->next_touch_ms;
	if (w->env.record_due_ms && w->env.record_due_ms < deadline)
		deadline = w->env.record_due_ms;
	if (w->accept_resume_ms && w->accept_resume_ms < deadline)
		deadline = w->accept_resume_ms;
	/* Paused at its slots: look again whether other workers have room. */
	if (w->at_limit && w->pool_check_ms < deadline)
		deadline = w->pool_check_ms;
	if (w->stopping && w->stop_deadline_ms < deadline)
		deadline = w->stop_deadline_ms;
	if (evpark_next_deadline() < deadline)
		deadline = evpark_next_deadline();
	/* Look again for quiet connections to close while stopping. */
	if (w->stopping && w->nconns &&
	    now + WORKER_STOP_QUIET_MS / 4 < deadline)
		deadline = now + WORKER_STOP_QUIET_MS / 4;
	if (deadline == UINT64_MAX)
		return -1;
	if (deadline <= now)
		return 0;
	/* The coarse clock lags by a tick: do not wake up a tick early. */
	return deadline - now > INT_MAX - 10 ? INT_MAX
					     : (int)(deadline - now) + 5;
}

static int
worker_setup(struct worker *w, const struct worker_params *wp,
	     struct rvirt_error *err)
{
	const struct config *cfg = wp->cfg;
	struct epoll_event ev = { .events = EPOLLIN };
	const char *mode;
	sigset_t set;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->ls = wp->ls;
	admit_limits_init(&w->lim, cfg, admit_nofile_raise());
	w->max_calls = wp->sb ? cfg->max_calls_per_worker : 0;
	/*
	 * t/perf/accept-herd.sh turns EPOLLEXCLUSIVE off to measure what
	 * it saves; nothing else should.
	 */
	mode = getenv("RVIRTD_ACCEPT_MODE");
	w->accept_flags =
		mode && strcmp(mode, "plain") == 0 ? 0 : EPOLLEXCLUSIVE;
	w->env.sb = wp->sb;
	w->env.sb_slot = wp->sb_slot;
	w->master_pid = wp->master_pid;
	w->epfd = w->sigfd = -1;
	w->message_ms = (uint64_t)cfg->message_timeout * 1000;
	w->idle_ms = (uint64_t)cfg->idle_timeout * 1000;
	keepalive_configure(cfg->keepalive_interval, cfg->keepalive_count);
	/* A quarter of the ttl: a session in use is never near expiry. */
	w->touch_ms = (uint64_t)cfg->session_ttl * 1000 / 4;
	if (w->touch_ms < WORKER_SWEEP_MS)
		w->touch_ms = WORKER_SWEEP_MS;
	if (w->touch_ms > 3600 * 1000)
		w->touch_ms = 3600 * 1000;
	w->env.store = wp->store;
	w->env.obuf = &w->obuf;
	w->env.rbuf_size = WORKER_RBUF_SIZE;
	w->env.rbuf = malloc(WORKER_RBUF_SIZE);
	w->env.now_ms = worker_now_ms();
	w->next_touch_ms = w->env.now_ms + w->touch_ms;
	if (!w->env.rbuf) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot allocate the read buffer");
		return -1;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (w->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set up signal handling");
		return -1;
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot create the event loop");
		return -1;
	}
	ev.data.u64 = WORKER_TAG_SIGNAL;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->sigfd, &ev) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot watch signals");
		return -1;
	}
	if (wp->sb && wp->store) {
		int efd = evpark_worker_init(wp->store, wp->sb, err);

		ev.data.u64 = WORKER_TAG_EVENTS;
		if (efd < 0 ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
			if (efd >= 0)
				err_set_errno(err, RVIRT_ERR_SYSTEM,
					      RVIRT_FROM_SERVER, errno,
					      "cannot watch for events");
			return -1;
		}
	}
	worker_accept_set(w, true);
	if (!w->accepting && wp->ls->n) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot watch the listening sockets");
		return -1;
	}
	return 0;
}

static void
worker_release(struct worker *w)
{
	w->stopping = true; /* no accepting again as connections close */
	while (w->conns)
		worker_conn_close(w, w->conns);
	worker_free_dead(w);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->sigfd >= 0)
		close(w->sigfd);
	free(w->env.rbuf);
	rpc_buf_release(&w->obuf);
}

/*
 * Handle one event; signals only say so in *sig, since a stop closes
 * connections that later events of the same batch still point to.
 */
static void
worker_event(struct worker *w, const struct epoll_event *ev, bool *sig,
	     bool *events)
{
	uint64_t tag = ev->data.u64;

	if (tag == WORKER_TAG_SIGNAL)
		*sig = true;
	else if (tag == WORKER_TAG_EVENTS)
		*events = true;
	else if (tag >= WORKER_TAG_LISTENER &&
		 tag < WORKER_TAG_LISTENER + w->ls->n)
		worker_accept(w, &w->ls->ls[tag - WORKER_TAG_LISTENER]);
	else
		worker_conn_event(w, ev->data.ptr, ev->events);
}

/*
 * The drivers' start work (domains found dead written down, autostart
 * once per host boot) before the first call.  A failure is logged, not
 * fatal: one broken domain must not keep the daemon down.
 */
static void
worker_drivers_init(const struct worker_params *wp)
{
	struct dispatch_options o = { .runtime_dir = wp->cfg->runtime_dir };
	struct rvirt_error e;

	err_clear(&e);
	if (dispatch_worker_init(wp->store, &o, &e) < 0)
		log_warn("%s", e.message);
}

int
worker_run(const struct worker_params *wp, struct rvirt_error *err)
{
	struct epoll_event evs[WORKER_MAX_EVENTS];
	struct worker w;
	bool sig, events;
	int n, rc = -1;

	if (worker_setup(&w, wp, err) < 0)
		goto out;
	worker_drivers_init(wp);
	if (w.env.sb)
		sb_slot_set_state(w.env.sb, w.env.sb_slot, SB_STATE_IDLE);
	rc = 0;
	while (rc == 0 && !(w.stopping && w.nconns == 0)) {
		/* Time awake is what the master sizes the pool by. */
		sb_slot_sleep(w.env.sb, w.env.sb_slot);
		n = epoll_wait(w.epfd, evs, WORKER_MAX_EVENTS,
			       worker_timeout(&w));
		sb_slot_wake(w.env.sb, w.env.sb_slot);
		if (n < 0 && errno != EINTR) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				      errno, "cannot wait for events");
			rc = -1;
			break;
		}
		w.env.now_ms = worker_now_ms();
		sig = events = false;
		for (int i = 0; i < n; i++)
			worker_event(&w, &evs[i], &sig, &events);
		worker_free_dead(&w);
		if (events)
			evpark_drain();
		if (events || evpark_next_deadline() <= w.env.now_ms)
			worker_parked(&w);
		worker_run_ready(&w);
		if (w.env.record_due_ms && w.env.now_ms >= w.env.record_due_ms)
			worker_record_sessions(&w, false);
		if (w.at_limit)
			worker_accept_maybe_resume(&w);
		if (sig && worker_signals(&w, err) < 0) {
			rc = -1;
			break;
		}
		if (w.max_calls && w.env.calls >= w.max_calls)
			worker_stop(&w, "max_calls_per_worker");
		if (w.env.now_ms >= w.next_sweep_ms)
			worker_sweep(&w);
		if (w.stopping)
			worker_drain(&w);
		if (w.stopping && w.nconns &&
		    w.env.now_ms >= w.stop_deadline_ms) {
			log_warn("closing %u connections with replies unsent "
				 "after %d seconds",
				 w.nconns, WORKER_DRAIN_TIMEOUT);
			break;
		}
	}
out:
	log_debug("worker done: %llu calls, %llu accepts, %llu empty "
		  "accepts, %llu empty wake-ups",
		  (unsigned long long)w.env.calls,
		  (unsigned long long)w.accepts,
		  (unsigned long long)w.accepts_empty,
		  (unsigned long long)w.wakeups_empty);
	worker_release(&w);
	return rc;
}
