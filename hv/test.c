/* SPDX-License-Identifier: MIT */
/* test: the simulated "test" driver, its domains kept in the store. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "../common/err.h"
#include "../common/uuid.h"
#include "domain_xml.h"
#include "driver.h"
#include "node.h"

/*
 * Everything is in the store, so every worker (and every restart) sees
 * the same domains.  Keys:
 *   STORE_DOMAINS  uuid (16 bytes)        -> domain record (below)
 *   STORE_NAMES    "test" NUL name        -> uuid (16 bytes)
 *   STORE_META     "test:init"            -> 1 byte, the default domain
 *                                            was made
 *   STORE_META     "test:next_id"         -> u32, the next domain id
 *
 * Domain record, version 1, integers little-endian:
 *    0  4 bytes  "RVD" 0x01 (magic and version)
 *    4  u8       state (RVIRT_DOMAIN_*)
 *    5  u8       state reason (TEST_REASON_*, libvirt's numbers)
 *    6  u8       flags: 1 transient, 2 autostart
 *    7  u8       length D of the driver name
 *    8  i32      id, -1 when not running
 *   12  u64      start of the current running period, ns since the
 *                epoch (0 when not running)
 *   20  u64      cpu time used before that period, ns
 *   28  u64      live maximum memory, KiB
 *   36  u64      live current memory, KiB
 *   44  u32      live vcpus
 *   48  u32      length N of the name
 *   52  u32      length X of the XML
 *   56  D bytes driver name ("test"), N bytes name, X bytes of the
 *       persistent definition (domain_xml_format output, no id)
 * The live values are the definition's while the domain is shut off and
 * what it was started with while it runs (a redefinition of a running
 * domain takes effect at its next start).
 */

#define TEST_SCHEME "test"
#define TEST_URI "test:///default"
#define TEST_VERSION 1000000 /* 1.0.0 */

#define TEST_REC_MAGIC "RVD\x01"
#define TEST_REC_HEADER 56
#define TEST_FLAG_TRANSIENT 0x01
#define TEST_FLAG_AUTOSTART 0x02

#define TEST_META_INIT "test:init"
#define TEST_META_NEXT_ID "test:next_id"

/* State reasons, numbered as libvirt's. */
#define TEST_REASON_UNKNOWN 0
#define TEST_REASON_RUNNING_BOOTED 1
#define TEST_REASON_RUNNING_UNPAUSED 5
#define TEST_REASON_PAUSED_USER 1
#define TEST_REASON_SHUTOFF_SHUTDOWN 1
#define TEST_REASON_SHUTOFF_DESTROYED 2

/* The simulated host; doc/drivers.md lists these values. */
#define TEST_NODE_MODEL "x86_64"
#define TEST_NODE_MEMORY_KIB (16ULL * 1024 * 1024)
#define TEST_NODE_MHZ 2400
#define TEST_NODE_NODES 1
#define TEST_NODE_SOCKETS 2
#define TEST_NODE_CORES 4
#define TEST_NODE_THREADS 2
#define TEST_NODE_CPUS                                           \
	(TEST_NODE_NODES * TEST_NODE_SOCKETS * TEST_NODE_CORES * \
	 TEST_NODE_THREADS)

/* The domain a fresh store starts with, running as id 1. */
static const char test_default_xml[] =
	"<domain type='test'>"
	"<name>test</name>"
	"<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
	"<memory unit='KiB'>8388608</memory>"
	"<currentMemory unit='KiB'>2097152</currentMemory>"
	"<vcpu placement='static'>2</vcpu>"
	"<os><type>hvm</type></os>"
	"<on_poweroff>destroy</on_poweroff>"
	"<on_reboot>restart</on_reboot>"
	"<on_crash>destroy</on_crash>"
	"</domain>";

struct test_dom {
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int state;
	int reason;
	unsigned int flags;
	int id;
	uint64_t start_ns;
	uint64_t cpu_ns;
	uint64_t max_mem_kib;
	uint64_t cur_mem_kib;
	unsigned int vcpus;
	char name[RVIRT_NAME_MAX + 1];
	char *xml; /* owned */
};

/* ---------------------------------------------------------------- */
/* Encoding                                                          */
/* ---------------------------------------------------------------- */

