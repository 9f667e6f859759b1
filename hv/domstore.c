/* SPDX-License-Identifier: MIT */
/* domstore: domain records in the store, shared by the drivers of hv/. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/le.h"
#include "../common/uuid.h"
#include "domevent.h"
#include "domstore.h"

#define REC_MAGIC_V1 "RVD\x01"
#define REC_MAGIC_V2 "RVD\x02"
#define REC_HEADER_V1 56
#define REC_HEADER_V2 72
#define REC_DRIVER_MAX 32

#define META_KEY_MAX 64
#define NAME_KEY_MAX (REC_DRIVER_MAX + 1 + RVIRT_NAME_MAX)

static uint64_t
domstore_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool
domrec_active(const struct domrec *d)
{
	return d->state == RVIRT_DOMAIN_RUNNING ||
	       d->state == RVIRT_DOMAIN_PAUSED;
}

void
domrec_release(struct domrec *d)
{
	free(d->xml);
	free(d->live_xml);
	d->xml = NULL;
	d->live_xml = NULL;
}

void
domrec_ref(const struct domrec *d, struct hv_domain_ref *out)
{
	memset(out, 0, sizeof(*out));
	strcpy(out->name, d->name);
	memcpy(out->uuid, d->uuid, RVIRT_UUID_BUFLEN);
	out->id = domrec_active(d) ? d->id : -1;
}

static int
domstore_corrupt(const unsigned char *uuid, const char *why,
		 struct rvirt_error *err)
{
	char s[UUID_STRLEN + 1];

	uuid_format(uuid, s);
	err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_HV,
		"domain record '%s' in the store is corrupt: %s", s, why);
	return -1;
}

static int
domstore_oom(const char *what, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
		"cannot %s: out of memory", what);
	return -1;
}

/*
 * Decode a record.  1 with *d filled, 0 when it belongs to another
 * driver, -1 with *err when corrupt.
 */
static int
domstore_decode(const struct domstore_driver *drv, const unsigned char *uuid,
		const unsigned char *v, size_t len, struct domrec *d,
		struct rvirt_error *err)
{
	size_t hdr, dlen, nlen, xlen, llen = 0;
	const unsigned char *p;

	if (len >= 4 && memcmp(v, REC_MAGIC_V2, 4) == 0)
		hdr = REC_HEADER_V2;
	else if (len >= 4 && memcmp(v, REC_MAGIC_V1, 4) == 0)
		hdr = REC_HEADER_V1;
	else
		return domstore_corrupt(uuid, "unknown format or version", err);
	if (len < hdr)
		return domstore_corrupt(uuid, "too short", err);
	dlen = v[7];
	nlen = le32_get(v + 48);
	xlen = le32_get(v + 52);
	if (hdr == REC_HEADER_V2)
		llen = le32_get(v + 68);
	if (nlen == 0 || nlen > RVIRT_NAME_MAX || xlen > RVIRT_XML_MAX ||
	    llen > RVIRT_XML_MAX || hdr + dlen + nlen + xlen + llen != len)
		return domstore_corrupt(uuid, "bad lengths", err);
	p = v + hdr;
	if (dlen != strlen(drv->name) || memcmp(p, drv->name, dlen) != 0)
		return 0;
	memset(d, 0, sizeof(*d));
	memcpy(d->uuid, uuid, RVIRT_UUID_BUFLEN);
	d->state = v[4];
	d->reason = v[5];
	d->flags = v[6];
	d->id = (int32_t)le32_get(v + 8);
	d->start_ns = le64_get(v + 12);
	d->cpu_ns = le64_get(v + 20);
	d->max_mem_kib = le64_get(v + 28);
	d->cur_mem_kib = le64_get(v + 36);
	d->vcpus = le32_get(v + 44);
	if (hdr == REC_HEADER_V2) {
		d->pid = (int32_t)le32_get(v + 56);
		d->pid_start = le64_get(v + 60);
	}
	p += dlen;
	memcpy(d->name, p, nlen);
	d->name[nlen] = '\0';
	p += nlen;
	d->xml = strndup((const char *)p, xlen);
	p += xlen;
	if (llen)
		d->live_xml = strndup((const char *)p, llen);
	if (!d->xml || (llen && !d->live_xml)) {
		domrec_release(d);
		return domstore_oom("read a domain record", err);
	}
	return 1;
}

