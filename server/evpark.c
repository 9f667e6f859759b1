/* SPDX-License-Identifier: MIT */
/* evpark: calls parked in a worker (EVENT_WAIT, CONSOLE_READ, GRAPHICS_READ) until they can be answered. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "evpark.h"
#include "proc.h"
#include "proc_graphics.h"

struct evpark {
	enum evpark_kind kind;
	uint32_t xid;
	struct rvirt_event_wait_args args; /* domain is our own copy */
	/* EVPARK_CONSOLE: the read (dom not kept), the watched directory */
	struct rvirt_console_read_args cargs;
	char *cdir;
	int wd;
	/* EVPARK_GRAPHICS: the read, the socket watched (not ours) */
	struct rvirt_graphics_read_args gargs;
	int gfd;
	struct session_state *sess;
	char driver[32];
	uint64_t deadline_ms;
	bool fresh;   /* parked by the call being handled now */
	bool recheck; /* look once more, whatever woke the worker */
	void *owner;
	struct evpark *prev, *next;
};

/*
 * One per process: a worker serves from one thread.  The worker's loop
 * watches epfd, which holds the eventfd the futex thread makes readable
 * (events committed) and, from the first parked console read on, an
 * inotify descriptor watching the directories of the consoles read.
 */
static struct {
	struct sb *sb;
	int epfd, efd, ifd;
	bool thread_started;
	bool woke_events, woke_console; /* what the last drain found */
	struct evpark *list;
} evpark_g = { .epfd = -1, .efd = -1, .ifd = -1 };

static uint64_t
evpark_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
evpark_published(uint64_t seq, void *opaque)
{
	sb_event_publish(opaque, seq);
}

static int
evpark_watch_fd(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	return epoll_ctl(evpark_g.epfd, EPOLL_CTL_ADD, fd, &ev);
}

void
evpark_publish_init(struct store *st, struct sb *sb)
{
	if (st && sb)
		store_set_commit_hook(st, evpark_published, sb);
}

int
evpark_worker_init(struct store *st, struct sb *sb, struct rvirt_error *err)
{
	evpark_publish_init(st, sb);
	evpark_g.sb = sb;
	evpark_g.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	evpark_g.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (evpark_g.efd < 0 || evpark_g.epfd < 0 ||
	    evpark_watch_fd(evpark_g.efd) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot make the event wake-up fd");
		return -1;
	}
	return evpark_g.epfd;
}

