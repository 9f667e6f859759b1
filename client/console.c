/* SPDX-License-Identifier: MIT */
/* console: librvirt's console calls (rvirt.h): open, read by offset, write. */
#include <stdlib.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"

/*
 * A console handle is the daemon's id for the opening, the domain and
 * the offset of the next byte to read: no state in the daemon, so
 * reconnection (conn.c re-sends a call cut short) carries the console
 * across a restart of rvirtd, and reading resumes at the offset.
 */

/* How much recent output a new console shows first. */
#define CONSOLE_BACKLOG 4096

struct rvirt_console {
	struct rvirt_conn *conn; /* borrowed */
	struct rvirt_domain dom;
	char id[RVIRT_CONSOLE_ID_LEN];
	uint64_t offset; /* of the next byte to read */
	uint64_t lost;	 /* bytes the log no longer held when read */
	int writable;
	int ended;
};

static char *
console_unconst(const void *p)
{
	union {
		const void *c;
		char *m;
	} u = { .c = p };

	return u.m;
}

struct rvirt_console *
rvirt_console_open(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		   unsigned int flags, struct rvirt_error *err)
{
	rvirt_console_open_args args = { 0 };
	rvirt_console_open_ret ret = { 0 };
	struct rvirt_console *con;
	enum clnt_stat cs;
	int rc;

	if (flags & ~(unsigned int)(RVIRT_CONSOLE_FORCE | RVIRT_CONSOLE_SAFE)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"unsupported console flags 0x%x", flags);
		return NULL;
	}
	if (conn_domain_to_wire(dom, &args.dom, err) < 0)
		return NULL;
	con = calloc(1, sizeof(*con));
	if (!con) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		return NULL;
	}
	args.flags = flags;
	if (conn_begin(conn, err) < 0) {
		free(con);
		return NULL;
	}
	cs = rvirt_proc_console_open_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "CONSOLE_OPEN", cs, ret.status,
		      &ret.rvirt_console_open_ret_u.error, err);
	if (rc == 0) {
		const rvirt_console_open_ok *ok =
			&ret.rvirt_console_open_ret_u.ok;

		con->conn = conn;
		con->dom = *dom;
		memcpy(con->id, ok->id, sizeof(con->id));
		con->writable = ok->writable;
		con->offset = ok->end - ok->start > CONSOLE_BACKLOG
				      ? ok->end - CONSOLE_BACKLOG
				      : ok->start;
	}
	xdr_free((xdrproc_t)xdr_rvirt_console_open_ret, &ret);
	if (rc < 0) {
		free(con);
		return NULL;
	}
	return con;
}

struct rvirt_console *
rvirt_console_attach(struct rvirt_conn *conn, const struct rvirt_console *con,
		     struct rvirt_error *err)
{
	struct rvirt_console *twin;

	if (!conn || !con) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no connection or no console given");
		return NULL;
	}
	twin = malloc(sizeof(*twin));
	if (!twin) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		return NULL;
	}
	*twin = *con;
	twin->conn = conn;
	return twin;
}

ssize_t
rvirt_console_read(struct rvirt_console *con, void *buf, size_t size,
		   unsigned int wait_ms, struct rvirt_error *err)
{
	rvirt_console_read_args args = { 0 };
	rvirt_console_read_ret ret = { 0 };
	enum clnt_stat cs;
	ssize_t got = -1;
	int rc;

	if (!con || (!buf && size)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no console or no buffer given");
		return -1;
	}
	if (conn_domain_to_wire(&con->dom, &args.dom, err) < 0)
		return -1;
	memcpy(args.id, con->id, sizeof(args.id));
	args.offset = con->offset;
	args.max = size > RVIRT_CONSOLE_DATA_MAX ? RVIRT_CONSOLE_DATA_MAX
						 : (unsigned int)size;
	args.wait_ms = wait_ms > RVIRT_CONSOLE_WAIT_MAX ? RVIRT_CONSOLE_WAIT_MAX
							: wait_ms;
	if (conn_begin(con->conn, err) < 0)
		return -1;
	cs = rvirt_proc_console_read_1(&args, &ret, conn_clnt(con->conn));
	rc = conn_end(con->conn, "CONSOLE_READ", cs, ret.status,
		      &ret.rvirt_console_read_ret_u.error, err);
	if (rc == 0) {
		const rvirt_console_read_ok *ok =
			&ret.rvirt_console_read_ret_u.ok;
		size_t n = ok->data.data_len;

		if (n > args.max) {
			err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_CLIENT,
				"the daemon sent %zu console bytes for %u", n,
				args.max);
		} else {
			if (ok->offset > con->offset)
				con->lost += ok->offset - con->offset;
			if (n > 0)
				memcpy(buf, ok->data.data_val, n);
			con->offset = ok->offset + n;
			con->ended = (ok->flags & RVIRT_CONSOLE_ENDED) != 0;
			got = (ssize_t)n;
		}
	}
	xdr_free((xdrproc_t)xdr_rvirt_console_read_ret, &ret);
	return got;
}

ssize_t
rvirt_console_write(struct rvirt_console *con, const void *buf, size_t len,
		    struct rvirt_error *err)
{
	rvirt_console_write_args args = { 0 };
	rvirt_console_write_ret ret = { 0 };
	enum clnt_stat cs;
	ssize_t done = -1;
	int rc;

	if (!con || (!buf && len)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no console or no data given");
		return -1;
	}
	if (conn_domain_to_wire(&con->dom, &args.dom, err) < 0)
		return -1;
	memcpy(args.id, con->id, sizeof(args.id));
	args.data.data_val = console_unconst(buf);
	args.data.data_len = len > RVIRT_CONSOLE_DATA_MAX
				     ? RVIRT_CONSOLE_DATA_MAX
				     : (unsigned int)len;
	if (conn_begin(con->conn, err) < 0)
		return -1;
	cs = rvirt_proc_console_write_1(&args, &ret, conn_clnt(con->conn));
	rc = conn_end(con->conn, "CONSOLE_WRITE", cs, ret.status,
		      &ret.rvirt_console_write_ret_u.error, err);
	if (rc == 0)
		done = ret.rvirt_console_write_ret_u.accepted <=
				       args.data.data_len
			       ? (ssize_t)ret.rvirt_console_write_ret_u.accepted
			       : (ssize_t)args.data.data_len;
	xdr_free((xdrproc_t)xdr_rvirt_console_write_ret, &ret);
	return done;
}

int
rvirt_console_ended(const struct rvirt_console *con)
{
	return con ? con->ended : 1;
}

int
rvirt_console_writable(const struct rvirt_console *con)
{
	return con ? con->writable : 0;
}

uint64_t
rvirt_console_offset(const struct rvirt_console *con)
{
	return con ? con->offset : 0;
}

uint64_t
rvirt_console_lost(const struct rvirt_console *con)
{
	return con ? con->lost : 0;
}

void
rvirt_console_free(struct rvirt_console *con)
{
	free(con);
}

int
rvirt_console_close(struct rvirt_console *con, struct rvirt_error *err)
{
	rvirt_console_close_args args = { 0 };
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	if (!con)
		return 0;
	if (conn_domain_to_wire(&con->dom, &args.dom, err) < 0 ||
	    conn_begin(con->conn, err) < 0) {
		free(con);
		return -1;
	}
	memcpy(args.id, con->id, sizeof(args.id));
	cs = rvirt_proc_console_close_1(&args, &ret, conn_clnt(con->conn));
	rc = conn_end(con->conn, "CONSOLE_CLOSE", cs, ret.status,
		      &ret.rvirt_void_ret_u.error, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	free(con);
	return rc;
}
