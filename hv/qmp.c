/* SPDX-License-Identifier: MIT */
/* qmp: a QEMU Machine Protocol client over a unix socket, with deadlines. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "qmp.h"

/* Messages that are neither our reply nor an event: a confused peer. */
#define QMP_SKIP_MAX 1000

struct qmp {
	int fd;
	unsigned int timeout_ms;
	uint64_t deadline; /* of the current exchange */
	char *buf;	   /* received, not yet parsed */
	size_t len, cap;
};

static uint64_t
qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events before the deadline; 0 or -1. */
static int
qmp_wait(struct qmp *q, short events, struct rvirt_error *err)
{
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = events };
		uint64_t now = qmp_now_ms();
		int rc;

		if (now >= q->deadline) {
			err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
				"qemu monitor: no answer within %u ms",
				q->timeout_ms);
			return -1;
		}
		rc = poll(&p, 1, (int)(q->deadline - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				      errno, "qemu monitor: poll");
			return -1;
		}
		if (rc > 0)
			return 0;
	}
}

static int
qmp_send(struct qmp *q, const char *text, struct rvirt_error *err)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n;

		if (qmp_wait(q, POLLOUT, err) < 0)
			return -1;
		n = send(q->fd, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			err_set_errno(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_HV,
				      errno, "qemu monitor: cannot send");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* The next message, parsed; the caller frees it. */
static struct json *
qmp_recv(struct qmp *q, struct rvirt_error *err)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		ssize_t n;

		if (nl) {
			size_t line = (size_t)(nl - q->buf);
			struct json *j;

			j = json_parse(q->buf, line, err);
			memmove(q->buf, nl + 1, q->len - line - 1);
			q->len -= line + 1;
			if (!j) {
				if (err)
					err->code = RVIRT_ERR_RPC;
				return NULL;
			}
			if (json_type(j) != JSON_OBJECT) {
				json_free(j);
				err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
					"qemu monitor: a message that is not "
					"an object");
				return NULL;
			}
			return j;
		}
		if (q->len >= JSON_TEXT_MAX) {
			err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_HV,
				"qemu monitor: a message longer than %d bytes",
				JSON_TEXT_MAX);
			return NULL;
		}
		if (q->cap - q->len < 4096) {
			size_t cap = q->cap ? q->cap * 2 : 8192;
			char *b;

			if (cap > JSON_TEXT_MAX + 4096)
				cap = JSON_TEXT_MAX + 4096;
			b = realloc(q->buf, cap);
			if (!b) {
				err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
					"qemu monitor: out of memory");
				return NULL;
			}
			q->buf = b;
			q->cap = cap;
		}
		if (qmp_wait(q, POLLIN, err) < 0)
			return NULL;
		n = recv(q->fd, q->buf + q->len, q->cap - q->len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			err_set_errno(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_HV,
				      errno, "qemu monitor: cannot receive");
			return NULL;
		}
		if (n == 0) {
			err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_HV,
				"qemu monitor: closed by qemu");
			return NULL;
		}
		q->len += (size_t)n;
	}
}

/* The reply to the command just sent: events are skipped. */
static struct json *
qmp_reply(struct qmp *q, const char *cmd, struct rvirt_error *err)
{
	for (unsigned int i = 0; i < QMP_SKIP_MAX; i++) {
		struct json *j = qmp_recv(q, err);
		const struct json *e;

		if (!j)
			return NULL;
		if (json_get(j, "return"))
			return j;
		e = json_get(j, "error");
		if (e) {
			const char *desc = json_str(json_get(e, "desc"));
			const char *cls = json_str(json_get(e, "class"));

			err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
				"qemu refused '%s': %s (%s)", cmd,
				desc ? desc : "no description",
				cls ? cls : "no class");
			json_free(j);
			return NULL;
		}
		json_free(j); /* an event, or a greeting out of place */
	}
	err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
		"qemu monitor: no reply to '%s' among %d messages", cmd,
		QMP_SKIP_MAX);
	return NULL;
}

