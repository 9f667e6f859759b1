/* SPDX-License-Identifier: MIT */
/* sessrec: when a new session is written to the session store. */
#ifndef RVIRT_SERVER_SESSREC_H
#define RVIRT_SERVER_SESSREC_H

#include <stdint.h>

#include "../common/err.h"
#include "../store/store.h"
#include "dispatch.h"

/*
 * A session CONNECT_OPEN made lives in its worker's memory first and is
 * written to the session store (server/sessdb.c) only when something
 * may need it there (doc/sessions.md, "When a session is written"):
 * before its first mutating call runs (dispatch), when its connection
 * ends without CONNECT_CLOSE or its worker stops (worker), and at the
 * latest session_record_delay after CONNECT_OPEN (worker, every due
 * session of the worker in one commit).  A connection that opens, calls
 * and closes within that time writes nothing.
 */

/*
 * sess has just been bound to a new session by CONNECT_OPEN: note when,
 * and write it at once when session_record_delay is 0.  0, or -1 with
 * *err (the open fails).
 */
int sessrec_opened(struct store *main, struct session_state *sess,
		   struct rvirt_error *err);

/*
 * Write sess's session record now, in a transaction of its own, if it
 * is not written yet.  0 (also when there was nothing to write), or -1
 * with *err.
 */
int sessrec_write(struct store *main, struct session_state *sess,
		  struct rvirt_error *err);

/*
 * Add sess's record to txn, a write transaction of the session store,
 * if it is not written yet; call sessrec_written once txn committed.
 * 1 when it added one, 0 when there was nothing to write, -1 with *err.
 */
int sessrec_add(struct store_txn *txn, const struct session_state *sess,
		struct rvirt_error *err);

/* txn, with sess's record added, committed. */
void sessrec_written(struct session_state *sess);

/* When sess is due to be written (CLOCK_MONOTONIC_COARSE ms); 0: never. */
uint64_t sessrec_due_ms(const struct session_state *sess);

#endif
