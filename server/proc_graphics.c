/* SPDX-License-Identifier: MIT */
/* proc_graphics: the graphics (VNC) stream procedures, GRAPHICS_OPEN to _CLOSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/err.h"
#include "../hv/driver.h"
#include "../hv/graphics.h"
#include "evpark.h"
#include "proc.h"
#include "proc_graphics.h"

/*
 * A graphics stream is a unix connection from this worker to a QEMU
 * domain's VNC server (hv/graphics.h), held for the connection that
 * opened it: RFB is stateful, so unlike a console it cannot be picked
 * up by another worker or after a restart; READ and WRITE on any other
 * connection (a reconnection included) get RVIRT_ERR_GRAPHICS_GONE.
 *
 * The worker keeps no buffer: READ reads at most max bytes from the
 * socket and WRITE writes what the socket takes, both without
 * blocking.  So the stream is flow-controlled by the kernel's socket
 * buffers and QEMU's own: while the client does not read, the worker
 * does not either, and QEMU stops sending (its VNC server throttles
 * a client that does not keep up).  A READ that finds nothing parks
 * (server/evpark.c) with the socket in the worker's wake-up set.
 */

struct graphics_stream {
	struct session_state *sess; /* of the connection that opened it */
	unsigned char id[RVIRT_GRAPHICS_ID_LEN];
	int fd;
	struct graphics_stream *next;
};

/* The streams of this worker (one thread serves every connection). */
static struct graphics_stream *graphics_streams;

static struct graphics_stream *
graphics_find(const struct session_state *sess, const char *id,
	      const char *what, struct rvirt_error *err)
{
	for (struct graphics_stream *g = graphics_streams; g; g = g->next)
		if (g->sess == sess && memcmp(g->id, id, sizeof(g->id)) == 0)
			return g;
	err_set(err, RVIRT_ERR_GRAPHICS_GONE, RVIRT_FROM_SERVER,
		"cannot %s: no such graphics stream on this connection (it "
		"was closed, or the connection was made again, e.g. after a "
		"restart of rvirtd: a VNC stream does not survive that; open "
		"it again)",
		what);
	return NULL;
}

static void
graphics_unlink(struct graphics_stream *g)
{
	for (struct graphics_stream **pp = &graphics_streams; *pp;
	     pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	close(g->fd);
	free(g);
}

static unsigned int
graphics_count(const struct session_state *sess)
{
	unsigned int n = 0;

	for (const struct graphics_stream *g = graphics_streams; g; g = g->next)
		n += g->sess == sess;
	return n;
}

/* Connect to the VNC socket of the domain dom names; fd or -1. */
static int
graphics_connect(struct call *call, const struct rvirt_wire_domain *w,
		 struct rvirt_error *err)
{
	struct hv_conn *hv = call->sess->hv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hv_domain_ref ref;
	int state, reason, fd, e;

	if (proc_ref_from_wire(w, &ref, err) < 0 ||
	    hv_domain_get_state(hv, call->txn, &ref, &state, &reason, err) < 0)
		return -1;
	if (strcmp(hv->drv->scheme, "qemu") != 0) {
		err_set(err, RVIRT_ERR_NO_GRAPHICS, RVIRT_FROM_SERVER,
			"cannot open the graphics console of domain '%s': "
			"the %s driver has no graphics (qemu has)",
			ref.name, hv->drv->scheme);
		return -1;
	}
	if (state == RVIRT_DOMAIN_SHUTOFF) {
		err_set(err, RVIRT_ERR_NO_GRAPHICS, RVIRT_FROM_SERVER,
			"cannot open the graphics console of domain '%s': it "
			"is not running",
			ref.name);
		return -1;
	}
	if (graphics_vnc_path(hv_get_options()->runtime_dir, ref.name, ref.uuid,
			      sa.sun_path, sizeof(sa.sun_path), err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open the graphics console of domain "
			      "'%s'",
			      ref.name);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	if (e == ENOENT || e == ECONNREFUSED)
		err_set(err, RVIRT_ERR_NO_GRAPHICS, RVIRT_FROM_SERVER,
			"cannot open the graphics console of domain '%s': it "
			"has no VNC display (no <graphics type='vnc'/> in its "
			"XML when it started)",
			ref.name);
	else
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, e,
			      "cannot open the graphics console of domain "
			      "'%s': cannot connect to '%s'",
			      ref.name, sa.sun_path);
	return -1;
}

int
proc_graphics_open(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	const struct rvirt_graphics_open_args *args = argsp;
	struct rvirt_graphics_open_ret *ret = retp;
	struct graphics_stream *g;
	int fd;

	if (call->sess->readonly) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot open the graphics console of domain '%s': "
			"the connection is read-only (a display takes "
			"keyboard and mouse input)",
			args->dom.name ? args->dom.name : "?");
		return -1;
	}
	if (proc_check_flags(args->flags, 0, "open a graphics console", err) <
	    0)
		return -1;
	if (graphics_count(call->sess) >= RVIRT_GRAPHICS_STREAMS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot open the graphics console of domain '%s': "
			"this connection has %d open already (close one)",
			args->dom.name ? args->dom.name : "?",
			RVIRT_GRAPHICS_STREAMS_MAX);
		return -1;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return proc_oom("open a graphics console", err);
	if (getrandom(g->id, sizeof(g->id), 0) != (ssize_t)sizeof(g->id)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open a graphics console");
		free(g);
		return -1;
	}
	fd = graphics_connect(call, &args->dom, err);
	if (fd < 0) {
		free(g);
		return -1;
	}
	g->fd = fd;
	g->sess = call->sess;
	g->next = graphics_streams;
	graphics_streams = g;
	memcpy(ret->rvirt_graphics_open_ret_u.id, g->id, sizeof(g->id));
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_graphics_read_at(struct session_state *sess,
		      const struct rvirt_graphics_read_args *args,
		      struct rvirt_graphics_read_ret *ret,
		      struct rvirt_error *err)
{
	struct rvirt_graphics_read_ok *ok = &ret->rvirt_graphics_read_ret_u.ok;
	struct graphics_stream *g;
	ssize_t n;

