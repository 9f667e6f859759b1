/* SPDX-License-Identifier: MIT */
/* t1002-dispatch: the procedure table, access rules and handlers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rvirt_protocol.h"

#include "../../common/uuid.h"
#include "../../server/dispatch.h"

static char tmpdir[256];
static int dircount;
static struct store *st;
static struct session_state sess;

/* A fresh store, and an authenticated read-write unix session. */
static int
setup_sess(void **state)
{
	struct rvirt_error err = { 0 };
	char dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/s%d", tmpdir, dircount++);
	if (mkdir(dir, 0700) < 0)
		return -1;
	st = store_open(dir, 1 << 20, STORE_NOSYNC, &err);
	if (!st)
		return -1;
	memset(&sess, 0, sizeof(sess));
	sess.authenticated = true;
	snprintf(sess.identity, sizeof(sess.identity), "unix:uid=1000");
	sess.uid = 1000;
	sess.gid = 1000;
	sess.auth_methods[0] = RVIRT_AUTH_NONE;
	sess.nauth_methods = 1;
	return 0;
}

static int
teardown_sess(void **state)
{
	(void)state;
	dispatch_session_release(&sess);
	store_close(st);
	st = NULL;
	return 0;
}

/*
 * Call procedure proc with args (NULL for none) the way the engine
 * does: a zeroed result of the entry's size.  Returns the result (the
 * caller frees it with done()), *rc the return of dispatch_call.
 */
static void *
call(uint32_t proc, void *args, int *rc, struct rvirt_error *err)
{
	static uint32_t xid = 42;
	const struct proc_entry *pe = dispatch_lookup(proc);
	/* A new xid each time: the same one is a call sent again. */
	struct call c = {
		.sess = &sess, .store = st, .xid = xid++, .proc = proc
	};
	char noargs[8] = { 0 };
	void *ret;

	assert_non_null(pe);
	ret = calloc(1, pe->ret_size ? pe->ret_size : 1);
	assert_non_null(ret);
	memset(err, 0, sizeof(*err));
	*rc = dispatch_call(pe, &c, args ? args : noargs, ret, err);
	assert_null(c.txn);
	if (*rc < 0)
		assert_int_not_equal(err->code, RVIRT_ERR_OK);
	return ret;
}

/* Free a result, as the engine does whether it was sent or not. */
static void
done_err(uint32_t proc, void *ret)
{
	xdr_free(dispatch_lookup(proc)->xdr_ret, ret);
	free(ret);
}

/* Encode a successful result as the engine would, then free it. */
static void
done(uint32_t proc, void *ret)
{
	const struct proc_entry *pe = dispatch_lookup(proc);
	char buf[65536];
	XDR x;

	xdrmem_create(&x, buf, sizeof(buf), XDR_ENCODE);
	assert_true(pe->xdr_ret(&x, ret));
	xdr_destroy(&x);
	done_err(proc, ret);
}

static void
call_ok(uint32_t proc, void *args)
{
	struct rvirt_error err;
	int rc;
	void *ret = call(proc, args, &rc, &err);

	if (rc < 0)
		fail_msg("%s: %s", dispatch_lookup(proc)->name, err.message);
	/* Every result but NULL's (none) starts with its status. */
	if (proc != RVIRT_PROC_NULL)
		assert_int_equal(*(int *)ret, RVIRT_OK);
	done(proc, ret);
}

static void
call_bad(uint32_t proc, void *args, int code, const char *msg)
{
	struct rvirt_error err;
	int rc;
	void *ret = call(proc, args, &rc, &err);

	assert_int_equal(rc, -1);
	assert_int_equal(err.code, code);
	if (!strstr(err.message, msg))
		fail_msg("%s: message '%s' lacks '%s'",
			 dispatch_lookup(proc)->name, err.message, msg);
	done_err(proc, ret);
}

static void
open_conn(unsigned int flags)
{
	struct rvirt_connect_open_args a = { .uri = "test:///default",
					     .flags = flags };

	call_ok(RVIRT_PROC_CONNECT_OPEN, &a);
	assert_non_null(sess.hv);
}