static void
le32_put(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
le64_put(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
le32_get(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t
le64_get(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t
test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool
test_active(const struct test_dom *d)
{
	return d->state == RVIRT_DOMAIN_RUNNING ||
	       d->state == RVIRT_DOMAIN_PAUSED;
}

static void
test_dom_release(struct test_dom *d)
{
	free(d->xml);
	d->xml = NULL;
}

static void
test_ref(const struct test_dom *d, struct hv_domain_ref *out)
{
	memset(out, 0, sizeof(*out));
	strcpy(out->name, d->name);
	memcpy(out->uuid, d->uuid, RVIRT_UUID_BUFLEN);
	out->id = test_active(d) ? d->id : -1;
}

static int
test_corrupt(const unsigned char *uuid, const char *why,
	     struct rvirt_error *err)
{
	char s[UUID_STRLEN + 1];

	uuid_format(uuid, s);
	err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_HV,
		"domain record '%s' in the store is corrupt: %s", s, why);
	return -1;
}

/*
 * Decode a record.  Returns 1 with *d filled (d->xml owned), 0 when the
 * record belongs to another driver, -1 with *err when corrupt.
 */
static int
test_decode(const unsigned char *uuid, const unsigned char *v, size_t len,
	    struct test_dom *d, struct rvirt_error *err)
{
	size_t dlen, nlen, xlen;

	if (len < TEST_REC_HEADER)
		return test_corrupt(uuid, "too short", err);
	if (memcmp(v, TEST_REC_MAGIC, 4) != 0)
		return test_corrupt(uuid, "unknown format or version", err);
	dlen = v[7];
	nlen = le32_get(v + 48);
	xlen = le32_get(v + 52);
	if (nlen == 0 || nlen > RVIRT_NAME_MAX || xlen > RVIRT_XML_MAX ||
	    TEST_REC_HEADER + dlen + nlen + xlen != len)
		return test_corrupt(uuid, "bad lengths", err);
	if (dlen != strlen(TEST_SCHEME) ||
	    memcmp(v + TEST_REC_HEADER, TEST_SCHEME, dlen) != 0)
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
	memcpy(d->name, v + TEST_REC_HEADER + dlen, nlen);
	d->name[nlen] = '\0';
	d->xml = strndup((const char *)v + TEST_REC_HEADER + dlen + nlen, xlen);
	if (!d->xml) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot read domain '%s': out of memory", d->name);
		return -1;
	}
	return 1;
}

static int
test_save(struct store_txn *txn, const struct test_dom *d,
	  struct rvirt_error *err)
{
	size_t dlen = strlen(TEST_SCHEME), nlen = strlen(d->name);
	size_t xlen = strlen(d->xml), len;
	unsigned char *rec;
	int rc;

	if (xlen > RVIRT_XML_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_HV,
			"domain '%s': xml longer than %d bytes", d->name,
			RVIRT_XML_MAX);
		return -1;
	}
	len = TEST_REC_HEADER + dlen + nlen + xlen;
	rec = malloc(len);
	if (!rec) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot save domain '%s': out of memory", d->name);
		return -1;
	}
	memcpy(rec, TEST_REC_MAGIC, 4);
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
	memcpy(rec + TEST_REC_HEADER, TEST_SCHEME, dlen);
	memcpy(rec + TEST_REC_HEADER + dlen, d->name, nlen);
	memcpy(rec + TEST_REC_HEADER + dlen + nlen, d->xml, xlen);
	rc = store_put(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN, rec, len,
		       err);
	free(rec);
	return rc;
}

/* The STORE_NAMES key of name: "test\0name". */
static size_t
test_name_key(const char *name, unsigned char *key, size_t size)
{
	size_t slen = strlen(TEST_SCHEME) + 1, nlen = strlen(name);

	if (slen + nlen > size)
		return 0;
	memcpy(key, TEST_SCHEME, slen);
	memcpy(key + slen, name, nlen);
	return slen + nlen;
}

#define TEST_NAME_KEY_MAX (sizeof(TEST_SCHEME) + RVIRT_NAME_MAX)

