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
#include "domtoken.h"
#include "domstore.h"
#include "domstore_int.h"

#define REC_MAGIC_V1 "RVD\x01"
#define REC_MAGIC_V2 "RVD\x02"
#define REC_HEADER_V1 56
#define REC_HEADER_V2 72
#define REC_DRIVER_MAX 32

#define META_KEY_MAX 64
#define NAME_KEY_MAX (REC_DRIVER_MAX + 1 + RVIRT_NAME_MAX)

uint64_t
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

void
domrec_info(const struct domrec *d, struct hv_domain_info *info)
{
	memset(info, 0, sizeof(*info));
	info->state = d->state;
	info->max_mem_kib = d->max_mem_kib;
	info->memory_kib = d->cur_mem_kib;
	info->nr_vcpus = d->vcpus;
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

int
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
int
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

int
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

	/* Its console token goes with it (hv/domtoken.h). */
	if (domstore_journal(txn, drv, d, NULL, err) < 0 ||
	    store_del(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN, err) <
		    0 ||
	    store_del(txn, STORE_NAMES, key, klen, err) < 0 ||
	    domtoken_del(txn, d->uuid, err) < 0)
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

void
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
