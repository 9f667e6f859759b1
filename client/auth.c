/* SPDX-License-Identifier: MIT */
/* auth: the client's authentication after the transport connects. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "auth.h"
#include "err.h"
#include "rpcclnt.h"
#include "saslcli.h"
#include "stream.h"
#include "tlscli.h"
#include "uri.h"

#define AUTH_METHODS_MAX 16
#define AUTH_CACHE_SIZE 4096
#define AUTH_CACHE_ENTRIES 16
/* The security layer asked for on plain tcp, as the daemon's default. */
#define AUTH_TCP_MIN_SSF 56
#define AUTH_TIMEOUT_S 25

struct auth_cached {
	int type;
	size_t off, len;
};

struct auth_client {
	char *methods[AUTH_METHODS_MAX]; /* "none", "tls", "sasl[.MECH]" */
	unsigned int nmethods;
	int credtypes[16];
	unsigned int ncredtypes;
	int (*cb)(struct rvirt_cred *creds, unsigned int n, void *cbdata);
	void *cbdata;
	char *user; /* from the URI */
	char *host; /* for SASL: the GSSAPI service is rvirt/host */
	int port;   /* as in the URI, 0: the default */
	enum uri_transport transport;
	/* Credentials kept for reconnects: locked, not dumped, wiped. */
	unsigned char *cache;
	size_t cache_used;
	struct auth_cached cached[AUTH_CACHE_ENTRIES];
	unsigned int ncached;
	bool asked; /* the callback was called in this auth_conn */
};

static const int auth_default_types[] = {
	RVIRT_CRED_USERNAME,	 RVIRT_CRED_AUTHNAME,	RVIRT_CRED_LANGUAGE,
	RVIRT_CRED_CNONCE,	 RVIRT_CRED_PASSPHRASE, RVIRT_CRED_ECHOPROMPT,
	RVIRT_CRED_NOECHOPROMPT, RVIRT_CRED_REALM,
};
static const char *const auth_default_methods[] = { "tls", "none", "sasl" };

/* Read one line from the terminal, without echo when secret. */
static char *
auth_tty_line(FILE *tty, bool secret)
{
	struct termios old, quiet;
	bool restore = false;
	char buf[1024];
	char *r;

	if (secret && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	r = fgets(buf, sizeof(buf), tty);
	if (restore) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	if (!r) {
		explicit_bzero(buf, sizeof(buf));
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	r = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int
auth_tty_cb(struct rvirt_cred *creds, unsigned int n, void *cbdata)
{
	FILE *tty;
	int rc = -1;

	(void)cbdata;
	tty = fopen("/dev/tty", "r+e");
	if (!tty)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		bool secret = creds[i].type == RVIRT_CRED_PASSPHRASE ||
			      creds[i].type == RVIRT_CRED_NOECHOPROMPT;

		if (creds[i].challenge)
			fprintf(tty, "%s\n", creds[i].challenge);
		fprintf(tty, "%s", creds[i].prompt ? creds[i].prompt : "?");
		if (creds[i].defresult && creds[i].defresult[0])
			fprintf(tty, " [%s]", creds[i].defresult);
		fprintf(tty, ": ");
		fflush(tty);
		creds[i].result = auth_tty_line(tty, secret);
		if (!creds[i].result)
			goto out;
		if (!creds[i].result[0] && creds[i].defresult) {
			free(creds[i].result);
			creds[i].result = strdup(creds[i].defresult);
			if (!creds[i].result)
				goto out;
		}
		creds[i].resultlen = strlen(creds[i].result);
	}
	rc = 0;
out:
	fclose(tty);
	return rc;
}

static const struct rvirt_auth auth_default = {
	.credtypes = auth_default_types,
	.ncredtypes = sizeof(auth_default_types) / sizeof(int),
	.cb = auth_tty_cb,
	.cbdata = NULL,
	.methods = auth_default_methods,
	.nmethods = 3,
};

const struct rvirt_auth *
rvirt_conn_auth_default(void)
{
	return &auth_default;
}

static int
auth_add_method(struct auth_client *a, const char *m, size_t len,
		struct rvirt_error *err)
{
	bool ok = (len == 4 && strncmp(m, "none", 4) == 0) ||
		  (len == 3 && strncmp(m, "tls", 3) == 0) ||
		  (len == 4 && strncmp(m, "sasl", 4) == 0) ||
		  (len > 5 && strncmp(m, "sasl.", 5) == 0);

	if (!ok) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_AUTH,
			"unknown auth method '%.*s': use none, tls, sasl or "
			"sasl.MECHANISM",
			(int)len, m);
		return -1;
	}
	if (a->nmethods == AUTH_METHODS_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_AUTH,
			"more than %d auth methods", AUTH_METHODS_MAX);
		return -1;
	}
	a->methods[a->nmethods] = strndup(m, len);
	if (!a->methods[a->nmethods]) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return -1;
	}
	a->nmethods++;
	return 0;
}

