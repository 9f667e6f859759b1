/* SPDX-License-Identifier: MIT */
/* dispatch: the procedure table and the per-call context handlers see. */
#ifndef RVIRT_SERVER_DISPATCH_H
#define RVIRT_SERVER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rpc/rpc.h>

#include "../common/rvirt_defs.h"
#include "../hv/hv.h"
#include "../store/store.h"

/*
 * What the engine knows about the connection a call arrived on.  The
 * engine (server/conn.c) owns it; handlers read it and may set the
 * fields marked "handlers".
 */
struct session_state {
	bool readonly;	    /* socket is read-only, or RO session */
	bool authenticated; /* auth done (or none needed) */
	char identity[256]; /* "unix:uid=1000", later SASL/x509 */
	uid_t uid;	    /* peer uid on unix sockets, else -1 */
	gid_t gid;	    /* peer gid on unix sockets, else -1 */
	int auth_methods[RVIRT_AUTH_METHODS_MAX]; /* what AUTH_LIST says */
	unsigned int nauth_methods;
	struct auth_state *auth; /* server/auth.c: SASL, TLS, limits */
	/* handlers: */
	struct hv_conn *hv; /* set by CONNECT_OPEN, NULL before */
	unsigned char cookie[RVIRT_COOKIE_LEN];
	struct evpark *park; /* a parked call (server/evpark.c) */
	/* CONNECT_CLOSE ran: the client need not read the reply. */
	bool closed;
	/*
	 * The session's record is not in the session store yet, and when
	 * CONNECT_OPEN made it: CLOCK_MONOTONIC_COARSE milliseconds and
	 * seconds since the epoch (server/sessrec.c).
	 */
	bool unrecorded;
	uint64_t opened_ms;
	uint64_t opened_s;
	/* Silence limit in ms, 0: none (server/keepalive.c). */
	uint64_t keepalive_ms;
};

/* The context of one call. */
struct call {
	struct session_state *sess; /* borrowed from the connection */
	struct store *store;	    /* the worker's store */
	struct store_txn *txn;	    /* opened by the dispatcher, see flags */
	uint32_t xid;
	uint32_t proc;
	const void *args_raw; /* the encoded arguments, for recorded replies */
	size_t args_len;
	bool replayed; /* answered from its recorded reply (the audit trail) */
};

enum proc_flags {
	PROC_NO_AUTH = 1 << 0,	/* callable before authentication */
	PROC_NEEDS_HV = 1 << 1, /* needs CONNECT_OPEN first */
	PROC_MUTATING = 1 << 2, /* changes state: refused on read-only,
				    runs in a write transaction */
	PROC_READ_TXN = 1 << 3, /* runs in a read transaction */
};

/*
 * A handler decodes nothing itself: args is the decoded argument
 * struct, ret the zeroed result union.  On success it sets the union's
 * status to RVIRT_OK, fills the payload (malloc'd pointers, freed by the
 * engine with xdr_free) and returns 0.  On failure it returns -1 with
 * *err set and leaves ret for the engine to free; the engine then sends
 * the RVIRT_ERROR arm, which encodes the same for every result union.
 */
typedef int (*proc_fn)(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);

struct proc_entry {
	const char *name; /* "DOMAIN_CREATE" */
	xdrproc_t xdr_args;
	size_t args_size;
	xdrproc_t xdr_ret;
	size_t ret_size;
	proc_fn fn;	    /* NULL only for procedure 0 (NULL) */
	unsigned int flags; /* enum proc_flags */
};

/* The entry for procedure proc of version 1, NULL for an empty slot. */
const struct proc_entry *dispatch_lookup(uint32_t proc);

/* Highest procedure number in the table. */
uint32_t dispatch_max_proc(void);

/*
 * Run one decoded call: checks flags against sess (AUTH_REQUIRED,
 * NO_CONNECT, ACCESS_DENIED), opens and finishes the store transaction,
 * calls the handler.  A mutating call of a session is run at most once
 * per (cookie, xid): its result is recorded in the store in the
 * transaction of its change, and a call re-sent with the same xid, the
 * same procedure and the same arguments gets the recorded result
 * without running again (doc/sessions.md).  Returns 0 when ret holds an RVIRT_OK result, -1
 * when *err holds the error to send.
 */
int dispatch_call(const struct proc_entry *pe, struct call *call, void *args,
		  void *ret, struct rvirt_error *err);

/* What the handlers need from the configuration. */
struct dispatch_options {
	const char *runtime_dir;  /* per-domain files go below it */
	const char *guest_binary; /* NULL: rvirt-guest next to rvirtd */
};

/*
 * Once per worker, after its store is open and before it serves: keep
 * opts (copied) for the drivers, then let them do their start work
 * (hv_host_start: domains whose processes died are marked shut off, and
 * on the first daemon start after a host boot the autostart domains
 * start).  Returns 0, or -1 with *err, which the worker logs and
 * survives: one broken domain must not keep the daemon down.
 */
int dispatch_worker_init(struct store *st, const struct dispatch_options *opts,
			 struct rvirt_error *err);

/* Release what a session holds (hv connection). */
void dispatch_session_release(struct session_state *sess);

#endif
