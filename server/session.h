/* SPDX-License-Identifier: MIT */
/* session: session records and recorded replies in the store, and their expiry. */
#ifndef RVIRT_SERVER_SESSION_H
#define RVIRT_SERVER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../store/store.h"

/* Longest identity a session keeps ("unix:uid=N", "sasl:user", ...). */
#define SESSION_IDENTITY_MAX 255

/* How sessions and their replies live and die (from the config). */
struct session_options {
	uint64_t ttl_s;		  /* idle seconds before a session expires */
	uint64_t reply_ttl_s;	  /* seconds a recorded reply is kept */
	unsigned int max_replies; /* recorded replies kept per session */
	/* A new session is written down this long after CONNECT_OPEN at
	   the latest (sooner when it needs to be); 0: at CONNECT_OPEN. */
	uint64_t record_delay_ms;
};

/* A session record as read from the store. */
struct session_record {
	bool readonly;
	uint64_t created;   /* seconds since the epoch */
	uint64_t last_used; /* seconds since the epoch */
	char uri[RVIRT_URI_MAX + 1];
	char identity[SESSION_IDENTITY_MAX + 1];
};

/* A recorded reply: what identifies the call, and its encoded result. */
struct session_reply {
	uint32_t proc;
	uint64_t args_hash; /* session_args_hash of the call's arguments */
	const void *body;   /* the XDR result, valid until the txn ends */
	size_t body_len;
};

/*
 * Who a session belongs to, from a connection's identity: the identity
 * itself, except that an unauthenticated TCP peer ("tcp:ADDR:PORT") is
 * its address alone ("tcp:ADDR"), since its port changes with every
 * connection.
 */
void session_principal(const char *identity, char *buf, size_t size);

/* Set the options for this process (defaults until then). */
void session_configure(const struct session_options *opts);

/* The options in force. */
const struct session_options *session_options(void);

/*
 * A new session's cookie: 4 bytes naming the session store (store_id,
 * big-endian), 8 bytes of now (seconds since the epoch, big-endian),
 * then 20 random bytes from the kernel's CSPRNG.  0, or -1 when there
 * are no random bytes.
 */
int session_cookie_new(unsigned char *cookie, uint32_t store_id, uint64_t now);

/*
 * Whether a cookie the session store does not know can only be a
 * session that was never written down (doc/sessions.md, "When a
 * session is written"): it names this session store (store_id, not 0)
 * and was issued less than session_ttl ago, so it was neither dropped
 * with an older store nor expired and collected.  A closed session
 * passes too; its owner does not resume it.
 */
bool session_cookie_unwritten(const unsigned char *cookie, uint32_t store_id,
			      uint64_t now);

/*
 * Write a new session record for cookie.  Returns 0, or -1 with *err
 * (RVIRT_ERR_STORE_FULL among others).
 */
int session_create(struct store_txn *txn, const unsigned char *cookie,
		   const char *uri, const char *identity, bool readonly,
		   uint64_t now, struct rvirt_error *err);

/*
 * Read the record of cookie into *rec.  Returns 1, 0 when there is
 * none, or -1 with *err (a record of another format version is an
 * error, RVIRT_ERR_STORE).
 */
int session_load(struct store_txn *txn, const unsigned char *cookie,
		 struct session_record *rec, struct rvirt_error *err);

/* Whether rec has been idle longer than the ttl at now. */
bool session_expired(const struct session_record *rec, uint64_t now);

/* Set the last-used time of cookie's record, if it has one.  0 or -1. */
int session_touch(struct store_txn *txn, const unsigned char *cookie,
		  uint64_t now, struct rvirt_error *err);

/* Delete cookie's record and its recorded replies.  0 or -1 with *err. */
int session_delete(struct store_txn *txn, const unsigned char *cookie,
		   struct rvirt_error *err);

/* A 64-bit FNV-1a hash of a call's encoded arguments. */
uint64_t session_args_hash(const void *args, size_t len);

/*
 * The reply recorded for (cookie, xid) into *r.  Returns 1, 0 when none
 * is recorded, -1 with *err.
 */
int session_reply_get(struct store_txn *txn, const unsigned char *cookie,
		      uint32_t xid, struct session_reply *r,
		      struct rvirt_error *err);

/*
 * Record r for (cookie, xid) at now_ns (CLOCK_REALTIME nanoseconds),
 * then drop the session's oldest replies beyond max_replies.  Returns 0
 * or -1 with *err.
 */
int session_reply_put(struct store_txn *txn, const unsigned char *cookie,
		      uint32_t xid, const struct session_reply *r,
		      uint64_t now_ns, struct rvirt_error *err);

/* What one collection found and removed. */
struct session_gc_stats {
	uint64_t sessions;	   /* sessions seen */
	uint64_t sessions_expired; /* removed */
	uint64_t replies;	   /* recorded replies seen */
	uint64_t replies_expired;  /* removed */
};

/*
 * Remove sessions idle past the ttl (from sessions, the session store),
 * replies older than reply_ttl and replies whose session is gone (from
 * st, the main store; sessions may be st), at now (seconds since the
 * epoch).  Runs in write transactions of a bounded size, so a large
 * backlog never holds the store's write lock for long.  Returns 0, or
 * -1 with *err; *stats counts what was done either way.
 */
int session_gc(struct store *sessions, struct store *st, uint64_t now,
	       struct session_gc_stats *stats, struct rvirt_error *err);

#endif
