/* SPDX-License-Identifier: MIT */
/* auth: which auth methods a socket needs, and a new session's identity. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/err.h"
#include "../common/log.h"
#include "auth.h"

int
auth_config_check(const struct config *cfg, struct rvirt_error *err)
{
	if (cfg->listen_tcp &&
	    (cfg->auth_tcp != CONFIG_AUTH_NONE || !cfg->auth_tcp_explicit)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"listen_tcp = 1 needs auth_tcp = \"none\" written "
			"in the configuration: sasl is not implemented yet, "
			"and tcp without authentication must be asked for");
		return -1;
	}
	/*
	 * Allowed, so that clients can be tested against AUTH_REQUIRED,
	 * but nobody can get past it yet: say so once.
	 */
	if (cfg->auth_unix_rw != CONFIG_AUTH_NONE)
		log_warn("auth_unix_rw is \"sasl\", which is not implemented "
			 "yet: clients of '%s' cannot authenticate",
			 LISTEN_SOCK_RW);
	if (cfg->auth_unix_ro != CONFIG_AUTH_NONE)
		log_warn("auth_unix_ro is \"sasl\", which is not implemented "
			 "yet: clients of '%s' cannot authenticate",
			 LISTEN_SOCK_RO);
	return 0;
}

static enum config_auth
auth_for_kind(enum listen_kind kind, const struct config *cfg)
{
	switch (kind) {
	case LISTEN_UNIX_RW:
		return cfg->auth_unix_rw;
	case LISTEN_UNIX_RO:
		return cfg->auth_unix_ro;
	case LISTEN_TCP:
		return cfg->auth_tcp;
	}
	return CONFIG_AUTH_SASL;
}

static int
auth_identity_unix(struct session_state *sess, int fd, struct rvirt_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    len != sizeof(cred)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_AUTH, errno,
			      "cannot get the peer credentials of a unix "
			      "connection");
		return -1;
	}
	sess->uid = cred.uid;
	sess->gid = cred.gid;
	snprintf(sess->identity, sizeof(sess->identity), "unix:uid=%lu",
		 (unsigned long)cred.uid);
	return 0;
}

static int
auth_identity_tcp(struct session_state *sess, const struct sockaddr *peer,
		  socklen_t peerlen, struct rvirt_error *err)
{
	char host[INET6_ADDRSTRLEN];

	if (peer->sa_family == AF_INET6 &&
	    peerlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)peer;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(sess->identity, sizeof(sess->identity), "tcp:[%s]:%u",
			 host, ntohs(s6->sin6_port));
	} else if (peer->sa_family == AF_INET &&
		   peerlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)peer;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(sess->identity, sizeof(sess->identity), "tcp:%s:%u",
			 host, ntohs(s4->sin_port));
	} else {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_AUTH,
			"cannot name a tcp peer of address family %d",
			peer->sa_family);
		return -1;
	}
	sess->uid = (uid_t)-1;
	sess->gid = (gid_t)-1;
	return 0;
}

int
auth_session_init(struct session_state *sess, enum listen_kind kind, int fd,
		  const struct sockaddr *peer, socklen_t peerlen,
		  const struct config *cfg, struct rvirt_error *err)
{
	memset(sess, 0, sizeof(*sess));
	if (kind == LISTEN_TCP) {
		if (auth_identity_tcp(sess, peer, peerlen, err) < 0)
			return -1;
	} else if (auth_identity_unix(sess, fd, err) < 0) {
		return -1;
	}
	sess->readonly = kind == LISTEN_UNIX_RO;
	if (auth_for_kind(kind, cfg) == CONFIG_AUTH_NONE) {
		sess->auth_methods[0] = RVIRT_AUTH_NONE;
		sess->authenticated = true;
	} else {
		sess->auth_methods[0] = RVIRT_AUTH_SASL;
		sess->authenticated = false;
	}
	sess->nauth_methods = 1;
	return 0;
}