struct auth_client *
auth_client_new(const struct uri *uri, const struct rvirt_auth *app,
		struct rvirt_error *err)
{
	struct auth_client *a = calloc(1, sizeof(*a));
	bool is_default = !app;

	if (!a) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return NULL;
	}
	if (!app)
		app = &auth_default;
	if (uri->auth) {
		const char *p = uri->auth;

		while (*p) {
			size_t len = strcspn(p, ",");

			if (len && auth_add_method(a, p, len, err) < 0)
				goto fail;
			p += len;
			if (*p == ',')
				p++;
		}
	} else {
		const char *const *m =
			app->methods ? app->methods : auth_default_methods;
		unsigned int n = app->methods ? app->nmethods : 3;

		for (unsigned int i = 0; i < n; i++)
			if (auth_add_method(a, m[i], strlen(m[i]), err) < 0)
				goto fail;
	}
	for (unsigned int i = 0; i < app->ncredtypes && i < 16; i++)
		a->credtypes[a->ncredtypes++] = app->credtypes[i];
	a->cb = app->cb;
	a->cbdata = app->cbdata;
	if (is_default && uri->no_tty == 1)
		a->cb = NULL;
	a->transport = uri->transport;
	a->port = uri->port;
	a->host = strdup(uri->host ? uri->host : "localhost");
	a->user = uri->user ? strdup(uri->user) : NULL;
	if (!a->host || (uri->user && !a->user)) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		goto fail;
	}
	return a;
fail:
	auth_client_free(a);
	return NULL;
}

static void
auth_cache_clear(struct auth_client *a)
{
	if (a->cache)
		explicit_bzero(a->cache, AUTH_CACHE_SIZE);
	a->cache_used = 0;
	a->ncached = 0;
}

void
auth_client_free(struct auth_client *a)
{
	if (!a)
		return;
	if (a->cache) {
		auth_cache_clear(a);
		munlock(a->cache, AUTH_CACHE_SIZE);
		munmap(a->cache, AUTH_CACHE_SIZE);
	}
	for (unsigned int i = 0; i < a->nmethods; i++)
		free(a->methods[i]);
	free(a->host);
	free(a->user);
	free(a);
}

static const char *
auth_cred_name(int type)
{
	switch (type) {
	case RVIRT_CRED_USERNAME:
		return "a user name";
	case RVIRT_CRED_AUTHNAME:
		return "an auth name";
	case RVIRT_CRED_LANGUAGE:
		return "a language";
	case RVIRT_CRED_CNONCE:
		return "a client nonce";
	case RVIRT_CRED_PASSPHRASE:
		return "a passphrase";
	case RVIRT_CRED_ECHOPROMPT:
		return "an answer to a prompt";
	case RVIRT_CRED_NOECHOPROMPT:
		return "a secret answer to a prompt";
	case RVIRT_CRED_REALM:
		return "a realm";
	}
	return "a credential";
}

static const char *
auth_cache_get(const struct auth_client *a, int type, size_t *len)
{
	for (unsigned int i = 0; i < a->ncached; i++)
		if (a->cached[i].type == type) {
			*len = a->cached[i].len;
			return (const char *)a->cache + a->cached[i].off;
		}
	return NULL;
}

