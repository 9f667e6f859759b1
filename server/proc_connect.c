/* SPDX-License-Identifier: MIT */
/* proc_connect: handlers of the connection procedures (auth list, open, close, reconnect, queries, node info). */
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
#include "../common/version.h"
#include "auth.h"
#include "sessdb.h"
#include "session.h"
#include "sessrec.h"
#include "dispatch.h"
#include "proc.h"

/* ---------------------------------------------------------------- */
/* Connection procedures                                             */
/* ---------------------------------------------------------------- */

int
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
			return proc_oom("list auth methods", err);
		memcpy(methods, sess->auth_methods, n * sizeof(*methods));
	}
	ret->status = RVIRT_OK;
	ret->rvirt_auth_list_ret_u.methods.methods_len = n;
	ret->rvirt_auth_list_ret_u.methods.methods_val = methods;
	return 0;
}

/*
 * A cookie the session store does not know may be in the main store,
 * written there by an older rvirtd's worker during a USR2 upgrade: move
 * what is there (sessdb_migrate) and say how many.  *txnp, a write txn
 * of the session store that wrote nothing yet, is aborted and replaced
 * by a new one, since the move writes to the session store in a
 * transaction of its own.  Returns the count, 0 when nothing moved, -1
 * with *err.
 */
static int
proc_session_moved(struct store *main, struct store_txn **txnp,
		   struct rvirt_error *err)
{
	struct store *sess = sessdb_store(main);
	int n;

	if (sess == main)
		return 0;
	store_txn_abort(*txnp);
	*txnp = NULL;
	n = sessdb_migrate(main, sess, err);
	if (n < 0)
		return -1;
	*txnp = store_txn_begin(sess, true, err);
	return *txnp ? n : -1;
}

/*
 * What CONNECT_OPEN and CONNECT_RECONNECT check first: no connection
 * open on this one yet, only the allowed flags, a store.  what names
 * the call in messages ("open a connection").  0, or -1 with *err.
 */
static int
proc_connect_check(struct call *call, unsigned int flags, unsigned int allowed,
		   const char *what, struct rvirt_error *err)
{
	if (call->sess->hv) {
		err_set(err, RVIRT_ERR_ALREADY_OPEN, RVIRT_FROM_SERVER,
			"connection already open to '%s': call CONNECT_CLOSE "
			"first",
			hv_uri(call->sess->hv));
		return -1;
	}
	if (proc_check_flags(flags, allowed, what, err) < 0)
		return -1;
	if (!call->store) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"cannot %s: no store", what);
		return -1;
	}
	return 0;
}

/* The session now holds hv (taken over) under cookie. */
static void
proc_connect_bind(struct session_state *sess, struct hv_conn *hv,
		  const unsigned char *cookie, bool readonly)
{
	sess->hv = hv;
	sess->closed = false;
	sess->readonly = sess->readonly || readonly;
	memcpy(sess->cookie, cookie, RVIRT_COOKIE_LEN);
}

/* The session ends here (its record, if any, is the caller's). */
static void
proc_connect_unbind(struct session_state *sess)
{
	hv_close(sess->hv);
	sess->hv = NULL;
	sess->unrecorded = false;
	explicit_bzero(sess->cookie, sizeof(sess->cookie));
}

int
proc_connect_open(struct call *call, void *argsp, void *retp,
		  struct rvirt_error *err)
{
	struct rvirt_connect_open_args *args = argsp;
	struct rvirt_connect_open_ret *ret = retp;
	struct session_state *sess = call->sess;
	unsigned char cookie[RVIRT_COOKIE_LEN];
	struct hv_conn *hv;
	bool readonly;

	if (proc_connect_check(call, args->flags, RVIRT_CONNECT_RO,
			       "open a connection", err) < 0)
		return -1;
	readonly = sess->readonly || (args->flags & RVIRT_CONNECT_RO);
	hv = hv_open(args->uri, call->store, err);
	if (!hv)
		return -1;
	if (session_cookie_new(cookie, sessdb_store_id(),
			       (uint64_t)time(NULL)) < 0) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot make a session cookie: no random bytes");
		hv_close(hv);
		return -1;
	}
	proc_connect_bind(sess, hv, cookie, readonly);
	explicit_bzero(cookie, sizeof(cookie));
	if (sessrec_opened(call->store, sess, err) < 0) {
		proc_connect_unbind(sess);
		return -1;
	}
	ret->status = RVIRT_OK;
	memcpy(ret->rvirt_connect_open_ret_u.cookie, sess->cookie,
	       sizeof(sess->cookie));
	return 0;
}

