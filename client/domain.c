/* SPDX-License-Identifier: MIT */
/* domain: librvirt's domain calls (librvirt(3)) on a connection. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"
#include "uuid.h"
static int
conn_domain_cmp(const void *a, const void *b)
{
	const struct rvirt_domain *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int
rvirt_domain_list_all(struct rvirt_conn *conn, unsigned int flags,
		      struct rvirt_domain **doms, size_t *ndoms,
		      struct rvirt_error *err)
{
	rvirt_domain_list_args args = { .flags = flags };
	rvirt_domain_list_ret ret = { 0 };
	struct rvirt_domain *list = NULL;
	enum clnt_stat cs;
	u_int i, n;
	int rc;

	if (!doms || !ndoms) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no list pointer given");
		return -1;
	}
	if (flags & ~(unsigned int)(RVIRT_LIST_ACTIVE | RVIRT_LIST_INACTIVE)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"unsupported flags 0x%x",
			flags & ~(unsigned int)(RVIRT_LIST_ACTIVE |
						RVIRT_LIST_INACTIVE));
		return -1;
	}
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_list_all_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_LIST_ALL", cs, ret.status,
		      &ret.rvirt_domain_list_ret_u.error, err);
	if (rc < 0)
		goto out;
	/* XDR bounded the count by RVIRT_DOMAIN_LIST_MAX already. */
	n = ret.rvirt_domain_list_ret_u.domains.domains_len;
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		conn_domain_from_wire(
			&ret.rvirt_domain_list_ret_u.domains.domains_val[i],
			&list[i]);
	qsort(list, n, sizeof(*list), conn_domain_cmp);
	*doms = list;
	*ndoms = n;
out:
	xdr_free((xdrproc_t)xdr_rvirt_domain_list_ret, &ret);
	return rc;
}

/* The procedures that return a domain; out may be NULL. */
static int
conn_domain_result(struct rvirt_conn *conn, const char *proc, enum clnt_stat cs,
		   rvirt_domain_ret *ret, struct rvirt_domain *out,
		   struct rvirt_error *err)
{
	int rc = conn_end(conn, proc, cs, ret->status,
			  &ret->rvirt_domain_ret_u.error, err);

	if (rc == 0 && out)
		conn_domain_from_wire(&ret->rvirt_domain_ret_u.dom, out);
	xdr_free((xdrproc_t)xdr_rvirt_domain_ret, ret);
	return rc;
}

static int
conn_check_out(const void *out, struct rvirt_error *err)
{
	if (out)
		return 0;
	err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
		"no result pointer given");
	return -1;
}

int
rvirt_domain_lookup_by_name(struct rvirt_conn *conn, const char *name,
			    struct rvirt_domain *out, struct rvirt_error *err)
{
	rvirt_lookup_name_args args = { 0 };
	rvirt_domain_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_check_out(out, err) < 0)
		return -1;
	if (!name || strnlen(name, RVIRT_NAME_MAX + 1) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			name ? "domain name is longer than %d bytes"
			     : "no domain name given (limit %d bytes)",
			RVIRT_NAME_MAX);
		return -1;
	}
	args.name = conn_unconst(name);
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_lookup_by_name_1(&args, &ret, conn_clnt(conn));
	return conn_domain_result(conn, "DOMAIN_LOOKUP_BY_NAME", cs, &ret, out,
				  err);
}

int
rvirt_domain_lookup_by_uuid(struct rvirt_conn *conn, const unsigned char *uuid,
			    struct rvirt_domain *out, struct rvirt_error *err)
{
	rvirt_lookup_uuid_args args = { 0 };
	rvirt_domain_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_check_out(out, err) < 0)
		return -1;
	if (!uuid) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no uuid given");
		return -1;
	}
	memcpy(args.uuid, uuid, sizeof(args.uuid));
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_lookup_by_uuid_1(&args, &ret, conn_clnt(conn));
	return conn_domain_result(conn, "DOMAIN_LOOKUP_BY_UUID", cs, &ret, out,
				  err);
}

int
rvirt_domain_lookup_by_id(struct rvirt_conn *conn, int id,
			  struct rvirt_domain *out, struct rvirt_error *err)
{
	rvirt_lookup_id_args args = { .id = id };
	rvirt_domain_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_check_out(out, err) < 0)
		return -1;
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_lookup_by_id_1(&args, &ret, conn_clnt(conn));
	return conn_domain_result(conn, "DOMAIN_LOOKUP_BY_ID", cs, &ret, out,
				  err);
}

static int
conn_domain_xml(struct rvirt_conn *conn, const char *proc,
		enum clnt_stat (*stub)(rvirt_domain_xml_args *,
				       rvirt_domain_ret *, CLIENT *),
		const char *xml, struct rvirt_domain *out,
		struct rvirt_error *err)
{
	rvirt_domain_xml_args args = { 0 };
	rvirt_domain_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_check_out(out, err) < 0 || conn_check_xml(xml, err) < 0)
		return -1;
	args.xml = conn_unconst(xml);
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = stub(&args, &ret, conn_clnt(conn));
	return conn_domain_result(conn, proc, cs, &ret, out, err);
}

