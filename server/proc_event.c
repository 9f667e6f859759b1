/* SPDX-License-Identifier: MIT */
/* proc_event: EVENT_WAIT, the lifecycle events of the journal (doc/events.md). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../store/journal.h"
#include "evpark.h"
#include "proc.h"

/* Longest an EVENT_WAIT may park, in milliseconds. */
#define PROC_EVENT_TIMEOUT_MAX 3600000u

struct proc_event_ctx {
	const char *driver;
	const struct rvirt_event_wait_args *args;
	struct rvirt_wire_events *out;
	uint64_t cursor;
	struct rvirt_error *err;
};

static bool
proc_event_match(const struct proc_event_ctx *x, const struct journal_event *ev)
{
	const struct rvirt_event_wait_args *a = x->args;

	if (strcasecmp(ev->driver, x->driver) != 0)
		return false;
	if (a->domain && a->domain[0] && strcmp(a->domain, ev->name) != 0)
		return false;
	if (a->kinds && (ev->kind >= 32 || !(a->kinds & (1u << ev->kind))))
		return false;
	return true;
}

static int
proc_event_one(const struct journal_event *ev, void *opaque,
	       struct rvirt_error *err)
{
	struct proc_event_ctx *x = opaque;
	struct rvirt_wire_events *out = x->out;
	struct rvirt_wire_event *w;

	if (out->events.events_len >= x->args->max)
		return 1;
	x->cursor = ev->seq;
	if (!proc_event_match(x, ev))
		return 0;
	w = &out->events.events_val[out->events.events_len];
	w->seq = ev->seq;
	w->dom.name = strdup(ev->name);
	w->identity = strdup(ev->identity);
	if (!w->dom.name || !w->identity) {
		free(w->dom.name);
		free(w->identity);
		w->dom.name = w->identity = NULL;
		return proc_oom("return events", err);
	}
	memcpy(w->dom.uuid, ev->uuid, sizeof(w->dom.uuid));
	w->dom.id = ev->id;
	w->kind = ev->kind;
	w->detail = ev->detail;
	w->status = ev->status;
	w->time_ns = ev->time_ns;
	out->events.events_len++;
	return 0;
}

int
proc_event_collect(struct store_txn *txn, const struct session_state *sess,
		   const struct rvirt_event_wait_args *args,
		   struct rvirt_event_wait_ret *ret, struct rvirt_error *err)
{
	struct rvirt_wire_events *out = &ret->rvirt_event_wait_ret_u.ev;
	struct proc_event_ctx x = {
		.driver = hv_type(sess->hv),
		.args = args,
		.out = out,
		.err = err,
	};
	uint64_t first, last;

	ret->status = RVIRT_OK;
	if (journal_bounds(txn, &first, &last, err) < 0)
		return -1;
	if (args->flags & RVIRT_EVENT_WAIT_NOW) {
		out->cursor = last;
		return 0;
	}
	if (args->cursor > last) {
		err_set(err, RVIRT_ERR_EVENT_CURSOR, RVIRT_FROM_SERVER,
			"cannot wait for events after %llu: the journal ends "
			"at %llu (is this the daemon the cursor came from?)",
			(unsigned long long)args->cursor,
			(unsigned long long)last);
		return -1;
	}
	out->lost = first > args->cursor + 1 ? first - args->cursor - 1 : 0;
	out->cursor = args->cursor;
	if (args->cursor == last)
		return 0;
	out->events.events_val =
		calloc(args->max, sizeof(struct rvirt_wire_event));
	if (!out->events.events_val)
		return proc_oom("return events", err);
	x.cursor = args->cursor;
	if (journal_read(txn, args->cursor, proc_event_one, &x, err) < 0)
		return -1;
	out->cursor = x.cursor;
	return 0;
}

int
proc_event_wait(struct call *call, void *argsp, void *retp,
		struct rvirt_error *err)
{
	struct rvirt_event_wait_args *args = argsp;
	struct rvirt_event_wait_ret *ret = retp;
	struct rvirt_wire_events *out = &ret->rvirt_event_wait_ret_u.ev;

	if (proc_check_flags(args->flags, RVIRT_EVENT_WAIT_NOW,
			     "wait for events", err) < 0)
		return -1;
	if (args->max < 1 || args->max > RVIRT_EVENT_LIST_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot wait for events: max %u is not 1 to %d",
			args->max, RVIRT_EVENT_LIST_MAX);
		return -1;
	}
	if (args->timeout_ms > PROC_EVENT_TIMEOUT_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot wait for events: timeout %u ms is longer than "
			"%u ms",
			args->timeout_ms, PROC_EVENT_TIMEOUT_MAX);
		return -1;
	}
	if (proc_event_collect(call->txn, call->sess, args, ret, err) < 0)
		return -1;
	if (out->events.events_len > 0 || out->lost > 0 ||
	    args->timeout_ms == 0 || (args->flags & RVIRT_EVENT_WAIT_NOW))
		return 0;
	/* Nothing yet: park from the cursor the walk reached. */
	args->cursor = out->cursor;
	return evpark_park(call->sess, call->xid, args, err) < 0 ? -1 : 0;
}
