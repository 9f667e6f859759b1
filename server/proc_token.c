/* SPDX-License-Identifier: MIT */
/* proc_token: CONSOLE_TOKEN, per-domain console tokens in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../common/err.h"
#include "../hv/domtoken.h"
#include "../store/store.h"
#include "proc.h"

/*
 * The records are hv/domtoken.h's (two keys in the meta table, gone
 * with the domain).  The wire spells the token in hex.  Resolving looks
 * the token up, then the domain by uuid in the session's driver, so a
 * token of another driver's domain does not resolve.
 */

#define TOKEN_BYTES DOMTOKEN_BYTES

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

/* Fill ok's token fields from rec (the token string is malloc'd). */
static int
token_to_wire(const struct domtoken *rec, struct rvirt_console_token_ok *ok,
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
	struct domtoken rec;
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
	if (domtoken_del(call->txn, ref->uuid, err) < 0 ||
	    domtoken_put(call->txn, ref->uuid, &rec, err) < 0 ||
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
	struct domtoken rec;
	int r;

	r = domtoken_get(call->txn, ref->uuid, &rec, err);
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
	unsigned char raw[TOKEN_BYTES];
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	struct domtoken rec;
	int r;

	if (token_parse(hex, raw) < 0) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: it is not %d "
			"lowercase hex digits",
			RVIRT_CONSOLE_TOKEN_LEN);
		return -1;
	}
	r = domtoken_owner(call->txn, raw, uuid, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		err_set(err, RVIRT_ERR_TOKEN_INVALID, RVIRT_FROM_SERVER,
			"cannot resolve a console token: no domain has it "
			"(never enabled, or disabled since)");
		r = -1;
		goto out;
	}
	r = domtoken_get(call->txn, uuid, &rec, err);
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
			rc = domtoken_del(call->txn, ref.uuid, err);
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
