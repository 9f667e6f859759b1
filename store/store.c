/* SPDX-License-Identifier: MIT */
/* store: the LMDB environment holding domains, names, sessions and replies. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "../common/err.h"
#include "store.h"

/* Bumped when a table's key or value layout changes incompatibly. */
#define STORE_SCHEMA_VERSION 1
#define STORE_SCHEMA_KEY "schema"
#define STORE_MAX_READERS 1024

/*
 * Headroom for frees (doc/store.md): writes that add pages stop when
 * the live pages reach the map less the reserve (domains) or less half
 * of it (sessions, replies, meta), so a transaction that deletes, and
 * the copies of pages its changes need, always finds room.
 */
#define STORE_RESERVE_DIV 8	   /* the reserve: 1/8 of the map ... */
#define STORE_RESERVE_MIN_PAGES 64 /* ... and at least this many pages */
/* LMDB's unnamed database, which names the tables. */
#define STORE_MAIN_DBI 1

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_NTABLES];
	size_t map_size;
	size_t page_size;
	uint64_t soft_pages[STORE_NTABLES]; /* growth stops above these */
	char path[4096];
	void (*commit_hook)(uint64_t seq, void *opaque);
	void *commit_opaque;
};

struct store_txn {
	struct store *st;
	MDB_txn *txn;
	bool write;
	bool freed; /* deleted an entry: exempt from the soft limits */
	/* The first LMDB failure inside the txn, so commit reports it. */
	int failed;
	uint64_t journal_seq; /* last journal event appended, 0 none */
};

static const char *const store_table_names[STORE_NTABLES] = {
	[STORE_DOMAINS] = "domains",   [STORE_NAMES] = "names",
	[STORE_SESSIONS] = "sessions", [STORE_REPLIES] = "replies",
	[STORE_META] = "meta",	       [STORE_EVENTS] = "events",
};

/*
 * LMDB's reader table uses fcntl locks, which belong to the process: a
 * second environment on the same files in one process would release
 * them.  Remember which process holds which open store (a child after
 * fork may open its own; it must never use the parent's).  Two stores
 * of different directories may be open at once: the main store and
 * the session store (server/sessdb.c).
 */
#define STORE_OPEN_MAX 2
static struct {
	pid_t pid;
	const struct store *st;
} store_opened[STORE_OPEN_MAX];

/* The slot of an open store of dir in this process, or -1. */
static int
store_opened_find(const char *dir)
{
	for (int i = 0; i < STORE_OPEN_MAX; i++)
		if (store_opened[i].pid == getpid() &&
		    strcmp(store_opened[i].st->path, dir) == 0)
			return i;
	return -1;
}

/* A free slot (or one a parent process left), or -1. */
static int
store_opened_free(void)
{
	for (int i = 0; i < STORE_OPEN_MAX; i++)
		if (store_opened[i].pid != getpid())
			return i;
	return -1;
}

/* Told how long each commit took (store_set_commit_timer), NULL none. */
static void (*store_commit_timer)(uint64_t ns);

void
store_set_commit_timer(void (*hook)(uint64_t ns))
{
	store_commit_timer = hook;
}

static uint64_t
store_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Turn an LMDB or errno code into *err; what says what failed. */
static void
store_set_error(const struct store *st, int rc, const char *what,
		struct rvirt_error *err)
{
	/*
	 * MDB_MAP_FULL is also what store_put records when a write would
	 * pass a soft limit: frees still work then (doc/store.md).
	 */
	if (rc == MDB_MAP_FULL)
		err_set(err, RVIRT_ERR_STORE_FULL, RVIRT_FROM_STORE,
			"cannot %s: store '%s' is full (%zu KiB): free "
			"space (undefine domains, close sessions) or raise "
			"store_max_size",
			what, st->path, st->map_size >> 10);
	else if (rc == ENOSPC || rc == EDQUOT)
		err_set(err, RVIRT_ERR_STORE_FULL, RVIRT_FROM_STORE,
			"cannot %s: no space left for store '%s': free disk "
			"space or lower store_max_size",
			what, st->path);
	else if (rc > 0)
		/* A system error: strerror's text, in the house style. */
		err_set_errno(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, rc,
			      "cannot %s in store '%s'", what, st->path);
	else
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot %s in store '%s': %s", what, st->path,
			mdb_strerror(rc));
}

/*
 * LMDB reports a short write as EIO, and a write on a full disk is
 * often short rather than ENOSPC: call it a full disk when the file
 * system of the store has less than this left.
 */
