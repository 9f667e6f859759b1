/* SPDX-License-Identifier: MIT */
/* stream: the client's byte stream to rvirtd (unix, tcp, tls, ssh, ext). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmdstream.h"
#include "err.h"
#include "ssh.h"
#include "stream.h"
#include "tlscli.h"
#include "uri.h"

/* Bytes read from below at once when a security layer decodes them. */
#define STREAM_LAYER_READ 65536
/*
 * Without a layer, a read of less than this fills the read-ahead
 * buffer instead: a record mark and a short reply (or two) come in one
 * system call instead of one each.
 */
#define STREAM_AHEAD 512

struct stream {
	const struct stream_ops *ops;
	void *priv; /* the ops' own state */
	int fd;
	char peer[320];
	bool received; /* a byte came: the transport did connect */
	bool has_layer;
	struct stream_layer layer;
	unsigned char *dbuf; /* decoded bytes not yet read */
	size_t doff, dlen, dcap;
	unsigned char *rbuf;		   /* raw bytes for the decoder */
	unsigned char ahead[STREAM_AHEAD]; /* read ahead, no layer */
	size_t aoff, alen;
};

int64_t
stream_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
stream_strerror(int errnum, char *buf, size_t size)
{
	if (size == 0)
		return;
	snprintf(buf, size, "%s", strerror(errnum));
	/* strerror says "No such file"; house style messages are lowercase */
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

static ssize_t
stream_sock_read(struct stream *st, void *buf, size_t len)
{
	return recv(st->fd, buf, len, 0);
}

static ssize_t
stream_sock_write(struct stream *st, const void *buf, size_t len)
{
	/* A library must not die of SIGPIPE when the daemon goes away. */
	return send(st->fd, buf, len, MSG_NOSIGNAL);
}

static void
stream_sock_close(struct stream *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

static const struct stream_ops stream_sock_ops = {
	.read = stream_sock_read,
	.write = stream_sock_write,
	.close = stream_sock_close,
};

/*
 * Wait until fd has events, side (when >= 0) is readable, or the
 * deadline passes: 0 when fd is ready, 1 when side is, -1 with errno
 * ETIMEDOUT or the poll error.
 */
static int
stream_wait_fds(int fd, short events, int side, int64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events },
				       { .fd = side, .events = POLLIN } };
		int timeout = -1, n;

		if (deadline >= 0) {
			int64_t left = deadline - stream_now_ms();

			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			timeout = left > 60000 ? 60000 : (int)left;
		}
		n = poll(p, side >= 0 ? 2 : 1, timeout);
		if (n > 0)
			return p[0].revents ? 0 : 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
stream_wait(int fd, short events, int64_t deadline)
{
	return stream_wait_fds(fd, events, -1, deadline);
}

/*
 * stream_wait on st's descriptor, serving its side descriptor (if any)
 * meanwhile: a child that writes much on stderr while we wait for its
 * stdout would otherwise block on a full pipe and never answer.
 */
static int
stream_wait_st(struct stream *st, short events, int64_t deadline)
{
	for (;;) {
		int side = st->ops->side_fd ? st->ops->side_fd(st) : -1;
		int r = stream_wait_fds(st->fd, events, side, deadline);

		if (r != 1)
			return r;
		st->ops->side_ready(st);
	}
}

int
stream_poll(int fd, short events, int64_t deadline)
{
	return stream_wait(fd, events, deadline);
}

static void
stream_fail(struct rvirt_error *err, struct stream *st, const char *verb,
	    int errnum)
{
	const char *why = st->ops->why ? st->ops->why(st) : NULL;
	char es[128];

	/* Timed out: the child may be alive and well; its words are context. */
	if (errnum == ETIMEDOUT && why) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_TRANSPORT,
			"cannot %s '%s': timed out (it last said: %s)", verb,
			st->peer, why);
		return;
	}
	/* A child that never spoke failed to connect: say what it said. */
	if (why) {
		err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"cannot %s '%s': %s",
			st->received ? verb : "connect to", st->peer, why);
		return;
	}
	if (errnum == ETIMEDOUT) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_TRANSPORT,
			"cannot %s '%s': timed out", verb, st->peer);
		return;
	}
	stream_strerror(errnum, es, sizeof(es));
	err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
		"cannot %s '%s': %s", verb, st->peer, es);
}

