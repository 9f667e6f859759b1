/* SPDX-License-Identifier: MIT */
/* dispatch: the procedure table, the access rules and every handler. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../common/uuid.h"
#include "../common/log.h"
#include "auth.h"
#include "dispatch.h"
#include "session.h"

static int
dispatch_oom(const char *what, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
		"cannot %s: out of memory", what);
	return -1;
}

static char *
dispatch_strdup(const char *s, struct rvirt_error *err)
{
	char *d = strdup(s);

	if (!d)
		dispatch_oom("copy a result string", err);
	return d;
}

/* Only 0 is defined for the flags of domain calls so far. */
static int
dispatch_check_flags(unsigned int flags, unsigned int allowed, const char *what,
		     struct rvirt_error *err)
{
	if (flags & ~allowed) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot %s: unsupported flags 0x%x", what,
			flags & ~allowed);
		return -1;
	}
	return 0;
}

static int
dispatch_check_name(const char *name, struct rvirt_error *err)
{
	if (!name || !*name) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"domain name is empty");
		return -1;
	}
	if (strlen(name) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"domain name '%.32s...' is longer than %d bytes", name,
			RVIRT_NAME_MAX);
		return -1;
	}
	return 0;
}

static int
dispatch_ref_from_wire(const struct rvirt_wire_domain *w,
		       struct hv_domain_ref *ref, struct rvirt_error *err)
{
	memset(ref, 0, sizeof(*ref));
	/* Lifecycle calls match by uuid; the name is only a courtesy. */
	if (w->name) {
		if (strlen(w->name) > HV_NAME_MAX) {
			err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
				"domain name '%.32s...' is longer than %d "
				"bytes",
				w->name, HV_NAME_MAX);
			return -1;
		}
		strcpy(ref->name, w->name);
	}
	memcpy(ref->uuid, w->uuid, RVIRT_UUID_BUFLEN);
	ref->id = w->id;
	return 0;
}

static int
dispatch_ref_to_wire(const struct hv_domain_ref *ref,
		     struct rvirt_wire_domain *w, struct rvirt_error *err)
{
	w->name = dispatch_strdup(ref->name, err);
	if (!w->name)
		return -1;
	memcpy(w->uuid, ref->uuid, RVIRT_UUID_BUFLEN);
	w->id = ref->id;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Connection procedures                                             */
/* ---------------------------------------------------------------- */

static int
proc_auth_list(struct call *call, void *args, void *retp,
	       struct rvirt_error *err)
{
	struct rvirt_auth_list_ret *ret = retp;
	struct session_state *sess = call->sess;
	unsigned int n = sess->nauth_methods;
	int *methods = NULL;

	(void)args;
	if (n > RVIRT_AUTH_METHODS_MAX) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"session lists %u auth methods, more than %d", n,
			RVIRT_AUTH_METHODS_MAX);
		return -1;
	}
	if (n > 0) {
		methods = calloc(n, sizeof(*methods));
		if (!methods)
			return dispatch_oom("list auth methods", err);
		memcpy(methods, sess->auth_methods, n * sizeof(*methods));
	}
	ret->status = RVIRT_OK;
	ret->rvirt_auth_list_ret_u.methods.methods_len = n;
	ret->rvirt_auth_list_ret_u.methods.methods_val = methods;
	return 0;
}

/* Write the session record for a new cookie in its own transaction. */
static int
dispatch_session_store(struct store *st, const unsigned char *cookie,
		       const char *uri, const char *identity, bool readonly,
		       struct rvirt_error *err)
{
	struct store_txn *txn = store_txn_begin(st, true, err);

	if (!txn)
		return -1;
	if (session_create(txn, cookie, uri, identity, readonly,
			   (uint64_t)time(NULL), err) < 0) {
		store_txn_abort(txn);
		return -1;
	}
	return store_txn_commit(txn, err);
}

static int
proc_connect_open(struct call *call, void *argsp, void *retp,
		  struct rvirt_error *err)
{
	struct rvirt_connect_open_args *args = argsp;
	struct rvirt_connect_open_ret *ret = retp;
	struct session_state *sess = call->sess;
	unsigned char cookie[RVIRT_COOKIE_LEN];
	char principal[SESSION_IDENTITY_MAX + 1];
	struct hv_conn *hv;
	bool readonly;

	if (sess->hv) {
		err_set(err, RVIRT_ERR_ALREADY_OPEN, RVIRT_FROM_SERVER,
			"connection already open to '%s': call CONNECT_CLOSE "
			"first",
			hv_uri(sess->hv));
		return -1;
	}
	if (dispatch_check_flags(args->flags, RVIRT_CONNECT_RO,
				 "open a connection", err) < 0)
		return -1;
	if (!call->store) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"cannot open a connection: no store");
		return -1;
	}
	readonly = sess->readonly || (args->flags & RVIRT_CONNECT_RO);
	hv = hv_open(args->uri, call->store, err);
	if (!hv)
		return -1;
	if (random_bytes(cookie, sizeof(cookie)) < 0) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot make a session cookie: no random bytes");
		goto fail;
	}
	session_principal(sess->identity, principal, sizeof(principal));
	if (dispatch_session_store(call->store, cookie, hv_uri(hv), principal,
				   readonly, err) < 0)
		goto fail;
	sess->hv = hv;
	sess->readonly = readonly;
	memcpy(sess->cookie, cookie, sizeof(cookie));
	ret->status = RVIRT_OK;
	memcpy(ret->rvirt_connect_open_ret_u.cookie, cookie, sizeof(cookie));
	explicit_bzero(cookie, sizeof(cookie));
	return 0;
