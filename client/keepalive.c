/* SPDX-License-Identifier: MIT */
/* keepalive: the thread that pings an idle connection (doc/sessions.md). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "err.h"
#include "keepalive.h"

/*
 * No connection can need a ping before it has been quiet for its
 * interval, at least a second: a connection gets its own thread only
 * once it has lived that long.  Until then it waits in a list that one
 * timer thread of the process watches; a connection closed sooner
 * (a short-lived client, a setup benchmark) never costs a thread.  The
 * timer thread only starts threads, never pings, so a ping that waits
 * for a dead daemon holds up no other connection.
 */
#define KEEPALIVE_DEFER_MS 1000

struct keepalive {
	struct rvirt_conn *conn;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	bool stop;
	/* Under keepalive_lock: */
	bool running;		/* its thread exists */
	struct timespec due;	/* when the timer starts its thread */
	struct keepalive *next; /* in keepalive_pending */
};

/* The timer thread and the connections waiting for a thread. */
static pthread_mutex_t keepalive_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t keepalive_cond; /* on CLOCK_MONOTONIC */
static pthread_once_t keepalive_once = PTHREAD_ONCE_INIT;
static struct keepalive *keepalive_pending;
static pthread_t keepalive_timer;
static pid_t keepalive_timer_pid; /* the process it runs in, 0: none */
static bool keepalive_quit;
/*
 * When the timer thread wakes next, {0, 0} for when it is told to: a
 * new connection wakes it only if it is due sooner (it rarely is, all
 * being due a second after they opened), which spares a context switch
 * per connection to a busy client.
 */
static struct timespec keepalive_wake;

static void *
keepalive_thread(void *arg)
{
	struct keepalive *ka = arg;
	struct timespec until;
	int ms = 0;

	pthread_mutex_lock(&ka->lock);
	while (!ka->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!ka->stop && pthread_cond_timedwait(&ka->cond, &ka->lock,
							   &until) != ETIMEDOUT)
			;
		if (ka->stop)
			break;
		pthread_mutex_unlock(&ka->lock);
		ms = conn_keepalive_tick(ka->conn);
		pthread_mutex_lock(&ka->lock);
	}
	pthread_mutex_unlock(&ka->lock);
	return NULL;
}

/* Start fn(arg) as a thread with every signal blocked; 0 or an errno. */
static int
keepalive_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static bool
keepalive_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Start the threads of the connections whose time has come; waits. */
static void *
keepalive_timer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&keepalive_lock);
	while (!keepalive_quit) {
		struct keepalive **pp = &keepalive_pending, *ka;
		struct timespec now, next = { 0, 0 };
		bool any = false;

		clock_gettime(CLOCK_MONOTONIC, &now);
		while ((ka = *pp)) {
			if (keepalive_before(&now, &ka->due)) {
				if (!any || keepalive_before(&ka->due, &next))
					next = ka->due;
				any = true;
				pp = &ka->next;
				continue;
			}
			if (keepalive_spawn(&ka->thread, keepalive_thread,
					    ka) != 0) {
				/* Out of threads for now: try again later. */
				ka->due.tv_sec = now.tv_sec + 1;
				pp = &ka->next;
				continue;
			}
			ka->running = true;
			*pp = ka->next;
		}
		keepalive_wake = next;
		if (any)
			pthread_cond_timedwait(&keepalive_cond, &keepalive_lock,
					       &next);
		else
			pthread_cond_wait(&keepalive_cond, &keepalive_lock);
	}
	pthread_mutex_unlock(&keepalive_lock);
	return NULL;
}

/*
 * A child after fork has no timer thread, and the parent's pending
 * connections are not its own: it starts afresh.
 */
static void
keepalive_atfork_prepare(void)
{
	pthread_mutex_lock(&keepalive_lock);
}

static void
keepalive_atfork_parent(void)
{
	pthread_mutex_unlock(&keepalive_lock);
}

static void
keepalive_atfork_child(void)
{
	keepalive_pending = NULL;
	keepalive_timer_pid = 0;
	keepalive_wake.tv_sec = 0;
	keepalive_wake.tv_nsec = 0;
	pthread_mutex_unlock(&keepalive_lock);
}

static void
keepalive_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&keepalive_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_atfork(keepalive_atfork_prepare, keepalive_atfork_parent,
		       keepalive_atfork_child);
}

/* The timer thread must not outlive the library's code (dlclose). */
static void __attribute__((destructor)) keepalive_fini(void)
{
	pthread_mutex_lock(&keepalive_lock);
	if (keepalive_timer_pid != getpid()) {
		pthread_mutex_unlock(&keepalive_lock);
		return;
	}
	keepalive_quit = true;
	pthread_cond_signal(&keepalive_cond);
	pthread_mutex_unlock(&keepalive_lock);
	pthread_join(keepalive_timer, NULL);
	keepalive_timer_pid = 0;
	keepalive_quit = false;
}

struct keepalive *
keepalive_start(struct rvirt_conn *conn, struct rvirt_error *err)
{
	struct keepalive *ka = calloc(1, sizeof(*ka));
	pthread_condattr_t ca;
	int rc = 0;

	if (!ka) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		return NULL;
	}
	pthread_once(&keepalive_once, keepalive_init);
	ka->conn = conn;
	pthread_mutex_init(&ka->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ka->cond, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &ka->due);
	ka->due.tv_sec += KEEPALIVE_DEFER_MS / 1000;
	pthread_mutex_lock(&keepalive_lock);
	/* A child after fork has 0 here (keepalive_atfork_child). */
	if (!keepalive_timer_pid) {
		rc = keepalive_spawn(&keepalive_timer, keepalive_timer_thread,
				     NULL);
		if (rc == 0)
			keepalive_timer_pid = getpid();
	}
	if (rc == 0) {
		ka->next = keepalive_pending;
		keepalive_pending = ka;
		if ((keepalive_wake.tv_sec == 0 &&
		     keepalive_wake.tv_nsec == 0) ||
		    keepalive_before(&ka->due, &keepalive_wake))
			pthread_cond_signal(&keepalive_cond);
	}
	pthread_mutex_unlock(&keepalive_lock);
	if (rc != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_CLIENT, rc,
			      "cannot start the keepalive thread");
		pthread_cond_destroy(&ka->cond);
		pthread_mutex_destroy(&ka->lock);
		free(ka);
		return NULL;
	}
	return ka;
}

void
keepalive_stop(struct keepalive *ka)
{
	struct keepalive **pp;
	bool running;

	if (!ka)
		return;
	/* Still waiting for its thread: it never gets one. */
	pthread_mutex_lock(&keepalive_lock);
	running = ka->running;
	for (pp = &keepalive_pending; !running && *pp; pp = &(*pp)->next)
		if (*pp == ka) {
			*pp = ka->next;
			break;
		}
	pthread_mutex_unlock(&keepalive_lock);
	if (running) {
		pthread_mutex_lock(&ka->lock);
		ka->stop = true;
		pthread_cond_signal(&ka->cond);
		pthread_mutex_unlock(&ka->lock);
		pthread_join(ka->thread, NULL);
	}
	pthread_cond_destroy(&ka->cond);
	pthread_mutex_destroy(&ka->lock);
	free(ka);
}
