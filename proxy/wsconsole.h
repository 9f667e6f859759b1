/* SPDX-License-Identifier: MIT */
/* wsconsole: one websocket's console, bridged by two threads to librvirt. */
#ifndef RVIRT_PROXY_WSCONSOLE_H
#define RVIRT_PROXY_WSCONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "resolver.h"

/*
 * A session resolves its token, opens the domain's console on a
 * connection of its own and reads it on a second one (calls on one
 * connection run one at a time and a read waits), in threads, so the
 * proxy's event loop never waits for rvirtd.  The loop and the threads
 * share two bounded queues (output to send, keystrokes to type) and a
 * state; the threads call wake() after changing them, and the loop
 * then looks at every session (wsconsole_* below are for the loop's
 * thread).
 */
struct wsconsole;

/* Websocket close codes the proxy uses (RFC 6455). */
#define WSCONSOLE_CLOSE_NORMAL 1000 /* the console ended */
#define WSCONSOLE_CLOSE_POLICY 1008 /* the token was refused */
#define WSCONSOLE_CLOSE_ERROR 1011  /* rvirtd refused or failed */
/* A close reason fits a control frame: 125 bytes less the code. */
#define WSCONSOLE_REASON_MAX 123

/*
 * Start a session for token (copied) on rvirtd at uri, with resolver
 * res (borrowed: it must outlive every session): the domain's serial
 * console, or with vnc its VNC display, bridged as RFB (proxy/wsvnc.c).
 * NULL when no thread could be started.
 */
struct wsconsole *wsconsole_start(const char *uri, struct resolver *res,
				  const char *token, bool vnc,
				  void (*wake)(void *), void *wake_arg);

/* Up to max bytes of output into buf: how many (0 none yet). */
size_t wsconsole_output(struct wsconsole *s, void *buf, size_t max);

/*
 * Whether the session is over once its output is sent: 1 with the
 * close code and reason, 0 while it runs.
 */
int wsconsole_closing(struct wsconsole *s, int *code, char *reason);

/*
 * Queue keystrokes.  Returns false when the queue is now full: the
 * loop then stops reading the websocket until wsconsole_rx_ok.
 */
bool wsconsole_input(struct wsconsole *s, const void *buf, size_t len);

/* True (once) when the keystroke queue has room again. */
bool wsconsole_rx_ok(struct wsconsole *s);

/* The websocket is gone: the threads end and free the session. */
void wsconsole_release(struct wsconsole *s);

/*
 * Check an open session's token every seconds (0: only when it opens):
 * once revoked, replaced or expired, the session closes with 1008.
 * Set before the first session starts.
 */
void wsconsole_set_recheck(int seconds);

/* Sessions whose threads have not ended yet (for a clean exit). */
int wsconsole_live(void);

#endif
