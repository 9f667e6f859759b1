/* SPDX-License-Identifier: MIT */
/* tlscli: the client's TLS (GnuTLS): x509 files, handshake, server checks. */
#ifndef RVIRT_CLIENT_TLSCLI_H
#define RVIRT_CLIENT_TLSCLI_H

#include <stdint.h>

#include "rvirt_defs.h"

struct stream;
struct uri;

/* The files in a pkipath directory. */
#define TLSCLI_CA "cacert.pem"
#define TLSCLI_CERT "clientcert.pem"
#define TLSCLI_KEY "clientkey.pem"

/*
 * Run the TLS handshake on the connected stream st, then put TLS below
 * it.  Certificates come from uri's pkipath (default
 * $HOME/.pki/rvirt, /etc/pki/rvirt as root): the CA is needed to verify
 * the server (its chain, dates and host name), the client certificate
 * and key are sent when present.  no_verify=1 skips the server checks
 * with a warning on stderr.  tls_priority as in rvirtd.conf(5).
 * Returns 0, or -1 with *err (RVIRT_ERR_AUTH_FAILED naming what failed,
 * RVIRT_ERR_TIMEOUT).
 */
int tlscli_start(struct stream *st, const struct uri *uri, int64_t deadline,
		 struct rvirt_error *err);

/* The negotiated cipher's key size in bits (SASL external SSF), 0 if none. */
unsigned int tlscli_ssf(struct stream *st);

/* Whether a client certificate was sent: 1, or 0 (also for non-TLS). */
int tlscli_has_cert(struct stream *st);

#endif
