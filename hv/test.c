/* SPDX-License-Identifier: MIT */
/* test: the simulated "test" driver, its domains kept in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "domain_xml.h"
#include "domevent.h"
#include "domstore.h"
#include "driver.h"
#include "node.h"

/*
 * The records are domstore's (hv/domstore.h).  Besides them the driver
 * keeps in STORE_META:
 *   "test:init"     1 byte: the default domain was made
 *   "test:next_id"  u32: the next domain id (domstore)
 *   "test:boot_id"  the host boot the autostart domains were started in
 * Nothing runs: a "running" domain is a record, its CPU time grows with
 * the wall clock, its vCPUs and pinning are values in its live XML.
 */

#define TEST_URI "test:///default"
#define TEST_VERSION 1000000 /* 1.0.0 */

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

static const struct domstore_driver test_drv = {
	.name = "test",
	.type = DOMAIN_TYPE_TEST,
};

static uint64_t
test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The simulated host's CPUs: 0-15, all online. */
static void
test_host(struct cpuset *host)
{
	cpuset_clear(host);
	for (unsigned int i = 0; i < TEST_NODE_CPUS; i++)
		cpuset_add(host, i);
}

static int
test_not_running(const struct domrec *d, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
		"domain '%s' is not running", d->name);
	return -1;
}

/* Mark d running as def says, after checking def against the host. */
static int
test_boot(struct store_txn *txn, struct domrec *d, const struct domain_def *def,
	  struct rvirt_error *err)
{
	struct cpuset host;

	test_host(&host);
	if (domain_def_check_host(def, &host, err) < 0)
		return -1;
	return domstore_boot(txn, &test_drv, d, def, err);
}

/* Start a shut off d and write it; act of domstore_host_boot too. */
static int
test_start(struct store_txn *txn, const struct domstore_driver *drv,
	   struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct domain_def *def;
	int rc;

	(void)opaque;
	def = domain_xml_parse(d->xml, err);
	if (!def)
		return -1;
	rc = test_boot(txn, d, def, err);
	domain_def_free(def);
	if (rc < 0)
		return -1;
	return domstore_save(txn, drv, d, err);
}

/* ---------------------------------------------------------------- */
/* Lifecycle                                                         */
/* ---------------------------------------------------------------- */

static int
test_domain_create_xml(struct hv_conn *c, struct store_txn *txn,
		       const char *xml, struct hv_domain_ref *out,
		       struct rvirt_error *err)
{
	struct domain_def *def;
	struct domrec d;
	int ret = -1;