static void
test_table(void **state)
{
	static const struct {
		uint32_t proc;
		const char *name;
		unsigned int flags;
	} want[] = {
		{ 0, "NULL", PROC_NO_AUTH },
		{ 1, "AUTH_LIST", PROC_NO_AUTH },
		{ 2, "CONNECT_OPEN", 0 },
		{ 3, "CONNECT_CLOSE", PROC_NEEDS_HV },
		{ 9, "NODE_GET_INFO", PROC_NEEDS_HV },
		{ 10, "DOMAIN_LIST_ALL", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 11, "DOMAIN_LOOKUP_BY_NAME", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 14, "DOMAIN_DEFINE_XML", PROC_NEEDS_HV | PROC_MUTATING },
		{ 15, "DOMAIN_UNDEFINE", PROC_NEEDS_HV | PROC_MUTATING },
		{ 16, "DOMAIN_CREATE", PROC_NEEDS_HV | PROC_MUTATING },
		{ 17, "DOMAIN_CREATE_XML", PROC_NEEDS_HV | PROC_MUTATING },
		{ 18, "DOMAIN_DESTROY", PROC_NEEDS_HV | PROC_MUTATING },
		{ 19, "DOMAIN_SHUTDOWN", PROC_NEEDS_HV | PROC_MUTATING },
		{ 20, "DOMAIN_REBOOT", PROC_NEEDS_HV | PROC_MUTATING },
		{ 21, "DOMAIN_SUSPEND", PROC_NEEDS_HV | PROC_MUTATING },
		{ 22, "DOMAIN_RESUME", PROC_NEEDS_HV | PROC_MUTATING },
		{ 23, "DOMAIN_GET_INFO", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 24, "DOMAIN_GET_STATE", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 25, "DOMAIN_GET_XML_DESC", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 26, "DOMAIN_PIN_VCPU", PROC_NEEDS_HV | PROC_MUTATING },
		{ 27, "DOMAIN_GET_VCPU_PIN_INFO",
		  PROC_NEEDS_HV | PROC_READ_TXN },
		{ 28, "DOMAIN_GET_VCPUS", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 29, "DOMAIN_PIN_EMULATOR", PROC_NEEDS_HV | PROC_MUTATING },
		{ 30, "DOMAIN_GET_EMULATOR_PIN_INFO",
		  PROC_NEEDS_HV | PROC_READ_TXN },
		{ 31, "NODE_GET_CPU_MAP", PROC_NEEDS_HV },
		{ 32, "DOMAIN_SET_AUTOSTART", PROC_NEEDS_HV | PROC_MUTATING },
		{ 33, "DOMAIN_GET_AUTOSTART", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 34, "CONNECT_RECONNECT", 0 },
		{ 35, "AUTH_SASL_INIT", PROC_NO_AUTH },
		{ 36, "AUTH_SASL_START", PROC_NO_AUTH },
		{ 37, "AUTH_SASL_STEP", PROC_NO_AUTH },
		{ 40, "EVENT_WAIT", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 41, "KEEPALIVE_START", 0 },
		{ 45, "CONSOLE_OPEN", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 46, "CONSOLE_READ", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 47, "CONSOLE_WRITE", PROC_NEEDS_HV | PROC_READ_TXN },
		{ 48, "CONSOLE_CLOSE", PROC_NEEDS_HV | PROC_READ_TXN },
	};

	(void)state;
	/* Numbers 38 up are assigned to parallel work: slots may be empty. */
	assert_true(dispatch_max_proc() >= 48);
	for (uint32_t p = 0; p <= dispatch_max_proc(); p++) {
		const struct proc_entry *pe = dispatch_lookup(p);

		/* 34 is CONNECT_RECONNECT, added by the sessions work. */
		if ((p == 34 || p >= 38) && !pe)
			continue;
		assert_non_null(pe);
		assert_non_null(pe->name);
		assert_non_null(pe->xdr_args);
		assert_non_null(pe->xdr_ret);
		assert_true(pe->args_size > 0 && pe->ret_size > 0);
		assert_true(p == 0 ? pe->fn == NULL : pe->fn != NULL);
		/* Nothing is both read and write; mutating needs a conn. */
		assert_false((pe->flags & PROC_MUTATING) &&
			     (pe->flags & PROC_READ_TXN));
		if (pe->flags & PROC_MUTATING)
			assert_true(pe->flags & PROC_NEEDS_HV);
		if (p > 1 && (p < 35 || p > 37))
			assert_false(pe->flags & PROC_NO_AUTH);
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct proc_entry *pe = dispatch_lookup(want[i].proc);

		assert_string_equal(pe->name, want[i].name);
		assert_int_equal(pe->flags, want[i].flags);
	}
	assert_null(dispatch_lookup(dispatch_max_proc() + 1));
	assert_null(dispatch_lookup(UINT32_MAX));
}

