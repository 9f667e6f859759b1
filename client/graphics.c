/* SPDX-License-Identifier: MIT */
/* graphics: librvirt's graphics (VNC) stream calls (rvirt.h). */
#include <stdlib.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"

/*
 * A graphics stream is the daemon's id for a VNC connection that the
 * worker serving this connection holds: unlike a console it lives in
 * the daemon and does not survive a reconnection (RFB is stateful), so
 * a call re-sent after one gets RVIRT_ERR_GRAPHICS_GONE.
 */

struct rvirt_graphics {
	struct rvirt_conn *conn; /* borrowed */
	char id[RVIRT_GRAPHICS_ID_LEN];
	int ended;
};

static char *
graphics_unconst(const void *p)
{
	union {
		const void *c;
		char *m;
	} u = { .c = p };

	return u.m;
}

struct rvirt_graphics *
rvirt_graphics_open(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		    unsigned int flags, struct rvirt_error *err)
{
	rvirt_graphics_open_args args = { 0 };
	rvirt_graphics_open_ret ret = { 0 };
	struct rvirt_graphics *g;
	enum clnt_stat cs;
	int rc;

	if (flags) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"unsupported graphics flags 0x%x", flags);
		return NULL;
	}
	if (conn_domain_to_wire(dom, &args.dom, err) < 0)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		return NULL;
	}
	if (conn_begin(conn, err) < 0) {
		free(g);
		return NULL;
	}
	cs = rvirt_proc_graphics_open_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "GRAPHICS_OPEN", cs, ret.status,
		      &ret.rvirt_graphics_open_ret_u.error, err);
	if (rc == 0) {
		g->conn = conn;
		memcpy(g->id, ret.rvirt_graphics_open_ret_u.id, sizeof(g->id));
	}
	xdr_free((xdrproc_t)xdr_rvirt_graphics_open_ret, &ret);
	if (rc < 0) {
		free(g);
		return NULL;
	}
	return g;
}

ssize_t
rvirt_graphics_read(struct rvirt_graphics *g, void *buf, size_t size,
		    unsigned int wait_ms, struct rvirt_error *err)
{
	rvirt_graphics_read_args args = { 0 };
	rvirt_graphics_read_ret ret = { 0 };
	enum clnt_stat cs;
	ssize_t got = -1;
	int rc;

	if (!g || (!buf && size)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no graphics stream or no buffer given");
		return -1;
	}
	memcpy(args.id, g->id, sizeof(args.id));
	args.max = size > RVIRT_GRAPHICS_DATA_MAX ? RVIRT_GRAPHICS_DATA_MAX
						  : (unsigned int)size;
	args.wait_ms = wait_ms > RVIRT_GRAPHICS_WAIT_MAX
			       ? RVIRT_GRAPHICS_WAIT_MAX
			       : wait_ms;
	if (conn_begin(g->conn, err) < 0)
		return -1;
	cs = rvirt_proc_graphics_read_1(&args, &ret, conn_clnt(g->conn));
	rc = conn_end(g->conn, "GRAPHICS_READ", cs, ret.status,
		      &ret.rvirt_graphics_read_ret_u.error, err);
	if (rc == 0) {
		const rvirt_graphics_read_ok *ok =
			&ret.rvirt_graphics_read_ret_u.ok;
		size_t n = ok->data.data_len;

		if (n > args.max) {
			err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_CLIENT,
				"the daemon sent %zu graphics bytes for %u", n,
				args.max);
		} else {
			if (n > 0)
				memcpy(buf, ok->data.data_val, n);
			g->ended = (ok->flags & RVIRT_GRAPHICS_ENDED) != 0;
			got = (ssize_t)n;
		}
	}
	xdr_free((xdrproc_t)xdr_rvirt_graphics_read_ret, &ret);
	return got;
}

ssize_t
rvirt_graphics_write(struct rvirt_graphics *g, const void *buf, size_t len,
		     struct rvirt_error *err)
{
	rvirt_graphics_write_args args = { 0 };
	rvirt_graphics_write_ret ret = { 0 };
	enum clnt_stat cs;
	ssize_t done = -1;
	int rc;

	if (!g || (!buf && len)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no graphics stream or no data given");
		return -1;
	}
	memcpy(args.id, g->id, sizeof(args.id));
	args.data.data_val = graphics_unconst(buf);
	args.data.data_len = len > RVIRT_GRAPHICS_DATA_MAX
				     ? RVIRT_GRAPHICS_DATA_MAX
				     : (unsigned int)len;
	if (conn_begin(g->conn, err) < 0)
		return -1;
	cs = rvirt_proc_graphics_write_1(&args, &ret, conn_clnt(g->conn));
	rc = conn_end(g->conn, "GRAPHICS_WRITE", cs, ret.status,
		      &ret.rvirt_graphics_write_ret_u.error, err);
	if (rc == 0)
		done = ret.rvirt_graphics_write_ret_u.accepted <=
				       args.data.data_len
			       ? (ssize_t)
					 ret.rvirt_graphics_write_ret_u.accepted
			       : (ssize_t)args.data.data_len;
	xdr_free((xdrproc_t)xdr_rvirt_graphics_write_ret, &ret);
	return done;
}

int
rvirt_graphics_ended(const struct rvirt_graphics *g)
{
	return g ? g->ended : 1;
}

int
rvirt_graphics_close(struct rvirt_graphics *g, struct rvirt_error *err)
{
	rvirt_graphics_close_args args = { 0 };
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	if (!g)
		return 0;
	if (conn_begin(g->conn, err) < 0) {
		free(g);
		return -1;
	}
	memcpy(args.id, g->id, sizeof(args.id));
	cs = rvirt_proc_graphics_close_1(&args, &ret, conn_clnt(g->conn));
	rc = conn_end(g->conn, "GRAPHICS_CLOSE", cs, ret.status,
		      &ret.rvirt_void_ret_u.error, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	free(g);
	return rc;
}

void
rvirt_graphics_free(struct rvirt_graphics *g)
{
	free(g);
}