/*
 * The locked page that holds cached credentials, made when the first
 * one is cached: most connections (unix sockets, x509) never ask for
 * one, and a mapping locked and unlocked per connection costs five
 * system calls.  0, or -1 with *err.
 */
static int
auth_cache_map(struct auth_client *a, struct rvirt_error *err)
{
	void *p;

	if (a->cache)
		return 0;
	p = mmap(NULL, AUTH_CACHE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return -1;
	}
	a->cache = p;
	/* Best effort: an unprivileged mlock limit may be reached. */
	mlock(a->cache, AUTH_CACHE_SIZE);
	madvise(a->cache, AUTH_CACHE_SIZE, MADV_DONTDUMP);
	return 0;
}

static const char *
auth_cache_put(struct auth_client *a, int type, const char *v, size_t len,
	       struct rvirt_error *err)
{
	struct auth_cached *c;

	if (auth_cache_map(a, err) < 0)
		return NULL;
	if (a->ncached == AUTH_CACHE_ENTRIES ||
	    len + 1 > AUTH_CACHE_SIZE - a->cache_used) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_AUTH,
			"credentials longer than %d bytes in all",
			AUTH_CACHE_SIZE);
		return NULL;
	}
	c = &a->cached[a->ncached++];
	c->type = type;
	c->off = a->cache_used;
	c->len = len;
	memcpy(a->cache + c->off, v, len);
	a->cache[c->off + len] = '\0';
	a->cache_used += len + 1;
	return (const char *)a->cache + c->off;
}

static bool
auth_can_supply(const struct auth_client *a, int type)
{
	for (unsigned int i = 0; i < a->ncredtypes; i++)
		if (a->credtypes[i] == type)
			return true;
	return false;
}

/* saslcli_fill_fn: cache, URI, defaults, then the callback for the rest. */
static int
auth_fill(void *ctx, struct rvirt_cred *creds, unsigned int n,
	  struct rvirt_error *err)
{
	struct auth_client *a = ctx;
	struct rvirt_cred ask[16];
	unsigned int idx[16], nask = 0, i;
	const char *v;
	size_t len;
	int rc = -1;

	for (i = 0; i < n; i++) {
		creds[i].result = NULL;
		v = auth_cache_get(a, creds[i].type, &len);
		if (!v && creds[i].type == RVIRT_CRED_AUTHNAME && a->user)
			v = a->user, len = strlen(v);
		/* Acting as someone else, or a realm: only when told. */
		if (!v && (creds[i].type == RVIRT_CRED_USERNAME ||
			   creds[i].type == RVIRT_CRED_REALM ||
			   creds[i].type == RVIRT_CRED_LANGUAGE)) {
			v = creds[i].defresult ? creds[i].defresult : "";
			len = strlen(v);
		}
		if (v) {
			creds[i].result = (char *)(uintptr_t)v;
			creds[i].resultlen = len;
			continue;
		}
		if (!a->cb || !auth_can_supply(a, creds[i].type)) {
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"authentication needs %s, and %s",
				auth_cred_name(creds[i].type),
				a->cb ? "the application cannot supply one"
				      : "there is no way to ask for it (no "
					"terminal or no_tty=1, and no "
					"callback given to "
					"rvirt_conn_open_auth)");
			return -1;
		}
		ask[nask] = creds[i];
		idx[nask++] = i;
	}
	if (nask == 0)
		return 0;
	a->asked = true;
	if (a->cb(ask, nask, a->cbdata) < 0) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"authentication cancelled: the credential callback "
			"gave up");
		goto out;
	}
	for (i = 0; i < nask; i++) {
		const char *r = ask[i].result ? ask[i].result : "";
		size_t rl = ask[i].result ? ask[i].resultlen : 0;

		v = auth_cache_put(a, ask[i].type, r, rl, err);
		if (!v)
			goto out;
		creds[idx[i]].result = (char *)(uintptr_t)v;
		creds[idx[i]].resultlen = rl;
	}
	rc = 0;
out:
	for (i = 0; i < nask; i++) {
		if (ask[i].result) {
			explicit_bzero(ask[i].result, ask[i].resultlen);
			free(ask[i].result);
		}
	}
	return rc;
}

