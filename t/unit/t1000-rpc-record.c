/* SPDX-License-Identifier: MIT */
/* t1000-rpc-record: record marking and call-header checks of the engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rvirt_protocol.h"

#include "../../server/rpc.h"

/* Append a fragment mark for len bytes (last: the record's end). */
static size_t
put_mark(unsigned char *p, uint32_t len, int last)
{
	uint32_t v = len | (last ? 0x80000000u : 0);

	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t
put32(unsigned char *p, uint32_t v)
{
	return put_mark(p, v & 0x7fffffffu, (v >> 31) != 0);
}

static void
test_one_fragment(void **state)
{
	unsigned char data[4 + 8] = { 0 };
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;

	(void)state;
	put_mark(data, 8, 1);
	memcpy(data + 4, "abcdefgh", 8);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, sizeof(data),
					 RVIRT_MESSAGE_MAX, &used, &out,
					 &outlen, &err),
			 1);
	assert_int_equal(used, sizeof(data));
	assert_int_equal(outlen, 8);
	assert_memory_equal(out, "abcdefgh", 8);
	rpc_record_release(&rec);
}

/* Two records in one read: the first is returned, the rest is left. */
static void
test_two_records_one_read(void **state)
{
	unsigned char data[2 * (4 + 4)];
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;

	(void)state;
	put_mark(data, 4, 1);
	memcpy(data + 4, "one.", 4);
	put_mark(data + 8, 4, 1);
	memcpy(data + 12, "two.", 4);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, sizeof(data),
					 RVIRT_MESSAGE_MAX, &used, &out,
					 &outlen, &err),
			 1);
	assert_int_equal(used, 8);
	assert_memory_equal(out, "one.", 4);
	rpc_record_reset(&rec);
	assert_int_equal(rpc_record_feed(&rec, data + used, sizeof(data) - used,
					 RVIRT_MESSAGE_MAX, &used, &out,
					 &outlen, &err),
			 1);
	assert_memory_equal(out, "two.", 4);
	rpc_record_release(&rec);
}

/* Three fragments fed one byte at a time come out as one record. */
static void
test_fragments_byte_by_byte(void **state)
{
	unsigned char data[64];
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t n = 0, used = 0, outlen = 0, i;
	int rc = 0;

	(void)state;
	n += put_mark(data + n, 3, 0);
	memcpy(data + n, "abc", 3);
	n += 3;
	n += put_mark(data + n, 0, 0);
	n += put_mark(data + n, 2, 1);
	memcpy(data + n, "de", 2);
	n += 2;
	rpc_record_init(&rec);
	for (i = 0; i < n; i++) {
		rc = rpc_record_feed(&rec, data + i, 1, RVIRT_MESSAGE_MAX,
				     &used, &out, &outlen, &err);
		assert_int_equal(used, 1);
		if (i + 1 < n) {
			assert_int_equal(rc, 0);
			assert_true(rpc_record_started(&rec));
		}
	}
	assert_int_equal(rc, 1);
	assert_int_equal(outlen, 5);
	assert_memory_equal(out, "abcde", 5);
	rpc_record_release(&rec);
}

/* A fragment header beyond the limit fails before anything is kept. */
static void
test_fragment_over_limit(void **state)
{
	unsigned char data[4];
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;

	(void)state;
	put_mark(data, 0x7fffffffu, 1);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, sizeof(data),
					 RVIRT_MESSAGE_MAX, &used, &out,
					 &outlen, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_true(rec.cap == 0);
	rpc_record_release(&rec);
}

/* Fragments each under the limit but summing past it fail too. */
static void
test_fragments_sum_over_limit(void **state)
{
	const size_t limit = RVIRT_MESSAGE_MAX_UNAUTH;
	const size_t part = limit / 2 + 1;
	unsigned char *data = calloc(1, 2 * (4 + part));
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;
	int rc;

	(void)state;
	assert_non_null(data);
	put_mark(data, (uint32_t)part, 0);
	put_mark(data + 4 + part, (uint32_t)part, 1);
	rpc_record_init(&rec);
	rc = rpc_record_feed(&rec, data, 2 * (4 + part), limit, &used, &out,
			     &outlen, &err);
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_true(rec.cap <= limit);
	rpc_record_release(&rec);
	free(data);
}

/*
 * The pre-authentication limit: a record of RVIRT_MESSAGE_MAX_UNAUTH + 1
 * bytes is refused under it and accepted under RVIRT_MESSAGE_MAX.
 */