/* The uuid name is bound to; 1 found, 0 absent, -1 error. */
static int
test_name_get(struct store_txn *txn, const char *name, unsigned char *uuid,
	      struct rvirt_error *err)
{
	unsigned char key[TEST_NAME_KEY_MAX];
	size_t klen = test_name_key(name, key, sizeof(key));
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
test_name_put(struct store_txn *txn, const char *name,
	      const unsigned char *uuid, struct rvirt_error *err)
{
	unsigned char key[TEST_NAME_KEY_MAX];
	size_t klen = test_name_key(name, key, sizeof(key));

	return store_put(txn, STORE_NAMES, key, klen, uuid, RVIRT_UUID_BUFLEN,
			 err);
}

/* Load by uuid: 1 found, 0 absent (or another driver's), -1 error. */
static int
test_load(struct store_txn *txn, const unsigned char *uuid, struct test_dom *d,
	  struct rvirt_error *err)
{
	const void *val;
	size_t vlen;
	int rc;

	rc = store_get(txn, STORE_DOMAINS, uuid, RVIRT_UUID_BUFLEN, &val, &vlen,
		       err);
	if (rc <= 0)
		return rc;
	return test_decode(uuid, val, vlen, d, err);
}

/* Load the domain ref names (by uuid) or fail with RVIRT_ERR_NO_DOMAIN. */
static int
test_find(struct store_txn *txn, const struct hv_domain_ref *ref,
	  struct test_dom *d, struct rvirt_error *err)
{
	char s[UUID_STRLEN + 1];
	int rc = test_load(txn, ref->uuid, d, err);

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

/* Remove a domain and its name. */
static int
test_delete(struct store_txn *txn, const struct test_dom *d,
	    struct rvirt_error *err)
{
	unsigned char key[TEST_NAME_KEY_MAX];
	size_t klen = test_name_key(d->name, key, sizeof(key));

	if (store_del(txn, STORE_DOMAINS, d->uuid, RVIRT_UUID_BUFLEN, err) <
		    0 ||
	    store_del(txn, STORE_NAMES, key, klen, err) < 0)
		return -1;
	return 0;
}

/* Take the next domain id (ids are never 0; after INT_MAX comes 1). */
static int
test_next_id(struct store_txn *txn, int *id, struct rvirt_error *err)
{
	const void *val;
	size_t vlen;
	uint32_t next = 1;
	unsigned char buf[4];
	int rc;

	rc = store_get(txn, STORE_META, TEST_META_NEXT_ID,
		       strlen(TEST_META_NEXT_ID), &val, &vlen, err);
	if (rc < 0)
		return -1;
	if (rc == 1 && vlen == 4)
		next = le32_get(val);
	if (next == 0 || next > INT_MAX)
		next = 1;
	*id = (int)next;
	le32_put(buf, next == INT_MAX ? 1 : next + 1);
	return store_put(txn, STORE_META, TEST_META_NEXT_ID,
			 strlen(TEST_META_NEXT_ID), buf, sizeof(buf), err);
}

/* ---------------------------------------------------------------- */
/* Definitions                                                       */
/* ---------------------------------------------------------------- */

/* Parse XML for this driver: type must be 'test'. */
static struct domain_def *
test_parse(const char *xml, struct rvirt_error *err)
{
	struct domain_def *def = domain_xml_parse(xml, err);

	if (!def)
		return NULL;
	if (def->type != DOMAIN_TYPE_TEST) {
		err_set(err, RVIRT_ERR_XML, RVIRT_FROM_HV,
			"cannot define domain '%s': type '%s' is not handled "
			"by the test driver, use <domain type='test'>",
			def->name, domain_xml_type_name(def->type));
		domain_def_free(def);
		return NULL;
	}
	return def;
}

/* The cpuset is checked against the (simulated) host at start. */
static int
test_check_host(const struct domain_def *def, struct rvirt_error *err)
{
	char text[CPUSET_FORMAT_MAX];

	if (def->has_cpuset && cpuset_last(&def->cpuset) >= TEST_NODE_CPUS) {
		cpuset_format(&def->cpuset, text, sizeof(text));
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
			"cannot start domain '%s': cpuset '%s' names cpus the "
			"host does not have (it has 0-%d)",
			def->name, text, TEST_NODE_CPUS - 1);
		return -1;
	}
	return 0;
}

static void
test_live_from_def(struct test_dom *d, const struct domain_def *def)
{
	d->max_mem_kib = def->memory_kib;
	d->cur_mem_kib = def->current_memory_kib;
	d->vcpus = def->vcpus;
}

/* Mark d running with a new id, as its definition says. */
static int
test_boot(struct store_txn *txn, struct test_dom *d,
	  const struct domain_def *def, struct rvirt_error *err)
{
	if (test_check_host(def, err) < 0 || test_next_id(txn, &d->id, err) < 0)
		return -1;
	test_live_from_def(d, def);
	d->state = RVIRT_DOMAIN_RUNNING;
	d->reason = TEST_REASON_RUNNING_BOOTED;
	d->start_ns = test_now_ns();
	d->cpu_ns = 0;
	return 0;
}

/* A new record for def (state and id left to the caller). */
static int
test_dom_from_def(struct test_dom *d, const struct domain_def *def,
		  struct rvirt_error *err)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->uuid, def->uuid, RVIRT_UUID_BUFLEN);
	strcpy(d->name, def->name);
	d->id = -1;
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = TEST_REASON_UNKNOWN;
	test_live_from_def(d, def);
	d->xml = domain_xml_format(def, -1, err);
	return d->xml ? 0 : -1;
}

