/* SPDX-License-Identifier: MIT */
/* t5002-test-driver: the test driver through hv.h, on a real store. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/uuid.h"
#include "../../hv/hv.h"
#include "../../hv/node.h"

static char tmpdir[256];
static int dircount;
static struct store *st;
static struct hv_conn *hv;

#define DEFAULT_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

static const char web_xml[] =
	"<domain type='test'><name>web</name>"
	"<uuid>11111111-2222-4333-8444-555555555555</uuid>"
	"<memory unit='MiB'>256</memory>"
	"<vcpu>3</vcpu></domain>";

/* A fresh store and a connection for each test. */
static int
setup_conn(void **state)
{
	struct rvirt_error err = { 0 };
	char dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/s%d", tmpdir, dircount++);
	if (mkdir(dir, 0700) < 0)
		return -1;
	st = store_open(dir, 4 << 20, STORE_NOSYNC, &err);
	if (!st)
		return -1;
	hv = hv_open("test:///default", st, &err);
	return hv ? 0 : -1;
}

static int
teardown_conn(void **state)
{
	(void)state;
	hv_close(hv);
	hv = NULL;
	store_close(st);
	st = NULL;
	return 0;
}

static struct store_txn *
begin(bool write)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = store_txn_begin(st, write, &err);

	assert_non_null(txn);
	return txn;
}

static void
commit(struct store_txn *txn)
{
	struct rvirt_error err = { 0 };

	if (store_txn_commit(txn, &err) < 0)
		fail_msg("commit: %s", err.message);
}

static void
lookup(const char *name, struct hv_domain_ref *ref)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(false);

	if (hv_domain_lookup_name(hv, txn, name, ref, &err) < 0)
		fail_msg("lookup '%s': %s", name, err.message);
	store_txn_abort(txn);
}

static void
define(const char *xml, struct hv_domain_ref *ref)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(true);

	if (hv_domain_define(hv, txn, xml, ref, &err) < 0)
		fail_msg("define: %s", err.message);
	commit(txn);
}

static void
get_state(const struct hv_domain_ref *ref, int *state, int *reason)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(false);

	if (hv_domain_get_state(hv, txn, ref, state, reason, &err) < 0)
		fail_msg("get_state: %s", err.message);
	store_txn_abort(txn);
}

typedef int (*lifecycle_fn)(struct hv_conn *, struct store_txn *,
			    const struct hv_domain_ref *, struct rvirt_error *);

/* Run fn in a write txn; commit on success, abort on failure. */
static int
run(lifecycle_fn fn, const struct hv_domain_ref *ref, struct rvirt_error *err)
{
	struct store_txn *txn = begin(true);
	int rc = fn(hv, txn, ref, err);

	if (rc == 0)
		commit(txn);
	else
		store_txn_abort(txn);
	return rc;
}

static void
run_ok(lifecycle_fn fn, const struct hv_domain_ref *ref)
{
	struct rvirt_error err = { 0 };

	if (run(fn, ref, &err) < 0)
		fail_msg("%s", err.message);
}

static void
run_bad(lifecycle_fn fn, const struct hv_domain_ref *ref, int code,
	const char *msg)
{
	struct rvirt_error err = { 0 };

	assert_int_equal(run(fn, ref, &err), -1);
	assert_int_equal(err.code, code);
	if (!strstr(err.message, msg))
		fail_msg("message '%s' lacks '%s'", err.message, msg);
}

