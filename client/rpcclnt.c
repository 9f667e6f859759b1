/* SPDX-License-Identifier: MIT */
/* rpcclnt: a libtirpc CLIENT over the library's own stream, record marked. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rpcclnt.h"
#include "stream.h"
#include "uuid.h"

#define RPCCLNT_LAST_FRAG 0x80000000u
/*
 * Fragments in one reply, empty ones included: the server's limit for
 * calls (RPC_RECORD_MAX_FRAGMENTS); rvirtd sends one.
 */
#define RPCCLNT_MAX_FRAGMENTS 1024

struct rpcclnt {
	struct stream *st;
	uint32_t prog;
	uint32_t vers;
	uint32_t next_xid;
	uint32_t last_xid;
	struct timeval timeout;
	int timeout_set; /* CLSET_TIMEOUT was used */
	int broken;	 /* the stream is out of step */
	struct rpc_err rpcerr;
	struct rvirt_error detail;
	/* Called when the stream fails under a call (rpcclnt_set_reconnect). */
	int (*reconnect)(void *opaque, CLIENT *clnt,
			 const struct rvirt_error *why,
			 struct rvirt_error *err);
	void *reconnect_opaque;
	int in_reconnect; /* calls made by the hook do not reconnect */
	int ping_mode;	  /* rpcclnt_set_ping_mode */
	/* Keepalive under a call (rpcclnt_set_keepalive); 0: off. */
	int64_t ka_ms;
	unsigned int ka_count;
	unsigned int probes;	/* sent since the last byte arrived */
	int64_t quiet_since_ms; /* the call was sent or a byte arrived */
	int64_t last_tx_ms;	/* the last call or probe went out */
	int64_t last_rx_ms;	/* the last byte arrived */
	/* Records that go out in front of the next one (rpcclnt_queue). */
	unsigned char *queued;
	size_t queued_len;
};

static struct rpcclnt *
rpcclnt_priv(CLIENT *clnt)
{
	return clnt->cl_private;
}

static enum clnt_stat
rpcclnt_fail(struct rpcclnt *rc, enum clnt_stat stat, int errnum)
{
	memset(&rc->rpcerr, 0, sizeof(rc->rpcerr));
	rc->rpcerr.re_status = stat;
	rc->rpcerr.re_errno = errnum;
	return stat;
}

/* Failure of the stream: keep its message, map it to an RPC status. */
static enum clnt_stat
rpcclnt_io_fail(struct rpcclnt *rc, enum clnt_stat stat, int errnum)
{
	if (rc->detail.code == RVIRT_ERR_TIMEOUT)
		stat = RPC_TIMEDOUT;
	return rpcclnt_fail(rc, stat, errnum);
}

static enum clnt_stat rpcclnt_send(struct rpcclnt *rc, uint32_t xid,
				   rpcproc_t proc, xdrproc_t xargs, void *argsp,
				   int64_t deadline);

static bool_t
rpcclnt_xdr_none(XDR *x, ...)
{
	(void)x;
	return TRUE;
}

/*
 * Nothing arrived for one more keepalive interval: send a probe (a NULL
 * call, whose reply is dropped by its xid like any stray one), or after
 * ka_count intervals take the peer for dead.  0, or -1 with rc->detail
 * (RVIRT_ERR_TRANSPORT: the connection dropped) and errno.
 */
static int
rpcclnt_probe(struct rpcclnt *rc)
{
	if (++rc->probes >= rc->ka_count) {
		err_set(&rc->detail, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"cannot receive from '%s': nothing came for %lld s "
			"(keepalive, %u probes unanswered)",
			stream_peer(rc->st),
			(long long)(rc->ka_ms * rc->ka_count / 1000),
			rc->probes - 1);
		rc->broken = 1;
		errno = ETIMEDOUT;
		return -1;
	}
	if (rpcclnt_send(rc, rc->next_xid++, 0, (xdrproc_t)rpcclnt_xdr_none,
			 NULL, stream_now_ms() + rc->ka_ms) != RPC_SUCCESS) {
		errno = rc->rpcerr.re_errno;
		return -1;
	}
	err_clear(&rc->detail);
	return 0;
}