/* Refuse a definition whose name or uuid belongs to another domain. */
static int
test_check_unique(struct store_txn *txn, const struct domain_def *def,
		  struct rvirt_error *err)
{
	struct test_dom other;
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
	rc = test_decode(def->uuid, val, vlen, &other, err);
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
	test_dom_release(&other);
	return -1;
}

static int
test_domain_define(struct hv_conn *c, struct store_txn *txn, const char *xml,
		   struct hv_domain_ref *out, struct rvirt_error *err)
{
	struct domain_def *def;
	struct test_dom d;
	struct hv_domain_ref ref = { .id = -1 };
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char s[UUID_STRLEN + 1];
	int rc, ret = -1;

	(void)c;
	memset(&d, 0, sizeof(d));
	def = test_parse(xml, err);
	if (!def)
		return -1;
	rc = test_name_get(txn, def->name, uuid, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		/* A new domain. */
		if (test_check_unique(txn, def, err) < 0 ||
		    test_dom_from_def(&d, def, err) < 0 ||
		    test_save(txn, &d, err) < 0 ||
		    test_name_put(txn, d.name, d.uuid, err) < 0)
			goto out;
		test_ref(&d, out);
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
	if (test_find(txn, &ref, &d, err) < 0)
		goto out;
	free(d.xml);
	d.xml = domain_xml_format(def, -1, err);
	if (!d.xml)
		goto out;
	d.flags &= ~(unsigned int)TEST_FLAG_TRANSIENT;
	if (!test_active(&d))
		test_live_from_def(&d, def);
	if (test_save(txn, &d, err) < 0)
		goto out;
	test_ref(&d, out);
	ret = 0;
out:
	test_dom_release(&d);
	domain_def_free(def);
	return ret;
}

static int
test_domain_create_xml(struct hv_conn *c, struct store_txn *txn,
		       const char *xml, struct hv_domain_ref *out,
		       struct rvirt_error *err)
{
	struct domain_def *def;
	struct test_dom d;
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int rc, ret = -1;

	(void)c;
	memset(&d, 0, sizeof(d));
	def = test_parse(xml, err);
	if (!def)
		return -1;
	rc = test_name_get(txn, def->name, uuid, err);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
			"cannot create domain '%s': a domain with that name "
			"already exists",
			def->name);
		goto out;
	}
	if (test_check_unique(txn, def, err) < 0 ||
	    test_dom_from_def(&d, def, err) < 0 ||
	    test_boot(txn, &d, def, err) < 0)
		goto out;
	d.flags |= TEST_FLAG_TRANSIENT;
	if (test_save(txn, &d, err) < 0 ||
	    test_name_put(txn, d.name, d.uuid, err) < 0)
		goto out;
	test_ref(&d, out);
	ret = 0;
out:
	test_dom_release(&d);
	domain_def_free(def);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Lifecycle                                                         */
/* ---------------------------------------------------------------- */

