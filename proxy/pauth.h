/* SPDX-License-Identifier: MIT */
/* pauth: how rvirt-console-proxy authenticates to rvirtd. */
#ifndef RVIRT_PROXY_PAUTH_H
#define RVIRT_PROXY_PAUTH_H

#include "../client/rvirt.h"
#include "pconf.h"

/*
 * Take the SASL credentials of c, if it names them: the password is
 * read from sasl_password_file now (it must be a regular file no other
 * user can read; one line, the newline dropped) and kept in locked
 * memory.  0, or -1 with *err naming the file and why.
 */
int pauth_init(const struct pconf *c, struct rvirt_error *err);

/*
 * A connection to uri with those credentials (SASL asks for them when
 * the daemon wants SASL), or as rvirt_conn_open does without them.
 * NULL with *err.  Any thread may call it.
 */
struct rvirt_conn *pauth_open(const char *uri, struct rvirt_error *err);

/* Wipe the password. */
void pauth_free(void);

#endif