int
rvirt_domain_define_xml(struct rvirt_conn *conn, const char *xml,
			struct rvirt_domain *out, struct rvirt_error *err)
{
	return conn_domain_xml(conn, "DOMAIN_DEFINE_XML",
			       rvirt_proc_domain_define_xml_1, xml, out, err);
}

int
rvirt_domain_create_xml(struct rvirt_conn *conn, const char *xml,
			struct rvirt_domain *out, struct rvirt_error *err)
{
	return conn_domain_xml(conn, "DOMAIN_CREATE_XML",
			       rvirt_proc_domain_create_xml_1, xml, out, err);
}

int
rvirt_domain_create(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		    struct rvirt_domain *out, struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_domain_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_domain_to_args(dom, &args, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_create_1(&args, &ret, conn_clnt(conn));
	return conn_domain_result(conn, "DOMAIN_CREATE", cs, &ret, out, err);
}

/* The procedures that take a domain and return nothing. */
static int
conn_domain_void(struct rvirt_conn *conn, const char *proc,
		 enum clnt_stat (*stub)(rvirt_domain_args *, rvirt_void_ret *,
					CLIENT *),
		 const struct rvirt_domain *dom, struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	if (conn_domain_to_args(dom, &args, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = stub(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, proc, cs, ret.status, &ret.rvirt_void_ret_u.error,
		      err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	return rc;
}

int
rvirt_domain_undefine(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		      struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_UNDEFINE",
				rvirt_proc_domain_undefine_1, dom, err);
}

int
rvirt_domain_destroy(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		     struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_DESTROY",
				rvirt_proc_domain_destroy_1, dom, err);
}

int
rvirt_domain_shutdown(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		      struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_SHUTDOWN",
				rvirt_proc_domain_shutdown_1, dom, err);
}

int
rvirt_domain_reboot(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		    struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_REBOOT",
				rvirt_proc_domain_reboot_1, dom, err);
}

int
rvirt_domain_suspend(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		     struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_SUSPEND",
				rvirt_proc_domain_suspend_1, dom, err);
}

int
rvirt_domain_resume(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		    struct rvirt_error *err)
{
	return conn_domain_void(conn, "DOMAIN_RESUME",
				rvirt_proc_domain_resume_1, dom, err);
}

int
rvirt_domain_get_info(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		      struct rvirt_domain_info *info, struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_domain_info_ret ret = { 0 };
	const rvirt_wire_domain_info *w = &ret.rvirt_domain_info_ret_u.info;
	enum clnt_stat cs;
	int rc;

	if (conn_check_out(info, err) < 0 ||
	    conn_domain_to_args(dom, &args, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_get_info_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_INFO", cs, ret.status,
		      &ret.rvirt_domain_info_ret_u.error, err);
	if (rc == 0) {
		memset(info, 0, sizeof(*info));
		info->state = w->state;
		info->max_mem_kib = w->max_mem_kib;
		info->memory_kib = w->memory_kib;
		info->nr_vcpus = w->nr_vcpus;
		info->cpu_time_ns = w->cpu_time_ns;
	}
	xdr_free((xdrproc_t)xdr_rvirt_domain_info_ret, &ret);
	return rc;
}

int
rvirt_domain_get_state(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		       int *state, int *reason, struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_domain_state_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	if (conn_check_out(state, err) < 0 ||
	    conn_domain_to_args(dom, &args, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_get_state_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_STATE", cs, ret.status,
		      &ret.rvirt_domain_state_ret_u.error, err);
	if (rc == 0) {
		*state = ret.rvirt_domain_state_ret_u.st.state;
		if (reason)
			*reason = ret.rvirt_domain_state_ret_u.st.reason;
	}
	xdr_free((xdrproc_t)xdr_rvirt_domain_state_ret, &ret);
	return rc;
}

char *
rvirt_domain_get_xml_desc(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom, unsigned int flags,
			  struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_xml_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_domain_to_args(dom, &args, err) < 0)
		return NULL;
	args.flags = flags;
	if (conn_begin(conn, err) < 0)
		return NULL;
	cs = rvirt_proc_domain_get_xml_desc_1(&args, &ret, conn_clnt(conn));
	return conn_xml_result(conn, "DOMAIN_GET_XML_DESC", cs, &ret, err);
}

const char *
rvirt_domain_state_name(int state)
{
	/* virsh's words, so that output reads the same. */
	static const char *const names[] = {
		[RVIRT_DOMAIN_NOSTATE] = "no state",
		[RVIRT_DOMAIN_RUNNING] = "running",
		[RVIRT_DOMAIN_BLOCKED] = "idle",
		[RVIRT_DOMAIN_PAUSED] = "paused",
		[RVIRT_DOMAIN_SHUTDOWN] = "in shutdown",
		[RVIRT_DOMAIN_SHUTOFF] = "shut off",
		[RVIRT_DOMAIN_CRASHED] = "crashed",
	};

	if (state < 0 || (size_t)state >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[state];
}

void
rvirt_uuid_format(const unsigned char *uuid, char *out)
{
	uuid_format(uuid, out);
}

int
rvirt_uuid_parse(const char *s, unsigned char *uuid)
{
	if (!s || !uuid)
		return -1;
	return uuid_parse(s, uuid);
}
