/* SPDX-License-Identifier: MIT */
/* journal: the lifecycle event journal in the store (doc/events.md). */
#ifndef RVIRT_STORE_JOURNAL_H
#define RVIRT_STORE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "store.h"

/*
 * Every change of a domain's lifecycle is appended to STORE_EVENTS in
 * the write transaction of the change, so an event exists exactly when
 * its change committed.  Sequence numbers start at 1 and have no gaps:
 * STORE_META "journal:last" holds the last one given out, and trimming
 * removes only from the oldest end.
 *
 * Key: seq as 8 bytes big-endian (LMDB's order is then seq order).
 * Value, version 1, integers little-endian:
 *    0  u8   version (1)
 *    1  u8   kind (RVIRT_EVENT_*)
 *    2  u8   detail
 *    3  u8   length D of the driver name
 *    4  i32  domain id (-1 when not running)
 *    8  i32  wait status of a process that ended on its own, -1 none
 *   12  u64  time, ns since the epoch
 *   20  16 bytes uuid
 *   36  u16  length N of the name
 *   38  u16  length A of the identity that caused it (0: hypervisor)
 *   40  D bytes driver, N bytes name, A bytes identity
 */

#define JOURNAL_DRIVER_MAX 31

struct journal_event {
	uint64_t seq;
	int kind;   /* RVIRT_EVENT_* */
	int detail; /* RVIRT_EVENT_<KIND>_* */
	int id;
	int status; /* wait(2) status, -1 none */
	uint64_t time_ns;
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char driver[JOURNAL_DRIVER_MAX + 1];
	char name[RVIRT_NAME_MAX + 1];
	char identity[RVIRT_IDENTITY_MAX + 1];
	bool hypervisor; /* the hypervisor's own: no identity, whoever's
			    call found it */
};

/*
 * Who causes the changes made from now on in this process: the
 * dispatcher sets the caller's identity around each call and clears it
 * (NULL) after; NULL or "" means the hypervisor itself.  A process runs
 * one call at a time, so one value per process is enough.
 */
void journal_set_actor(const char *identity);

/*
 * Append ev (seq, time_ns and identity are filled in here) in txn, a
 * write transaction, and note the seq for the store's commit hook.
 * Returns 0, or -1 with *err.
 */
int journal_append(struct store_txn *txn, struct journal_event *ev,
		   struct rvirt_error *err);

/*
 * The journal's ends: *first the oldest seq kept (*last + 1 when the
 * journal is empty), *last the newest given out (0 when none ever was).
 */
int journal_bounds(struct store_txn *txn, uint64_t *first, uint64_t *last,
		   struct rvirt_error *err);

/*
 * Call fn on each event after seq after, oldest first, until fn returns
 * 1 (stop) or -1 (error, *err set by fn).  Returns 0 or -1.
 */
int journal_read(struct store_txn *txn, uint64_t after,
		 int (*fn)(const struct journal_event *ev, void *opaque,
			   struct rvirt_error *err),
		 void *opaque, struct rvirt_error *err);

/*
 * Trim the oldest events in txn (a write transaction): keep at most
 * max_count (0: no count bound) and none older than max_age_s seconds
 * before now_s (0: no age bound); at most batch events go per call.
 * *ntrimmed (may be NULL) gets how many went.  Returns 0 or -1.
 */
int journal_trim(struct store_txn *txn, uint64_t max_count, uint64_t max_age_s,
		 uint64_t now_s, size_t batch, uint64_t *ntrimmed,
		 struct rvirt_error *err);

/*
 * The collector's pass: journal_trim in write transactions of its own
 * (a batch each) until nothing more goes.  *ntrimmed (may be NULL) gets
 * the total.  Returns 0 or -1 with *err.
 */
int journal_gc(struct store *st, uint64_t max_count, uint64_t max_age_s,
	       uint64_t now_s, uint64_t *ntrimmed, struct rvirt_error *err);

/* "started", "stopped"...: the kind's name, "unknown" when not one. */
const char *journal_kind_name(int kind);

#endif