static void
test_unauth_limit(void **state)
{
	const size_t len = RVIRT_MESSAGE_MAX_UNAUTH + 1;
	unsigned char *data = calloc(1, 4 + len);
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;

	(void)state;
	assert_non_null(data);
	put_mark(data, (uint32_t)len, 1);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, 4 + len,
					 RVIRT_MESSAGE_MAX_UNAUTH, &used, &out,
					 &outlen, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	rpc_record_release(&rec);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, 4 + len, RVIRT_MESSAGE_MAX,
					 &used, &out, &outlen, &err),
			 1);
	assert_int_equal(outlen, len);
	rpc_record_release(&rec);
	free(data);
}

/* More than RPC_RECORD_MAX_FRAGMENTS empty fragments end the stream. */
static void
test_empty_fragment_flood(void **state)
{
	const size_t n = RPC_RECORD_MAX_FRAGMENTS + 1;
	unsigned char *data = calloc(n, 4);
	const unsigned char *out = NULL;
	struct rpc_record rec;
	struct rvirt_error err = { 0 };
	size_t used = 0, outlen = 0;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		put_mark(data + 4 * i, 0, 0);
	rpc_record_init(&rec);
	assert_int_equal(rpc_record_feed(&rec, data, 4 * n, RVIRT_MESSAGE_MAX,
					 &used, &out, &outlen, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	rpc_record_release(&rec);
	free(data);
}

/* A call header with the given rpcvers, proc and credential body. */
static size_t
make_call(unsigned char *p, uint32_t rpcvers, uint32_t proc, uint32_t flavor,
	  const unsigned char *cred, uint32_t credlen)
{
	size_t n = 0;

	n += put32(p + n, 7); /* xid */
	n += put32(p + n, 0); /* CALL */
	n += put32(p + n, rpcvers);
	n += put32(p + n, RVIRT_PROGRAM);
	n += put32(p + n, RVIRT_V1);
	n += put32(p + n, proc);
	n += put32(p + n, flavor);
	n += put32(p + n, credlen);
	if (credlen)
		memcpy(p + n, cred, credlen);
	n += (credlen + 3) & ~3u;
	n += put32(p + n, 0); /* verifier AUTH_NONE */
	n += put32(p + n, 0);
	return n;
}

static void
test_call_check(void **state)
{
	/* AUTH_SYS: stamp, "h", uid 0, gid 0, one gid. */
	static const unsigned char sys_ok[] = {
		0, 0, 0, 1, 0, 0, 0, 1, 'h', 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0,   1, 0, 0, 0, 5,
	};
	/* The same, claiming 17 gids (16 at most). */
	static const unsigned char sys_many[] = {
		0, 0, 0, 1, 0, 0, 0, 1, 'h', 0,	 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0,   17, 0, 0, 0, 5,
	};
	static const unsigned char sys_short[] = { 0, 0, 0, 1 };
	unsigned char rec[256];
	const struct proc_entry *pe;
	struct rpc_call_hdr hdr;
	size_t n;

	(void)state;
	n = make_call(rec, 2, 0, 0, NULL, 0);
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe), RPC_CHECK_OK);
	assert_int_equal(hdr.xid, 7);
	n = make_call(rec, 2, 0, 1, sys_ok, sizeof(sys_ok));
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe), RPC_CHECK_OK);
	n = make_call(rec, 2, 0, 1, sys_many, sizeof(sys_many));
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe),
			 RPC_CHECK_AUTH_BADCRED);
	n = make_call(rec, 2, 0, 1, sys_short, sizeof(sys_short));
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe),
			 RPC_CHECK_AUTH_BADCRED);
	n = make_call(rec, 2, 0, 6, NULL, 0); /* RPCSEC_GSS */
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe),
			 RPC_CHECK_AUTH_BADCRED);
	n = make_call(rec, 3, 0, 0, NULL, 0);
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe),
			 RPC_CHECK_RPC_MISMATCH);
	n = make_call(rec, 2, 0x7fffffffu, 0, NULL, 0);
	assert_int_equal(rpc_call_check(rec, n, &hdr, &pe),
			 RPC_CHECK_PROC_UNAVAIL);
	assert_int_equal(rpc_call_check(rec, 6, &hdr, &pe), RPC_CHECK_CLOSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_fragment),
		cmocka_unit_test(test_two_records_one_read),
		cmocka_unit_test(test_fragments_byte_by_byte),
		cmocka_unit_test(test_fragment_over_limit),
		cmocka_unit_test(test_fragments_sum_over_limit),
		cmocka_unit_test(test_unauth_limit),
		cmocka_unit_test(test_empty_fragment_flood),
		cmocka_unit_test(test_call_check),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
