/* SPDX-License-Identifier: MIT */
/* intent: what a mutating call is about to do outside the store, written down first. */
#ifndef RVIRT_SERVER_INTENT_H
#define RVIRT_SERVER_INTENT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "../hv/effect.h"
#include "dispatch.h"

/*
 * A call whose effect is outside the store (it starts, stops, pauses,
 * continues or reboots a domain process of the process or qemu
 * driver) runs under an intent: a small file in
 * <runtime_dir>/intents, named by a tag derived from (cookie, xid),
 * written before the effect and holding the call (cookie, xid,
 * procedure, hash of its arguments) and the process the driver noted
 * (hv/effect.h).  It is removed once the call's transaction has
 * committed.  When the same call comes again and finds its intent but
 * no recorded reply, the driver reconciles with the world instead of
 * acting again (doc/sessions.md).
 *
 * Files, not the store: the intent must be written before the effect
 * while the call's write transaction (and LMDB's write lock) is open,
 * and must survive the worker's death, not a power loss, which takes
 * the processes it is about with it.  A write into the page cache does
 * that without an fsync.
 */

struct intent {
	bool active;
	bool noted; /* this run wrote a note */
	char path[PATH_MAX + 64];
	struct hv_effect eff;
	const struct call *call;
	uint64_t args_hash;
};

/*
 * Once per worker: where the intent files go, and the test hook
 * RVIRTD_TEST_HOLD (see intent_test_hold).  0, or -1 with *err.
 */
int intent_configure(const char *runtime_dir, struct rvirt_error *err);

/*
 * Before the handler of a mutating call runs, in its transaction:
 * when the call acts outside the store, write its intent (or find the
 * one an earlier run left) and make it hv's current effect.  in is
 * inactive otherwise.  0, or -1 with *err.
 */
int intent_begin(struct intent *in, const struct call *call,
		 struct rvirt_error *err);

/*
 * After the call: committed, or failed.  The intent goes when the call
 * committed, or failed before it acted; it stays (for the call sent
 * again, or intent_settle) when an effect may have happened without
 * its commit.
 */
void intent_end(struct intent *in, bool committed);

/*
 * The test hook: with RVIRTD_TEST_HOLD=after-effect:PROC in the
 * daemon's environment, a worker that has run PROC and not yet
 * committed it writes its pid to <runtime_dir>/test-hold and stops
 * itself (SIGSTOP), so a test can kill the daemon in that window.
 */
void intent_test_hold(const char *proc_name);

/*
 * At worker start: intents whose call committed are removed; intents
 * older than INTENT_ABANDONED_S (their client did not come back) have
 * the processes of their call that no domain record knows killed, and
 * are removed.  Younger ones wait for their call to be sent again.
 */
int intent_settle(struct store *st, struct rvirt_error *err);

#define INTENT_ABANDONED_S 300

#endif
