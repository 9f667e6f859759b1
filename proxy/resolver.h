/* SPDX-License-Identifier: MIT */
/* resolver: how rvirt-console-proxy turns a console token into a domain. */
#ifndef RVIRT_PROXY_RESOLVER_H
#define RVIRT_PROXY_RESOLVER_H

#include "../client/rvirt.h"

/*
 * A token resolver is a struct of function pointers over its own state,
 * so that another source of tokens (a signed URL, an external service)
 * can replace the built-in one that asks rvirtd (CONSOLE_TOKEN's
 * resolve, resolver_rvirtd.c).  The proxy calls resolve from the
 * threads of its sessions, several at a time: an implementation
 * serialises what must be.
 */
struct resolver {
	const char *name; /* for logs: "rvirtd" */
	/*
	 * The domain token names, into *dom: 0, or -1 with *err, whose
	 * message the proxy sends as the websocket's close reason (a
	 * refused token: RVIRT_ERR_TOKEN_INVALID or _EXPIRED).
	 */
	int (*resolve)(struct resolver *r, const char *token,
		       struct rvirt_domain *dom, struct rvirt_error *err);
	/* Free r and its state. */
	void (*free)(struct resolver *r);
};

/*
 * The built-in resolver: CONSOLE_TOKEN (op resolve) on its own
 * read-write connection to uri, opened now and kept (librvirt
 * reconnects it when rvirtd restarts).  NULL with *err.
 */
struct resolver *resolver_rvirtd_new(const char *uri, struct rvirt_error *err);

#endif
