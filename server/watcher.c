/* SPDX-License-Identifier: MIT */
/* watcher: the master's child that notices domain processes ending. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../hv/hv.h"
#include "evpark.h"
#include "watcher.h"

/* Domains watched at most; more are still found by the next open. */
#define WATCHER_MAX 4096
/* How often the store is read for domains started since. */
#define WATCHER_SCAN_MS 1000

struct watched {
	int pid;
	uint64_t start;
	int fd;
	bool seen; /* still running in the store at the last look */
};

struct watcher {
	struct store *st;
	struct watched w[WATCHER_MAX];
	size_t n;
	bool gone; /* a process ended before it could be watched */
};

/*
 * Fields 22 (start time) and 52 (exit code, for a zombie) of
 * /proc/PID/stat, and its state.  0, or -1 when pid is gone.
 */
static int
watcher_stat(int pid, uint64_t *start, char *state, int *exit_code)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	size_t len;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	*exit_code = -1;
	*state = p[2];
	/* Field 3 is the state, right after ") ". */
	p += 2;
	for (field = 3; *p; field++) {
		if (sscanf(p, "%llu", &v) == 1) {
			if (field == 22)
				*start = v;
			if (field == 52)
				*exit_code = (int)v;
		}
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	return 0;
}

static struct watched *
watcher_find(struct watcher *wt, int pid, uint64_t start)
{
	for (size_t i = 0; i < wt->n; i++)
		if (wt->w[i].pid == pid && wt->w[i].start == start)
			return &wt->w[i];
	return NULL;
}

static int
watcher_add(int pid, uint64_t start, void *opaque)
{
	struct watcher *wt = opaque;
	struct watched *w = watcher_find(wt, pid, start);
	uint64_t now_start = 0;
	char state = 0;
	int code, fd;

	if (w) {
		w->seen = true;
		return 0;
	}
	if (wt->n == WATCHER_MAX)
		return 0;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* The pid must still name the domain's process, not a reuse. */
	if (fd < 0 || watcher_stat(pid, &now_start, &state, &code) < 0 ||
	    now_start != start || state == 'Z' || state == 'X') {
		if (fd >= 0)
			close(fd);
		wt->gone = true;
		return 0;
	}
	w = &wt->w[wt->n++];
	w->pid = pid;
	w->start = start;
	w->fd = fd;
	w->seen = true;
	return 0;
}

static void
watcher_remove(struct watcher *wt, size_t i)
{
	close(wt->w[i].fd);
	wt->w[i] = wt->w[--wt->n];
}

/* Read the running domains; forget the processes that are not any more. */
static int
watcher_scan(struct watcher *wt)
{
	struct rvirt_error err;
	struct store_txn *txn;
	int rc;

	for (size_t i = 0; i < wt->n; i++)
		wt->w[i].seen = false;
	err_clear(&err);
	txn = store_txn_begin(wt->st, false, &err);
	if (!txn) {
		log_error("watcher: %s", err.message);
		return -1;
	}
	rc = hv_host_pids(txn, watcher_add, wt, &err);
	store_txn_abort(txn);
	if (rc < 0) {
		log_error("watcher: %s", err.message);
		return -1;
	}
	for (size_t i = 0; i < wt->n;)
		if (!wt->w[i].seen)
			watcher_remove(wt, i);
		else
			i++;
	return 0;
}

static void
watcher_settle(struct watcher *wt, int pid, int status)
{
	struct rvirt_error err;

	err_clear(&err);
	if (hv_host_settle(wt->st, pid, status, &err) < 0) {
		log_warn("watcher: cannot write down the end of process %d: "
			 "%s",
			 pid, err.message);
		/* Not again at once: the store may be full for a while. */
		sleep(1);
	} else
		log_info("watcher: domain process %d ended (status %d)", pid,
			 status);
}

int
watcher_main(struct store *st, struct sb *sb)
{
	static struct watcher wt;
	struct pollfd pfd[WATCHER_MAX];

	wt.st = st;
	evpark_publish_init(st, sb);
	for (;;) {
		int n;

		if (watcher_scan(&wt) < 0)
			return 1;
		if (wt.gone) {
			wt.gone = false;
			watcher_settle(&wt, 0, -1);
			continue;
		}
		for (size_t i = 0; i < wt.n; i++) {
			pfd[i].fd = wt.w[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, wt.n, WATCHER_SCAN_MS);
		if (n < 0 && errno != EINTR) {
			log_error("watcher: cannot poll: %s", strerror(errno));
			return 1;
		}
		for (size_t i = 0; n > 0 && i < wt.n; i++) {
			uint64_t start = 0;
			char state = 0;
			int code = -1;

			if (!(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			/* A zombie still has its exit code; after that, none. */
			if (watcher_stat(wt.w[i].pid, &start, &state, &code) <
				    0 ||
			    state != 'Z')
				code = -1;
			watcher_settle(&wt, wt.w[i].pid, code);
		}
	}
}