static int
test_not_running(const struct test_dom *d, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
		"domain '%s' is not running", d->name);
	return -1;
}

/* Stop d: a transient domain goes away, a persistent one shuts off. */
static int
test_stop(struct store_txn *txn, struct test_dom *d, int reason,
	  struct rvirt_error *err)
{
	struct domain_def *def;

	if (d->flags & TEST_FLAG_TRANSIENT)
		return test_delete(txn, d, err);
	def = domain_xml_parse(d->xml, err);
	if (!def)
		return -1;
	test_live_from_def(d, def);
	domain_def_free(def);
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = reason;
	d->id = -1;
	d->start_ns = 0;
	d->cpu_ns = 0;
	return test_save(txn, d, err);
}

static int
test_domain_undefine(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (d.flags & TEST_FLAG_TRANSIENT) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"cannot undefine transient domain '%s'", d.name);
		goto out;
	}
	if (test_active(&d)) {
		/* It keeps running and disappears when it stops. */
		d.flags |= TEST_FLAG_TRANSIENT;
		ret = test_save(txn, &d, err);
	} else {
		ret = test_delete(txn, &d, err);
	}
out:
	test_dom_release(&d);
	return ret;
}

static int
test_domain_create(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct hv_domain_ref *out,
		   struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct test_dom d;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (test_active(&d)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is already running", d.name);
		goto out;
	}
	def = domain_xml_parse(d.xml, err);
	if (!def || test_boot(txn, &d, def, err) < 0 ||
	    test_save(txn, &d, err) < 0)
		goto out;
	test_ref(&d, out);
	ret = 0;
out:
	domain_def_free(def);
	test_dom_release(&d);
	return ret;
}

static int
test_domain_destroy(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	int ret;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (!test_active(&d))
		ret = test_not_running(&d, err);
	else
		ret = test_stop(txn, &d, TEST_REASON_SHUTOFF_DESTROYED, err);
	test_dom_release(&d);
	return ret;
}

/* Shutdown and reboot need the guest running (a paused one cannot act). */
static int
test_check_running(const struct test_dom *d, struct rvirt_error *err)
{
	if (d->state == RVIRT_DOMAIN_PAUSED) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is paused: resume it first", d->name);
		return -1;
	}
	if (d->state != RVIRT_DOMAIN_RUNNING)
		return test_not_running(d, err);
	return 0;
}

static int
test_domain_shutdown(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (test_check_running(&d, err) == 0)
		ret = test_stop(txn, &d, TEST_REASON_SHUTOFF_SHUTDOWN, err);
	test_dom_release(&d);
	return ret;
}

static int
test_domain_reboot(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (test_check_running(&d, err) == 0) {
		/* Same id, same process: only the reason changes. */
		d.reason = TEST_REASON_RUNNING_BOOTED;
		ret = test_save(txn, &d, err);
	}
	test_dom_release(&d);
	return ret;
}

static int
test_domain_suspend(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	uint64_t now;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (d.state == RVIRT_DOMAIN_PAUSED) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is already paused", d.name);
	} else if (d.state != RVIRT_DOMAIN_RUNNING) {
		test_not_running(&d, err);
	} else {
		now = test_now_ns();
		if (now > d.start_ns)
			d.cpu_ns += now - d.start_ns;
		d.start_ns = 0;
		d.state = RVIRT_DOMAIN_PAUSED;
		d.reason = TEST_REASON_PAUSED_USER;
		ret = test_save(txn, &d, err);
	}
	test_dom_release(&d);
	return ret;
}

static int
test_domain_resume(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct test_dom d;
	int ret = -1;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	if (d.state == RVIRT_DOMAIN_RUNNING) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not paused", d.name);
	} else if (d.state != RVIRT_DOMAIN_PAUSED) {
		test_not_running(&d, err);
	} else {
		d.state = RVIRT_DOMAIN_RUNNING;
		d.reason = TEST_REASON_RUNNING_UNPAUSED;
		d.start_ns = test_now_ns();
		ret = test_save(txn, &d, err);
	}
	test_dom_release(&d);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Queries                                                           */
/* ---------------------------------------------------------------- */

