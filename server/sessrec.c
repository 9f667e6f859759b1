/* SPDX-License-Identifier: MIT */
/* sessrec: when a new session is written to the session store. */
#include <stdint.h>
#include <time.h>

#include "../common/err.h"
#include "../common/ratelimit.h"
#include "sessdb.h"
#include "session.h"
#include "sessrec.h"

int
sessrec_add(struct store_txn *txn, const struct session_state *sess,
	    struct rvirt_error *err)
{
	char principal[SESSION_IDENTITY_MAX + 1];

	if (!sess->unrecorded || !sess->hv)
		return 0;
	session_principal(sess->identity, principal, sizeof(principal));
	if (session_create(txn, sess->cookie, hv_uri(sess->hv), principal,
			   sess->readonly, sess->opened_s, err) < 0)
		return -1;
	return 1;
}

void
sessrec_written(struct session_state *sess)
{
	sess->unrecorded = false;
}

/*
 * Its own transaction of the session store, committed without a sync:
 * a crash of rvirtd keeps it (page cache), a power loss drops the whole
 * session store (doc/sessions.md, "What a session record survives").
 */
int
sessrec_write(struct store *main, struct session_state *sess,
	      struct rvirt_error *err)
{
	struct store_txn *txn;
	int r;

	if (!sess->unrecorded || !sess->hv)
		return 0;
	txn = store_txn_begin(sessdb_store(main), true, err);
	if (!txn)
		return -1;
	r = sessrec_add(txn, sess, err);
	if (r < 0) {
		store_txn_abort(txn);
		return -1;
	}
	if (store_txn_commit_lazy(txn, err) < 0)
		return -1;
	sessrec_written(sess);
	return 0;
}

int
sessrec_opened(struct store *main, struct session_state *sess,
	       struct rvirt_error *err)
{
	sess->unrecorded = true;
	/* The worker's clock (CLOCK_MONOTONIC_COARSE, as conn_env's). */
	sess->opened_ms = ratelimit_now_ms();
	sess->opened_s = (uint64_t)time(NULL);
	if (session_options()->record_delay_ms == 0)
		return sessrec_write(main, sess, err);
	return 0;
}

uint64_t
sessrec_due_ms(const struct session_state *sess)
{
	if (!sess->unrecorded || !sess->hv)
		return 0;
	return sess->opened_ms + session_options()->record_delay_ms;
}
