/* SPDX-License-Identifier: MIT */
/* keepalive: closing the connections of clients that announced keepalive and went silent. */
#ifndef RVIRT_SERVER_KEEPALIVE_H
#define RVIRT_SERVER_KEEPALIVE_H

#include <stdint.h>

#include "dispatch.h"

struct conn;

/*
 * The daemon's keepalive_interval (seconds; <= 0: off) and
 * keepalive_count, once per worker before it serves.
 */
void keepalive_configure(int interval_s, unsigned int count);

/*
 * TCP keepalive on an accepted TCP socket, with the daemon's interval
 * and count (nothing when keepalive is off): the kernel probes a quiet
 * connection and resets it when the peer's host no longer answers, so
 * the connections of plain clients (which never announce keepalive)
 * whose host vanished are reaped too.  No RPC message is sent.
 */
void keepalive_tcp(int fd);

/*
 * KEEPALIVE_START (procedure 41): the client pings when it has sent
 * nothing for args->interval seconds.  Sets the connection's silence
 * limit (session_state.keepalive_ms): the longer of the daemon's
 * interval * count and the client's interval * (count + 1); 0 when the
 * daemon's keepalive is off, or args->interval is 0 (the client
 * stopped pinging).  INVALID_ARG for values out of range.
 */
int proc_keepalive_start(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);

/*
 * Why c is to be closed at now_ms for keepalive, or NULL: it announced
 * keepalive, has no call parked, no record or reply half done, no
 * bytes waiting in its socket, and nothing came from it for its limit.
 */
const char *keepalive_expired(const struct conn *c, uint64_t now_ms);

#endif