#define STORE_DISK_LOW_BYTES ((uint64_t)1 << 20)

/* rc, or ENOSPC when rc is EIO and the store's disk is (nearly) full. */
static int
store_disk_errno(const struct store *st, int rc)
{
	struct statvfs sv;
	uint64_t left;

	if (rc != EIO || statvfs(st->path, &sv) < 0)
		return rc;
	left = (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) *
	       sv.f_frsize;
	return left < STORE_DISK_LOW_BYTES ? ENOSPC : rc;
}

/* The soft limits of each table, from the map and page sizes. */
static void
store_set_limits(struct store *st)
{
	MDB_stat ms;
	uint64_t map_pages, reserve;

	st->page_size = 4096;
	if (mdb_env_stat(st->env, &ms) == 0 && ms.ms_psize)
		st->page_size = ms.ms_psize;
	map_pages = st->map_size / st->page_size;
	reserve = map_pages / STORE_RESERVE_DIV;
	if (reserve < STORE_RESERVE_MIN_PAGES)
		reserve = STORE_RESERVE_MIN_PAGES;
	if (reserve > map_pages / 2)
		reserve = map_pages / 2;
	for (int t = 0; t < STORE_NTABLES; t++)
		st->soft_pages[t] =
			map_pages - (t == STORE_DOMAINS || t == STORE_NAMES
					     ? reserve
					     : reserve / 2);
}

/* Pages holding live data in txn's view: every table and their names. */
static uint64_t
store_live_pages(struct store_txn *txn)
{
	uint64_t n = 2; /* the two meta pages */
	MDB_stat ms;

	if (mdb_stat(txn->txn, STORE_MAIN_DBI, &ms) == 0)
		n += ms.ms_branch_pages + ms.ms_leaf_pages +
		     ms.ms_overflow_pages;
	for (int t = 0; t < STORE_NTABLES; t++)
		if (mdb_stat(txn->txn, txn->st->dbi[t], &ms) == 0)
			n += ms.ms_branch_pages + ms.ms_leaf_pages +
			     ms.ms_overflow_pages;
	return n;
}

/* Create the named databases and check the schema version. */
static int
store_init_tables(struct store *st, struct rvirt_error *err)
{
	MDB_txn *txn = NULL;
	MDB_val key, val;
	uint32_t version = STORE_SCHEMA_VERSION;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc) {
		store_set_error(st, rc, "begin the first transaction", err);
		return -1;
	}
	for (int t = 0; t < STORE_NTABLES; t++) {
		rc = mdb_dbi_open(txn, store_table_names[t], MDB_CREATE,
				  &st->dbi[t]);
		if (rc) {
			store_set_error(st, rc, "open table", err);
			goto fail;
		}
	}
	key.mv_data = (void *)(uintptr_t)STORE_SCHEMA_KEY;
	key.mv_size = strlen(STORE_SCHEMA_KEY);
	rc = mdb_get(txn, st->dbi[STORE_META], &key, &val);
	if (rc == MDB_NOTFOUND) {
		val.mv_data = &version;
		val.mv_size = sizeof(version);
		rc = mdb_put(txn, st->dbi[STORE_META], &key, &val, 0);
		if (rc) {
			store_set_error(st, rc, "write the schema version",
					err);
			goto fail;
		}
	} else if (rc) {
		store_set_error(st, rc, "read the schema version", err);
		goto fail;
	} else {
		uint32_t found = 0;

		if (val.mv_size == sizeof(found))
			memcpy(&found, val.mv_data, sizeof(found));
		if (found != STORE_SCHEMA_VERSION) {
			err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
				"cannot use store '%s': schema version %u, "
				"this rvirtd knows version %u",
				st->path, (unsigned int)found,
				STORE_SCHEMA_VERSION);
			goto fail;
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc) {
		store_set_error(st, rc, "create the tables", err);
		return -1;
	}
	return 0;
fail:
	mdb_txn_abort(txn);
	return -1;
}

struct store *
store_open(const char *dir, size_t map_size, unsigned int flags,
	   struct rvirt_error *err)
{
	struct store *st = NULL;
	struct stat sb;
	unsigned int envflags = MDB_NOTLS;
	int rc, slot;