static void
test_auth_required(void **state)
{
	struct rvirt_connect_open_args a = { .uri = "test:///default" };
	struct rvirt_error err;
	struct rvirt_auth_list_ret *al;
	int rc;

	(void)state;
	sess.authenticated = false;
	sess.auth_methods[0] = RVIRT_AUTH_SASL;
	sess.nauth_methods = 1;
	call_bad(RVIRT_PROC_CONNECT_OPEN, &a, RVIRT_ERR_AUTH_REQUIRED,
		 "authentication required: use sasl");
	call_bad(RVIRT_PROC_DOMAIN_LIST_ALL,
		 &(struct rvirt_domain_list_args){ 0 }, RVIRT_ERR_AUTH_REQUIRED,
		 "use sasl");
	assert_null(sess.hv);
	/* NULL and AUTH_LIST are served. */
	call_ok(RVIRT_PROC_NULL, NULL);
	al = call(RVIRT_PROC_AUTH_LIST, NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(al->status, RVIRT_OK);
	assert_int_equal(al->rvirt_auth_list_ret_u.methods.methods_len, 1);
	assert_int_equal(al->rvirt_auth_list_ret_u.methods.methods_val[0],
			 RVIRT_AUTH_SASL);
	done(RVIRT_PROC_AUTH_LIST, al);
}

static void
test_no_connect(void **state)
{
	struct rvirt_domain_args da;

	(void)state;
	memset(&da, 0, sizeof(da));
	call_bad(RVIRT_PROC_DOMAIN_LIST_ALL,
		 &(struct rvirt_domain_list_args){ 0 }, RVIRT_ERR_NO_CONNECT,
		 "no connection open: call CONNECT_OPEN first");
	call_bad(RVIRT_PROC_CONNECT_GET_TYPE, NULL, RVIRT_ERR_NO_CONNECT,
		 "CONNECT_OPEN");
	call_bad(RVIRT_PROC_CONNECT_CLOSE, NULL, RVIRT_ERR_NO_CONNECT,
		 "CONNECT_OPEN");
	call_bad(RVIRT_PROC_DOMAIN_DESTROY, &da, RVIRT_ERR_NO_CONNECT,
		 "CONNECT_OPEN");
}

/* The session record's fields, decoded by hand from its documented form. */
static void
check_session_record(bool present, bool readonly)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = store_txn_begin(st, false, &err);
	const unsigned char *v = NULL;
	const void *vp;
	size_t vlen = 0;
	int rc;

	assert_non_null(txn);
	rc = store_get(txn, STORE_SESSIONS, sess.cookie, RVIRT_COOKIE_LEN, &vp,
		       &vlen, &err);
	assert_int_equal(rc, present ? 1 : 0);
	if (present) {
		v = vp;
		assert_int_equal(vlen, 28 + strlen("test:///default") +
					       strlen("unix:uid=1000"));
		assert_int_equal(v[0], 1);
		assert_int_equal(v[1] & 1, readonly ? 1 : 0);
		assert_int_equal(v[20], strlen("test:///default"));
		assert_int_equal(v[24], strlen("unix:uid=1000"));
		assert_memory_equal(v + 28, "test:///default", 15);
		assert_memory_equal(v + 43, "unix:uid=1000", 13);
	}
	store_txn_abort(txn);
}

