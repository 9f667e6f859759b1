/* SPDX-License-Identifier: MIT */
/* keepalive: the thread that pings an idle connection (doc/sessions.md). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "err.h"
#include "keepalive.h"

struct keepalive {
	struct rvirt_conn *conn;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	bool stop;
};

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

struct keepalive *
keepalive_start(struct rvirt_conn *conn, struct rvirt_error *err)
{
	struct keepalive *ka = calloc(1, sizeof(*ka));
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	if (!ka) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		return NULL;
	}
	ka->conn = conn;
	pthread_mutex_init(&ka->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ka->cond, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ka->thread, NULL, keepalive_thread, ka);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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
	if (!ka)
		return;
	pthread_mutex_lock(&ka->lock);
	ka->stop = true;
	pthread_cond_signal(&ka->cond);
	pthread_mutex_unlock(&ka->lock);
	pthread_join(ka->thread, NULL);
	pthread_cond_destroy(&ka->cond);
	pthread_mutex_destroy(&ka->lock);
	free(ka);
}
