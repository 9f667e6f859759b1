/* SPDX-License-Identifier: MIT */
/* saslsrv: Cyrus SASL on the daemon side: negotiation and security layer. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sasl/sasl.h>

#include "../common/err.h"
#include "../common/log.h"
#include "saslsrv.h"

/*
 * Where a negotiation is.  Cyrus trusts its caller to keep the order
 * (sasl_server_step before a successful sasl_server_start dereferences
 * a mechanism it does not have), so every entry point checks it here.
 */
enum saslsrv_phase {
	SASLSRV_NEW,	  /* made, no mechanism list given yet */
	SASLSRV_LISTED,	  /* mechanisms offered: start may come */
	SASLSRV_STEPPING, /* started, Cyrus wants more steps */
	SASLSRV_DONE,	  /* complete: no more start or step */
	SASLSRV_FAILED,	  /* Cyrus refused: only a new negotiation */
};

struct saslsrv {
	sasl_conn_t *conn;
	char *mechlist; /* what saslsrv_mechlist offered, for start */
	enum saslsrv_phase phase;
};

static bool saslsrv_inited;
static char saslsrv_confdir[CONFIG_PATH_MAX];

static int
saslsrv_log_cb(void *ctx, int level, const char *msg)
{
	(void)ctx;
	/* Cyrus logs failed passwords at ERR: that is a client's mistake. */
	if (level <= SASL_LOG_ERR)
		log_info("sasl: %s", msg);
	else
		log_debug("sasl: %s", msg);
	return SASL_OK;
}

static int
saslsrv_confpath_cb(void *ctx, const char **path)
{
	(void)ctx;
	*path = saslsrv_confdir;
	return SASL_OK;
}

/* Cyrus' callback table takes every function as int (*)(void). */
#define SASLSRV_CB(f) ((int (*)(void))(void (*)(void))(f))

static int
saslsrv_global_init(const struct config *cfg, struct rvirt_error *err)
{
	static sasl_callback_t cbs[3];
	int n = 0, r;

	if (saslsrv_inited)
		return 0;
	cbs[n++] = (sasl_callback_t){ SASL_CB_LOG, SASLSRV_CB(saslsrv_log_cb),
				      NULL };
	if (cfg->sasl_config_dir[0]) {
		snprintf(saslsrv_confdir, sizeof(saslsrv_confdir), "%s",
			 cfg->sasl_config_dir);
		cbs[n++] = (sasl_callback_t){ SASL_CB_GETCONFPATH,
					      SASLSRV_CB(saslsrv_confpath_cb),
					      NULL };
	}
	cbs[n] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };
	r = sasl_server_init(cbs, SASLSRV_APP);
	if (r != SASL_OK) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"cannot initialise sasl: %s",
			sasl_errstring(r, NULL, NULL));
		return -1;
	}
	saslsrv_inited = true;
	return 0;
}

static void
saslsrv_fail(struct saslsrv *s, int r, const char *what,
	     struct rvirt_error *err)
{
	const char *detail = s && s->conn ? sasl_errdetail(s->conn) : NULL;

	if (!detail)
		detail = sasl_errstring(r, NULL, NULL);
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH, "%s: %s", what,
		detail);
	/* Cyrus capitalises some details; the house style does not. */
	if (err && err->message[0])
		for (char *p = err->message; *p && p[1]; p++)
			if (p[0] == ':' && p[1] == ' ' && p[2] >= 'A' &&
			    p[2] <= 'Z' && !(p[3] >= 'A' && p[3] <= 'Z'))
				p[2] = (char)(p[2] - 'A' + 'a');
}

struct saslsrv *
saslsrv_new(const struct config *cfg, const char *local, const char *remote,
	    unsigned int min_ssf, unsigned int max_ssf, unsigned int ext_ssf,
	    struct rvirt_error *err)
{
	sasl_security_properties_t sp;
	struct saslsrv *s;
	sasl_ssf_t ssf = ext_ssf;
	int r;