/*
 * Read exactly len bytes; *started is set once any byte arrived.  With
 * keepalive on, the wait is cut into intervals, and each one that
 * passes without a byte sends a probe (rpcclnt_probe).
 */
static int
rpcclnt_read_full(struct rpcclnt *rc, void *buf, size_t len, int64_t deadline,
		  int *started)
{
	unsigned char *p = buf;

	while (len > 0) {
		int64_t until = deadline, next;
		ssize_t n;

		if (rc->ka_ms) {
			next = rc->quiet_since_ms +
			       rc->ka_ms * (int64_t)(rc->probes + 1);
			if (deadline < 0 || next < deadline)
				until = next;
		}
		n = stream_read(rc->st, p, len, until, &rc->detail);
		if (n < 0 && until != deadline &&
		    rc->detail.code == RVIRT_ERR_TIMEOUT) {
			if (rpcclnt_probe(rc) < 0)
				return -1;
			continue;
		}
		if (n == 0) {
			err_set(&rc->detail, RVIRT_ERR_TRANSPORT,
				RVIRT_FROM_TRANSPORT,
				"cannot receive from '%s': connection closed "
				"by the peer",
				stream_peer(rc->st));
			errno = ECONNRESET;
			return -1;
		}
		if (n < 0)
			return -1;
		*started = 1;
		rc->last_rx_ms = rc->quiet_since_ms = stream_now_ms();
		rc->probes = 0;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one record, all fragments, into a new buffer.  The total is
 * checked against RVIRT_MESSAGE_MAX before each allocation.  On
 * failure, *started says whether the stream is now out of step.
 */
static int
rpcclnt_read_record(struct rpcclnt *rc, unsigned char **out, size_t *outlen,
		    int64_t deadline, int *started)
{
	unsigned char *buf = NULL, *nbuf;
	size_t total = 0;
	uint32_t mark = 0;
	unsigned int nfrags = 0;

	*started = 0;
	while (!(mark & RPCCLNT_LAST_FRAG)) {
		size_t flen;

		if (++nfrags > RPCCLNT_MAX_FRAGMENTS) {
			err_set(&rc->detail, RVIRT_ERR_LIMIT, RVIRT_FROM_RPC,
				"cannot read a reply from '%s': it has more "
				"than %d fragments",
				stream_peer(rc->st), RPCCLNT_MAX_FRAGMENTS);
			errno = EMSGSIZE;
			goto fail;
		}
		if (rpcclnt_read_full(rc, &mark, sizeof(mark), deadline,
				      started) < 0)
			goto fail;
		mark = ntohl(mark);
		flen = mark & ~RPCCLNT_LAST_FRAG;
		if (flen > RVIRT_MESSAGE_MAX - total) {
			err_set(&rc->detail, RVIRT_ERR_LIMIT, RVIRT_FROM_RPC,
				"reply from '%s' of more than %zu bytes "
				"exceeds "
				"the limit of %d bytes",
				stream_peer(rc->st), total + flen,
				RVIRT_MESSAGE_MAX);
			errno = EMSGSIZE;
			goto fail;
		}
		if (flen == 0)
			continue;
		nbuf = realloc(buf, total + flen);
		if (!nbuf) {
			err_set(&rc->detail, RVIRT_ERR_NO_MEMORY,
				RVIRT_FROM_RPC, "out of memory");
			errno = ENOMEM;
			goto fail;
		}
		buf = nbuf;
		if (rpcclnt_read_full(rc, buf + total, flen, deadline,
				      started) < 0)
			goto fail;
		total += flen;
	}
	*out = buf;
	*outlen = total;
	return 0;
fail:
	free(buf);
	return -1;
}

/*
 * Encode a call record (its mark included) into a new buffer *out, after
 * the queued records (rpcclnt_queue), which it takes: the queue is empty
 * after.  *outlen counts everything.
 */
static enum clnt_stat
rpcclnt_encode(struct rpcclnt *rc, uint32_t xid, rpcproc_t proc,
	       xdrproc_t xargs, void *argsp, unsigned char **out,
	       size_t *outlen)
{
	size_t room = rc->queued_len;
	struct rpc_msg msg = { 0 };
	unsigned long size;
	unsigned char *buf;
	uint32_t mark;
	XDR x;
	u_int len;
	int ok;

	msg.rm_xid = xid;
	msg.rm_direction = CALL;
	msg.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	msg.rm_call.cb_prog = rc->prog;
	msg.rm_call.cb_vers = rc->vers;
	msg.rm_call.cb_proc = proc;
	msg.rm_call.cb_cred = _null_auth;
	msg.rm_call.cb_verf = _null_auth;

	size = xdr_sizeof((xdrproc_t)xdr_callmsg, &msg) +
	       xdr_sizeof(xargs, argsp);
	if (size > RVIRT_MESSAGE_MAX) {
		err_set(&rc->detail, RVIRT_ERR_LIMIT, RVIRT_FROM_RPC,
			"call of %lu bytes exceeds the limit of %d bytes", size,
			RVIRT_MESSAGE_MAX);
		return rpcclnt_fail(rc, RPC_CANTENCODEARGS, EMSGSIZE);
	}
	buf = malloc(room + sizeof(mark) + size);
	if (!buf) {
		err_set(&rc->detail, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_RPC,
			"out of memory");
		return rpcclnt_fail(rc, RPC_SYSTEMERROR, ENOMEM);
	}
	xdrmem_create(&x, (char *)buf + room + sizeof(mark), (u_int)size,
		      XDR_ENCODE);
	ok = xdr_callmsg(&x, &msg) && xargs(&x, argsp);
	len = xdr_getpos(&x);
	xdr_destroy(&x);
	if (!ok) {
		free(buf);
		err_set(&rc->detail, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
			"cannot encode the arguments of procedure %u", proc);
		return rpcclnt_fail(rc, RPC_CANTENCODEARGS, 0);
	}
	mark = htonl(RPCCLNT_LAST_FRAG | len);
	memcpy(buf + room, &mark, sizeof(mark));
	if (room)
		memcpy(buf, rc->queued, room);
	free(rc->queued);
	rc->queued = NULL;
	rc->queued_len = 0;
	*out = buf;
	*outlen = room + sizeof(mark) + len;
	return RPC_SUCCESS;
}

/* Send a call, after the queued records, in one write. */
static enum clnt_stat
rpcclnt_send(struct rpcclnt *rc, uint32_t xid, rpcproc_t proc, xdrproc_t xargs,
	     void *argsp, int64_t deadline)
{
	unsigned char *buf;
	size_t len;
	enum clnt_stat cs;

	cs = rpcclnt_encode(rc, xid, proc, xargs, argsp, &buf, &len);
	if (cs != RPC_SUCCESS)
		return cs;
	if (stream_write_all(rc->st, buf, len, deadline, &rc->detail) < 0) {
		int e = errno;

		free(buf);
		/* Part of the record may be on the wire already. */
		rc->broken = 1;
		return rpcclnt_io_fail(rc, RPC_CANTSEND, e);
	}
	free(buf);
	rc->last_tx_ms = stream_now_ms();
	return RPC_SUCCESS;
}

/* Decodes nothing: the results are decoded after the header is checked. */
static bool_t
rpcclnt_xdr_skip(XDR *x, ...)
{
	(void)x;
	return TRUE;
}

/*
 * Decode a reply whose xid matched.  The header is decoded with
 * xdr_void as the results routine, so the caller's results are touched
 * only once the header says SUCCESS.
 */
static enum clnt_stat
rpcclnt_decode(struct rpcclnt *rc, unsigned char *rec, size_t len,
	       xdrproc_t xres, void *resp)
{
	struct rpc_msg reply;
	enum clnt_stat stat;
	XDR x;

	memset(&reply, 0, sizeof(reply));
	reply.acpted_rply.ar_verf = _null_auth;
	reply.acpted_rply.ar_results.where = NULL;
	reply.acpted_rply.ar_results.proc = rpcclnt_xdr_skip;
	xdrmem_create(&x, (char *)rec, (u_int)len, XDR_DECODE);
	if (!xdr_replymsg(&x, &reply)) {
		err_set(&rc->detail, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
			"cannot decode the reply header from '%s'",
			stream_peer(rc->st));
		stat = rpcclnt_fail(rc, RPC_CANTDECODERES, 0);
		goto out;
	}
	_seterr_reply(&reply, &rc->rpcerr);
	stat = rc->rpcerr.re_status;
	if (stat != RPC_SUCCESS) {
		err_set(&rc->detail, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
			"rejected by '%s'", stream_peer(rc->st));
		goto out;
	}
	if (!xres(&x, resp)) {
		xdr_free(xres, resp);
		err_set(&rc->detail, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
			"cannot decode the results from '%s'",
			stream_peer(rc->st));
		stat = rpcclnt_fail(rc, RPC_CANTDECODERES, 0);
	}
out:
	/* ar_verf shares storage with the rejected arm: accepted only. */
	if (reply.rm_direction == REPLY &&
	    reply.rm_reply.rp_stat == MSG_ACCEPTED &&
	    reply.acpted_rply.ar_verf.oa_base)
		xdr_free((xdrproc_t)xdr_opaque_auth,
			 &reply.acpted_rply.ar_verf);
	xdr_destroy(&x);
	return stat;
}

/* Send call xid and wait for its reply until deadline. */
static enum clnt_stat
rpcclnt_exchange(struct rpcclnt *rc, uint32_t xid, rpcproc_t proc,
		 xdrproc_t xargs, void *argsp, xdrproc_t xres, void *resp,
		 int64_t deadline)
{
	enum clnt_stat stat;

	if (rc->broken) {
		err_set(&rc->detail, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"connection to '%s' is unusable after an earlier "
			"failure",
			stream_peer(rc->st));
		return rpcclnt_fail(rc, RPC_CANTSEND, EPIPE);
	}
	stat = rpcclnt_send(rc, xid, proc, xargs, argsp, deadline);
	if (stat != RPC_SUCCESS)
		return stat;
	rc->quiet_since_ms = rc->last_tx_ms;
	rc->probes = 0;
	if (rc->ping_mode && rc->ka_ms) {
		/*
		 * An idle connection's ping: the silence began with the
		 * daemon's last byte, and the ping counts as a probe; but
		 * it gets at least one interval for its answer.
		 */
		int64_t floor_ms = rc->last_tx_ms -
				   rc->ka_ms * (int64_t)(rc->ka_count - 1);

		rc->quiet_since_ms =
			rc->last_rx_ms > floor_ms ? rc->last_rx_ms : floor_ms;
		rc->probes =
			(unsigned int)((rc->last_tx_ms - rc->quiet_since_ms) /
				       rc->ka_ms);
	}

	/* Bounded by the deadline: each record read waits at most until it. */
	for (;;) {
		unsigned char *rec;
		size_t len;
		uint32_t rxid;
		int started;

		if (rpcclnt_read_record(rc, &rec, &len, deadline, &started) <
		    0) {
			int e = errno;

			/*
			 * A reply that never started can still arrive and
			 * will be dropped by its xid; a half-read one
			 * cannot be resynchronised.
			 */
			if (started || rc->detail.code != RVIRT_ERR_TIMEOUT)
				rc->broken = 1;
			return rpcclnt_io_fail(rc, RPC_CANTRECV, e);
		}
		if (len < sizeof(rxid)) {
			free(rec);
			err_set(&rc->detail, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
				"reply from '%s' is too short (%zu bytes)",
				stream_peer(rc->st), len);
			return rpcclnt_fail(rc, RPC_CANTDECODERES, 0);
		}
		memcpy(&rxid, rec, sizeof(rxid));
		if (ntohl(rxid) != xid) {
			free(rec);
			continue;
		}
		stat = rpcclnt_decode(rc, rec, len, xres, resp);
		free(rec);
		if (stat == RPC_SUCCESS) {
			err_clear(&rc->detail);
			rpcclnt_fail(rc, RPC_SUCCESS, 0);
		}
		return stat;
	}
}

/* Whether stat says the connection went away (not a timeout, not a limit). */
static int
rpcclnt_dropped(const struct rpcclnt *rc, enum clnt_stat stat)
{
	return (stat == RPC_CANTSEND || stat == RPC_CANTRECV) &&
	       rc->detail.code == RVIRT_ERR_TRANSPORT;
}

static enum clnt_stat
rpcclnt_call(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs, void *argsp,
	     xdrproc_t xres, void *resp, struct timeval timeout)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);
	struct timeval tv = rc->timeout_set ? rc->timeout : timeout;
	struct rvirt_error why;
	int64_t ms;
	uint32_t xid;
	enum clnt_stat stat;

	err_clear(&rc->detail);
	if (tv.tv_sec < 0 || tv.tv_usec < 0)
		tv.tv_sec = tv.tv_usec = 0;
	ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;

	xid = rc->next_xid++;
	for (int resends = 0;; resends++) {
		int errnum;

		rc->last_xid = xid;
		stat = rpcclnt_exchange(rc, xid, proc, xargs, argsp, xres, resp,
					stream_now_ms() + ms);
		if (stat == RPC_SUCCESS || !rpcclnt_dropped(rc, stat) ||
		    !rc->reconnect || rc->in_reconnect || rc->ping_mode)
			return stat;
		errnum = rc->rpcerr.re_errno;
		if (resends == RPCCLNT_RESENDS_MAX) {
			err_set(&rc->detail, RVIRT_ERR_TRANSPORT,
				RVIRT_FROM_TRANSPORT,
				"connection to '%s' dropped %d times under one "
				"call: giving up",
				stream_peer(rc->st), resends + 1);
			return rpcclnt_fail(rc, stat, errnum);
		}
		/*
		 * A new stream, the session resumed: the same xid again,
		 * so a call that did run is answered from its record.
		 */
		why = rc->detail;
		rc->in_reconnect = 1;
		if (rc->reconnect(rc->reconnect_opaque, clnt, &why,
				  &rc->detail) < 0) {
			rc->in_reconnect = 0;
			return rpcclnt_fail(rc, stat, errnum);
		}
		rc->in_reconnect = 0;
		err_clear(&rc->detail);
	}
}