/*
 * Journal the change of the record of uuid d->uuid to now (NULL: it is
 * deleted) against what the store holds before it is written.
 */
static int
domstore_journal(struct store_txn *txn, const struct domstore_driver *drv,
		 const struct domrec *d, const struct domrec *now,
		 struct rvirt_error *err)
{
	struct domrec old;
	const void *val;
	size_t vlen;
	int rc;

	rc = store_get(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN, &val,
		       &vlen, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		rc = domstore_decode(drv, d->uuid, val, vlen, &old, err);
		if (rc < 0)
			return -1;
	}
	if (rc == 0)
		return now ? domevent_record(txn, drv, NULL, now, err) : 0;
	rc = domevent_record(txn, drv, &old, now, err);
	domrec_release(&old);
	return rc;
}

int
domstore_save(struct store_txn *txn, const struct domstore_driver *drv,
	      const struct domrec *d, struct rvirt_error *err)
{
	size_t dlen = strlen(drv->name), nlen = strlen(d->name);
	size_t xlen = strlen(d->xml);
	size_t llen = d->live_xml ? strlen(d->live_xml) : 0, len;
	unsigned char *rec, *p;
	int rc;

	if (xlen > RVIRT_XML_MAX || llen > RVIRT_XML_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_HV,
			"domain '%s': xml longer than %d bytes", d->name,
			RVIRT_XML_MAX);
		return -1;
	}
	len = REC_HEADER_V2 + dlen + nlen + xlen + llen;
	rec = malloc(len);
	if (!rec)
		return domstore_oom("save a domain", err);
	memcpy(rec, REC_MAGIC_V2, 4);
	rec[4] = (unsigned char)d->state;
	rec[5] = (unsigned char)d->reason;
	rec[6] = (unsigned char)d->flags;
	rec[7] = (unsigned char)dlen;
	le32_put(rec + 8, (uint32_t)d->id);
	le64_put(rec + 12, d->start_ns);
	le64_put(rec + 20, d->cpu_ns);
	le64_put(rec + 28, d->max_mem_kib);
	le64_put(rec + 36, d->cur_mem_kib);
	le32_put(rec + 44, d->vcpus);
	le32_put(rec + 48, (uint32_t)nlen);
	le32_put(rec + 52, (uint32_t)xlen);
	le32_put(rec + 56, (uint32_t)d->pid);
	le64_put(rec + 60, d->pid_start);
	le32_put(rec + 68, (uint32_t)llen);
	p = rec + REC_HEADER_V2;
	memcpy(p, drv->name, dlen);
	p += dlen;
	memcpy(p, d->name, nlen);
	p += nlen;
	memcpy(p, d->xml, xlen);
	p += xlen;
	if (llen)
		memcpy(p, d->live_xml, llen);
	rc = domstore_journal(txn, drv, d, d, err);
	if (rc == 0)
		rc = store_put(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN,
			       rec, len, err);
	free(rec);
	return rc;
}

/* The STORE_NAMES key of name: "driver\0name"; 0 when too long. */
static size_t
domstore_name_key(const struct domstore_driver *drv, const char *name,
		  unsigned char *key, size_t size)
{
	size_t slen = strlen(drv->name) + 1, nlen = strlen(name);

	if (slen + nlen > size)
		return 0;
	memcpy(key, drv->name, slen);
	memcpy(key + slen, name, nlen);
	return slen + nlen;
}

/* The uuid name is bound to; 1 found, 0 absent, -1 error. */
static int
domstore_name_get(struct store_txn *txn, const struct domstore_driver *drv,
		  const char *name, unsigned char *uuid,
		  struct rvirt_error *err)
{
	unsigned char key[NAME_KEY_MAX];
	size_t klen = domstore_name_key(drv, name, key, sizeof(key));
	const void *val;
	size_t vlen;
	int rc;