/* The daemon's error in a result union, as *err. */
static void
auth_wire_err(const rvirt_wire_error *we, struct rvirt_error *err)
{
	err_set(err, we->code ? we->code : RVIRT_ERR_INTERNAL,
		we->origin ? we->origin : RVIRT_FROM_AUTH, "%s",
		we->message ? we->message : "unknown error");
}

static void
auth_rpc_err(CLIENT *clnt, const char *proc, enum clnt_stat cs,
	     struct rvirt_error *err)
{
	struct rvirt_error detail;

	rpcclnt_get_error(clnt, &detail);
	if (detail.code != RVIRT_ERR_OK) {
		*err = detail;
		return;
	}
	err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_RPC, "%s failed: %s", proc,
		clnt_sperrno(cs));
}

static void
auth_sockaddr(int fd, bool peer, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
		  : getsockname(fd, (struct sockaddr *)&ss, &sl)) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s;%u", host, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "%s;%u", host, ntohs(s6->sin6_port));
	}
}

/* Restrict the offered list to mech, if the method names one. */
static int
auth_pick_mechs(const char *method, const char *offered, char *out, size_t size,
		struct rvirt_error *err)
{
	const char *want = strncmp(method, "sasl.", 5) == 0 ? method + 5 : NULL;
	const char *p = offered;

	if (!want) {
		snprintf(out, size, "%s", offered);
		return 0;
	}
	while (p && *p) {
		size_t len = strcspn(p, ", ");

		if (len == strlen(want) && strncasecmp(p, want, len) == 0) {
			snprintf(out, size, "%.*s", (int)len, p);
			return 0;
		}
		p += len;
		p += strspn(p, ", ");
	}
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
		"sasl mechanism '%s' is not offered by the daemon on this "
		"socket (it offers: %s)",
		want, offered);
	return -1;
}

/* One SASL exchange.  0, or -1 with *err. */
static int
auth_sasl_once(struct auth_client *a, const char *method, CLIENT *clnt,
	       struct stream *st, struct rvirt_error *err)
{
	rvirt_auth_sasl_init_ret iret = { 0 };
	rvirt_auth_sasl_step_ret sret = { 0 };
	rvirt_auth_sasl_start_args start = { 0 };
	rvirt_auth_sasl_step_args step = { 0 };
	struct saslcli *s = NULL;
	bool tcp = a->transport == URI_TRANSPORT_TCP;
	unsigned int ext_ssf = tlscli_ssf(st);
	char mechs[RVIRT_SASL_MECHLIST_MAX + 1], local[80], remote[80];
	const char *mech = NULL, *out = NULL;
	size_t outlen = 0;
	enum clnt_stat cs;
	bool server_done = false;
	int rc = -1, rounds = 0;

