/* SPDX-License-Identifier: MIT */
/* backoff: the waits between librvirt's reconnection attempts. */
#ifndef RVIRT_CLIENT_BACKOFF_H
#define RVIRT_CLIENT_BACKOFF_H

#include <stdint.h>

struct uri;

/*
 * The schedule: BACKOFF_FAST_MS between attempts for the first
 * BACKOFF_FAST_SPAN_MS after the drop (a restarted daemon is usually
 * back within that, and an attempt on a dead local socket costs a few
 * microseconds), then doubling up to BACKOFF_MAX_MS.  For a unix socket
 * the wait also ends as soon as the socket file is created again in its
 * directory (inotify), so the next attempt follows the daemon's bind at
 * once whatever the schedule says.
 */
#define BACKOFF_FAST_MS 20
#define BACKOFF_FAST_SPAN_MS 2000
#define BACKOFF_MAX_MS 250
/* After the socket reappeared: the daemon binds, then listens. */
#define BACKOFF_WOKEN_MS 1

struct backoff {
	int64_t start_ms; /* when the connection dropped */
	int64_t delay_ms; /* the next wait, once past the fast span */
	int ifd;	  /* inotify descriptor, -1 when not watching */
	char name[256];	  /* the socket's file name in the watched dir */
	int woken;	  /* the socket reappeared: retry soon */
};

/*
 * Start a schedule for a connection to uri that dropped now (flags: the
 * connection's, for the default socket path).  Never fails: without
 * inotify the schedule alone applies.
 */
void backoff_init(struct backoff *b, const struct uri *uri, unsigned int flags);

/* The next wait in ms by the schedule, at time now (stream_now_ms). */
int64_t backoff_next(struct backoff *b, int64_t now);

/*
 * Wait before the next attempt, at most max_ms: backoff_next's wait,
 * cut short when the unix socket reappears (then b->woken is set and
 * the schedule starts again from its fast part).
 */
void backoff_wait(struct backoff *b, int64_t max_ms);

/* Let go of what backoff_init took. */
void backoff_release(struct backoff *b);

#endif
