/* SPDX-License-Identifier: MIT */
/* t4001-session: session records, recorded replies and their collection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../server/session.h"

static char dir[256];
static struct store *st;

static int
setup(void **state)
{
	struct rvirt_error err = { 0 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/t4001.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	st = store_open(dir, 64UL << 20, STORE_NOSYNC, &err);
	return st ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store_txn *
begin(bool write)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = store_txn_begin(st, write, &err);

	assert_non_null(txn);
	return txn;
}

static void
commit(struct store_txn *txn)
{
	struct rvirt_error err = { 0 };

	assert_int_equal(store_txn_commit(txn, &err), 0);
}

static void
cookie_of(unsigned char *c, int n)
{
	memset(c, 0, RVIRT_COOKIE_LEN);
	c[0] = (unsigned char)n;
	c[RVIRT_COOKIE_LEN - 1] = 0xAA;
}

static void
put_reply(const unsigned char *c, uint32_t xid, uint64_t at_s)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(true);
	unsigned char body[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	struct session_reply r = {
		.proc = 14,
		.args_hash = session_args_hash("abc", 3),
		.body = body,
		.body_len = sizeof(body),
	};

	assert_int_equal(
		session_reply_put(txn, c, xid, &r, at_s * 1000000000ULL, &err),
		0);
	commit(txn);
}

static int
has_reply(const unsigned char *c, uint32_t xid)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(false);
	struct session_reply r;
	int rc = session_reply_get(txn, c, xid, &r, &err);

	assert_true(rc >= 0);
	if (rc == 1) {
		assert_int_equal(r.proc, 14);
		assert_int_equal(r.body_len, 8);
		assert_memory_equal(r.body, "\0\0\0\0\1\2\3\4", 8);
		assert_true(r.args_hash == session_args_hash("abc", 3));
	}
	store_txn_abort(txn);
	return rc;
}

static void
test_record_roundtrip(void **state)
{
	struct rvirt_error err = { 0 };
	struct session_record rec;
	unsigned char c[RVIRT_COOKIE_LEN];
	struct store_txn *txn;

	(void)state;
	cookie_of(c, 1);
	txn = begin(true);
	assert_int_equal(session_create(txn, c, "test:///default", "unix:uid=7",
					true, 1000, &err),
			 0);
	commit(txn);
	txn = begin(true);
	assert_int_equal(session_load(txn, c, &rec, &err), 1);
	assert_string_equal(rec.uri, "test:///default");
	assert_string_equal(rec.identity, "unix:uid=7");
	assert_true(rec.readonly);
	assert_int_equal(rec.created, 1000);
	assert_int_equal(rec.last_used, 1000);
	assert_int_equal(session_touch(txn, c, 5000, &err), 0);
	assert_int_equal(session_load(txn, c, &rec, &err), 1);
	assert_int_equal(rec.created, 1000);
	assert_int_equal(rec.last_used, 5000);
	commit(txn);

	/* A corrupt record is an error, not a crash or a session. */
	txn = begin(true);
	assert_int_equal(store_put(txn, STORE_SESSIONS, c, RVIRT_COOKIE_LEN,
				   "\1\0\0\0garbage", 11, &err),
			 0);
	assert_int_equal(session_load(txn, c, &rec, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE);
	assert_int_equal(store_put(txn, STORE_SESSIONS, c, RVIRT_COOKIE_LEN,
				   "\2", 1, &err),
			 0);
	assert_int_equal(session_load(txn, c, &rec, &err), -1);
	store_txn_abort(txn);
}

