/* SPDX-License-Identifier: MIT */
/* domstore_walk: walking the records at daemon start (settle, autostart). */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "domevent.h"
#include "domstore.h"
#include "domstore_int.h"

/* ---------------------------------------------------------------- */
/* Daemon start                                                      */
/* ---------------------------------------------------------------- */

struct domstore_pick {
	bool (*want)(const struct domrec *d);
	unsigned char (*uuids)[RVIRT_UUID_BUFLEN];
	size_t n, cap;
};

static int
domstore_pick_one(struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct domstore_pick *p = opaque;

	if (!p->want(d))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		unsigned char(*u)[RVIRT_UUID_BUFLEN];

		u = reallocarray(p->uuids, cap, sizeof(*u));
		if (!u)
			return domstore_oom("walk the domains", err);
		p->uuids = u;
		p->cap = cap;
	}
	memcpy(p->uuids[p->n++], d->uuid, RVIRT_UUID_BUFLEN);
	return 0;
}

int
domstore_walk(struct store_txn *txn, const struct domstore_driver *drv,
	      bool (*want)(const struct domrec *d), domstore_act_fn act,
	      void *opaque, size_t *npicked, struct rvirt_error *err)
{
	struct domstore_pick p = { .want = want };
	struct domrec d;
	int ret = 0, rc;

	if (domstore_foreach(txn, drv, domstore_pick_one, &p, err) < 0) {
		free(p.uuids);
		return -1;
	}
	if (npicked)
		*npicked = p.n;
	for (size_t i = 0; act && i < p.n; i++) {
		rc = domstore_load(txn, drv, p.uuids[i], &d, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (rc == 0)
			continue;
		rc = want(&d) ? act(txn, drv, &d, opaque, err) : 0;
		domrec_release(&d);
		if (rc < 0) {
			ret = -1;
			break;
		}
	}
	free(p.uuids);
	return ret;
}

static bool
domstore_want_vanished(const struct domrec *d)
{
	return d->vanished;
}

static int
domstore_settle_one(struct store_txn *txn, const struct domstore_driver *drv,
		    struct domrec *d, void *opaque, struct rvirt_error *err)
{
	(void)opaque;
	return domstore_stopped(txn, drv, d, DOMREC_REASON_SHUTOFF_CRASHED,
				err);
}

int
domstore_settle(struct store *st, const struct domstore_driver *drv,
		struct rvirt_error *err)
{
	return domstore_settle_as(st, drv, DOMEVENT_SETTLE, err);
}

int
domstore_settle_as(struct store *st, const struct domstore_driver *drv,
		   int cause, struct rvirt_error *err)
{
	struct store_txn *txn;
	size_t n = 0;
	int rc;

	/* A read transaction first: the usual answer is "nothing to do". */
	txn = store_txn_begin(st, false, err);
	if (!txn)
		return -1;
	if (domstore_walk(txn, drv, domstore_want_vanished, NULL, NULL, &n,
			  err) < 0) {
		store_txn_abort(txn);
		return -1;
	}
	store_txn_abort(txn);
	if (n == 0)
		return 0;
	txn = store_txn_begin(st, true, err);
	if (!txn)
		return -1;
	domevent_set_cause((enum domevent_cause)cause);
	rc = domstore_walk(txn, drv, domstore_want_vanished,
			   domstore_settle_one, NULL, NULL, err);
	domevent_set_cause(DOMEVENT_CALL);
	if (rc < 0) {
		store_txn_abort(txn);
		return -1;
	}
	return store_txn_commit(txn, err);
}

static bool
domstore_want_autostart(const struct domrec *d)
{
	return (d->flags & DOMREC_AUTOSTART) && !domrec_active(d);
}

struct domstore_boot_ctx {
	domstore_act_fn start;
	void *opaque;
	struct rvirt_error first; /* the first failure, code 0 when none */
};

/* One domain failing to start must not keep the others down. */
static int
domstore_autostart_one(struct store_txn *txn, const struct domstore_driver *drv,
		       struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct domstore_boot_ctx *b = opaque;
	struct rvirt_error e;

	(void)err;
	err_clear(&e);
	if (b->start(txn, drv, d, b->opaque, &e) < 0 &&
	    b->first.code == RVIRT_ERR_OK) {
		b->first = e;
		if (b->first.code == RVIRT_ERR_OK)
			b->first.code = RVIRT_ERR_INTERNAL;
	}
	return 0;
}

int
domstore_host_boot(struct store *st, const struct domstore_driver *drv,
		   const char *boot_id, domstore_act_fn start, void *opaque,
		   struct rvirt_error *err)
{
	struct domstore_boot_ctx b = { .start = start, .opaque = opaque };
	struct store_txn *txn;
	char seen[64];
	size_t len = 0;
	int rc;

	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0 reads; pass 1 repeats the check under the lock. */
		txn = store_txn_begin(st, pass == 1, err);
		if (!txn)
			return -1;
		rc = domstore_meta_get(txn, drv, "boot_id", seen,
				       sizeof(seen) - 1, &len, err);
		if (rc < 0)
			goto fail;
		if (rc == 1 && len == strlen(boot_id) &&
		    memcmp(seen, boot_id, len) == 0) {
			store_txn_abort(txn);
			return 0;
		}
		if (pass == 0)
			store_txn_abort(txn);
	}
	err_clear(&b.first);
	if (domstore_meta_put(txn, drv, "boot_id", boot_id, strlen(boot_id),
			      err) < 0)
		goto fail;
	domevent_set_cause(DOMEVENT_AUTOSTART);
	rc = domstore_walk(txn, drv, domstore_want_autostart,
			   domstore_autostart_one, &b, NULL, err);
	domevent_set_cause(DOMEVENT_CALL);
	if (rc < 0)
		goto fail;
	if (store_txn_commit(txn, err) < 0)
		return -1;
	if (b.first.code != RVIRT_ERR_OK) {
		*err = b.first;
		return -1;
	}
	return 0;
fail:
	store_txn_abort(txn);
	return -1;
}
