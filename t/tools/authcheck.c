/* SPDX-License-Identifier: MIT */
/* authcheck: opens a URI with rvirt_conn_open_auth and credentials from the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../client/auth.h"
#include "../../client/rpcclnt.h"
#include "../../client/rvirt.h"
#include "../../client/stream.h"
#include "../../client/uri.h"
#include "rvirt_protocol.h"

/*
 * Usage: authcheck URI [bench N]
 * The credential callback answers from AUTHCHECK_USER (user and auth
 * names) and AUTHCHECK_PASS (passphrase, no-echo prompts); it logs each
 * call on stderr as "callback: TYPE,TYPE".  AUTHCHECK_METHODS is a
 * comma-separated method priority list, AUTHCHECK_NOCB=1 opens without
 * a callback, AUTHCHECK_TYPES=passphrase says the application can
 * supply only passphrases.  Prints "ok HOSTNAME", or "error CODE:
 * MESSAGE" and exits 1.  "bench N" opens and closes N connections and
 * prints "setups/s R".  "reauth N" authenticates N brand-new transports
 * with one auth_client (client/auth.h), as the reconnect code does, and
 * prints "reauth ok N, callbacks C": the credentials are asked for once.
 * "survive READY GO" opens, creates the file READY, waits (60 s at
 * most) until GO exists, then calls once more and prints "survive ok,
 * callbacks C, reconnects R": across a daemon restart in between, the
 * library re-authenticates with the credentials it kept.
 */

static int
authcheck_cb(struct rvirt_cred *creds, unsigned int n, void *cbdata)
{
	const char *user = getenv("AUTHCHECK_USER");
	const char *pass = getenv("AUTHCHECK_PASS");
	int *calls = cbdata;

	(*calls)++;
	fprintf(stderr, "callback:");
	for (unsigned int i = 0; i < n; i++) {
		const char *v = NULL;

		fprintf(stderr, "%s%d", i ? "," : " ", creds[i].type);
		switch (creds[i].type) {
		case RVIRT_CRED_AUTHNAME:
		case RVIRT_CRED_USERNAME:
			v = user;
			break;
		case RVIRT_CRED_PASSPHRASE:
		case RVIRT_CRED_NOECHOPROMPT:
			v = pass;
			break;
		default:
			v = creds[i].defresult ? creds[i].defresult : "";
		}
		if (!v)
			return -1;
		creds[i].result = strdup(v);
		if (!creds[i].result)
			return -1;
		creds[i].resultlen = strlen(v);
	}
	fprintf(stderr, "\n");
	return 0;
}

/* N transports, one auth_client: what a reconnecting connection does. */
static int
authcheck_reauth(const char *uristr, const struct rvirt_auth *auth, int n,
		 const int *calls)
{
	struct rvirt_error err;
	struct auth_client *a;
	struct uri *u = uri_parse(uristr, &err);
	int rc = 1;

	if (!u || !(a = auth_client_new(u, auth, &err))) {
		printf("error %d: %s\n", err.code, err.message);
		uri_free(u);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct stream *st = stream_connect(u, 0, 5000, &err);
		CLIENT *clnt;
		rvirt_string_ret ret = { 0 };

		if (!st ||
		    !(clnt = rpcclnt_new(st, RVIRT_PROGRAM, RVIRT_V1, &err))) {
			printf("error %d: %s\n", err.code, err.message);
			goto out;
		}
		if (auth_conn(a, clnt, st, &err) < 0) {
			printf("error %d: %s\n", err.code, err.message);
			clnt_destroy(clnt);
			goto out;
		}
		/* Authenticated: CONNECT_GET_TYPE says no connection, not
		 * authentication required. */
		if (rvirt_proc_connect_get_type_1(NULL, &ret, clnt) !=
			    RPC_SUCCESS ||
		    ret.status != RVIRT_ERROR ||
		    ret.rvirt_string_ret_u.error.code != RVIRT_ERR_NO_CONNECT) {
			printf("error: not authenticated on transport %d\n", i);
			clnt_destroy(clnt);
			goto out;
		}
		xdr_free((xdrproc_t)xdr_rvirt_string_ret, (char *)&ret);
		clnt_destroy(clnt);
	}
	printf("reauth ok %d, callbacks %d\n", n, *calls);
	rc = 0;
out:
	auth_client_free(a);
	uri_free(u);
	return rc;
}