static void
rpcclnt_abort(CLIENT *clnt)
{
	(void)clnt;
}

static void
rpcclnt_geterr(CLIENT *clnt, struct rpc_err *errp)
{
	*errp = rpcclnt_priv(clnt)->rpcerr;
}

static bool_t
rpcclnt_freeres(CLIENT *clnt, xdrproc_t xres, void *resp)
{
	(void)clnt;
	xdr_free(xres, resp);
	return TRUE;
}

static void
rpcclnt_destroy(CLIENT *clnt)
{
	struct rpcclnt *rc;

	if (!clnt)
		return;
	rc = rpcclnt_priv(clnt);
	stream_free(rc->st);
	free(rc->queued);
	free(rc);
	free(clnt);
}

static bool_t
rpcclnt_control(CLIENT *clnt, u_int request, void *info)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);
	struct timeval *tv = info;

	if (!info)
		return FALSE;
	switch (request) {
	case CLSET_TIMEOUT:
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return FALSE;
		rc->timeout = *tv;
		rc->timeout_set = 1;
		return TRUE;
	case CLGET_TIMEOUT:
		*tv = rc->timeout;
		return TRUE;
	case CLGET_XID:
		*(uint32_t *)info = rc->last_xid;
		return TRUE;
	case CLSET_XID:
		rc->next_xid = *(uint32_t *)info;
		return TRUE;
	case CLGET_FD:
		*(int *)info = stream_get_fd(rc->st);
		return TRUE;
	case CLGET_PROG:
		*(uint32_t *)info = rc->prog;
		return TRUE;
	case CLSET_PROG:
		rc->prog = *(uint32_t *)info;
		return TRUE;
	case CLGET_VERS:
		*(uint32_t *)info = rc->vers;
		return TRUE;
	case CLSET_VERS:
		rc->vers = *(uint32_t *)info;
		return TRUE;
	default:
		return FALSE;
	}
}

