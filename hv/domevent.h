/* SPDX-License-Identifier: MIT */
/* domevent: the journal event of a change to a domain record. */
#ifndef RVIRT_HV_DOMEVENT_H
#define RVIRT_HV_DOMEVENT_H

#include "../store/journal.h"
#include "domstore.h"

/*
 * domstore_save and domstore_delete call domevent_record with the record
 * as it was and as it will be: the event follows from the difference
 * (doc/events.md has the table), so every driver and every path that
 * changes a record journals in the transaction of the change without
 * knowing it.  What a difference cannot tell (a reboot, a pin, the exit
 * status of a process, a start by autostart, a domain gone while the
 * daemon was down) the code that knows says first with domevent_hint or
 * domevent_set_cause.
 */

/*
 * The next journaled change is of this kind and detail (status: wait
 * status, -1 none) whatever the difference says.  Consumed by it.
 */
void domevent_hint(int kind, int detail, int status);

/*
 * A domain stops with reason (DOMREC_REASON_SHUTOFF_*) and its record
 * goes (a transient one): hint the stop unless a hint is set already.
 */
void domevent_hint_stop(int reason);

enum domevent_cause {
	DOMEVENT_CALL = 0,	/* a call of a client (or nothing special) */
	DOMEVENT_AUTOSTART = 1, /* starts are by autostart */
	DOMEVENT_SETTLE = 2,	/* stops are of domains found gone at
				   start-up: gone while the daemon was down */
	DOMEVENT_FOUND = 3,	/* stops are of domains found gone while the
				   daemon runs (by the watcher or at a
				   connection's open): crashes */
};

/* Until set back to DOMEVENT_CALL, changes come from cause. */
void domevent_set_cause(enum domevent_cause cause);

/* The cause set now. */
enum domevent_cause domevent_cause(void);

/*
 * Until set back with pid 0: the watcher saw process pid end with wait
 * status status (-1 unknown); the stop of pid's domain carries it.
 */
void domevent_set_watched(int pid, int status);

/*
 * Journal the change of one record in txn: old NULL for a new record,
 * now NULL for a deleted one.  A change with no event (autostart flag,
 * memory) appends nothing.  Returns 0, or -1 with *err.
 */
int domevent_record(struct store_txn *txn, const struct domstore_driver *drv,
		    const struct domrec *old, const struct domrec *now,
		    struct rvirt_error *err);

#endif
