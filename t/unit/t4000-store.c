/* SPDX-License-Identifier: MIT */
/* t4000-store: the LMDB store with a real environment in a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../store/store.h"

static char tmpdir[256];
static char storedir[512];
static int dircount;
/* The store a test has open, closed by teardown_store if it fails. */
static struct store *cur_st;

/* A fresh store directory for each test. */
static int
setup_dir(void **state)
{
	(void)state;
	snprintf(storedir, sizeof(storedir), "%s/s%d", tmpdir, dircount++);
	return mkdir(storedir, 0700) == 0 ? 0 : -1;
}

static int
teardown_store(void **state)
{
	(void)state;
	store_close(cur_st);
	cur_st = NULL;
	return 0;
}

static void
close_store(struct store *st)
{
	assert_ptr_equal(st, cur_st);
	store_close(st);
	cur_st = NULL;
}

static struct store *
open_store(size_t map_size)
{
	struct rvirt_error err = { 0 };
	struct store *st = store_open(storedir, map_size, STORE_NOSYNC, &err);

	if (!st)
		print_error("store_open: %s\n", err.message);
	assert_non_null(st);
	cur_st = st;
	return st;
}

static void
put_str(struct store_txn *txn, enum store_table t, const char *k, const char *v)
{
	struct rvirt_error err = { 0 };

	assert_int_equal(
		store_put(txn, t, k, strlen(k), v, strlen(v) + 1, &err), 0);
}

/* 1 and the value when present, 0 when absent. */
static int
get_str(struct store_txn *txn, enum store_table t, const char *k,
	const char **v)
{
	struct rvirt_error err = { 0 };
	size_t vlen = 0;
	const void *p = NULL;
	int rc = store_get(txn, t, k, strlen(k), &p, &vlen, &err);

	assert_true(rc == 0 || rc == 1);
	if (rc == 1) {
		assert_int_equal(((const char *)p)[vlen - 1], '\0');
		*v = p;
	}
	return rc;
}

static void
test_put_get_del(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	const char *v = NULL;

	(void)state;
	txn = store_txn_begin(st, true, &err);
	assert_non_null(txn);
	assert_true(store_txn_writable(txn));
	put_str(txn, STORE_DOMAINS, "a", "one");
	put_str(txn, STORE_NAMES, "a", "other table");
	assert_int_equal(store_txn_commit(txn, &err), 0);

	txn = store_txn_begin(st, false, &err);
	assert_non_null(txn);
	assert_false(store_txn_writable(txn));
	assert_int_equal(get_str(txn, STORE_DOMAINS, "a", &v), 1);
	assert_string_equal(v, "one");
	assert_int_equal(get_str(txn, STORE_NAMES, "a", &v), 1);
	assert_string_equal(v, "other table");
	assert_int_equal(get_str(txn, STORE_SESSIONS, "a", &v), 0);
	store_txn_abort(txn);

	/* Replace, then delete (twice: the second finds nothing). */
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_DOMAINS, "a", "two");
	assert_int_equal(get_str(txn, STORE_DOMAINS, "a", &v), 1);
	assert_string_equal(v, "two");
	assert_int_equal(store_del(txn, STORE_NAMES, "a", 1, &err), 1);
	assert_int_equal(store_del(txn, STORE_NAMES, "a", 1, &err), 0);
	assert_int_equal(store_txn_commit(txn, &err), 0);

	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_DOMAINS, "a", &v), 1);
	assert_string_equal(v, "two");
	assert_int_equal(get_str(txn, STORE_NAMES, "a", &v), 0);
	store_txn_abort(txn);
	close_store(st);
}

static void
test_persists_across_reopen(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	const char *v = NULL;

	(void)state;
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_META, "k", "kept");
	assert_int_equal(store_txn_commit(txn, &err), 0);
	assert_int_equal(store_sync(st, &err), 0);
	close_store(st);

	st = open_store(1 << 20);
	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_META, "k", &v), 1);
	assert_string_equal(v, "kept");
	store_txn_abort(txn);
	close_store(st);
}

static void
test_abort_leaves_nothing(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	const char *v = NULL;

	(void)state;
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_DOMAINS, "gone", "x");
	put_str(txn, STORE_SESSIONS, "gone", "y");
	store_txn_abort(txn);
	store_txn_abort(NULL);

	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_DOMAINS, "gone", &v), 0);
	assert_int_equal(get_str(txn, STORE_SESSIONS, "gone", &v), 0);
	store_txn_abort(txn);
	close_store(st);
}

