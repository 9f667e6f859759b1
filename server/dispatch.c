/* SPDX-License-Identifier: MIT */
/* dispatch: the procedure table, the access rules, recorded replies. */
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
#include "../scoreboard/metrics.h"
#include "audit.h"
#include "../store/journal.h"
#include "auth.h"
#include "dispatch.h"
#include "intent.h"
#include "keepalive.h"
#include "proc.h"
#include "proc_graphics.h"
#include "session.h"
#include "sessrec.h"

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
	PROC(RVIRT_PROC_CONNECT_RESUME, "CONNECT_RESUME",
	     rvirt_connect_resume_args, rvirt_void_ret, proc_connect_resume, 0),
	PROC(RVIRT_PROC_AUTH_SASL_INIT, "AUTH_SASL_INIT", proc_void,
	     rvirt_auth_sasl_init_ret, auth_proc_sasl_init, PROC_NO_AUTH),
	PROC(RVIRT_PROC_AUTH_SASL_START, "AUTH_SASL_START",
	     rvirt_auth_sasl_start_args, rvirt_auth_sasl_step_ret,
	     auth_proc_sasl_start, PROC_NO_AUTH),
	PROC(RVIRT_PROC_AUTH_SASL_STEP, "AUTH_SASL_STEP",
	     rvirt_auth_sasl_step_args, rvirt_auth_sasl_step_ret,
	     auth_proc_sasl_step, PROC_NO_AUTH),
	PROC(RVIRT_PROC_CONNECT_GET_LIB_VERSION, "CONNECT_GET_LIB_VERSION",
	     proc_void, rvirt_version_ret, proc_connect_get_lib_version, 0),
	PROC(RVIRT_PROC_EVENT_WAIT, "EVENT_WAIT", rvirt_event_wait_args,
	     rvirt_event_wait_ret, proc_event_wait,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_KEEPALIVE_START, "KEEPALIVE_START",
	     rvirt_keepalive_start_args, rvirt_void_ret, proc_keepalive_start,
	     0),
	/* Consoles: reads, so read-only connections may open and read;
	   CONSOLE_WRITE refuses them itself (server/proc_console.c). */
	PROC(RVIRT_PROC_CONSOLE_OPEN, "CONSOLE_OPEN", rvirt_console_open_args,
	     rvirt_console_open_ret, proc_console_open,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_CONSOLE_READ, "CONSOLE_READ", rvirt_console_read_args,
	     rvirt_console_read_ret, proc_console_read,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_CONSOLE_WRITE, "CONSOLE_WRITE",
	     rvirt_console_write_args, rvirt_console_write_ret,
	     proc_console_write, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_CONSOLE_CLOSE, "CONSOLE_CLOSE",
	     rvirt_console_close_args, rvirt_void_ret, proc_console_close,
	     PROC_NEEDS_HV | PROC_READ_TXN),
	/* Every op, even show and resolve: a token is a write capability. */
	PROC(RVIRT_PROC_CONSOLE_TOKEN, "CONSOLE_TOKEN",
	     rvirt_console_token_args, rvirt_console_token_ret,
	     proc_console_token, PROC_NEEDS_HV | PROC_MUTATING),
	/* Graphics streams: GRAPHICS_OPEN refuses read-only connections
	   itself; a stream changes no stored state (server/proc_graphics.c). */
	PROC(RVIRT_PROC_GRAPHICS_OPEN, "GRAPHICS_OPEN",
	     rvirt_graphics_open_args, rvirt_graphics_open_ret,
	     proc_graphics_open, PROC_NEEDS_HV | PROC_READ_TXN),
	PROC(RVIRT_PROC_GRAPHICS_READ, "GRAPHICS_READ",
	     rvirt_graphics_read_args, rvirt_graphics_read_ret,
	     proc_graphics_read, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_GRAPHICS_WRITE, "GRAPHICS_WRITE",
	     rvirt_graphics_write_args, rvirt_graphics_write_ret,
	     proc_graphics_write, PROC_NEEDS_HV),
	PROC(RVIRT_PROC_GRAPHICS_CLOSE, "GRAPHICS_CLOSE",
	     rvirt_graphics_close_args, rvirt_void_ret, proc_graphics_close,
	     PROC_NEEDS_HV),
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
	call->replayed = true;
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
		return proc_oom("record the reply", err);
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

static int
dispatch_call_checked(const struct proc_entry *pe, struct call *call,
		      void *args, void *ret, struct rvirt_error *err)
{
	struct session_state *sess = call->sess;
	struct store_txn *txn = NULL;
	bool write = pe->flags & PROC_MUTATING;
	struct intent in = { 0 };
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
	/*
	 * A session is written down before its first mutating call runs:
	 * the call's recorded reply must find it on a resume, and a
	 * session the store does not know can then be taken never to have
	 * run one (server/sessrec.c; CONNECT_RESUME).
	 */
	if (write && call->store && sessrec_write(call->store, sess, err) < 0)
		return -1;
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
			if (r > 0)
				metrics_call_replayed();
			return r > 0 ? 0 : -1;
		}
		/* Effects outside the store: written down before they happen. */
		if (intent_begin(&in, call, err) < 0) {
			call->txn = NULL;
			store_txn_abort(txn);
			return -1;
		}
	}
	/* The journal names who caused the changes (doc/events.md). */
	journal_set_actor(sess->identity);
	if (pe->fn(call, args, ret, err) < 0 ||
	    (record && dispatch_record(pe, call, ret, err) < 0)) {
		journal_set_actor(NULL);
		call->txn = NULL;
		store_txn_abort(txn);
		intent_end(&in, false);
		return -1;
	}
	if (write)
		intent_test_hold(pe->name);
	journal_set_actor(NULL);
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
		intent_end(&in, false);
		return -1;
	}
	intent_end(&in, true);
	return 0;
}

int
dispatch_call(const struct proc_entry *pe, struct call *call, void *args,
	      void *ret, struct rvirt_error *err)
{
	int rc;

	call->replayed = false;
	rc = dispatch_call_checked(pe, call, args, ret, err);
	if (pe->flags & PROC_MUTATING)
		audit_call(pe, call, args, ret, rc, err);
	return rc;
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
	if (intent_configure(o.runtime_dir, err) < 0)
		return -1;
	if (!st)
		return 0;
	if (hv_host_start(st, err) < 0)
		return -1;
	return intent_settle(st, err);
}

void
dispatch_session_release(struct session_state *sess)
{
	if (!sess)
		return;
	proc_graphics_release(sess);
	hv_close(sess->hv);
	sess->hv = NULL;
}
