/* SPDX-License-Identifier: MIT */
/* rpc: ONC RPC record marking, call-header checks and reply encoding. */
#ifndef RVIRT_SERVER_RPC_H
#define RVIRT_SERVER_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "dispatch.h"

/* Fragments one record may have (empty ones included). */
#define RPC_RECORD_MAX_FRAGMENTS 1024

/* Largest credential or verifier body (RFC 5531 MAX_AUTH_BYTES). */
#define RPC_AUTH_BYTES_MAX 400

/* Bytes of record mark in front of every fragment. */
#define RPC_MARK_LEN 4

/*
 * Reassembly of one record from stream bytes (RFC 5531 section 11).
 * Initialise with rpc_record_init (or zero it), release with
 * rpc_record_release.
 */
struct rpc_record {
	unsigned char *buf; /* fragments so far, when they had to be kept */
	size_t len;	    /* bytes in buf */
	size_t cap;	    /* allocated size of buf */
	unsigned char mark[RPC_MARK_LEN]; /* record mark being read */
	unsigned int mark_len;
	uint32_t frag_left;  /* body bytes still to come in this fragment */
	bool in_frag;	     /* reading a fragment body */
	bool last;	     /* the current fragment ends the record */
	bool started;	     /* at least one byte of the record was seen */
	unsigned int nfrags; /* fragments begun so far */
};

void rpc_record_init(struct rpc_record *rec);

/* Free the buffer; rec is then as after rpc_record_init. */
void rpc_record_release(struct rpc_record *rec);

/*
 * Forget the record just returned by rpc_record_feed and get ready for
 * the next one (same as rpc_record_release).
 */
void rpc_record_reset(struct rpc_record *rec);

/* Whether part of a record has been read (the message deadline runs). */
bool rpc_record_started(const struct rpc_record *rec);

/*
 * Feed len bytes of stream data.  limit is the largest record allowed
 * (RVIRT_MESSAGE_MAX, or RVIRT_MESSAGE_MAX_UNAUTH before
 * authentication); every fragment length is checked against what is
 * left of it before anything is allocated.
 *
 * Returns 1 when a record is complete: *used bytes of data were
 * consumed (the rest belongs to the next record) and *out, *outlen point
 * at the record, either into data or into rec's buffer, valid until
 * rpc_record_reset or the data is released.  Returns 0 when all of data
 * was consumed and the record goes on.  Returns -1 with *err
 * (RVIRT_ERR_LIMIT) when the record is larger than limit or has more
 * than RPC_RECORD_MAX_FRAGMENTS fragments: the stream cannot be
 * resynchronised and the connection must be closed.
 */
int rpc_record_feed(struct rpc_record *rec, const unsigned char *data,
		    size_t len, size_t limit, size_t *used,
		    const unsigned char **out, size_t *outlen,
		    struct rvirt_error *err);

/* An output buffer; zero it to initialise. */
struct rpc_buf {
	unsigned char *data;
	size_t len; /* bytes to send */
	size_t cap;
};

void rpc_buf_release(struct rpc_buf *buf);

/* The fixed part of a call header. */
struct rpc_call_hdr {
	uint32_t xid;
	uint32_t rpcvers;
	uint32_t prog;
	uint32_t vers;
	uint32_t proc;
	uint32_t cred_flavor;
	uint32_t cred_len;
	uint32_t verf_flavor;
	uint32_t verf_len;
	size_t body_off; /* where the arguments start in the record */
};

/* What rpc_call_check makes of a call header. */
enum rpc_check {
	RPC_CHECK_OK,		 /* run the procedure */
	RPC_CHECK_CLOSE,	 /* undecodable, or not a CALL: close */
	RPC_CHECK_RPC_MISMATCH,	 /* MSG_DENIED RPC_MISMATCH 2..2 */
	RPC_CHECK_AUTH_BADCRED,	 /* MSG_DENIED AUTH_ERROR AUTH_BADCRED */
	RPC_CHECK_AUTH_BADVERF,	 /* MSG_DENIED AUTH_ERROR AUTH_BADVERF */
	RPC_CHECK_PROG_UNAVAIL,	 /* MSG_ACCEPTED PROG_UNAVAIL */
	RPC_CHECK_PROG_MISMATCH, /* MSG_ACCEPTED PROG_MISMATCH 1..1 */
	RPC_CHECK_PROC_UNAVAIL,	 /* MSG_ACCEPTED PROC_UNAVAIL */
};

/*
 * Decode and check the call header at the start of a record, in the
 * order RPC version, credential, verifier, program, version, procedure.
 * Fills *hdr as far as it got (xid is valid for every result but
 * RPC_CHECK_CLOSE) and, for RPC_CHECK_OK, *pe with the procedure's
 * table entry.
 */
enum rpc_check rpc_call_check(const unsigned char *rec, size_t len,
			      struct rpc_call_hdr *hdr,
			      const struct proc_entry **pe);

/*
 * Answer one complete call record: check the header, decode the
 * arguments, run dispatch_call and encode the reply record (record mark
 * included) into out, replacing what it held.  sess and store are the
 * connection's and the worker's.
 *
 * Returns 0 when out holds a reply to send: success, an rvirt_error
 * result or a standard RPC rejection.  Returns -1 with *err when the
 * record gets no reply and the connection must be closed (undecodable
 * header, not a CALL, no memory).
 */
int rpc_call_handle(const unsigned char *rec, size_t len,
		    struct session_state *sess, struct store *store,
		    struct rpc_buf *out, struct rvirt_error *err);

/*
 * Answer a call record with the error *e instead of running it (a
 * connection beyond the daemon's limits): an rvirt_error result for a
 * procedure with one, SYSTEM_ERR for NULL, the standard rejection for
 * a bad header.  Returns 0 when out holds the reply, -1 when there is
 * nothing to answer (not a call, no memory).
 */
int rpc_call_refuse(const unsigned char *rec, size_t len,
		    const struct rvirt_error *e, struct rpc_buf *out);

/*
 * Encode into out (replacing what it held) the accepted SUCCESS reply
 * to xid whose body fn encodes from obj: for a call answered later
 * (a parked EVENT_WAIT).  rpc_call_handle leaves out empty (len 0) and
 * returns 0 when the handler parked its call.  Returns 0, or -1 when
 * out of memory or the body cannot be encoded.
 */
int rpc_reply_result(struct rpc_buf *out, uint32_t xid, xdrproc_t fn,
		     void *obj);

#endif
