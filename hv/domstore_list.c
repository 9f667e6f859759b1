/* SPDX-License-Identifier: MIT */
/* domstore_list: listing and looking up the domain records of a driver. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "domstore.h"
#include "domstore_int.h"

/* ---------------------------------------------------------------- */
/* Listing and lookups                                               */
/* ---------------------------------------------------------------- */

struct domstore_iter {
	struct store_txn *txn;
	const struct domstore_driver *drv;
	int (*fn)(struct domrec *d, void *opaque, struct rvirt_error *err);
	void *opaque;
};

static int
domstore_iter_one(const void *key, size_t klen, const void *val, size_t vlen,
		  void *opaque, struct rvirt_error *err)
{
	struct domstore_iter *it = opaque;
	struct domrec d;
	int rc;

	(void)key;
	(void)klen;
	if (vlen != RVIRT_UUID_BUFLEN)
		return 0;
	rc = domstore_load(it->txn, it->drv, val, &d, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0; /* a name without its domain: skip it */
	rc = it->fn(&d, it->opaque, err);
	domrec_release(&d);
	return rc;
}

int
domstore_foreach(struct store_txn *txn, const struct domstore_driver *drv,
		 int (*fn)(struct domrec *d, void *opaque,
			   struct rvirt_error *err),
		 void *opaque, struct rvirt_error *err)
{
	struct domstore_iter it = { txn, drv, fn, opaque };

	/* The names table is in name order, which is the order wanted. */
	return store_foreach(txn, STORE_NAMES, drv->name, strlen(drv->name) + 1,
			     domstore_iter_one, &it, err);
}

struct domstore_list {
	unsigned int flags;
	size_t max;
	struct hv_domain_ref *doms;
	size_t n, cap;
	int want_id; /* lookup by id: > 0 */
	bool found;
};

static int
domstore_list_one(struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct domstore_list *l = opaque;
	bool active = domrec_active(d);

	if (l->want_id > 0) {
		if (active && d->id == l->want_id && !l->found) {
			domrec_ref(d, l->doms);
			l->found = true;
		}
		return 0;
	}
	if (l->flags != 0 && !(active && (l->flags & RVIRT_LIST_ACTIVE)) &&
	    !(!active && (l->flags & RVIRT_LIST_INACTIVE)))
		return 0;
	if (l->n == l->max) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_HV,
			"cannot list domains: more than %zu", l->max);
		return -1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct hv_domain_ref *p;

		if (cap > l->max)
			cap = l->max;
		p = reallocarray(l->doms, cap, sizeof(*p));
		if (!p)
			return domstore_oom("list domains", err);
		l->doms = p;
		l->cap = cap;
	}
	domrec_ref(d, &l->doms[l->n++]);
	return 0;
}

int
domstore_list(struct store_txn *txn, const struct domstore_driver *drv,
	      unsigned int flags, size_t max, struct hv_domain_ref **doms,
	      size_t *ndoms, struct rvirt_error *err)
{
	struct domstore_list l = { .flags = flags, .max = max };

	if (domstore_foreach(txn, drv, domstore_list_one, &l, err) < 0) {
		free(l.doms);
		return -1;
	}
	*doms = l.doms;
	*ndoms = l.n;
	return 0;
}

/* Load the domain ref names and copy its reference to *out. */
static int
domstore_lookup_ref(struct store_txn *txn, const struct domstore_driver *drv,
		    const struct hv_domain_ref *ref, struct hv_domain_ref *out,
		    struct rvirt_error *err)
{
	struct domrec d;

	if (domstore_find(txn, drv, ref, &d, err) < 0)
		return -1;
	domrec_ref(&d, out);
	domrec_release(&d);
	return 0;
}

int
domstore_lookup_name(struct store_txn *txn, const struct domstore_driver *drv,
		     const char *name, struct hv_domain_ref *out,
		     struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };
	int rc;

	if (strlen(name) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"domain '%.32s...' not found", name);
		return -1;
	}
	rc = domstore_name_get(txn, drv, name, ref.uuid, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"domain '%s' not found", name);
		return -1;
	}
	strcpy(ref.name, name);
	return domstore_lookup_ref(txn, drv, &ref, out, err);
}

int
domstore_lookup_uuid(struct store_txn *txn, const struct domstore_driver *drv,
		     const unsigned char *uuid, struct hv_domain_ref *out,
		     struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };

	memcpy(ref.uuid, uuid, RVIRT_UUID_BUFLEN);
	return domstore_lookup_ref(txn, drv, &ref, out, err);
}

int
domstore_lookup_id(struct store_txn *txn, const struct domstore_driver *drv,
		   int id, struct hv_domain_ref *out, struct rvirt_error *err)
{
	struct domstore_list l = { .want_id = id, .doms = out };

	if (id > 0 &&
	    domstore_foreach(txn, drv, domstore_list_one, &l, err) < 0)
		return -1;
	if (!l.found) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"no running domain with id %d", id);
		return -1;
	}
	return 0;
}
