/* SPDX-License-Identifier: MIT */
/* xprt: the bytes below a connection's RPC records: plain, TLS, SASL layer. */
#ifndef RVIRT_SERVER_XPRT_H
#define RVIRT_SERVER_XPRT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dispatch.h"
#include "rpc.h"

/*
 * Read what the socket fd has and return the plaintext: *data points
 * into buf, or into the SASL layer's buffer until the next call.  Runs
 * the TLS handshake first on a TLS socket.  Returns the byte count, 0
 * at end of stream, or -1 with errno (EAGAIN: nothing to give yet;
 * ECONNABORTED: TLS or the SASL layer failed, logged already).
 */
ssize_t xprt_read(struct session_state *sess, int fd, unsigned char *buf,
		  size_t size, const unsigned char **data);

/* Plaintext held below the records (inside GnuTLS) that epoll cannot see. */
bool xprt_pending(const struct session_state *sess);

/*
 * Turn the reply in ob into what goes on the wire (sasl_encode when the
 * layer is active; ob->data is then replaced).  The reply that
 * completes a SASL exchange goes out in clear, and the layer starts
 * right after it.  0, or -1 (logged).
 */
int xprt_encode(struct session_state *sess, struct rpc_buf *ob);

/* Like send(2) of wire bytes, through TLS on a TLS socket. */
ssize_t xprt_send(struct session_state *sess, int fd, const void *buf,
		  size_t len);

#endif