	(void)c;
	memset(&d, 0, sizeof(d));
	def = domstore_parse(&test_drv, xml, "create", err);
	if (!def)
		return -1;
	if (domstore_new(&d, def, err) < 0 ||
	    domstore_name_claim(txn, &test_drv, &d, err) < 0 ||
	    domstore_check_unique(txn, &test_drv, def, err) < 0 ||
	    test_boot(txn, &d, def, err) < 0)
		goto out;
	d.flags |= DOMREC_TRANSIENT;
	if (domstore_save(txn, &test_drv, &d, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	domain_def_free(def);
	return ret;
}

static int
test_domain_create(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct hv_domain_ref *out,
		   struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (domrec_active(&d)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is already running", d.name);
		goto out;
	}
	if (test_start(txn, &test_drv, &d, NULL, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	return ret;
}

static int
test_domain_destroy(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	int ret;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (!domrec_active(&d))
		ret = test_not_running(&d, err);
	else
		ret = domstore_stopped(txn, &test_drv, &d,
				       DOMREC_REASON_SHUTOFF_DESTROYED, err);
	domrec_release(&d);
	return ret;
}

/* Shutdown and reboot need the guest running (a paused one cannot act). */
static int
test_check_running(const struct domrec *d, struct rvirt_error *err)
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
	struct domrec d;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (test_check_running(&d, err) == 0)
		ret = domstore_stopped(txn, &test_drv, &d,
				       DOMREC_REASON_SHUTOFF_SHUTDOWN, err);
	domrec_release(&d);
	return ret;
}

static int
test_domain_reboot(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (test_check_running(&d, err) == 0) {
		/* Same id, same process: only the reason changes. */
		domevent_hint(RVIRT_EVENT_REBOOTED,
			      RVIRT_EVENT_REBOOTED_REBOOTED, -1);
		d.reason = DOMREC_REASON_RUNNING_BOOTED;
		ret = domstore_save(txn, &test_drv, &d, err);
	}
	domrec_release(&d);
	return ret;
}

static int
test_domain_suspend(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	uint64_t now;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
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
		d.reason = DOMREC_REASON_PAUSED_USER;
		ret = domstore_save(txn, &test_drv, &d, err);
	}
	domrec_release(&d);
	return ret;
}

static int
test_domain_resume(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (d.state == RVIRT_DOMAIN_RUNNING) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not paused", d.name);
	} else if (d.state != RVIRT_DOMAIN_PAUSED) {
		test_not_running(&d, err);
	} else {
		d.state = RVIRT_DOMAIN_RUNNING;
		d.reason = DOMREC_REASON_RUNNING_UNPAUSED;
		d.start_ns = test_now_ns();
		ret = domstore_save(txn, &test_drv, &d, err);
	}
	domrec_release(&d);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Queries                                                           */
/* ---------------------------------------------------------------- */

/* Simulated: one CPU's worth of time for every second it ran. */
static uint64_t
test_cpu_time(const struct domrec *d)
{
	uint64_t t = d->cpu_ns, now;

	if (d->state == RVIRT_DOMAIN_RUNNING) {
		now = test_now_ns();
		if (now > d->start_ns)
			t += now - d->start_ns;
	}
	return t;
}

static int
test_domain_get_info(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom,
		     struct hv_domain_info *info, struct rvirt_error *err)
{
	struct domrec d;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	domrec_info(&d, info);
	info->cpu_time_ns = test_cpu_time(&d);
	domrec_release(&d);
	return 0;
}

/* The n-th CPU of s (0 is the lowest), -1 past its end. */
static int
test_nth_cpu(const struct cpuset *s, unsigned int n)
{
	for (unsigned int k = 0; k < CPUSET_MAX_CPUS; k++)
		if (cpuset_has(s, k) && n-- == 0)
			return (int)k;
	return -1;
}

/*
 * Simulated vCPUs: the domain's CPU time shared evenly, each vCPU "last
 * ran" on the i-th CPU of its affinity (cycling), blocked while paused.
 */
static int
test_domain_get_vcpus(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom,
		      struct hv_vcpu_info **info, size_t *ninfo,
		      struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct hv_vcpu_info *v = NULL;
	struct cpuset host;
	struct domrec d;
	uint64_t total;
	int ret = -1;

	(void)c;
	if (domstore_find(txn, &test_drv, dom, &d, err) < 0)
		return -1;
	if (!domrec_active(&d)) {
		test_not_running(&d, err);
		goto out;
	}
	def = domstore_live_def(&d, err);
	if (!def)
		goto out;
	v = calloc(def->vcpus, sizeof(*v));
	if (!v) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot describe the vcpus of '%s': out of memory",
			d.name);
		goto out;
	}
	test_host(&host);
	total = test_cpu_time(&d);
	for (unsigned int i = 0; i < def->vcpus; i++) {
		unsigned int n;

		v[i].number = i;
		v[i].state = d.state == RVIRT_DOMAIN_RUNNING
				     ? RVIRT_VCPU_RUNNING
				     : RVIRT_VCPU_BLOCKED;
		v[i].cpu_time_ns = total / def->vcpus;
		domain_def_vcpu_affinity(def, i, &host, &v[i].affinity);
		n = cpuset_count(&v[i].affinity);
		v[i].cpu = n ? test_nth_cpu(&v[i].affinity, i % n) : -1;
	}
	*info = v;
	*ninfo = def->vcpus;
	v = NULL;
	ret = 0;
out:
	free(v);
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

static int
test_domain_list(struct hv_conn *c, struct store_txn *txn, unsigned int flags,
		 size_t max, struct hv_domain_ref **doms, size_t *ndoms,
		 struct rvirt_error *err)
{
	(void)c;
	return domstore_list(txn, &test_drv, flags, max, doms, ndoms, err);
}

static int
test_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
			const char *name, struct hv_domain_ref *out,
			struct rvirt_error *err)
{
	(void)c;
	return domstore_lookup_name(txn, &test_drv, name, out, err);
}