fail:
	explicit_bzero(cookie, sizeof(cookie));
	hv_close(hv);
	return -1;
}

static int
proc_connect_close(struct call *call, void *args, void *retp,
		   struct rvirt_error *err)
{
	struct rvirt_void_ret *ret = retp;
	struct session_state *sess = call->sess;
	struct store_txn *txn;
	int rc = -1;

	(void)args;
	/*
	 * The connection ends whatever happens to the record: a client
	 * that asked to close must not be left holding a half-open one.
	 * A record that could not be deleted is collected by expiry.
	 */
	txn = store_txn_begin(call->store, true, err);
	if (txn) {
		if (session_delete(txn, sess->cookie, err) < 0)
			store_txn_abort(txn);
		else if (store_txn_commit(txn, err) == 0)
			rc = 0;
	}
	hv_close(sess->hv);
	sess->hv = NULL;
	explicit_bzero(sess->cookie, sizeof(sess->cookie));
	if (rc < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

/*
 * Resume the session of a cookie on a new connection: the identity must
 * be the one that opened it, and the connection's access may not be
 * weaker than the session's.  The session's last use is updated in the
 * same transaction, so a session in use never expires.
 */
static int
proc_connect_reconnect(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_connect_reconnect_args *args = argsp;
	const unsigned char *cookie = (const unsigned char *)args->cookie;
	struct rvirt_void_ret *ret = retp;
	struct session_state *sess = call->sess;
	struct session_record *rec = NULL;
	char principal[SESSION_IDENTITY_MAX + 1];
	struct store_txn *txn = NULL;
	uint64_t now = (uint64_t)time(NULL);
	struct hv_conn *hv = NULL;
	int r, rc = -1;

	if (sess->hv) {
		err_set(err, RVIRT_ERR_ALREADY_OPEN, RVIRT_FROM_SERVER,
			"connection already open to '%s': call CONNECT_CLOSE "
			"first",
			hv_uri(sess->hv));
		return -1;
	}
	if (dispatch_check_flags(args->flags, 0, "resume a session", err) < 0)
		return -1;
	if (!call->store) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"cannot resume a session: no store");
		return -1;
	}
	rec = malloc(sizeof(*rec));
	if (!rec)
		return dispatch_oom("resume a session", err);
	txn = store_txn_begin(call->store, true, err);
	if (!txn)
		goto out;
	r = session_load(txn, cookie, rec, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		err_set(err, RVIRT_ERR_NO_SESSION, RVIRT_FROM_SERVER,
			"cannot resume the session: no such session (it was "
			"closed, or it expired and was collected)");
		goto out;
	}
	session_principal(sess->identity, principal, sizeof(principal));
	if (strcmp(rec->identity, principal) != 0) {
		/* The cookie is a secret: say nothing of whose it is. */
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot resume the session: it belongs to another "
			"identity than '%s'",
			principal);
		goto out;
	}
	if (session_expired(rec, now)) {
		err_set(err, RVIRT_ERR_SESSION_EXPIRED, RVIRT_FROM_SERVER,
			"cannot resume the session: it expired after %llu s "
			"idle (session_ttl is %llu s)",
			(unsigned long long)(now - rec->last_used),
			(unsigned long long)session_options()->ttl_s);
		goto out;
	}
	if (sess->readonly && !rec->readonly) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot resume a read-write session on a read-only "
			"connection");
		goto out;
	}
	if (session_touch(txn, cookie, now, err) < 0)
		goto out;
	r = store_txn_commit(txn, err);
	txn = NULL;
	if (r < 0)
		goto out;
	/* After the commit: a driver may open transactions of its own. */
	hv = hv_open(rec->uri, call->store, err);
	if (!hv)
		goto out;
	sess->hv = hv;
	hv = NULL;
	sess->readonly = sess->readonly || rec->readonly;
	memcpy(sess->cookie, cookie, RVIRT_COOKIE_LEN);
	ret->status = RVIRT_OK;
	rc = 0;
out:
	store_txn_abort(txn);
	hv_close(hv);
	free(rec);
	return rc;
}

static int
proc_connect_get_type(struct call *call, void *args, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_string_ret *ret = retp;
	char *s;

	(void)args;
	s = dispatch_strdup(hv_type(call->sess->hv), err);
	if (!s)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_string_ret_u.value = s;
	return 0;
}

static int
proc_connect_get_version(struct call *call, void *args, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_version_ret *ret = retp;

	(void)args;
	(void)err;
	ret->status = RVIRT_OK;
	ret->rvirt_version_ret_u.number = hv_version(call->sess->hv);
	return 0;
}

static int
proc_connect_get_hostname(struct call *call, void *args, void *retp,
			  struct rvirt_error *err)
{
	struct rvirt_string_ret *ret = retp;
	char host[HOST_NAME_MAX + 1];
	char *s;

	(void)call;
	(void)args;
	if (gethostname(host, sizeof(host)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot get the host name");
		return -1;
	}
	host[sizeof(host) - 1] = '\0';
	s = dispatch_strdup(host, err);
	if (!s)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_string_ret_u.value = s;
	return 0;
}

static int
proc_connect_get_uri(struct call *call, void *args, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_string_ret *ret = retp;
	char *s;

	(void)args;
	s = dispatch_strdup(hv_uri(call->sess->hv), err);
	if (!s)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_string_ret_u.value = s;
	return 0;
}

static int
proc_connect_get_capabilities(struct call *call, void *args, void *retp,
			      struct rvirt_error *err)
{
	struct rvirt_xml_ret *ret = retp;
	char *xml = NULL;

