/* SPDX-License-Identifier: MIT */
/* wsconsole: one websocket's console, bridged by two threads to librvirt. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "pauth.h"
#include "wsconsole.h"
#include "wsconsole_int.h"

static atomic_int wsconsole_nlive;
/* Seconds between checks of an open session's token; 0 only at open. */
static atomic_int wsconsole_recheck_s = 5;

void
wsconsole_set_recheck(int seconds)
{
	atomic_store(&wsconsole_recheck_s, seconds);
}

int
wsconsole_live(void)
{
	return atomic_load(&wsconsole_nlive);
}

void
wsconsole_unref(struct wsconsole *s)
{
	struct rvirt_error err;
	int left;

	pthread_mutex_lock(&s->lock);
	left = --s->refs;
	pthread_mutex_unlock(&s->lock);
	if (left > 0)
		return;
	rvirt_console_free(s->rcon);
	rvirt_graphics_free(s->gfx); /* closing wconn closes it */
	/* Not given back by a writer (none started): do it now. */
	if (s->con && rvirt_console_close(s->con, &err) < 0)
		log_info("console of domain '%s': %s", s->dom.name,
			 err.message);
	rvirt_conn_close(s->rconn);
	rvirt_conn_close(s->wconn);
	explicit_bzero(s->token, sizeof(s->token));
	free(s->out.data);
	free(s->in.data);
	free(s->uri);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
	atomic_fetch_sub(&wsconsole_nlive, 1);
}

/* End the session with code and reason (the first end wins); locked. */
static void
wsconsole_end_locked(struct wsconsole *s, int code, const char *reason)
{
	if (s->closing)
		return;
	s->closing = true;
	s->close_code = code;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
}

void
wsconsole_end(struct wsconsole *s, int code, const char *reason)
{
	pthread_mutex_lock(&s->lock);
	wsconsole_end_locked(s, code, reason);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	s->wake(s->wake_arg);
}

void
wsconsole_nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int64_t
wsconsole_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Whether the token still names the domain the session opened: a token
 * revoked, replaced or expired ends the session (close 1008) within
 * token_recheck seconds.  A daemon that cannot answer now (restarting)
 * ends nothing.
 */
bool
wsconsole_recheck_due(int64_t *checked)
{
	int recheck = atomic_load(&wsconsole_recheck_s);
	int64_t now = wsconsole_now_s();

	if (recheck <= 0 || now - *checked < recheck)
		return false;
	*checked = now;
	return true;
}

bool
wsconsole_token_holds(struct wsconsole *s)
{
	struct rvirt_domain dom;
	struct rvirt_error err;
	char reason[WSCONSOLE_REASON_MAX + 1];

	if (s->res->resolve(s->res, s->token, &dom, &err) == 0) {
		if (memcmp(dom.uuid, s->dom.uuid, sizeof(dom.uuid)) == 0)
			return true;
		snprintf(err.message, sizeof(err.message),
			 "the token now names another domain");
	} else if (err.code != RVIRT_ERR_TOKEN_INVALID &&
		   err.code != RVIRT_ERR_TOKEN_EXPIRED) {
		return true;
	}
	log_info("console of domain '%s' closed: its token no longer "
		 "holds: %s",
		 s->dom.name, err.message);
	snprintf(reason, sizeof(reason), "token no longer valid: %.100s",
		 err.message);
	wsconsole_end(s, WSCONSOLE_CLOSE_POLICY, reason);
	return false;
}