	if (store_opened_find(dir) >= 0 || (slot = store_opened_free()) < 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"cannot open store '%s': a store is already open in "
			"this process",
			dir);
		return NULL;
	}
	if (strlen(dir) >= sizeof(st->path)) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot open store '%.64s...': path too long", dir);
		return NULL;
	}
	if (stat(dir, &sb) < 0) {
		err_set_errno(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, errno,
			      "cannot open store '%s'", dir);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot open store '%s': not a directory", dir);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_STORE,
			"cannot open store '%s': out of memory", dir);
		return NULL;
	}
	strcpy(st->path, dir);
	st->map_size = map_size;
	if (flags & STORE_NOSYNC)
		envflags |= MDB_NOSYNC;

	rc = mdb_env_create(&st->env);
	if (rc) {
		st->env = NULL;
		store_set_error(st, rc, "create the environment", err);
		goto fail;
	}
	rc = mdb_env_set_maxdbs(st->env, STORE_NTABLES);
	if (!rc)
		rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS);
	if (!rc)
		rc = mdb_env_set_mapsize(st->env, map_size);
	if (rc) {
		store_set_error(st, rc, "configure the environment", err);
		goto fail;
	}
	rc = mdb_env_open(st->env, dir, envflags, 0600);
	if (rc) {
		store_set_error(st, rc, "open the environment", err);
		goto fail;
	}
	if (store_init_tables(st, err) < 0)
		goto fail;
	store_set_limits(st);
	store_opened[slot].pid = getpid();
	store_opened[slot].st = st;
	return st;
fail:
	if (st->env)
		mdb_env_close(st->env);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < STORE_OPEN_MAX; i++)
		if (store_opened[i].pid == getpid() && store_opened[i].st == st)
			store_opened[i].pid = 0;
	mdb_env_close(st->env);
	free(st);
}

int
store_sync(struct store *st, struct rvirt_error *err)
{
	int rc = mdb_env_sync(st->env, 1);

	if (rc) {
		store_set_error(st, store_disk_errno(st, rc), "sync", err);
		return -1;
	}
	return 0;
}

int
store_reader_check(struct store *st)
{
	int dead = 0;

	if (mdb_reader_check(st->env, &dead))
		return -1;
	return dead;
}

struct store_txn *
store_txn_begin(struct store *st, bool write, struct rvirt_error *err)
{
	struct store_txn *txn;
	int rc;

	txn = calloc(1, sizeof(*txn));
	if (!txn) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_STORE,
			"cannot begin a transaction: out of memory");
		return NULL;
	}
	txn->st = st;
	txn->write = write;
	rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size, once. */
		rc = mdb_env_set_mapsize(st->env, 0);
		if (!rc)
			rc = mdb_txn_begin(st->env, NULL,
					   write ? 0 : MDB_RDONLY, &txn->txn);
	}
	if (rc) {
		store_set_error(st, rc, "begin a transaction", err);
		free(txn);
		return NULL;
	}
	return txn;
}

int
store_txn_commit(struct store_txn *txn, struct rvirt_error *err)
{
	struct store *st = txn->st;
	int failed = txn->failed;
	uint64_t t0;
	uint64_t seq;
	int rc;

	if (failed) {
		/* LMDB refuses to commit after an error; say what it was. */
		mdb_txn_abort(txn->txn);
		free(txn);
		store_set_error(st, failed, "commit", err);
		return -1;
	}
	t0 = store_commit_timer ? store_now_ns() : 0;
	rc = mdb_txn_commit(txn->txn);
	if (store_commit_timer)
		store_commit_timer(store_now_ns() - t0);
	seq = txn->journal_seq;
	free(txn);
	if (rc) {
		store_set_error(st, store_disk_errno(st, rc), "commit", err);
		return -1;
	}
	if (seq && st->commit_hook)
		st->commit_hook(seq, st->commit_opaque);
	return 0;
}

int
store_txn_commit_lazy(struct store_txn *txn, struct rvirt_error *err)
{
	MDB_env *env = txn->st->env;
	unsigned int flags = 0;
	int rc;

	/*
	 * LMDB reads MDB_NOSYNC from the environment at commit time and
	 * lets it change at any time; this environment is this process's
	 * alone and has one transaction at a time, so the flag is set for
	 * exactly this commit.
	 */
	if (mdb_env_get_flags(env, &flags) != 0 || (flags & MDB_NOSYNC))
		return store_txn_commit(txn, err);
	mdb_env_set_flags(env, MDB_NOSYNC, 1);
	rc = store_txn_commit(txn, err);
	mdb_env_set_flags(env, MDB_NOSYNC, 0);
	return rc;
}

