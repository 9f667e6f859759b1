/* SPDX-License-Identifier: MIT */
/* rpc: ONC RPC record marking, call-header checks and reply encoding. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rpc/rpc.h>

#include "rvirt_protocol.h"
#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/metrics.h"
#include "dispatch.h"
#include "evpark.h"
#include "rpc.h"

#define RPC_LAST_FRAGMENT 0x80000000u
#define RPC_VERSION 2
/* xid, REPLY, MSG_ACCEPTED, verifier flavor and length, accept_stat */
#define RPC_ACCEPTED_HDR_LEN 24
/* A fresh reassembly buffer; grown by doubling up to the fragment. */
#define RPC_RECORD_MIN_ALLOC 4096
/* The reply buffer: first size, and largest size kept between calls. */
#define RPC_BUF_MIN_ALLOC 65536
#define RPC_BUF_KEEP (1024 * 1024)

/* Outcome of encoding an accepted reply. */
enum rpc_enc {
	RPC_ENC_OK,
	RPC_ENC_FAILED,	   /* the XDR routine refused the value */
	RPC_ENC_TOO_LARGE, /* larger than RVIRT_MESSAGE_MAX */
	RPC_ENC_NO_MEMORY,
};

void
rpc_record_init(struct rpc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void
rpc_record_release(struct rpc_record *rec)
{
	free(rec->buf);
	rpc_record_init(rec);
}

void
rpc_record_reset(struct rpc_record *rec)
{
	/*
	 * Dropping the buffer every time keeps idle connections small;
	 * the common small call never uses it (see rpc_record_feed).
	 */
	rpc_record_release(rec);
}

bool
rpc_record_started(const struct rpc_record *rec)
{
	return rec->started;
}

static uint32_t
rpc_get_be32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

static void
rpc_put_be32(unsigned char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

/* Make room for n more bytes, never beyond the current fragment's end. */
static int
rpc_record_grow(struct rpc_record *rec, size_t n, struct rvirt_error *err)
{
	size_t need = rec->len + n, frag_end = rec->len + rec->frag_left;
	size_t cap = rec->cap ? rec->cap * 2 : RPC_RECORD_MIN_ALLOC;
	unsigned char *p;

	if (need <= rec->cap)
		return 0;
	if (cap > frag_end)
		cap = frag_end;
	if (cap < need)
		cap = need;
	p = realloc(rec->buf, cap);
	if (!p) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_RPC,
			"cannot allocate %zu bytes for a record", cap);
		return -1;
	}
	rec->buf = p;
	rec->cap = cap;
	return 0;
}

/* Begin the fragment whose mark was just read. */
static int
rpc_record_begin_fragment(struct rpc_record *rec, uint32_t mark, size_t limit,
			  struct rvirt_error *err)
{
	uint32_t flen = mark & ~RPC_LAST_FRAGMENT;

	if (++rec->nfrags > RPC_RECORD_MAX_FRAGMENTS) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_RPC,
			"record has more than %d fragments",
			RPC_RECORD_MAX_FRAGMENTS);
		return -1;
	}
	/* rec->len never exceeds limit, so the subtraction cannot wrap. */
	if (flen > limit - rec->len) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_RPC,
			"record of at least %zu bytes exceeds the limit of "
			"%zu bytes",
			rec->len + flen, limit);
		return -1;
	}
	rec->last = (mark & RPC_LAST_FRAGMENT) != 0;
	rec->frag_left = flen;
	rec->in_frag = true;
	return 0;
}