void
evpark_drain(void)
{
	char buf[4096] __attribute__((aligned(8)));
	uint64_t v;

	evpark_g.woke_events = evpark_g.woke_console = false;
	while (read(evpark_g.efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		evpark_g.woke_events = true;
	while (evpark_g.ifd >= 0 && read(evpark_g.ifd, buf, sizeof(buf)) > 0)
		evpark_g.woke_console = true;
}

/*
 * The one thread besides the loop: it sleeps on the scoreboard's futex
 * word and turns each change into a readable eventfd.  It touches
 * nothing else of the worker.
 */
static void *
evpark_thread(void *arg)
{
	uint32_t seen = *(uint32_t *)arg, now;
	uint64_t one = 1;

	free(arg);
	for (;;) {
		now = sb_event_word(evpark_g.sb);
		if (now != seen) {
			seen = now;
			if (write(evpark_g.efd, &one, sizeof(one)) < 0 &&
			    errno != EAGAIN)
				log_warn("cannot wake the event loop: %s",
					 strerror(errno));
		}
		sb_event_wait(evpark_g.sb, seen);
	}
	return NULL;
}

/*
 * Start the thread when the first call parks: a worker nobody waits on
 * has no thread.  A commit that lands between the handler's read and
 * the thread's first look at the word is caught because evpark_park
 * makes the eventfd readable once (the call is polled once more).
 */
static int
evpark_thread_start(struct rvirt_error *err)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	uint32_t *seen;
	int rc;

	if (evpark_g.thread_started)
		return 0;
	seen = malloc(sizeof(*seen));
	if (!seen)
		return proc_oom("start the event waiter", err);
	*seen = sb_event_word(evpark_g.sb);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	/* Signals stay with the loop's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, &attr, evpark_thread, seen);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(seen);
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, rc,
			      "cannot start the event waiter");
		return -1;
	}
	evpark_g.thread_started = true;
	return 0;
}

/* Put p (xid, deadline and what it waits for set) on the list. */
static int
evpark_insert(struct session_state *sess, struct evpark *p)
{
	p->fresh = true;
	p->recheck = true;
	p->next = evpark_g.list;
	if (p->next)
		p->next->prev = p;
	evpark_g.list = p;
	sess->park = p;
	/*
	 * A commit between the handler's read and the thread's first look
	 * at the word would be missed: look once more at the next turn.
	 */
	if (evpark_g.efd >= 0) {
		uint64_t one = 1;

		if (write(evpark_g.efd, &one, sizeof(one)) < 0)
			(void)0;
	}
	return 1;
}

int
evpark_park(struct session_state *sess, uint32_t xid,
	    const struct rvirt_event_wait_args *args, struct rvirt_error *err)
{
	struct evpark *p;

	if (!evpark_g.sb || evpark_g.efd < 0)
		return 0;
	if (evpark_thread_start(err) < 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return proc_oom("park an event wait", err);
	p->kind = EVPARK_EVENTS;
	p->wd = -1;
	p->args = *args;
	p->args.domain = strdup(args->domain ? args->domain : "");
	if (!p->args.domain) {
		free(p);
		return proc_oom("park an event wait", err);
	}
	p->xid = xid;
	p->deadline_ms = evpark_now_ms() + args->timeout_ms;
	return evpark_insert(sess, p);
}

int
evpark_park_console(struct session_state *sess, uint32_t xid, const char *cdir,
		    const struct rvirt_console_read_args *args,
		    struct rvirt_error *err)
{
	struct evpark *p;

	if (evpark_g.epfd < 0 || evpark_g.efd < 0)
		return 0;
	if (evpark_g.ifd < 0) {
		evpark_g.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (evpark_g.ifd < 0 || evpark_watch_fd(evpark_g.ifd) < 0) {
			err_set_errno(
				err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
				"cannot wait for console output in '%s'", cdir);
			if (evpark_g.ifd >= 0)
				close(evpark_g.ifd);
			evpark_g.ifd = -1;
			return -1;
		}
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->cdir = strdup(cdir))) {
		free(p);
		return proc_oom("park a console read", err);
	}
	p->kind = EVPARK_CONSOLE;
	/* One watch per directory: inotify hands the same wd again. */
	p->wd = inotify_add_watch(evpark_g.ifd, cdir,
				  IN_MODIFY | IN_CREATE | IN_DELETE |
					  IN_MOVED_TO | IN_DELETE_SELF);
	if (p->wd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot wait for console output in '%s'", cdir);
		free(p->cdir);
		free(p);
		return -1;
	}
	p->cargs = *args;
	memset(&p->cargs.dom, 0, sizeof(p->cargs.dom));
	p->xid = xid;
	p->deadline_ms = evpark_now_ms() + args->wait_ms;
	return evpark_insert(sess, p);
}

int
evpark_park_graphics(struct session_state *sess, uint32_t xid, int fd,
		     const struct rvirt_graphics_read_args *args,
		     struct rvirt_error *err)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct evpark *p;

	if (evpark_g.epfd < 0 || evpark_g.efd < 0)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return proc_oom("park a graphics read", err);
	/*
	 * The socket itself joins the wake-up set while the read waits:
	 * level-triggered, so data that came meanwhile wakes at once.
	 */
	if (epoll_ctl(evpark_g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot wait for a graphics stream");
		free(p);
		return -1;
	}
	p->kind = EVPARK_GRAPHICS;
	p->wd = -1;
	p->gfd = fd;
	p->gargs = *args;
	p->sess = sess;
	p->xid = xid;
	p->deadline_ms = evpark_now_ms() + args->wait_ms;
	return evpark_insert(sess, p);
}

bool
evpark_just_parked(struct session_state *sess)
{
	if (!sess->park || !sess->park->fresh)
		return false;
	sess->park->fresh = false;
	return true;
}

static int
evpark_poll_console(struct evpark *p, bool due, struct rpc_buf *out)
{
	struct rvirt_console_read_ret ret;
	struct rvirt_error err;
	int rc;

	memset(&ret, 0, sizeof(ret));
	err_clear(&err);
	rc = proc_console_read_at(p->cdir, &p->cargs, &ret, &err);
	if (rc > 0 && !due) {
		xdr_free((xdrproc_t)xdr_rvirt_console_read_ret, (char *)&ret);
		return 0;
	}
	if (rc < 0) {
		xdr_free((xdrproc_t)xdr_rvirt_console_read_ret, (char *)&ret);
		memset(&ret, 0, sizeof(ret));
		ret.status = RVIRT_ERROR;
		ret.rvirt_console_read_ret_u.error.code = err.code;
		ret.rvirt_console_read_ret_u.error.origin = err.origin;
		ret.rvirt_console_read_ret_u.error.message =
			strdup(err.message);
	}
	rc = rpc_reply_result(out, p->xid,
			      (xdrproc_t)xdr_rvirt_console_read_ret, &ret);
	xdr_free((xdrproc_t)xdr_rvirt_console_read_ret, (char *)&ret);
	return rc < 0 ? -1 : 1;
}

static int
evpark_poll_graphics(struct evpark *p, bool due, struct rpc_buf *out)
{
	struct rvirt_graphics_read_ret ret;
	struct rvirt_error err;
	int rc;

	memset(&ret, 0, sizeof(ret));
	err_clear(&err);
	rc = proc_graphics_read_at(p->sess, &p->gargs, &ret, &err);
	if (rc > 0 && !due) {
		xdr_free((xdrproc_t)xdr_rvirt_graphics_read_ret, (char *)&ret);
		return 0;
	}
	if (rc < 0) {
		xdr_free((xdrproc_t)xdr_rvirt_graphics_read_ret, (char *)&ret);
		memset(&ret, 0, sizeof(ret));
		ret.status = RVIRT_ERROR;
		ret.rvirt_graphics_read_ret_u.error.code = err.code;
		ret.rvirt_graphics_read_ret_u.error.origin = err.origin;
		ret.rvirt_graphics_read_ret_u.error.message =
			strdup(err.message);
	}
	rc = rpc_reply_result(out, p->xid,
			      (xdrproc_t)xdr_rvirt_graphics_read_ret, &ret);
	xdr_free((xdrproc_t)xdr_rvirt_graphics_read_ret, (char *)&ret);
	return rc < 0 ? -1 : 1;
}

int
evpark_poll(struct session_state *sess, struct store *st, uint64_t now_ms,
	    struct rpc_buf *out)
{
	struct evpark *p = sess->park;
	struct rvirt_event_wait_ret ret;
	struct rvirt_error err;
	struct store_txn *txn;
	bool due;
	int rc;

	if (!p)
		return 0;
	(void)now_ms;
	due = evpark_now_ms() >= p->deadline_ms;
	/*
	 * Look only when what it waits for may have changed; a graphics
	 * read looks each time (one non-blocking recv): its socket in the
	 * set cannot say which of them woke the worker.
	 */
	if (!due && !p->recheck && p->kind != EVPARK_GRAPHICS &&
	    !(p->kind == EVPARK_EVENTS ? evpark_g.woke_events
				       : evpark_g.woke_console))
		return 0;
	p->recheck = false;
	if (p->kind == EVPARK_CONSOLE)
		return evpark_poll_console(p, due, out);
	if (p->kind == EVPARK_GRAPHICS)
		return evpark_poll_graphics(p, due, out);
	memset(&ret, 0, sizeof(ret));
	err_clear(&err);
	txn = store_txn_begin(st, false, &err);
	if (!txn) {
		rc = -1;
	} else {
		rc = proc_event_collect(txn, sess, &p->args, &ret, &err);
		store_txn_abort(txn);
	}
	if (rc == 0 && !due &&
	    ret.rvirt_event_wait_ret_u.ev.events.events_len == 0 &&
	    ret.rvirt_event_wait_ret_u.ev.lost == 0) {
		/* Nothing for this one: skip what it filtered out. */
		p->args.cursor = ret.rvirt_event_wait_ret_u.ev.cursor;
		xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)&ret);
		return 0;
	}
	if (rc < 0) {
		xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)&ret);
		memset(&ret, 0, sizeof(ret));
		ret.status = RVIRT_ERROR;
		ret.rvirt_event_wait_ret_u.error.code = err.code;
		ret.rvirt_event_wait_ret_u.error.origin = err.origin;
		ret.rvirt_event_wait_ret_u.error.message = strdup(err.message);
	}
	rc = rpc_reply_result(out, p->xid, (xdrproc_t)xdr_rvirt_event_wait_ret,
			      &ret);
	xdr_free((xdrproc_t)xdr_rvirt_event_wait_ret, (char *)&ret);
	return rc < 0 ? -1 : 1;
}

