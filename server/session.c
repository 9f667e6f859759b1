/* SPDX-License-Identifier: MIT */
/* session: session records and recorded replies in the store, and their expiry. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/le.h"
#include "../common/uuid.h"
#include "session.h"

/*
 * STORE_SESSIONS record, key = the cookie (RVIRT_COOKIE_LEN bytes).
 * All integers little-endian:
 *    0  u8   format version (1)
 *    1  u8   flags: bit 0 = read-only session
 *    2  u16  reserved, 0
 *    4  u64  created, seconds since the epoch
 *   12  u64  last used, seconds since the epoch
 *   20  u32  uri length U
 *   24  u32  identity length I
 *   28  U bytes of uri, then I bytes of identity (no NULs)
 *
 * STORE_REPLIES record, key = cookie + xid (big-endian, so one
 * session's replies sit together and a prefix walk finds them):
 *    0  u8   format version (1)
 *    1  u8[3] reserved, 0
 *    4  u32  procedure
 *    8  u64  recorded, CLOCK_REALTIME nanoseconds
 *   16  u64  hash of the call's encoded arguments
 *   24  the XDR-encoded result
 * Readers refuse other versions.
 */
#define SESSION_RECORD_VERSION 1
#define SESSION_RECORD_HEADER 28
#define SESSION_FLAG_READONLY 0x01
#define SESSION_REPLY_VERSION 1
#define SESSION_REPLY_HEADER 24
#define SESSION_REPLY_KEY (RVIRT_COOKIE_LEN + 4)
/* Keys one collection transaction deletes at most. */
#define SESSION_GC_BATCH 2048

/*
 * Without session_configure (unit tests, fuzz targets) a session is
 * written at CONNECT_OPEN; rvirtd configures session_record_delay.
 */
static struct session_options session_opts = {
	.ttl_s = 86400,
	.reply_ttl_s = 3600,
	.max_replies = 64,
	.record_delay_ms = 0,
};

void
session_principal(const char *identity, char *buf, size_t size)
{
	const char *colon;
	size_t len = strlen(identity);

	if (strncmp(identity, "tcp:", 4) == 0 &&
	    (colon = strrchr(identity, ':')) > identity + 3)
		len = (size_t)(colon - identity);
	if (len >= size)
		len = size - 1;
	memcpy(buf, identity, len);
	buf[len] = '\0';
}

void
session_configure(const struct session_options *opts)
{
	session_opts = *opts;
	if (session_opts.max_replies == 0)
		session_opts.max_replies = 1;
}

const struct session_options *
session_options(void)
{
	return &session_opts;
}

int
session_cookie_new(unsigned char *cookie, uint32_t store_id, uint64_t now)
{
	if (random_bytes(cookie, RVIRT_COOKIE_LEN) < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		cookie[i] = (unsigned char)(store_id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		cookie[4 + i] = (unsigned char)(now >> (56 - 8 * i));
	return 0;
}

bool
session_cookie_unwritten(const unsigned char *cookie, uint32_t store_id,
			 uint64_t now)
{
	uint32_t id = 0;
	uint64_t issued = 0;

	for (int i = 0; i < 4; i++)
		id = id << 8 | cookie[i];
	for (int i = 0; i < 8; i++)
		issued = issued << 8 | cookie[4 + i];
	/* A minute of clock steps either way is not a reason to refuse. */
	return store_id != 0 && id == store_id && issued <= now + 60 &&
	       now - issued < session_opts.ttl_s;
}

static void
session_reply_key(unsigned char *key, const unsigned char *cookie, uint32_t xid)
{
	memcpy(key, cookie, RVIRT_COOKIE_LEN);
	for (int i = 0; i < 4; i++)
		key[RVIRT_COOKIE_LEN + i] =
			(unsigned char)(xid >> (24 - 8 * i));
}

int
session_create(struct store_txn *txn, const unsigned char *cookie,
	       const char *uri, const char *identity, bool readonly,
	       uint64_t now, struct rvirt_error *err)
{
	size_t ulen = strlen(uri), ilen = strlen(identity), len;
	unsigned char *rec;
	int rc;

	if (ulen > RVIRT_URI_MAX || ilen > SESSION_IDENTITY_MAX) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_SERVER,
			"session uri or identity too long");
		return -1;
	}
	len = SESSION_RECORD_HEADER + ulen + ilen;
	rec = malloc(len);
	if (!rec) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot record the session: out of memory");
		return -1;
	}
	rec[0] = SESSION_RECORD_VERSION;
	rec[1] = readonly ? SESSION_FLAG_READONLY : 0;
	rec[2] = rec[3] = 0;
	le64_put(rec + 4, now);
	le64_put(rec + 12, now);
	le32_put(rec + 20, (uint32_t)ulen);
	le32_put(rec + 24, (uint32_t)ilen);
	memcpy(rec + SESSION_RECORD_HEADER, uri, ulen);
	memcpy(rec + SESSION_RECORD_HEADER + ulen, identity, ilen);
	rc = store_put(txn, STORE_SESSIONS, cookie, RVIRT_COOKIE_LEN, rec, len,
		       err);
	free(rec);
	return rc;
}

