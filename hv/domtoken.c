/* SPDX-License-Identifier: MIT */
/* domtoken: a domain's console token, as the store keeps it. */
#include <string.h>

#include "../common/le.h"
#include "domtoken.h"

#define DOMTOKEN_KEY "console-token:"
#define DOMTOKEN_OF_KEY "console-token-of:"
#define DOMTOKEN_REC_LEN (DOMTOKEN_BYTES + 8)
#define DOMTOKEN_KEY_MAX (sizeof(DOMTOKEN_OF_KEY) + DOMTOKEN_BYTES)

_Static_assert(DOMTOKEN_BYTES * 2 == RVIRT_CONSOLE_TOKEN_LEN,
	       "the wire spells a token in hex");

static size_t
domtoken_key(unsigned char *key, const char *prefix, const unsigned char *id,
	     size_t idlen)
{
	size_t plen = strlen(prefix);

	memcpy(key, prefix, plen);
	memcpy(key + plen, id, idlen);
	return plen + idlen;
}

int
domtoken_get(struct store_txn *txn, const unsigned char *uuid,
	     struct domtoken *t, struct rvirt_error *err)
{
	unsigned char key[DOMTOKEN_KEY_MAX];
	size_t klen = domtoken_key(key, DOMTOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	const void *val;
	size_t vlen;
	int r;

	r = store_get(txn, STORE_META, key, klen, &val, &vlen, err);
	if (r <= 0)
		return r;
	if (vlen != DOMTOKEN_REC_LEN) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot read a console token: its record has %zu "
			"bytes, not %d",
			vlen, (int)DOMTOKEN_REC_LEN);
		return -1;
	}
	memcpy(t->token, val, DOMTOKEN_BYTES);
	t->expires = le64_get((const unsigned char *)val + DOMTOKEN_BYTES);
	return 1;
}

int
domtoken_owner(struct store_txn *txn, const unsigned char *raw,
	       unsigned char *uuid, struct rvirt_error *err)
{
	unsigned char key[DOMTOKEN_KEY_MAX];
	size_t klen = domtoken_key(key, DOMTOKEN_OF_KEY, raw, DOMTOKEN_BYTES);
	const void *val;
	size_t vlen;
	int r;

	r = store_get(txn, STORE_META, key, klen, &val, &vlen, err);
	explicit_bzero(key, sizeof(key));
	if (r <= 0)
		return r;
	if (vlen != RVIRT_UUID_BUFLEN)
		return 0;
	memcpy(uuid, val, RVIRT_UUID_BUFLEN);
	return 1;
}

int
domtoken_del(struct store_txn *txn, const unsigned char *uuid,
	     struct rvirt_error *err)
{
	unsigned char key[DOMTOKEN_KEY_MAX];
	struct domtoken t;
	size_t klen;
	int r;

	r = domtoken_get(txn, uuid, &t, err);
	if (r <= 0)
		return r;
	klen = domtoken_key(key, DOMTOKEN_OF_KEY, t.token, DOMTOKEN_BYTES);
	explicit_bzero(&t, sizeof(t));
	r = store_del(txn, STORE_META, key, klen, err);
	explicit_bzero(key, sizeof(key));
	if (r < 0)
		return -1;
	klen = domtoken_key(key, DOMTOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	return store_del(txn, STORE_META, key, klen, err) < 0 ? -1 : 0;
}

int
domtoken_put(struct store_txn *txn, const unsigned char *uuid,
	     const struct domtoken *t, struct rvirt_error *err)
{
	unsigned char key[DOMTOKEN_KEY_MAX];
	unsigned char val[DOMTOKEN_REC_LEN];
	size_t klen;
	int r;

	memcpy(val, t->token, DOMTOKEN_BYTES);
	le64_put(val + DOMTOKEN_BYTES, t->expires);
	klen = domtoken_key(key, DOMTOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	r = store_put(txn, STORE_META, key, klen, val, sizeof(val), err);
	explicit_bzero(val, sizeof(val));
	if (r < 0)
		return -1;
	klen = domtoken_key(key, DOMTOKEN_OF_KEY, t->token, DOMTOKEN_BYTES);
	r = store_put(txn, STORE_META, key, klen, uuid, RVIRT_UUID_BUFLEN, err);
	explicit_bzero(key, sizeof(key));
	return r;
}
