/* SPDX-License-Identifier: MIT */
/* xprt: the bytes below a connection's RPC records: plain, TLS, SASL layer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/ratelimit.h"
#include "auth.h"
#include "saslsrv.h"
#include "tlssrv.h"
#include "xprt.h"

/* Refused TLS handshakes, logged at a bounded rate. */
static struct ratelimit xprt_refuse_log = RATELIMIT_DEFAULT;

/* TLS handshake: 1 done, -1 with errno (EAGAIN to wait). */
static int
xprt_tls_ready(struct session_state *sess)
{
	struct auth_state *a = sess->auth;
	struct rvirt_error err;
	char id[sizeof(sess->identity)];
	int r;

	r = tlssrv_handshake(a->tls, id, sizeof(id), &err);
	if (r == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (r < 0) {
		log_ratelimited(&xprt_refuse_log, LOG_LEVEL_WARN,
				"refusing tls client '%s': %s", sess->identity,
				err.message);
		errno = ECONNABORTED;
		return -1;
	}
	if (a->ext_ssf == 0) {
		a->ext_ssf = tlssrv_ssf(a->tls);
		/* x509 alone, or SASL inside TLS still to come. */
		if (sess->auth_methods[0] == RVIRT_AUTH_TLS)
			auth_session_done(sess, id);
		else
			log_debug("tls client '%s' is '%s'; sasl follows",
				  sess->identity, id);
	}
	return 1;
}

ssize_t
xprt_read(struct session_state *sess, int fd, unsigned char *buf, size_t size,
	  const unsigned char **data)
{
	struct auth_state *a = sess->auth;
	struct rvirt_error err;
	const unsigned char *out;
	size_t outlen;
	ssize_t n;

	*data = buf;
	if (a && a->tls) {
		if (xprt_tls_ready(sess) < 0)
			return -1;
		n = tlssrv_read(a->tls, buf, size);
	} else {
		do
			n = read(fd, buf, size);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0 || !a || !a->layer_active)
		return n;
	if (saslsrv_decode(a->sasl, buf, (size_t)n, &out, &outlen, &err) < 0) {
		log_warn("closing connection of '%s': %s", sess->identity,
			 err.message);
		errno = ECONNABORTED;
		return -1;
	}
	if (outlen == 0) {
		errno = EAGAIN;
		return -1;
	}
	*data = out;
	return (ssize_t)outlen;
}

bool
xprt_pending(const struct session_state *sess)
{
	return sess->auth && sess->auth->tls &&
	       tlssrv_pending(sess->auth->tls) > 0;
}

int
xprt_encode(struct session_state *sess, struct rpc_buf *ob)
{
	struct auth_state *a = sess->auth;
	struct rvirt_error err;
	unsigned char *wire = NULL;
	size_t wlen = 0, wcap = 0, off = 0, chunk, max;

	if (!a)
		return 0;
	if (!a->layer_active) {
		if (a->layer_pending) {
			a->layer_pending = false;
			a->layer_active = true;
		}
		return 0;
	}
	max = saslsrv_max_encode(a->sasl);
	while (off < ob->len) {
		const unsigned char *out;
		size_t outlen;

		chunk = ob->len - off < max ? ob->len - off : max;
		if (saslsrv_encode(a->sasl, ob->data + off, chunk, &out,
				   &outlen, &err) < 0) {
			log_warn("closing connection of '%s': %s",
				 sess->identity, err.message);
			free(wire);
			return -1;
		}
		if (wlen + outlen > wcap) {
			size_t ncap = (wlen + outlen) * 2;
			unsigned char *p = realloc(wire, ncap);

			if (!p) {
				log_error("closing connection of '%s': out "
					  "of memory",
					  sess->identity);
				free(wire);
				return -1;
			}
			wire = p;
			wcap = ncap;
		}
		memcpy(wire + wlen, out, outlen);
		wlen += outlen;
		off += chunk;
	}
	free(ob->data);
	ob->data = wire;
	ob->len = wlen;
	ob->cap = wcap;
	return 0;
}

ssize_t
xprt_send(struct session_state *sess, int fd, const void *buf, size_t len)
{
	struct auth_state *a = sess->auth;
	const unsigned char *p = buf;
	size_t done = 0;
	ssize_t n;

	if (!a || !a->tls)
		return send(fd, buf, len, MSG_NOSIGNAL);
	/* GnuTLS sends one record at a time: go on until it would block. */
	while (done < len) {
		n = tlssrv_write(a->tls, p + done, len - done);
		if (n < 0) {
			if (done > 0 && errno == EAGAIN)
				break;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}