/* Is wd watched for another parked call (p already unlinked)? */
static bool
evpark_wd_used(int wd)
{
	for (const struct evpark *q = evpark_g.list; q; q = q->next)
		if (q->wd == wd)
			return true;
	return false;
}

void
evpark_free(struct session_state *sess)
{
	struct evpark *p = sess->park;

	if (!p)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		evpark_g.list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	if (p->wd >= 0 && !evpark_wd_used(p->wd))
		inotify_rm_watch(evpark_g.ifd, p->wd);
	if (p->kind == EVPARK_GRAPHICS)
		epoll_ctl(evpark_g.epfd, EPOLL_CTL_DEL, p->gfd, NULL);
	free(p->cdir);
	free(p->args.domain);
	free(p);
	sess->park = NULL;
}

uint64_t
evpark_next_deadline(void)
{
	uint64_t d = UINT64_MAX;

	for (const struct evpark *p = evpark_g.list; p; p = p->next)
		if (p->deadline_ms < d)
			d = p->deadline_ms;
	return d;
}

struct evpark *
evpark_first(void)
{
	return evpark_g.list;
}

struct evpark *
evpark_next(const struct evpark *p)
{
	return p->next;
}

void *
evpark_owner(const struct evpark *p)
{
	return p->owner;
}

void
evpark_set_owner(struct evpark *p, void *owner)
{
	p->owner = owner;
}