static void
test_open_close(void **state)
{
	struct rvirt_connect_open_args a = { .uri = "test:///default" };
	struct rvirt_connect_open_ret *r;
	struct rvirt_string_ret *s;
	struct rvirt_error err;
	unsigned char zero[RVIRT_COOKIE_LEN] = { 0 };
	unsigned char cookie[RVIRT_COOKIE_LEN];
	int rc;

	(void)state;
	r = call(RVIRT_PROC_CONNECT_OPEN, &a, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(r->status, RVIRT_OK);
	assert_memory_not_equal(r->rvirt_connect_open_ret_u.cookie, zero,
				RVIRT_COOKIE_LEN);
	assert_memory_equal(r->rvirt_connect_open_ret_u.cookie, sess.cookie,
			    RVIRT_COOKIE_LEN);
	memcpy(cookie, sess.cookie, sizeof(cookie));
	done(RVIRT_PROC_CONNECT_OPEN, r);
	assert_false(sess.readonly);
	check_session_record(true, false);

	call_bad(RVIRT_PROC_CONNECT_OPEN, &a, RVIRT_ERR_ALREADY_OPEN,
		 "connection already open");

	s = call(RVIRT_PROC_CONNECT_GET_TYPE, NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(s->rvirt_string_ret_u.value, "TEST");
	done(RVIRT_PROC_CONNECT_GET_TYPE, s);
	s = call(RVIRT_PROC_CONNECT_GET_URI, NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(s->rvirt_string_ret_u.value, "test:///default");
	done(RVIRT_PROC_CONNECT_GET_URI, s);
	s = call(RVIRT_PROC_CONNECT_GET_HOSTNAME, NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_true(strlen(s->rvirt_string_ret_u.value) > 0);
	done(RVIRT_PROC_CONNECT_GET_HOSTNAME, s);
	call_ok(RVIRT_PROC_CONNECT_GET_VERSION, NULL);
	call_ok(RVIRT_PROC_CONNECT_GET_CAPABILITIES, NULL);
	call_ok(RVIRT_PROC_NODE_GET_INFO, NULL);

	call_ok(RVIRT_PROC_CONNECT_CLOSE, NULL);
	assert_null(sess.hv);
	memcpy(sess.cookie, cookie, sizeof(cookie));
	check_session_record(false, false);
	call_bad(RVIRT_PROC_CONNECT_GET_TYPE, NULL, RVIRT_ERR_NO_CONNECT,
		 "CONNECT_OPEN");

	/* A new open gives a new cookie. */
	open_conn(0);
	assert_memory_not_equal(sess.cookie, cookie, RVIRT_COOKIE_LEN);
}

static void
test_open_errors(void **state)
{
	struct rvirt_connect_open_args a = { .uri = "nosuch:///x" };

	(void)state;
	call_bad(RVIRT_PROC_CONNECT_OPEN, &a, RVIRT_ERR_NO_DRIVER,
		 "no driver for uri 'nosuch:///x'");
	a.uri = "test:///elsewhere";
	call_bad(RVIRT_PROC_CONNECT_OPEN, &a, RVIRT_ERR_URI, "test:///default");
	a.uri = "test:///default";
	a.flags = 0x80;
	call_bad(RVIRT_PROC_CONNECT_OPEN, &a, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags 0x80");
	assert_null(sess.hv);
	/* An empty uri means the default. */
	a.uri = "";
	a.flags = 0;
	call_ok(RVIRT_PROC_CONNECT_OPEN, &a);
	assert_non_null(sess.hv);
}

static void
dom_args(struct rvirt_domain_args *da, const char *name)
{
	struct rvirt_lookup_name_args la = { .name = (char *)(uintptr_t)name };
	struct rvirt_domain_ret *r;
	struct rvirt_error err;
	int rc;

	r = call(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME, &la, &rc, &err);
	if (rc < 0)
		fail_msg("lookup '%s': %s", name, err.message);
	memset(da, 0, sizeof(*da));
	da->dom.name = NULL; /* matched by uuid */
	memcpy(da->dom.uuid, r->rvirt_domain_ret_u.dom.uuid, RVIRT_UUID_BUFLEN);
	da->dom.id = r->rvirt_domain_ret_u.dom.id;
	done(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME, r);
}

static void
test_read_only_socket(void **state)
{
	struct rvirt_domain_xml_args xa = {
		.xml = "<domain type='test'><name>x</name><memory>1</memory>"
		       "</domain>"
	};
	struct rvirt_domain_args da;
	static const uint32_t mutating[] = {
		RVIRT_PROC_DOMAIN_UNDEFINE, RVIRT_PROC_DOMAIN_CREATE,
		RVIRT_PROC_DOMAIN_DESTROY,  RVIRT_PROC_DOMAIN_SHUTDOWN,
		RVIRT_PROC_DOMAIN_REBOOT,   RVIRT_PROC_DOMAIN_SUSPEND,
		RVIRT_PROC_DOMAIN_RESUME,
	};
	char msg[128];
	int s, r;

	(void)state;
	sess.readonly = true; /* as the engine sets it for rvirt-sock-ro */
	open_conn(0);
	check_session_record(true, true);
	dom_args(&da, "test");
	call_bad(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, RVIRT_ERR_ACCESS_DENIED,
		 "cannot call 'DOMAIN_DEFINE_XML': the connection is "
		 "read-only");
	call_bad(RVIRT_PROC_DOMAIN_CREATE_XML, &xa, RVIRT_ERR_ACCESS_DENIED,
		 "'DOMAIN_CREATE_XML'");
	for (size_t i = 0; i < sizeof(mutating) / sizeof(mutating[0]); i++) {
		snprintf(msg, sizeof(msg), "'%s'",
			 dispatch_lookup(mutating[i])->name);
		call_bad(mutating[i], &da, RVIRT_ERR_ACCESS_DENIED, msg);
		call_bad(mutating[i], &da, RVIRT_ERR_ACCESS_DENIED,
			 "read-only socket");
	}
	/* Nothing changed; reads work. */
	{
		struct rvirt_domain_state_ret *sr;
		struct rvirt_error err;
		int rc;

		sr = call(RVIRT_PROC_DOMAIN_GET_STATE, &da, &rc, &err);
		assert_int_equal(rc, 0);
		s = sr->rvirt_domain_state_ret_u.st.state;
		r = sr->rvirt_domain_state_ret_u.st.reason;
		done(RVIRT_PROC_DOMAIN_GET_STATE, sr);
		assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
		assert_int_equal(r, 1);
	}
	call_ok(RVIRT_PROC_DOMAIN_GET_INFO, &da);
	call_ok(RVIRT_PROC_DOMAIN_GET_XML_DESC, &da);
	call_ok(RVIRT_PROC_DOMAIN_LIST_ALL,
		&(struct rvirt_domain_list_args){ 0 });
	/* Closing is allowed on a read-only connection. */
	call_ok(RVIRT_PROC_CONNECT_CLOSE, NULL);
}

static void
test_read_only_flag(void **state)
{
	struct rvirt_domain_args da;

	(void)state;
	open_conn(RVIRT_CONNECT_RO);
	assert_true(sess.readonly);
	check_session_record(true, true);
	dom_args(&da, "test");
	call_bad(RVIRT_PROC_DOMAIN_DESTROY, &da, RVIRT_ERR_ACCESS_DENIED,
		 "'DOMAIN_DESTROY'");
	call_ok(RVIRT_PROC_DOMAIN_GET_INFO, &da);
}

static void
test_domain_flow(void **state)
{
	struct rvirt_domain_xml_args xa = {
		.xml = "<domain type='test'><name>web</name>"
		       "<memory unit='MiB'>64</memory><vcpu>2</vcpu></domain>"
	};
	struct rvirt_domain_args da;
	struct rvirt_domain_ret *dr;
	struct rvirt_domain_list_ret *lr;
	struct rvirt_domain_info_ret *ir;
	struct rvirt_xml_ret *xr;
	struct rvirt_lookup_id_args ia;
	struct rvirt_lookup_uuid_args ua;
	struct rvirt_node_info_ret *nr;
	struct rvirt_error err;
	int rc;

	(void)state;
	open_conn(0);
	dr = call(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(dr->rvirt_domain_ret_u.dom.name, "web");
	assert_int_equal(dr->rvirt_domain_ret_u.dom.id, -1);
	memset(&da, 0, sizeof(da));
	memcpy(da.dom.uuid, dr->rvirt_domain_ret_u.dom.uuid, 16);
	memcpy(ua.uuid, dr->rvirt_domain_ret_u.dom.uuid, 16);
	done(RVIRT_PROC_DOMAIN_DEFINE_XML, dr);

	dr = call(RVIRT_PROC_DOMAIN_CREATE, &da, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(dr->rvirt_domain_ret_u.dom.id, 2);
	done(RVIRT_PROC_DOMAIN_CREATE, dr);
	call_bad(RVIRT_PROC_DOMAIN_CREATE, &da, RVIRT_ERR_OPERATION_INVALID,
		 "domain 'web' is already running");

	ia.id = 2;
	dr = call(RVIRT_PROC_DOMAIN_LOOKUP_BY_ID, &ia, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(dr->rvirt_domain_ret_u.dom.name, "web");
	done(RVIRT_PROC_DOMAIN_LOOKUP_BY_ID, dr);
	dr = call(RVIRT_PROC_DOMAIN_LOOKUP_BY_UUID, &ua, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(dr->rvirt_domain_ret_u.dom.name, "web");
	done(RVIRT_PROC_DOMAIN_LOOKUP_BY_UUID, dr);

	ir = call(RVIRT_PROC_DOMAIN_GET_INFO, &da, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(ir->rvirt_domain_info_ret_u.info.state,
			 RVIRT_DOMAIN_RUNNING);
	assert_int_equal(ir->rvirt_domain_info_ret_u.info.max_mem_kib, 65536);
	assert_int_equal(ir->rvirt_domain_info_ret_u.info.nr_vcpus, 2);
	done(RVIRT_PROC_DOMAIN_GET_INFO, ir);

	xr = call(RVIRT_PROC_DOMAIN_GET_XML_DESC, &da, &rc, &err);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(xr->rvirt_xml_ret_u.xml, "id=\"2\""));
	done(RVIRT_PROC_DOMAIN_GET_XML_DESC, xr);

	lr = call(RVIRT_PROC_DOMAIN_LIST_ALL,
		  &(struct rvirt_domain_list_args){ RVIRT_LIST_ACTIVE }, &rc,
		  &err);
	assert_int_equal(rc, 0);
	assert_int_equal(lr->rvirt_domain_list_ret_u.domains.domains_len, 2);
	assert_string_equal(
		lr->rvirt_domain_list_ret_u.domains.domains_val[0].name,
		"test");
	assert_string_equal(
		lr->rvirt_domain_list_ret_u.domains.domains_val[1].name, "web");
	done(RVIRT_PROC_DOMAIN_LIST_ALL, lr);

	nr = call(RVIRT_PROC_NODE_GET_INFO, NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(nr->rvirt_node_info_ret_u.info.model, "x86_64");
	assert_int_equal(nr->rvirt_node_info_ret_u.info.cpus, 16);
	done(RVIRT_PROC_NODE_GET_INFO, nr);

	call_ok(RVIRT_PROC_DOMAIN_SUSPEND, &da);
	call_ok(RVIRT_PROC_DOMAIN_RESUME, &da);
	call_ok(RVIRT_PROC_DOMAIN_REBOOT, &da);
	call_ok(RVIRT_PROC_DOMAIN_SHUTDOWN, &da);
	call_bad(RVIRT_PROC_DOMAIN_DESTROY, &da, RVIRT_ERR_OPERATION_INVALID,
		 "domain 'web' is not running");
	call_ok(RVIRT_PROC_DOMAIN_UNDEFINE, &da);
	call_bad(RVIRT_PROC_DOMAIN_GET_STATE, &da, RVIRT_ERR_NO_DOMAIN,
		 "no domain with uuid");
	call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME,
		 &(struct rvirt_lookup_name_args){ .name = "web" },
		 RVIRT_ERR_NO_DOMAIN, "domain 'web' not found");

	/* Transient. */
	dr = call(RVIRT_PROC_DOMAIN_CREATE_XML, &xa, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(dr->rvirt_domain_ret_u.dom.id, 3);
	memcpy(da.dom.uuid, dr->rvirt_domain_ret_u.dom.uuid, 16);
	done(RVIRT_PROC_DOMAIN_CREATE_XML, dr);
	call_ok(RVIRT_PROC_DOMAIN_DESTROY, &da);
	call_bad(RVIRT_PROC_DOMAIN_GET_INFO, &da, RVIRT_ERR_NO_DOMAIN, "");
}

static void
test_bad_args(void **state)
{
	struct rvirt_domain_xml_args xa = { .xml = "" };
	struct rvirt_domain_args da;
	char longname[300];

	(void)state;
	open_conn(0);
	dom_args(&da, "test");
	call_bad(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, RVIRT_ERR_XML, "empty");
	xa.xml = "<domain";
	call_bad(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, RVIRT_ERR_XML,
		 "invalid domain xml");
	xa.xml = "<domain type='test'><name>a</name><memory>1</memory>"
		 "</domain>";
	xa.flags = 1;
	call_bad(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags 0x1");
	da.flags = 4;
	call_bad(RVIRT_PROC_DOMAIN_DESTROY, &da, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags");
	da.flags = 0;
	call_bad(RVIRT_PROC_DOMAIN_LIST_ALL,
		 &(struct rvirt_domain_list_args){ 4 }, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags");
	call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME,
		 &(struct rvirt_lookup_name_args){ .name = "" },
		 RVIRT_ERR_INVALID_ARG, "empty");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME,
		 &(struct rvirt_lookup_name_args){ .name = longname },
		 RVIRT_ERR_INVALID_ARG, "longer than 255");
	call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_ID,
		 &(struct rvirt_lookup_id_args){ -1 }, RVIRT_ERR_NO_DOMAIN,
		 "id -1");
	/* The failed define left nothing behind. */
	call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME,
		 &(struct rvirt_lookup_name_args){ .name = "a" },
		 RVIRT_ERR_NO_DOMAIN, "");
}

/* The pinning procedures on the test driver's default domain (2 vcpus). */
static void
test_pinning(void **state)
{
	struct rvirt_domain_args da;
	struct rvirt_pin_vcpu_args pa;
	struct rvirt_pin_emulator_args ea;
	struct rvirt_pin_info_args ia;
	struct rvirt_vcpu_pin_info_ret *pr;
	struct rvirt_cpumap_ret *cr;
	struct rvirt_vcpus_ret *vr;
	struct rvirt_node_cpu_map_ret *nr;
	struct rvirt_int_ret *ir;
	struct rvirt_error err;
	char cpu3[1] = { 0x08 }, none[2] = { 0, 0 }, far[3] = { 0, 0, 0x10 };
	char cpus01[1] = { 0x03 };
	int rc;

	(void)state;
	open_conn(0);
	dom_args(&da, "test");
	memset(&pa, 0, sizeof(pa));
	pa.dom = da.dom;
	pa.vcpu = 1;
	pa.cpumap.rvirt_cpumap_len = 1;
	pa.cpumap.rvirt_cpumap_val = cpu3;
	pa.flags = RVIRT_AFFECT_LIVE;
	call_ok(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa);

	memset(&ia, 0, sizeof(ia));
	ia.dom = da.dom;
	ia.flags = RVIRT_AFFECT_LIVE;
	pr = call(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, &ia, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(pr->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len, 2);
	/* vcpu 0 keeps all 16 simulated cpus, vcpu 1 has cpu 3 alone. */
	assert_int_equal(pr->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_val[0]
				 .rvirt_cpumap_len,
			 2);
	assert_int_equal(pr->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_val[1]
				 .rvirt_cpumap_len,
			 1);
	assert_int_equal((unsigned char)pr->rvirt_vcpu_pin_info_ret_u.cpumaps
				 .cpumaps_val[1]
				 .rvirt_cpumap_val[0],
			 0x08);
	done(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, pr);
	/* The definition did not change. */
	ia.flags = RVIRT_AFFECT_CONFIG;
	pr = call(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, &ia, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(pr->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_val[1]
				 .rvirt_cpumap_len,
			 2);
	done(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, pr);
	ia.flags = RVIRT_AFFECT_LIVE | RVIRT_AFFECT_CONFIG;
	call_bad(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, &ia,
		 RVIRT_ERR_INVALID_ARG, "at once");

	/* Bad maps and flags. */
	pa.cpumap.rvirt_cpumap_len = 2;
	pa.cpumap.rvirt_cpumap_val = none;
	call_bad(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa, RVIRT_ERR_INVALID_ARG,
		 "empty");
	pa.cpumap.rvirt_cpumap_len = 3;
	pa.cpumap.rvirt_cpumap_val = far;
	call_bad(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa, RVIRT_ERR_INVALID_CPUSET,
		 "no cpu 20");
	pa.cpumap.rvirt_cpumap_len = 1;
	pa.cpumap.rvirt_cpumap_val = cpu3;
	pa.flags = 4;
	call_bad(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags");
	pa.flags = 0;
	pa.vcpu = 2;
	call_bad(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa, RVIRT_ERR_INVALID_ARG,
		 "no vcpu 2");

	/* Emulator: config only, then read back. */
	memset(&ea, 0, sizeof(ea));
	ea.dom = da.dom;
	ea.cpumap.rvirt_cpumap_len = 1;
	ea.cpumap.rvirt_cpumap_val = cpus01;
	ea.flags = RVIRT_AFFECT_CONFIG;
	call_ok(RVIRT_PROC_DOMAIN_PIN_EMULATOR, &ea);
	ia.flags = RVIRT_AFFECT_CONFIG;
	cr = call(RVIRT_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, &ia, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(cr->rvirt_cpumap_ret_u.cpumap.rvirt_cpumap_len, 1);
	assert_int_equal(cr->rvirt_cpumap_ret_u.cpumap.rvirt_cpumap_val[0],
			 0x03);
	done(RVIRT_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, cr);

	vr = call(RVIRT_PROC_DOMAIN_GET_VCPUS, &da, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(vr->rvirt_vcpus_ret_u.vcpus.vcpus_len, 2);
	assert_int_equal(vr->rvirt_vcpus_ret_u.vcpus.vcpus_val[1].cpu, 3);
	assert_int_equal(vr->rvirt_vcpus_ret_u.vcpus.vcpus_val[1].state,
			 RVIRT_VCPU_RUNNING);
	done(RVIRT_PROC_DOMAIN_GET_VCPUS, vr);

	nr = call(RVIRT_PROC_NODE_GET_CPU_MAP,
		  &(struct rvirt_node_cpu_map_args){ 0 }, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(nr->rvirt_node_cpu_map_ret_u.map.cpus, 16);
	assert_int_equal(nr->rvirt_node_cpu_map_ret_u.map.online, 16);
	assert_int_equal(
		nr->rvirt_node_cpu_map_ret_u.map.cpumap.rvirt_cpumap_len, 2);
	done(RVIRT_PROC_NODE_GET_CPU_MAP, nr);
	call_bad(RVIRT_PROC_NODE_GET_CPU_MAP,
		 &(struct rvirt_node_cpu_map_args){ 1 }, RVIRT_ERR_INVALID_ARG,
		 "unsupported flags");

	call_ok(RVIRT_PROC_DOMAIN_SET_AUTOSTART,
		&(struct rvirt_autostart_args){ .dom = da.dom,
						.autostart = 1 });
	ir = call(RVIRT_PROC_DOMAIN_GET_AUTOSTART, &da, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(ir->rvirt_int_ret_u.value, 1);
	done(RVIRT_PROC_DOMAIN_GET_AUTOSTART, ir);
	call_bad(
		RVIRT_PROC_DOMAIN_SET_AUTOSTART,
		&(struct rvirt_autostart_args){ .dom = da.dom, .autostart = 2 },
		RVIRT_ERR_INVALID_ARG, "neither 0 nor 1");

	/* The changes are refused on a read-only connection. */
	sess.readonly = true;
	pa.vcpu = 0;
	call_bad(RVIRT_PROC_DOMAIN_PIN_VCPU, &pa, RVIRT_ERR_ACCESS_DENIED,
		 "'DOMAIN_PIN_VCPU'");
	call_bad(RVIRT_PROC_DOMAIN_PIN_EMULATOR, &ea, RVIRT_ERR_ACCESS_DENIED,
		 "'DOMAIN_PIN_EMULATOR'");
	call_bad(RVIRT_PROC_DOMAIN_SET_AUTOSTART,
		 &(struct rvirt_autostart_args){ .dom = da.dom },
		 RVIRT_ERR_ACCESS_DENIED, "'DOMAIN_SET_AUTOSTART'");
	ia.flags = 0;
	call_ok(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, &ia);
}

/* A full store surfaces as an error reply; the domain is not half made. */
static void
test_store_full(void **state)
{
	struct rvirt_domain_xml_args xa;
	struct rvirt_error err;
	char *xml;
	size_t n = 200 * 1024;
	int rc = 0, i;
	void *ret;

	(void)state;
	open_conn(0);
	xml = malloc(n + 200);
	assert_non_null(xml);
	for (i = 0; i < 20 && rc == 0; i++) {
		int len = snprintf(xml, 200,
				   "<domain type='test'><name>big%d</name>"
				   "<memory>1</memory><description>",
				   i);

		memset(xml + len, 'd', n);
		strcpy(xml + len + n, "</description></domain>");
		xa.xml = xml;
		xa.flags = 0;
		ret = call(RVIRT_PROC_DOMAIN_DEFINE_XML, &xa, &rc, &err);
		if (rc == 0)
			done(RVIRT_PROC_DOMAIN_DEFINE_XML, ret);
		else
			done_err(RVIRT_PROC_DOMAIN_DEFINE_XML, ret);
	}
	free(xml);
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE_FULL);
	assert_non_null(strstr(err.message, "store_max_size"));
	i--;
	{
		char name[32];

		snprintf(name, sizeof(name), "big%d", i);
		call_bad(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME,
			 &(struct rvirt_lookup_name_args){ .name = name },
			 RVIRT_ERR_NO_DOMAIN, "not found");
	}
	/* Reads still work. */
	call_ok(RVIRT_PROC_DOMAIN_LIST_ALL,
		&(struct rvirt_domain_list_args){ 0 });
}

static void
test_release(void **state)
{
	(void)state;
	open_conn(0);
	dispatch_session_release(&sess);
	assert_null(sess.hv);
	/* The record stays: a dropped connection may resume later. */
	check_session_record(true, false);
	dispatch_session_release(&sess);
	dispatch_session_release(NULL);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/t1002-XXXXXX",
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_sess, teardown_sess)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_table),		T(test_auth_required),
		T(test_no_connect),	T(test_open_close),
		T(test_open_errors),	T(test_read_only_socket),
		T(test_read_only_flag), T(test_domain_flow),
		T(test_bad_args),	T(test_store_full),
		T(test_release),	T(test_pinning),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