static int
stream_raw_write_all(struct stream *st, const void *buf, size_t len,
		     int64_t deadline, struct rvirt_error *err)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = st->ops->write(st, p, len);
		int e;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    stream_wait_st(st, POLLOUT, deadline) == 0)
			continue;
		e = n == 0 ? EPIPE : errno;
		stream_fail(err, st, "send to", e);
		errno = e;
		return -1;
	}
	return 0;
}

static ssize_t
stream_raw_read(struct stream *st, void *buf, size_t len, int64_t deadline,
		struct rvirt_error *err)
{
	for (;;) {
		ssize_t n;
		int e;

		/*
		 * The deadline holds while data keeps coming too: a peer
		 * that always has a byte ready must not keep us here.
		 */
		if (deadline >= 0 && stream_now_ms() >= deadline) {
			err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_TRANSPORT,
				"cannot receive from '%s': timed out",
				st->peer);
			errno = ETIMEDOUT;
			return -1;
		}
		n = st->ops->read(st, buf, len);
		if (n > 0)
			st->received = true;
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    stream_wait_st(st, POLLIN, deadline) == 0)
			continue;
		e = errno;
		stream_fail(err, st, "receive from", e);
		errno = e;
		return -1;
	}
}

int
stream_write_all(struct stream *st, const void *buf, size_t len,
		 int64_t deadline, struct rvirt_error *err)
{
	const unsigned char *p = buf, *out;
	size_t chunk, outlen;

	if (!st->has_layer)
		return stream_raw_write_all(st, buf, len, deadline, err);
	while (len > 0) {
		chunk = len < st->layer.max_encode ? len : st->layer.max_encode;
		if (st->layer.encode(st->layer.ctx, p, chunk, &out, &outlen) <
		    0) {
			err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
				"cannot send to '%s': the sasl security "
				"layer failed to encode",
				st->peer);
			errno = EPROTO;
			return -1;
		}
		if (stream_raw_write_all(st, out, outlen, deadline, err) < 0)
			return -1;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* Keep decoded bytes the caller has no room for yet. */
static int
stream_keep_decoded(struct stream *st, const unsigned char *p, size_t n)
{
	if (n > st->dcap) {
		unsigned char *nb = realloc(st->dbuf, n);

		if (!nb)
			return -1;
		st->dbuf = nb;
		st->dcap = n;
	}
	memcpy(st->dbuf, p, n);
	st->doff = 0;
	st->dlen = n;
	return 0;
}

ssize_t
stream_read(struct stream *st, void *buf, size_t len, int64_t deadline,
	    struct rvirt_error *err)
{
	const unsigned char *out;
	size_t outlen, n;
	ssize_t r;

	if (!st->has_layer) {
		if (st->aoff == st->alen) {
			if (len >= STREAM_AHEAD)
				return stream_raw_read(st, buf, len, deadline,
						       err);
			r = stream_raw_read(st, st->ahead, STREAM_AHEAD,
					    deadline, err);
			if (r <= 0)
				return r;
			st->aoff = 0;
			st->alen = (size_t)r;
		}
		n = st->alen - st->aoff < len ? st->alen - st->aoff : len;
		memcpy(buf, st->ahead + st->aoff, n);
		st->aoff += n;
		return (ssize_t)n;
	}
	/* A piece of a layer packet decodes to nothing: read on. */
	while (st->doff == st->dlen) {
		r = stream_raw_read(st, st->rbuf, STREAM_LAYER_READ, deadline,
				    err);
		if (r <= 0)
			return r;
		if (st->layer.decode(st->layer.ctx, st->rbuf, (size_t)r, &out,
				     &outlen) < 0) {
			err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
				"cannot receive from '%s': the sasl security "
				"layer failed to decode",
				st->peer);
			errno = EPROTO;
			return -1;
		}
		if (outlen && stream_keep_decoded(st, out, outlen) < 0) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
				"out of memory");
			errno = ENOMEM;
			return -1;
		}
	}
	n = st->dlen - st->doff < len ? st->dlen - st->doff : len;
	memcpy(buf, st->dbuf + st->doff, n);
	st->doff += n;
	return (ssize_t)n;
}