static int
test_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
			const unsigned char *uuid, struct hv_domain_ref *out,
			struct rvirt_error *err)
{
	(void)c;
	return domstore_lookup_uuid(txn, &test_drv, uuid, out, err);
}

static int
test_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
		      struct hv_domain_ref *out, struct rvirt_error *err)
{
	(void)c;
	return domstore_lookup_id(txn, &test_drv, id, out, err);
}

static int
test_domain_define(struct hv_conn *c, struct store_txn *txn, const char *xml,
		   struct hv_domain_ref *out, struct rvirt_error *err)
{
	(void)c;
	return domstore_define(txn, &test_drv, xml, out, err);
}

static int
test_domain_undefine(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	(void)c;
	return domstore_undefine(txn, &test_drv, dom, err);
}

static int
test_domain_get_state(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, int *state, int *reason,
		      struct rvirt_error *err)
{
	(void)c;
	return domstore_get_state(txn, &test_drv, dom, state, reason, err);
}

static int
test_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, char **xml,
		    struct rvirt_error *err)
{
	(void)c;
	return domstore_get_xml(txn, &test_drv, dom, xml, err);
}

static int
test_domain_set_autostart(struct hv_conn *c, struct store_txn *txn,
			  const struct hv_domain_ref *dom, bool autostart,
			  struct rvirt_error *err)
{
	(void)c;
	return domstore_set_autostart(txn, &test_drv, dom, autostart, err);
}

static int
test_domain_get_autostart(struct hv_conn *c, struct store_txn *txn,
			  const struct hv_domain_ref *dom, bool *autostart,
			  struct rvirt_error *err)
{
	(void)c;
	return domstore_get_autostart(txn, &test_drv, dom, autostart, err);
}

/* ---------------------------------------------------------------- */
/* Pinning: values in the live XML and the definition, nothing else  */
/* ---------------------------------------------------------------- */

static const struct domstore_pin_ops test_pin_ops = { 0 };

static int
test_domain_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, unsigned int vcpu,
		     const struct cpuset *set, unsigned int flags,
		     struct rvirt_error *err)
{
	struct cpuset host;

	test_host(&host);
	return domstore_pin_vcpu(c, txn, &test_drv, &test_pin_ops, &host, dom,
				 vcpu, set, flags, err);
}

static int
test_domain_pin_emulator(struct hv_conn *c, struct store_txn *txn,
			 const struct hv_domain_ref *dom,
			 const struct cpuset *set, unsigned int flags,
			 struct rvirt_error *err)
{
	struct cpuset host;

	test_host(&host);
	return domstore_pin_emulator(c, txn, &test_drv, &test_pin_ops, &host,
				     dom, set, flags, err);
}

static int
test_domain_get_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
			      const struct hv_domain_ref *dom,
			      unsigned int flags, struct cpuset **sets,
			      size_t *nsets, struct rvirt_error *err)
{
	struct cpuset host;

	test_host(&host);
	return domstore_vcpu_pin_info(c, txn, &test_drv, &test_pin_ops, &host,
				      dom, flags, sets, nsets, err);
}

