/* SPDX-License-Identifier: MIT */
/* proc_token: CONSOLE_TOKEN, per-domain console tokens in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../common/err.h"
#include "../common/le.h"
#include "../store/store.h"
#include "proc.h"

/*
 * A domain's console token lives in the store's meta table under two
 * keys, written and deleted in one transaction:
 *   "console-token:" uuid (16 bytes) -> token (32 bytes), expires (u64
 *                                       LE, unix seconds, 0 never)
 *   "console-token-of:" token (32)   -> uuid (16 bytes)
 * The wire spells the token in hex.  Resolving looks the token up, then
 * the domain by uuid in the session's driver, so a token of a domain
 * undefined since (or of another driver) does not resolve; the records
 * of an undefined domain stay until its token is disabled.
 */

#define TOKEN_BYTES (RVIRT_CONSOLE_TOKEN_LEN / 2)
#define TOKEN_KEY "console-token:"
#define TOKEN_OF_KEY "console-token-of:"
#define TOKEN_REC_LEN (TOKEN_BYTES + 8)

_Static_assert(TOKEN_BYTES >= 16, "a token has at least 128 bits");

struct token_rec {
	unsigned char token[TOKEN_BYTES];
	uint64_t expires;
};

static size_t
token_key(unsigned char *key, const char *prefix, const unsigned char *id,
	  size_t idlen)
{
	size_t plen = strlen(prefix);

	memcpy(key, prefix, plen);
	memcpy(key + plen, id, idlen);
	return plen + idlen;
}

static void
token_hex(const unsigned char *raw, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 0xf];
	}
	hex[2 * TOKEN_BYTES] = '\0';
}

static int
token_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 0, or -1 when hex is not RVIRT_CONSOLE_TOKEN_LEN lowercase hex digits. */
static int
token_parse(const char *hex, unsigned char *raw)
{
	if (!hex || strlen(hex) != RVIRT_CONSOLE_TOKEN_LEN)
		return -1;
	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		int hi = token_nibble(hex[2 * i]);
		int lo = token_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static uint64_t
token_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* The token record of uuid: 1, 0 when it has none, -1 with *err. */
static int
token_get(struct store_txn *txn, const unsigned char *uuid,
	  struct token_rec *rec, struct rvirt_error *err)
{
	unsigned char key[sizeof(TOKEN_KEY) + RVIRT_UUID_BUFLEN];
	size_t klen = token_key(key, TOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	const void *val;
	size_t vlen;
	int r;

	r = store_get(txn, STORE_META, key, klen, &val, &vlen, err);
	if (r <= 0)
		return r;
	if (vlen != TOKEN_REC_LEN) {
		err_set(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE,
			"cannot read a console token: its record has %zu "
			"bytes, not %d",
			vlen, TOKEN_REC_LEN);
		return -1;
	}
	memcpy(rec->token, val, TOKEN_BYTES);
	rec->expires = le64_get((const unsigned char *)val + TOKEN_BYTES);
	return 1;
}

/* Delete the token of uuid (both keys): 0 or -1 with *err. */
static int
token_del(struct store_txn *txn, const unsigned char *uuid,
	  struct rvirt_error *err)
{
	unsigned char key[sizeof(TOKEN_OF_KEY) + TOKEN_BYTES];
	struct token_rec rec;
	size_t klen;
	int r;

	r = token_get(txn, uuid, &rec, err);
	if (r <= 0)
		return r;
	klen = token_key(key, TOKEN_OF_KEY, rec.token, TOKEN_BYTES);
	if (store_del(txn, STORE_META, key, klen, err) < 0)
		return -1;
	klen = token_key(key, TOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	return store_del(txn, STORE_META, key, klen, err) < 0 ? -1 : 0;
}

static int
token_put(struct store_txn *txn, const unsigned char *uuid,
	  const struct token_rec *rec, struct rvirt_error *err)
{
	unsigned char key[sizeof(TOKEN_OF_KEY) + TOKEN_BYTES];
	unsigned char val[TOKEN_REC_LEN];
	size_t klen;

	memcpy(val, rec->token, TOKEN_BYTES);
	le64_put(val + TOKEN_BYTES, rec->expires);
	klen = token_key(key, TOKEN_KEY, uuid, RVIRT_UUID_BUFLEN);
	if (store_put(txn, STORE_META, key, klen, val, sizeof(val), err) < 0)
		return -1;
	klen = token_key(key, TOKEN_OF_KEY, rec->token, TOKEN_BYTES);
	return store_put(txn, STORE_META, key, klen, uuid, RVIRT_UUID_BUFLEN,
			 err);
}

/* Fill ok's token fields from rec (the token string is malloc'd). */
static int
token_to_wire(const struct token_rec *rec, struct rvirt_console_token_ok *ok,
	      struct rvirt_error *err)
{
	char hex[RVIRT_CONSOLE_TOKEN_LEN + 1];

	token_hex(rec->token, hex);
	free(ok->token);
	ok->token = proc_strdup(hex, err);
	if (!ok->token)
		return -1;
	ok->expires = rec->expires;
	ok->expired = rec->expires != 0 && rec->expires <= token_now();
	return 0;
}

static int
token_enable(struct call *call, const struct hv_domain_ref *ref,
	     uint64_t expires_s, struct rvirt_console_token_ok *ok,
	     struct rvirt_error *err)
{
	struct token_rec rec;
	uint64_t now = token_now();

	if (expires_s > UINT64_MAX - now) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot enable the console token of domain '%s': "
			"lifetime %llu s is too long",
			ref->name, (unsigned long long)expires_s);
		return -1;
	}
	if (getrandom(rec.token, sizeof(rec.token), 0) !=
	    (ssize_t)sizeof(rec.token)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot enable the console token of domain '%s'",
			      ref->name);
		return -1;
	}
	rec.expires = expires_s ? now + expires_s : 0;
	if (token_del(call->txn, ref->uuid, err) < 0 ||
	    token_put(call->txn, ref->uuid, &rec, err) < 0 ||
	    token_to_wire(&rec, ok, err) < 0) {
		explicit_bzero(&rec, sizeof(rec));
		return -1;
	}
	explicit_bzero(&rec, sizeof(rec));
	return 0;
}