static void
test_principal(void **state)
{
	char b[64];

	(void)state;
	session_principal("unix:uid=0", b, sizeof(b));
	assert_string_equal(b, "unix:uid=0");
	session_principal("tcp:127.0.0.1:40000", b, sizeof(b));
	assert_string_equal(b, "tcp:127.0.0.1");
	session_principal("tcp:[::1]:40000", b, sizeof(b));
	assert_string_equal(b, "tcp:[::1]");
	session_principal("sasl:alice", b, sizeof(b));
	assert_string_equal(b, "sasl:alice");
	session_principal("tcp:", b, sizeof(b));
	assert_string_equal(b, "tcp:");
	session_principal("unix:uid=123456", b, 8);
	assert_string_equal(b, "unix:ui");
}

static void
test_expiry(void **state)
{
	struct session_options o = { .ttl_s = 60,
				     .reply_ttl_s = 600,
				     .max_replies = 4 };
	struct session_record rec = { .last_used = 1000 };

	(void)state;
	session_configure(&o);
	assert_false(session_expired(&rec, 1000));
	assert_false(session_expired(&rec, 1060));
	assert_true(session_expired(&rec, 1061));
	/* A clock that went back is not an expiry. */
	assert_false(session_expired(&rec, 10));
}

static void
test_replies_bounded_and_deleted(void **state)
{
	struct session_options o = { .ttl_s = 60,
				     .reply_ttl_s = 600,
				     .max_replies = 4 };
	struct rvirt_error err = { 0 };
	unsigned char c[RVIRT_COOKIE_LEN], d[RVIRT_COOKIE_LEN];
	struct store_txn *txn;

	(void)state;
	session_configure(&o);
	cookie_of(c, 2);
	cookie_of(d, 3);
	txn = begin(true);
	assert_int_equal(session_create(txn, c, "test:///default", "x", false,
					100, &err),
			 0);
	assert_int_equal(session_create(txn, d, "test:///default", "x", false,
					100, &err),
			 0);
	commit(txn);
	/* Six replies, the oldest (by time, not xid) go first. */
	for (uint32_t i = 0; i < 6; i++)
		put_reply(c, 0xFFFFFFFEu + i, 100 + i);
	put_reply(d, 7, 100);
	assert_int_equal(has_reply(c, 0xFFFFFFFEu), 0);
	assert_int_equal(has_reply(c, 0xFFFFFFFFu), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(has_reply(c, i), 1);
	assert_int_equal(has_reply(d, 7), 1);
	assert_int_equal(has_reply(c, 7), 0);
	/* Deleting a session takes its replies, not another's. */
	txn = begin(true);
	assert_int_equal(session_delete(txn, c, &err), 0);
	commit(txn);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(has_reply(c, i), 0);
	assert_int_equal(has_reply(d, 7), 1);
}

static void
test_gc(void **state)
{
	struct session_options o = { .ttl_s = 60,
				     .reply_ttl_s = 600,
				     .max_replies = 8 };
	struct rvirt_error err = { 0 };
	struct session_gc_stats s;
	struct store_info info;
	unsigned char c[RVIRT_COOKIE_LEN];
	struct store_txn *txn;
	const int n = 5000;

	(void)state;
	session_configure(&o);
	/* Far in the future, what the other tests left expires. */
	assert_int_equal(session_gc(st, st, 1ULL << 40, &s, &err), 0);
	assert_int_equal(store_get_info(st, &info, &err), 0);
	assert_int_equal(info.entries[STORE_SESSIONS], 0);
	assert_int_equal(info.entries[STORE_REPLIES], 0);
	/* Sessions 0..n-1: the even ones idle since 1000, the odd ones used at 2000. */
	txn = begin(true);
	for (int i = 0; i < n; i++) {
		cookie_of(c, 0);
		memcpy(c + 1, &i, sizeof(i));
		assert_int_equal(session_create(txn, c, "test:///default", "x",
						false, i % 2 ? 2000 : 1000,
						&err),
				 0);
	}
	commit(txn);
	/* Replies: one of an even session, one young and one old of an odd one. */
	cookie_of(c, 0);
	{
		int even = 2, odd = 3;

		memcpy(c + 1, &even, sizeof(even));
		put_reply(c, 1, 1000);
		memcpy(c + 1, &odd, sizeof(odd));
		put_reply(c, 1, 2000);
		put_reply(c, 2, 1000);
	}
	/* At 2030: the even sessions are 1030 s idle, the odd ones 30 s. */
	assert_int_equal(session_gc(st, st, 2030, &s, &err), 0);
	assert_int_equal(s.sessions, n);
	assert_int_equal(s.sessions_expired, n / 2);
	assert_int_equal(s.replies, 3);
	assert_int_equal(s.replies_expired, 2);
	assert_int_equal(has_reply(c, 1), 1);
	assert_int_equal(has_reply(c, 2), 0);
	assert_int_equal(store_get_info(st, &info, &err), 0);
	assert_int_equal(info.entries[STORE_SESSIONS], n / 2);
	assert_int_equal(info.entries[STORE_REPLIES], 1);
	/* Nothing more to do a second time. */
	assert_int_equal(session_gc(st, st, 2030, &s, &err), 0);
	assert_int_equal(s.sessions_expired, 0);
	assert_int_equal(s.replies_expired, 0);
}

/*
 * Sessions in a store of their own (server/sessdb.c), replies in the
 * main one: a young reply is kept while its session is in the session
 * store and collected once the session is gone from it (a closed
 * session, or a session store dropped after a host crash).
 */
static void
test_gc_two_stores(void **state)
{
	struct session_options o = { .ttl_s = 60,
				     .reply_ttl_s = 600,
				     .max_replies = 8 };
	struct rvirt_error err = { 0 };
	struct session_gc_stats s;
	struct store_info info;
	unsigned char c[RVIRT_COOKIE_LEN], d[RVIRT_COOKIE_LEN];
	char sdir[300];
	struct store *sess;
	struct store_txn *txn;

	(void)state;
	session_configure(&o);
	assert_int_equal(session_gc(st, st, 1ULL << 40, &s, &err), 0);
	snprintf(sdir, sizeof(sdir), "%s/sessions", dir);
	assert_int_equal(mkdir(sdir, 0700), 0);
	sess = store_open(sdir, 64UL << 20, STORE_NOSYNC, &err);
	assert_non_null(sess);
	/* The main store's directory twice in one process: refused. */
	assert_null(store_open(dir, 64UL << 20, STORE_NOSYNC, &err));
	cookie_of(c, 7);
	cookie_of(d, 8);
	txn = store_txn_begin(sess, true, &err);
	assert_non_null(txn);
	assert_int_equal(session_create(txn, c, "test:///default", "x", false,
					2000, &err),
			 0);
	assert_int_equal(session_create(txn, d, "test:///default", "x", false,
					2000, &err),
			 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	put_reply(c, 1, 2000);
	put_reply(d, 1, 2000);
	/* Both sessions live: nothing to collect, nothing in main's table. */
	assert_int_equal(session_gc(sess, st, 2030, &s, &err), 0);
	assert_int_equal(s.sessions, 2);
	assert_int_equal(s.replies_expired, 0);
	assert_int_equal(has_reply(c, 1), 1);
	/* d is closed: its record goes, its reply with the next collection. */
	txn = store_txn_begin(sess, true, &err);
	assert_non_null(txn);
	assert_int_equal(session_delete(txn, d, &err), 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);
	assert_int_equal(has_reply(d, 1), 1);
	assert_int_equal(session_gc(sess, st, 2030, &s, &err), 0);
	assert_int_equal(s.sessions, 1);
	assert_int_equal(s.replies_expired, 1);
	assert_int_equal(has_reply(d, 1), 0);
	assert_int_equal(has_reply(c, 1), 1);
	assert_int_equal(store_get_info(st, &info, &err), 0);
	assert_int_equal(info.entries[STORE_SESSIONS], 0);
	store_close(sess);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_principal),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_replies_bounded_and_deleted),
		cmocka_unit_test(test_gc),
		cmocka_unit_test(test_gc_two_stores),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
