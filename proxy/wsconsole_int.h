/* SPDX-License-Identifier: MIT */
/* wsconsole_int: a websocket session's state, shared by wsconsole.c and wsvnc.c. */
#ifndef RVIRT_PROXY_WSCONSOLE_INT_H
#define RVIRT_PROXY_WSCONSOLE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "../client/rvirt.h"
#include "resolver.h"
#include "wsconsole.h"

/* Output waiting for the websocket, at most (the console's log keeps the rest). */
#define WSCONSOLE_OUT_MAX (256 * 1024)
/* Keystrokes waiting for the console, at most. */
#define WSCONSOLE_IN_MAX (64 * 1024)
/* One read's wait: how soon a closed websocket's reader notices. */
#define WSCONSOLE_WAIT_MS 1000
/* 10 ms naps while the guest takes no input, at most, then an error. */
#define WSCONSOLE_FULL_NAPS 1000
/* Tries 10 ms apart to open a console another client writes to. */
#define WSCONSOLE_BUSY_TRIES 300

struct wsconsole_buf {
	unsigned char *data;
	size_t len;
};

struct wsconsole {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the queues changed, or stop */
	int refs;	     /* the loop, the reader, the writer */
	bool stop;	     /* the websocket is gone */
	bool closing;
	bool rx_off;
	int close_code;
	char reason[WSCONSOLE_REASON_MAX + 1];
	struct wsconsole_buf out, in;
	char *uri;
	char token[RVIRT_CONSOLE_TOKEN_LEN + 1];
	struct resolver *res;
	void (*wake)(void *);
	void *wake_arg;
	struct rvirt_conn *wconn, *rconn;
	struct rvirt_console *con, *rcon;
	struct rvirt_domain dom;
	bool vnc;		    /* a VNC session (wsvnc.c): */
	struct rvirt_graphics *gfx; /* its stream, on wconn */
};

/* Drop one reference (the loop's, a thread's); the last frees s. */
void wsconsole_unref(struct wsconsole *s);
/* End the session with code and reason (the first end wins), wake the loop. */
void wsconsole_end(struct wsconsole *s, int code, const char *reason);
/* Sleep 10 ms. */
void wsconsole_nap(void);
/* Wait for want bytes of room in the output queue: false when it ends. */
bool wsconsole_wait_room(struct wsconsole *s, size_t want);

/*
 * Whether it is time to check the session's token again (every
 * token_recheck seconds since *checked, which it then moves on).
 */
bool wsconsole_recheck_due(int64_t *checked);
/*
 * Whether the token still names the session's domain; if not (revoked,
 * replaced, expired) the session is ended with 1008.
 */
bool wsconsole_token_holds(struct wsconsole *s);

/* The thread of a VNC session (proxy/wsvnc.c); arg is the session. */
void *wsvnc_reader(void *arg);

#endif
