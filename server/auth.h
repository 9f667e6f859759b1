/* SPDX-License-Identifier: MIT */
/* auth: which auth methods a socket needs, and a new session's identity. */
#ifndef RVIRT_SERVER_AUTH_H
#define RVIRT_SERVER_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../common/rvirt_defs.h"
#include "config.h"
#include "dispatch.h"
#include "listen.h"

struct saslsrv;
struct tlssrv;

/*
 * A connection's authentication state (sess->auth), owned by auth.c
 * and server/xprt.c, which protects the bytes below the RPC records.
 */
struct auth_state {
	enum listen_kind kind;
	const struct config *cfg;
	char local[80];	 /* "ADDR;PORT" for SASL, "" on unix */
	char remote[80]; /* same for the peer */
	char peer[256];	 /* failure accounting key: address or uid */
	uint64_t created_ms;
	bool counted_anon; /* counted in the unauthenticated connections */
	struct saslsrv *sasl;
	unsigned int min_ssf, max_ssf; /* what SASL must reach / may use */
	bool layer_pending;   /* SASL layer starts after the next reply */
	bool layer_active;    /* every byte goes through sasl_encode/decode */
	struct tlssrv *tls;   /* TLS session on a TLS socket, else NULL */
	unsigned int ext_ssf; /* TLS cipher strength once handshaken */
};

/*
 * Refuse configurations that cannot work: TCP without authentication
 * unless auth_tcp = "none" is written explicitly, an SSF demand with
 * no SASL.  Returns 0, or -1 with *err (RVIRT_ERR_CONFIG).
 */
int auth_config_check(const struct config *cfg, struct rvirt_error *err);

/*
 * Fill *sess for a connection just accepted on a listener of kind:
 * identity ("unix:uid=N" from SO_PEERCRED, "tcp:ADDR:PORT" from peer),
 * uid and gid (-1 on tcp), read-only for the read-only socket, the
 * methods AUTH_LIST reports, whether the session starts authenticated
 * and its auth state.  Refuses the connection when the worker already
 * has max_anonymous_clients unauthenticated ones, or the peer is not
 * in unix_rw_allowed_list.  fd is the accepted socket, peer its
 * address from accept.  Returns 0, or -1 with *err (the connection is
 * then closed).
 */
int auth_session_init(struct session_state *sess, enum listen_kind kind, int fd,
		      const struct sockaddr *peer, socklen_t peerlen,
		      const struct config *cfg, struct rvirt_error *err);

/*
 * Whether a new connection on a socket of kind would be refused now
 * because max_anonymous_clients connections of this process are still
 * unauthenticated (the worker then sheds the oldest quiet one first).
 */
bool auth_anon_full(enum listen_kind kind, const struct config *cfg);

/* Release sess->auth (conn_free calls it). */
void auth_session_release(struct session_state *sess);

/*
 * Why the connection should be closed at now_ms (CLOCK_MONOTONIC_COARSE
 * milliseconds), or NULL: auth_timeout passed while unauthenticated.
 */
const char *auth_expired(const struct session_state *sess, uint64_t now_ms);

/*
 * The session is now authenticated as identity (e.g. "x509:DN"): log
 * it and stop counting it as anonymous.
 */
void auth_session_done(struct session_state *sess, const char *identity);

/* The handlers of AUTH_SASL_INIT, AUTH_SASL_START and AUTH_SASL_STEP. */
int auth_proc_sasl_init(struct call *call, void *args, void *ret,
			struct rvirt_error *err);
int auth_proc_sasl_start(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int auth_proc_sasl_step(struct call *call, void *args, void *ret,
			struct rvirt_error *err);

/* Whether s matches one of the patterns of g (fnmatch, no flags). */
bool auth_globs_match(const struct config_globs *g, const char *s);

#endif
