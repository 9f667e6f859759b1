/* SPDX-License-Identifier: MIT */
/* keepalive: closing the connections of clients that announced keepalive and went silent. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "conn.h"
#include "keepalive.h"

/*
 * The daemon never sends a call of its own: a plain rpcgen client would
 * take it for a garbled reply.  The client pings instead (procedure 0,
 * answered in the worker's event loop like any call, with no queue in
 * front of it), and only a client that said so is watched
 * (doc/sessions.md, "Keepalive").
 */
static uint64_t keepalive_daemon_ms; /* interval * count; 0: off */
static int keepalive_interval_s, keepalive_count;

void
keepalive_configure(int interval_s, unsigned int count)
{
	keepalive_interval_s = interval_s > 0 ? interval_s : 0;
	keepalive_count = (int)count;
	keepalive_daemon_ms =
		interval_s > 0 ? (uint64_t)interval_s * count * 1000 : 0;
}

void
keepalive_tcp(int fd)
{
	int one = 1;

	if (!keepalive_interval_s)
		return;
	/* Best effort: a socket without it still has the RPC keepalive. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &keepalive_interval_s,
		   sizeof(keepalive_interval_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &keepalive_interval_s,
		   sizeof(keepalive_interval_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &keepalive_count,
		   sizeof(keepalive_count));
}

int
proc_keepalive_start(struct call *call, void *args, void *ret,
		     struct rvirt_error *err)
{
	const rvirt_keepalive_start_args *a = args;
	rvirt_void_ret *r = ret;
	uint64_t client_ms;

	if (a->interval > 3600 ||
	    (a->interval && (a->count < 1 || a->count > 1000))) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_RPC,
			"cannot start keepalive with interval %u and count "
			"%u: the interval must be 0 (off) to 3600 s, the "
			"count 1 to 1000",
			a->interval, a->count);
		return -1;
	}
	r->status = RVIRT_OK;
	/* Interval 0: the client stopped pinging; stop watching it. */
	call->sess->keepalive_ms = 0;
	if (!a->interval)
		return 0;
	/* The client pings after interval s of quiet: give it one more. */
	client_ms = (uint64_t)a->interval * (a->count + 1) * 1000;
	if (keepalive_daemon_ms)
		call->sess->keepalive_ms = client_ms > keepalive_daemon_ms
						   ? client_ms
						   : keepalive_daemon_ms;
	return 0;
}

const char *
keepalive_expired(const struct conn *c, uint64_t now_ms)
{
	int avail = 0;

	if (!c->sess.keepalive_ms || c->sess.park ||
	    rpc_record_started(&c->rec) || c->out_len > 0 ||
	    c->pending_len > 0 ||
	    now_ms - c->last_active_ms < c->sess.keepalive_ms)
		return NULL;
	/*
	 * Bytes that a busy worker has not read yet are a sign of life:
	 * the client is not silent, the worker was.
	 */
	if (ioctl(c->fd, FIONREAD, &avail) == 0 && avail > 0)
		return NULL;
	return "no keepalive ping from the client for keepalive_interval "
	       "x keepalive_count";
}
