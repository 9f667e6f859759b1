/* SPDX-License-Identifier: MIT */
/* tlssrv: GnuTLS on the daemon's TLS socket: credentials, sessions, x509 checks. */
#ifndef RVIRT_SERVER_TLSSRV_H
#define RVIRT_SERVER_TLSSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "config.h"

struct tlssrv;

/*
 * Load and check the daemon's own certificates for listen_tls: the CA
 * (a CA certificate, in its validity period), the server certificate
 * (valid now, issued by the CA, usable for a TLS server: key usage and
 * purpose), its key (matching the certificate), the CRL when given,
 * and the priority string.  Keeps the credentials for the sessions of
 * this process and its workers.  Returns 0, or -1 with *err
 * (RVIRT_ERR_CONFIG) naming the file and what is wrong with it.
 */
int tlssrv_config_check(const struct config *cfg, struct rvirt_error *err);

/* A server TLS session over the accepted socket fd (not owned). */
struct tlssrv *tlssrv_new(int fd, const struct config *cfg,
			  struct rvirt_error *err);

void tlssrv_free(struct tlssrv *t);

/*
 * Go on with the handshake and, once it is done, check the client's
 * certificate (chain, dates, CRL) and DN (tls_allowed_dn_list).
 * Returns 1 when done (identity "x509:DN" in id), 0 when it must wait
 * for the socket (tlssrv_wants_write says which way), -1 with *err
 * (a fatal alert has been sent to the client when it was refused).
 */
int tlssrv_handshake(struct tlssrv *t, char *id, size_t idsize,
		     struct rvirt_error *err);
bool tlssrv_wants_write(const struct tlssrv *t);

/* Like read(2)/send(2): -1 with errno EAGAIN when it would block. */
ssize_t tlssrv_read(struct tlssrv *t, void *buf, size_t len);
ssize_t tlssrv_write(struct tlssrv *t, const void *buf, size_t len);

/* Decrypted bytes GnuTLS holds that epoll cannot see. */
size_t tlssrv_pending(struct tlssrv *t);

/* The cipher's key size in bits, as a SASL external SSF. */
unsigned int tlssrv_ssf(struct tlssrv *t);

#endif
