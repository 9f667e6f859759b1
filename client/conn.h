/* SPDX-License-Identifier: MIT */
/* conn: what the other files of librvirt use of a connection (client/conn.c). */
#ifndef RVIRT_CLIENT_CONN_H
#define RVIRT_CLIENT_CONN_H

#include <rpc/rpc.h>

#include "rvirt.h"
#include "rvirt_protocol.h"

/*
 * A call on conn from another file of the library, the way conn.c makes
 * its own:
 *
 *	if (conn_begin(conn, err) < 0)
 *		return -1;
 *	cs = rvirt_proc_x_1(&args, &ret, conn_clnt(conn));
 *	rc = conn_end(conn, "X", cs, ret.status, &ret.x_ret_u.error, err);
 *	... use ret when rc == 0 ...
 *	xdr_free((xdrproc_t)xdr_x_ret, &ret);
 *
 * conn_begin takes the connection's lock (RVIRT_ERR_INVALID_ARG for a
 * NULL conn), conn_end releases it and turns the outcome into 0 or -1
 * with *err (the RPC failure, or the daemon's error).
 */
int conn_begin(struct rvirt_conn *conn, struct rvirt_error *err);
CLIENT *conn_clnt(struct rvirt_conn *conn);
int conn_end(struct rvirt_conn *conn, const char *proc, enum clnt_stat st,
	     rvirt_status status, const rvirt_wire_error *we,
	     struct rvirt_error *err);

/*
 * A procedure without arguments that answers a version number (stub, named
 * proc in errors): its number into *version.  0, or -1 with *err.
 */
int conn_get_version_of(struct rvirt_conn *conn, const char *proc,
			enum clnt_stat (*stub)(void *, rvirt_version_ret *,
					       CLIENT *),
			uint64_t *version, struct rvirt_error *err);

/*
 * The wire form of dom into *w, which borrows dom's name (valid while
 * dom is).  0, or -1 with *err (RVIRT_ERR_INVALID_ARG for a NULL dom or
 * an unterminated name).
 */
/*
 * A new connection to what conn was opened on, with the same flags and
 * authentication (for the event thread).  NULL with *err.
 */
struct rvirt_conn *conn_open_again(struct rvirt_conn *conn,
				   struct rvirt_error *err);

/*
 * client/keepalive.c's thread: ping conn if it has sent nothing for its
 * keepalive interval and no call is in flight.  Returns the ms to wait
 * before the next look.
 */
int conn_keepalive_tick(struct rvirt_conn *conn);

/*
 * The longest a parked call (EVENT_WAIT) of conn should wait so that
 * its answer comes well within keepalive_interval * keepalive_count;
 * 0 when keepalive is off.
 */
unsigned int conn_keepalive_park_ms(struct rvirt_conn *conn);

/* client/event.c: end every event registration of conn (on close). */
void event_conn_close(struct rvirt_conn *conn);

int conn_domain_to_wire(const struct rvirt_domain *dom, rvirt_wire_domain *w,
			struct rvirt_error *err);

/* Helpers of conn.c that domain.c's calls share. */
/* XDR encodes from char *, which never writes through it. */
char *conn_unconst(const char *s);
void conn_domain_from_wire(const rvirt_wire_domain *w, struct rvirt_domain *d);
/* args borrows dom's name: valid while dom is. */
int conn_domain_to_args(const struct rvirt_domain *dom, rvirt_domain_args *args,
			struct rvirt_error *err);
/* NULL or too long an XML document: -1 with *err. */
int conn_check_xml(const char *xml, struct rvirt_error *err);
/* The reply of a procedure that returns an XML document: a copy, or NULL. */
char *conn_xml_result(struct rvirt_conn *conn, const char *proc,
		      enum clnt_stat cs, rvirt_xml_ret *ret,
		      struct rvirt_error *err);

/* strdup of a reply's string (NULL as ""), or NULL with NO_MEMORY in *err. */
char *conn_strdup(const char *s, struct rvirt_error *err);

#endif
