/* SPDX-License-Identifier: MIT */
/* storemeta: reads and writes STORE_META values of a stopped rvirtd's store. */
#include <stdio.h>
#include <string.h>

#include "../../common/err.h"
#include "../../store/store.h"

/*
 * storemeta STATE_DIR get KEY        print the value, exit 1 if absent
 * storemeta STATE_DIR put KEY VALUE
 * storemeta STATE_DIR del KEY
 *
 * For tests that must fake what only a reboot changes (the boot id the
 * process driver keeps for autostart).  Run it while rvirtd is stopped:
 * one process, one environment.
 */

#define STOREMETA_MAP (1024UL * 1024 * 1024)

int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	struct store *st;
	struct store_txn *txn;
	const void *val;
	size_t vlen;
	int rc = 2, r;
	bool put, del, get;

	if (argc < 4) {
		fprintf(stderr,
			"usage: storemeta DIR get|put|del KEY [VALUE]\n");
		return 2;
	}
	get = strcmp(argv[2], "get") == 0 && argc == 4;
	del = strcmp(argv[2], "del") == 0 && argc == 4;
	put = strcmp(argv[2], "put") == 0 && argc == 5;
	if (!get && !del && !put) {
		fprintf(stderr,
			"usage: storemeta DIR get|put|del KEY [VALUE]\n");
		return 2;
	}
	st = store_open(argv[1], STOREMETA_MAP, 0, &err);
	if (!st) {
		fprintf(stderr, "storemeta: %s\n", err.message);
		return 2;
	}
	txn = store_txn_begin(st, !get, &err);
	if (!txn)
		goto out;
	if (get) {
		r = store_get(txn, STORE_META, argv[3], strlen(argv[3]), &val,
			      &vlen, &err);
		if (r == 1)
			printf("%.*s\n", (int)vlen, (const char *)val);
		rc = r == 1 ? 0 : r == 0 ? 1 : 2;
		store_txn_abort(txn);
		goto out;
	}
	if (put)
		r = store_put(txn, STORE_META, argv[3], strlen(argv[3]),
			      argv[4], strlen(argv[4]), &err);
	else
		r = store_del(txn, STORE_META, argv[3], strlen(argv[3]), &err);
	if (r < 0) {
		store_txn_abort(txn);
		goto out;
	}
	rc = store_txn_commit(txn, &err) < 0 ? 2 : 0;
out:
	if (rc == 2 && err.message[0])
		fprintf(stderr, "storemeta: %s\n", err.message);
	store_close(st);
	return rc;
}
