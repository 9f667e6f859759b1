/* SPDX-License-Identifier: MIT */
/* saslcli: Cyrus SASL on the client side: negotiation and security layer. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>

#include "err.h"
#include "saslcli.h"
#include "stream.h"

/* A round trip that asks for credentials again is a loop: stop it. */
#define SASLCLI_INTERACT_MAX 8

struct saslcli {
	sasl_conn_t *conn;
};

/*
 * Every prompt is answered by interaction (auth_fill): a NULL proc tells
 * Cyrus so, and mechanisms needing a prompt missing here are skipped.
 */
static sasl_callback_t saslcli_prompts[] = {
	{ SASL_CB_USER, NULL, NULL },
	{ SASL_CB_AUTHNAME, NULL, NULL },
	{ SASL_CB_PASS, NULL, NULL },
	{ SASL_CB_GETREALM, NULL, NULL },
	{ SASL_CB_ECHOPROMPT, NULL, NULL },
	{ SASL_CB_NOECHOPROMPT, NULL, NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

static pthread_once_t saslcli_once = PTHREAD_ONCE_INIT;
static int saslcli_init_rc;

static void
saslcli_global_init(void)
{
	saslcli_init_rc = sasl_client_init(NULL);
}

static void
saslcli_fail(struct saslcli *s, int r, const char *what,
	     struct rvirt_error *err)
{
	const char *detail = s && s->conn ? sasl_errdetail(s->conn) : NULL;
	char d[512];

	snprintf(d, sizeof(d), "%s",
		 detail ? detail : sasl_errstring(r, NULL, NULL));
	if (d[0] >= 'A' && d[0] <= 'Z' && !(d[1] >= 'A' && d[1] <= 'Z'))
		d[0] = (char)(d[0] - 'A' + 'a');
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH, "%s: %s", what, d);
}

struct saslcli *
saslcli_new(const char *host, const char *local, const char *remote,
	    unsigned int min_ssf, unsigned int max_ssf, unsigned int ext_ssf,
	    struct rvirt_error *err)
{
	sasl_security_properties_t sp;
	sasl_ssf_t ssf = ext_ssf;
	struct saslcli *s;
	int r;

	pthread_once(&saslcli_once, saslcli_global_init);
	if (saslcli_init_rc != SASL_OK) {
		saslcli_fail(NULL, saslcli_init_rc, "cannot initialise sasl",
			     err);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return NULL;
	}
	r = sasl_client_new("rvirt", host, local, remote, saslcli_prompts, 0,
			    &s->conn);
	if (r != SASL_OK) {
		saslcli_fail(NULL, r, "cannot start a sasl session", err);
		goto fail;
	}
	if (ext_ssf) {
		r = sasl_setprop(s->conn, SASL_SSF_EXTERNAL, &ssf);
		if (r != SASL_OK) {
			saslcli_fail(s, r, "cannot set the external ssf", err);
			goto fail;
		}
	}
	memset(&sp, 0, sizeof(sp));
	sp.min_ssf = min_ssf;
	sp.max_ssf = max_ssf;
	sp.maxbufsize = 65536;
	sp.security_flags = SASL_SEC_NOANONYMOUS;
	if (min_ssf > 0 && ext_ssf == 0)
		sp.security_flags |= SASL_SEC_NOPLAINTEXT;
	r = sasl_setprop(s->conn, SASL_SEC_PROPS, &sp);
	if (r != SASL_OK) {
		saslcli_fail(s, r, "cannot set the sasl security properties",
			     err);
		goto fail;
	}
	return s;
fail:
	saslcli_free(s);
	return NULL;
}

void
saslcli_free(struct saslcli *s)
{
	if (!s)
		return;
	if (s->conn)
		sasl_dispose(&s->conn);
	free(s);
}

static int
saslcli_cred_type(unsigned long id)
{
	switch (id) {
	case SASL_CB_USER:
		return RVIRT_CRED_USERNAME;
	case SASL_CB_AUTHNAME:
		return RVIRT_CRED_AUTHNAME;
	case SASL_CB_LANGUAGE:
		return RVIRT_CRED_LANGUAGE;
	case SASL_CB_CNONCE:
		return RVIRT_CRED_CNONCE;
	case SASL_CB_PASS:
		return RVIRT_CRED_PASSPHRASE;
	case SASL_CB_ECHOPROMPT:
		return RVIRT_CRED_ECHOPROMPT;
	case SASL_CB_NOECHOPROMPT:
		return RVIRT_CRED_NOECHOPROMPT;
	case SASL_CB_GETREALM:
		return RVIRT_CRED_REALM;
	default:
		return 0;
	}
}

/* Turn Cyrus' prompts into rvirt_creds, fill them, hand the answers back. */
static int
saslcli_interact(sasl_interact_t *in, saslcli_fill_fn fill, void *ctx,
		 struct rvirt_error *err)
{
	struct rvirt_cred creds[16];
	unsigned int n = 0, i;

	for (i = 0; in[i].id != SASL_CB_LIST_END; i++) {
		if (n == 16) {
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"sasl asks for more than 16 credentials");
			return -1;
		}
		memset(&creds[n], 0, sizeof(creds[n]));
		creds[n].type = saslcli_cred_type(in[i].id);
		if (!creds[n].type) {
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"sasl asks for an unknown credential (%lu)",
				in[i].id);
			return -1;
		}
		creds[n].prompt = in[i].prompt;
		creds[n].challenge = in[i].challenge;
		creds[n].defresult = in[i].defresult;
		n++;
	}
	if (fill(ctx, creds, n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		in[i].result = creds[i].result ? creds[i].result : "";
		in[i].len =
			creds[i].result ? (unsigned int)creds[i].resultlen : 0;
	}
	return 0;
}

