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
	return conn_get_version_of(conn, "CONNECT_GET_LIB_VERSION",
				   rvirt_proc_connect_get_lib_version_1,
				   version, err);
}

uint64_t
rvirt_get_version(void)
{
	return version_number();
}
