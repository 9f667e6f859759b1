/* SPDX-License-Identifier: MIT */
/* console_holder: rvirt-console-holder, the process that holds a domain console's pty and writes its log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "console.h"
#include "console_int.h"
#include "driver.h"
#include "procdom.h"
/* ---------------------------------------------------------------- */
/* The holder                                                         */
/* ---------------------------------------------------------------- */

struct console_holder {
	const char *cdir;
	int master;
	int listen_fd;
	int seg_fd;
	int copy_fd; /* the domain's log, -1 none */
	uint64_t seg_start, seg_len;
	dev_t sock_dev;
	ino_t sock_ino;
	struct timespec sock_ctime; /* the inode number may be reused */
};

/* Open a new segment at offset start, dropping all but the last one. */
static int
console_holder_segment(struct console_holder *h, uint64_t start)
{
	uint64_t starts[CONSOLE_SEGMENTS_SCAN];
	char path[4096];
	size_t n;
	int fd;

	console_segment_name(h->cdir, start, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (h->seg_fd >= 0)
		close(h->seg_fd);
	h->seg_fd = fd;
	h->seg_start = start;
	h->seg_len = 0;
	n = console_segments(h->cdir, starts, CONSOLE_SEGMENTS_SCAN);
	for (size_t i = 0; i + 2 < n; i++) {
		console_segment_name(h->cdir, starts[i], path, sizeof(path));
		unlink(path);
	}
	return 0;
}

static int
console_holder_log(struct console_holder *h, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if (h->seg_len >= CONSOLE_SEGMENT_MAX &&
		    console_holder_segment(h, h->seg_start + h->seg_len) < 0)
			return -1;
		size_t room = CONSOLE_SEGMENT_MAX - h->seg_len;
		size_t chunk = len < room ? len : room;

		w = write(h->seg_fd, buf, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		h->seg_len += (uint64_t)w;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Hand the pty master to a writer that connected. */
static void
console_holder_accept(struct console_holder *h)
{
	int fd;

	fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* A writer that went away already is no matter. */
	(void)console_fd_send(fd, h->master);
	close(fd);
}

static int
console_holder_listen(struct console_holder *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (console_path(h->cdir, "sock", sa.sun_path, sizeof(sa.sun_path)) < 0)
		return -1;
	h->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0)
		return -1;
	unlink(sa.sun_path);
	if (bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(h->listen_fd, 16) < 0 ||
	    stat(sa.sun_path, &st) < 0)
		return -1;
	h->sock_dev = st.st_dev;
	h->sock_ino = st.st_ino;
	h->sock_ctime = st.st_ctim;
	return 0;
}

/* Remove the socket, unless a newer holder's replaced it. */
static void
console_holder_unlisten(struct console_holder *h)
{
	char path[4096];
	struct stat st;

	if (console_path(h->cdir, "sock", path, sizeof(path)) < 0)
		return;
	if (stat(path, &st) == 0 && st.st_dev == h->sock_dev &&
	    st.st_ino == h->sock_ino &&
	    st.st_ctim.tv_sec == h->sock_ctime.tv_sec &&
	    st.st_ctim.tv_nsec == h->sock_ctime.tv_nsec)
		unlink(path);
}

static int
console_holder_lock(const char *cdir)
{
	uint64_t deadline =
		console_now_ms(CLOCK_MONOTONIC) + CONSOLE_LOCK_WAIT_MS;
	char path[4096];
	int fd;

	if (console_path(cdir, "lock", path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* The last holder may still be draining the last domain's pty. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK ||
		    console_now_ms(CLOCK_MONOTONIC) >= deadline)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return fd;
}

void
console_holder_run(const char *cdir, int master, int ready_w, int copy_fd)
{
	struct console_holder hs = { .cdir = cdir,
				     .master = master,
				     .listen_fd = -1,
				     .seg_fd = -1,
				     .copy_fd = copy_fd };
	struct console_holder *h = &hs;
	uint64_t starts[CONSOLE_SEGMENTS_SCAN];
	struct pollfd pfd[2];
	struct sigaction sa;
	char buf[16384], path[4096];
	uint64_t base = 0;
	sigset_t none;
	ssize_t n;
	size_t nseg;
	int lock_fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	lock_fd = console_holder_lock(h->cdir);
	nseg = console_segments(h->cdir, starts, CONSOLE_SEGMENTS_SCAN);
	if (nseg > 0) {
		int64_t sz;

		console_segment_name(h->cdir, starts[nseg - 1], path,
				     sizeof(path));
		sz = console_file_size(path);
		base = starts[nseg - 1] + (sz > 0 ? (uint64_t)sz : 0);
	}
	if (lock_fd < 0 || console_holder_segment(h, base) < 0 ||
	    console_holder_listen(h) < 0)
		_exit(1);
	/* Ready: the worker may let the domain run. */
	while (write(ready_w, "R", 1) < 0 && errno == EINTR)
		;
	close(ready_w);

	pfd[0].fd = h->master;
	pfd[0].events = POLLIN;
	pfd[1].fd = h->listen_fd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN)
			console_holder_accept(h);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(h->master, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* EIO: the last slave is closed, the domain gone. */
			if (n <= 0)
				break;
			if (console_holder_log(h, buf, (size_t)n) < 0)
				break;
			/* A best effort: the console log is the record. */
			if (h->copy_fd >= 0 &&
			    write(h->copy_fd, buf, (size_t)n) != n) {
				close(h->copy_fd);
				h->copy_fd = -1;
			}
		}
	}
	console_holder_unlisten(h);
	_exit(0);
}

/*
 * In the grandchild: a session of its own, no signal of the worker's,
 * the three descriptors kept across exec of the holder program.
 */
static _Noreturn void
console_holder_exec(const char *holder, const char *cdir, int master,
		    int ready_w, int copy)
{
	char a_master[16], a_ready[16], a_copy[16];
	struct sigaction sa;
	sigset_t none;

	setsid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (chdir("/") < 0)
		_exit(127);
	snprintf(a_master, sizeof(a_master), "%d", master);
	snprintf(a_ready, sizeof(a_ready), "%d", ready_w);
	snprintf(a_copy, sizeof(a_copy), "%d", copy);
	fcntl(master, F_SETFD, 0);
	fcntl(ready_w, F_SETFD, 0);
	if (copy >= 0)
		fcntl(copy, F_SETFD, 0);
	execl(holder, "rvirt-console-holder", cdir, a_master, a_ready, a_copy,
	      (char *)NULL);
	_exit(127);
}

/* dir/rvirt-console-holder when it is there and executable. */
static int
console_holder_in(const char *file, char *buf, size_t size)
{
	const char *slash = strrchr(file, '/');
	int m;

	if (!slash)
		return -1;
	m = snprintf(buf, size, "%.*s/rvirt-console-holder",
		     (int)(slash - file), file);
	return m < 0 || (size_t)m >= size || access(buf, X_OK) < 0 ? -1 : 0;
}

/*
 * rvirt-console-holder next to the running program, else next to the
 * guest program (a test binary runs from elsewhere).
 */
static int
console_holder_path(char *buf, size_t size, struct rvirt_error *err)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		if (console_holder_in(self, buf, size) == 0)
			return 0;
	}
	if (console_holder_in(hv_get_options()->guest_binary, buf, size) == 0)
		return 0;
	err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
		"cannot start a console: no rvirt-console-holder next to "
		"'%s' or the guest program",
		n > 0 ? self : "rvirtd");
	return -1;
}

