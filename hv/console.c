/* SPDX-License-Identifier: MIT */
/* console: domain serial consoles: their directories, logs, writers (the holder: console_holder.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "../common/uuid.h"
#include "console.h"
#include "console_int.h"
#include "driver.h"
#include "procdom.h"

struct console_owner {
	unsigned char id[CONSOLE_ID_LEN];
	uint64_t seen_ms; /* CLOCK_REALTIME: holders outlive boots not */
};

uint64_t
console_now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
console_path(const char *cdir, const char *file, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", cdir, file);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
console_dir(const char *ddir, const unsigned char *uuid, char *buf, size_t size,
	    struct rvirt_error *err)
{
	char u[UUID_STRLEN + 1];
	int n;

	uuid_format(uuid, u);
	n = snprintf(buf, size, "%s/console/%s", ddir, u);
	if (n < 0 || (size_t)n >= size ||
	    (size_t)n + sizeof("/log.0123456789abcdef") > 108) {
		/* sock must fit a sun_path; the log names are as long. */
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot make a console below '%.64s': the path is too "
			"long for a unix socket",
			ddir);
		return -1;
	}
	return 0;
}

/* The segments of cdir's log, sorted, at most max: how many. */
size_t
console_segments(const char *cdir, uint64_t *starts, size_t max)
{
	DIR *d = opendir(cdir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		uint64_t v;

		if (strncmp(de->d_name, "log.", 4) != 0 ||
		    strlen(de->d_name) != 4 + 16)
			continue;
		errno = 0;
		v = strtoull(de->d_name + 4, &end, 16);
		if (errno || *end)
			continue;
		if (n < max) {
			starts[n++] = v;
		} else {
			/* Keep the newest max. */
			size_t lo = 0;

			for (size_t i = 1; i < n; i++)
				if (starts[i] < starts[lo])
					lo = i;
			if (v > starts[lo])
				starts[lo] = v;
		}
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && starts[j - 1] > starts[j]; j--) {
			uint64_t t = starts[j];

			starts[j] = starts[j - 1];
			starts[j - 1] = t;
		}
	return n;
}

void
console_segment_name(const char *cdir, uint64_t start, char *buf, size_t size)
{
	snprintf(buf, size, "%s/log.%016" PRIx64, cdir, start);
}

int64_t
console_file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return st.st_size;
}

bool
console_running(const char *cdir)
{
	char path[4096];
	bool held;
	int fd;

	if (console_path(cdir, "sock", path, sizeof(path)) < 0 ||
	    access(path, F_OK) < 0 ||
	    console_path(cdir, "lock", path, sizeof(path)) < 0)
		return false;
	/*
	 * A holder killed with SIGKILL leaves its socket behind: it runs
	 * only while its lock is held.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* ---------------------------------------------------------------- */
/* Readers and writers (in a worker)                                  */
/* ---------------------------------------------------------------- */

int
console_log_read(const char *cdir, uint64_t offset, void *buf, size_t max,
		 struct console_chunk *out, struct rvirt_error *err)
{
	uint64_t starts[CONSOLE_SEGMENTS_SCAN];
	char path[4096];
	struct stat st;
	size_t n, i;
	ssize_t r;
	int fd = -1;

	/* A segment may go between the listing and the open: list again. */
	for (int attempt = 0; attempt < 3; attempt++) {
		n = console_segments(cdir, starts, CONSOLE_SEGMENTS_SCAN);
		if (n == 0) {
			memset(out, 0, sizeof(*out));
			out->offset = offset;
			return 0;
		}
		console_segment_name(cdir, starts[n - 1], path, sizeof(path));
		if (stat(path, &st) < 0)
			continue;
		out->start = starts[0];
		out->end = starts[n - 1] + (uint64_t)st.st_size;
		out->len = 0;
		if (offset < out->start)
			offset = out->start;
		out->offset = offset;
		if (offset >= out->end || max == 0)
			return 0;
		for (i = n - 1; i > 0 && starts[i] > offset; i--)
			;
		console_segment_name(cdir, starts[i], path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			break;
		do
			r = pread(fd, buf, max, (off_t)(offset - starts[i]));
		while (r < 0 && errno == EINTR);
		close(fd);
		if (r < 0)
			break;
		if (r == 0 && i + 1 < n) {
			/* Past this segment's end: the next one begins. */
			offset = starts[i + 1];
			out->offset = offset;
			continue;
		}
		out->len = (size_t)r;
		return 0;
	}
	err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
		      "cannot read the console log in '%s'", cdir);
	return -1;
}

/* Who holds a console, by the owner file. */
enum console_owner_is {
	CONSOLE_OWNER_NONE,  /* nobody (an empty or short file) */
	CONSOLE_OWNER_MINE,  /* the id asked about */
	CONSOLE_OWNER_OTHER, /* another id */
};

/*
 * Open and lock cdir's owner file, read it into *o and say in *is
 * whether id holds the console: the fd (the caller closes it, which
 * unlocks), or -1 with *err.
 */
static int
console_owner_open(const char *cdir, const unsigned char *id,
		   struct console_owner *o, enum console_owner_is *is,
		   struct rvirt_error *err)
{
	char path[4096];
	ssize_t n;
	int fd;

	if (console_path(cdir, "owner", path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot open the console owner file in '%s'",
			      cdir);
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot lock the console owner file in '%s'",
			      cdir);
		return -1;
	}
	n = pread(fd, o, sizeof(*o), 0);
	if (n != (ssize_t)sizeof(*o))
		*is = CONSOLE_OWNER_NONE;
	else if (memcmp(o->id, id, CONSOLE_ID_LEN) == 0)
		*is = CONSOLE_OWNER_MINE;
	else
		*is = CONSOLE_OWNER_OTHER;
	return fd;
}

