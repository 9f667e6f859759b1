/* SPDX-License-Identifier: MIT */
/* proc_domain: handlers of the domain procedures (list, lookup, define, lifecycle, info, autostart). */
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
#include "dispatch.h"
#include "proc.h"

/* ---------------------------------------------------------------- */
/* Domain procedures                                                 */
/* ---------------------------------------------------------------- */

int
proc_domain_list_all(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_domain_list_args *args = argsp;
	struct rvirt_domain_list_ret *ret = retp;
	struct hv_domain_ref *refs = NULL;
	struct rvirt_wire_domain *doms = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (proc_check_flags(args->flags,
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
			proc_oom("list domains", err);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (proc_ref_to_wire(&refs[i], &doms[i], err) < 0) {
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
proc_domain_ret(const struct hv_domain_ref *ref, struct rvirt_domain_ret *ret,
		struct rvirt_error *err)
{
	if (proc_ref_to_wire(ref, &ret->rvirt_domain_ret_u.dom, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_domain_lookup_by_name(struct call *call, void *argsp, void *retp,
			   struct rvirt_error *err)
{
	struct rvirt_lookup_name_args *args = argsp;
	struct hv_domain_ref ref;

	if (proc_check_name(args->name, err) < 0 ||
	    hv_domain_lookup_name(call->sess->hv, call->txn, args->name, &ref,
				  err) < 0)
		return -1;
	return proc_domain_ret(&ref, retp, err);
}

int
proc_domain_lookup_by_uuid(struct call *call, void *argsp, void *retp,
			   struct rvirt_error *err)
{
	struct rvirt_lookup_uuid_args *args = argsp;
	struct hv_domain_ref ref;

	if (hv_domain_lookup_uuid(call->sess->hv, call->txn,
				  (const unsigned char *)args->uuid, &ref,
				  err) < 0)
		return -1;
	return proc_domain_ret(&ref, retp, err);
}

int
proc_domain_lookup_by_id(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_lookup_id_args *args = argsp;
	struct hv_domain_ref ref;

	if (hv_domain_lookup_id(call->sess->hv, call->txn, args->id, &ref,
				err) < 0)
		return -1;
	return proc_domain_ret(&ref, retp, err);
}

static int
proc_check_xml(const struct rvirt_domain_xml_args *args, const char *what,
	       struct rvirt_error *err)
{
	if (proc_check_flags(args->flags, 0, what, err) < 0)
		return -1;
	if (!args->xml || !*args->xml) {
		err_set(err, RVIRT_ERR_XML, RVIRT_FROM_SERVER,
			"cannot %s: the domain xml is empty", what);
		return -1;
	}
	return 0;
}

int
proc_domain_define_xml(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_domain_xml_args *args = argsp;
	struct hv_domain_ref ref;

	if (proc_check_xml(args, "define a domain", err) < 0 ||
	    hv_domain_define(call->sess->hv, call->txn, args->xml, &ref, err) <
		    0)
		return -1;
	return proc_domain_ret(&ref, retp, err);
}

int
proc_domain_create_xml(struct call *call, void *argsp, void *retp,
		       struct rvirt_error *err)
{
	struct rvirt_domain_xml_args *args = argsp;
	struct hv_domain_ref ref;

	if (proc_check_xml(args, "create a domain", err) < 0 ||
	    hv_domain_create_xml(call->sess->hv, call->txn, args->xml, &ref,
				 err) < 0)
		return -1;
	return proc_domain_ret(&ref, retp, err);
}

int
proc_domain_create(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	struct hv_domain_ref ref, out;

	if (proc_domain_arg(argsp, "start a domain", &ref, err) < 0 ||
	    hv_domain_create(call->sess->hv, call->txn, &ref, &out, err) < 0)
		return -1;
	return proc_domain_ret(&out, retp, err);
}

typedef int (*proc_lifecycle_fn)(struct hv_conn *c, struct store_txn *txn,
				 const struct hv_domain_ref *dom,
				 struct rvirt_error *err);

static int
proc_lifecycle(struct call *call, void *argsp, void *retp, proc_lifecycle_fn fn,
	       const char *what, struct rvirt_error *err)
{
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;

	if (proc_domain_arg(argsp, what, &ref, err) < 0 ||
	    fn(call->sess->hv, call->txn, &ref, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_domain_undefine(struct call *call, void *args, void *ret,
		     struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_undefine,
			      "undefine a domain", err);
}

int
proc_domain_destroy(struct call *call, void *args, void *ret,
		    struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_destroy,
			      "destroy a domain", err);
}

int
proc_domain_shutdown(struct call *call, void *args, void *ret,
		     struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_shutdown,
			      "shut a domain down", err);
}

int
proc_domain_reboot(struct call *call, void *args, void *ret,
		   struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_reboot,
			      "reboot a domain", err);
}

int
proc_domain_suspend(struct call *call, void *args, void *ret,
		    struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_suspend,
			      "suspend a domain", err);
}

int
proc_domain_resume(struct call *call, void *args, void *ret,
		   struct rvirt_error *err)
{
	return proc_lifecycle(call, args, ret, hv_domain_resume,
			      "resume a domain", err);
}

int
proc_domain_get_info(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_domain_info_ret *ret = retp;
	struct rvirt_wire_domain_info *wi = &ret->rvirt_domain_info_ret_u.info;
	struct hv_domain_ref ref;
	struct hv_domain_info info;

	if (proc_domain_arg(argsp, "get domain info", &ref, err) < 0 ||
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

int
proc_domain_get_state(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_domain_state_ret *ret = retp;
	struct hv_domain_ref ref;
	int state, reason;

	if (proc_domain_arg(argsp, "get domain state", &ref, err) < 0 ||
	    hv_domain_get_state(call->sess->hv, call->txn, &ref, &state,
				&reason, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_domain_state_ret_u.st.state = state;
	ret->rvirt_domain_state_ret_u.st.reason = reason;
	return 0;
}

int
proc_domain_get_xml_desc(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_xml_ret *ret = retp;
	struct hv_domain_ref ref;
	char *xml = NULL;

	if (proc_domain_arg(argsp, "get domain xml", &ref, err) < 0 ||
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

int
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
	if (proc_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_set_autostart(call->sess->hv, call->txn, &ref,
				    args->autostart == 1, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_domain_get_autostart(struct call *call, void *argsp, void *retp,
			  struct rvirt_error *err)
{
	struct rvirt_int_ret *ret = retp;
	struct hv_domain_ref ref;
	bool on = false;

	if (proc_domain_arg(argsp, "get autostart", &ref, err) < 0 ||
	    hv_domain_get_autostart(call->sess->hv, call->txn, &ref, &on, err) <
		    0)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_int_ret_u.value = on ? 1 : 0;
	return 0;
}