	(void)args;
	if (hv_capabilities(call->sess->hv, &xml, err) < 0)
		return -1;
	if (strlen(xml) > RVIRT_XML_MAX) {
		free(xml);
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"capabilities xml is longer than %d bytes",
			RVIRT_XML_MAX);
		return -1;
	}
	ret->status = RVIRT_OK;
	ret->rvirt_xml_ret_u.xml = xml;
	return 0;
}

static int
proc_node_get_info(struct call *call, void *args, void *retp,
		   struct rvirt_error *err)
{
	struct rvirt_node_info_ret *ret = retp;
	struct rvirt_wire_node_info *wi = &ret->rvirt_node_info_ret_u.info;
	struct hv_node_info info;
	char *model;

	(void)args;
	memset(&info, 0, sizeof(info));
	if (hv_node_info(call->sess->hv, &info, err) < 0)
		return -1;
	info.model[sizeof(info.model) - 1] = '\0';
	model = dispatch_strdup(info.model, err);
	if (!model)
		return -1;
	ret->status = RVIRT_OK;
	wi->model = model;
	wi->memory_kib = info.memory_kib;
	wi->cpus = info.cpus;
	wi->mhz = info.mhz;
	wi->nodes = info.nodes;
	wi->sockets = info.sockets;
	wi->cores = info.cores;
	wi->threads = info.threads;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Domain procedures                                                 */
/* ---------------------------------------------------------------- */

static int
proc_domain_list_all(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_domain_list_args *args = argsp;
	struct rvirt_domain_list_ret *ret = retp;
	struct hv_domain_ref *refs = NULL;
	struct rvirt_wire_domain *doms = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (dispatch_check_flags(args->flags,
				 RVIRT_LIST_ACTIVE | RVIRT_LIST_INACTIVE,
				 "list domains", err) < 0)
		return -1;
	if (hv_domain_list(call->sess->hv, call->txn, args->flags,
			   RVIRT_DOMAIN_LIST_MAX, &refs, &n, err) < 0)
		return -1;
	if (n > RVIRT_DOMAIN_LIST_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot list domains: more than %d",
			RVIRT_DOMAIN_LIST_MAX);
		goto out;
	}
	if (n > 0) {
		doms = calloc(n, sizeof(*doms));
		if (!doms) {
			dispatch_oom("list domains", err);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (dispatch_ref_to_wire(&refs[i], &doms[i], err) < 0) {
			while (i-- > 0)
				free(doms[i].name);
			free(doms);
			goto out;
		}
	}
	ret->status = RVIRT_OK;
	ret->rvirt_domain_list_ret_u.domains.domains_len = (u_int)n;
	ret->rvirt_domain_list_ret_u.domains.domains_val = doms;
	rc = 0;
out:
	free(refs);
	return rc;
}

static int
dispatch_domain_ret(const struct hv_domain_ref *ref,
		    struct rvirt_domain_ret *ret, struct rvirt_error *err)
{
	if (dispatch_ref_to_wire(ref, &ret->rvirt_domain_ret_u.dom, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_lookup_by_name(struct call *call, void *argsp, void *retp,
			   struct rvirt_error *err)
{
	struct rvirt_lookup_name_args *args = argsp;
	struct hv_domain_ref ref;

	if (dispatch_check_name(args->name, err) < 0 ||
	    hv_domain_lookup_name(call->sess->hv, call->txn, args->name, &ref,
				  err) < 0)
		return -1;
	return dispatch_domain_ret(&ref, retp, err);
}

static int
proc_domain_lookup_by_uuid(struct call *call, void *argsp, void *retp,
			   struct rvirt_error *err)
{
	struct rvirt_lookup_uuid_args *args = argsp;
	struct hv_domain_ref ref;

	if (hv_domain_lookup_uuid(call->sess->hv, call->txn,
				  (const unsigned char *)args->uuid, &ref,
				  err) < 0)
		return -1;
	return dispatch_domain_ret(&ref, retp, err);
}

static int
proc_domain_lookup_by_id(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_lookup_id_args *args = argsp;
	struct hv_domain_ref ref;

	if (hv_domain_lookup_id(call->sess->hv, call->txn, args->id, &ref,
				err) < 0)
		return -1;
	return dispatch_domain_ret(&ref, retp, err);
}

static int
dispatch_check_xml(const struct rvirt_domain_xml_args *args, const char *what,
		   struct rvirt_error *err)
{
	if (dispatch_check_flags(args->flags, 0, what, err) < 0)
		return -1;
	if (!args->xml || !*args->xml) {
		err_set(err, RVIRT_ERR_XML, RVIRT_FROM_SERVER,
			"cannot %s: the domain xml is empty", what);
		return -1;
	}
	return 0;
}

static int
proc_domain_define_xml(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_domain_xml_args *args = argsp;
	struct hv_domain_ref ref;

	if (dispatch_check_xml(args, "define a domain", err) < 0 ||
	    hv_domain_define(call->sess->hv, call->txn, args->xml, &ref, err) <
		    0)
		return -1;
	return dispatch_domain_ret(&ref, retp, err);
}

static int
proc_domain_create_xml(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_domain_xml_args *args = argsp;
	struct hv_domain_ref ref;

	if (dispatch_check_xml(args, "create a domain", err) < 0 ||
	    hv_domain_create_xml(call->sess->hv, call->txn, args->xml, &ref,
				 err) < 0)
		return -1;
	return dispatch_domain_ret(&ref, retp, err);
}

/* Decode the domain argument of the calls that name one domain. */
static int
dispatch_domain_arg(const struct rvirt_domain_args *args, const char *what,
		    struct hv_domain_ref *ref, struct rvirt_error *err)
{
	if (dispatch_check_flags(args->flags, 0, what, err) < 0)
		return -1;
	return dispatch_ref_from_wire(&args->dom, ref, err);
}

static int
proc_domain_create(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	struct hv_domain_ref ref, out;

	if (dispatch_domain_arg(argsp, "start a domain", &ref, err) < 0 ||
	    hv_domain_create(call->sess->hv, call->txn, &ref, &out, err) < 0)
		return -1;
	return dispatch_domain_ret(&out, retp, err);
}

typedef int (*dispatch_lifecycle_fn)(struct hv_conn *c, struct store_txn *txn,
				     const struct hv_domain_ref *dom,
				     struct rvirt_error *err);

static int
dispatch_lifecycle(struct call *call, void *argsp, void *retp,
		   dispatch_lifecycle_fn fn, const char *what,
		   struct rvirt_error *err)
{
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;

	if (dispatch_domain_arg(argsp, what, &ref, err) < 0 ||
	    fn(call->sess->hv, call->txn, &ref, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_undefine(struct call *call, void *args, void *ret,
		     struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_undefine,
				  "undefine a domain", err);
}

static int
proc_domain_destroy(struct call *call, void *args, void *ret,
		    struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_destroy,
				  "destroy a domain", err);
}

static int
proc_domain_shutdown(struct call *call, void *args, void *ret,
		     struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_shutdown,
				  "shut a domain down", err);
}

static int
proc_domain_reboot(struct call *call, void *args, void *ret,
		   struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_reboot,
				  "reboot a domain", err);
}

static int
proc_domain_suspend(struct call *call, void *args, void *ret,
		    struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_suspend,
				  "suspend a domain", err);
}

static int
proc_domain_resume(struct call *call, void *args, void *ret,
		   struct rvirt_error *err)
{
	return dispatch_lifecycle(call, args, ret, hv_domain_resume,
				  "resume a domain", err);
}

static int
proc_domain_get_info(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_domain_info_ret *ret = retp;
	struct rvirt_wire_domain_info *wi = &ret->rvirt_domain_info_ret_u.info;
	struct hv_domain_ref ref;
	struct hv_domain_info info;

	if (dispatch_domain_arg(argsp, "get domain info", &ref, err) < 0 ||
	    hv_domain_get_info(call->sess->hv, call->txn, &ref, &info, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	wi->state = info.state;
	wi->max_mem_kib = info.max_mem_kib;
	wi->memory_kib = info.memory_kib;
	wi->nr_vcpus = info.nr_vcpus;
	wi->cpu_time_ns = info.cpu_time_ns;
	return 0;
}

static int
proc_domain_get_state(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_domain_state_ret *ret = retp;
	struct hv_domain_ref ref;
	int state, reason;

	if (dispatch_domain_arg(argsp, "get domain state", &ref, err) < 0 ||
	    hv_domain_get_state(call->sess->hv, call->txn, &ref, &state,
				&reason, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_domain_state_ret_u.st.state = state;
	ret->rvirt_domain_state_ret_u.st.reason = reason;
	return 0;
}

static int
proc_domain_get_xml_desc(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_xml_ret *ret = retp;
	struct hv_domain_ref ref;
	char *xml = NULL;

	if (dispatch_domain_arg(argsp, "get domain xml", &ref, err) < 0 ||
	    hv_domain_get_xml(call->sess->hv, call->txn, &ref, &xml, err) < 0)
		return -1;
	if (strlen(xml) > RVIRT_XML_MAX) {
		free(xml);
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"domain xml is longer than %d bytes", RVIRT_XML_MAX);
		return -1;
	}
	ret->status = RVIRT_OK;
	ret->rvirt_xml_ret_u.xml = xml;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Placement and pinning                                             */
/* ---------------------------------------------------------------- */

#define DISPATCH_AFFECT_ALL (RVIRT_AFFECT_LIVE | RVIRT_AFFECT_CONFIG)

/* A cpu map from the wire: not empty, no CPU beyond the cap. */
static int
dispatch_cpumap_in(const rvirt_cpumap *m, const char *what, struct cpuset *out,
		   struct rvirt_error *err)
{
	if (cpuset_from_bytes((const unsigned char *)m->rvirt_cpumap_val,
			      m->rvirt_cpumap_len, out) < 0) {
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_SERVER,
			"cannot %s: the cpu map names a cpu above %d", what,
			CPUSET_MAX_CPUS - 1);
		return -1;
	}
	if (cpuset_count(out) == 0) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot %s: the cpu map is empty", what);
		return -1;
	}
	return 0;
}

/* A cpu map for the wire, malloc'd (freed by the engine's xdr_free). */
static int
dispatch_cpumap_out(const struct cpuset *set, rvirt_cpumap *m,
		    struct rvirt_error *err)
{
	unsigned char buf[RVIRT_CPUMAP_MAX];
	size_t n = cpuset_to_bytes(set, buf, sizeof(buf));

	m->rvirt_cpumap_len = 0;
	m->rvirt_cpumap_val = NULL;
	if (n == 0)
		return 0;
	m->rvirt_cpumap_val = malloc(n);
	if (!m->rvirt_cpumap_val)
		return dispatch_oom("return a cpu map", err);
	memcpy(m->rvirt_cpumap_val, buf, n);
	m->rvirt_cpumap_len = (u_int)n;
	return 0;
}

static int
proc_domain_pin_vcpu(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_pin_vcpu_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (dispatch_check_flags(args->flags, DISPATCH_AFFECT_ALL, "pin a vcpu",
				 err) < 0 ||
	    dispatch_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    dispatch_cpumap_in(&args->cpumap, "pin a vcpu", &set, err) < 0 ||
	    hv_domain_pin_vcpu(call->sess->hv, call->txn, &ref, args->vcpu,
			       &set, args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_get_vcpu_pin_info(struct call *call, void *argsp, void *retp,
			      struct rvirt_error *err)
{
	struct rvirt_pin_info_args *args = argsp;
	struct rvirt_vcpu_pin_info_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset *sets = NULL;
	rvirt_cpumap *maps = NULL;
	size_t n = 0;
	int rc = -1;

	if (dispatch_check_flags(args->flags, DISPATCH_AFFECT_ALL,
				 "get the vcpu pinning", err) < 0 ||
	    dispatch_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_get_vcpu_pin_info(call->sess->hv, call->txn, &ref,
					args->flags, &sets, &n, err) < 0)
		return -1;
	if (n > RVIRT_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot get the vcpu pinning: more than %d vcpus",
			RVIRT_VCPUS_MAX);
		goto out;
	}
	/* Set before filling: the engine frees what was filled on error. */
	ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len = 0;
	if (n > 0) {
		maps = calloc(n, sizeof(*maps));
		if (!maps) {
			dispatch_oom("get the vcpu pinning", err);
			goto out;
		}
	}
	ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_val = maps;
	for (size_t i = 0; i < n; i++) {
		if (dispatch_cpumap_out(&sets[i], &maps[i], err) < 0)
			goto out;
		ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len =
			(u_int)(i + 1);
	}
	ret->status = RVIRT_OK;
	rc = 0;
out:
	free(sets);
	return rc;
}

static int
proc_domain_get_vcpus(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_vcpus_ret *ret = retp;
	struct hv_domain_ref ref;
	struct hv_vcpu_info *info = NULL;
	rvirt_wire_vcpu_info *w = NULL;
	size_t n = 0;
	int rc = -1;

	if (dispatch_domain_arg(argsp, "get the vcpus", &ref, err) < 0 ||
	    hv_domain_get_vcpus(call->sess->hv, call->txn, &ref, &info, &n,
				err) < 0)
		return -1;
	if (n > RVIRT_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot get the vcpus: more than %d", RVIRT_VCPUS_MAX);
		goto out;
	}
	ret->rvirt_vcpus_ret_u.vcpus.vcpus_len = 0;
	if (n > 0) {
		w = calloc(n, sizeof(*w));
		if (!w) {
			dispatch_oom("get the vcpus", err);
			goto out;
		}
	}
	ret->rvirt_vcpus_ret_u.vcpus.vcpus_val = w;
	for (size_t i = 0; i < n; i++) {
		w[i].number = info[i].number;
		w[i].state = info[i].state;
		w[i].cpu_time_ns = info[i].cpu_time_ns;
		w[i].cpu = info[i].cpu;
		if (dispatch_cpumap_out(&info[i].affinity, &w[i].affinity,
					err) < 0)
			goto out;
		ret->rvirt_vcpus_ret_u.vcpus.vcpus_len = (u_int)(i + 1);
	}
	ret->status = RVIRT_OK;
	rc = 0;
out:
	free(info);
	return rc;
}

static int
proc_domain_pin_emulator(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_pin_emulator_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (dispatch_check_flags(args->flags, DISPATCH_AFFECT_ALL,
				 "pin the emulator threads", err) < 0 ||
	    dispatch_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    dispatch_cpumap_in(&args->cpumap, "pin the emulator threads", &set,
			       err) < 0 ||
	    hv_domain_pin_emulator(call->sess->hv, call->txn, &ref, &set,
				   args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_get_emulator_pin_info(struct call *call, void *argsp, void *retp,
				  struct rvirt_error *err)
{
	struct rvirt_pin_info_args *args = argsp;
	struct rvirt_cpumap_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (dispatch_check_flags(args->flags, DISPATCH_AFFECT_ALL,
				 "get the emulator pinning", err) < 0 ||
	    dispatch_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_get_emulator_pin_info(call->sess->hv, call->txn, &ref,
					    args->flags, &set, err) < 0 ||
	    dispatch_cpumap_out(&set, &ret->rvirt_cpumap_ret_u.cpumap, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_node_get_cpu_map(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_node_cpu_map_args *args = argsp;
	struct rvirt_node_cpu_map_ret *ret = retp;
	struct rvirt_wire_node_cpu_map *m = &ret->rvirt_node_cpu_map_ret_u.map;
	struct cpuset online;
	unsigned int ncpus = 0;

	if (dispatch_check_flags(args->flags, 0, "get the node cpu map", err) <
		    0 ||
	    hv_node_cpu_map(call->sess->hv, &online, &ncpus, err) < 0 ||
	    dispatch_cpumap_out(&online, &m->cpumap, err) < 0)
		return -1;
	m->cpus = ncpus;
	m->online = cpuset_count(&online);
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_set_autostart(struct call *call, void *argsp, void *retp,
			  struct rvirt_error *err)
{
	struct rvirt_autostart_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;

	if (args->autostart != 0 && args->autostart != 1) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot set autostart: %d is neither 0 nor 1",
			args->autostart);
		return -1;
	}
	if (dispatch_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_set_autostart(call->sess->hv, call->txn, &ref,
				    args->autostart == 1, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

static int
proc_domain_get_autostart(struct call *call, void *argsp, void *retp,
			  struct rvirt_error *err)
{
	struct rvirt_int_ret *ret = retp;
	struct hv_domain_ref ref;
	bool on = false;

	if (dispatch_domain_arg(argsp, "get autostart", &ref, err) < 0 ||
	    hv_domain_get_autostart(call->sess->hv, call->txn, &ref, &on, err) <
		    0)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_int_ret_u.value = on ? 1 : 0;
	return 0;
}

/* ---------------------------------------------------------------- */
/* The table                                                         */
/* ---------------------------------------------------------------- */

#define PROC(num, nm, argt, rett, func, fl)          \
	[num] = { .name = nm,                        \
		  .xdr_args = (xdrproc_t)xdr_##argt, \
		  .args_size = sizeof(argt),         \
		  .xdr_ret = (xdrproc_t)xdr_##rett,  \
		  .ret_size = sizeof(rett),          \
		  .fn = func,                        \
		  .flags = fl }

/*
 * "No argument" / "no result": libtirpc's xdr_void takes no parameters,
 * so it cannot be cast to xdrproc_t cleanly; this one has the shape.
 */
typedef char proc_void;

static bool_t
xdr_proc_void(XDR *xdrs, proc_void *p)
{
	(void)xdrs;
	(void)p;
	return TRUE;
}

/*
 * Flags: connection-level queries (type, version, host name, URI,
 * capabilities, node info) read no domain state, so they run without a
 * store transaction; domain queries get a read transaction, changes a
 * write transaction.  CONNECT_CLOSE is allowed on read-only
 * connections and writes its own transaction.
 */
static const struct proc_entry dispatch_table[] = {
	PROC(RVIRT_PROC_NULL, "NULL", proc_void, proc_void, NULL, PROC_NO_AUTH),
	PROC(RVIRT_PROC_AUTH_LIST, "AUTH_LIST", proc_void, rvirt_auth_list_ret,
	     proc_auth_list, PROC_NO_AUTH),
	PROC(RVIRT_PROC_CONNECT_OPEN, "CONNECT_OPEN", rvirt_connect_open_args,
	     rvirt_connect_open_ret, proc_connect_open, 0),
	PROC(RVIRT_PROC_CONNECT_CLOSE, "CONNECT_CLOSE", proc_void,
	     rvirt_void_ret, proc_connect_close, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_CONNECT_GET_TYPE, "CONNECT_GET_TYPE", proc_void,
	     rvirt_string_ret, proc_connect_get_type, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_CONNECT_GET_VERSION, "CONNECT_GET_VERSION", proc_void,
	     rvirt_version_ret, proc_connect_get_version, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_CONNECT_GET_HOSTNAME, "CONNECT_GET_HOSTNAME", proc_void,
	     rvirt_string_ret, proc_connect_get_hostname, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_CONNECT_GET_URI, "CONNECT_GET_URI", proc_void,
	     rvirt_string_ret, proc_connect_get_uri, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_CONNECT_GET_CAPABILITIES, "CONNECT_GET_CAPABILITIES",
	     proc_void, rvirt_xml_ret, proc_connect_get_capabilities,
	     PROC_NEEDS_HV),
	PROC(RVIRT_PROC_NODE_GET_INFO, "NODE_GET_INFO", proc_void,
	     rvirt_node_info_ret, proc_node_get_info, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_DOMAIN_LIST_ALL, "DOMAIN_LIST_ALL",
	     rvirt_domain_list_args, rvirt_domain_list_ret,
	     proc_domain_list_all, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_LOOKUP_BY_NAME, "DOMAIN_LOOKUP_BY_NAME",
	     rvirt_lookup_name_args, rvirt_domain_ret,
	     proc_domain_lookup_by_name, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_LOOKUP_BY_UUID, "DOMAIN_LOOKUP_BY_UUID",
	     rvirt_lookup_uuid_args, rvirt_domain_ret,
	     proc_domain_lookup_by_uuid, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_LOOKUP_BY_ID, "DOMAIN_LOOKUP_BY_ID",
	     rvirt_lookup_id_args, rvirt_domain_ret, proc_domain_lookup_by_id,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_DEFINE_XML, "DOMAIN_DEFINE_XML",
	     rvirt_domain_xml_args, rvirt_domain_ret, proc_domain_define_xml,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_UNDEFINE, "DOMAIN_UNDEFINE", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_undefine,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_CREATE, "DOMAIN_CREATE", rvirt_domain_args,
	     rvirt_domain_ret, proc_domain_create,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_CREATE_XML, "DOMAIN_CREATE_XML",
	     rvirt_domain_xml_args, rvirt_domain_ret, proc_domain_create_xml,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_DESTROY, "DOMAIN_DESTROY", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_destroy,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_SHUTDOWN, "DOMAIN_SHUTDOWN", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_shutdown,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_REBOOT, "DOMAIN_REBOOT", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_reboot, PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_SUSPEND, "DOMAIN_SUSPEND", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_suspend,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_RESUME, "DOMAIN_RESUME", rvirt_domain_args,
	     rvirt_void_ret, proc_domain_resume, PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_GET_INFO, "DOMAIN_GET_INFO", rvirt_domain_args,
	     rvirt_domain_info_ret, proc_domain_get_info,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_GET_STATE, "DOMAIN_GET_STATE", rvirt_domain_args,
	     rvirt_domain_state_ret, proc_domain_get_state,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_GET_XML_DESC, "DOMAIN_GET_XML_DESC",
	     rvirt_domain_args, rvirt_xml_ret, proc_domain_get_xml_desc,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_PIN_VCPU, "DOMAIN_PIN_VCPU", rvirt_pin_vcpu_args,
	     rvirt_void_ret, proc_domain_pin_vcpu,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_GET_VCPU_PIN_INFO, "DOMAIN_GET_VCPU_PIN_INFO",
	     rvirt_pin_info_args, rvirt_vcpu_pin_info_ret,
	     proc_domain_get_vcpu_pin_info, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_GET_VCPUS, "DOMAIN_GET_VCPUS", rvirt_domain_args,
	     rvirt_vcpus_ret, proc_domain_get_vcpus,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_DOMAIN_PIN_EMULATOR, "DOMAIN_PIN_EMULATOR",
	     rvirt_pin_emulator_args, rvirt_void_ret, proc_domain_pin_emulator,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_GET_EMULATOR_PIN_INFO,
	     "DOMAIN_GET_EMULATOR_PIN_INFO", rvirt_pin_info_args,
	     rvirt_cpumap_ret, proc_domain_get_emulator_pin_info,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_NODE_GET_CPU_MAP, "NODE_GET_CPU_MAP",
	     rvirt_node_cpu_map_args, rvirt_node_cpu_map_ret,
	     proc_node_get_cpu_map, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_DOMAIN_SET_AUTOSTART, "DOMAIN_SET_AUTOSTART",
	     rvirt_autostart_args, rvirt_void_ret, proc_domain_set_autostart,
	     PROC_NEEDS_HV | PROC_MUTATING),
	PROC(RVIRT_PROC_DOMAIN_GET_AUTOSTART, "DOMAIN_GET_AUTOSTART",
	     rvirt_domain_args, rvirt_int_ret, proc_domain_get_autostart,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_CONNECT_RECONNECT, "CONNECT_RECONNECT",
	     rvirt_connect_reconnect_args, rvirt_void_ret,
	     proc_connect_reconnect, 0),
	PROC(RVIRT_PROC_AUTH_SASL_INIT, "AUTH_SASL_INIT", proc_void,
	     rvirt_auth_sasl_init_ret, auth_proc_sasl_init, PROC_NO_AUTH),
	PROC(RVIRT_PROC_AUTH_SASL_START, "AUTH_SASL_START",
	     rvirt_auth_sasl_start_args, rvirt_auth_sasl_step_ret,
	     auth_proc_sasl_start, PROC_NO_AUTH),
	PROC(RVIRT_PROC_AUTH_SASL_STEP, "AUTH_SASL_STEP",
	     rvirt_auth_sasl_step_args, rvirt_auth_sasl_step_ret,
	     auth_proc_sasl_step, PROC_NO_AUTH),
};

#define DISPATCH_NPROCS (sizeof(dispatch_table) / sizeof(dispatch_table[0]))

const struct proc_entry *
dispatch_lookup(uint32_t proc)
{
	if (proc >= DISPATCH_NPROCS || !dispatch_table[proc].name)
		return NULL;
	return &dispatch_table[proc];
}

uint32_t
dispatch_max_proc(void)
{
	return (uint32_t)(DISPATCH_NPROCS - 1);
}

static const char *
dispatch_auth_name(int method)
{
	switch (method) {
	case RVIRT_AUTH_NONE:
		return "none";
	case RVIRT_AUTH_SASL:
		return "sasl";
	case RVIRT_AUTH_TLS:
		return "tls";
	default:
		return "unknown";
	}
}

static void
dispatch_auth_required(const struct session_state *sess,
		       struct rvirt_error *err)
{
	char methods[128] = "";
	size_t len = 0;
	unsigned int n = sess->nauth_methods;

	if (n > RVIRT_AUTH_METHODS_MAX)
		n = RVIRT_AUTH_METHODS_MAX;
	for (unsigned int i = 0; i < n; i++) {
		int w = snprintf(methods + len, sizeof(methods) - len, "%s%s",
				 i ? ", " : "",
				 dispatch_auth_name(sess->auth_methods[i]));

		if (w < 0 || (size_t)w >= sizeof(methods) - len)
			break;
		len += (size_t)w;
	}
	if (len == 0)
		err_set(err, RVIRT_ERR_AUTH_REQUIRED, RVIRT_FROM_AUTH,
			"authentication required");
	else
		err_set(err, RVIRT_ERR_AUTH_REQUIRED, RVIRT_FROM_AUTH,
			"authentication required: use %s", methods);
}

/*
 * The result recorded for this call of the session, decoded into ret:
 * 1, 0 when there is none (or the xid was reused for another call), -1.
 */
static int
dispatch_replay(const struct proc_entry *pe, struct call *call, void *ret,
		struct rvirt_error *err)
{
	struct session_reply r;
	XDR x;
	int rc;

	rc = session_reply_get(call->txn, call->sess->cookie, call->xid, &r,
			       err);
	if (rc <= 0)
		return rc;
	if (r.proc != call->proc ||
	    r.args_hash != session_args_hash(call->args_raw, call->args_len))
		return 0;
	xdrmem_create(&x, (char *)(uintptr_t)r.body, (u_int)r.body_len,
		      XDR_DECODE);
	rc = pe->xdr_ret(&x, ret) ? 1 : -1;
	xdr_destroy(&x);
	if (rc < 0) {
		xdr_free(pe->xdr_ret, ret);
		memset(ret, 0, pe->ret_size);
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot decode the recorded reply to '%s' (xid %u)",
			pe->name, call->xid);
		return -1;
	}
	log_info("'%s' (xid %u) of a session of '%s' answered from its "
		 "recorded reply",
		 pe->name, call->xid, call->sess->identity);
	return 1;
}

/* Record the result in ret in the call's transaction. */
static int
dispatch_record(const struct proc_entry *pe, struct call *call, void *ret,
		struct rvirt_error *err)
{
	struct session_reply r = { .proc = call->proc };
	struct timespec ts;
	unsigned long size = xdr_sizeof(pe->xdr_ret, ret);
	void *body;
	XDR x;
	int rc;

	if (size == 0 || size > RVIRT_MESSAGE_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot record the reply to '%s': %lu bytes", pe->name,
			size);
		return -1;
	}
	body = malloc(size);
	if (!body)
		return dispatch_oom("record the reply", err);
	xdrmem_create(&x, body, (u_int)size, XDR_ENCODE);
	if (!pe->xdr_ret(&x, ret)) {
		xdr_destroy(&x);
		free(body);
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"cannot encode the reply to '%s'", pe->name);
		return -1;
	}
	r.body = body;
	r.body_len = xdr_getpos(&x);
	xdr_destroy(&x);
	r.args_hash = session_args_hash(call->args_raw, call->args_len);
	clock_gettime(CLOCK_REALTIME, &ts);
	rc = session_reply_put(call->txn, call->sess->cookie, call->xid, &r,
			       (uint64_t)ts.tv_sec * 1000000000ULL +
				       (uint64_t)ts.tv_nsec,
			       err);
	free(body);
	return rc;
}

int
dispatch_call(const struct proc_entry *pe, struct call *call, void *args,
	      void *ret, struct rvirt_error *err)
{
	struct session_state *sess = call->sess;
	struct store_txn *txn = NULL;
	bool write = pe->flags & PROC_MUTATING;
	bool record;

	if (!(pe->flags & PROC_NO_AUTH) && !sess->authenticated) {
		dispatch_auth_required(sess, err);
		return -1;
	}
	if ((pe->flags & PROC_NEEDS_HV) && !sess->hv) {
		err_set(err, RVIRT_ERR_NO_CONNECT, RVIRT_FROM_SERVER,
			"no connection open: call CONNECT_OPEN first");
		return -1;
	}
	if (write && sess->readonly) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot call '%s': the connection is read-only "
			"(read-only socket or RVIRT_CONNECT_RO)",
			pe->name);
		return -1;
	}
	if (!pe->fn)
		return 0;
	if (write || (pe->flags & PROC_READ_TXN)) {
		if (!call->store) {
			err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
				"cannot call '%s': no store", pe->name);
			return -1;
		}
		txn = store_txn_begin(call->store, write, err);
		if (!txn)
			return -1;
	}
	call->txn = txn;
	/*
	 * Mutating calls come one at a time: LMDB's write lock is held
	 * from here, so a re-sent call still running in another worker is
	 * waited for, and then finds its reply recorded.
	 */
	record = write && sess->hv;
	if (record) {
		int r = dispatch_replay(pe, call, ret, err);

		if (r != 0) {
			call->txn = NULL;
			store_txn_abort(txn);
			return r > 0 ? 0 : -1;
		}
	}
	if (pe->fn(call, args, ret, err) < 0 ||
	    (record && dispatch_record(pe, call, ret, err) < 0)) {
		call->txn = NULL;
		store_txn_abort(txn);
		return -1;
	}
	call->txn = NULL;
	if (!txn)
		return 0;
	if (!write) {
		/* Nothing to make durable: a read txn just ends. */
		store_txn_abort(txn);
		return 0;
	}
	if (store_txn_commit(txn, err) < 0) {
		/* The success result must not go out: free it here. */
		xdr_free(pe->xdr_ret, ret);
		memset(ret, 0, pe->ret_size);
		return -1;
	}
	return 0;
}

int
dispatch_worker_init(struct store *st, const struct dispatch_options *opts,
		     struct rvirt_error *err)
{
	struct hv_options o;

	memset(&o, 0, sizeof(o));
	if (opts && opts->runtime_dir)
		snprintf(o.runtime_dir, sizeof(o.runtime_dir), "%s",
			 opts->runtime_dir);
	if (opts && opts->guest_binary)
		snprintf(o.guest_binary, sizeof(o.guest_binary), "%s",
			 opts->guest_binary);
	hv_set_options(&o);
	if (!st)
		return 0;
	return hv_host_start(st, err);
}

void
dispatch_session_release(struct session_state *sess)
{
	if (!sess)
		return;
	hv_close(sess->hv);
	sess->hv = NULL;
}
