/* SPDX-License-Identifier: MIT */
/* backoff: the waits between librvirt's reconnection attempts. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "backoff.h"
#include "err.h"
#include "rvirt.h"
#include "stream.h"
#include "uri.h"

/* Watch the directory of the unix socket for the socket's return. */
static void
backoff_watch(struct backoff *b, const struct uri *uri, unsigned int flags)
{
	char path[PATH_MAX];
	struct rvirt_error err;
	const char *slash;

	if (uri->transport != URI_TRANSPORT_UNIX)
		return;
	if (uri->socket)
		snprintf(path, sizeof(path), "%s", uri->socket);
	else if (stream_default_socket_path(flags & RVIRT_CONNECT_RO, path,
					    sizeof(path), &err) < 0)
		return;
	slash = strrchr(path, '/');
	if (!slash || strlen(slash + 1) >= sizeof(b->name))
		return;
	snprintf(b->name, sizeof(b->name), "%s", slash + 1);
	if (slash == path)
		snprintf(path, sizeof(path), "/");
	else
		path[slash - path] = '\0';
	b->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (b->ifd < 0)
		return;
	/* bind creates the socket; a rename or chmod may follow it. */
	if (inotify_add_watch(b->ifd, path,
			      IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		close(b->ifd);
		b->ifd = -1;
	}
}

void
backoff_init(struct backoff *b, const struct uri *uri, unsigned int flags)
{
	memset(b, 0, sizeof(*b));
	b->ifd = -1;
	b->start_ms = stream_now_ms();
	b->delay_ms = BACKOFF_FAST_MS;
	backoff_watch(b, uri, flags);
}

/* Whether the events waiting on ifd name the socket. */
static int
backoff_drain(struct backoff *b)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	int seen = 0;
	ssize_t n;

	while ((n = read(b->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->len > 0 && strcmp(ev->name, b->name) == 0)
				seen = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	return seen;
}

int64_t
backoff_next(struct backoff *b, int64_t now)
{
	int64_t wait;

	if (b->woken) {
		b->woken = 0;
		return BACKOFF_WOKEN_MS;
	}
	if (now - b->start_ms < BACKOFF_FAST_SPAN_MS)
		return BACKOFF_FAST_MS;
	wait = b->delay_ms;
	b->delay_ms = b->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
						       : b->delay_ms * 2;
	return wait;
}

void
backoff_wait(struct backoff *b, int64_t max_ms)
{
	int64_t now = stream_now_ms(), wait = backoff_next(b, now), end;

	if (wait > max_ms)
		wait = max_ms;
	end = now + wait;
	while ((now = stream_now_ms()) < end) {
		struct pollfd pfd = { .fd = b->ifd, .events = POLLIN };
		int r = poll(b->ifd >= 0 ? &pfd : NULL, b->ifd >= 0 ? 1 : 0,
			     (int)(end - now));

		if (r < 0 && errno != EINTR)
			return;
		if (r > 0 && backoff_drain(b)) {
			/* Back now: the next waits are short again. */
			b->woken = 1;
			b->start_ms = stream_now_ms();
			b->delay_ms = BACKOFF_FAST_MS;
			return;
		}
	}
}

void
backoff_release(struct backoff *b)
{
	if (b->ifd >= 0)
		close(b->ifd);
	b->ifd = -1;
}
