/* SPDX-License-Identifier: MIT */
/* listen: the listening sockets (unix read-write, unix read-only, tcp). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "daemon.h"
#include "listen.h"

/* Connections waiting to be accepted, also while max_clients is reached. */
#define LISTEN_BACKLOG SOMAXCONN

static void
listen_set_bind_error(struct rvirt_error *err, const char *name, int errnum)
{
	err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errnum,
		      "cannot bind '%s'", name);
}

const char *
listen_kind_name(enum listen_kind kind)
{
	switch (kind) {
	case LISTEN_UNIX_RW:
		return "unix";
	case LISTEN_UNIX_RO:
		return "unix-ro";
	case LISTEN_TCP:
		return "tcp";
	case LISTEN_TLS:
		return "tls";
	}
	return "unknown";
}

const struct listener *
listen_find(const struct listen_set *set, enum listen_kind kind)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->ls[i].kind == kind)
			return &set->ls[i];
	return NULL;
}

/* The group for the socket files: -1 for the daemon's own. */
static int
listen_group(const struct config *cfg, gid_t *gid, struct rvirt_error *err)
{
	struct group grp, *res = NULL;
	char buf[4096], *end;
	unsigned long n;
	int rc;

	*gid = (gid_t)-1;
	if (cfg->unix_sock_group[0] == '\0')
		return 0;
	rc = getgrnam_r(cfg->unix_sock_group, &grp, buf, sizeof(buf), &res);
	if (rc == 0 && res) {
		*gid = res->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(cfg->unix_sock_group, &end, 10);
	if (isdigit((unsigned char)cfg->unix_sock_group[0]) && *end == '\0' &&
	    errno == 0 && n < (gid_t)-1) {
		*gid = (gid_t)n;
		return 0;
	}
	err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
		"invalid unix_sock_group '%s': no such group",
		cfg->unix_sock_group);
	return -1;
}

/*
 * Make path free for bind: nothing there, or a socket file left by a
 * daemon that is gone.  A live listener means another rvirtd.
 */
static int
listen_unix_clear(const char *path, const struct sockaddr_un *sa,
		  struct rvirt_error *err)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		listen_set_bind_error(err, path, errno);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot bind '%s': file exists and is not a socket",
			path);
		return -1;
	}
	/* Non-blocking: a live listener with a full backlog says EAGAIN. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		listen_set_bind_error(err, path, errno);
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		close(fd);
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot bind '%s': another rvirtd is listening", path);
		return -1;
	}
	rc = errno;
	close(fd);
	if (rc != ECONNREFUSED) {
		listen_set_bind_error(err, path, rc);
		return -1;
	}
	log_info("removing stale socket '%s'", path);
	if (unlink(path) < 0 && errno != ENOENT) {
		listen_set_bind_error(err, path, errno);
		return -1;
	}
	return 0;
}

static int
listen_unix(struct listener *l, enum listen_kind kind, const char *dir,
	    const char *file, mode_t perms, gid_t gid, struct rvirt_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc, n;

	l->fd = -1;
	l->kind = kind;
	n = snprintf(l->name, sizeof(l->name), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"cannot bind '%s/%s': a socket path is at most %zu "
			"bytes",
			dir, file, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, l->name, (size_t)n + 1);
	if (listen_unix_clear(l->name, &sa, err) < 0)
		return -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		listen_set_bind_error(err, l->name, errno);
		return -1;
	}
	/* No moment where the file is more open than perms says. */
	old = umask(0077);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		listen_set_bind_error(err, l->name, errno);
		goto out_close;
	}
	if (gid != (gid_t)-1 && chown(l->name, (uid_t)-1, gid) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set the group of '%s'", l->name);
		goto out_unlink;
	}
	if (chmod(l->name, perms) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set the permissions of '%s'", l->name);
		goto out_unlink;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot listen on '%s'", l->name);
		goto out_unlink;
	}
	l->fd = fd;
	return 0;
out_unlink:
	unlink(l->name);
out_close:
	close(fd);
	return -1;
}

/* "ADDR:PORT", with brackets around IPv6 addresses. */
static void
listen_format_addr(const struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(s4->sin_port));
	}
}

static int
listen_tcp(struct listener *l, const struct config *cfg, enum listen_kind kind,
	   unsigned int portnum, struct rvirt_error *err)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], shown[300];
	size_t hl = strlen(cfg->listen_addr);
	int fd = -1, one = 1, rc = -1;

	l->fd = -1;
	l->kind = kind;
	/* "[::1]" as well as "::1". */
	if (hl >= 2 && cfg->listen_addr[0] == '[' &&
	    cfg->listen_addr[hl - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(hl - 2),
			 cfg->listen_addr + 1);
	else
		snprintf(host, sizeof(host), "%s", cfg->listen_addr);
	snprintf(port, sizeof(port), "%u", portnum);
	snprintf(shown, sizeof(shown), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if (portnum > 65535) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"invalid %s_port '%u': at most 65535",
			listen_kind_name(kind), portnum);
		return -1;
	}
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"invalid listen_addr '%s': not an IPv4 or IPv6 address",
			cfg->listen_addr);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		listen_set_bind_error(err, shown, errno);
		goto out;
	}
	/* Restarts must not wait for TIME_WAIT connections to expire. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		listen_set_bind_error(err, shown, errno);
		goto out;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot listen on '%s'", shown);
		goto out;
	}
	/* tcp_port 0 lets the kernel choose: report the real port. */
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot get the address of '%s'", shown);
		goto out;
	}
	listen_format_addr((const struct sockaddr *)&ss, l->name,
			   sizeof(l->name));
	l->fd = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