/* Check a stored record's layout: 0, or -1 with *err. */
static int
session_check(const unsigned char *v, size_t vlen, struct rvirt_error *err)
{
	uint32_t ulen, ilen;

	if (vlen < SESSION_RECORD_HEADER || v[0] != SESSION_RECORD_VERSION) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"session record has an unknown format (version %u, "
			"%zu bytes)",
			vlen ? v[0] : 0, vlen);
		return -1;
	}
	ulen = le32_get(v + 20);
	ilen = le32_get(v + 24);
	if (ulen > RVIRT_URI_MAX || ilen > SESSION_IDENTITY_MAX ||
	    SESSION_RECORD_HEADER + (size_t)ulen + ilen != vlen) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"session record is corrupt (%zu bytes)", vlen);
		return -1;
	}
	return 0;
}

int
session_load(struct store_txn *txn, const unsigned char *cookie,
	     struct session_record *rec, struct rvirt_error *err)
{
	const void *val;
	const unsigned char *v;
	size_t vlen;
	uint32_t ulen, ilen;
	int r;

	r = store_get(txn, STORE_SESSIONS, cookie, RVIRT_COOKIE_LEN, &val,
		      &vlen, err);
	if (r <= 0)
		return r;
	v = val;
	if (session_check(v, vlen, err) < 0)
		return -1;
	ulen = le32_get(v + 20);
	ilen = le32_get(v + 24);
	rec->readonly = v[1] & SESSION_FLAG_READONLY;
	rec->created = le64_get(v + 4);
	rec->last_used = le64_get(v + 12);
	memcpy(rec->uri, v + SESSION_RECORD_HEADER, ulen);
	rec->uri[ulen] = '\0';
	memcpy(rec->identity, v + SESSION_RECORD_HEADER + ulen, ilen);
	rec->identity[ilen] = '\0';
	return 1;
}

static bool
session_idle_past(uint64_t last_used, uint64_t now)
{
	return now > last_used && now - last_used > session_opts.ttl_s;
}

bool
session_expired(const struct session_record *rec, uint64_t now)
{
	return session_idle_past(rec->last_used, now);
}

int
session_touch(struct store_txn *txn, const unsigned char *cookie, uint64_t now,
	      struct rvirt_error *err)
{
	const void *val;
	unsigned char *copy;
	size_t vlen;
	int r;

	r = store_get(txn, STORE_SESSIONS, cookie, RVIRT_COOKIE_LEN, &val,
		      &vlen, err);
	if (r <= 0)
		return r;
	if (session_check(val, vlen, err) < 0)
		return -1;
	if (le64_get((const unsigned char *)val + 12) == now)
		return 0;
	/* The value points into the map: change a copy. */
	copy = malloc(vlen);
	if (!copy) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot update the session: out of memory");
		return -1;
	}
	memcpy(copy, val, vlen);
	le64_put(copy + 12, now);
	r = store_put(txn, STORE_SESSIONS, cookie, RVIRT_COOKIE_LEN, copy, vlen,
		      err);
	free(copy);
	return r;
}

/* Keys collected by a walk, to delete once the walk is over. */
struct session_keys {
	unsigned char (*key)[SESSION_REPLY_KEY];
	size_t n, cap;
	/* the walk over one session's replies: */
	uint64_t oldest_ns;
	unsigned char oldest[SESSION_REPLY_KEY];
	size_t count;
};

static int
session_keys_add(struct session_keys *ks, const void *key,
		 struct rvirt_error *err)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 64;
		void *p = realloc(ks->key, cap * sizeof(*ks->key));

		if (!p) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
				"cannot collect session keys: out of memory");
			return -1;
		}
		ks->key = p;
		ks->cap = cap;
	}
	memcpy(ks->key[ks->n++], key, SESSION_REPLY_KEY);
	return 0;
}

static int
session_collect_reply(const void *key, size_t klen, const void *val,
		      size_t vlen, void *opaque, struct rvirt_error *err)
{
	(void)klen;
	(void)val;
	(void)vlen;
	return session_keys_add(opaque, key, err);
}