static void
test_read_txn_cannot_write(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	const char *v = NULL;

	(void)state;
	txn = store_txn_begin(st, false, &err);
	assert_int_equal(store_put(txn, STORE_DOMAINS, "k", 1, "v", 1, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "read-only"));
	assert_int_equal(store_del(txn, STORE_DOMAINS, "k", 1, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	store_txn_abort(txn);

	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_DOMAINS, "k", &v), 0);
	store_txn_abort(txn);
	close_store(st);
}

static void
test_bad_keys(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	char big[2048];
	const void *v;
	size_t vlen;

	(void)state;
	memset(big, 'k', sizeof(big));
	txn = store_txn_begin(st, true, &err);
	assert_int_equal(store_put(txn, STORE_DOMAINS, "", 0, "v", 1, &err),
			 -1);
	assert_int_equal(
		store_put(txn, STORE_DOMAINS, big, sizeof(big), "v", 1, &err),
		-1);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	assert_int_equal(store_get(txn, STORE_NTABLES, "k", 1, &v, &vlen, &err),
			 -1);
	/* The txn is still usable after refused arguments. */
	put_str(txn, STORE_DOMAINS, "ok", "v");
	assert_int_equal(store_txn_commit(txn, &err), 0);
	close_store(st);
}

struct collect {
	char keys[16][16];
	int n;
	int stop_after;
};

static int
collect_fn(const void *key, size_t klen, const void *val, size_t vlen,
	   void *opaque, struct rvirt_error *err)
{
	struct collect *c = opaque;

	(void)val;
	(void)vlen;
	(void)err;
	assert_true(klen < sizeof(c->keys[0]));
	assert_true(c->n < 16);
	memcpy(c->keys[c->n], key, klen);
	c->keys[c->n][klen] = '\0';
	c->n++;
	return c->stop_after && c->n == c->stop_after ? 1 : 0;
}

static int
fail_fn(const void *key, size_t klen, const void *val, size_t vlen,
	void *opaque, struct rvirt_error *err)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	(void)opaque;
	err->code = RVIRT_ERR_INTERNAL;
	snprintf(err->message, sizeof(err->message), "stop here");
	return -1;
}

static void
test_foreach_prefix(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	struct collect c;

	(void)state;
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_NAMES, "a", "");
	put_str(txn, STORE_NAMES, "test/b", "");
	put_str(txn, STORE_NAMES, "test/a", "");
	put_str(txn, STORE_NAMES, "tesu", "");
	put_str(txn, STORE_NAMES, "test", "");
	put_str(txn, STORE_NAMES, "z", "");
	assert_int_equal(store_txn_commit(txn, &err), 0);

	txn = store_txn_begin(st, false, &err);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_foreach(txn, STORE_NAMES, "test/", 5, collect_fn,
				       &c, &err),
			 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "test/a");
	assert_string_equal(c.keys[1], "test/b");

	/* No prefix: everything, in key order. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		store_foreach(txn, STORE_NAMES, NULL, 0, collect_fn, &c, &err),
		0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.keys[0], "a");
	assert_string_equal(c.keys[1], "test");
	assert_string_equal(c.keys[2], "test/a");
	assert_string_equal(c.keys[3], "test/b");
	assert_string_equal(c.keys[4], "tesu");
	assert_string_equal(c.keys[5], "z");

	/* A prefix past every key, and one that matches nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		store_foreach(txn, STORE_NAMES, "zz", 2, collect_fn, &c, &err),
		0);
	assert_int_equal(c.n, 0);
	assert_int_equal(
		store_foreach(txn, STORE_NAMES, "b", 1, collect_fn, &c, &err),
		0);
	assert_int_equal(c.n, 0);

	/* fn stops early with 1, fails with -1. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(
		store_foreach(txn, STORE_NAMES, NULL, 0, collect_fn, &c, &err),
		0);
	assert_int_equal(c.n, 2);
	assert_int_equal(
		store_foreach(txn, STORE_NAMES, NULL, 0, fail_fn, NULL, &err),
		-1);
	assert_string_equal(err.message, "stop here");
	store_txn_abort(txn);
	close_store(st);
}

static void
test_second_open_refused(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store *st2;
	pid_t pid;
	int status;

	(void)state;
	st2 = store_open(storedir, 1 << 20, 0, &err);
	assert_null(st2);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "already open in this process"));

	/* A child after fork may open its own (and must not use ours). */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *c = store_open(storedir, 1 << 20, 0, &err);

		_exit(c ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close_store(st);

	/* Closed: it may be opened again. */
	st = open_store(1 << 20);
	close_store(st);
}