int
listen_open(struct listen_set *set, const struct config *cfg,
	    struct rvirt_error *err)
{
	const char *dir =
		cfg->unix_sock_dir[0] ? cfg->unix_sock_dir : cfg->runtime_dir;
	gid_t gid;

	memset(set, 0, sizeof(*set));
	if (listen_group(cfg, &gid, err) < 0 ||
	    daemon_mkdir_p(dir, 0700, err) < 0)
		return -1;
	if (listen_unix(&set->ls[0], LISTEN_UNIX_RW, dir, LISTEN_SOCK_RW,
			cfg->unix_sock_rw_perms, gid, err) < 0)
		goto fail;
	set->n = 1;
	if (listen_unix(&set->ls[1], LISTEN_UNIX_RO, dir, LISTEN_SOCK_RO,
			cfg->unix_sock_ro_perms, gid, err) < 0)
		goto fail;
	set->n = 2;
	if (cfg->listen_tcp) {
		if (listen_tcp(&set->ls[set->n], cfg, LISTEN_TCP, cfg->tcp_port,
			       err) < 0)
			goto fail;
		set->n++;
	}
	if (cfg->listen_tls) {
		if (listen_tcp(&set->ls[set->n], cfg, LISTEN_TLS, cfg->tls_port,
			       err) < 0)
			goto fail;
		set->n++;
	}
	return 0;
fail:
	listen_close(set);
	return -1;
}

void
listen_close_keep(struct listen_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->ls[i].fd >= 0)
			close(set->ls[i].fd);
		set->ls[i].fd = -1;
	}
	set->n = 0;
}

/* The kind LISTEN_FDNAMES gives, -1 when it names none of ours. */
static int
listen_kind_by_name(const char *name, size_t len)
{
	if (len == 2 && memcmp(name, "rw", 2) == 0)
		return LISTEN_UNIX_RW;
	if (len == 2 && memcmp(name, "ro", 2) == 0)
		return LISTEN_UNIX_RO;
	if (len == 3 && memcmp(name, "tcp", 3) == 0)
		return LISTEN_TCP;
	if (len == 3 && memcmp(name, "tls", 3) == 0)
		return LISTEN_TLS;
	return -1;
}

static int
listen_inherit_one(struct listener *l, int fd, const char *name, size_t namelen,
		   struct rvirt_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int acc = 0, type = 0, kind, fl;
	socklen_t il = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &il) < 0 || !acc) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot use inherited fd %d: not a listening socket",
			fd);
		return -1;
	}
	il = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &il) < 0 ||
	    type != SOCK_STREAM ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot use inherited fd %d: not a stream socket", fd);
		return -1;
	}
	kind = listen_kind_by_name(name, namelen);
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *su = (const void *)&ss;
		size_t plen =
			sl > offsetof(struct sockaddr_un, sun_path)
				? strnlen(su->sun_path,
					  sl - offsetof(struct sockaddr_un,
							sun_path))
				: 0;

		snprintf(l->name, sizeof(l->name), "%.*s", (int)plen,
			 su->sun_path);
		if (kind < 0)
			kind = plen >= 3 && memcmp(su->sun_path + plen - 3,
						   "-ro", 3) == 0
				       ? LISTEN_UNIX_RO
				       : LISTEN_UNIX_RW;
	} else if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		listen_format_addr((const struct sockaddr *)&ss, l->name,
				   sizeof(l->name));
		if (kind < 0)
			kind = LISTEN_TCP;
	} else {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot use inherited fd %d: address family %d", fd,
			ss.ss_family);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot use inherited fd %d", fd);
		return -1;
	}
	l->fd = fd;
	l->kind = (enum listen_kind)kind;
	return 0;
}

int
listen_inherit(struct listen_set *set, int nfds, const char *names,
	       struct rvirt_error *err)
{
	const char *p = names, *e;
	size_t len;

	memset(set, 0, sizeof(*set));
	if (nfds < 1 || nfds > LISTEN_MAX) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot use %d inherited sockets: 1 to %d expected",
			nfds, LISTEN_MAX);
		return -1;
	}
	for (int i = 0; i < nfds; i++) {
		e = p ? strchr(p, ':') : NULL;
		len = p ? (e ? (size_t)(e - p) : strlen(p)) : 0;
		if (listen_inherit_one(&set->ls[i], 3 + i, p ? p : "", len,
				       err) < 0)
			goto fail;
		if (listen_find(set, set->ls[i].kind)) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"cannot use inherited fd %d: a second %s "
				"socket",
				3 + i, listen_kind_name(set->ls[i].kind));
			goto fail;
		}
		set->n = (size_t)i + 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
fail:
	/* Not ours to close: the caller exits, and the fds go with it. */
	memset(set, 0, sizeof(*set));
	return -1;
}

void
listen_close(struct listen_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct listener *l = &set->ls[i];

		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		if (l->kind != LISTEN_TCP && l->kind != LISTEN_TLS)
			unlink(l->name);
	}
	set->n = 0;
}