struct test_list {
	struct store_txn *txn;
	unsigned int flags;
	size_t max;
	struct hv_domain_ref *doms;
	size_t n, cap;
	int want_id; /* lookup by id: > 0 */
	bool found;
};

static int
test_list_one(const void *key, size_t klen, const void *val, size_t vlen,
	      void *opaque, struct rvirt_error *err)
{
	struct test_list *l = opaque;
	struct test_dom d;
	bool active;
	int rc;

	(void)key;
	(void)klen;
	if (vlen != RVIRT_UUID_BUFLEN)
		return 0;
	rc = test_load(l->txn, val, &d, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0; /* a name without its domain: skip it */
	active = test_active(&d);
	if (l->want_id > 0) {
		if (active && d.id == l->want_id) {
			test_ref(&d, l->doms);
			l->found = true;
			test_dom_release(&d);
			return 1;
		}
		test_dom_release(&d);
		return 0;
	}
	if (l->flags == 0 || (active && (l->flags & RVIRT_LIST_ACTIVE)) ||
	    (!active && (l->flags & RVIRT_LIST_INACTIVE))) {
		if (l->n == l->max) {
			test_dom_release(&d);
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
			if (!p) {
				test_dom_release(&d);
				err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
					"cannot list domains: out of memory");
				return -1;
			}
			l->doms = p;
			l->cap = cap;
		}
		test_ref(&d, &l->doms[l->n++]);
	}
	test_dom_release(&d);
	return 0;
}

static int
test_domain_list(struct hv_conn *c, struct store_txn *txn, unsigned int flags,
		 size_t max, struct hv_domain_ref **doms, size_t *ndoms,
		 struct rvirt_error *err)
{
	struct test_list l = { .txn = txn, .flags = flags, .max = max };

	(void)c;
	/* The names table is in name order, which is the order wanted. */
	if (store_foreach(txn, STORE_NAMES, TEST_SCHEME, sizeof(TEST_SCHEME),
			  test_list_one, &l, err) < 0) {
		free(l.doms);
		return -1;
	}
	*doms = l.doms;
	*ndoms = l.n;
	return 0;
}

static int
test_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
			const char *name, struct hv_domain_ref *out,
			struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };
	struct test_dom d;
	int rc;

	(void)c;
	if (strlen(name) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"domain '%.32s...' not found", name);
		return -1;
	}
	rc = test_name_get(txn, name, ref.uuid, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"domain '%s' not found", name);
		return -1;
	}
	strcpy(ref.name, name);
	if (test_find(txn, &ref, &d, err) < 0)
		return -1;
	test_ref(&d, out);
	test_dom_release(&d);
	return 0;
}

static int
test_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
			const unsigned char *uuid, struct hv_domain_ref *out,
			struct rvirt_error *err)
{
	struct hv_domain_ref ref = { .id = -1 };
	struct test_dom d;

	(void)c;
	memcpy(ref.uuid, uuid, RVIRT_UUID_BUFLEN);
	if (test_find(txn, &ref, &d, err) < 0)
		return -1;
	test_ref(&d, out);
	test_dom_release(&d);
	return 0;
}

static int
test_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
		      struct hv_domain_ref *out, struct rvirt_error *err)
{
	struct test_list l = { .txn = txn, .want_id = id, .doms = out };

	(void)c;
	if (id > 0 &&
	    store_foreach(txn, STORE_NAMES, TEST_SCHEME, sizeof(TEST_SCHEME),
			  test_list_one, &l, err) < 0)
		return -1;
	if (!l.found) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"no running domain with id %d", id);
		return -1;
	}
	return 0;
}

static int
test_domain_get_info(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom,
		     struct hv_domain_info *info, struct rvirt_error *err)
{
	struct test_dom d;
	uint64_t now;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	info->state = d.state;
	info->max_mem_kib = d.max_mem_kib;
	info->memory_kib = d.cur_mem_kib;
	info->nr_vcpus = d.vcpus;
	/* Simulated: one CPU's worth of time for every second it ran. */
	info->cpu_time_ns = d.cpu_ns;
	if (d.state == RVIRT_DOMAIN_RUNNING) {
		now = test_now_ns();
		if (now > d.start_ns)
			info->cpu_time_ns += now - d.start_ns;
	}
	test_dom_release(&d);
	return 0;
}