	if (klen == 0)
		return 0;
	rc = store_get(txn, STORE_NAMES, key, klen, &val, &vlen, err);
	if (rc <= 0)
		return rc;
	if (vlen != RVIRT_UUID_BUFLEN) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_HV,
			"name record of domain '%s' in the store is corrupt",
			name);
		return -1;
	}
	memcpy(uuid, val, RVIRT_UUID_BUFLEN);
	return 1;
}

static int
domstore_name_put(struct store_txn *txn, const struct domstore_driver *drv,
		  const char *name, const unsigned char *uuid,
		  struct rvirt_error *err)
{
	unsigned char key[NAME_KEY_MAX];
	size_t klen = domstore_name_key(drv, name, key, sizeof(key));

	if (klen == 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"domain name '%.32s...' too long for a key", name);
		return -1;
	}
	return store_put(txn, STORE_NAMES, key, klen, uuid, RVIRT_UUID_BUFLEN,
			 err);
}

int
domstore_name_claim(struct store_txn *txn, const struct domstore_driver *drv,
		    const struct domrec *d, struct rvirt_error *err)
{
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int rc = domstore_name_get(txn, drv, d->name, uuid, err);

	if (rc < 0)
		return -1;
	if (rc > 0) {
		err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
			"cannot create domain '%s': a domain with that name "
			"already exists",
			d->name);
		return -1;
	}
	return domstore_name_put(txn, drv, d->name, d->uuid, err);
}

int
domstore_load(struct store_txn *txn, const struct domstore_driver *drv,
	      const unsigned char *uuid, struct domrec *d,
	      struct rvirt_error *err)
{
	const void *val;
	size_t vlen;
	int rc;

	rc = store_get(txn, STORE_DOMAINS, uuid, RVIRT_UUID_BUFLEN, &val, &vlen,
		       err);
	if (rc <= 0)
		return rc;
	rc = domstore_decode(drv, uuid, val, vlen, d, err);
	if (rc == 1 && drv->probe && domrec_active(d))
		drv->probe(d);
	return rc;
}

int
domstore_find(struct store_txn *txn, const struct domstore_driver *drv,
	      const struct hv_domain_ref *ref, struct domrec *d,
	      struct rvirt_error *err)
{
	char s[UUID_STRLEN + 1];
	int rc = domstore_load(txn, drv, ref->uuid, d, err);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		uuid_format(ref->uuid, s);
		if (ref->name[0])
			err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
				"domain '%s' not found: no domain has uuid "
				"'%s'",
				ref->name, s);
		else
			err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
				"no domain with uuid '%s'", s);
		return -1;
	}
	return 0;
}

int
domstore_delete(struct store_txn *txn, const struct domstore_driver *drv,
		const struct domrec *d, struct rvirt_error *err)
{
	unsigned char key[NAME_KEY_MAX];
	size_t klen = domstore_name_key(drv, d->name, key, sizeof(key));

	if (domstore_journal(txn, drv, d, NULL, err) < 0 ||
	    store_del(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN, err) <
		    0 ||
	    store_del(txn, STORE_NAMES, key, klen, err) < 0)
		return -1;
	return 0;
}

static size_t
domstore_meta_key(const struct domstore_driver *drv, const char *key, char *buf,
		  size_t size)
{
	int n = snprintf(buf, size, "%s:%s", drv->name, key);

	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

int
domstore_meta_get(struct store_txn *txn, const struct domstore_driver *drv,
		  const char *key, void *buf, size_t size, size_t *len,
		  struct rvirt_error *err)
{
	char k[META_KEY_MAX];
	size_t klen = domstore_meta_key(drv, key, k, sizeof(k));
	const void *val;
	size_t vlen;
	int rc;

	if (klen == 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"meta key '%s' too long", key);
		return -1;
	}
	rc = store_get(txn, STORE_META, k, klen, &val, &vlen, err);
	if (rc <= 0)
		return rc;
	if (vlen > size)
		vlen = size;
	memcpy(buf, val, vlen);
	*len = vlen;
	return 1;
}

