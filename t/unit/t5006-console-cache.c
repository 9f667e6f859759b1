/* SPDX-License-Identifier: MIT */
/*
 * t5006-console-cache: a worker's cached pty master (hv/console.c) is
 * dropped when the console it belongs to ends, even when the holder's
 * socket looks like the same file: a fake holder in a thread keeps its
 * socket and hands out a second pty after the first one's guest side
 * closed, as a new holder whose socket got the old inode number would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/err.h"
#include "../../hv/console.h"

struct fake_holder {
	int lfd;
	pthread_mutex_t lock;
	int master; /* what the next connection gets */
};

static void
send_fd(int s, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct iovec iov = { .iov_base = "m", .iov_len = 1 };

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &msg, MSG_NOSIGNAL) != 1)
		fprintf(stderr, "fake holder: sendmsg: %s\n", strerror(errno));
}

static void *
fake_holder_run(void *opaque)
{
	struct fake_holder *h = opaque;
	int c;

	/* Ends when the test shuts the listening socket down. */
	while ((c = accept(h->lfd, NULL, NULL)) >= 0) {
		pthread_mutex_lock(&h->lock);
		send_fd(c, h->master);
		pthread_mutex_unlock(&h->lock);
		close(c);
	}
	return NULL;
}

/* A pty as a holder makes one: master non-blocking, slave raw. */
static void
open_pty(int *master, int *slave)
{
	struct termios t;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*slave >= 0);
	assert_int_equal(tcgetattr(*slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(*slave, TCSANOW, &t), 0);
}

/* One byte read from fd within 10 s, or -1. */
static int
read_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 10000) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return (unsigned char)c;
}

static void
type(const char *cdir, char c)
{
	struct rvirt_error err;
	size_t done = 0;

	assert_int_equal(console_write(cdir, &c, 1, &done, &err), 0);
	assert_int_equal(done, 1);
}

static void
test_new_console_same_socket(void **state)
{
	char cdir[] = "/tmp/rvt-console-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake_holder h = { .lock = PTHREAD_MUTEX_INITIALIZER };
	int m1, s1, m2, s2;
	pthread_t thr;

	(void)state;
	assert_non_null(mkdtemp(cdir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", cdir);
	h.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(h.lfd >= 0);
	assert_int_equal(bind(h.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(h.lfd, 8), 0);
	open_pty(&m1, &s1);
	h.master = m1;
	assert_int_equal(pthread_create(&thr, NULL, fake_holder_run, &h), 0);

	/* The first console: typed twice, the second from the cache. */
	type(cdir, 'a');
	assert_int_equal(read_byte(s1), 'a');
	type(cdir, 'b');
	assert_int_equal(read_byte(s1), 'b');

	/* Its guest ends; the same socket now hands out a new pty. */
	open_pty(&m2, &s2);
	pthread_mutex_lock(&h.lock);
	close(s1);
	close(m1);
	h.master = m2;
	pthread_mutex_unlock(&h.lock);
	type(cdir, 'c');
	assert_int_equal(read_byte(s2), 'c');

	shutdown(h.lfd, SHUT_RDWR);
	pthread_join(thr, NULL);
	close(h.lfd);
	close(s2);
	close(m2);
	unlink(sa.sun_path);
	rmdir(cdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_console_same_socket),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