static int
test_domain_get_state(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, int *state, int *reason,
		      struct rvirt_error *err)
{
	struct test_dom d;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	*state = d.state;
	*reason = d.reason;
	test_dom_release(&d);
	return 0;
}

static int
test_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, char **xml,
		    struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct test_dom d;
	char *out = NULL;

	(void)c;
	if (test_find(txn, dom, &d, err) < 0)
		return -1;
	def = domain_xml_parse(d.xml, err);
	if (!def)
		goto out;
	if (test_active(&d)) {
		/* The live values, not a redefinition made since the start. */
		def->memory_kib = d.max_mem_kib;
		def->current_memory_kib = d.cur_mem_kib;
		def->vcpus = d.vcpus;
	}
	out = domain_xml_format(def, test_active(&d) ? d.id : -1, err);
out:
	domain_def_free(def);
	test_dom_release(&d);
	if (!out)
		return -1;
	*xml = out;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Host                                                              */
/* ---------------------------------------------------------------- */

static int
test_node_info(struct hv_conn *c, struct hv_node_info *info,
	       struct rvirt_error *err)
{
	(void)c;
	(void)err;
	memset(info, 0, sizeof(*info));
	snprintf(info->model, sizeof(info->model), "%s", TEST_NODE_MODEL);
	info->memory_kib = TEST_NODE_MEMORY_KIB;
	info->cpus = TEST_NODE_CPUS;
	info->mhz = TEST_NODE_MHZ;
	info->nodes = TEST_NODE_NODES;
	info->sockets = TEST_NODE_SOCKETS;
	info->cores = TEST_NODE_CORES;
	info->threads = TEST_NODE_THREADS;
	return 0;
}

#define XC (const xmlChar *)

static int
test_caps_guest(xmlTextWriterPtr w, const char *os_type, const char *arch)
{
	if (xmlTextWriterStartElement(w, XC "guest") < 0 ||
	    xmlTextWriterWriteElement(w, XC "os_type", XC os_type) < 0 ||
	    xmlTextWriterStartElement(w, XC "arch") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "name", XC arch) < 0 ||
	    xmlTextWriterWriteFormatElement(w, XC "wordsize", "%zu",
					    sizeof(long) * 8) < 0 ||
	    xmlTextWriterStartElement(w, XC "domain") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "type", XC TEST_SCHEME) < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
test_caps_write(xmlTextWriterPtr w, const struct node_facts *f)
{
	char online[CPUSET_FORMAT_MAX];

	if (cpuset_format(&f->online, online, sizeof(online)) < 0)
		return -1;
	if (xmlTextWriterStartElement(w, XC "capabilities") < 0 ||
	    xmlTextWriterStartElement(w, XC "host") < 0 ||
	    xmlTextWriterStartElement(w, XC "cpu") < 0 ||
	    xmlTextWriterWriteElement(w, XC "arch", XC f->arch) < 0 ||
	    xmlTextWriterStartElement(w, XC "topology") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "sockets", "%u",
					      f->sockets) < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "cores", "%u", f->cores) <
		    0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "threads", "%u",
					      f->threads) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	if (f->mhz &&
	    xmlTextWriterWriteFormatElement(w, XC "mhz", "%u", f->mhz) < 0)
		return -1;
	if (xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "cpus") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "count", "%u", f->cpus) <
		    0 ||
	    xmlTextWriterWriteAttribute(w, XC "online", XC online) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "memory") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "unit", XC "KiB") < 0 ||
	    xmlTextWriterWriteFormatString(
		    w, "%llu", (unsigned long long)f->memory_kib) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "numa") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "nodes", "%u", f->nodes) <
		    0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return -1;
	if (test_caps_guest(w, "hvm", f->arch) < 0 ||
	    test_caps_guest(w, "exe", f->arch) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
test_capabilities(struct hv_conn *c, char **xml, struct rvirt_error *err)
{
	struct node_facts f;
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	char *out = NULL;
	int rc;

	(void)c;
	if (node_facts_read(NULL, NULL, &f, err) < 0)
		return -1;
	buf = xmlBufferCreate();
	if (!buf)
		goto oom;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w) {
		xmlBufferFree(buf);
		goto oom;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, XC "  ");
	rc = test_caps_write(w, &f);
	if (rc == 0 && xmlTextWriterFlush(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w);
	if (rc == 0)
		out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	if (rc < 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"cannot format the capabilities");
		return -1;
	}
	if (!out)
		goto oom;
	*xml = out;
	return 0;
oom:
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
		"cannot format the capabilities: out of memory");
	return -1;
}