int
domstore_meta_put(struct store_txn *txn, const struct domstore_driver *drv,
		  const char *key, const void *val, size_t len,
		  struct rvirt_error *err)
{
	char k[META_KEY_MAX];
	size_t klen = domstore_meta_key(drv, key, k, sizeof(k));

	if (klen == 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"meta key '%s' too long", key);
		return -1;
	}
	return store_put(txn, STORE_META, k, klen, val, len, err);
}

int
domstore_next_id(struct store_txn *txn, const struct domstore_driver *drv,
		 int *id, struct rvirt_error *err)
{
	unsigned char buf[4];
	size_t len = 0;
	uint32_t next = 1;
	int rc;

	rc = domstore_meta_get(txn, drv, "next_id", buf, sizeof(buf), &len,
			       err);
	if (rc < 0)
		return -1;
	if (rc == 1 && len == 4)
		next = le32_get(buf);
	if (next == 0 || next > INT_MAX)
		next = 1;
	*id = (int)next;
	le32_put(buf, next == INT_MAX ? 1 : next + 1);
	return domstore_meta_put(txn, drv, "next_id", buf, sizeof(buf), err);
}

struct domain_def *
domstore_parse(const struct domstore_driver *drv, const char *xml,
	       const char *what, struct rvirt_error *err)
{
	struct domain_def *def = domain_xml_parse(xml, err);

	if (!def)
		return NULL;
	if (def->type != drv->type) {
		err_set(err, RVIRT_ERR_XML, RVIRT_FROM_HV,
			"cannot %s domain '%s': type '%s' is not handled by "
			"the "
			"%s driver, use <domain type='%s'>",
			what, def->name, domain_xml_type_name(def->type),
			drv->name, domain_xml_type_name(drv->type));
		domain_def_free(def);
		return NULL;
	}
	return def;
}

static void
domstore_live_from_def(struct domrec *d, const struct domain_def *def)
{
	d->max_mem_kib = def->memory_kib;
	d->cur_mem_kib = def->current_memory_kib;
	d->vcpus = def->vcpus;
}

int
domstore_new(struct domrec *d, const struct domain_def *def,
	     struct rvirt_error *err)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->uuid, def->uuid, RVIRT_UUID_BUFLEN);
	strcpy(d->name, def->name);
	d->id = -1;
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = DOMREC_REASON_UNKNOWN;
	domstore_live_from_def(d, def);
	d->xml = domain_xml_format(def, -1, err);
	return d->xml ? 0 : -1;
}

int
domstore_check_unique(struct store_txn *txn, const struct domstore_driver *drv,
		      const struct domain_def *def, struct rvirt_error *err)
{
	struct domrec other;
	const void *val;
	size_t vlen;
	char s[UUID_STRLEN + 1];
	int rc;

	rc = store_get(txn, STORE_DOMAINS, def->uuid, RVIRT_UUID_BUFLEN, &val,
		       &vlen, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	uuid_format(def->uuid, s);
	rc = domstore_decode(drv, def->uuid, val, vlen, &other, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
			"cannot define domain '%s': uuid '%s' is used by "
			"another driver's domain",
			def->name, s);
		return -1;
	}
	err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
		"cannot define domain '%s': domain '%s' already has uuid '%s'",
		def->name, other.name, s);
	domrec_release(&other);
	return -1;
}

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

int
domstore_lookup_name(struct store_txn *txn, const struct domstore_driver *drv,
		     const char *name, struct hv_domain_ref *out,
		     struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };
	struct domrec d;
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
	if (domstore_find(txn, drv, &ref, &d, err) < 0)
		return -1;
	domrec_ref(&d, out);
	domrec_release(&d);
	return 0;
}

int
domstore_lookup_uuid(struct store_txn *txn, const struct domstore_driver *drv,
		     const unsigned char *uuid, struct hv_domain_ref *out,
		     struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };
	struct domrec d;

	memcpy(ref.uuid, uuid, RVIRT_UUID_BUFLEN);
	if (domstore_find(txn, drv, &ref, &d, err) < 0)
		return -1;
	domrec_ref(&d, out);
	domrec_release(&d);
	return 0;
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