	err_clear(err);
	cs = rvirt_proc_auth_sasl_init_1(NULL, &iret, clnt);
	if (cs != RPC_SUCCESS) {
		auth_rpc_err(clnt, "AUTH_SASL_INIT", cs, err);
		return -1;
	}
	if (iret.status != RVIRT_OK) {
		auth_wire_err(&iret.rvirt_auth_sasl_init_ret_u.error, err);
		goto out;
	}
	if (auth_pick_mechs(method, iret.rvirt_auth_sasl_init_ret_u.mechlist,
			    mechs, sizeof(mechs), err) < 0)
		goto out;
	auth_sockaddr(stream_get_fd(st), false, local, sizeof(local));
	auth_sockaddr(stream_get_fd(st), true, remote, sizeof(remote));
	/*
	 * One mechanism at a time, in the daemon's order: one that cannot
	 * start here (GSSAPI without a ticket) must not hide the others.
	 */
	for (const char *p = mechs; *p;) {
		size_t l = strcspn(p, ",");
		char one[RVIRT_SASL_MECH_MAX + 1];
		struct rvirt_error e1;

		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		p += l;
		p += *p == ',';
		saslcli_free(s);
		s = saslcli_new(a->host, local[0] ? local : NULL,
				remote[0] ? remote : NULL,
				tcp ? AUTH_TCP_MIN_SSF : 0, tcp ? 100000 : 0,
				ext_ssf, err);
		if (!s)
			goto out;
		if (saslcli_start(s, one, auth_fill, a, &mech, &out, &outlen,
				  &e1) == 0)
			break;
		if (!mech || err->code == RVIRT_ERR_OK)
			*err = e1;
		mech = NULL;
		/* Asked the user already: a second form would confuse. */
		if (a->asked || e1.code != RVIRT_ERR_AUTH_FAILED ||
		    strstr(e1.message, "cancelled"))
			break;
	}
	if (!mech) {
		if (tcp && strstr(err->message, "no worthy mech"))
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"no sasl mechanism offered (%s) gives the "
				"security layer plain tcp needs: use tls, or a "
				"mechanism with a layer (gssapi, digest-md5)",
				mechs);
		goto out;
	}
	start.mech = (char *)(uintptr_t)mech;
	start.nil = out == NULL;
	start.data.data_val = (char *)(uintptr_t)out;
	start.data.data_len = (unsigned int)outlen;
	cs = rvirt_proc_auth_sasl_start_1(&start, &sret, clnt);
	for (;;) {
		struct rvirt_sasl_reply *rep =
			&sret.rvirt_auth_sasl_step_ret_u.reply;

		if (cs != RPC_SUCCESS) {
			auth_rpc_err(clnt, "AUTH_SASL_START", cs, err);
			goto out;
		}
		if (sret.status != RVIRT_OK) {
			auth_wire_err(&sret.rvirt_auth_sasl_step_ret_u.error,
				      err);
			goto out;
		}
		server_done = rep->complete;
		/* The last server data (e.g. the SCRAM signature) proves
		 * the server: check it even when the server is done. */
		if (!server_done || (!rep->nil && rep->data.data_len)) {
			if (saslcli_step(s,
					 rep->nil ? NULL : rep->data.data_val,
					 rep->nil ? 0 : rep->data.data_len,
					 auth_fill, a, &out, &outlen, err) < 0)
				goto out;
		}
		if (server_done)
			break;
		if (++rounds > 32) {
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"sasl exchange did not end after 32 rounds");
			goto out;
		}
		step.nil = out == NULL;
		step.data.data_val = (char *)(uintptr_t)out;
		step.data.data_len = (unsigned int)outlen;
		xdr_free((xdrproc_t)xdr_rvirt_auth_sasl_step_ret,
			 (char *)&sret);
		memset(&sret, 0, sizeof(sret));
		cs = rvirt_proc_auth_sasl_step_1(&step, &sret, clnt);
	}
	if (tcp && ext_ssf == 0) {
		if (saslcli_ssf(s) < AUTH_TCP_MIN_SSF) {
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"sasl mechanism '%s' gave a security layer of "
				"strength %u, plain tcp needs %d",
				mech, saslcli_ssf(s), AUTH_TCP_MIN_SSF);
			goto out;
		}
		if (saslcli_layer(s, st, err) < 0)
			goto out;
		s = NULL; /* the stream owns it now */
	}
	rc = 0;
out:
	xdr_free((xdrproc_t)xdr_rvirt_auth_sasl_init_ret, (char *)&iret);
	xdr_free((xdrproc_t)xdr_rvirt_auth_sasl_step_ret, (char *)&sret);
	saslcli_free(s);
	return rc;
}

static int
auth_sasl(struct auth_client *a, const char *method, CLIENT *clnt,
	  struct stream *st, struct rvirt_error *err)
{
	bool had_cache = a->ncached > 0;

	a->asked = false;
	if (auth_sasl_once(a, method, clnt, st, err) == 0)
		return 0;
	/* Kept credentials refused (a changed password): ask once more. */
	if (had_cache && !a->asked && err->code == RVIRT_ERR_AUTH_FAILED &&
	    a->cb) {
		auth_cache_clear(a);
		return auth_sasl_once(a, method, clnt, st, err);
	}
	if (err->code == RVIRT_ERR_AUTH_FAILED ||
	    err->code == RVIRT_ERR_ACCESS_DENIED)
		auth_cache_clear(a);
	return -1;
}