static int
test_domain_get_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
				  const struct hv_domain_ref *dom,
				  unsigned int flags, struct cpuset *out,
				  struct rvirt_error *err)
{
	struct cpuset host;

	test_host(&host);
	return domstore_emulator_pin_info(c, txn, &test_drv, &test_pin_ops,
					  &host, dom, flags, out, err);
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

static int
test_node_cpu_map(struct hv_conn *c, struct cpuset *online, unsigned int *ncpus,
		  struct rvirt_error *err)
{
	(void)c;
	(void)err;
	test_host(online);
	*ncpus = TEST_NODE_CPUS;
	return 0;
}

/* The real host's CPUs and memory, the test driver's guest types. */
static int
test_capabilities(struct hv_conn *c, char **xml, struct rvirt_error *err)
{
	static const char *const os_types[] = { "hvm", "exe" };
	struct node_facts f;

	(void)c;
	if (node_facts_read(NULL, NULL, &f, err) < 0)
		return -1;
	return node_capabilities(&f, "test", os_types, 2, xml, err);
}

/* ---------------------------------------------------------------- */
/* Open and daemon start                                             */
/* ---------------------------------------------------------------- */

/* Make the default domain, running as id 1, in txn. */
static int
test_init_default(struct store_txn *txn, struct rvirt_error *err)
{
	struct domain_def *def;
	struct domrec d;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	def = domain_xml_parse(test_default_xml, err);
	if (!def)
		return -1;
	if (domstore_check_unique(txn, &test_drv, def, err) < 0 ||
	    domstore_new(&d, def, err) < 0 ||
	    domstore_name_claim(txn, &test_drv, &d, err) < 0 ||
	    test_boot(txn, &d, def, err) < 0 ||
	    domstore_save(txn, &test_drv, &d, err) < 0)
		goto out;
	ret = 0;
out:
	domrec_release(&d);
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
	unsigned char one = 1, buf[1];
	size_t len;
	int rc;

	txn = store_txn_begin(st, false, err);
	if (!txn)
		return -1;
	rc = domstore_meta_get(txn, &test_drv, "init", buf, sizeof(buf), &len,
			       err);
	store_txn_abort(txn);
	if (rc != 0)
		return rc < 0 ? -1 : 0;

	txn = store_txn_begin(st, true, err);
	if (!txn)
		return -1;
	rc = domstore_meta_get(txn, &test_drv, "init", buf, sizeof(buf), &len,
			       err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		/* The default domain is id 1: start the counter there. */
		unsigned char first[4] = { 1, 0, 0, 0 };

		if (domstore_meta_put(txn, &test_drv, "next_id", first,
				      sizeof(first), err) < 0 ||
		    test_init_default(txn, err) < 0 ||
		    domstore_meta_put(txn, &test_drv, "init", &one, 1, err) < 0)
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
	return hv_conn_set_uri(c, err, "%s", TEST_URI);
}

/* Autostart domains start at the first daemon start of each host boot. */
static int
test_host_start(struct store *st, struct rvirt_error *err)
{
	char boot_id[64];

	if (node_boot_id(NULL, boot_id, sizeof(boot_id), err) < 0)
		return -1;
	return domstore_host_boot(st, &test_drv, boot_id, test_start, NULL,
				  err);
}

const struct hv_driver test_driver = {
	.scheme = "test",
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
	.domain_pin_vcpu = test_domain_pin_vcpu,
	.domain_get_vcpu_pin_info = test_domain_get_vcpu_pin_info,
	.domain_get_vcpus = test_domain_get_vcpus,
	.domain_pin_emulator = test_domain_pin_emulator,
	.domain_get_emulator_pin_info = test_domain_get_emulator_pin_info,
	.node_cpu_map = test_node_cpu_map,
	.domain_set_autostart = test_domain_set_autostart,
	.domain_get_autostart = test_domain_get_autostart,
	.host_start = test_host_start,
};