void
stream_set_ops(struct stream *st, const struct stream_ops *ops, void *priv)
{
	st->ops = ops;
	st->priv = priv;
}

void *
stream_get_priv(const struct stream *st)
{
	return st->priv;
}

int
stream_set_layer(struct stream *st, const struct stream_layer *layer,
		 struct rvirt_error *err)
{
	/* The daemon sends nothing unasked: no bytes can be waiting. */
	if (st->aoff != st->alen) {
		err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"cannot start the security layer with '%s': it sent "
			"%zu bytes nobody asked for",
			st->peer, st->alen - st->aoff);
		return -1;
	}
	st->rbuf = malloc(STREAM_LAYER_READ);
	if (!st->rbuf) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		return -1;
	}
	st->layer = *layer;
	if (st->layer.max_encode == 0)
		st->layer.max_encode = 4096;
	st->has_layer = true;
	return 0;
}

int
stream_get_fd(const struct stream *st)
{
	return st->fd;
}

const char *
stream_peer(const struct stream *st)
{
	return st->peer;
}

void
stream_free(struct stream *st)
{
	if (!st)
		return;
	st->ops->close(st);
	if (st->has_layer && st->layer.free)
		st->layer.free(st->layer.ctx);
	if (st->dbuf)
		explicit_bzero(st->dbuf, st->dcap);
	free(st->dbuf);
	free(st->rbuf);
	free(st);
}

static struct stream *
stream_alloc(int fd, const char *peer, struct rvirt_error *err)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (!st) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		close(fd);
		return NULL;
	}
	st->ops = &stream_sock_ops;
	st->fd = fd;
	snprintf(st->peer, sizeof(st->peer), "%s", peer);
	return st;
}

struct stream *
stream_new_ops(int fd, const char *peer, const struct stream_ops *ops,
	       void *priv, struct rvirt_error *err)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (!st) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		return NULL;
	}
	st->ops = ops;
	st->priv = priv;
	st->fd = fd;
	snprintf(st->peer, sizeof(st->peer), "%s", peer);
	return st;
}

struct stream *
stream_new_fd(int fd, const char *peer, struct rvirt_error *err)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		char es[128];

		stream_strerror(errno, es, sizeof(es));
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_TRANSPORT,
			"cannot set up the socket of '%s': %s", peer, es);
		close(fd);
		return NULL;
	}
	return stream_alloc(fd, peer, err);
}

static const char *
stream_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && home[0] == '/')
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

int
stream_default_socket_path(int readonly, char *buf, size_t size,
			   struct rvirt_error *err)
{
	const char *name = readonly ? STREAM_SOCK_RO_NAME : STREAM_SOCK_NAME;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *home;
	int n;

	if (getuid() == 0) {
		n = snprintf(buf, size, "/run/rvirt/%s", name);
	} else if (xdg && xdg[0] == '/') {
		/* As rvirtd: a relative XDG_RUNTIME_DIR is ignored. */
		n = snprintf(buf, size, "%s/rvirt/%s", xdg, name);
	} else {
		home = stream_home();
		if (!home) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_TRANSPORT,
				"cannot find the default socket: no home "
				"directory and no XDG_RUNTIME_DIR");
			return -1;
		}
		n = snprintf(buf, size, "%s/.cache/rvirt/run/%s", home, name);
	}
	if (n < 0 || (size_t)n >= size) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_TRANSPORT,
			"default socket path for '%s' is too long", name);
		return -1;
	}
	return 0;
}

static void
stream_connect_fail(struct rvirt_error *err, const char *peer, int errnum)
{
	char es[128];

	if (errnum == ETIMEDOUT) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_TRANSPORT,
			"cannot connect to '%s': timed out", peer);
		return;
	}
	stream_strerror(errnum, es, sizeof(es));
	err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
		"cannot connect to '%s': %s%s", peer, es,
		errnum == ENOENT || errnum == ECONNREFUSED
			? " (is rvirtd running?)"
			: "");
}

/*
 * A non-blocking connect that finishes by the deadline.  A unix socket
 * with a full backlog says EAGAIN rather than EINPROGRESS and does not
 * go on by itself, so that case is retried.
 */
