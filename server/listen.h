/* SPDX-License-Identifier: MIT */
/* listen: the listening sockets (unix read-write, unix read-only, tcp, tls). */
#ifndef RVIRT_SERVER_LISTEN_H
#define RVIRT_SERVER_LISTEN_H

#include <stddef.h>

#include "../common/rvirt_defs.h"
#include "config.h"

#define LISTEN_MAX 4
#define LISTEN_SOCK_RW "rvirt-sock"
#define LISTEN_SOCK_RO "rvirt-sock-ro"

enum listen_kind {
	LISTEN_UNIX_RW,
	LISTEN_UNIX_RO,
	LISTEN_TCP,
	LISTEN_TLS, /* tcp with TLS on tls_port */
};

struct listener {
	int fd; /* non-blocking, close-on-exec */
	enum listen_kind kind;
	/*
	 * The socket file for unix listeners (absolute, so it can be
	 * removed after a chdir), "ADDR:PORT" with the real port for tcp.
	 */
	char name[CONFIG_PATH_MAX + 64];
};

/* The listeners of one daemon; zero it or use listen_open to fill it. */
struct listen_set {
	struct listener ls[LISTEN_MAX];
	size_t n;
};

/*
 * Open every listener cfg asks for: the two unix sockets in
 * unix_sock_dir (created 0700 when missing; runtime_dir when empty),
 * with the configured permissions and group, and tcp on
 * listen_addr:tcp_port when listen_tcp is set, tls on listen_addr:tls_port
 * when listen_tls is set.  A socket file nobody
 * listens on is replaced; one with a live listener is an error.
 * Returns 0, or -1 with *err and nothing left open.
 */
int listen_open(struct listen_set *set, const struct config *cfg,
		struct rvirt_error *err);

/* Close every listener and remove the unix socket files. */
void listen_close(struct listen_set *set);

/*
 * Close every listener and leave the socket files: they belong to
 * systemd, or to the new master of an upgrade.
 */
void listen_close_keep(struct listen_set *set);

/*
 * Take nfds listening sockets passed from fd 3 on (systemd's LISTEN_FDS
 * convention, also used by rvirtd's own USR2 upgrade).  names is
 * LISTEN_FDNAMES ("rw:ro:tcp:tls", NULL when unset): a name of rw, ro, tcp or tls
 * says the kind; any other name, or none, falls back to the address: an
 * AF_UNIX path ending in "-ro" is read-only, another AF_UNIX socket
 * read-write, AF_INET/AF_INET6 tcp.  Each must be a listening stream
 * socket; at most one of each kind.  They are made non-blocking and
 * close-on-exec.  Returns 0, or -1 with *err.
 */
int listen_inherit(struct listen_set *set, int nfds, const char *names,
		   struct rvirt_error *err);

/* The listener of kind in set, NULL when not open. */
const struct listener *listen_find(const struct listen_set *set,
				   enum listen_kind kind);

/* "unix", "unix-ro", "tcp" or "tls", for logs. */
const char *listen_kind_name(enum listen_kind kind);

#endif
