/* SPDX-License-Identifier: MIT */
/* console_token: librvirt's CONSOLE_TOKEN calls (rvirt.h). */
#include <stdio.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "err.h"
#include "rvirt.h"

/*
 * One CONSOLE_TOKEN call; out (when not NULL) is written on success.
 * dom may be NULL only for RESOLVE.
 */
static int
console_token_call(struct rvirt_conn *conn, unsigned int op,
		   const struct rvirt_domain *dom, const char *token,
		   uint64_t expires_s, struct rvirt_console_token *out,
		   struct rvirt_domain *dom_out, struct rvirt_error *err)
{
	static const struct rvirt_domain none = { .id = -1 };
	rvirt_console_token_args args = { 0 };
	rvirt_console_token_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	/* Every operation but RESOLVE names a domain. */
	if (!dom && op != RVIRT_CONSOLE_TOKEN_RESOLVE) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no domain given");
		return -1;
	}
	if (conn_domain_to_wire(dom ? dom : &none, &args.dom, err) < 0)
		return -1;
	args.op = op;
	args.token = (char *)(uintptr_t)(token ? token : "");
	args.expires_s = expires_s;
	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_console_token_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "CONSOLE_TOKEN", cs, ret.status,
		      &ret.rvirt_console_token_ret_u.error, err);
	if (rc == 0) {
		const rvirt_console_token_ok *ok =
			&ret.rvirt_console_token_ret_u.ok;

		if (out) {
			memset(out, 0, sizeof(*out));
			snprintf(out->token, sizeof(out->token), "%s",
				 ok->token ? ok->token : "");
			out->expires = ok->expires;
			out->expired = ok->expired;
		}
		if (dom_out) {
			memset(dom_out, 0, sizeof(*dom_out));
			snprintf(dom_out->name, sizeof(dom_out->name), "%s",
				 ok->dom.name ? ok->dom.name : "");
			memcpy(dom_out->uuid, ok->dom.uuid,
			       sizeof(dom_out->uuid));
			dom_out->id = ok->dom.id;
		}
	}
	if (ret.status == RVIRT_OK && ret.rvirt_console_token_ret_u.ok.token)
		explicit_bzero(ret.rvirt_console_token_ret_u.ok.token,
			       strlen(ret.rvirt_console_token_ret_u.ok.token));
	xdr_free((xdrproc_t)xdr_rvirt_console_token_ret, &ret);
	return rc;
}

int
rvirt_console_token_enable(struct rvirt_conn *conn,
			   const struct rvirt_domain *dom, uint64_t expires_s,
			   struct rvirt_console_token *out,
			   struct rvirt_error *err)
{
	return console_token_call(conn, RVIRT_CONSOLE_TOKEN_ENABLE, dom, NULL,
				  expires_s, out, NULL, err);
}

int
rvirt_console_token_disable(struct rvirt_conn *conn,
			    const struct rvirt_domain *dom,
			    struct rvirt_error *err)
{
	return console_token_call(conn, RVIRT_CONSOLE_TOKEN_DISABLE, dom, NULL,
				  0, NULL, NULL, err);
}

int
rvirt_console_token_show(struct rvirt_conn *conn,
			 const struct rvirt_domain *dom,
			 struct rvirt_console_token *out,
			 struct rvirt_error *err)
{
	return console_token_call(conn, RVIRT_CONSOLE_TOKEN_SHOW, dom, NULL, 0,
				  out, NULL, err);
}

int
rvirt_console_token_resolve(struct rvirt_conn *conn, const char *token,
			    struct rvirt_domain *dom, struct rvirt_error *err)
{
	if (!token || strlen(token) > RVIRT_CONSOLE_TOKEN_LEN) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_CLIENT,
			"cannot resolve a console token: it is not %d hex "
			"digits",
			RVIRT_CONSOLE_TOKEN_LEN);
		return -1;
	}
	return console_token_call(conn, RVIRT_CONSOLE_TOKEN_RESOLVE, NULL,
				  token, 0, NULL, dom, err);
}
