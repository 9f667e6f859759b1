/* SPDX-License-Identifier: MIT */
/* store: the LMDB environment holding domains, names, sessions and replies. */
#ifndef RVIRT_STORE_H
#define RVIRT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"

/*
 * One LMDB environment (a directory, normally state_dir) with one named
 * database per table.  Rules that come from LMDB itself:
 *   - open the store after fork, never before: an environment must not
 *     cross a fork;
 *   - open it at most once per process: LMDB's reader locks are fcntl
 *     locks, which a second open in the same process would release;
 *     store_open refuses a second open (RVIRT_ERR_INTERNAL) until
 *     store_close, while a child after fork may open its own;
 *   - one write transaction at a time per process (LMDB serialises
 *     writers across processes with its own lock).
 * A full map or a full disk is reported as RVIRT_ERR_STORE_FULL; the
 * transaction is aborted and nothing is half written.
 */

enum store_table {
	STORE_DOMAINS,	/* uuid (16 bytes) -> driver's domain record */
	STORE_NAMES,	/* "driver\0name" -> uuid (16 bytes) */
	STORE_SESSIONS, /* cookie (RVIRT_COOKIE_LEN) -> session record */
	STORE_REPLIES,	/* cookie + xid -> recorded reply (issue: sessions) */
	STORE_META,	/* small named values: schema version, counters */
	STORE_EVENTS,	/* seq (u64 big-endian) -> journal event (journal.h) */
	STORE_NTABLES
};

enum store_flags {
	STORE_NOSYNC = 1 << 0, /* no fsync per commit (store_sync relaxed) */
};

struct store;
struct store_txn;

/*
 * Open (creating if needed) the store in directory dir, which must
 * exist.  map_size is the largest size the data file may grow to, in
 * bytes.  Returns NULL and sets *err on failure.
 */
struct store *store_open(const char *dir, size_t map_size, unsigned int flags,
			 struct rvirt_error *err);

/* Close the store; every transaction must be finished.  NULL is a no-op. */
void store_close(struct store *st);

/* Flush to disk (for STORE_NOSYNC stores).  Returns 0 or -1 with *err. */
int store_sync(struct store *st, struct rvirt_error *err);

/*
 * Call hook with the time each write commit of this process took, in
 * nanoseconds (the metrics of a worker); NULL stops it.
 */
void store_set_commit_timer(void (*hook)(uint64_t ns));

/* Clear reader slots left by dead processes; returns how many, or -1. */
int store_reader_check(struct store *st);

/*
 * Begin a transaction: read-only when write is false.  Returns NULL and
 * sets *err on failure.
 */
struct store_txn *store_txn_begin(struct store *st, bool write,
				  struct rvirt_error *err);

/*
 * Commit and free txn.  Returns 0, or -1 with *err (the transaction is
 * then aborted and freed all the same).
 */
int store_txn_commit(struct store_txn *txn, struct rvirt_error *err);

/*
 * Commit a write txn as store_txn_commit does, but without waiting for
 * the disk (LMDB's MDB_NOSYNC for this commit only): the commit is in
 * the page cache, so it survives the crash of any process, and reaches
 * the disk with the next synced commit of any process (which syncs the
 * whole data file), the next store_sync or the kernel's writeback.  A
 * power loss before that may undo it.  For records a client can do
 * without (session records); a change whose result is reported to a
 * client uses store_txn_commit.
 */
int store_txn_commit_lazy(struct store_txn *txn, struct rvirt_error *err);

/* Abort and free txn.  NULL is a no-op. */
void store_txn_abort(struct store_txn *txn);

/*
 * After a write transaction that appended journal events commits, the
 * store calls hook(seq, opaque) with the last sequence number it
 * appended (journal.c notes it with store_txn_note_seq).  One hook per
 * store; NULL removes it.  The server publishes seq in the scoreboard
 * and wakes parked event waiters (doc/events.md).
 */
void store_set_commit_hook(struct store *st,
			   void (*hook)(uint64_t seq, void *opaque),
			   void *opaque);

/* Note that txn appended journal event seq (for the commit hook). */
void store_txn_note_seq(struct store_txn *txn, uint64_t seq);

/* Whether txn may write. */
bool store_txn_writable(const struct store_txn *txn);

/*
 * Look key up in table t.  Returns 1 and points *val and *vlen at the value
 * (valid until the transaction ends, never to be written through), 0
 * when the key is absent (*val and *vlen untouched), -1 with *err.
 */
int store_get(struct store_txn *txn, enum store_table t, const void *key,
	      size_t klen, const void **val, size_t *vlen,
	      struct rvirt_error *err);

/* Insert or replace.  Returns 0, or -1 with *err (RVIRT_ERR_STORE_FULL). */
int store_put(struct store_txn *txn, enum store_table t, const void *key,
	      size_t klen, const void *val, size_t vlen,
	      struct rvirt_error *err);

/* Delete.  Returns 1 when deleted, 0 when absent, -1 with *err. */
int store_del(struct store_txn *txn, enum store_table t, const void *key,
	      size_t klen, struct rvirt_error *err);

/*
 * Call fn for each entry of t in key order, starting at the first key
 * >= prefix when prefix is not NULL and stopping at the first key that
 * does not start with prefix.  fn returns 0 to go on, 1 to stop, -1 on
 * error (then *err must have been set by fn).  Returns 0 or -1.
 * fn must not write to table t.
 */
int store_foreach(struct store_txn *txn, enum store_table t, const void *prefix,
		  size_t plen,
		  int (*fn)(const void *key, size_t klen, const void *val,
			    size_t vlen, void *opaque, struct rvirt_error *err),
		  void *opaque, struct rvirt_error *err);

/*
 * As store_foreach, from the first key >= start (the first key when
 * start is NULL) to the end of the table: no prefix stops the walk.
 */
int store_foreach_from(struct store_txn *txn, enum store_table t,
		       const void *start, size_t slen,
		       int (*fn)(const void *key, size_t klen, const void *val,
				 size_t vlen, void *opaque,
				 struct rvirt_error *err),
		       void *opaque, struct rvirt_error *err);

/* What the store holds, for status output and benchmarks. */
struct store_info {
	uint64_t page_size;
	uint64_t map_size;   /* the largest the data file may grow to */
	uint64_t pages_used; /* high-water mark: pages the file has used */
	uint64_t entries[STORE_NTABLES];
	uint64_t table_pages[STORE_NTABLES]; /* pages holding each table */
	/*
	 * LMDB's free list (its free DB): entries (one per write
	 * transaction that freed pages, exact), the pages they list
	 * (reusable now or once older readers end), and whether the walk
	 * that counts them read every entry: it stops after
	 * STORE_FREE_WALK_MAX, and free_pages is then a lower bound.
	 */
	uint64_t free_entries;
	uint64_t free_pages;
	bool free_complete;
};

/* The most free-list entries store_get_info reads to count pages. */
#define STORE_FREE_WALK_MAX 10000

/* Fill *info.  Returns 0, or -1 with *err. */
int store_get_info(struct store *st, struct store_info *info,
		   struct rvirt_error *err);

/*
 * The free list alone: fill free_entries, free_pages and free_complete
 * of *info (nothing else), reading at most max_entries entries.
 * Returns 0, or -1 with *err.
 */
int store_get_free_list(struct store *st, uint64_t max_entries,
			struct store_info *info, struct rvirt_error *err);

#endif
