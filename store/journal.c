/* SPDX-License-Identifier: MIT */
/* journal: the lifecycle event journal in the store (doc/events.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/le.h"
#include "journal.h"

#define JOURNAL_VERSION 1
#define JOURNAL_HEADER 40
#define JOURNAL_LAST_KEY "journal:last"
/* Events trimmed per write transaction: a writer never waits long. */
#define JOURNAL_GC_BATCH 10000

static char journal_actor[RVIRT_IDENTITY_MAX + 1];

void
journal_set_actor(const char *identity)
{
	snprintf(journal_actor, sizeof(journal_actor), "%s",
		 identity ? identity : "");
}

static void
journal_key(uint64_t seq, unsigned char *key)
{
	for (int i = 0; i < 8; i++)
		key[i] = (unsigned char)(seq >> (8 * (7 - i)));
}

static uint64_t
journal_key_seq(const unsigned char *key)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | key[i];
	return v;
}

static int
journal_corrupt(uint64_t seq, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
		"event %llu in the journal is corrupt",
		(unsigned long long)seq);
	return -1;
}

static int
journal_last(struct store_txn *txn, uint64_t *last, struct rvirt_error *err)
{
	const void *val;
	size_t vlen;
	int rc;

	rc = store_get(txn, STORE_META, JOURNAL_LAST_KEY,
		       strlen(JOURNAL_LAST_KEY), &val, &vlen, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*last = 0;
		return 0;
	}
	if (vlen != 8) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"the journal's last sequence number is corrupt");
		return -1;
	}
	*last = le64_get(val);
	return 0;
}

int
journal_append(struct store_txn *txn, struct journal_event *ev,
	       struct rvirt_error *err)
{
	size_t dlen = strlen(ev->driver), nlen = strlen(ev->name);
	size_t alen, len;
	unsigned char key[8], last_buf[8], *rec, *p;
	struct timespec ts;
	uint64_t last;
	int rc;

	snprintf(ev->identity, sizeof(ev->identity), "%s",
		 ev->hypervisor ? "" : journal_actor);
	alen = strlen(ev->identity);
	if (journal_last(txn, &last, err) < 0)
		return -1;
	ev->seq = last + 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->time_ns =
		(uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	len = JOURNAL_HEADER + dlen + nlen + alen;
	rec = malloc(len);
	if (!rec) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_STORE,
			"cannot journal an event: out of memory");
		return -1;
	}
	rec[0] = JOURNAL_VERSION;
	rec[1] = (unsigned char)ev->kind;
	rec[2] = (unsigned char)ev->detail;
	rec[3] = (unsigned char)dlen;
	le32_put(rec + 4, (uint32_t)ev->id);
	le32_put(rec + 8, (uint32_t)ev->status);
	le64_put(rec + 12, ev->time_ns);
	memcpy(rec + 20, ev->uuid, RVIRT_UUID_BUFLEN);
	rec[36] = (unsigned char)(nlen & 0xff);
	rec[37] = (unsigned char)(nlen >> 8);
	rec[38] = (unsigned char)(alen & 0xff);
	rec[39] = (unsigned char)(alen >> 8);
	p = rec + JOURNAL_HEADER;
	memcpy(p, ev->driver, dlen);
	memcpy(p + dlen, ev->name, nlen);
	memcpy(p + dlen + nlen, ev->identity, alen);
	journal_key(ev->seq, key);
	le64_put(last_buf, ev->seq);
	rc = store_put(txn, STORE_EVENTS, key, sizeof(key), rec, len, err);
	free(rec);
	if (rc < 0 || store_put(txn, STORE_META, JOURNAL_LAST_KEY,
				strlen(JOURNAL_LAST_KEY), last_buf,
				sizeof(last_buf), err) < 0)
		return -1;
	store_txn_note_seq(txn, ev->seq);
	return 0;
}

static int
journal_decode(uint64_t seq, const unsigned char *v, size_t vlen,
	       struct journal_event *ev, struct rvirt_error *err)
{
	size_t dlen, nlen, alen;

	if (vlen < JOURNAL_HEADER || v[0] != JOURNAL_VERSION)
		return journal_corrupt(seq, err);
	dlen = v[3];
	nlen = (size_t)v[36] | (size_t)v[37] << 8;
	alen = (size_t)v[38] | (size_t)v[39] << 8;
	if (dlen > JOURNAL_DRIVER_MAX || nlen > RVIRT_NAME_MAX ||
	    alen > RVIRT_IDENTITY_MAX ||
	    JOURNAL_HEADER + dlen + nlen + alen != vlen)
		return journal_corrupt(seq, err);
	memset(ev, 0, sizeof(*ev));
	ev->seq = seq;
	ev->kind = v[1];
	ev->detail = v[2];
	ev->id = (int)le32_get(v + 4);
	ev->status = (int)le32_get(v + 8);
	ev->time_ns = le64_get(v + 12);
	memcpy(ev->uuid, v + 20, RVIRT_UUID_BUFLEN);
	v += JOURNAL_HEADER;
	memcpy(ev->driver, v, dlen);
	memcpy(ev->name, v + dlen, nlen);
	memcpy(ev->identity, v + dlen + nlen, alen);
	return 0;
}

struct journal_first_ctx {
	uint64_t seq;
	bool found;
};