int
rpc_record_feed(struct rpc_record *rec, const unsigned char *data, size_t len,
		size_t limit, size_t *used, const unsigned char **out,
		size_t *outlen, struct rvirt_error *err)
{
	static const unsigned char empty[1];
	size_t pos = 0, take;
	uint32_t mark, flen;

	/*
	 * The common case, a whole one-fragment record in one read, is
	 * handed back in place: no copy, no allocation.
	 */
	if (!rec->started && len >= RPC_MARK_LEN) {
		mark = rpc_get_be32(data);
		flen = mark & ~RPC_LAST_FRAGMENT;
		if ((mark & RPC_LAST_FRAGMENT) && flen <= limit &&
		    flen <= len - RPC_MARK_LEN) {
			rec->started = true;
			rec->nfrags = 1;
			*used = RPC_MARK_LEN + flen;
			*out = data + RPC_MARK_LEN;
			*outlen = flen;
			return 1;
		}
	}

	while (pos < len) {
		rec->started = true;
		if (!rec->in_frag) {
			take = RPC_MARK_LEN - rec->mark_len;
			if (take > len - pos)
				take = len - pos;
			memcpy(rec->mark + rec->mark_len, data + pos, take);
			rec->mark_len += (unsigned int)take;
			pos += take;
			if (rec->mark_len < RPC_MARK_LEN)
				break;
			rec->mark_len = 0;
			if (rpc_record_begin_fragment(rec,
						      rpc_get_be32(rec->mark),
						      limit, err) < 0)
				return -1;
		} else {
			take = rec->frag_left;
			if (take > len - pos)
				take = len - pos;
			if (rpc_record_grow(rec, take, err) < 0)
				return -1;
			memcpy(rec->buf + rec->len, data + pos, take);
			rec->len += take;
			rec->frag_left -= (uint32_t)take;
			pos += take;
		}
		if (rec->in_frag && rec->frag_left == 0) {
			rec->in_frag = false;
			if (rec->last) {
				*used = pos;
				*out = rec->buf ? rec->buf : empty;
				*outlen = rec->len;
				return 1;
			}
		}
	}
	*used = pos;
	return 0;
}

void
rpc_buf_release(struct rpc_buf *buf)
{
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}

static int
rpc_buf_reserve(struct rpc_buf *buf, size_t need)
{
	unsigned char *p;

	if (need <= buf->cap)
		return 0;
	if (need < RPC_BUF_MIN_ALLOC)
		need = RPC_BUF_MIN_ALLOC;
	/* The old contents are never needed: no realloc copy. */
	p = malloc(need);
	if (!p)
		return -1;
	free(buf->data);
	buf->data = p;
	buf->cap = need;
	return 0;
}

static bool
rpc_get32(const unsigned char *rec, size_t len, size_t *off, uint32_t *v)
{
	if (len - *off < 4)
		return false;
	*v = rpc_get_be32(rec + *off);
	*off += 4;
	return true;
}

/* Skip an opaque_auth body of n bytes (n <= RPC_AUTH_BYTES_MAX) and its pad. */
static bool
rpc_skip_auth(size_t len, size_t *off, uint32_t n)
{
	size_t padded = ((size_t)n + 3) & ~(size_t)3;

	if (len - *off < padded)
		return false;
	*off += padded;
	return true;
}

/*
 * Whether body (len bytes) is exactly one well-formed AUTH_SYS
 * credential (RFC 5531 appendix A): stamp, machine name of at most 255
 * bytes, uid, gid, at most 16 gids.  Its contents are never believed;
 * only its shape is checked, so a malformed one is AUTH_BADCRED.
 */
static bool
rpc_authsys_valid(const unsigned char *body, size_t len)
{
	size_t off = 0;
	uint32_t v, name_len, ngids;

	if (!rpc_get32(body, len, &off, &v) ||
	    !rpc_get32(body, len, &off, &name_len) || name_len > 255 ||
	    !rpc_skip_auth(len, &off, name_len) ||
	    !rpc_get32(body, len, &off, &v) ||
	    !rpc_get32(body, len, &off, &v) ||
	    !rpc_get32(body, len, &off, &ngids) || ngids > 16)
		return false;
	for (uint32_t i = 0; i < ngids; i++)
		if (!rpc_get32(body, len, &off, &v))
			return false;
	return off == len;
}

