/* SPDX-License-Identifier: MIT */
/* notifysock: a stand-in for systemd's NOTIFY_SOCKET that prints what it hears. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * notifysock PATH SECONDS
 *
 * Binds a unix datagram socket at PATH (as systemd does for a unit with
 * Type=notify), then prints every datagram as one line
 * "pid=SENDER FIELD FIELD ..." (the newlines between fields become
 * spaces; the sender comes from SCM_CREDENTIALS), flushing each line.
 * Exits after SECONDS, or at once on SIGTERM; status 2 on a usage or
 * socket error.
 */
int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct timespec start, now;
	long limit_ms;
	int fd, one = 1;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notifysock PATH SECONDS\n");
		return 2;
	}
	limit_ms = atol(argv[2]) * 1000;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "notifysock: cannot bind '%s': %s\n", argv[1],
			strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct iovec iov = { .iov_base = buf,
				     .iov_len = sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		long pid = -1, left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = limit_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		n = recvmsg(fd, &mh, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				pid = (long)uc.pid;
			}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		printf("pid=%ld %s\n", pid, buf);
		fflush(stdout);
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
