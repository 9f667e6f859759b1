/* SPDX-License-Identifier: MIT */
/* wsvnc: a websocket's VNC display: RFB to the browser, through rvirtd's graphics stream. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "pauth.h"
#include "wsconsole_int.h"

/*
 * One thread per VNC websocket, one connection to rvirtd: a graphics
 * stream lives in the worker of the connection that opened it, so its
 * reads and writes go over that one connection, in turn.  The thread
 * resolves the token, opens the stream, does the RFB handshake with
 * QEMU (version 3.8, security type None: QEMU's socket is reachable by
 * rvirtd alone, doc/console.md "VNC"), then offers the browser RFB 3.8
 * with security type None only (the token was the authentication) and
 * relays the rest both ways untouched: ClientInit, ServerInit and
 * every message after them.
 *
 * Waiting: a read holds the connection, so input from the browser
 * waits for the read in progress to end.  The thread reads with a
 * 20 ms wait for a second after the browser last sent something, and
 * with a 250 ms wait otherwise (the first input after a quiet spell
 * waits that long, at most).  Memory: the session's two queues
 * (256 KiB out, 64 KiB in) and one 64 KiB buffer; output waits in
 * QEMU while the browser does not take it.
 */

#define WSVNC_CLOSE_PROTOCOL 1002 /* the browser broke RFB */
#define WSVNC_STEP_MS 30000	  /* each handshake step, at most */
#define WSVNC_BUSY_WAIT_MS 20	  /* a read's wait while input comes */
#define WSVNC_IDLE_WAIT_MS 250	  /* a read's wait otherwise */
#define WSVNC_RECENT_MS 1000	  /* input this recent: busy */
#define WSVNC_BUF (64 * 1024)
#define WSVNC_WHY sizeof(((struct rvirt_error *)0)->message)

static uint64_t
wsvnc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
wsvnc_gone(struct wsconsole *s)
{
	bool gone;

	pthread_mutex_lock(&s->lock);
	gone = s->stop || s->closing;
	pthread_mutex_unlock(&s->lock);
	return gone;
}