int
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
	 * A record that could not be deleted is collected by expiry.  No
	 * sync: a deletion a power loss undoes only leaves a session its
	 * owner no longer uses, which expires.  With a session store of
	 * its own, the session's recorded replies stay in the main store
	 * until the collector finds them without a session: the close
	 * writes nothing there.
	 */
	if (sess->unrecorded) {
		/* Never written (server/sessrec.c): nothing to delete. */
		rc = 0;
	} else {
		txn = store_txn_begin(sessdb_store(call->store), true, err);
		if (txn) {
			if (session_delete(txn, sess->cookie, err) < 0)
				store_txn_abort(txn);
			else if (store_txn_commit_lazy(txn, err) == 0)
				rc = 0;
		}
	}
	proc_connect_unbind(sess);
	sess->closed = true;
	if (rc < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

/*
 * CONNECT_RESUME of a cookie the session store does not know, but
 * which can only be a session that was never written down (its worker
 * ended first; session_cookie_unwritten): no mutating call ran in it,
 * so it is made again under the same cookie from uri and flags, as
 * CONNECT_OPEN would make it, and written at once.  0, or -1 with *err.
 */
static int
proc_connect_remake(struct call *call, const unsigned char *cookie,
		    const char *uri, unsigned int flags,
		    struct rvirt_error *err)
{
	struct session_state *sess = call->sess;
	struct hv_conn *hv = hv_open(uri, call->store, err);

	if (!hv)
		return -1;
	proc_connect_bind(sess, hv, cookie, flags & RVIRT_CONNECT_RO);
	sess->unrecorded = true;
	sess->opened_s = (uint64_t)time(NULL);
	if (sessrec_write(call->store, sess, err) < 0) {
		proc_connect_unbind(sess);
		return -1;
	}
	log_info("made a session of '%s' again on resuming it: its worker "
		 "ended before writing it down",
		 sess->identity);
	return 0;
}

/*
 * Resume the session of a cookie on a new connection: the identity must
 * be the one that opened it, and the connection's access may not be
 * weaker than the session's.  The session's last use is updated in the
 * same transaction, so a session in use never expires.  uri (NULL for
 * CONNECT_RECONNECT) lets a session that was never written down be made
 * again (CONNECT_RESUME).
 */
static int
proc_connect_resume_cookie(struct call *call, const unsigned char *cookie,
			   const char *uri, unsigned int flags,
			   struct rvirt_error *err)
{
	struct session_state *sess = call->sess;
	struct session_record *rec = NULL;
	char principal[SESSION_IDENTITY_MAX + 1];
	struct store_txn *txn = NULL;
	uint64_t now = (uint64_t)time(NULL);
	struct hv_conn *hv = NULL;
	int r, rc = -1;

	if (proc_connect_check(call, flags, uri ? RVIRT_CONNECT_RO : 0,
			       "resume a session", err) < 0)
		return -1;
	rec = malloc(sizeof(*rec));
	if (!rec)
		return proc_oom("resume a session", err);
	txn = store_txn_begin(sessdb_store(call->store), true, err);
	if (!txn)
		goto out;
	r = session_load(txn, cookie, rec, err);
	if (r == 0) {
		r = proc_session_moved(call->store, &txn, err);
		if (r > 0)
			r = session_load(txn, cookie, rec, err);
	}
	if (r < 0)
		goto out;
	if (r == 0 && uri &&
	    session_cookie_unwritten(cookie, sessdb_store_id(), now)) {
		store_txn_abort(txn);
		txn = NULL;
		rc = proc_connect_remake(call, cookie, uri, flags, err);
		goto out;
	}
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
	/* Only the last use changed: no sync (as for CONNECT_OPEN). */
	r = store_txn_commit_lazy(txn, err);
	txn = NULL;
	if (r < 0)
		goto out;
	/* After the commit: a driver may open transactions of its own. */
	hv = hv_open(rec->uri, call->store, err);
	if (!hv)
		goto out;
	proc_connect_bind(sess, hv, cookie, rec->readonly);
	hv = NULL;
	rc = 0;
out:
	store_txn_abort(txn);
	hv_close(hv);
	free(rec);
	return rc;
}

int
proc_connect_reconnect(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_connect_reconnect_args *args = argsp;
	struct rvirt_void_ret *ret = retp;

	if (proc_connect_resume_cookie(call,
				       (const unsigned char *)args->cookie,
				       NULL, args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_connect_resume(struct call *call, void *argsp, void *retp,
		    struct rvirt_error *err)
{
	struct rvirt_connect_resume_args *args = argsp;
	struct rvirt_void_ret *ret = retp;

	if (proc_connect_resume_cookie(call,
				       (const unsigned char *)args->cookie,
				       args->uri, args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_connect_get_type(struct call *call, void *args, void *retp,
		      struct rvirt_error *err)
{
	(void)args;
	return proc_string_reply(retp, hv_type(call->sess->hv), err);
}

/* The daemon's version, not the driver's: no session needed. */
int
proc_connect_get_lib_version(struct call *call, void *args, void *retp,
			     struct rvirt_error *err)
{
	struct rvirt_version_ret *ret = retp;

	(void)call;
	(void)args;
	(void)err;
	ret->status = RVIRT_OK;
	ret->rvirt_version_ret_u.number = version_number();
	return 0;
}

int
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

int
proc_connect_get_hostname(struct call *call, void *args, void *retp,
			  struct rvirt_error *err)
{
	char host[HOST_NAME_MAX + 1];

	(void)call;
	(void)args;
	if (gethostname(host, sizeof(host)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot get the host name");
		return -1;
	}
	host[sizeof(host) - 1] = '\0';
	return proc_string_reply(retp, host, err);
}

int
proc_connect_get_uri(struct call *call, void *args, void *retp,
		     struct rvirt_error *err)
{
	(void)args;
	return proc_string_reply(retp, hv_uri(call->sess->hv), err);
}

int
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

int
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
	model = proc_strdup(info.model, err);
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
