/* SPDX-License-Identifier: MIT */
/* storegc: the store's size before and after a million recorded replies expire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../common/err.h"
#include "../../server/session.h"

/*
 * storegc DIR [REPLIES]
 *
 * In a fresh store in DIR (which must exist): sessions of 64 recorded
 * replies each, REPLIES in all (default 1000000), with replies the size
 * of a DOMAIN_DEFINE_XML result; then the collector at a time when all
 * have expired; then the same number again, to see whether the file
 * grows or reuses the pages the collection freed.  Prints the data
 * file's size and the pages in use at each step.  Used by `make perf`.
 */

#define STOREGC_PER_SESSION 64
#define STOREGC_SESSIONS_PER_TXN 256

static double
storegc_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
storegc_report(struct store *st, const char *dir, const char *when)
{
	struct rvirt_error err = { 0 };
	struct store_info info;
	char path[600];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (store_get_info(st, &info, &err) < 0 || stat(path, &sb) < 0) {
		fprintf(stderr, "storegc: %s\n", err.message);
		exit(1);
	}
	printf("%-34s file %7.1f MiB, high-water %7.1f MiB, "
	       "replies %8llu in %6llu pages, sessions %6llu\n",
	       when, (double)sb.st_size / 1048576.0,
	       (double)(info.pages_used * info.page_size) / 1048576.0,
	       (unsigned long long)info.entries[STORE_REPLIES],
	       (unsigned long long)info.table_pages[STORE_REPLIES],
	       (unsigned long long)info.entries[STORE_SESSIONS]);
}

static void
storegc_fill(struct store *st, unsigned long replies, unsigned int round)
{
	struct rvirt_error err = { 0 };
	unsigned char cookie[RVIRT_COOKIE_LEN], body[56];
	struct session_reply r = { .proc = 14,
				   .body = body,
				   .body_len = sizeof(body) };
	unsigned long sessions = replies / STOREGC_PER_SESSION;
	struct store_txn *txn = NULL;

	memset(body, 0x5a, sizeof(body));
	for (unsigned long s = 0; s < sessions; s++) {
		if (!txn) {
			txn = store_txn_begin(st, true, &err);
			if (!txn)
				goto fail;
		}
		memset(cookie, 0, sizeof(cookie));
		memcpy(cookie, &s, sizeof(s));
		cookie[RVIRT_COOKIE_LEN - 1] = (unsigned char)round;
		if (session_create(txn, cookie, "test:///default", "unix:uid=0",
				   false, 1000, &err) < 0)
			goto fail;
		for (uint32_t x = 0; x < STOREGC_PER_SESSION; x++)
			if (session_reply_put(txn, cookie, x, &r,
					      1000000000000ULL, &err) < 0)
				goto fail;
		if ((s + 1) % STOREGC_SESSIONS_PER_TXN == 0 ||
		    s + 1 == sessions) {
			if (store_txn_commit(txn, &err) < 0)
				goto fail;
			txn = NULL;
		}
	}
	return;
fail:
	store_txn_abort(txn);
	fprintf(stderr, "storegc: %s\n", err.message);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct session_options o = { .ttl_s = 86400,
				     .reply_ttl_s = 3600,
				     .max_replies = STOREGC_PER_SESSION };
	struct rvirt_error err = { 0 };
	struct session_gc_stats gs;
	unsigned long replies = 1000000;
	struct store *st;
	double t;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: storegc DIR [REPLIES]\n");
		return 2;
	}
	if (argc == 3)
		replies = strtoul(argv[2], NULL, 10);
	session_configure(&o);
	st = store_open(argv[1], 4096UL << 20, STORE_NOSYNC, &err);
	if (!st) {
		fprintf(stderr, "storegc: %s\n", err.message);
		return 1;
	}
	storegc_report(st, argv[1], "empty:");
	t = storegc_now();
	storegc_fill(st, replies, 1);
	printf("recorded %lu replies in %.1f s\n", replies, storegc_now() - t);
	storegc_report(st, argv[1], "recorded:");
	t = storegc_now();
	/* Two days on: every session and reply has expired. */
	if (session_gc(st, st, 1000 + 2 * 86400, &gs, &err) < 0) {
		fprintf(stderr, "storegc: %s\n", err.message);
		return 1;
	}
	printf("collected %llu sessions and %llu replies in %.1f s\n",
	       (unsigned long long)gs.sessions_expired,
	       (unsigned long long)gs.replies_expired, storegc_now() - t);
	storegc_report(st, argv[1], "after the collection:");
	storegc_fill(st, replies, 2);
	storegc_report(st, argv[1], "recorded as many again:");
	store_close(st);
	return 0;
}