static int
journal_first_one(const void *key, size_t klen, const void *val, size_t vlen,
		  void *opaque, struct rvirt_error *err)
{
	struct journal_first_ctx *f = opaque;

	(void)val;
	(void)vlen;
	(void)err;
	if (klen != 8)
		return 0;
	f->seq = journal_key_seq(key);
	f->found = true;
	return 1;
}

int
journal_bounds(struct store_txn *txn, uint64_t *first, uint64_t *last,
	       struct rvirt_error *err)
{
	struct journal_first_ctx f = { 0 };
	uint64_t l;

	if (journal_last(txn, &l, err) < 0 ||
	    store_foreach_from(txn, STORE_EVENTS, NULL, 0, journal_first_one,
			       &f, err) < 0)
		return -1;
	*first = f.found ? f.seq : l + 1;
	*last = l;
	return 0;
}

struct journal_read_ctx {
	int (*fn)(const struct journal_event *ev, void *opaque,
		  struct rvirt_error *err);
	void *opaque;
};

static int
journal_read_one(const void *key, size_t klen, const void *val, size_t vlen,
		 void *opaque, struct rvirt_error *err)
{
	struct journal_read_ctx *r = opaque;
	struct journal_event ev;
	uint64_t seq;

	if (klen != 8) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"the journal holds a key of %zu bytes", klen);
		return -1;
	}
	seq = journal_key_seq(key);
	if (journal_decode(seq, val, vlen, &ev, err) < 0)
		return -1;
	return r->fn(&ev, r->opaque, err);
}

int
journal_read(struct store_txn *txn, uint64_t after,
	     int (*fn)(const struct journal_event *ev, void *opaque,
		       struct rvirt_error *err),
	     void *opaque, struct rvirt_error *err)
{
	struct journal_read_ctx r = { .fn = fn, .opaque = opaque };
	unsigned char key[8];

	if (after == UINT64_MAX)
		return 0;
	journal_key(after + 1, key);
	return store_foreach_from(txn, STORE_EVENTS, key, sizeof(key),
				  journal_read_one, &r, err);
}

struct journal_age_ctx {
	uint64_t before_ns;
	uint64_t upto; /* the last seq older than before_ns */
	size_t left;
};

static int
journal_age_one(const void *key, size_t klen, const void *val, size_t vlen,
		void *opaque, struct rvirt_error *err)
{
	struct journal_age_ctx *a = opaque;
	const unsigned char *v = val;

	(void)err;
	if (klen != 8 || vlen < JOURNAL_HEADER || a->left == 0 ||
	    le64_get(v + 12) >= a->before_ns)
		return 1;
	a->upto = journal_key_seq(key);
	a->left--;
	return 0;
}

int
journal_trim(struct store_txn *txn, uint64_t max_count, uint64_t max_age_s,
	     uint64_t now_s, size_t batch, uint64_t *ntrimmed,
	     struct rvirt_error *err)
{
	uint64_t first, last, upto = 0, n = 0;
	unsigned char key[8];

	if (journal_bounds(txn, &first, &last, err) < 0)
		return -1;
	if (max_count && last >= first && last - first + 1 > max_count)
		upto = last - max_count;
	if (max_age_s && now_s > max_age_s) {
		struct journal_age_ctx a = {
			.before_ns = (now_s - max_age_s) * 1000000000ULL,
			.upto = 0,
			.left = batch,
		};

		if (store_foreach_from(txn, STORE_EVENTS, NULL, 0,
				       journal_age_one, &a, err) < 0)
			return -1;
		if (a.upto > upto)
			upto = a.upto;
	}
	if (upto >= first && upto - first + 1 > batch)
		upto = first + batch - 1;
	for (uint64_t s = first; s <= upto; s++) {
		journal_key(s, key);
		if (store_del(txn, STORE_EVENTS, key, sizeof(key), err) < 0)
			return -1;
		n++;
	}
	if (ntrimmed)
		*ntrimmed = n;
	return 0;
}

int
journal_gc(struct store *st, uint64_t max_count, uint64_t max_age_s,
	   uint64_t now_s, uint64_t *ntrimmed, struct rvirt_error *err)
{
	struct store_txn *txn;
	uint64_t n, total = 0;

	if (!max_count && !max_age_s)
		goto out;
	do {
		txn = store_txn_begin(st, true, err);
		if (!txn)
			return -1;
		if (journal_trim(txn, max_count, max_age_s, now_s,
				 JOURNAL_GC_BATCH, &n, err) < 0) {
			store_txn_abort(txn);
			return -1;
		}
		if (n == 0) {
			store_txn_abort(txn);
			break;
		}
		if (store_txn_commit(txn, err) < 0)
			return -1;
		total += n;
	} while (n == JOURNAL_GC_BATCH);
out:
	if (ntrimmed)
		*ntrimmed = total;
	return 0;
}

const char *
journal_kind_name(int kind)
{
	switch (kind) {
	case RVIRT_EVENT_DEFINED:
		return "defined";
	case RVIRT_EVENT_UNDEFINED:
		return "undefined";
	case RVIRT_EVENT_STARTED:
		return "started";
	case RVIRT_EVENT_SUSPENDED:
		return "suspended";
	case RVIRT_EVENT_RESUMED:
		return "resumed";
	case RVIRT_EVENT_STOPPED:
		return "stopped";
	case RVIRT_EVENT_REBOOTED:
		return "rebooted";
	case RVIRT_EVENT_TUNED:
		return "tuned";
	default:
		return "unknown";
	}
}
