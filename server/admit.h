/* SPDX-License-Identifier: MIT */
/* admit: which connections a worker takes, sheds or refuses, per socket. */
#ifndef RVIRT_SERVER_ADMIT_H
#define RVIRT_SERVER_ADMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../scoreboard/scoreboard.h"
#include "config.h"
#include "conn.h"
#include "listen.h"

/* File descriptors a worker keeps for itself (store, logs, refusals). */
#define ADMIT_FD_RESERVE 64
/* Connections a worker holds at once only to answer them a refusal. */
#define ADMIT_REFUSING_MAX 16
/* How long a refused connection has to send the call its refusal answers. */
#define ADMIT_REFUSE_WAIT_MS 10000
/* A connection younger than this (or active since) is never shed. */
#define ADMIT_SHED_GRACE_MS 1000
/* How often a worker at its slots looks whether other workers have room. */
#define ADMIT_POOL_CHECK_MS 200

/*
 * The connection budget of one worker (doc/architecture.md, "Connection
 * budgets"):
 *   slots    max_clients_per_worker: beyond it the worker lets other
 *            workers take new connections, unless none has a free slot;
 *   hard     max_clients, lowered to what the file limit allows: never
 *            more connections than this;
 *   reserve  part of hard that only the read-write unix socket may use,
 *            so that no flood on the read-only socket or TCP locks the
 *            admins out.
 */
struct admit_limits {
	unsigned int slots;
	unsigned int hard;
	unsigned int reserve;
	/*
	 * max_clients_per_worker = 1: one connection per process, never
	 * overflow; when every worker of a full pool holds its one, new
	 * connections are refused.
	 */
	bool strict;
	unsigned int max_workers;
};

/*
 * Fill *al from cfg and nofile, the soft RLIMIT_NOFILE (0: unknown,
 * then max_clients alone counts).
 */
void admit_limits_init(struct admit_limits *al, const struct config *cfg,
		       uint64_t nofile);

/* What to do with a connection just accepted. */
enum admit_verdict {
	ADMIT_OK,     /* within its socket's budget */
	ADMIT_SHED,   /* over budget: close a sheddable one to make room */
	ADMIT_REFUSE, /* over budget: answer its first call with an error */
};

/*
 * The verdict for a connection on a listener of kind when the worker
 * holds total connections (refused ones not counted), nonrw of them on
 * other sockets than the read-write unix one.
 */
enum admit_verdict admit_decide(const struct admit_limits *al,
				enum listen_kind kind, unsigned int total,
				unsigned int nonrw);

/*
 * Whether c may be closed to make room for a new connection on a
 * listener of kind at now_ms: it is quiet (no call buffered, no reply
 * waiting, nothing for ADMIT_SHED_GRACE_MS) and unauthenticated, or
 * without a session (no CONNECT_OPEN), or stalled in the middle of a
 * record.  An authenticated connection with an open session, idle
 * between calls (a console), is never shed.  A new connection on the
 * read-write socket may shed any socket's; others only their own kind's
 * budget (not the read-write socket's).
 */
bool admit_sheddable(const struct conn *c, enum listen_kind kind,
		     uint64_t now_ms);

/*
 * The unauthenticated sheddable connection of list that was quiet
 * longest, or NULL: room for a new one under max_anonymous_clients.
 */
struct conn *admit_pick_anon(struct conn *list, enum listen_kind kind,
			     uint64_t now_ms);

/* The sheddable connection of list that was quiet longest, or NULL. */
struct conn *admit_pick_shed(struct conn *list, enum listen_kind kind,
			     uint64_t now_ms);

/*
 * Whether the pool has no room elsewhere: no live worker of the current
 * generation other than slot self has fewer than slots connections.
 * A worker at its slots then keeps accepting (overflow) rather than
 * leaving new clients in the kernel's backlog.  *others gets the number
 * of those other live workers.  true (and 0) without sb.
 */
bool admit_pool_full(const struct sb *sb, int self, unsigned int slots,
		     unsigned int *others);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit (connections are
 * file descriptors).  Returns the soft limit now in force, 0 when it
 * cannot be read.
 */
uint64_t admit_nofile_raise(void);

#endif