enum rpc_check
rpc_call_check(const unsigned char *rec, size_t len, struct rpc_call_hdr *hdr,
	       const struct proc_entry **pe)
{
	size_t off = 0, cred_off;
	uint32_t mtype;

	memset(hdr, 0, sizeof(*hdr));
	*pe = NULL;
	if (!rpc_get32(rec, len, &off, &hdr->xid) ||
	    !rpc_get32(rec, len, &off, &mtype) || mtype != CALL ||
	    !rpc_get32(rec, len, &off, &hdr->rpcvers))
		return RPC_CHECK_CLOSE;
	/* Beyond the version the layout of another RPC version is unknown. */
	if (hdr->rpcvers != RPC_VERSION)
		return RPC_CHECK_RPC_MISMATCH;
	if (!rpc_get32(rec, len, &off, &hdr->prog) ||
	    !rpc_get32(rec, len, &off, &hdr->vers) ||
	    !rpc_get32(rec, len, &off, &hdr->proc) ||
	    !rpc_get32(rec, len, &off, &hdr->cred_flavor) ||
	    !rpc_get32(rec, len, &off, &hdr->cred_len))
		return RPC_CHECK_CLOSE;
	if (hdr->cred_len > RPC_AUTH_BYTES_MAX)
		return RPC_CHECK_AUTH_BADCRED;
	cred_off = off;
	if (!rpc_skip_auth(len, &off, hdr->cred_len) ||
	    !rpc_get32(rec, len, &off, &hdr->verf_flavor) ||
	    !rpc_get32(rec, len, &off, &hdr->verf_len))
		return RPC_CHECK_CLOSE;
	if (hdr->verf_len > RPC_AUTH_BYTES_MAX)
		return RPC_CHECK_AUTH_BADVERF;
	if (!rpc_skip_auth(len, &off, hdr->verf_len))
		return RPC_CHECK_CLOSE;
	/*
	 * AUTH_SYS is accepted but its contents are not believed: the
	 * identity comes from the socket (SO_PEERCRED, later SASL/TLS).
	 */
	if (hdr->cred_flavor != AUTH_NONE && hdr->cred_flavor != AUTH_SYS)
		return RPC_CHECK_AUTH_BADCRED;
	if (hdr->cred_flavor == AUTH_SYS &&
	    !rpc_authsys_valid(rec + cred_off, hdr->cred_len))
		return RPC_CHECK_AUTH_BADCRED;
	if (hdr->verf_flavor != AUTH_NONE)
		return RPC_CHECK_AUTH_BADVERF;
	if (hdr->prog != RVIRT_PROGRAM)
		return RPC_CHECK_PROG_UNAVAIL;
	if (hdr->vers != RVIRT_V1)
		return RPC_CHECK_PROG_MISMATCH;
	*pe = dispatch_lookup(hdr->proc);
	if (!*pe)
		return RPC_CHECK_PROC_UNAVAIL;
	hdr->body_off = off;
	return RPC_CHECK_OK;
}

/* Finish a reply record of n bytes after the mark. */
static void
rpc_buf_seal(struct rpc_buf *out, size_t n)
{
	rpc_put_be32(out->data, RPC_LAST_FRAGMENT | (uint32_t)n);
	out->len = RPC_MARK_LEN + n;
}

/* A reply with no body after the fixed words (rejections). */
static int
rpc_reply_words(struct rpc_buf *out, const uint32_t *words, size_t n)
{
	if (rpc_buf_reserve(out, RPC_MARK_LEN + n * 4) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		rpc_put_be32(out->data + RPC_MARK_LEN + i * 4, words[i]);
	rpc_buf_seal(out, n * 4);
	return 0;
}

static int
rpc_reply_denied(struct rpc_buf *out, uint32_t xid, uint32_t why,
		 uint32_t detail)
{
	uint32_t w[6] = { xid, REPLY, MSG_DENIED, why, detail, detail };

	/* RPC_MISMATCH carries low and high (both 2); AUTH_ERROR one stat. */
	return rpc_reply_words(out, w, why == RPC_MISMATCH ? 6 : 5);
}

static int
rpc_reply_accept_stat(struct rpc_buf *out, uint32_t xid, uint32_t stat)
{
	uint32_t w[8] = {
		xid, REPLY, MSG_ACCEPTED, AUTH_NONE,
		0,   stat,  RVIRT_V1,	  RVIRT_V1,
	};

	/* PROG_MISMATCH carries the supported low and high versions. */
	return rpc_reply_words(out, w, stat == PROG_MISMATCH ? 8 : 6);
}

/* An accepted SUCCESS reply whose body fn encodes from obj. */
static enum rpc_enc
rpc_reply_success(struct rpc_buf *out, uint32_t xid, xdrproc_t fn, void *obj)
{
	const size_t hdr = RPC_MARK_LEN + RPC_ACCEPTED_HDR_LEN;
	const size_t max = RPC_MARK_LEN + RVIRT_MESSAGE_MAX;
	size_t want = 0, room;
	unsigned long sz;
	XDR x;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (rpc_buf_reserve(out, hdr + want) < 0)
			return RPC_ENC_NO_MEMORY;
		room = (out->cap < max ? out->cap : max) - hdr;
		xdrmem_create(&x, (char *)out->data + hdr, (u_int)room,
			      XDR_ENCODE);
		if (fn(&x, obj)) {
			uint32_t w[6] = {
				xid, REPLY, MSG_ACCEPTED, AUTH_NONE, 0, SUCCESS,
			};

			for (size_t i = 0; i < 6; i++)
				rpc_put_be32(out->data + RPC_MARK_LEN + i * 4,
					     w[i]);
			rpc_buf_seal(out,
				     RPC_ACCEPTED_HDR_LEN + xdr_getpos(&x));
			return RPC_ENC_OK;
		}
		if (attempt > 0)
			break;
		/* Too small a buffer, too large a reply, or a bad value. */
		sz = xdr_sizeof(fn, obj);
		if (sz == 0)
			break;
		if (sz > RVIRT_MESSAGE_MAX - RPC_ACCEPTED_HDR_LEN)
			return RPC_ENC_TOO_LARGE;
		if (sz <= room)
			break;
		want = sz;
	}
	return RPC_ENC_FAILED;
}