/* Exactly len bytes from the VNC server: 0, or -1 with why. */
static int
wsvnc_server_get(struct wsconsole *s, void *buf, size_t len, char *why)
{
	unsigned char *p = buf;
	uint64_t deadline = wsvnc_now_ms() + WSVNC_STEP_MS;
	struct rvirt_error err;

	while (len > 0) {
		ssize_t n = rvirt_graphics_read(s->gfx, p, len, 1000, &err);

		if (n < 0) {
			snprintf(why, WSVNC_WHY, "%s", err.message);
			return -1;
		}
		if (n == 0 && rvirt_graphics_ended(s->gfx)) {
			snprintf(why, WSVNC_WHY,
				 "the VNC server closed the display");
			return -1;
		}
		if (wsvnc_gone(s)) {
			snprintf(why, WSVNC_WHY, "the websocket closed");
			return -1;
		}
		if (n == 0 && wsvnc_now_ms() > deadline) {
			snprintf(why, WSVNC_WHY,
				 "the VNC server said nothing for %d s",
				 WSVNC_STEP_MS / 1000);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* All of buf to the VNC server: 0, or -1 with why. */
static int
wsvnc_server_put(struct wsconsole *s, const void *buf, size_t len, char *why)
{
	const unsigned char *p = buf;
	uint64_t deadline = wsvnc_now_ms() + WSVNC_STEP_MS;
	struct rvirt_error err;

	while (len > 0) {
		ssize_t n = rvirt_graphics_write(s->gfx, p, len, &err);

		if (n < 0) {
			snprintf(why, WSVNC_WHY, "%s", err.message);
			return -1;
		}
		if (n == 0) {
			if (wsvnc_gone(s) || wsvnc_now_ms() > deadline) {
				snprintf(why, WSVNC_WHY,
					 "the VNC server takes no input");
				return -1;
			}
			wsconsole_nap();
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Take up to max bytes the browser sent (its queue); how many. */
static size_t
wsvnc_client_take_locked(struct wsconsole *s, void *buf, size_t max)
{
	size_t n = s->in.len < max ? s->in.len : max;

	memcpy(buf, s->in.data, n);
	memmove(s->in.data, s->in.data + n, s->in.len - n);
	s->in.len -= n;
	/* The loop stopped reading the websocket: it may again. */
	if (n && s->rx_off)
		s->wake(s->wake_arg);
	return n;
}

/* Exactly len bytes from the browser: 0, or -1 with why. */
static int
wsvnc_client_get(struct wsconsole *s, void *buf, size_t len, char *why)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WSVNC_STEP_MS / 1000;
	pthread_mutex_lock(&s->lock);
	while (s->in.len < len && !s->stop && !s->closing && rc == 0)
		rc = pthread_cond_timedwait(&s->cond, &s->lock, &until);
	if (s->in.len >= len) {
		wsvnc_client_take_locked(s, buf, len);
		rc = 0;
	} else {
		snprintf(why, WSVNC_WHY,
			 rc ? "the browser did not go on with the RFB "
			      "handshake"
			    : "the websocket closed");
		rc = -1;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Queue len bytes for the browser (waiting for room first). */
static bool
wsvnc_client_put(struct wsconsole *s, const void *buf, size_t len)
{
	if (!wsconsole_wait_room(s, len))
		return false;
	pthread_mutex_lock(&s->lock);
	memcpy(s->out.data + s->out.len, buf, len);
	s->out.len += len;
	pthread_mutex_unlock(&s->lock);
	s->wake(s->wake_arg);
	return true;
}

static uint32_t
wsvnc_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFB 3.8 with security type None towards QEMU: 0, or -1 with why. */
static int
wsvnc_server_handshake(struct wsconsole *s, char *why)
{
	unsigned char ver[12], n, types[255], res[4], one = 1;
	char reason[96];
	int i;

	if (wsvnc_server_get(s, ver, sizeof(ver), why) < 0)
		return -1;
	if (memcmp(ver, "RFB 003.", 8) != 0) {
		snprintf(why, WSVNC_WHY, "the display does not speak RFB");
		return -1;
	}
	if (wsvnc_server_put(s, "RFB 003.008\n", 12, why) < 0 ||
	    wsvnc_server_get(s, &n, 1, why) < 0)
		return -1;
	if (n == 0) {
		uint32_t rlen;

		if (wsvnc_server_get(s, res, 4, why) < 0)
			return -1;
		rlen = wsvnc_be32(res);
		if (rlen >= sizeof(reason))
			rlen = 0;
		if (rlen && wsvnc_server_get(s, reason, rlen, why) < 0)
			return -1;
		reason[rlen] = '\0';
		snprintf(why, WSVNC_WHY, "the VNC server refused: %s", reason);
		return -1;
	}
	if (wsvnc_server_get(s, types, n, why) < 0)
		return -1;
	for (i = 0; i < n && types[i] != 1; i++)
		;
	if (i == n) {
		snprintf(why, WSVNC_WHY,
			 "the VNC server asks for authentication (security "
			 "type %u), which the proxy does not do",
			 types[0]);
		return -1;
	}
	if (wsvnc_server_put(s, &one, 1, why) < 0 ||
	    wsvnc_server_get(s, res, 4, why) < 0)
		return -1;
	if (wsvnc_be32(res) != 0) {
		snprintf(why, WSVNC_WHY,
			 "the VNC server refused security type None");
		return -1;
	}
	return 0;
}

/*
 * Towards the browser: RFB 3.8 (3.7 and 3.3 as the client asks), the
 * one security type None.  0, or -1 with why.
 */
static int
wsvnc_client_handshake(struct wsconsole *s, char *why)
{
	static const unsigned char offer[2] = { 1, 1 }, ok[4] = { 0, 0, 0, 1 };
	static const unsigned char result_ok[4] = { 0 };
	static const char refusal[] =
		"\0\0\0\1\0\0\0\031only security type None";
	unsigned char ver[13], choice;
	int minor;

	if (!wsvnc_client_put(s, "RFB 003.008\n", 12) ||
	    wsvnc_client_get(s, ver, 12, why) < 0)
		return -1;
	ver[12] = '\0';
	if (memcmp(ver, "RFB 003.", 8) != 0 || ver[11] != '\n') {
		snprintf(why, WSVNC_WHY, "the browser does not speak RFB");
		return -1;
	}
	minor = atoi((const char *)ver + 8);
	if (minor < 7) {
		/* 3.3 (and 3.4 to 3.6, read as 3.3): the server picks. */
		return wsvnc_client_put(s, ok, sizeof(ok)) ? 0 : -1;
	}
	if (!wsvnc_client_put(s, offer, sizeof(offer)) ||
	    wsvnc_client_get(s, &choice, 1, why) < 0)
		return -1;
	if (choice != 1) {
		if (minor >= 8)
			wsvnc_client_put(s, refusal, sizeof(refusal) - 1);
		snprintf(why, WSVNC_WHY,
			 "the browser chose security type %u, not None",
			 choice);
		return -1;
	}
	if (minor >= 8 && !wsvnc_client_put(s, result_ok, sizeof(result_ok)))
		return -1;
	return 0;
}

/* Resolve and open: 0, or -1 after ending the session. */
static int
wsvnc_open(struct wsconsole *s)
{
	struct rvirt_error err;

	if (s->res->resolve(s->res, s->token, &s->dom, &err) < 0) {
		bool token = err.code == RVIRT_ERR_TOKEN_INVALID ||
			     err.code == RVIRT_ERR_TOKEN_EXPIRED;

		log_info("refused a console token: %s", err.message);
		wsconsole_end(s,
			      token ? WSCONSOLE_CLOSE_POLICY
				    : WSCONSOLE_CLOSE_ERROR,
			      err.message);
		return -1;
	}
	s->wconn = pauth_open(s->uri, &err);
	if (s->wconn)
		s->gfx = rvirt_graphics_open(s->wconn, &s->dom, 0, &err);
	if (!s->gfx) {
		log_info("display of domain '%s': %s", s->dom.name,
			 err.message);
		wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, err.message);
		return -1;
	}
	return 0;
}

/* Relay both ways until either side ends. */
static void
wsvnc_relay(struct wsconsole *s, unsigned char *buf)
{
	uint64_t last_input = 0;
	int64_t checked = 0;
	struct rvirt_error err;
	char why[WSVNC_WHY];

	/* Start the clock: the token was checked when the session opened. */
	wsconsole_recheck_due(&checked);
	for (;;) {
		unsigned int wait;
		size_t in;
		ssize_t n;

		if (wsconsole_recheck_due(&checked) &&
		    !wsconsole_token_holds(s))
			return;

		pthread_mutex_lock(&s->lock);
		in = wsvnc_client_take_locked(s, buf, WSVNC_BUF);
		pthread_mutex_unlock(&s->lock);
		if (in > 0) {
			last_input = wsvnc_now_ms();
			if (wsvnc_server_put(s, buf, in, why) < 0) {
				wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, why);
				return;
			}
		}
		if (!wsconsole_wait_room(s, WSVNC_BUF))
			return;
		pthread_mutex_lock(&s->lock);
		in = s->in.len;
		pthread_mutex_unlock(&s->lock);
		wait = in ? 0
		       : wsvnc_now_ms() - last_input < WSVNC_RECENT_MS
			       ? WSVNC_BUSY_WAIT_MS
			       : WSVNC_IDLE_WAIT_MS;
		n = rvirt_graphics_read(s->gfx, buf, WSVNC_BUF, wait, &err);
		if (n < 0) {
			wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, err.message);
			return;
		}
		if (n > 0 && !wsvnc_client_put(s, buf, (size_t)n))
			return;
		if (n == 0 && rvirt_graphics_ended(s->gfx)) {
			wsconsole_end(s, WSCONSOLE_CLOSE_NORMAL,
				      "the VNC display ended");
			return;
		}
	}
}

void *
wsvnc_reader(void *arg)
{
	struct wsconsole *s = arg;
	unsigned char *buf = malloc(WSVNC_BUF);
	char why[WSVNC_WHY];

	if (!buf) {
		wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, "out of memory");
		goto out;
	}
	if (wsvnc_open(s) < 0)
		goto out;
	if (wsvnc_server_handshake(s, why) < 0) {
		log_info("display of domain '%s': %s", s->dom.name, why);
		wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, why);
		goto out;
	}
	if (wsvnc_client_handshake(s, why) < 0) {
		log_info("display of domain '%s': %s", s->dom.name, why);
		wsconsole_end(s, WSVNC_CLOSE_PROTOCOL, why);
		goto out;
	}
	log_info("display of domain '%s' opened through a token", s->dom.name);
	wsvnc_relay(s, buf);
out:
	free(buf);
	wsconsole_unref(s);
	return NULL;
}
