/* SPDX-License-Identifier: MIT */
/* domevent: the journal event of a change to a domain record. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "domevent.h"

static struct {
	bool set;
	int kind, detail, status;
} domevent_next;

static enum domevent_cause domevent_cause_now;
static int domevent_watched_pid, domevent_watched_status = -1;

enum domevent_cause
domevent_cause(void)
{
	return domevent_cause_now;
}

void
domevent_set_watched(int pid, int status)
{
	domevent_watched_pid = pid;
	domevent_watched_status = status;
}

void
domevent_hint(int kind, int detail, int status)
{
	domevent_next.set = true;
	domevent_next.kind = kind;
	domevent_next.detail = detail;
	domevent_next.status = status;
}

void
domevent_set_cause(enum domevent_cause cause)
{
	domevent_cause_now = cause;
}

static int
domevent_stop_detail(int reason)
{
	if (domevent_cause_now == DOMEVENT_SETTLE)
		return RVIRT_EVENT_STOPPED_VANISHED;
	switch (reason) {
	case DOMREC_REASON_SHUTOFF_SHUTDOWN:
		return RVIRT_EVENT_STOPPED_SHUTDOWN;
	case DOMREC_REASON_SHUTOFF_CRASHED:
		return RVIRT_EVENT_STOPPED_CRASHED;
	default:
		return RVIRT_EVENT_STOPPED_DESTROYED;
	}
}

void
domevent_hint_stop(int reason)
{
	if (!domevent_next.set)
		domevent_hint(RVIRT_EVENT_STOPPED, domevent_stop_detail(reason),
			      -1);
}

static int
domevent_start_detail(void)
{
	return domevent_cause_now == DOMEVENT_AUTOSTART
		       ? RVIRT_EVENT_STARTED_AUTOSTART
		       : RVIRT_EVENT_STARTED_BOOTED;
}

static bool
domevent_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The kind and detail of the change old -> now; 0 when it has an event,
 * -1 when it has none.
 */
static int
domevent_classify(const struct domrec *old, const struct domrec *now, int *kind,
		  int *detail)
{
	bool was = old && domrec_active(old), is = now && domrec_active(now);

	if (!old) {
		*kind = is ? RVIRT_EVENT_STARTED : RVIRT_EVENT_DEFINED;
		*detail = is ? domevent_start_detail()
			     : RVIRT_EVENT_DEFINED_ADDED;
		return 0;
	}
	if (!now) {
		/* A transient domain goes when it stops. */
		*kind = was ? RVIRT_EVENT_STOPPED : RVIRT_EVENT_UNDEFINED;
		*detail = was ? domevent_stop_detail(old->reason)
			      : RVIRT_EVENT_UNDEFINED_REMOVED;
		if (was && old->vanished)
			*detail = domevent_cause_now == DOMEVENT_SETTLE
					  ? RVIRT_EVENT_STOPPED_VANISHED
					  : RVIRT_EVENT_STOPPED_CRASHED;
		return 0;
	}
	if (!was && is) {
		*kind = RVIRT_EVENT_STARTED;
		*detail = domevent_start_detail();
		return 0;
	}
	if (was && !is) {
		*kind = RVIRT_EVENT_STOPPED;
		*detail = domevent_stop_detail(now->reason);
		return 0;
	}
	if (old->state == RVIRT_DOMAIN_RUNNING &&
	    now->state == RVIRT_DOMAIN_PAUSED) {
		*kind = RVIRT_EVENT_SUSPENDED;
		*detail = RVIRT_EVENT_SUSPENDED_PAUSED;
		return 0;
	}
	if (old->state == RVIRT_DOMAIN_PAUSED &&
	    now->state == RVIRT_DOMAIN_RUNNING) {
		*kind = RVIRT_EVENT_RESUMED;
		*detail = RVIRT_EVENT_RESUMED_UNPAUSED;
		return 0;
	}
	if (!(old->flags & DOMREC_TRANSIENT) &&
	    (now->flags & DOMREC_TRANSIENT)) {
		/* A running domain undefined: it goes when it stops. */
		*kind = RVIRT_EVENT_UNDEFINED;
		*detail = RVIRT_EVENT_UNDEFINED_REMOVED;
		return 0;
	}
	if ((old->flags & DOMREC_TRANSIENT) &&
	    !(now->flags & DOMREC_TRANSIENT)) {
		*kind = RVIRT_EVENT_DEFINED;
		*detail = RVIRT_EVENT_DEFINED_ADDED;
		return 0;
	}
	if (!domevent_same(old->xml, now->xml)) {
		*kind = RVIRT_EVENT_DEFINED;
		*detail = RVIRT_EVENT_DEFINED_UPDATED;
		return 0;
	}
	return -1;
}

int
domevent_record(struct store_txn *txn, const struct domstore_driver *drv,
		const struct domrec *old, const struct domrec *now,
		struct rvirt_error *err)
{
	const struct domrec *d = now ? now : old;
	struct journal_event ev;
	int kind, detail, status = -1;

	memset(&ev, 0, sizeof(ev));
	if (domevent_next.set) {
		kind = domevent_next.kind;
		detail = domevent_next.detail;
		status = domevent_next.status;
		domevent_next.set = false;
	} else if (domevent_classify(old, now, &kind, &detail) < 0) {
		return 0;
	}
	if (kind == RVIRT_EVENT_STOPPED && domevent_watched_pid && old &&
	    old->pid == domevent_watched_pid)
		status = domevent_watched_status;
	ev.kind = kind;
	ev.detail = detail;
	/* Found gone, not stopped by the caller: the hypervisor's event. */
	if (domevent_cause_now == DOMEVENT_SETTLE ||
	    domevent_cause_now == DOMEVENT_FOUND)
		ev.hypervisor = true;
	ev.status = status;
	/* A stopped domain has no id any more: say the one it had. */
	ev.id = now && domrec_active(now) ? now->id : old ? old->id : -1;
	if (kind != RVIRT_EVENT_STOPPED && now && !domrec_active(now))
		ev.id = -1;
	memcpy(ev.uuid, d->uuid, sizeof(ev.uuid));
	snprintf(ev.driver, sizeof(ev.driver), "%s", drv->name);
	snprintf(ev.name, sizeof(ev.name), "%s", d->name);
	return journal_append(txn, &ev, err);
}
