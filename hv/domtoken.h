/* SPDX-License-Identifier: MIT */
/* domtoken: a domain's console token, as the store keeps it. */
#ifndef RVIRT_HV_DOMTOKEN_H
#define RVIRT_HV_DOMTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/err.h"
#include "../common/rvirt_defs.h"
#include "../store/store.h"

/*
 * A domain's console token lives in the store's meta table under two
 * keys, written and deleted in one transaction:
 *   "console-token:" uuid (16 bytes) -> token (32 bytes), expires (u64
 *                                       LE, unix seconds, 0 never)
 *   "console-token-of:" token (32)   -> uuid (16 bytes)
 * They go with the domain: domstore_delete removes them in the same
 * transaction, so a domain defined again with the same uuid starts
 * without a token.  server/proc_token.c does CONSOLE_TOKEN with them.
 */
#define DOMTOKEN_BYTES 32

struct domtoken {
	unsigned char token[DOMTOKEN_BYTES];
	uint64_t expires; /* unix seconds, 0 never */
};

/* The token of uuid into *t: 1, 0 when it has none, -1 with *err. */
int domtoken_get(struct store_txn *txn, const unsigned char *uuid,
		 struct domtoken *t, struct rvirt_error *err);

/* The uuid whose token is raw into uuid: 1, 0 none, -1 with *err. */
int domtoken_owner(struct store_txn *txn, const unsigned char *raw,
		   unsigned char *uuid, struct rvirt_error *err);

/* Give uuid the token t (after domtoken_del): 0, or -1 with *err. */
int domtoken_put(struct store_txn *txn, const unsigned char *uuid,
		 const struct domtoken *t, struct rvirt_error *err);

/* Delete uuid's token, both keys, if any: 0, or -1 with *err. */
int domtoken_del(struct store_txn *txn, const unsigned char *uuid,
		 struct rvirt_error *err);

#endif
