/* SPDX-License-Identifier: MIT */
/* saslcli: Cyrus SASL on the client side: negotiation and security layer. */
#ifndef RVIRT_CLIENT_SASLCLI_H
#define RVIRT_CLIENT_SASLCLI_H

#include <stddef.h>

#include "rvirt.h"

struct stream;
struct saslcli;

/*
 * Fill the credentials SASL asks for, all at once: set result and
 * resultlen of each (result must stay valid until the next saslcli
 * call).  0, or -1 with *err.
 */
typedef int (*saslcli_fill_fn)(void *ctx, struct rvirt_cred *creds,
			       unsigned int n, struct rvirt_error *err);

/*
 * A negotiation with the daemon on host (the GSSAPI service principal is
 * rvirt/host).  local and remote are "ADDR;PORT" or NULL.  min_ssf is
 * the security layer the client insists on, max_ssf the most it uses
 * (0: no layer), ext_ssf the strength of TLS below.  NULL with *err.
 */
struct saslcli *saslcli_new(const char *host, const char *local,
			    const char *remote, unsigned int min_ssf,
			    unsigned int max_ssf, unsigned int ext_ssf,
			    struct rvirt_error *err);

void saslcli_free(struct saslcli *s);

/*
 * Pick a mechanism of mechlist (comma separated) and make the first
 * message.  *mech and *out (NULL: no data) belong to s.  0, or -1 with
 * *err (RVIRT_ERR_AUTH_FAILED).
 */
int saslcli_start(struct saslcli *s, const char *mechlist, saslcli_fill_fn fill,
		  void *ctx, const char **mech, const char **out,
		  size_t *outlen, struct rvirt_error *err);

/* The next message for the server's data in.  0, or -1 with *err. */
int saslcli_step(struct saslcli *s, const char *in, size_t inlen,
		 saslcli_fill_fn fill, void *ctx, const char **out,
		 size_t *outlen, struct rvirt_error *err);

/* The negotiated security layer's strength (0: none). */
unsigned int saslcli_ssf(struct saslcli *s);

/*
 * Put the security layer under st's records.  st then owns s (frees it
 * with the stream).  0, or -1 with *err (s is then still the caller's).
 */
int saslcli_layer(struct saslcli *s, struct stream *st,
		  struct rvirt_error *err);

#endif