static int
stream_connect_fd(int fd, const struct sockaddr *sa, socklen_t salen,
		  int64_t deadline)
{
	for (;;) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (connect(fd, sa, salen) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (stream_now_ms() >= deadline) {
				errno = ETIMEDOUT;
				return -1;
			}
			poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS)
			return -1;
		if (stream_wait(fd, POLLOUT, deadline) < 0)
			return -1;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			return -1;
		if (soerr != 0) {
			errno = soerr;
			return -1;
		}
		return 0;
	}
}

static struct stream *
stream_connect_unix(const struct uri *uri, unsigned int flags, int64_t deadline,
		    struct rvirt_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char defpath[sizeof(sun.sun_path) + 64];
	const char *path = uri->socket;
	int fd;

	if (!path) {
		if (stream_default_socket_path(flags & RVIRT_CONNECT_RO,
					       defpath, sizeof(defpath),
					       err) < 0)
			return NULL;
		path = defpath;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_TRANSPORT,
			"cannot connect to '%s': path longer than %zu bytes",
			path, sizeof(sun.sun_path) - 1);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		stream_connect_fail(err, path, errno);
		return NULL;
	}
	if (stream_connect_fd(fd, (struct sockaddr *)&sun, sizeof(sun),
			      deadline) < 0) {
		stream_connect_fail(err, path, errno);
		close(fd);
		return NULL;
	}
	return stream_alloc(fd, path, err);
}

static struct stream *
stream_connect_tcp(const struct uri *uri, int defport, int64_t deadline,
		   struct rvirt_error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	const char *host = uri->host ? uri->host : "localhost";
	char port[8], peer[300];
	int fd = -1, rc, lasterr = ECONNREFUSED;
	struct stream *st = NULL;

	snprintf(port, sizeof(port), "%d", uri->port ? uri->port : defport);
	if (strchr(host, ':'))
		snprintf(peer, sizeof(peer), "[%s]:%s", host, port);
	else
		snprintf(peer, sizeof(peer), "%s:%s", host, port);

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		char es[128];

		if (rc == EAI_SYSTEM)
			stream_strerror(errno, es, sizeof(es));
		else
			snprintf(es, sizeof(es), "%s", gai_strerror(rc));
		if (es[0] >= 'A' && es[0] <= 'Z')
			es[0] = (char)(es[0] - 'A' + 'a');
		err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"cannot resolve '%s': %s", host, es);
		return NULL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;

		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			lasterr = errno;
			continue;
		}
		if (stream_connect_fd(fd, ai->ai_addr, ai->ai_addrlen,
				      deadline) == 0) {
			/* Calls are small records that wait for a reply. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			break;
		}
		lasterr = errno;
		close(fd);
		fd = -1;
		if (lasterr == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		stream_connect_fail(err, peer, lasterr);
		return NULL;
	}
	st = stream_alloc(fd, peer, err);
	return st;
}

struct stream *
stream_connect(const struct uri *uri, unsigned int flags, int timeout_ms,
	       struct rvirt_error *err)
{
	int64_t deadline = stream_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	switch (uri->transport) {
	case URI_TRANSPORT_UNIX:
		return stream_connect_unix(uri, flags, deadline, err);
	case URI_TRANSPORT_TCP:
		return stream_connect_tcp(uri, STREAM_TCP_PORT_DEFAULT,
					  deadline, err);
	case URI_TRANSPORT_TLS: {
		struct stream *st = stream_connect_tcp(
			uri, STREAM_TLS_PORT_DEFAULT, deadline, err);

		if (st && tlscli_start(st, uri, deadline, err) < 0) {
			stream_free(st);
			return NULL;
		}
		return st;
	}
	case URI_TRANSPORT_SSH:
		return ssh_connect(uri, flags, timeout_ms, err);
	case URI_TRANSPORT_EXT:
		return cmdstream_connect_ext(uri, err);
	}
	err_set(err, RVIRT_ERR_NO_SUPPORT, RVIRT_FROM_TRANSPORT,
		"transport '%s' is not supported",
		uri_transport_name(uri->transport));
	return NULL;
}