int
session_delete(struct store_txn *txn, const unsigned char *cookie,
	       struct rvirt_error *err)
{
	struct session_keys ks = { 0 };
	int rc = -1;

	if (store_del(txn, STORE_SESSIONS, cookie, RVIRT_COOKIE_LEN, err) < 0)
		return -1;
	if (store_foreach(txn, STORE_REPLIES, cookie, RVIRT_COOKIE_LEN,
			  session_collect_reply, &ks, err) < 0)
		goto out;
	for (size_t i = 0; i < ks.n; i++)
		if (store_del(txn, STORE_REPLIES, ks.key[i], SESSION_REPLY_KEY,
			      err) < 0)
			goto out;
	rc = 0;
out:
	free(ks.key);
	return rc;
}

uint64_t
session_args_hash(const void *args, size_t len)
{
	const unsigned char *p = args;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
session_reply_get(struct store_txn *txn, const unsigned char *cookie,
		  uint32_t xid, struct session_reply *r,
		  struct rvirt_error *err)
{
	unsigned char key[SESSION_REPLY_KEY];
	const unsigned char *v;
	const void *val;
	size_t vlen;
	int rc;

	session_reply_key(key, cookie, xid);
	rc = store_get(txn, STORE_REPLIES, key, sizeof(key), &val, &vlen, err);
	if (rc <= 0)
		return rc;
	v = val;
	if (vlen < SESSION_REPLY_HEADER || v[0] != SESSION_REPLY_VERSION) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"recorded reply has an unknown format (%zu bytes)",
			vlen);
		return -1;
	}
	r->proc = le32_get(v + 4);
	r->args_hash = le64_get(v + 16);
	r->body = v + SESSION_REPLY_HEADER;
	r->body_len = vlen - SESSION_REPLY_HEADER;
	return 1;
}

/* Count one session's replies and remember the oldest. */
static int
session_scan_reply(const void *key, size_t klen, const void *val, size_t vlen,
		   void *opaque, struct rvirt_error *err)
{
	struct session_keys *ks = opaque;
	uint64_t at;

	(void)err;
	if (klen != SESSION_REPLY_KEY || vlen < SESSION_REPLY_HEADER)
		return 0;
	at = le64_get((const unsigned char *)val + 8);
	if (ks->count == 0 || at < ks->oldest_ns) {
		ks->oldest_ns = at;
		memcpy(ks->oldest, key, SESSION_REPLY_KEY);
	}
	ks->count++;
	return 0;
}

int
session_reply_put(struct store_txn *txn, const unsigned char *cookie,
		  uint32_t xid, const struct session_reply *r, uint64_t now_ns,
		  struct rvirt_error *err)
{
	unsigned char key[SESSION_REPLY_KEY];
	struct session_keys ks;
	unsigned char *rec;
	size_t len = SESSION_REPLY_HEADER + r->body_len;
	int rc;

	/* One at most: the bound is kept on every put. */
	memset(&ks, 0, sizeof(ks));
	if (store_foreach(txn, STORE_REPLIES, cookie, RVIRT_COOKIE_LEN,
			  session_scan_reply, &ks, err) < 0)
		return -1;
	if (ks.count >= session_opts.max_replies &&
	    store_del(txn, STORE_REPLIES, ks.oldest, SESSION_REPLY_KEY, err) <
		    0)
		return -1;
	rec = malloc(len);
	if (!rec) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot record the reply: out of memory");
		return -1;
	}
	memset(rec, 0, SESSION_REPLY_HEADER);
	rec[0] = SESSION_REPLY_VERSION;
	le32_put(rec + 4, r->proc);
	le64_put(rec + 8, now_ns);
	le64_put(rec + 16, r->args_hash);
	memcpy(rec + SESSION_REPLY_HEADER, r->body, r->body_len);
	session_reply_key(key, cookie, xid);
	rc = store_put(txn, STORE_REPLIES, key, sizeof(key), rec, len, err);
	free(rec);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Collection                                                        */
/* ---------------------------------------------------------------- */

struct session_gc {
	uint64_t now;
	struct session_gc_stats *stats;
	struct store *sessions; /* where the session records are */
	struct store_txn *txn;	/* the read transaction of the walk */
	struct store_txn *stxn; /* a read txn of sessions, for the replies */
	struct session_keys keys;
	unsigned char next[SESSION_REPLY_KEY]; /* where the next walk starts */
	bool more;
};

