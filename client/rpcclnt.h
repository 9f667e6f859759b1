/* SPDX-License-Identifier: MIT */
/* rpcclnt: a libtirpc CLIENT over the library's own stream, record marked. */
#ifndef RVIRT_CLIENT_RPCCLNT_H
#define RVIRT_CLIENT_RPCCLNT_H

#include <stdint.h>

#include <rpc/rpc.h>

#include "rvirt_defs.h"

struct stream;

/* The per-call timeout until CLSET_TIMEOUT: what the rpcgen stubs pass. */
#define RPCCLNT_TIMEOUT_DEFAULT_S 25

/*
 * A CLIENT for program prog, version vers over st, which it takes over
 * (clnt_destroy frees it; so does a failing rpcclnt_new).  Calls use
 * AUTH_NONE, xids from a counter seeded at random, one record per call
 * and reply (RFC 5531 record marking), replies bounded by
 * RVIRT_MESSAGE_MAX before anything is allocated.  Replies whose xid is
 * not the call's (late replies of timed-out calls) are dropped.
 *
 * clnt_call's timeout covers sending and receiving; CLSET_TIMEOUT
 * overrides it, as in libtirpc.  After a send or
 * receive failure that leaves the stream out of step, every later call
 * fails with RPC_CANTSEND.
 *
 * clnt_control: CLSET_TIMEOUT, CLGET_TIMEOUT (struct timeval),
 * CLGET_XID (the xid of the last call), CLSET_XID (the xid of the next
 * call), CLGET_FD (int), CLGET_PROG, CLSET_PROG, CLGET_VERS, CLSET_VERS
 * (uint32_t).
 *
 * Not thread-safe: callers serialise calls on one CLIENT.
 */
CLIENT *rpcclnt_new(struct stream *st, uint32_t prog, uint32_t vers,
		    struct rvirt_error *err);

/*
 * The detailed error of the last call that did not return RPC_SUCCESS
 * (RVIRT_ERR_TRANSPORT, _TIMEOUT, _LIMIT or _RPC, with a message such
 * as "reply of 5000000 bytes exceeds the limit of 4194304 bytes");
 * RVIRT_ERR_OK after a successful call.
 */
void rpcclnt_get_error(CLIENT *clnt, struct rvirt_error *err);

/* Re-sends of one call after its connection dropped, at most. */
#define RPCCLNT_RESENDS_MAX 8

/*
 * Transparent reconnection.  When the stream fails under a call (end of
 * stream, reset, a write error; not a timeout), fn is called with the
 * reason: it is to connect a new stream, install it with
 * rpcclnt_set_stream and resume the session, making calls on clnt if
 * it needs to (those never reconnect themselves).  When fn returns 0
 * the call is sent again with the same xid, up to RPCCLNT_RESENDS_MAX
 * times; when it returns -1 the call fails with fn's *err.  fn NULL
 * turns reconnection off (the default).
 */
void rpcclnt_set_reconnect(CLIENT *clnt,
			   int (*fn)(void *opaque, CLIENT *clnt,
				     const struct rvirt_error *why,
				     struct rvirt_error *err),
			   void *opaque);

/* Replace the stream (the old one is freed); the CLIENT is usable again. */
void rpcclnt_set_stream(CLIENT *clnt, struct stream *st);

/* 1 when the stream is out of step and every call will fail. */
int rpcclnt_is_broken(CLIENT *clnt);

/*
 * Keepalive under calls (doc/sessions.md): while a call waits for its
 * reply and nothing has arrived for interval_s, a NULL call is sent as
 * a probe, once per interval; when nothing at all arrived for
 * interval_s * count, the peer is taken for dead and the call fails as
 * if the connection dropped (RVIRT_ERR_TRANSPORT), so it goes down the
 * reconnect path.  interval_s 0 turns it off (the default).
 */
void rpcclnt_set_keepalive(CLIENT *clnt, unsigned int interval_s,
			   unsigned int count);

/* When the last call or probe was sent (stream_now_ms), 0 for never. */
int64_t rpcclnt_last_tx_ms(CLIENT *clnt);

/*
 * Send a call and do not wait for its reply: the next call drops the
 * reply by its xid, as it drops a probe's.  For calls whose answer
 * changes nothing for the caller (KEEPALIVE_START, CONNECT_CLOSE); no
 * reconnection.  xargs NULL: the call has no arguments.
 * RPC_SUCCESS once the call is written, within timeout_ms.
 */
enum clnt_stat rpcclnt_send_only(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs,
				 void *argsp, int timeout_ms);

/*
 * As rpcclnt_send_only, but the call waits to go out in front of the
 * next one, in the same write (a system call and a wakeup of the daemon
 * less).  A new stream (rpcclnt_set_stream) drops what is queued.
 * RPC_SUCCESS once encoded.
 */
enum clnt_stat rpcclnt_queue(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs,
			     void *argsp);

/*
 * on: the calls from now are keepalive pings of an idle connection:
 * they do not reconnect when the stream fails, and their silence is
 * counted from the last byte received (so the daemon is taken for dead
 * interval * count after its last byte, and at least one interval
 * after the ping).
 */
void rpcclnt_set_ping_mode(CLIENT *clnt, int on);

/* Mark the stream out of step: the next call reconnects (or fails). */
void rpcclnt_break(CLIENT *clnt);

#endif