int
console_holder_start(const char *cdir, const char *copy_path, char *tty,
		     size_t ttysize, int *slave_fd, struct rvirt_error *err)
{
	int master = -1, slave = -1, ready[2] = { -1, -1 }, ret = -1;
	int copy = -1;
	char holder[4096];
	struct termios t;
	char name[128], b;
	pid_t mid;
	struct pollfd pfd;
	ssize_t n;

	if (console_holder_path(holder, sizeof(holder), err) < 0 ||
	    procdom_mkdirs(cdir, err) < 0)
		return -1;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot make a console pty for '%s'", cdir);
		goto out;
	}
	if (strlen(name) >= ttysize) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot make a console pty for '%s': its name '%s' is "
			"too long",
			cdir, name);
		goto out;
	}
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 || tcgetattr(slave, &t) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot open the console pty '%s'", name);
		goto out;
	}
	/* A serial line: bytes as they are, the guest echoes itself. */
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot set up the console pty '%s'", name);
		goto out;
	}
	if (copy_path) {
		copy = open(copy_path,
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (copy < 0) {
			err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				      errno, "cannot open the domain log '%s'",
				      copy_path);
			goto out;
		}
	}
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot start the console holder for '%s'", cdir);
		goto out;
	}
	if (mid == 0) {
		int keep[] = { master, ready[1], copy };

		/* Nothing of the worker's crosses. */
		procdom_close_others(keep, sizeof(keep) / sizeof(keep[0]));
		if (fork() != 0)
			_exit(0);
		console_holder_exec(holder, cdir, master, ready[1], copy);
	}
	close(ready[1]);
	ready[1] = -1;
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	do
		n = poll(&pfd, 1, CONSOLE_READY_WAIT_MS);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || read(ready[0], &b, 1) != 1) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot start the console holder for '%s': it did "
			"not get ready",
			cdir);
		goto out;
	}
	snprintf(tty, ttysize, "%s", name);
	*slave_fd = slave;
	slave = -1;
	ret = 0;
out:
	/* The holder has its copy; with no slave left it ends by itself. */
	if (copy >= 0)
		close(copy);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	return ret;
}

int
console_spawn(const char *ddir, const unsigned char *uuid, const char *log,
	      struct procdom_launch *l, struct procdom_proc *out,
	      struct rvirt_error *err)
{
	char cdir[4096], tty[128];
	int slave = -1, rc;

	/* The holder first: it outlives the worker that starts the guest. */
	if (console_dir(ddir, uuid, cdir, sizeof(cdir), err) < 0 ||
	    console_holder_start(cdir, log, tty, sizeof(tty), &slave, err) < 0)
		return -1;
	l->console_tty = tty;
	rc = procdom_spawn(l, out, err);
	l->console_tty = NULL;
	close(slave);
	return rc;
}