static int
auth_method_id(const char *m)
{
	if (strcmp(m, "none") == 0)
		return RVIRT_AUTH_NONE;
	if (strcmp(m, "tls") == 0)
		return RVIRT_AUTH_TLS;
	return RVIRT_AUTH_SASL;
}

static const char *
auth_method_name(int id)
{
	switch (id) {
	case RVIRT_AUTH_NONE:
		return "none";
	case RVIRT_AUTH_SASL:
		return "sasl";
	case RVIRT_AUTH_TLS:
		return "tls";
	}
	return "unknown";
}

int
auth_open_first(const struct auth_client *a)
{
	unsigned int i;

	/*
	 * TLS: nothing before the handshake's checks.  ext: the command
	 * may carry the bytes anywhere, in clear text.
	 */
	if (a->transport == URI_TRANSPORT_TLS ||
	    a->transport == URI_TRANSPORT_EXT)
		return 0;
	for (i = 0; i < a->nmethods; i++)
		if (auth_method_id(a->methods[i]) == RVIRT_AUTH_NONE)
			break;
	if (i == a->nmethods)
		return 0;
	if (a->transport == URI_TRANSPORT_TCP)
		return auth_first_tcp_known(a->host, a->port);
	return 1;
}

int
auth_conn(struct auth_client *a, CLIENT *clnt, struct stream *st,
	  struct rvirt_error *err)
{
	rvirt_auth_list_ret lret = { 0 };
	struct timeval tv = { AUTH_TIMEOUT_S, 0 };
	char offered[128] = "", wanted[256] = "";
	enum clnt_stat cs;
	unsigned int n, i, j;
	int *m, rc = -1;

	clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv);
	cs = rvirt_proc_auth_list_1(NULL, &lret, clnt);
	if (cs != RPC_SUCCESS) {
		auth_rpc_err(clnt, "AUTH_LIST", cs, err);
		/* TLS 1.3: the daemon checks our certificate after the
		 * handshake has ended here, so its refusal shows up now. */
		if (a->transport == URI_TRANSPORT_TLS &&
		    err->code == RVIRT_ERR_TRANSPORT) {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "%s", err->message);
			err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
				"the daemon refused the tls session%s: %s",
				tlscli_has_cert(st)
					? ""
					: " (we sent no client certificate: "
					  "none in pkipath)",
				msg);
		}
		return -1;
	}
	if (lret.status != RVIRT_OK) {
		auth_wire_err(&lret.rvirt_auth_list_ret_u.error, err);
		goto out;
	}
	n = lret.rvirt_auth_list_ret_u.methods.methods_len;
	m = lret.rvirt_auth_list_ret_u.methods.methods_val;
	if (a->transport == URI_TRANSPORT_TCP) {
		bool none = false;

		for (j = 0; j < n; j++)
			none = none || m[j] == RVIRT_AUTH_NONE;
		auth_first_tcp_note(a->host, a->port, none);
	}
	for (i = 0; i < a->nmethods; i++)
		for (j = 0; j < n; j++) {
			if (auth_method_id(a->methods[i]) != m[j])
				continue;
			if (m[j] == RVIRT_AUTH_SASL)
				rc = auth_sasl(a, a->methods[i], clnt, st, err);
			else
				rc = 0; /* the transport did it already */
			goto out;
		}
	for (j = 0; j < n; j++)
		snprintf(offered + strlen(offered),
			 sizeof(offered) - strlen(offered), "%s%s",
			 j ? ", " : "", auth_method_name(m[j]));
	for (i = 0; i < a->nmethods; i++)
		snprintf(wanted + strlen(wanted),
			 sizeof(wanted) - strlen(wanted), "%s%s", i ? ", " : "",
			 a->methods[i]);
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
		"no authentication method in common: the daemon wants %s, "
		"the client accepts %s",
		offered[0] ? offered : "nothing", wanted[0] ? wanted : "none");
out:
	xdr_free((xdrproc_t)xdr_rvirt_auth_list_ret, (char *)&lret);
	return rc;
}