/* ---------------------------------------------------------------- */
/* Definitions                                                       */
/* ---------------------------------------------------------------- */

int
domstore_define(struct store_txn *txn, const struct domstore_driver *drv,
		const char *xml, struct hv_domain_ref *out,
		struct rvirt_error *err)
{
	struct domain_def *def;
	struct domrec d;
	struct hv_domain_ref ref = { .id = -1 };
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char s[UUID_STRLEN + 1];
	int rc, ret = -1;

	memset(&d, 0, sizeof(d));
	def = domstore_parse(drv, xml, "define", err);
	if (!def)
		return -1;
	rc = domstore_name_get(txn, drv, def->name, uuid, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		/* A new domain. */
		if (domstore_check_unique(txn, drv, def, err) < 0 ||
		    domstore_new(&d, def, err) < 0 ||
		    domstore_save(txn, drv, &d, err) < 0 ||
		    domstore_name_put(txn, drv, d.name, d.uuid, err) < 0)
			goto out;
		domrec_ref(&d, out);
		ret = 0;
		goto out;
	}
	/* A redefinition: same name, and the same uuid if one is given. */
	if (def->has_uuid && memcmp(def->uuid, uuid, sizeof(uuid)) != 0) {
		uuid_format(uuid, s);
		err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
			"cannot define domain '%s': it already exists with "
			"uuid '%s'",
			def->name, s);
		goto out;
	}
	memcpy(def->uuid, uuid, sizeof(uuid));
	strcpy(ref.name, def->name);
	memcpy(ref.uuid, uuid, sizeof(uuid));
	if (domstore_find(txn, drv, &ref, &d, err) < 0)
		goto out;
	free(d.xml);
	d.xml = domain_xml_format(def, -1, err);
	if (!d.xml)
		goto out;
	/* A transient domain made persistent is added, else updated. */
	if (!(d.flags & DOMREC_TRANSIENT))
		domevent_hint(RVIRT_EVENT_DEFINED, RVIRT_EVENT_DEFINED_UPDATED,
			      -1);
	d.flags &= ~(unsigned int)DOMREC_TRANSIENT;
	if (!domrec_active(&d))
		domstore_live_from_def(&d, def);
	if (domstore_save(txn, drv, &d, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	domain_def_free(def);
	return ret;
}

int
domstore_undefine(struct store_txn *txn, const struct domstore_driver *drv,
		  const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (d.flags & DOMREC_TRANSIENT) {
		if (d.vanished) {
			/* Its process is gone: so is the domain. */
			domevent_hint_stop(DOMREC_REASON_SHUTOFF_CRASHED);
			ret = domstore_delete(txn, drv, &d, err);
			goto out;
		}
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"cannot undefine transient domain '%s'", d.name);
		goto out;
	}
	if (domrec_active(&d)) {
		/* It keeps running and disappears when it stops. */
		d.flags |= DOMREC_TRANSIENT;
		d.flags &= ~(unsigned int)DOMREC_AUTOSTART;
		ret = domstore_save(txn, drv, &d, err);
	} else {
		ret = domstore_delete(txn, drv, &d, err);
	}
out:
	domrec_release(&d);
	return ret;
}

struct domain_def *
domstore_live_def(const struct domrec *d, struct rvirt_error *err)
{
	return domain_xml_parse(d->live_xml ? d->live_xml : d->xml, err);
}

int
domstore_stopped(struct store_txn *txn, const struct domstore_driver *drv,
		 struct domrec *d, int reason, struct rvirt_error *err)
{
	struct domain_def *def;

	if (d->flags & DOMREC_TRANSIENT) {
		domevent_hint_stop(reason);
		return domstore_delete(txn, drv, d, err);
	}
	def = domain_xml_parse(d->xml, err);
	if (!def)
		return -1;
	domstore_live_from_def(d, def);
	domain_def_free(def);
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = reason;
	d->id = -1;
	d->start_ns = 0;
	d->cpu_ns = 0;
	d->pid = 0;
	d->pid_start = 0;
	d->vanished = false;
	free(d->live_xml);
	d->live_xml = NULL;
	return domstore_save(txn, drv, d, err);
}

