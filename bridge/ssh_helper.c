/* SPDX-License-Identifier: MIT */
/* ssh_helper: rvirt-ssh-helper, the native stdio bridge to rvirtd's socket. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../client/ssh.h"
#include "../client/stream.h"
#include "err.h"

#define SSH_HELPER_CONNECT_TIMEOUT_MS 10000
#define SSH_HELPER_BUF 65536

/* One direction of the copy: bytes read from in, not yet written out. */
struct ssh_helper_pipe {
	int in;
	int out;
	int eof; /* in said EOF; out was shut once buf drained */
	int shut;
	size_t off;
	size_t len;
	unsigned char buf[SSH_HELPER_BUF];
};

static void
ssh_helper_usage(void)
{
	fprintf(stderr, "usage: rvirt-ssh-helper [--readonly] [--socket PATH] "
			"URI-PATH\n");
	exit(2);
}

static void
ssh_helper_fail(const char *what, const char *subject, int errnum)
{
	char es[128];

	stream_strerror(errnum, es, sizeof(es));
	fprintf(stderr, "rvirt-ssh-helper: cannot %s '%s': %s\n", what, subject,
		es);
	exit(1);
}

/*
 * The socket for the URI path: /system is the system daemon's;
 * anything else (/session, /default) is the default socket of the
 * user running the helper, by the rules librvirt's unix transport uses.
 */
static void
ssh_helper_socket_path(const char *path, int readonly, char *buf, size_t size)
{
	struct rvirt_error err = { 0 };
	const char *name = readonly ? STREAM_SOCK_RO_NAME : STREAM_SOCK_NAME;

	if (strcmp(path, "/system") == 0) {
		snprintf(buf, size, "%s/%s", SSH_SYSTEM_SOCK_DIR, name);
		return;
	}
	if (stream_default_socket_path(readonly, buf, size, &err) < 0) {
		fprintf(stderr, "rvirt-ssh-helper: %s\n", err.message);
		exit(1);
	}
}

/* Connect, waiting out a full backlog (EAGAIN) up to the timeout. */
static int
ssh_helper_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int64_t deadline = stream_now_ms() + SSH_HELPER_CONNECT_TIMEOUT_MS;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		ssh_helper_fail("connect to", path, ENAMETOOLONG);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		ssh_helper_fail("connect to", path, errno);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || stream_now_ms() >= deadline)
			ssh_helper_fail("connect to", path,
					errno == EAGAIN ? ETIMEDOUT : errno);
		poll(NULL, 0, 10);
	}
}

/* Move bytes of one direction as far as possible without blocking. */
static int
ssh_helper_step(struct ssh_helper_pipe *p, short rev_in, short rev_out)
{
	ssize_t n;

	if (p->len == 0 && !p->eof && (rev_in & (POLLIN | POLLHUP | POLLERR))) {
		n = read(p->in, p->buf, sizeof(p->buf));
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			/* A reset peer is an end like any other. */
			p->eof = 1;
		} else if (n == 0) {
			p->eof = 1;
		} else if (n > 0) {
			p->off = 0;
			p->len = (size_t)n;
		}
	}
	if (p->len > 0 && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
		n = write(p->out, p->buf + p->off, p->len);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (n > 0) {
			p->off += (size_t)n;
			p->len -= (size_t)n;
		}
	}
	return 0;
}

/* Half-close: EOF from one side becomes a shutdown of the other. */
static void
ssh_helper_shut(struct ssh_helper_pipe *p, int out_is_sock)
{
	if (!p->eof || p->len > 0 || p->shut)
		return;
	p->shut = 1;
	if (out_is_sock)
		shutdown(p->out, SHUT_WR);
	else
		close(p->out);
}

static int
ssh_helper_bridge(int sock)
{
	static struct ssh_helper_pipe up, down;
	int fds[3] = { STDIN_FILENO, STDOUT_FILENO, sock };
	int i;

	for (i = 0; i < 3; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0)
			ssh_helper_fail("set up", "stdio", errno);
	}
	up.in = STDIN_FILENO;
	up.out = sock;
	down.in = sock;
	down.out = STDOUT_FILENO;
	/* Done once the daemon's side is over: it will send nothing more. */
	while (!down.shut) {
		struct pollfd pfd[4];
		int n;

		pfd[0] = (struct pollfd){ .fd = up.len || up.eof ? -1 : up.in,
					  .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = up.len ? up.out : -1,
					  .events = POLLOUT };
		pfd[2] = (struct pollfd){ .fd = down.len || down.eof ? -1
								     : down.in,
					  .events = POLLIN };
		pfd[3] = (struct pollfd){ .fd = down.len ? down.out : -1,
					  .events = POLLOUT };
		n = poll(pfd, 4, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ssh_helper_fail("poll", "stdio", errno);
		if (ssh_helper_step(&up, pfd[0].revents, pfd[1].revents) < 0)
			ssh_helper_fail("send to", "rvirtd", errno);
		if (ssh_helper_step(&down, pfd[2].revents, pfd[3].revents) < 0)
			return 0; /* the client went away: nothing to tell */
		ssh_helper_shut(&up, 1);
		ssh_helper_shut(&down, 0);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *socket_path = NULL;
	char defpath[256];
	int readonly = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--readonly") == 0) {
			readonly = 1;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			ssh_helper_usage();
		}
	}
	if (i != argc - 1 || argv[i][0] != '/')
		ssh_helper_usage();
	/* A client gone away is an error on write, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (!socket_path) {
		ssh_helper_socket_path(argv[i], readonly, defpath,
				       sizeof(defpath));
		socket_path = defpath;
	}
	return ssh_helper_bridge(ssh_helper_connect(socket_path));
}
