/* SPDX-License-Identifier: MIT */
/* console_park: a CONSOLE_READ that waits for output without holding the worker. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "console_park.h"

struct console_park {
	int ifd;
	uint64_t deadline_ms;
	unsigned char *rec;
	size_t len;
	/*
	 * Run once more right after parking: output that came between the
	 * handler's look and the watch would otherwise wait for the next.
	 */
	bool recheck;
};

/* The call in progress (one at a time per worker). */
static struct {
	uint64_t now_ms;
	uint64_t deadline_ms; /* of a parked call run again, else 0 */
	bool want;
	char dir[4096];
	uint64_t want_deadline_ms;
} console_park_cur;

void
console_park_call_begin(const struct console_park *p, uint64_t now_ms)
{
	console_park_cur.now_ms = now_ms;
	console_park_cur.deadline_ms = p ? p->deadline_ms : 0;
	console_park_cur.want = false;
}

int
console_park_want(const char *dir, unsigned int wait_ms)
{
	uint64_t deadline = console_park_cur.deadline_ms;

	if (!deadline)
		deadline = console_park_cur.now_ms + wait_ms;
	if (wait_ms == 0 || console_park_cur.now_ms >= deadline ||
	    strlen(dir) >= sizeof(console_park_cur.dir))
		return 0;
	strcpy(console_park_cur.dir, dir);
	console_park_cur.want_deadline_ms = deadline;
	console_park_cur.want = true;
	return 1;
}

int
proc_console_parked(struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
		"the call waits for console output");
	return -1;
}

static struct console_park *
console_park_new(const unsigned char *rec, size_t len)
{
	struct console_park *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rec = malloc(len);
	p->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!p->rec || p->ifd < 0 ||
	    inotify_add_watch(p->ifd, console_park_cur.dir,
			      IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO |
				      IN_DELETE_SELF) < 0) {
		log_warn("cannot wait for console output in '%s': %s",
			 console_park_cur.dir, strerror(errno));
		console_park_free(p);
		return NULL;
	}
	memcpy(p->rec, rec, len);
	p->len = len;
	return p;
}

int
console_park_call_end(struct console_park **pp, const unsigned char *rec,
		      size_t len)
{
	if (!console_park_cur.want) {
		console_park_free(*pp);
		*pp = NULL;
		return 0;
	}
	console_park_cur.want = false;
	if (!*pp) {
		*pp = console_park_new(rec, len);
		if (!*pp)
			return -1;
		(*pp)->recheck = true;
	} else {
		(*pp)->recheck = false;
	}
	(*pp)->deadline_ms = console_park_cur.want_deadline_ms;
	return 1;
}

const unsigned char *
console_park_record(const struct console_park *p, size_t *len)
{
	*len = p->len;
	return p->rec;
}

int
console_park_fd(const struct console_park *p)
{
	return p->ifd;
}

uint64_t
console_park_deadline(const struct console_park *p)
{
	return p->recheck ? 0 : p->deadline_ms;
}

void
console_park_drain(struct console_park *p)
{
	char buf[4096];

	while (read(p->ifd, buf, sizeof(buf)) > 0)
		;
}

void
console_park_free(struct console_park *p)
{
	if (!p)
		return;
	if (p->ifd >= 0)
		close(p->ifd);
	free(p->rec);
	free(p);
}
