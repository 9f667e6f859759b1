/* SPDX-License-Identifier: MIT */
/* libversion: the library's and the daemon's versions (librvirt(3)). */
#include <stdint.h>
#include <stdio.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"
#include "version.h"

int
rvirt_conn_get_lib_version(struct rvirt_conn *conn, uint64_t *version,
			   struct rvirt_error *err)
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
	cs = rvirt_proc_connect_get_lib_version_1(NULL, &ret, conn_clnt(conn));
	rc = conn_end(conn, "CONNECT_GET_LIB_VERSION", cs, ret.status,
		      &ret.rvirt_version_ret_u.error, err);
	if (rc == 0)
		*version = ret.rvirt_version_ret_u.number;
	xdr_free((xdrproc_t)xdr_rvirt_version_ret, &ret);
	return rc;
}

uint64_t
rvirt_get_version(void)
{
	return version_number();
}
