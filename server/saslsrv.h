/* SPDX-License-Identifier: MIT */
/* saslsrv: Cyrus SASL on the daemon side: negotiation and security layer. */
#ifndef RVIRT_SERVER_SASLSRV_H
#define RVIRT_SERVER_SASLSRV_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rvirt_defs.h"
#include "config.h"

/* The SASL application name: Cyrus reads <config dir>/rvirt.conf. */
#define SASLSRV_APP "rvirt"

struct saslsrv;

/*
 * One SASL negotiation.  local and remote are "ADDR;PORT" (NULL on unix
 * sockets).  min_ssf is the security layer strength the negotiation
 * must reach (0: none needed), max_ssf the most it may use (0: no
 * layer, as on unix and TLS sockets).  ext_ssf is the strength of what
 * lies below (TLS), which lets mechanisms without a layer pass min_ssf.
 * The first call in a process runs sasl_server_init with the config
 * directory of cfg.  Returns NULL with *err (RVIRT_ERR_AUTH_FAILED).
 */
struct saslsrv *saslsrv_new(const struct config *cfg, const char *local,
			    const char *remote, unsigned int min_ssf,
			    unsigned int max_ssf, unsigned int ext_ssf,
			    struct rvirt_error *err);

void saslsrv_free(struct saslsrv *s);

/*
 * The mechanisms offered, comma separated, never ANONYMOUS.  malloc'd,
 * or NULL with *err.
 */
char *saslsrv_mechlist(struct saslsrv *s, struct rvirt_error *err);

/*
 * Start with mech (client data in, NULL for none) or take one more
 * step.  Returns 1 when the exchange is complete, 0 when the client
 * must step again, -1 with *err (RVIRT_ERR_AUTH_FAILED).  *out
 * (NULL for none) stays valid until the next call on s.
 */
int saslsrv_start(struct saslsrv *s, const char *mech, const char *in,
		  size_t inlen, const char **out, size_t *outlen,
		  struct rvirt_error *err);
int saslsrv_step(struct saslsrv *s, const char *in, size_t inlen,
		 const char **out, size_t *outlen, struct rvirt_error *err);

/*
 * Whether a start (step false) or a step may come now: a start only
 * right after saslsrv_mechlist, a step only while the exchange goes on.
 * saslsrv_start and saslsrv_step check it themselves; the caller may
 * ask first to refuse a call out of order without ending the
 * negotiation.  0, or -1 with *err (RVIRT_ERR_AUTH_FAILED).
 */
int saslsrv_order_check(const struct saslsrv *s, bool step,
			struct rvirt_error *err);

/* After completion: the authenticated user name, and the layer's SSF. */
const char *saslsrv_username(struct saslsrv *s);
unsigned int saslsrv_ssf(struct saslsrv *s);

/*
 * The security layer: encode plaintext or decode received bytes.  *out
 * belongs to s until the next call.  0, or -1 with *err.
 */
int saslsrv_encode(struct saslsrv *s, const unsigned char *in, size_t inlen,
		   const unsigned char **out, size_t *outlen,
		   struct rvirt_error *err);
int saslsrv_decode(struct saslsrv *s, const unsigned char *in, size_t inlen,
		   const unsigned char **out, size_t *outlen,
		   struct rvirt_error *err);

/* Largest plaintext saslsrv_encode takes at once. */
size_t saslsrv_max_encode(struct saslsrv *s);

#endif
