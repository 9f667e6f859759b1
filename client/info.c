/* SPDX-License-Identifier: MIT */
/* info: librvirt's calls about the connection and its host (librvirt(3)). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"

/* The procedures that return one string. */
static char *
conn_get_string(struct rvirt_conn *conn, const char *proc,
		enum clnt_stat (*stub)(void *, rvirt_string_ret *, CLIENT *),
		struct rvirt_error *err)
{
	rvirt_string_ret ret = { 0 };
	enum clnt_stat cs;
	char *s = NULL;

	if (conn_begin(conn, err) < 0)
		return NULL;
	cs = stub(NULL, &ret, conn_clnt(conn));
	if (conn_end(conn, proc, cs, ret.status, &ret.rvirt_string_ret_u.error,
		     err) == 0)
		s = conn_strdup(ret.rvirt_string_ret_u.value, err);
	xdr_free((xdrproc_t)xdr_rvirt_string_ret, &ret);
	return s;
}

char *
rvirt_conn_get_type(struct rvirt_conn *conn, struct rvirt_error *err)
{
	return conn_get_string(conn, "CONNECT_GET_TYPE",
			       rvirt_proc_connect_get_type_1, err);
}

char *
rvirt_conn_get_hostname(struct rvirt_conn *conn, struct rvirt_error *err)
{
	return conn_get_string(conn, "CONNECT_GET_HOSTNAME",
			       rvirt_proc_connect_get_hostname_1, err);
}

char *
rvirt_conn_get_uri(struct rvirt_conn *conn, struct rvirt_error *err)
{
	return conn_get_string(conn, "CONNECT_GET_URI",
			       rvirt_proc_connect_get_uri_1, err);
}

int
conn_get_version_of(struct rvirt_conn *conn, const char *proc,
		    enum clnt_stat (*stub)(void *, rvirt_version_ret *,
					   CLIENT *),
		    uint64_t *version, struct rvirt_error *err)
{
	rvirt_version_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	if (!version) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no version pointer given");
		return -1;
	}
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = stub(NULL, &ret, conn_clnt(conn));
	rc = conn_end(conn, proc, cs, ret.status,
		      &ret.rvirt_version_ret_u.error, err);
	if (rc == 0)
		*version = ret.rvirt_version_ret_u.number;
	xdr_free((xdrproc_t)xdr_rvirt_version_ret, &ret);
	return rc;
}

int
rvirt_conn_get_version(struct rvirt_conn *conn, uint64_t *version,
		       struct rvirt_error *err)
{
	return conn_get_version_of(conn, "CONNECT_GET_VERSION",
				   rvirt_proc_connect_get_version_1, version,
				   err);
}

/* The procedures that return an XML document. */
char *
conn_xml_result(struct rvirt_conn *conn, const char *proc, enum clnt_stat cs,
		rvirt_xml_ret *ret, struct rvirt_error *err)
{
	char *s = NULL;

	if (conn_end(conn, proc, cs, ret->status, &ret->rvirt_xml_ret_u.error,
		     err) == 0)
		s = conn_strdup(ret->rvirt_xml_ret_u.xml, err);
	xdr_free((xdrproc_t)xdr_rvirt_xml_ret, ret);
	return s;
}

char *
rvirt_conn_get_capabilities(struct rvirt_conn *conn, struct rvirt_error *err)
{
	rvirt_xml_ret ret = { 0 };
	enum clnt_stat cs;

	if (conn_begin(conn, err) < 0)
		return NULL;
	cs = rvirt_proc_connect_get_capabilities_1(NULL, &ret, conn_clnt(conn));
	return conn_xml_result(conn, "CONNECT_GET_CAPABILITIES", cs, &ret, err);
}

int
rvirt_node_get_info(struct rvirt_conn *conn, struct rvirt_node_info *info,
		    struct rvirt_error *err)
{
	rvirt_node_info_ret ret = { 0 };
	const rvirt_wire_node_info *w = &ret.rvirt_node_info_ret_u.info;
	enum clnt_stat cs;
	int rc;

	if (!info) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no node info pointer given");
		return -1;
	}
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_node_get_info_1(NULL, &ret, conn_clnt(conn));
	rc = conn_end(conn, "NODE_GET_INFO", cs, ret.status,
		      &ret.rvirt_node_info_ret_u.error, err);
	if (rc == 0) {
		memset(info, 0, sizeof(*info));
		snprintf(info->model, sizeof(info->model), "%s",
			 w->model ? w->model : "");
		info->memory_kib = w->memory_kib;
		info->cpus = w->cpus;
		info->mhz = w->mhz;
		info->nodes = w->nodes;
		info->sockets = w->sockets;
		info->cores = w->cores;
		info->threads = w->threads;
	}
	xdr_free((xdrproc_t)xdr_rvirt_node_info_ret, &ret);
	return rc;
}