	if (saslsrv_global_init(cfg, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return NULL;
	}
	r = sasl_server_new(
		SASLSRV_APP,
		cfg->sasl_server_fqdn[0] ? cfg->sasl_server_fqdn : NULL, NULL,
		local, remote, NULL, SASL_SUCCESS_DATA, &s->conn);
	if (r != SASL_OK) {
		saslsrv_fail(NULL, r, "cannot start a sasl session", err);
		goto fail;
	}
	if (ext_ssf) {
		r = sasl_setprop(s->conn, SASL_SSF_EXTERNAL, &ssf);
		if (r != SASL_OK) {
			saslsrv_fail(s, r, "cannot set the external ssf", err);
			goto fail;
		}
	}
	memset(&sp, 0, sizeof(sp));
	sp.min_ssf = min_ssf;
	sp.max_ssf = max_ssf;
	sp.maxbufsize = 65536;
	/* ANONYMOUS lets anyone in; plaintext passwords need a layer. */
	sp.security_flags = SASL_SEC_NOANONYMOUS;
	if (min_ssf > 0 && ext_ssf == 0)
		sp.security_flags |= SASL_SEC_NOPLAINTEXT;
	r = sasl_setprop(s->conn, SASL_SEC_PROPS, &sp);
	if (r != SASL_OK) {
		saslsrv_fail(s, r, "cannot set the sasl security properties",
			     err);
		goto fail;
	}
	return s;
fail:
	saslsrv_free(s);
	return NULL;
}

void
saslsrv_free(struct saslsrv *s)
{
	if (!s)
		return;
	if (s->conn)
		sasl_dispose(&s->conn);
	free(s->mechlist);
	free(s);
}

char *
saslsrv_mechlist(struct saslsrv *s, struct rvirt_error *err)
{
	const char *list = NULL;
	unsigned int len = 0;
	int count = 0, r;
	char *copy;

	r = sasl_listmech(s->conn, NULL, "", ",", "", &list, &len, &count);
	if (r != SASL_OK) {
		saslsrv_fail(s, r, "cannot list the sasl mechanisms", err);
		return NULL;
	}
	if (count == 0 || len == 0) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"no sasl mechanism is available on this socket");
		return NULL;
	}
	if (len > RVIRT_SASL_MECHLIST_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_AUTH,
			"sasl mechanism list is longer than %d bytes",
			RVIRT_SASL_MECHLIST_MAX);
		return NULL;
	}
	copy = strndup(list, len);
	free(s->mechlist);
	s->mechlist = strndup(list, len);
	if (!copy || !s->mechlist) {
		free(copy);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return NULL;
	}
	if (s->phase == SASLSRV_NEW)
		s->phase = SASLSRV_LISTED;
	return copy;
}

/* Whether mech is one of the comma-separated names in list. */
static bool
saslsrv_offered(const char *list, const char *mech)
{
	size_t n = strlen(mech);
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && strncasecmp(p, mech, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static int
saslsrv_result(struct saslsrv *s, int r, const char *out, unsigned int olen,
	       const char **outp, size_t *outlen, struct rvirt_error *err)
{
	if (r != SASL_OK && r != SASL_CONTINUE) {
		s->phase = SASLSRV_FAILED;
		saslsrv_fail(s, r, "authentication failed", err);
		return -1;
	}
	if (olen > RVIRT_SASL_DATA_MAX) {
		s->phase = SASLSRV_FAILED;
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_AUTH,
			"sasl reply of %u bytes is longer than %d", olen,
			RVIRT_SASL_DATA_MAX);
		return -1;
	}
	s->phase = r == SASL_OK ? SASLSRV_DONE : SASLSRV_STEPPING;
	*outp = out;
	*outlen = olen;
	return r == SASL_OK ? 1 : 0;
}

int
saslsrv_order_check(const struct saslsrv *s, bool step, struct rvirt_error *err)
{
	const char *what = step ? "AUTH_SASL_STEP" : "AUTH_SASL_START";
	const char *why = NULL;

	switch (s->phase) {
	case SASLSRV_NEW:
		why = "no mechanism list was given: call AUTH_SASL_INIT "
		      "first";
		break;
	case SASLSRV_LISTED:
		if (step)
			why = "no mechanism was started: call "
			      "AUTH_SASL_START first";
		break;
	case SASLSRV_STEPPING:
		if (!step)
			why = "a negotiation is already under way: continue "
			      "with AUTH_SASL_STEP or call AUTH_SASL_INIT";
		break;
	case SASLSRV_DONE:
		why = "the negotiation is complete";
		break;
	case SASLSRV_FAILED:
		why = "the negotiation failed: call AUTH_SASL_INIT";
		break;
	}
	if (!why)
		return 0;
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
		"cannot take %s now: %s", what, why);
	return -1;
}