int
domstore_boot(struct store_txn *txn, const struct domstore_driver *drv,
	      struct domrec *d, const struct domain_def *def,
	      struct rvirt_error *err)
{
	char *live = domain_xml_format(def, -1, err);

	if (!live)
		return -1;
	if (domstore_next_id(txn, drv, &d->id, err) < 0) {
		free(live);
		return -1;
	}
	free(d->live_xml);
	d->live_xml = live;
	domstore_live_from_def(d, def);
	d->state = RVIRT_DOMAIN_RUNNING;
	d->reason = DOMREC_REASON_RUNNING_BOOTED;
	d->start_ns = domstore_now_ns();
	d->cpu_ns = 0;
	d->vanished = false;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Queries                                                           */
/* ---------------------------------------------------------------- */

int
domstore_get_state(struct store_txn *txn, const struct domstore_driver *drv,
		   const struct hv_domain_ref *dom, int *state, int *reason,
		   struct rvirt_error *err)
{
	struct domrec d;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	*state = d.state;
	*reason = d.reason;
	domrec_release(&d);
	return 0;
}

int
domstore_get_xml(struct store_txn *txn, const struct domstore_driver *drv,
		 const struct hv_domain_ref *dom, char **xml,
		 struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct domrec d;
	char *out = NULL;
	bool active;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	active = domrec_active(&d);
	/* The live definition while it runs, not a redefinition since. */
	def = active ? domstore_live_def(&d, err)
		     : domain_xml_parse(d.xml, err);
	if (def)
		out = domain_xml_format(def, active ? d.id : -1, err);
	domain_def_free(def);
	domrec_release(&d);
	if (!out)
		return -1;
	*xml = out;
	return 0;
}

int
domstore_set_autostart(struct store_txn *txn, const struct domstore_driver *drv,
		       const struct hv_domain_ref *dom, bool autostart,
		       struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (d.flags & DOMREC_TRANSIENT) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"cannot set autostart of transient domain '%s'",
			d.name);
		goto out;
	}
	if (autostart)
		d.flags |= DOMREC_AUTOSTART;
	else
		d.flags &= ~(unsigned int)DOMREC_AUTOSTART;
	ret = domstore_save(txn, drv, &d, err);
out:
	domrec_release(&d);
	return ret;
}

int
domstore_get_autostart(struct store_txn *txn, const struct domstore_driver *drv,
		       const struct hv_domain_ref *dom, bool *autostart,
		       struct rvirt_error *err)
{
	struct domrec d;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	*autostart = d.flags & DOMREC_AUTOSTART;
	domrec_release(&d);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Pinning                                                           */
/* ---------------------------------------------------------------- */

/* Turn flags into live and/or config for d; -1 with *err when invalid. */
static int
domstore_affect(const struct domrec *d, unsigned int flags, bool reading,
		bool *live, bool *config, struct rvirt_error *err)
{
	if (flags & ~(unsigned int)(HV_AFFECT_LIVE | HV_AFFECT_CONFIG)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"unsupported flags 0x%x",
			flags & ~(unsigned int)(HV_AFFECT_LIVE |
						HV_AFFECT_CONFIG));
		return -1;
	}
	if (flags == HV_AFFECT_CURRENT)
		flags = domrec_active(d) ? HV_AFFECT_LIVE : HV_AFFECT_CONFIG;
	*live = flags & HV_AFFECT_LIVE;
	*config = flags & HV_AFFECT_CONFIG;
	if (reading && *live && *config) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"cannot read the live and the config pinning of domain "
			"'%s' at once: pass one of them",
			d->name);
		return -1;
	}
	if (*live && !domrec_active(d)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not running: use the config flag to "
			"change or read its definition",
			d->name);
		return -1;
	}
	if (*config && (d->flags & DOMREC_TRANSIENT)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is transient: it has no definition to "
			"change",
			d->name);
		return -1;
	}
	return 0;
}