void
store_set_commit_hook(struct store *st,
		      void (*hook)(uint64_t seq, void *opaque), void *opaque)
{
	st->commit_hook = hook;
	st->commit_opaque = opaque;
}

void
store_txn_note_seq(struct store_txn *txn, uint64_t seq)
{
	if (seq > txn->journal_seq)
		txn->journal_seq = seq;
}

void
store_txn_abort(struct store_txn *txn)
{
	if (!txn)
		return;
	mdb_txn_abort(txn->txn);
	free(txn);
}

bool
store_txn_writable(const struct store_txn *txn)
{
	return txn->write;
}

static int
store_check_table(enum store_table t, struct rvirt_error *err)
{
	if ((unsigned int)t >= STORE_NTABLES) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"store table %d does not exist", (int)t);
		return -1;
	}
	return 0;
}

/* Check a key before LMDB sees it: it refuses empty and long keys. */
static int
store_check_key(struct store_txn *txn, enum store_table t, size_t klen,
		struct rvirt_error *err)
{
	if (store_check_table(t, err) < 0)
		return -1;
	if (klen == 0 || klen > (size_t)mdb_env_get_maxkeysize(txn->st->env)) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"store key for table '%s' has a bad length %zu",
			store_table_names[t], klen);
		return -1;
	}
	return 0;
}

/* Record an LMDB failure that leaves the txn unusable, and report it. */
static int
store_txn_fail(struct store_txn *txn, int rc, const char *what,
	       struct rvirt_error *err)
{
	if (!txn->failed)
		txn->failed = rc;
	store_set_error(txn->st, rc, what, err);
	return -1;
}

int
store_get(struct store_txn *txn, enum store_table t, const void *key,
	  size_t klen, const void **val, size_t *vlen, struct rvirt_error *err)
{
	MDB_val k, v;
	int rc;

	if (store_check_key(txn, t, klen, err) < 0)
		return -1;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	rc = mdb_get(txn->txn, txn->st->dbi[t], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc) {
		store_set_error(txn->st, rc, "read", err);
		return -1;
	}
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 1;
}

static int
store_check_writable(struct store_txn *txn, const char *what,
		     struct rvirt_error *err)
{
	if (!txn->write) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"cannot %s in store '%s': the transaction is read-only",
			what, txn->st->path);
		return -1;
	}
	return 0;
}

int
store_put(struct store_txn *txn, enum store_table t, const void *key,
	  size_t klen, const void *val, size_t vlen, struct rvirt_error *err)
{
	uint64_t before;
	MDB_val k, v;
	int rc;

	if (store_check_writable(txn, "write", err) < 0 ||
	    store_check_key(txn, t, klen, err) < 0)
		return -1;
	if (vlen > UINT32_MAX) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"store value for table '%s' is too large (%zu bytes)",
			store_table_names[t], vlen);
		return -1;
	}
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	v.mv_data = (void *)(uintptr_t)val;
	v.mv_size = vlen;
	before = txn->freed ? 0 : store_live_pages(txn);
	rc = mdb_put(txn->txn, txn->st->dbi[t], &k, &v, 0);
	if (rc)
		return store_txn_fail(txn, rc, "write", err);
	/*
	 * A write that adds pages above the table's soft limit is refused
	 * (the transaction with it), so that frees keep their headroom;
	 * a transaction that deleted something is freeing and may go on.
	 */
	if (!txn->freed) {
		uint64_t after = store_live_pages(txn);

		if (after > before && after > txn->st->soft_pages[t])
			return store_txn_fail(txn, MDB_MAP_FULL, "write", err);
	}
	return 0;
}