static struct clnt_ops rpcclnt_ops = {
	.cl_call = rpcclnt_call,
	.cl_abort = rpcclnt_abort,
	.cl_geterr = rpcclnt_geterr,
	.cl_freeres = rpcclnt_freeres,
	.cl_destroy = rpcclnt_destroy,
	.cl_control = rpcclnt_control,
};

CLIENT *
rpcclnt_new(struct stream *st, uint32_t prog, uint32_t vers,
	    struct rvirt_error *err)
{
	CLIENT *clnt = calloc(1, sizeof(*clnt));
	struct rpcclnt *rc = calloc(1, sizeof(*rc));

	if (!clnt || !rc) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_RPC,
			"out of memory");
		goto fail;
	}
	/* Unpredictable xids: a stray old reply must not match by chance. */
	if (random_bytes(&rc->next_xid, sizeof(rc->next_xid)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_RPC, errno,
			      "cannot seed the call ids");
		goto fail;
	}
	rc->st = st;
	rc->prog = prog;
	rc->vers = vers;
	rc->last_xid = rc->next_xid - 1;
	rc->timeout.tv_sec = RPCCLNT_TIMEOUT_DEFAULT_S;
	clnt->cl_ops = &rpcclnt_ops;
	clnt->cl_private = rc;
	clnt->cl_auth = authnone_create();
	return clnt;