static enum rpc_enc
rpc_reply_error(struct rpc_buf *out, uint32_t xid, const struct rvirt_error *e)
{
	rvirt_void_ret r;

	memset(&r, 0, sizeof(r));
	r.status = RVIRT_ERROR;
	r.rvirt_void_ret_u.error.code = e->code;
	r.rvirt_void_ret_u.error.origin = e->origin;
	/* Only encoded, never freed or written through. */
	r.rvirt_void_ret_u.error.message = (char *)(uintptr_t)e->message;
	return rpc_reply_success(out, xid, (xdrproc_t)xdr_rvirt_void_ret, &r);
}

int
rpc_reply_result(struct rpc_buf *out, uint32_t xid, xdrproc_t fn, void *obj)
{
	if (out->cap > RPC_BUF_KEEP)
		rpc_buf_release(out);
	out->len = 0;
	return rpc_reply_success(out, xid, fn, obj) == RPC_ENC_OK ? 0 : -1;
}

/* xdr_void takes no arguments, so it cannot be cast to xdrproc_t. */
static bool_t
rpc_xdr_void(XDR *x, void *obj)
{
	(void)x;
	(void)obj;
	return TRUE;
}

/* Run a decoded call; returns how encoding its reply went. */
static enum rpc_enc
rpc_call_dispatch(const struct rpc_call_hdr *hdr, const struct proc_entry *pe,
		  const unsigned char *body, size_t body_len, void *args,
		  void *ret, struct session_state *sess, struct store *store,
		  struct rpc_buf *out)
{
	struct rvirt_error cerr;
	enum rpc_enc enc;
	struct call call = {
		.sess = sess,
		.store = store,
		.txn = NULL,
		.xid = hdr->xid,
		.proc = hdr->proc,
		.args_raw = body,
		.args_len = body_len,
	};

	metrics_call_outcome(0);
	if (!pe->fn)
		return rpc_reply_success(out, hdr->xid, (xdrproc_t)rpc_xdr_void,
					 NULL);
	err_clear(&cerr);
	if (dispatch_call(pe, &call, args, ret, &cerr) == 0) {
		/* A parked call is answered later (server/evpark.c). */
		if (evpark_just_parked(sess)) {
			out->len = 0;
			return RPC_ENC_OK;
		}
		enc = rpc_reply_success(out, hdr->xid, pe->xdr_ret, ret);
		if (enc != RPC_ENC_TOO_LARGE)
			return enc;
		err_set(&cerr, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"reply to '%s' is too large: more than %d bytes",
			pe->name, RVIRT_MESSAGE_MAX);
		log_warn("%s (xid %u, client '%s')", cerr.message, hdr->xid,
			 sess->identity);
	} else if (cerr.code == RVIRT_ERR_OK) {
		/* A handler bug must not reach the wire as success. */
		err_set(&cerr, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"procedure '%s' failed without an error", pe->name);
	}
	metrics_call_outcome(cerr.code);
	return rpc_reply_error(out, hdr->xid, &cerr);
}

/* Decode, run and answer a call whose header passed rpc_call_check. */
static int
rpc_call_run(const unsigned char *rec, size_t len,
	     const struct rpc_call_hdr *hdr, const struct proc_entry *pe,
	     struct session_state *sess, struct store *store,
	     struct rpc_buf *out, struct rvirt_error *err)
{
	size_t body_len = len - hdr->body_off;
	void *args, *ret;
	enum rpc_enc enc;
	XDR x;
	int rc = -1;