int
store_del(struct store_txn *txn, enum store_table t, const void *key,
	  size_t klen, struct rvirt_error *err)
{
	MDB_val k;
	int rc;

	if (store_check_writable(txn, "delete", err) < 0 ||
	    store_check_key(txn, t, klen, err) < 0)
		return -1;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	rc = mdb_del(txn->txn, txn->st->dbi[t], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_txn_fail(txn, rc, "delete", err);
	txn->freed = true;
	return 1;
}

/* Walk from the first key >= start; stop past keys with that prefix if asked. */
static int
store_walk(struct store_txn *txn, enum store_table t, const void *prefix,
	   size_t plen, bool in_prefix,
	   int (*fn)(const void *key, size_t klen, const void *val, size_t vlen,
		     void *opaque, struct rvirt_error *err),
	   void *opaque, struct rvirt_error *err)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_cursor_op op;
	int rc, ret = -1;

	if (!prefix)
		plen = 0;
	if (store_check_table(t, err) < 0 ||
	    (plen > 0 && store_check_key(txn, t, plen, err) < 0))
		return -1;
	rc = mdb_cursor_open(txn->txn, txn->st->dbi[t], &cur);
	if (rc) {
		store_set_error(txn->st, rc, "open a cursor", err);
		return -1;
	}
	k.mv_data = (void *)(uintptr_t)prefix;
	k.mv_size = plen;
	op = plen > 0 ? MDB_SET_RANGE : MDB_FIRST;
	for (;;) {
		int r;

		rc = mdb_cursor_get(cur, &k, &v, op);
		op = MDB_NEXT;
		if (rc == MDB_NOTFOUND)
			break;
		if (rc) {
			store_set_error(txn->st, rc, "read", err);
			goto out;
		}
		if (in_prefix && plen > 0 &&
		    (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		r = fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size, opaque, err);
		if (r < 0)
			goto out;
		if (r > 0)
			break;
	}
	ret = 0;
out:
	mdb_cursor_close(cur);
	return ret;
}

int
store_foreach(struct store_txn *txn, enum store_table t, const void *prefix,
	      size_t plen,
	      int (*fn)(const void *key, size_t klen, const void *val,
			size_t vlen, void *opaque, struct rvirt_error *err),
	      void *opaque, struct rvirt_error *err)
{
	return store_walk(txn, t, prefix, plen, true, fn, opaque, err);
}

int
store_foreach_from(struct store_txn *txn, enum store_table t, const void *start,
		   size_t slen,
		   int (*fn)(const void *key, size_t klen, const void *val,
			     size_t vlen, void *opaque,
			     struct rvirt_error *err),
		   void *opaque, struct rvirt_error *err)
{
	return store_walk(txn, t, start, slen, false, fn, opaque, err);
}

/*
 * The free DB (dbi 0) holds, per transaction that freed pages, an IDL
 * of their numbers whose first word is the count: sum the counts, as
 * mdb_stat -f does, for at most max_entries entries.
 */
static int
store_free_walk(MDB_txn *txn, uint64_t max_entries, struct store_info *info)
{
	MDB_cursor *cur;
	MDB_val key, val;
	MDB_stat fs;
	uint64_t n = 0;
	int rc;

	rc = mdb_stat(txn, 0, &fs);
	if (rc)
		return rc;
	info->free_entries = fs.ms_entries;
	rc = mdb_cursor_open(txn, 0, &cur);
	if (rc)
		return rc;
	info->free_pages = 0;
	while (n < max_entries &&
	       (rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
		size_t first;

		if (val.mv_size < sizeof(size_t))
			continue;
		memcpy(&first, val.mv_data, sizeof(first));
		info->free_pages += first;
		n++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	info->free_complete = n >= info->free_entries;
	return 0;
}

int
store_get_info(struct store *st, struct store_info *info,
	       struct rvirt_error *err)
{
	MDB_envinfo ei;
	MDB_stat ms;
	MDB_txn *txn = NULL;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = mdb_env_info(st->env, &ei);
	if (rc == 0)
		rc = mdb_env_stat(st->env, &ms);
	if (rc == 0)
		rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc) {
		store_set_error(st, rc, "read the store's statistics", err);
		return -1;
	}
	info->page_size = ms.ms_psize;
	info->map_size = ei.me_mapsize;
	info->pages_used = (uint64_t)ei.me_last_pgno + 1;
	for (int t = 0; t < STORE_NTABLES && rc == 0; t++) {
		MDB_stat ts;

		rc = mdb_stat(txn, st->dbi[t], &ts);
		if (rc == 0) {
			info->entries[t] = ts.ms_entries;
			info->table_pages[t] = ts.ms_branch_pages +
					       ts.ms_leaf_pages +
					       ts.ms_overflow_pages;
		}
	}
	if (rc == 0)
		rc = store_free_walk(txn, STORE_FREE_WALK_MAX, info);
	mdb_txn_abort(txn);
	if (rc) {
		store_set_error(st, rc, "read the store's statistics", err);
		return -1;
	}
	return 0;
}

int
store_get_free_list(struct store *st, uint64_t max_entries,
		    struct store_info *info, struct rvirt_error *err)
{
	MDB_txn *txn = NULL;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		rc = store_free_walk(txn, max_entries, info);
		mdb_txn_abort(txn);
	}
	if (rc) {
		store_set_error(st, rc, "read the store's free list", err);
		return -1;
	}
	return 0;
}