fail:
	free(rc);
	free(clnt);
	stream_free(st);
	return NULL;
}

void
rpcclnt_set_reconnect(CLIENT *clnt,
		      int (*fn)(void *opaque, CLIENT *clnt,
				const struct rvirt_error *why,
				struct rvirt_error *err),
		      void *opaque)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);

	rc->reconnect = fn;
	rc->reconnect_opaque = opaque;
}

void
rpcclnt_set_stream(CLIENT *clnt, struct stream *st)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);

	stream_free(rc->st);
	rc->st = st;
	rc->broken = 0;
	/* They were meant for the old stream's session. */
	free(rc->queued);
	rc->queued = NULL;
	rc->queued_len = 0;
}

void
rpcclnt_get_error(CLIENT *clnt, struct rvirt_error *err)
{
	if (err)
		*err = rpcclnt_priv(clnt)->detail;
}

int
rpcclnt_is_broken(CLIENT *clnt)
{
	return rpcclnt_priv(clnt)->broken;
}

void
rpcclnt_set_keepalive(CLIENT *clnt, unsigned int interval_s, unsigned int count)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);

	rc->ka_ms = (int64_t)interval_s * 1000;
	rc->ka_count = count ? count : 1;
}

int64_t
rpcclnt_last_tx_ms(CLIENT *clnt)
{
	return rpcclnt_priv(clnt)->last_tx_ms;
}

