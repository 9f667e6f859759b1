/* SPDX-License-Identifier: MIT */
/* auth: which auth methods a socket needs, and a new session's identity. */
#ifndef RVIRT_SERVER_AUTH_H
#define RVIRT_SERVER_AUTH_H

#include <sys/socket.h>

#include "../common/rvirt_defs.h"
#include "config.h"
#include "dispatch.h"
#include "listen.h"

/*
 * Refuse configurations that ask for what does not exist yet: TCP
 * needs auth_tcp = "none" written explicitly, since SASL is not
 * implemented.  SASL on a unix socket is accepted with a warning: its
 * clients get AUTH_REQUIRED.  Returns 0, or -1 with *err
 * (RVIRT_ERR_CONFIG).
 */
int auth_config_check(const struct config *cfg, struct rvirt_error *err);

/*
 * Fill *sess for a connection just accepted on a listener of kind:
 * identity ("unix:uid=N" from SO_PEERCRED, "tcp:ADDR:PORT" from peer),
 * uid and gid (-1 on tcp), read-only for the read-only socket, the
 * methods AUTH_LIST reports and whether the session starts
 * authenticated.  fd is the accepted socket, peer its address from
 * accept.  Returns 0, or -1 with *err (the connection is then closed).
 */
int auth_session_init(struct session_state *sess, enum listen_kind kind, int fd,
		      const struct sockaddr *peer, socklen_t peerlen,
		      const struct config *cfg, struct rvirt_error *err);

#endif