/* Type everything queued; the writer thread. */
static void *
wsconsole_writer(void *arg)
{
	struct wsconsole *s = arg;
	struct rvirt_error err;
	unsigned char *buf = malloc(WSCONSOLE_IN_MAX);

	pthread_mutex_lock(&s->lock);
	while (buf && !s->stop && !s->closing) {
		size_t len, done = 0;
		int naps = 0;

		if (s->in.len == 0) {
			pthread_cond_wait(&s->cond, &s->lock);
			continue;
		}
		len = s->in.len;
		memcpy(buf, s->in.data, len);
		s->in.len = 0;
		if (s->rx_off)
			s->wake(s->wake_arg);
		pthread_mutex_unlock(&s->lock);
		while (done < len) {
			ssize_t n = rvirt_console_write(s->con, buf + done,
							len - done, &err);

			if (n < 0) {
				wsconsole_end(s, WSCONSOLE_CLOSE_ERROR,
					      err.message);
				break;
			}
			done += (size_t)n;
			if (n == 0 && ++naps > WSCONSOLE_FULL_NAPS) {
				wsconsole_end(s, WSCONSOLE_CLOSE_ERROR,
					      "cannot type into the console: "
					      "the guest reads nothing");
				break;
			}
			if (n == 0)
				wsconsole_nap();
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	free(buf);
	/*
	 * Give the writer's place back at once (the reader may still wait
	 * in a read): a page reloaded opens the console again at once.
	 */
	if (rvirt_console_close(s->con, &err) < 0)
		log_info("console of domain '%s': %s", s->dom.name,
			 err.message);
	s->con = NULL;
	wsconsole_unref(s);
	return NULL;
}

/* Resolve, open, attach: 0, or -1 after ending the session. */
static int
wsconsole_open(struct wsconsole *s, struct rvirt_error *err)
{
	if (s->res->resolve(s->res, s->token, &s->dom, err) < 0) {
		bool token = err->code == RVIRT_ERR_TOKEN_INVALID ||
			     err->code == RVIRT_ERR_TOKEN_EXPIRED;

		log_info("refused a console token: %s", err->message);
		wsconsole_end(s,
			      token ? WSCONSOLE_CLOSE_POLICY
				    : WSCONSOLE_CLOSE_ERROR,
			      err->message);
		return -1;
	}
	s->wconn = pauth_open(s->uri, err);
	/*
	 * A console is busy for a moment after a page reload (the old
	 * websocket's writer gives it back as it ends): try again for a
	 * while before saying so.
	 */
	for (int i = 0; s->wconn && !s->con && i < WSCONSOLE_BUSY_TRIES; i++) {
		s->con = rvirt_console_open(s->wconn, &s->dom, 0, err);
		if (s->con || err->code != RVIRT_ERR_CONSOLE_BUSY)
			break;
		wsconsole_nap();
	}
	if (s->con)
		s->rconn = pauth_open(s->uri, err);
	if (s->rconn)
		s->rcon = rvirt_console_attach(s->rconn, s->con, err);
	if (!s->rcon) {
		log_info("console of domain '%s': %s", s->dom.name,
			 err->message);
		wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, err->message);
		return -1;
	}
	log_info("console of domain '%s' opened through a token", s->dom.name);
	return 0;
}

/* Wait for room in the output queue: false when the session ends. */
bool
wsconsole_wait_room(struct wsconsole *s, size_t want)
{
	bool go;

	pthread_mutex_lock(&s->lock);
	while (!s->stop && !s->closing && s->out.len + want > WSCONSOLE_OUT_MAX)
		pthread_cond_wait(&s->cond, &s->lock);
	go = !s->stop && !s->closing;
	pthread_mutex_unlock(&s->lock);
	return go;
}

/* Open, then read the console into the output queue; the reader thread. */
static void *
wsconsole_reader(void *arg)
{
	struct wsconsole *s = arg;
	struct rvirt_error err;
	unsigned char buf[16384];
	pthread_t writer;
	int64_t checked;

	if (wsconsole_open(s, &err) < 0)
		goto out;
	pthread_mutex_lock(&s->lock);
	s->refs++;
	pthread_mutex_unlock(&s->lock);
	if (pthread_create(&writer, NULL, wsconsole_writer, s) != 0) {
		wsconsole_unref(s);
		wsconsole_end(s, WSCONSOLE_CLOSE_ERROR,
			      "cannot start typing into the console");
		goto out;
	}
	pthread_detach(writer);
	checked = wsconsole_now_s();
	while (wsconsole_wait_room(s, sizeof(buf))) {
		ssize_t n;

		if (wsconsole_recheck_due(&checked) &&
		    !wsconsole_token_holds(s))
			break;
		n = rvirt_console_read(s->rcon, buf, sizeof(buf),
				       WSCONSOLE_WAIT_MS, &err);

		if (n < 0) {
			wsconsole_end(s, WSCONSOLE_CLOSE_ERROR, err.message);
			break;
		}
		if (n > 0) {
			pthread_mutex_lock(&s->lock);
			memcpy(s->out.data + s->out.len, buf, (size_t)n);
			s->out.len += (size_t)n;
			pthread_mutex_unlock(&s->lock);
			s->wake(s->wake_arg);
		} else if (rvirt_console_ended(s->rcon)) {
			wsconsole_end(s, WSCONSOLE_CLOSE_NORMAL,
				      "the console ended");
			break;
		}
	}
out:
	wsconsole_unref(s);
	return NULL;
}

struct wsconsole *
wsconsole_start(const char *uri, struct resolver *res, const char *token,
		bool vnc, void (*wake)(void *), void *wake_arg)
{
	struct wsconsole *s = calloc(1, sizeof(*s));
	pthread_t reader;

	if (!s)
		return NULL;
	s->out.data = malloc(WSCONSOLE_OUT_MAX);
	s->in.data = malloc(WSCONSOLE_IN_MAX);
	s->uri = strdup(uri ? uri : "");
	if (!s->out.data || !s->in.data || !s->uri)
		goto fail;
	snprintf(s->token, sizeof(s->token), "%s", token ? token : "");
	s->res = res;
	s->wake = wake;
	s->wake_arg = wake_arg;
	s->vnc = vnc;
	s->refs = 2; /* the loop and the reader */
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	/* An over-long token is refused by the resolver, not cut. */
	if (token && strlen(token) > RVIRT_CONSOLE_TOKEN_LEN)
		snprintf(s->token, sizeof(s->token), "-");
	atomic_fetch_add(&wsconsole_nlive, 1);
	if (pthread_create(&reader, NULL, vnc ? wsvnc_reader : wsconsole_reader,
			   s) != 0) {
		atomic_fetch_sub(&wsconsole_nlive, 1);
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	pthread_detach(reader);
	return s;
fail:
	free(s->out.data);
	free(s->in.data);
	free(s->uri);
	free(s);
	return NULL;
}

size_t
wsconsole_output(struct wsconsole *s, void *buf, size_t max)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->out.len < max ? s->out.len : max;
	memcpy(buf, s->out.data, n);
	memmove(s->out.data, s->out.data + n, s->out.len - n);
	s->out.len -= n;
	if (n)
		pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int
wsconsole_closing(struct wsconsole *s, int *code, char *reason)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = s->closing && s->out.len == 0;
	if (r) {
		*code = s->close_code;
		memcpy(reason, s->reason, sizeof(s->reason));
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

bool
wsconsole_input(struct wsconsole *s, const void *buf, size_t len)
{
	bool room;

	pthread_mutex_lock(&s->lock);
	if (s->in.len + len > WSCONSOLE_IN_MAX) {
		/* Cannot happen with rx flow control; say so, lose nothing silently. */
		wsconsole_end_locked(s, WSCONSOLE_CLOSE_ERROR,
				     "cannot queue keystrokes: too many at "
				     "once");
	} else {
		memcpy(s->in.data + s->in.len, buf, len);
		s->in.len += len;
	}
	room = s->in.len < WSCONSOLE_IN_MAX / 2;
	if (!room)
		s->rx_off = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return room;
}

bool
wsconsole_rx_ok(struct wsconsole *s)
{
	bool ok = false;

	pthread_mutex_lock(&s->lock);
	if (s->rx_off && s->in.len < WSCONSOLE_IN_MAX / 2) {
		s->rx_off = false;
		ok = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void
wsconsole_release(struct wsconsole *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	wsconsole_unref(s);
}