static void
test_default_domain(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, byid;
	struct hv_domain_info info;
	struct store_txn *txn;
	char uuid[UUID_STRLEN + 1];
	int s, r;

	(void)state;
	assert_string_equal(hv_uri(hv), "test:///default");
	assert_string_equal(hv_type(hv), "TEST");
	assert_int_equal(hv_version(hv), 1000000);
	lookup("test", &ref);
	assert_string_equal(ref.name, "test");
	assert_int_equal(ref.id, 1);
	uuid_format(ref.uuid, uuid);
	assert_string_equal(uuid, DEFAULT_UUID);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	assert_int_equal(r, 1);

	txn = begin(false);
	assert_int_equal(hv_domain_lookup_id(hv, txn, 1, &byid, &err), 0);
	assert_string_equal(byid.name, "test");
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	assert_int_equal(info.state, RVIRT_DOMAIN_RUNNING);
	assert_int_equal(info.max_mem_kib, 8388608);
	assert_int_equal(info.memory_kib, 2097152);
	assert_int_equal(info.nr_vcpus, 2);
	store_txn_abort(txn);
}

/* A second open of the same store does not make a second default. */
static void
test_init_once(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_conn *hv2;
	struct hv_domain_ref *doms = NULL, ref;
	size_t n = 0;
	struct store_txn *txn;

	(void)state;
	/* Shut it off and undefine it: a reopen must not bring it back. */
	lookup("test", &ref);
	run_ok(hv_domain_destroy, &ref);
	run_ok(hv_domain_undefine, &ref);
	hv2 = hv_open("", st, &err); /* empty means test:///default */
	assert_non_null(hv2);
	txn = begin(false);
	assert_int_equal(hv_domain_list(hv2, txn, 0, 100, &doms, &n, &err), 0);
	assert_int_equal(n, 0);
	free(doms);
	store_txn_abort(txn);
	hv_close(hv2);
	hv_close(NULL);
}