static int
domstore_check_set(const struct domrec *d, const char *what,
		   const struct cpuset *set, const struct cpuset *host,
		   struct rvirt_error *err)
{
	char text[CPUSET_FORMAT_MAX], have[CPUSET_FORMAT_MAX];
	int cpu;

	if (cpuset_count(set) == 0) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"cannot pin %s of domain '%s': the cpu map is empty",
			what, d->name);
		return -1;
	}
	cpu = cpuset_first_missing(set, host);
	if (cpu >= 0) {
		cpuset_format(set, text, sizeof(text));
		cpuset_format(host, have, sizeof(have));
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
			"cannot pin %s of domain '%s' to '%s': the host has no "
			"cpu %d (it has %s)",
			what, d->name, text, cpu, have);
		return -1;
	}
	return 0;
}

/* Replace an owned XML string by def formatted. */
static int
domstore_reformat(char **slot, const struct domain_def *def,
		  struct rvirt_error *err)
{
	char *x = domain_xml_format(def, -1, err);

	if (!x)
		return -1;
	free(*slot);
	*slot = x;
	return 0;
}

/*
 * The common part of PIN_VCPU and PIN_EMULATOR: vcpu < 0 means the
 * emulator threads.
 */
static int
domstore_pin(struct hv_conn *c, struct store_txn *txn,
	     const struct domstore_driver *drv,
	     const struct domstore_pin_ops *ops, const struct cpuset *host,
	     const struct hv_domain_ref *dom, int vcpu,
	     const struct cpuset *set, unsigned int flags,
	     struct rvirt_error *err)
{
	struct domain_def *live = NULL, *conf = NULL;
	struct domrec d;
	char what[32];
	bool do_live, do_config;
	int ret = -1;

	if (vcpu >= 0)
		snprintf(what, sizeof(what), "vcpu %d", vcpu);
	else
		snprintf(what, sizeof(what), "the emulator threads");
	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (domstore_affect(&d, flags, false, &do_live, &do_config, err) < 0 ||
	    domstore_check_set(&d, what, set, host, err) < 0)
		goto out;
	/* Check both definitions before changing anything. */
	if (do_config) {
		conf = domain_xml_parse(d.xml, err);
		if (!conf)
			goto out;
		if (vcpu >= 0 &&
		    domain_def_set_vcpupin(conf, (unsigned int)vcpu, set, err) <
			    0)
			goto out;
	}
	if (do_live) {
		live = domstore_live_def(&d, err);
		if (!live)
			goto out;
		if (vcpu >= 0 &&
		    domain_def_set_vcpupin(live, (unsigned int)vcpu, set, err) <
			    0)
			goto out;
	}
	if (vcpu < 0) {
		if (conf) {
			conf->has_emulatorpin = true;
			conf->emulatorpin = *set;
		}
		if (live) {
			live->has_emulatorpin = true;
			live->emulatorpin = *set;
		}
	}
	if (conf && domstore_reformat(&d.xml, conf, err) < 0)
		goto out;
	if (live && domstore_reformat(&d.live_xml, live, err) < 0)
		goto out;
	domevent_hint(RVIRT_EVENT_TUNED,
		      vcpu >= 0 ? RVIRT_EVENT_TUNED_VCPU_PIN
				: RVIRT_EVENT_TUNED_EMULATOR_PIN,
		      -1);
	if (domstore_save(txn, drv, &d, err) < 0)
		goto out;
	/*
	 * The threads last: a failure above leaves them untouched, and the
	 * caller's transaction is only committed if this works too.
	 */
	if (live) {
		if (vcpu >= 0 && ops->pin_vcpu &&
		    ops->pin_vcpu(c, &d, live, (unsigned int)vcpu, set, err) <
			    0)
			goto out;
		if (vcpu < 0 && ops->pin_emulator &&
		    ops->pin_emulator(c, &d, live, set, err) < 0)
			goto out;
	}
	ret = 0;
out:
	domain_def_free(live);
	domain_def_free(conf);
	domrec_release(&d);
	return ret;
}