int
saslsrv_start(struct saslsrv *s, const char *mech, const char *in, size_t inlen,
	      const char **out, size_t *outlen, struct rvirt_error *err)
{
	const char *o = NULL;
	unsigned int olen = 0;
	int r;

	if (saslsrv_order_check(s, false, err) < 0)
		return -1;
	if (!s->mechlist || !saslsrv_offered(s->mechlist, mech)) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"sasl mechanism '%s' is not offered here (offered: "
			"%s)",
			mech, s->mechlist ? s->mechlist : "none");
		return -1;
	}
	r = sasl_server_start(s->conn, mech, in, (unsigned int)inlen, &o,
			      &olen);
	return saslsrv_result(s, r, o, olen, out, outlen, err);
}

int
saslsrv_step(struct saslsrv *s, const char *in, size_t inlen, const char **out,
	     size_t *outlen, struct rvirt_error *err)
{
	const char *o = NULL;
	unsigned int olen = 0;
	int r;

	if (saslsrv_order_check(s, true, err) < 0)
		return -1;
	r = sasl_server_step(s->conn, in, (unsigned int)inlen, &o, &olen);
	return saslsrv_result(s, r, o, olen, out, outlen, err);
}

const char *
saslsrv_username(struct saslsrv *s)
{
	const void *v = NULL;

	if (s->phase != SASLSRV_DONE)
		return NULL;
	if (sasl_getprop(s->conn, SASL_USERNAME, &v) != SASL_OK)
		return NULL;
	return v;
}

unsigned int
saslsrv_ssf(struct saslsrv *s)
{
	const void *v = NULL;

	if (sasl_getprop(s->conn, SASL_SSF, &v) != SASL_OK || !v)
		return 0;
	return *(const sasl_ssf_t *)v;
}

size_t
saslsrv_max_encode(struct saslsrv *s)
{
	const void *v = NULL;

	if (sasl_getprop(s->conn, SASL_MAXOUTBUF, &v) != SASL_OK || !v)
		return 4096;
	return *(const unsigned int *)v ? *(const unsigned int *)v : 4096;
}

int
saslsrv_encode(struct saslsrv *s, const unsigned char *in, size_t inlen,
	       const unsigned char **out, size_t *outlen,
	       struct rvirt_error *err)
{
	const char *o = NULL;
	unsigned int olen = 0;
	int r;

	r = sasl_encode(s->conn, (const char *)in, (unsigned int)inlen, &o,
			&olen);
	if (r != SASL_OK) {
		saslsrv_fail(s, r, "cannot encode with the sasl layer", err);
		return -1;
	}
	*out = (const unsigned char *)o;
	*outlen = olen;
	return 0;
}

int
saslsrv_decode(struct saslsrv *s, const unsigned char *in, size_t inlen,
	       const unsigned char **out, size_t *outlen,
	       struct rvirt_error *err)
{
	const char *o = NULL;
	unsigned int olen = 0;
	int r;

	r = sasl_decode(s->conn, (const char *)in, (unsigned int)inlen, &o,
			&olen);
	if (r != SASL_OK) {
		saslsrv_fail(s, r, "cannot decode with the sasl layer", err);
		return -1;
	}
	*out = (const unsigned char *)o;
	*outlen = olen;
	return 0;
}