static int
console_owner_put(int fd, const unsigned char *id, const char *cdir,
		  struct rvirt_error *err)
{
	struct console_owner o;

	memcpy(o.id, id, CONSOLE_ID_LEN);
	o.seen_ms = console_now_ms(CLOCK_REALTIME);
	if (pwrite(fd, &o, sizeof(o), 0) != (ssize_t)sizeof(o)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot write the console owner file in '%s'",
			      cdir);
		return -1;
	}
	return 0;
}

int
console_claim(const char *cdir, const unsigned char *id, bool force,
	      struct rvirt_error *err)
{
	struct console_owner o;
	enum console_owner_is is;
	uint64_t now = console_now_ms(CLOCK_REALTIME);
	int fd = console_owner_open(cdir, id, &o, &is, err), rc;

	if (fd < 0)
		return -1;
	if (is == CONSOLE_OWNER_OTHER && !force &&
	    o.seen_ms + CONSOLE_LEASE_MS > now) {
		close(fd);
		err_set(err, RVIRT_ERR_CONSOLE_BUSY, RVIRT_FROM_HV,
			"cannot open the console: another client has it open "
			"(force takes it over)");
		return -1;
	}
	rc = console_owner_put(fd, id, cdir, err);
	close(fd);
	return rc;
}

int
console_check_owner(const char *cdir, const unsigned char *id,
		    struct rvirt_error *err)
{
	struct console_owner o;
	enum console_owner_is is;
	int fd = console_owner_open(cdir, id, &o, &is, err), rc = 0;

	if (fd < 0)
		return -1;
	if (is != CONSOLE_OWNER_MINE) {
		close(fd);
		err_set(err, RVIRT_ERR_CONSOLE_TAKEN, RVIRT_FROM_HV,
			"the console was taken over by another client");
		return -1;
	}
	/* Renew the lease, not more than once a second. */
	if (o.seen_ms + 1000 <= console_now_ms(CLOCK_REALTIME))
		rc = console_owner_put(fd, id, cdir, err);
	close(fd);
	return rc;
}

int
console_release(const char *cdir, const unsigned char *id,
		struct rvirt_error *err)
{
	struct console_owner o;
	enum console_owner_is is;
	int fd = console_owner_open(cdir, id, &o, &is, err), rc = 0;

	if (fd < 0)
		return -1;
	if (is == CONSOLE_OWNER_MINE && ftruncate(fd, 0) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot write the console owner file in '%s'",
			      cdir);
		rc = -1;
	}
	close(fd);
	return rc;
}

