/* SPDX-License-Identifier: MIT */
/* auth: the client's authentication after the transport connects. */
#ifndef RVIRT_CLIENT_AUTH_H
#define RVIRT_CLIENT_AUTH_H

#include <stdbool.h>

#include <rpc/rpc.h>

#include "rvirt.h"

struct stream;
struct uri;
struct auth_client;

/*
 * What a connection needs to authenticate, now and after a reconnect:
 * the method priority list (uri's auth= over app's methods over the
 * default), the application's callback, the host for SASL, and a cache
 * of the credentials obtained, in locked memory.  app NULL means
 * rvirt_conn_auth_default().  NULL with *err.
 */
struct auth_client *auth_client_new(const struct uri *uri,
				    const struct rvirt_auth *app,
				    struct rvirt_error *err);

/* Wipe the cached credentials and free a.  NULL is a no-op. */
void auth_client_free(struct auth_client *a);

/*
 * Everything after the transport connects, on clnt over st: AUTH_LIST,
 * the choice of a method, the SASL exchange (with the cached
 * credentials first; the callback is asked again only when they are
 * refused), and the SASL security layer on plain tcp.  Call it again on
 * each new transport of the same connection.  0, or -1 with *err
 * (RVIRT_ERR_AUTH_FAILED, RVIRT_ERR_ACCESS_DENIED, transport errors).
 */
int auth_conn(struct auth_client *a, CLIENT *clnt, struct stream *st,
	      struct rvirt_error *err);

/*
 * 1 when CONNECT_OPEN may go before AUTH_LIST, a round trip less: the
 * client takes "none", the transport is unix, ssh, or plain tcp to a
 * daemon that answered "none" when last asked (client/auth_first.c).  A
 * daemon that lets such an open through offers exactly "none" (it
 * offers one method, and only "none" needs nothing after the
 * transport), which the client would have chosen; one that wants SASL
 * answers RVIRT_ERR_AUTH_REQUIRED and the caller goes through auth_conn
 * and opens again.
 */
int auth_open_first(const struct auth_client *a);

/*
 * client/auth_first.c: the plain tcp daemons (host, port as in the URI)
 * that answered AUTH_LIST with "none" when this process last asked.
 */
bool auth_first_tcp_known(const char *host, int port);
void auth_first_tcp_note(const char *host, int port, bool offers_none);

#endif