static void
test_open_errors(void **state)
{
	struct rvirt_error err = { 0 };
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", storedir);
	assert_null(store_open(path, 1 << 20, 0, &err));
	assert_int_equal(err.code, RVIRT_ERR_STORE);
	assert_non_null(strstr(err.message, "missing"));
}

/* Fill a tiny map until it is full; the store stays usable. */
static void
test_map_full(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(64 * 1024);
	struct store_txn *txn;
	char key[32], val[1000];
	const char *v = NULL;
	int i, committed = 0, rc = 0;

	(void)state;
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_META, "survivor", "here");
	assert_int_equal(store_txn_commit(txn, &err), 0);

	/* One txn per put, so the full one is the only one lost. */
	for (i = 0; i < 10000; i++) {
		txn = store_txn_begin(st, true, &err);
		assert_non_null(txn);
		snprintf(key, sizeof(key), "key%05d", i);
		rc = store_put(txn, STORE_DOMAINS, key, strlen(key), val,
			       sizeof(val), &err);
		if (rc == 0)
			rc = store_txn_commit(txn, &err);
		else
			store_txn_abort(txn);
		if (rc < 0)
			break;
		committed++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE_FULL);
	assert_non_null(strstr(err.message, storedir));
	assert_non_null(strstr(err.message, "store_max_size"));
	assert_true(committed > 0);

	/* Everything committed is there; the failed put is not. */
	txn = store_txn_begin(st, false, &err);
	assert_non_null(txn);
	assert_int_equal(get_str(txn, STORE_META, "survivor", &v), 1);
	snprintf(key, sizeof(key), "key%05d", committed - 1);
	assert_int_equal(get_str(txn, STORE_DOMAINS, key, &v), 1);
	snprintf(key, sizeof(key), "key%05d", committed);
	assert_int_equal(get_str(txn, STORE_DOMAINS, key, &v), 0);
	store_txn_abort(txn);

	/*
	 * LMDB copies pages on write, so in a full map even a delete may
	 * not commit: the way out is the one the message names, a larger
	 * map.  Reopen with one, as an admin raising store_max_size would.
	 */
	assert_int_equal(store_reader_check(st), 0);
	close_store(st);
	st = open_store(1 << 20);
	txn = store_txn_begin(st, true, &err);
	assert_non_null(txn);
	for (i = 0; i < committed / 2; i++) {
		snprintf(key, sizeof(key), "key%05d", i);
		assert_int_equal(
			store_del(txn, STORE_DOMAINS, key, strlen(key), &err),
			1);
	}
	put_str(txn, STORE_META, "after", "full");
	assert_int_equal(store_txn_commit(txn, &err), 0);
	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_META, "survivor", &v), 1);
	assert_int_equal(get_str(txn, STORE_META, "after", &v), 1);
	snprintf(key, sizeof(key), "key%05d", committed - 1);
	assert_int_equal(get_str(txn, STORE_DOMAINS, key, &v), 1);
	store_txn_abort(txn);
	close_store(st);
}

/*
 * Full at the soft limit, the store still frees: each key is deleted
 * in a transaction of its own that also writes a reply, as an undefine
 * records its result, and every one commits; then writes work again.
 */