/* One byte and, for SCM_RIGHTS, room for one fd. */
struct console_fd_msg {
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
	struct iovec iov;
	char one;
};

static void
console_fd_msg_init(struct console_fd_msg *m)
{
	memset(&m->msg, 0, sizeof(m->msg));
	m->iov.iov_base = &m->one;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->u.buf;
	m->msg.msg_controllen = sizeof(m->u.buf);
}

int
console_fd_send(int s, int fd)
{
	struct console_fd_msg m;
	struct cmsghdr *cm;
	ssize_t n;

	console_fd_msg_init(&m);
	m.one = 'M';
	cm = CMSG_FIRSTHDR(&m.msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	while ((n = sendmsg(s, &m.msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : 0;
}

int
console_fd_recv(int s)
{
	struct console_fd_msg m;
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	console_fd_msg_init(&m);
	do
		n = recvmsg(s, &m.msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = n == 1 ? CMSG_FIRSTHDR(&m.msg) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Connect to the holder and receive the pty master; fd or -1. */
static int
console_master(const char *cdir, struct rvirt_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, fd;

	if (console_path(cdir, "sock", sa.sun_path, sizeof(sa.sun_path)) < 0)
		goto fail;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		goto fail;
	}
	fd = console_fd_recv(s);
	close(s);
	if (fd < 0)
		goto fail;
	return fd;
fail:
	err_set_errno(err, RVIRT_ERR_NO_CONSOLE, RVIRT_FROM_HV, errno,
		      "cannot reach the console holder in '%s'", cdir);
	return -1;
}

/*
 * The master of the last console this process wrote to, so that a
 * keystroke costs no round trip to the holder: valid while the holder's
 * socket is the same file and the pty's other side is still open.  The
 * socket's inode number alone does not tell a new holder from the old
 * one: ext4 gives the number of a removed file to the next file made,
 * so a domain started again can get its new holder's socket under the
 * old number; the change time and the hang-up of the old pty do.
 */
static struct {
	char cdir[4096];
	dev_t dev;
	ino_t ino;
	struct timespec ctime;
	int fd;
} console_cache = { .fd = -1 };

/* Whether the cached master is of the holder whose socket st is. */
static bool
console_cache_valid(const char *cdir, const struct stat *st)
{
	struct pollfd p = { .fd = console_cache.fd, .events = POLLOUT };

	if (console_cache.fd < 0 || strcmp(console_cache.cdir, cdir) != 0 ||
	    console_cache.dev != st->st_dev ||
	    console_cache.ino != st->st_ino ||
	    console_cache.ctime.tv_sec != st->st_ctim.tv_sec ||
	    console_cache.ctime.tv_nsec != st->st_ctim.tv_nsec)
		return false;
	/* The guest's side closed: that holder is gone or going. */
	return poll(&p, 1, 0) >= 0 &&
	       !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static int
console_cached_master(const char *cdir, struct rvirt_error *err)
{
	char path[4096];
	struct stat st;
	int fd;

	if (console_path(cdir, "sock", path, sizeof(path)) < 0 ||
	    stat(path, &st) < 0) {
		err_set_errno(err, RVIRT_ERR_NO_CONSOLE, RVIRT_FROM_HV, errno,
			      "cannot reach the console holder in '%s'", cdir);
		return -1;
	}
	if (console_cache_valid(cdir, &st))
		return console_cache.fd;
	fd = console_master(cdir, err);
	if (fd < 0)
		return -1;
	if (console_cache.fd >= 0)
		close(console_cache.fd);
	console_cache.fd = fd;
	console_cache.dev = st.st_dev;
	console_cache.ino = st.st_ino;
	console_cache.ctime = st.st_ctim;
	snprintf(console_cache.cdir, sizeof(console_cache.cdir), "%s", cdir);
	return fd;
}

int
console_write(const char *cdir, const void *data, size_t len, size_t *done,
	      struct rvirt_error *err)
{
	int fd = console_cached_master(cdir, err);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot write to the console in '%s'", cdir);
		close(console_cache.fd);
		console_cache.fd = -1;
		return -1;
	}
	*done = n < 0 ? 0 : (size_t)n;
	return 0;
}