static void
test_open_errors(void **state)
{
	struct rvirt_error err = { 0 };

	(void)state;
	assert_null(hv_open("nosuch:///system", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_NO_DRIVER);
	assert_null(hv_open("test:///other", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_non_null(strstr(err.message, "only 'test:///default'"));
	assert_null(hv_open("test://host/default", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_null(hv_open("test+tls:///default", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_null(hv_open("test:///default?x=1", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_null(hv_open("default", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_null(hv_open("TEST:///default", st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
}

static void
test_define_lifecycle(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, out;
	struct hv_domain_info info;
	struct store_txn *txn;
	int s, r;

	(void)state;
	define(web_xml, &ref);
	assert_string_equal(ref.name, "web");
	assert_int_equal(ref.id, -1);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 0);

	/* Not running: these are refused. */
	run_bad(hv_domain_destroy, &ref, RVIRT_ERR_OPERATION_INVALID,
		"domain 'web' is not running");
	run_bad(hv_domain_shutdown, &ref, RVIRT_ERR_OPERATION_INVALID,
		"domain 'web' is not running");
	run_bad(hv_domain_reboot, &ref, RVIRT_ERR_OPERATION_INVALID,
		"not running");
	run_bad(hv_domain_suspend, &ref, RVIRT_ERR_OPERATION_INVALID,
		"not running");
	run_bad(hv_domain_resume, &ref, RVIRT_ERR_OPERATION_INVALID,
		"not running");

	/* Start: the next id after the default domain's. */
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &ref, &out, &err), 0);
	commit(txn);
	assert_int_equal(out.id, 2);
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &ref, &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_OPERATION_INVALID);
	assert_string_equal(err.message, "domain 'web' is already running");
	store_txn_abort(txn);

	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	store_txn_abort(txn);
	assert_int_equal(info.memory_kib, 262144);
	assert_int_equal(info.nr_vcpus, 3);

	/* Suspend / resume with reasons. */
	run_ok(hv_domain_suspend, &ref);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_PAUSED);
	assert_int_equal(r, 1);
	run_bad(hv_domain_suspend, &ref, RVIRT_ERR_OPERATION_INVALID,
		"already paused");
	run_bad(hv_domain_shutdown, &ref, RVIRT_ERR_OPERATION_INVALID,
		"paused");
	run_ok(hv_domain_resume, &ref);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	assert_int_equal(r, 5);
	run_bad(hv_domain_resume, &ref, RVIRT_ERR_OPERATION_INVALID,
		"not paused");

	/* Reboot stays running with the same id. */
	run_ok(hv_domain_reboot, &ref);
	lookup("web", &out);
	assert_int_equal(out.id, 2);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	assert_int_equal(r, 1);

	/* Shutdown and destroy, with their reasons. */
	run_ok(hv_domain_shutdown, &ref);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 1);
	lookup("web", &out);
	assert_int_equal(out.id, -1);
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &ref, &out, &err), 0);
	commit(txn);
	assert_int_equal(out.id, 3);
	run_ok(hv_domain_destroy, &ref);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 2);

	/* Undefine an inactive persistent domain: gone. */
	run_ok(hv_domain_undefine, &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_lookup_name(hv, txn, "web", &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	assert_string_equal(err.message, "domain 'web' not found");
	assert_int_equal(hv_domain_get_state(hv, txn, &ref, &s, &r, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	store_txn_abort(txn);
}

static void
test_cpu_time_grows(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref;
	struct hv_domain_info a, b, c;
	struct store_txn *txn;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)state;
	lookup("test", &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &a, &err), 0);
	store_txn_abort(txn);
	nanosleep(&ts, NULL);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &b, &err), 0);
	store_txn_abort(txn);
	assert_true(b.cpu_time_ns >= a.cpu_time_ns + 20 * 1000 * 1000);

	/* Paused: frozen. */
	run_ok(hv_domain_suspend, &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &b, &err), 0);
	store_txn_abort(txn);
	nanosleep(&ts, NULL);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &c, &err), 0);
	store_txn_abort(txn);
	assert_int_equal(b.cpu_time_ns, c.cpu_time_ns);
	assert_int_equal(c.state, RVIRT_DOMAIN_PAUSED);
}

static void
test_transient(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, out;
	struct store_txn *txn;
	int s, r;

	(void)state;
	txn = begin(true);
	assert_int_equal(hv_domain_create_xml(hv, txn,
					      "<domain type='test'><name>tmp"
					      "</name><memory>1024</memory>"
					      "</domain>",
					      &ref, &err),
			 0);
	commit(txn);
	assert_int_equal(ref.id, 2);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	run_bad(hv_domain_undefine, &ref, RVIRT_ERR_OPERATION_INVALID,
		"cannot undefine transient domain 'tmp'");

	/* Same name again while it runs: refused. */
	txn = begin(true);
	assert_int_equal(hv_domain_create_xml(hv, txn,
					      "<domain type='test'><name>tmp"
					      "</name><memory>1024</memory>"
					      "</domain>",
					      &out, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_DOMAIN_EXISTS);
	store_txn_abort(txn);

	/* Stopping a transient domain makes it disappear. */
	run_ok(hv_domain_destroy, &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_lookup_name(hv, txn, "tmp", &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	store_txn_abort(txn);
}

/* Undefining a running persistent domain leaves it transient. */
static void
test_undefine_running(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, out;
	struct store_txn *txn;

	(void)state;
	lookup("test", &ref);
	run_ok(hv_domain_undefine, &ref);
	lookup("test", &out);
	assert_int_equal(out.id, 1);
	run_bad(hv_domain_undefine, &ref, RVIRT_ERR_OPERATION_INVALID,
		"transient");
	run_ok(hv_domain_shutdown, &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_lookup_name(hv, txn, "test", &out, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	store_txn_abort(txn);
}

static void
test_redefine(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, ref2, out;
	struct hv_domain_info info;
	struct store_txn *txn;
	char *xml = NULL;

	(void)state;
	define(web_xml, &ref);
	/* Same name without a uuid: the same domain, updated. */
	define("<domain type='test'><name>web</name>"
	       "<memory unit='MiB'>512</memory></domain>",
	       &ref2);
	assert_memory_equal(ref.uuid, ref2.uuid, RVIRT_UUID_BUFLEN);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	assert_int_equal(info.max_mem_kib, 524288);
	assert_int_equal(info.nr_vcpus, 1);
	store_txn_abort(txn);

	/* Same name, other uuid: refused. */
	txn = begin(true);
	assert_int_equal(
		hv_domain_define(hv, txn,
				 "<domain type='test'><name>web</name><uuid>"
				 "99999999-2222-4333-8444-555555555555</uuid>"
				 "<memory>1</memory></domain>",
				 &out, &err),
		-1);
	assert_int_equal(err.code, RVIRT_ERR_DOMAIN_EXISTS);
	assert_non_null(strstr(err.message, "already exists with uuid"));
	store_txn_abort(txn);

	/* Other name, existing uuid: refused. */
	txn = begin(true);
	assert_int_equal(hv_domain_define(hv, txn,
					  "<domain type='test'><name>other"
					  "</name><uuid>" DEFAULT_UUID
					  "</uuid><memory>1</memory></domain>",
					  &out, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_DOMAIN_EXISTS);
	assert_non_null(strstr(err.message, "domain 'test' already has uuid"));
	store_txn_abort(txn);

	/* Redefining a running domain changes its next boot, not now. */
	lookup("test", &ref);
	define("<domain type='test'><name>test</name>"
	       "<memory>4096</memory><vcpu>7</vcpu></domain>",
	       &out);
	assert_int_equal(out.id, 1);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	assert_int_equal(info.nr_vcpus, 2);
	assert_int_equal(hv_domain_get_xml(hv, txn, &ref, &xml, &err), 0);
	assert_non_null(strstr(xml, "id=\"1\""));
	assert_non_null(strstr(xml, ">2</vcpu>"));
	free(xml);
	store_txn_abort(txn);
	run_ok(hv_domain_destroy, &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	assert_int_equal(info.nr_vcpus, 7);
	assert_int_equal(hv_domain_get_xml(hv, txn, &ref, &xml, &err), 0);
	assert_null(strstr(xml, "id="));
	assert_non_null(strstr(xml, ">7</vcpu>"));
	free(xml);
	store_txn_abort(txn);
}

static void
test_define_errors(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref out;
	struct store_txn *txn;

	(void)state;
	txn = begin(true);
	assert_int_equal(hv_domain_define(hv, txn, "<domain", &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_XML);
	assert_int_equal(hv_domain_define(hv, txn,
					  "<domain type='qemu'><name>q</name>"
					  "<memory>1</memory></domain>",
					  &out, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_XML);
	assert_non_null(strstr(err.message, "type='test'"));
	store_txn_abort(txn);

	/* A read-only txn cannot define. */
	txn = begin(false);
	assert_int_equal(hv_domain_define(hv, txn, web_xml, &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	store_txn_abort(txn);

	/* A cpuset the simulated host (16 cpus) lacks fails at start. */
	define("<domain type='test'><name>pinned</name><memory>1</memory>"
	       "<vcpu cpuset='0,16'>1</vcpu></domain>",
	       &out);
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &out, &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_string_equal(err.message,
			    "cannot start domain 'pinned': cpuset '0,16' names "
			    "cpu 16, which the host does not have (it has "
			    "0-15)");
	store_txn_abort(txn);
}

static void
test_list(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, *doms = NULL;
	struct store_txn *txn;
	size_t n = 0;

	(void)state;
	define(web_xml, &ref);
	define("<domain type='test'><name>alpha</name><memory>1</memory>"
	       "</domain>",
	       &ref);
	txn = begin(false);
	assert_int_equal(hv_domain_list(hv, txn, 0, 100, &doms, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(doms[0].name, "alpha");
	assert_string_equal(doms[1].name, "test");
	assert_string_equal(doms[2].name, "web");
	assert_int_equal(doms[1].id, 1);
	assert_int_equal(doms[2].id, -1);
	free(doms);
	assert_int_equal(hv_domain_list(hv, txn, RVIRT_LIST_ACTIVE, 100, &doms,
					&n, &err),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(doms[0].name, "test");
	free(doms);
	assert_int_equal(hv_domain_list(hv, txn, RVIRT_LIST_INACTIVE, 100,
					&doms, &n, &err),
			 0);
	assert_int_equal(n, 2);
	free(doms);
	doms = NULL;
	assert_int_equal(hv_domain_list(hv, txn, 0, 2, &doms, &n, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_int_equal(hv_domain_list(hv, txn, 8, 100, &doms, &n, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	assert_int_equal(hv_domain_lookup_id(hv, txn, 0, &ref, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	assert_int_equal(hv_domain_lookup_id(hv, txn, 99, &ref, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	store_txn_abort(txn);
}

static void
test_node_and_caps(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_node_info ni;
	char *caps = NULL;

	(void)state;
	assert_int_equal(hv_node_info(hv, &ni, &err), 0);
	assert_string_equal(ni.model, "x86_64");
	assert_int_equal(ni.cpus, 16);
	assert_int_equal(ni.cpus,
			 ni.nodes * ni.sockets * ni.cores * ni.threads);
	assert_int_equal(ni.memory_kib, 16ULL * 1024 * 1024);
	assert_int_equal(hv_capabilities(hv, &caps, &err), 0);
	assert_non_null(strstr(caps, "<capabilities>"));
	assert_non_null(strstr(caps, "<os_type>hvm</os_type>"));
	assert_non_null(strstr(caps, "<os_type>exe</os_type>"));
	assert_non_null(strstr(caps, "<domain type=\"test\"/>"));
	assert_non_null(strstr(caps, "<topology sockets="));
	free(caps);
}

/* Write text to root/rel, making directories on the way. */
static void
fake_file(const char *root, const char *rel, const char *text)
{
	char *path = NULL, *cmd = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	assert_true(asprintf(&cmd, "mkdir -p \"$(dirname '%s')\"", path) > 0);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(cmd);
	free(path);
}

static void
test_node_facts_fake(void **state)
{
	struct rvirt_error err = { 0 };
	struct node_facts f;
	struct cpuset online;
	char root[512], proc[512];

	(void)state;
	snprintf(root, sizeof(root), "%s/sys", tmpdir);
	snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
	/* 2 sockets x 2 cores x 2 threads, 2 NUMA nodes. */
	fake_file(root, "devices/system/cpu/online", "0-7\n");
	for (int c = 0; c < 8; c++) {
		char rel[128], v[16];

		snprintf(
			rel, sizeof(rel),
			"devices/system/cpu/cpu%d/topology/physical_package_id",
			c);
		snprintf(v, sizeof(v), "%d\n", c / 4);
		fake_file(root, rel, v);
		snprintf(rel, sizeof(rel),
			 "devices/system/cpu/cpu%d/topology/core_id", c);
		snprintf(v, sizeof(v), "%d\n", (c / 2) % 2);
		fake_file(root, rel, v);
	}
	fake_file(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
		  "3200000\n");
	fake_file(root, "devices/system/node/node0/x", "");
	fake_file(root, "devices/system/node/node1/x", "");
	fake_file(proc, "meminfo",
		  "MemFree:  1 kB\nMemTotal:       8039920 kB\n");
	assert_int_equal(node_facts_read(root, proc, &f, &err), 0);
	assert_int_equal(f.cpus, 8);
	assert_int_equal(f.sockets, 2);
	assert_int_equal(f.cores, 2);
	assert_int_equal(f.threads, 2);
	assert_int_equal(f.nodes, 2);
	assert_int_equal(f.mhz, 3200);
	assert_int_equal(f.memory_kib, 8039920);

	/* No topology, no cpufreq: the simple answers and cpuinfo's MHz. */
	snprintf(root, sizeof(root), "%s/sys2", tmpdir);
	fake_file(root, "devices/system/cpu/online", "0-2,4\n");
	fake_file(proc, "cpuinfo", "processor : 0\ncpu MHz\t\t: 1999.998\n");
	assert_int_equal(node_facts_read(root, proc, &f, &err), 0);
	assert_int_equal(f.cpus, 4);
	assert_int_equal(f.sockets, 1);
	assert_int_equal(f.cores, 4);
	assert_int_equal(f.threads, 1);
	assert_int_equal(f.nodes, 1);
	assert_int_equal(f.mhz, 1999);
	/* The online list alone, as the pinning calls read it. */
	assert_int_equal(node_online_read(root, &online, &err), 0);
	assert_int_equal(cpuset_count(&online), 4);
	assert_true(cpuset_has(&online, 4) && !cpuset_has(&online, 3));

	/* Missing or malformed: errors. */
	fake_file(root, "devices/system/cpu/online", "0-\n");
	assert_int_equal(node_facts_read(root, proc, &f, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_int_equal(node_online_read(root, &online, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	snprintf(root, sizeof(root), "%s/nosys", tmpdir);
	assert_int_equal(node_facts_read(root, proc, &f, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_SYSTEM);
	assert_int_equal(node_online_read(root, &online, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_SYSTEM);

	/* The real host answers too. */
	assert_int_equal(node_facts_read(NULL, NULL, &f, &err), 0);
	assert_true(f.cpus >= 1);
	assert_true(f.memory_kib > 0);
}

/* Simulated pinning: values in the live XML and in the definition. */
static void
test_pinning(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref, web, out;
	struct store_txn *txn;
	struct cpuset set, *sets = NULL, emu;
	struct hv_vcpu_info *vi = NULL;
	char *xml = NULL;
	size_t n = 0;

	(void)state;
	lookup("test", &ref);
	assert_int_equal(cpuset_parse("5", 0, &set, &err), 0);
	/* CURRENT on a running domain is LIVE. */
	txn = begin(true);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &ref, 1, &set, 0, &err),
			 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	txn = begin(false);
	assert_int_equal(
		hv_domain_get_vcpu_pin_info(hv, txn, &ref, 0, &sets, &n, &err),
		0);
	assert_int_equal(n, 2);
	assert_int_equal(cpuset_count(&sets[0]), 16);
	assert_true(cpuset_equal(&sets[1], &set));
	free(sets);
	assert_int_equal(hv_domain_get_vcpu_pin_info(hv, txn, &ref,
						     HV_AFFECT_CONFIG, &sets,
						     &n, &err),
			 0);
	assert_int_equal(cpuset_count(&sets[1]), 16);
	free(sets);
	assert_int_equal(hv_domain_get_xml(hv, txn, &ref, &xml, &err), 0);
	assert_non_null(strstr(xml, "<vcpupin vcpu=\"1\" cpuset=\"5\"/>"));
	free(xml);
	assert_int_equal(hv_domain_get_vcpus(hv, txn, &ref, &vi, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vi[1].cpu, 5);
	assert_int_equal(vi[0].cpu, 0);
	assert_int_equal(vi[0].state, RVIRT_VCPU_RUNNING);
	free(vi);
	store_txn_abort(txn);

	/* Both at once, on the emulator. */
	txn = begin(true);
	assert_int_equal(
		hv_domain_pin_emulator(hv, txn, &ref, &set,
				       HV_AFFECT_LIVE | HV_AFFECT_CONFIG, &err),
		0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	txn = begin(false);
	assert_int_equal(hv_domain_get_emulator_pin_info(
				 hv, txn, &ref, HV_AFFECT_CONFIG, &emu, &err),
			 0);
	assert_true(cpuset_equal(&emu, &set));
	store_txn_abort(txn);

	/* A shut off domain: CURRENT is CONFIG, LIVE is refused. */
	define(web_xml, &web);
	txn = begin(true);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 2, &set,
					    HV_AFFECT_LIVE, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_OPERATION_INVALID);
	assert_non_null(strstr(err.message, "is not running"));
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 2, &set, 0, &err),
			 0);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 3, &set, 0, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	/* The pin is there at the next start, and live. */
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &web, &out, &err), 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	txn = begin(false);
	assert_int_equal(hv_domain_get_vcpu_pin_info(hv, txn, &web,
						     HV_AFFECT_LIVE, &sets, &n,
						     &err),
			 0);
	assert_int_equal(n, 3);
	assert_true(cpuset_equal(&sets[2], &set));
	free(sets);
	store_txn_abort(txn);

	/* Sets the simulated host lacks, empty sets, bad flags. */
	txn = begin(true);
	assert_int_equal(cpuset_parse("16", 0, &set, &err), 0);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 0, &set, 0, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_non_null(strstr(err.message, "no cpu 16 (it has 0-15)"));
	cpuset_clear(&set);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 0, &set, 0, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	cpuset_add(&set, 1);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &web, 0, &set, 8, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	store_txn_abort(txn);
}

/* Autostart: the flag, and the start once per host boot. */
static void
test_autostart(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_domain_ref web;
	struct store_txn *txn;
	bool on = true;
	int s, r;

	(void)state;
	define(web_xml, &web);
	txn = begin(true);
	assert_int_equal(hv_domain_get_autostart(hv, txn, &web, &on, &err), 0);
	assert_false(on);
	assert_int_equal(hv_domain_set_autostart(hv, txn, &web, true, &err), 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	assert_int_equal(hv_host_start(st, &err), 0);
	get_state(&web, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	run_ok(hv_domain_destroy, &web);
	/* The same boot: nothing more. */
	assert_int_equal(hv_host_start(st, &err), 0);
	get_state(&web, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	/* Transient domains cannot be marked. */
	txn = begin(true);
	assert_int_equal(hv_domain_create_xml(hv, txn,
					      "<domain type='test'><name>tr"
					      "</name><memory>1</memory>"
					      "</domain>",
					      &web, &err),
			 0);
	assert_int_equal(hv_domain_set_autostart(hv, txn, &web, true, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_OPERATION_INVALID);
	store_txn_abort(txn);
}

/* A record written by the foundation (format version 1) is still read. */
static void
test_record_v1(void **state)
{
	static const char xml[] = "<domain type=\"test\"><name>old</name>"
				  "<memory unit=\"KiB\">1024</memory>"
				  "</domain>";
	unsigned char rec[256], uuid[16], key[16];
	struct rvirt_error err = { 0 };
	struct hv_domain_ref ref;
	struct store_txn *txn;
	size_t len = 56 + 4 + 3 + sizeof(xml) - 1;
	int s, r;

	(void)state;
	memset(rec, 0, sizeof(rec));
	memset(uuid, 0x42, sizeof(uuid));
	memcpy(rec, "RVD\x01", 4);
	rec[4] = RVIRT_DOMAIN_SHUTOFF;
	rec[7] = 4;
	memset(rec + 8, 0xff, 4); /* id -1 */
	rec[28 + 1] = 4;	  /* 1024 KiB */
	rec[36 + 1] = 4;
	rec[44] = 1;
	rec[48] = 3;
	rec[52] = sizeof(xml) - 1;
	memcpy(rec + 56, "test", 4);
	memcpy(rec + 60, "old", 3);
	memcpy(rec + 63, xml, sizeof(xml) - 1);
	memcpy(key, "test\0old", 8);
	txn = begin(true);
	assert_int_equal(
		store_put(txn, STORE_DOMAINS, uuid, 16, rec, len, &err), 0);
	assert_int_equal(store_put(txn, STORE_NAMES, key, 8, uuid, 16, &err),
			 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	lookup("old", &ref);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	/* Written back as version 2 on the next change. */
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &ref, &ref, &err), 0);
	commit(txn);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/t5002-XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_conn, teardown_conn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_default_domain),	  T(test_init_once),
		T(test_open_errors),	  T(test_define_lifecycle),
		T(test_cpu_time_grows),	  T(test_transient),
		T(test_undefine_running), T(test_redefine),
		T(test_define_errors),	  T(test_list),
		T(test_node_and_caps),	  T(test_node_facts_fake),
		T(test_pinning),	  T(test_autostart),
		T(test_record_v1),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