enum clnt_stat
rpcclnt_send_only(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs, void *argsp,
		  int timeout_ms)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);

	err_clear(&rc->detail);
	if (rc->broken) {
		err_set(&rc->detail, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"cannot send to '%s': the connection is out of step",
			stream_peer(rc->st));
		return rpcclnt_fail(rc, RPC_CANTSEND, EPIPE);
	}
	return rpcclnt_send(rc, rc->next_xid++, proc,
			    xargs ? xargs : (xdrproc_t)rpcclnt_xdr_none, argsp,
			    stream_now_ms() + timeout_ms);
}

enum clnt_stat
rpcclnt_queue(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs, void *argsp)
{
	struct rpcclnt *rc = rpcclnt_priv(clnt);
	unsigned char *buf;
	size_t len;
	enum clnt_stat cs;

	err_clear(&rc->detail);
	cs = rpcclnt_encode(rc, rc->next_xid++, proc,
			    xargs ? xargs : (xdrproc_t)rpcclnt_xdr_none, argsp,
			    &buf, &len);
	if (cs != RPC_SUCCESS)
		return cs;
	rc->queued = buf;
	rc->queued_len = len;
	return RPC_SUCCESS;
}

void
rpcclnt_set_ping_mode(CLIENT *clnt, int on)
{
	rpcclnt_priv(clnt)->ping_mode = on;
}

void
rpcclnt_break(CLIENT *clnt)
{
	rpcclnt_priv(clnt)->broken = 1;
}