	g = graphics_find(sess, args->id, "read a graphics stream", err);
	if (!g)
		return -1;
	ok->data.data_val = malloc(args->max ? args->max : 1);
	if (!ok->data.data_val)
		return proc_oom("read a graphics stream", err);
	ok->data.data_len = 0;
	ok->flags = 0;
	ret->status = RVIRT_OK;
	if (args->max == 0)
		return 0;
	n = recv(g->fd, ok->data.data_val, args->max, MSG_DONTWAIT);
	if (n > 0) {
		ok->data.data_len = (unsigned int)n;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 1;
	/* The VNC server closed it (QEMU ended) or it broke: say so once. */
	ok->flags = RVIRT_GRAPHICS_ENDED;
	return 0;
}

int
proc_graphics_read(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	const struct rvirt_graphics_read_args *args = argsp;
	struct rvirt_graphics_read_ret *ret = retp;
	struct graphics_stream *g;
	int rc;

	if (args->max > RVIRT_GRAPHICS_DATA_MAX ||
	    args->wait_ms > RVIRT_GRAPHICS_WAIT_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot read a graphics stream: max %u (at most %d) "
			"or wait %u ms (at most %d) too large",
			args->max, RVIRT_GRAPHICS_DATA_MAX, args->wait_ms,
			RVIRT_GRAPHICS_WAIT_MAX);
		return -1;
	}
	rc = proc_graphics_read_at(call->sess, args, ret, err);
	if (rc <= 0 || args->wait_ms == 0)
		return rc < 0 ? -1 : 0;
	g = graphics_find(call->sess, args->id, "read a graphics stream", err);
	if (!g)
		return -1;
	/* Nothing yet: wait for the server without holding the worker. */
	return evpark_park_graphics(call->sess, call->xid, g->fd, args, err) < 0
		       ? -1
		       : 0;
}

int
proc_graphics_write(struct call *call, void *argsp, void *retp,
		    struct rvirt_error *err)
{
	const struct rvirt_graphics_write_args *args = argsp;
	struct rvirt_graphics_write_ret *ret = retp;
	struct graphics_stream *g;
	ssize_t n = 0;

	g = graphics_find(call->sess, args->id, "write to a graphics stream",
			  err);
	if (!g)
		return -1;
	if (args->data.data_len > 0) {
		n = send(g->fd, args->data.data_val, args->data.data_len,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			n = 0;
		} else if (n < 0) {
			err_set_errno(err, RVIRT_ERR_GRAPHICS_GONE,
				      RVIRT_FROM_SERVER, errno,
				      "cannot write to a graphics stream: "
				      "the VNC server closed it");
			return -1;
		}
	}
	ret->status = RVIRT_OK;
	ret->rvirt_graphics_write_ret_u.accepted = (unsigned int)n;
	return 0;
}

int
proc_graphics_close(struct call *call, void *argsp, void *retp,
		    struct rvirt_error *err)
{
	const struct rvirt_graphics_close_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct graphics_stream *g;

	g = graphics_find(call->sess, args->id, "close a graphics stream", err);
	if (!g)
		return -1;
	graphics_unlink(g);
	ret->status = RVIRT_OK;
	return 0;
}

void
proc_graphics_release(struct session_state *sess)
{
	struct graphics_stream *g = graphics_streams, *next;

	for (; g; g = next) {
		next = g->next;
		if (g->sess == sess)
			graphics_unlink(g);
	}
}
