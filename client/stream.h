/* SPDX-License-Identifier: MIT */
/* stream: the client's byte stream to rvirtd (unix and tcp sockets). */
#ifndef RVIRT_CLIENT_STREAM_H
#define RVIRT_CLIENT_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rvirt_defs.h"

struct uri;

#define STREAM_TCP_PORT_DEFAULT 16609
#define STREAM_TLS_PORT_DEFAULT 16610
#define STREAM_SOCK_NAME "rvirt-sock"
#define STREAM_SOCK_RO_NAME "rvirt-sock-ro"

/*
 * A connected, non-blocking, close-on-exec byte stream.  Reads and
 * writes wait with poll(2) until an absolute deadline on the
 * CLOCK_MONOTONIC clock in milliseconds (stream_now_ms), or forever
 * when the deadline is negative.  A stream is used by one thread at a
 * time.  TLS (client/tlscli.c) replaces the socket I/O below it, ssh
 * and ext (client/cmdstream.c) are a child process's pipes, and a SASL
 * security layer (client/saslcli.c) wraps whatever is below, so the RPC
 * code above sees plaintext records either way.
 */
struct stream;

/*
 * The seam for transports: read/write return like read(2)/write(2),
 * with errno EAGAIN when they would block (the stream then polls the
 * fd, for want_write ? POLLOUT : the direction it was going).  close
 * releases everything, the fd included.  why, optional, says why the
 * stream ended or failed (a TLS alert, a child's last stderr lines).
 */
struct stream_ops {
	ssize_t (*read)(struct stream *st, void *buf, size_t len);
	ssize_t (*write)(struct stream *st, const void *buf, size_t len);
	void (*close)(struct stream *st);
	/* Optional: why the last read or write failed, or NULL. */
	const char *(*why)(struct stream *st);
	/*
	 * Optional: a second descriptor to serve while the stream waits
	 * (a child's stderr, which must not fill up and stop the child
	 * while it is the one we wait for), -1 none; and what to do when
	 * it is readable.
	 */
	int (*side_fd)(struct stream *st);
	void (*side_ready)(struct stream *st);
};

/*
 * Wait until fd has events or the deadline (negative: none) passes.
 * 0 when ready, -1 with errno ETIMEDOUT or the poll error.
 */
int stream_poll(int fd, short events, int64_t deadline);

/*
 * A stream over fd (non-blocking, close-on-exec, polled for readiness)
 * with the transport's ops and private data priv, both borrowed until
 * ops->close.  NULL with *err when out of memory (ops->close is then
 * not called: the caller still owns fd and priv).
 */
struct stream *stream_new_ops(int fd, const char *peer,
			      const struct stream_ops *ops, void *priv,
			      struct rvirt_error *err);

/* Put ops (and their private data) below the stream. */
void stream_set_ops(struct stream *st, const struct stream_ops *ops,
		    void *priv);
void *stream_get_priv(const struct stream *st);

/*
 * A security layer over the stream: every write is cut into pieces of
 * at most max_encode bytes and encoded, every read decoded.  The
 * functions return 0, or -1 when the layer fails; *out stays valid
 * until the next call.
 */
struct stream_layer {
	int (*encode)(void *ctx, const unsigned char *in, size_t len,
		      const unsigned char **out, size_t *outlen);
	int (*decode)(void *ctx, const unsigned char *in, size_t len,
		      const unsigned char **out, size_t *outlen);
	size_t max_encode;
	void *ctx;
	void (*free)(void *ctx); /* called by stream_free, may be NULL */
};

/* Start layer (copied) for every byte from now on.  0, or -1 with *err. */
int stream_set_layer(struct stream *st, const struct stream_layer *layer,
		     struct rvirt_error *err);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
int64_t stream_now_ms(void);

/*
 * The default unix socket path of rvirtd for this user (the rules of
 * rvirtd's runtime_dir; rvirt-sock, or rvirt-sock-ro when readonly)
 * into buf.  Returns 0, or -1 with *err (RVIRT_ERR_SYSTEM when no home
 * directory is known, RVIRT_ERR_LIMIT when it does not fit).
 */
int stream_default_socket_path(int readonly, char *buf, size_t size,
			       struct rvirt_error *err);

/*
 * Connect as the parsed uri says: the unix socket (socket=, else the
 * default path; the -ro one when flags has RVIRT_CONNECT_RO) or tcp to
 * host:port (port 16609 and host "localhost" by default), tls to
 * host:port (port 16610) with the TLS handshake done and the server
 * verified (client/tlscli.c), or a new ssh or ext child process
 * (client/ssh.c, client/cmdstream.c).  Gives up after timeout_ms.
 * Returns a new stream, or NULL with *err: RVIRT_ERR_TRANSPORT when the
 * connection fails, RVIRT_ERR_AUTH_FAILED when TLS fails,
 * RVIRT_ERR_TIMEOUT.
 */
struct stream *stream_connect(const struct uri *uri, unsigned int flags,
			      int timeout_ms, struct rvirt_error *err);

/*
 * A stream over a connected socket fd (taken over: stream_free closes
 * it); peer names it in messages.  NULL with *err on failure (fd is
 * then closed).
 */
struct stream *stream_new_fd(int fd, const char *peer, struct rvirt_error *err);

/*
 * Write all len bytes.  0, or -1 with *err (RVIRT_ERR_TRANSPORT, or
 * RVIRT_ERR_TIMEOUT when the deadline passed) and errno set.
 */
int stream_write_all(struct stream *st, const void *buf, size_t len,
		     int64_t deadline, struct rvirt_error *err);

/*
 * Read at least one byte, at most len.  Returns the count, 0 at end of
 * stream, or -1 with *err (RVIRT_ERR_TRANSPORT, RVIRT_ERR_TIMEOUT) and
 * errno set.
 */
ssize_t stream_read(struct stream *st, void *buf, size_t len, int64_t deadline,
		    struct rvirt_error *err);

int stream_get_fd(const struct stream *st);

/* What the stream is connected to: a socket path or "host:port". */
const char *stream_peer(const struct stream *st);

void stream_free(struct stream *st);

/*
 * strerror(errnum) in the house style (lowercase first letter) into
 * buf; for error messages of the client modules.
 */
void stream_strerror(int errnum, char *buf, size_t size);

#endif