int
qmp_command(struct qmp *q, const char *cmd, const char *args, struct json **ret,
	    struct rvirt_error *err)
{
	struct json *j;
	char *text;
	int n, rc;

	for (const char *c = cmd; *c; c++) {
		/* Command names are plain words: nothing to escape. */
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_')) {
			err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
				"qemu monitor: bad command name '%s'", cmd);
			return -1;
		}
	}
	if (args)
		n = asprintf(&text,
			     "{\"execute\": \"%s\", \"arguments\": %s}\n", cmd,
			     args);
	else
		n = asprintf(&text, "{\"execute\": \"%s\"}\n", cmd);
	if (n < 0) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"qemu monitor: out of memory");
		return -1;
	}
	q->deadline = qmp_now_ms() + q->timeout_ms;
	rc = qmp_send(q, text, err);
	free(text);
	if (rc < 0)
		return -1;
	j = qmp_reply(q, cmd, err);
	if (!j)
		return -1;
	if (ret)
		*ret = j;
	else
		json_free(j);
	return 0;
}

struct qmp *
qmp_open_fd(int fd, unsigned int timeout_ms, struct rvirt_error *err)
{
	struct qmp *q = calloc(1, sizeof(*q));
	struct json *greeting;

	if (!q) {
		close(fd);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"qemu monitor: out of memory");
		return NULL;
	}
	q->fd = fd;
	q->timeout_ms = timeout_ms;
	q->deadline = qmp_now_ms() + timeout_ms;
	greeting = qmp_recv(q, err);
	if (!greeting)
		goto fail;
	if (!json_get(greeting, "QMP")) {
		json_free(greeting);
		err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
			"qemu monitor: no QMP greeting");
		goto fail;
	}
	json_free(greeting);
	if (qmp_command(q, "qmp_capabilities", NULL, NULL, err) < 0)
		goto fail;
	return q;
fail:
	qmp_close(q);
	return NULL;
}

struct qmp *
qmp_connect(const char *path, unsigned int timeout_ms, struct rvirt_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = qmp_now_ms() + timeout_ms;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"qemu monitor path '%s' is too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				      errno, "qemu monitor: socket");
			return NULL;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		/* QEMU creates the socket while it starts: wait for it. */
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    qmp_now_ms() >= deadline) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				      errno,
				      "cannot connect to the qemu "
				      "monitor '%s'",
				      path);
			return NULL;
		}
		struct timespec ts = { .tv_nsec = 2000000 };

		nanosleep(&ts, NULL);
	}
	return qmp_open_fd(fd, timeout_ms, err);
}

void
qmp_close(struct qmp *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q);
}

int
qmp_vcpu_tids(struct qmp *q, unsigned int nvcpus, pid_t *tids,
	      struct rvirt_error *err)
{
	const struct json *list;
	struct json *reply = NULL;
	int found = 0;

	memset(tids, 0, nvcpus * sizeof(*tids));
	if (qmp_command(q, "query-cpus-fast", NULL, &reply, err) < 0)
		return -1;
	list = json_get(reply, "return");
	if (json_type(list) != JSON_ARRAY) {
		json_free(reply);
		err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
			"qemu monitor: query-cpus-fast did not return a list");
		return -1;
	}
	for (size_t i = 0; i < json_len(list); i++) {
		const struct json *cpu = json_at(list, i);
		long long idx, tid;

		if (json_int(json_get(cpu, "cpu-index"), 0, INT_MAX, &idx) <
			    0 ||
		    json_int(json_get(cpu, "thread-id"), 1, INT_MAX, &tid) <
			    0) {
			json_free(reply);
			err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
				"qemu monitor: query-cpus-fast entry %zu has "
				"no cpu-index or thread-id",
				i);
			return -1;
		}
		if ((unsigned long long)idx >= nvcpus || tids[idx])
			continue;
		tids[idx] = (pid_t)tid;
		found++;
	}
	json_free(reply);
	return found;
}