int
domstore_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		  const struct domstore_driver *drv,
		  const struct domstore_pin_ops *ops, const struct cpuset *host,
		  const struct hv_domain_ref *dom, unsigned int vcpu,
		  const struct cpuset *set, unsigned int flags,
		  struct rvirt_error *err)
{
	if (vcpu >= DOMAIN_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"vcpu %u does not exist (at most %d vcpus)", vcpu,
			DOMAIN_VCPUS_MAX);
		return -1;
	}
	return domstore_pin(c, txn, drv, ops, host, dom, (int)vcpu, set, flags,
			    err);
}

int
domstore_pin_emulator(struct hv_conn *c, struct store_txn *txn,
		      const struct domstore_driver *drv,
		      const struct domstore_pin_ops *ops,
		      const struct cpuset *host,
		      const struct hv_domain_ref *dom, const struct cpuset *set,
		      unsigned int flags, struct rvirt_error *err)
{
	return domstore_pin(c, txn, drv, ops, host, dom, -1, set, flags, err);
}

int
domstore_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
		       const struct domstore_driver *drv,
		       const struct domstore_pin_ops *ops,
		       const struct cpuset *host,
		       const struct hv_domain_ref *dom, unsigned int flags,
		       struct cpuset **sets, size_t *nsets,
		       struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct cpuset *out = NULL;
	struct domrec d;
	bool live, config;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (domstore_affect(&d, flags, true, &live, &config, err) < 0)
		goto out;
	def = live ? domstore_live_def(&d, err) : domain_xml_parse(d.xml, err);
	if (!def)
		goto out;
	out = calloc(def->vcpus, sizeof(*out));
	if (!out) {
		domstore_oom("read the vcpu pinning", err);
		goto out;
	}
	if (live && ops->vcpu_pins) {
		if (ops->vcpu_pins(c, &d, def, out, err) < 0)
			goto out;
	} else {
		for (unsigned int i = 0; i < def->vcpus; i++)
			domain_def_vcpu_affinity(def, i, host, &out[i]);
	}
	*sets = out;
	*nsets = def->vcpus;
	out = NULL;
	ret = 0;
out:
	free(out);
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

int
domstore_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
			   const struct domstore_driver *drv,
			   const struct domstore_pin_ops *ops,
			   const struct cpuset *host,
			   const struct hv_domain_ref *dom, unsigned int flags,
			   struct cpuset *out, struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct domrec d;
	bool live, config;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (domstore_affect(&d, flags, true, &live, &config, err) < 0)
		goto out;
	def = live ? domstore_live_def(&d, err) : domain_xml_parse(d.xml, err);
	if (!def)
		goto out;
	if (live && ops->emulator_pin) {
		if (ops->emulator_pin(c, &d, def, out, err) < 0)
			goto out;
	} else {
		domain_def_emulator_affinity(def, host, out);
	}
	ret = 0;
out:
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

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

struct domstore_pid_ctx {
	int (*fn)(int pid, uint64_t start, void *opaque);
	void *opaque;
};

static int
domstore_pid_one(const void *key, size_t klen, const void *val, size_t vlen,
		 void *opaque, struct rvirt_error *err)
{
	struct domstore_pid_ctx *x = opaque;
	const unsigned char *v = val;
	int pid;

	(void)key;
	(void)klen;
	(void)err;
	/* Only version 2 records have a process. */
	if (vlen < REC_HEADER_V2 || memcmp(v, REC_MAGIC_V2, 4) != 0 ||
	    (v[4] != RVIRT_DOMAIN_RUNNING && v[4] != RVIRT_DOMAIN_PAUSED))
		return 0;
	pid = (int)le32_get(v + 56);
	if (pid <= 0)
		return 0;
	return x->fn(pid, le64_get(v + 60), x->opaque) < 0 ? 1 : 0;
}

int
domstore_each_pid(struct store_txn *txn,
		  int (*fn)(int pid, uint64_t start, void *opaque),
		  void *opaque, struct rvirt_error *err)
{
	struct domstore_pid_ctx x = { .fn = fn, .opaque = opaque };

	return store_foreach_from(txn, STORE_DOMAINS, NULL, 0, domstore_pid_one,
				  &x, err);
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