static int
token_show(struct call *call, const struct hv_domain_ref *ref,
	   struct rvirt_console_token_ok *ok, struct rvirt_error *err)
{
	struct token_rec rec;
	int r;

	r = token_get(call->txn, ref->uuid, &rec, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return 0; /* no token: "" */
	r = token_to_wire(&rec, ok, err);
	explicit_bzero(&rec, sizeof(rec));
	return r;
}

static int
token_resolve(struct call *call, const char *hex, struct hv_domain_ref *ref,
	      struct rvirt_console_token_ok *ok, struct rvirt_error *err)
{
	unsigned char key[sizeof(TOKEN_OF_KEY) + TOKEN_BYTES];
	unsigned char raw[TOKEN_BYTES];
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	struct token_rec rec;
	const void *val;
	size_t klen, vlen;
	int r;

	if (token_parse(hex, raw) < 0) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: it is not %d "
			"lowercase hex digits",
			RVIRT_CONSOLE_TOKEN_LEN);
		return -1;
	}
	klen = token_key(key, TOKEN_OF_KEY, raw, TOKEN_BYTES);
	r = store_get(call->txn, STORE_META, key, klen, &val, &vlen, err);
	explicit_bzero(key, sizeof(key));
	if (r < 0)
		goto out;
	if (r == 0 || vlen != RVIRT_UUID_BUFLEN) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: no domain has it "
			"(never enabled, or disabled since)");
		r = -1;
		goto out;
	}
	memcpy(uuid, val, sizeof(uuid));
	r = token_get(call->txn, uuid, &rec, err);
	if (r < 0)
		goto out;
	if (r == 0 || memcmp(rec.token, raw, sizeof(raw)) != 0) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: its domain has "
			"another one now");
		r = -1;
		goto out;
	}
	if (hv_domain_lookup_uuid(call->sess->hv, call->txn, uuid, ref, err) <
	    0) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: its domain is not "
			"defined on this connection's driver");
		r = -1;
		goto out;
	}
	if (rec.expires != 0 && rec.expires <= token_now()) {
		err_set(err, RVIRT_ERR_TOKEN_EXPIRED, RVIRT_FROM_SERVER,
			"cannot resolve the console token of domain '%s': it "
			"expired %llu s ago",
			ref->name,
			(unsigned long long)(token_now() - rec.expires));
		r = -1;
		goto out;
	}
	ok->expires = rec.expires;
	r = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(&rec, sizeof(rec));
	return r;
}

int
proc_console_token(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	const struct rvirt_console_token_args *args = argsp;
	struct rvirt_console_token_ret *ret = retp;
	struct rvirt_console_token_ok *ok = &ret->rvirt_console_token_ret_u.ok;
	struct hv_domain_ref ref;
	int rc;

	ok->token = proc_strdup("", err);
	if (!ok->token)
		return -1;
	if (args->op == RVIRT_CONSOLE_TOKEN_RESOLVE) {
		rc = token_resolve(call, args->token, &ref, ok, err);
	} else if (args->op >= RVIRT_CONSOLE_TOKEN_ENABLE &&
		   args->op <= RVIRT_CONSOLE_TOKEN_SHOW) {
		struct hv_domain_ref w;

		/* The domain must exist (and be this driver's). */
		if (proc_ref_from_wire(&args->dom, &w, err) < 0 ||
		    hv_domain_lookup_uuid(call->sess->hv, call->txn, w.uuid,
					  &ref, err) < 0)
			return -1;
		if (args->op == RVIRT_CONSOLE_TOKEN_ENABLE)
			rc = token_enable(call, &ref, args->expires_s, ok, err);
		else if (args->op == RVIRT_CONSOLE_TOKEN_DISABLE)
			rc = token_del(call->txn, ref.uuid, err);
		else
			rc = token_show(call, &ref, ok, err);
	} else {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot use console tokens: unknown op %u", args->op);
		return -1;
	}
	if (rc < 0)
		return -1;
	if (proc_ref_to_wire(&ref, &ok->dom, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}