static int
session_gc_session(const void *key, size_t klen, const void *val, size_t vlen,
		   void *opaque, struct rvirt_error *err)
{
	struct session_gc *gc = opaque;
	const unsigned char *v = val;
	unsigned char k[SESSION_REPLY_KEY] = { 0 };

	if (klen != RVIRT_COOKIE_LEN)
		return 0;
	if (gc->keys.n == SESSION_GC_BATCH) {
		memcpy(gc->next, key, RVIRT_COOKIE_LEN);
		gc->more = true;
		return 1;
	}
	gc->stats->sessions++;
	/* A record this version cannot read is left for a newer one. */
	if (vlen < SESSION_RECORD_HEADER || v[0] != SESSION_RECORD_VERSION ||
	    !session_idle_past(le64_get(v + 12), gc->now))
		return 0;
	memcpy(k, key, RVIRT_COOKIE_LEN);
	return session_keys_add(&gc->keys, k, err);
}

static int
session_gc_reply(const void *key, size_t klen, const void *val, size_t vlen,
		 void *opaque, struct rvirt_error *err)
{
	struct session_gc *gc = opaque;
	const unsigned char *v = val;
	const void *sv;
	size_t svlen;
	uint64_t at, age;
	int r;

	if (klen != SESSION_REPLY_KEY)
		return 0;
	if (gc->keys.n == SESSION_GC_BATCH) {
		memcpy(gc->next, key, SESSION_REPLY_KEY);
		gc->more = true;
		return 1;
	}
	gc->stats->replies++;
	at = vlen >= SESSION_REPLY_HEADER ? le64_get(v + 8) / 1000000000ULL : 0;
	age = gc->now > at ? gc->now - at : 0;
	if (age <= session_opts.reply_ttl_s) {
		/* Young, but its session may be gone. */
		r = store_get(gc->stxn, STORE_SESSIONS, key, RVIRT_COOKIE_LEN,
			      &sv, &svlen, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return session_keys_add(&gc->keys, key, err);
}

/* Delete the collected keys of table t in one write transaction. */
static int
session_gc_delete(struct store *st, struct session_gc *gc, enum store_table t,
		  size_t klen, uint64_t *count, struct rvirt_error *err)
{
	struct store_txn *txn;
	size_t i;

	if (gc->keys.n == 0)
		return 0;
	txn = store_txn_begin(st, true, err);
	if (!txn)
		return -1;
	for (i = 0; i < gc->keys.n; i++) {
		int r = store_del(txn, t, gc->keys.key[i], klen, err);

		if (r < 0) {
			store_txn_abort(txn);
			return -1;
		}
		*count += (uint64_t)r;
	}
	return store_txn_commit(txn, err);
}

/* One pass of walk-then-delete over table t until nothing is left. */
static int
session_gc_table(struct store *st, struct session_gc *gc, enum store_table t,
		 size_t klen,
		 int (*fn)(const void *key, size_t klen, const void *val,
			   size_t vlen, void *opaque, struct rvirt_error *err),
		 uint64_t *count, struct rvirt_error *err)
{
	bool first = true;

	memset(gc->next, 0, sizeof(gc->next));
	do {
		int r;

		gc->keys.n = 0;
		gc->more = false;
		gc->txn = store_txn_begin(st, false, err);
		if (!gc->txn)
			return -1;
		gc->stxn = gc->txn;
		if (gc->sessions != st) {
			gc->stxn = store_txn_begin(gc->sessions, false, err);
			if (!gc->stxn) {
				store_txn_abort(gc->txn);
				return -1;
			}
		}
		r = store_foreach_from(gc->txn, t, first ? NULL : gc->next,
				       first ? 0 : klen, fn, gc, err);
		if (gc->stxn != gc->txn)
			store_txn_abort(gc->stxn);
		store_txn_abort(gc->txn);
		gc->txn = gc->stxn = NULL;
		if (r < 0)
			return -1;
		if (session_gc_delete(st, gc, t, klen, count, err) < 0)
			return -1;
		first = false;
	} while (gc->more);
	return 0;
}

int
session_gc(struct store *sessions, struct store *st, uint64_t now,
	   struct session_gc_stats *stats, struct rvirt_error *err)
{
	struct session_gc gc;
	int rc;

	memset(stats, 0, sizeof(*stats));
	memset(&gc, 0, sizeof(gc));
	gc.now = now;
	gc.stats = stats;
	gc.sessions = sessions;
	/* Sessions first, so their replies go in the second walk. */
	rc = session_gc_table(sessions, &gc, STORE_SESSIONS, RVIRT_COOKIE_LEN,
			      session_gc_session, &stats->sessions_expired,
			      err);
	if (rc == 0)
		rc = session_gc_table(st, &gc, STORE_REPLIES, SESSION_REPLY_KEY,
				      session_gc_reply, &stats->replies_expired,
				      err);
	free(gc.keys.key);
	return rc;
}