/* ---------------------------------------------------------------- */
/* Open                                                              */
/* ---------------------------------------------------------------- */

/* Make the default domain, running as id 1, in txn. */
static int
test_init_default(struct store_txn *txn, struct rvirt_error *err)
{
	struct domain_def *def;
	struct test_dom d;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	def = domain_xml_parse(test_default_xml, err);
	if (!def)
		return -1;
	if (test_check_unique(txn, def, err) < 0 ||
	    test_dom_from_def(&d, def, err) < 0 ||
	    test_boot(txn, &d, def, err) < 0 || test_save(txn, &d, err) < 0 ||
	    test_name_put(txn, d.name, d.uuid, err) < 0)
		goto out;
	ret = 0;
out:
	test_dom_release(&d);
	domain_def_free(def);
	return ret;
}

/*
 * On the first open of a fresh store, make the default domain.  Two
 * workers may race here: the check is repeated inside the write
 * transaction, which LMDB serialises, so only one of them makes it.
 */
static int
test_init_store(struct store *st, struct rvirt_error *err)
{
	struct store_txn *txn;
	const void *val;
	size_t vlen;
	unsigned char one = 1;
	int rc;

	txn = store_txn_begin(st, false, err);
	if (!txn)
		return -1;
	rc = store_get(txn, STORE_META, TEST_META_INIT, strlen(TEST_META_INIT),
		       &val, &vlen, err);
	store_txn_abort(txn);
	if (rc != 0)
		return rc < 0 ? -1 : 0;

	txn = store_txn_begin(st, true, err);
	if (!txn)
		return -1;
	rc = store_get(txn, STORE_META, TEST_META_INIT, strlen(TEST_META_INIT),
		       &val, &vlen, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		/* The default domain is id 1: start the counter there. */
		unsigned char first[4];

		le32_put(first, 1);
		if (store_put(txn, STORE_META, TEST_META_NEXT_ID,
			      strlen(TEST_META_NEXT_ID), first, sizeof(first),
			      err) < 0 ||
		    test_init_default(txn, err) < 0 ||
		    store_put(txn, STORE_META, TEST_META_INIT,
			      strlen(TEST_META_INIT), &one, 1, err) < 0)
			goto fail;
	}
	return store_txn_commit(txn, err);
fail:
	store_txn_abort(txn);
	return -1;
}

static int
test_open(struct hv_conn *c, const char *path, struct rvirt_error *err)
{
	if (strcmp(path, "/default") != 0) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri 'test://%s': the test driver serves only "
			"'test:///default'",
			path);
		return -1;
	}
	if (!c->st) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"cannot open '%s': no store", TEST_URI);
		return -1;
	}
	if (test_init_store(c->st, err) < 0)
		return -1;
	snprintf(c->uri, sizeof(c->uri), "%s", TEST_URI);
	return 0;
}

const struct hv_driver test_driver = {
	.scheme = TEST_SCHEME,
	.type = "TEST",
	.version = TEST_VERSION,
	.open = test_open,
	.capabilities = test_capabilities,
	.node_info = test_node_info,
	.domain_list = test_domain_list,
	.domain_lookup_name = test_domain_lookup_name,
	.domain_lookup_uuid = test_domain_lookup_uuid,
	.domain_lookup_id = test_domain_lookup_id,
	.domain_define = test_domain_define,
	.domain_create_xml = test_domain_create_xml,
	.domain_undefine = test_domain_undefine,
	.domain_create = test_domain_create,
	.domain_destroy = test_domain_destroy,
	.domain_shutdown = test_domain_shutdown,
	.domain_reboot = test_domain_reboot,
	.domain_suspend = test_domain_suspend,
	.domain_resume = test_domain_resume,
	.domain_get_info = test_domain_get_info,
	.domain_get_state = test_domain_get_state,
	.domain_get_xml = test_domain_get_xml,
};
