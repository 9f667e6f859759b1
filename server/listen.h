/* SPDX-License-Identifier: MIT */
/* listen: the listening sockets (unix read-write, unix read-only, tcp). */
#ifndef RVIRT_SERVER_LISTEN_H
#define RVIRT_SERVER_LISTEN_H

#include <stddef.h>

#include "../common/rvirt_defs.h"
#include "config.h"

#define LISTEN_MAX 3
#define LISTEN_SOCK_RW "rvirt-sock"
#define LISTEN_SOCK_RO "rvirt-sock-ro"

enum listen_kind {
	LISTEN_UNIX_RW,
	LISTEN_UNIX_RO,
	LISTEN_TCP,
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
 * listen_addr:tcp_port when listen_tcp is set.  A socket file nobody
 * listens on is replaced; one with a live listener is an error.
 * Returns 0, or -1 with *err and nothing left open.
 */
int listen_open(struct listen_set *set, const struct config *cfg,
		struct rvirt_error *err);

/* Close every listener and remove the unix socket files. */
void listen_close(struct listen_set *set);

/* The listener of kind in set, NULL when not open. */
const struct listener *listen_find(const struct listen_set *set,
				   enum listen_kind kind);

/* "unix", "unix-ro" or "tcp", for logs. */
const char *listen_kind_name(enum listen_kind kind);

#endif