static void
test_full_store_frees(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 20);
	struct store_txn *txn;
	char key[32], val[3000];
	int i, committed = 0, rc = 0;

	(void)state;
	memset(val, 'f', sizeof(val));
	for (i = 0; i < 10000; i++) {
		txn = store_txn_begin(st, true, &err);
		assert_non_null(txn);
		snprintf(key, sizeof(key), "dom%05d", i);
		rc = store_put(txn, STORE_DOMAINS, key, strlen(key), val,
			       sizeof(val), &err);
		if (rc == 0)
			rc = store_txn_commit(txn, &err);
		else
			store_txn_abort(txn);
		if (rc < 0)
			break;
		committed++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE_FULL);
	assert_true(committed > 10);
	/* Sessions and replies may still grow a little: half the reserve. */
	txn = store_txn_begin(st, true, &err);
	put_str(txn, STORE_SESSIONS, "cookie", "a session");
	assert_int_equal(store_txn_commit(txn, &err), 0);

	for (i = 0; i < committed; i++) {
		txn = store_txn_begin(st, true, &err);
		assert_non_null(txn);
		snprintf(key, sizeof(key), "dom%05d", i);
		assert_int_equal(
			store_del(txn, STORE_DOMAINS, key, strlen(key), &err),
			1);
		snprintf(key, sizeof(key), "reply%05d", i);
		assert_int_equal(store_put(txn, STORE_REPLIES, key, strlen(key),
					   val, 200, &err),
				 0);
		assert_int_equal(store_txn_commit(txn, &err), 0);
	}
	/* Room again: as many definitions as before, near enough. */
	for (i = 0; i < committed / 2; i++) {
		txn = store_txn_begin(st, true, &err);
		snprintf(key, sizeof(key), "new%05d", i);
		assert_int_equal(store_put(txn, STORE_DOMAINS, key, strlen(key),
					   val, sizeof(val), &err),
				 0);
		assert_int_equal(store_txn_commit(txn, &err), 0);
	}
	close_store(st);
}

/* A put that fails full makes commit fail full too, not succeed. */
static void
test_commit_after_full_fails(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(64 * 1024);
	struct store_txn *txn;
	char key[32], val[1000];
	const char *v = NULL;
	int i, rc = 0;

	(void)state;
	memset(val, 'w', sizeof(val));
	txn = store_txn_begin(st, true, &err);
	for (i = 0; i < 10000 && rc == 0; i++) {
		snprintf(key, sizeof(key), "key%05d", i);
		rc = store_put(txn, STORE_DOMAINS, key, strlen(key), val,
			       sizeof(val), &err);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE_FULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_txn_commit(txn, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_STORE_FULL);

	txn = store_txn_begin(st, false, &err);
	assert_int_equal(get_str(txn, STORE_DOMAINS, "key00000", &v), 0);
	store_txn_abort(txn);
	close_store(st);
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/t4000-XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * The free list: a reader holding an old snapshot keeps the pages that
 * later commits free from reuse, so each commit adds an entry.  A walk
 * bounded to one entry says it is incomplete and counts fewer pages.
 */
static void
test_free_list(void **state)
{
	struct rvirt_error err = { 0 };
	struct store *st = open_store(1 << 22);
	struct store_info all, one;
	struct store_txn *old, *txn;
	char key[16], val[512];

	(void)state;
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	txn = store_txn_begin(st, true, &err);
	assert_non_null(txn);
	for (int i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		put_str(txn, STORE_DOMAINS, key, val);
	}
	assert_int_equal(store_txn_commit(txn, &err), 0);
	old = store_txn_begin(st, false, &err);
	assert_non_null(old);
	for (int i = 0; i < 4; i++) {
		txn = store_txn_begin(st, true, &err);
		assert_non_null(txn);
		snprintf(key, sizeof(key), "k%02d", i * 16);
		assert_int_equal(
			store_del(txn, STORE_DOMAINS, key, strlen(key), &err),
			1);
		assert_int_equal(store_txn_commit(txn, &err), 0);
	}
	assert_int_equal(store_get_info(st, &all, &err), 0);
	assert_true(all.free_entries >= 2);
	assert_true(all.free_pages >= all.free_entries);
	assert_true(all.free_complete);
	assert_int_equal(store_get_free_list(st, 1, &one, &err), 0);
	assert_int_equal(one.free_entries, all.free_entries);
	assert_false(one.free_complete);
	assert_true(one.free_pages > 0 && one.free_pages < all.free_pages);
	assert_int_equal(store_get_free_list(st, all.free_entries, &one, &err),
			 0);
	assert_true(one.free_complete);
	assert_int_equal(one.free_pages, all.free_pages);
	store_txn_abort(old);
	close_store(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_del, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_persists_across_reopen,
						setup_dir, teardown_store),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing,
						setup_dir, teardown_store),
		cmocka_unit_test_setup_teardown(test_read_txn_cannot_write,
						setup_dir, teardown_store),
		cmocka_unit_test_setup_teardown(test_bad_keys, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_foreach_prefix, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_second_open_refused,
						setup_dir, teardown_store),
		cmocka_unit_test_setup_teardown(test_open_errors, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_map_full, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_full_store_frees,
						setup_dir, teardown_store),
		cmocka_unit_test_setup_teardown(test_free_list, setup_dir,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_commit_after_full_fails,
						setup_dir, teardown_store),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