static void
authcheck_event(struct rvirt_conn *conn, int event,
		const struct rvirt_error *why, void *opaque)
{
	int *reconnects = opaque;

	(void)conn;
	if (event == RVIRT_CONN_EVENT_RECONNECTED)
		(*reconnects)++;
	else
		fprintf(stderr, "event %d: %s\n", event, why->message);
}

static int
authcheck_survive(const char *uri, const struct rvirt_auth *auth,
		  const char *ready, const char *go, const int *calls)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open_auth(uri, auth, 0, &err);
	int reconnects = 0;
	char *host;
	FILE *f;

	if (!c) {
		printf("error %d: %s\n", err.code, err.message);
		return 1;
	}
	rvirt_conn_set_event_callback(c, authcheck_event, &reconnects, &err);
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	for (int i = 0; i < 600 && access(go, F_OK) != 0; i++)
		usleep(100000);
	host = rvirt_conn_get_hostname(c, &err);
	rvirt_conn_close(c);
	if (!host) {
		printf("error %d: %s\n", err.code, err.message);
		return 1;
	}
	free(host);
	printf("survive ok, callbacks %d, reconnects %d\n", *calls, reconnects);
	return 0;
}

int
main(int argc, char **argv)
{
	static const int all_types[] = {
		RVIRT_CRED_USERNAME,	 RVIRT_CRED_AUTHNAME,
		RVIRT_CRED_PASSPHRASE,	 RVIRT_CRED_ECHOPROMPT,
		RVIRT_CRED_NOECHOPROMPT, RVIRT_CRED_REALM,
	};
	static const int pass_only[] = { RVIRT_CRED_PASSPHRASE };
	const char *methods[16];
	char mbuf[256];
	struct rvirt_auth auth = { 0 };
	struct rvirt_error err;
	struct rvirt_conn *c;
	const char *m = getenv("AUTHCHECK_METHODS");
	const char *types = getenv("AUTHCHECK_TYPES");
	int calls = 0, n = 1;
	char *host;
	struct timespec t0, t1;

	if (argc != 2 &&
	    !(argc == 4 && (strcmp(argv[2], "bench") == 0 ||
			    strcmp(argv[2], "reauth") == 0)) &&
	    !(argc == 5 && strcmp(argv[2], "survive") == 0)) {
		fprintf(stderr, "usage: authcheck URI [bench N | reauth N | "
				"survive READY GO]\n");
		return 2;
	}
	if (argc == 4)
		n = atoi(argv[3]);
	if (argc == 5)
		n = 0;
	auth.credtypes = all_types;
	auth.ncredtypes = sizeof(all_types) / sizeof(all_types[0]);
	if (types && strcmp(types, "passphrase") == 0) {
		auth.credtypes = pass_only;
		auth.ncredtypes = 1;
	}
	if (!getenv("AUTHCHECK_NOCB") || strcmp(getenv("AUTHCHECK_NOCB"), "1"))
		auth.cb = authcheck_cb;
	auth.cbdata = &calls;
	if (m && m[0]) {
		char *p, *save = NULL;

		snprintf(mbuf, sizeof(mbuf), "%s", m);
		for (p = strtok_r(mbuf, ",", &save); p && auth.nmethods < 16;
		     p = strtok_r(NULL, ",", &save))
			methods[auth.nmethods++] = p;
		auth.methods = methods;
	}
	if (argc == 4 && strcmp(argv[2], "reauth") == 0)
		return authcheck_reauth(argv[1], &auth, n, &calls);
	if (argc == 5)
		return authcheck_survive(argv[1], &auth, argv[3], argv[4],
					 &calls);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		c = rvirt_conn_open_auth(argv[1], &auth, 0, &err);
		if (!c) {
			printf("error %d: %s\n", err.code, err.message);
			return 1;
		}
		if (argc == 2) {
			host = rvirt_conn_get_hostname(c, &err);
			if (!host) {
				printf("error %d: %s\n", err.code, err.message);
				rvirt_conn_close(c);
				return 1;
			}
			printf("ok %s\n", host);
			free(host);
		}
		rvirt_conn_close(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (argc == 4) {
		double s = (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		printf("setups/s %.1f (%d in %.3f s)\n", n / s, n, s);
	}
	return 0;
}