int
saslcli_start(struct saslcli *s, const char *mechlist, saslcli_fill_fn fill,
	      void *ctx, const char **mech, const char **out, size_t *outlen,
	      struct rvirt_error *err)
{
	sasl_interact_t *in = NULL;
	const char *o = NULL;
	unsigned int olen = 0;
	int r, tries = 0;

	for (;;) {
		r = sasl_client_start(s->conn, mechlist, &in, &o, &olen, mech);
		if (r != SASL_INTERACT)
			break;
		if (++tries > SASLCLI_INTERACT_MAX ||
		    saslcli_interact(in, fill, ctx, err) < 0) {
			if (tries > SASLCLI_INTERACT_MAX)
				err_set(err, RVIRT_ERR_AUTH_FAILED,
					RVIRT_FROM_AUTH,
					"sasl keeps asking for credentials");
			/* The mechanism frees its prompts on the next call
			 * only, which will not come. */
			free(in);
			return -1;
		}
	}
	if (r != SASL_OK && r != SASL_CONTINUE) {
		saslcli_fail(s, r, "cannot start sasl", err);
		return -1;
	}
	*out = o;
	*outlen = olen;
	return 0;
}

int
saslcli_step(struct saslcli *s, const char *in, size_t inlen,
	     saslcli_fill_fn fill, void *ctx, const char **out, size_t *outlen,
	     struct rvirt_error *err)
{
	sasl_interact_t *ia = NULL;
	const char *o = NULL;
	unsigned int olen = 0;
	int r, tries = 0;

	for (;;) {
		r = sasl_client_step(s->conn, in, (unsigned int)inlen, &ia, &o,
				     &olen);
		if (r != SASL_INTERACT)
			break;
		if (++tries > SASLCLI_INTERACT_MAX ||
		    saslcli_interact(ia, fill, ctx, err) < 0) {
			if (tries > SASLCLI_INTERACT_MAX)
				err_set(err, RVIRT_ERR_AUTH_FAILED,
					RVIRT_FROM_AUTH,
					"sasl keeps asking for credentials");
			/* The mechanism frees its prompts on the next call
			 * only, which will not come. */
			free(ia);
			return -1;
		}
	}
	if (r != SASL_OK && r != SASL_CONTINUE) {
		saslcli_fail(s, r, "sasl step failed", err);
		return -1;
	}
	*out = o;
	*outlen = olen;
	return 0;
}

unsigned int
saslcli_ssf(struct saslcli *s)
{
	const void *v = NULL;

	if (sasl_getprop(s->conn, SASL_SSF, &v) != SASL_OK || !v)
		return 0;
	return *(const sasl_ssf_t *)v;
}

static int
saslcli_encode(void *ctx, const unsigned char *in, size_t len,
	       const unsigned char **out, size_t *outlen)
{
	struct saslcli *s = ctx;
	const char *o;
	unsigned int olen;

	if (sasl_encode(s->conn, (const char *)in, (unsigned int)len, &o,
			&olen) != SASL_OK)
		return -1;
	*out = (const unsigned char *)o;
	*outlen = olen;
	return 0;
}

static int
saslcli_decode(void *ctx, const unsigned char *in, size_t len,
	       const unsigned char **out, size_t *outlen)
{
	struct saslcli *s = ctx;
	const char *o;
	unsigned int olen;

	if (sasl_decode(s->conn, (const char *)in, (unsigned int)len, &o,
			&olen) != SASL_OK)
		return -1;
	*out = (const unsigned char *)o;
	*outlen = olen;
	return 0;
}

static void
saslcli_free_ctx(void *ctx)
{
	saslcli_free(ctx);
}

int
saslcli_layer(struct saslcli *s, struct stream *st, struct rvirt_error *err)
{
	struct stream_layer layer = { .encode = saslcli_encode,
				      .decode = saslcli_decode,
				      .ctx = s,
				      .free = saslcli_free_ctx };
	const void *v = NULL;

	if (sasl_getprop(s->conn, SASL_MAXOUTBUF, &v) == SASL_OK && v)
		layer.max_encode = *(const unsigned int *)v;
	return stream_set_layer(st, &layer, err);
}
