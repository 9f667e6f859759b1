/* SPDX-License-Identifier: MIT */
/* sessfill: put N sessions into a store, for the metrics benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/err.h"
#include "../../server/session.h"

/*
 * Usage: sessfill DIR N
 * Creates N sessions (cookies 0..N-1, test:///default, unix:uid=0) in
 * the store in DIR (which must exist), 500 per transaction, with the
 * time now, so that they stay live for session_ttl.  Run it before
 * rvirtd starts: a store must be opened once per process, and this one
 * closes it before exiting.
 */
int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	unsigned char cookie[RVIRT_COOKIE_LEN];
	struct store_txn *txn = NULL;
	struct store *st;
	unsigned long n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: sessfill DIR N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	st = store_open(argv[1], (size_t)1 << 30, STORE_NOSYNC, &err);
	if (!st)
		goto fail;
	for (i = 0; i < n; i++) {
		if (!txn && !(txn = store_txn_begin(st, true, &err)))
			goto fail;
		memset(cookie, 0xa5, sizeof(cookie));
		memcpy(cookie, &i, sizeof(i));
		if (session_create(txn, cookie, "test:///default", "unix:uid=0",
				   false, (uint64_t)time(NULL), &err) < 0)
			goto fail;
		if (i % 500 == 499 || i == n - 1) {
			if (store_txn_commit(txn, &err) < 0) {
				txn = NULL;
				goto fail;
			}
			txn = NULL;
		}
	}
	if (store_sync(st, &err) < 0)
		goto fail;
	store_close(st);
	return 0;
fail:
	store_txn_abort(txn);
	store_close(st);
	fprintf(stderr, "sessfill: %s\n", err.message);
	return 1;
}