	/* calloc(0) may return NULL: ask for one byte at least. */
	args = calloc(1, pe->args_size ? pe->args_size : 1);
	ret = calloc(1, pe->ret_size ? pe->ret_size : 1);
	if (!args || !ret) {
		log_error("cannot allocate the arguments of '%s'", pe->name);
		rc = rpc_reply_accept_stat(out, hdr->xid, SYSTEM_ERR);
		goto out;
	}
	xdrmem_create(&x, (char *)(uintptr_t)(rec + hdr->body_off),
		      (u_int)body_len, XDR_DECODE);
	if (!pe->xdr_args(&x, args) || xdr_getpos(&x) != body_len) {
		log_debug("'%s': garbage arguments from '%s' (xid %u)",
			  pe->name, sess->identity, hdr->xid);
		rc = rpc_reply_accept_stat(out, hdr->xid, GARBAGE_ARGS);
	} else {
		enc = rpc_call_dispatch(hdr, pe, rec + hdr->body_off, body_len,
					args, ret, sess, store, out);
		if (enc == RPC_ENC_OK) {
			rc = 0;
		} else if (enc != RPC_ENC_NO_MEMORY) {
			log_error("cannot encode the reply to '%s' (xid %u)",
				  pe->name, hdr->xid);
			rc = rpc_reply_accept_stat(out, hdr->xid, SYSTEM_ERR);
		}
	}
	xdr_free(pe->xdr_args, args);
	xdr_free(pe->xdr_ret, ret);
out:
	if (rc < 0)
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_RPC,
			"cannot allocate the reply to '%s'", pe->name);
	free(args);
	free(ret);
	return rc;
}

int
rpc_call_handle(const unsigned char *rec, size_t len,
		struct session_state *sess, struct store *store,
		struct rpc_buf *out, struct rvirt_error *err)
{
	const struct proc_entry *pe;
	struct rpc_call_hdr hdr;
	int rc;

	/* One huge reply must not pin megabytes for the worker's lifetime. */
	if (out->cap > RPC_BUF_KEEP)
		rpc_buf_release(out);
	out->len = 0;
	if (err)
		err_clear(err);

	switch (rpc_call_check(rec, len, &hdr, &pe)) {
	case RPC_CHECK_OK:
		return rpc_call_run(rec, len, &hdr, pe, sess, store, out, err);
	case RPC_CHECK_CLOSE:
		err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_RPC,
			"record of %zu bytes is not an RPC call", len);
		return -1;
	case RPC_CHECK_RPC_MISMATCH:
		rc = rpc_reply_denied(out, hdr.xid, RPC_MISMATCH, RPC_VERSION);
		break;
	case RPC_CHECK_AUTH_BADCRED:
		rc = rpc_reply_denied(out, hdr.xid, AUTH_ERROR, AUTH_BADCRED);
		break;
	case RPC_CHECK_AUTH_BADVERF:
		rc = rpc_reply_denied(out, hdr.xid, AUTH_ERROR, AUTH_BADVERF);
		break;
	case RPC_CHECK_PROG_UNAVAIL:
		rc = rpc_reply_accept_stat(out, hdr.xid, PROG_UNAVAIL);
		break;
	case RPC_CHECK_PROG_MISMATCH:
		rc = rpc_reply_accept_stat(out, hdr.xid, PROG_MISMATCH);
		break;
	case RPC_CHECK_PROC_UNAVAIL:
		rc = rpc_reply_accept_stat(out, hdr.xid, PROC_UNAVAIL);
		break;
	default:
		rc = -1;
		break;
	}
	if (rc < 0)
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_RPC,
			"cannot allocate a reply");
	return rc;
}

int
rpc_call_refuse(const unsigned char *rec, size_t len,
		const struct rvirt_error *e, struct rpc_buf *out)
{
	const struct proc_entry *pe;
	struct rpc_call_hdr hdr;

	out->len = 0;
	if (rpc_call_check(rec, len, &hdr, &pe) != RPC_CHECK_OK)
		return rpc_call_handle(rec, len, NULL, NULL, out, NULL);
	if (!pe->fn)
		return rpc_reply_accept_stat(out, hdr.xid, SYSTEM_ERR);
	return rpc_reply_error(out, hdr.xid, e) == RPC_ENC_OK ? 0 : -1;
}
