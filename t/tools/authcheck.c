/* SPDX-License-Identifier: MIT */
/* authcheck: opens a URI with rvirt_conn_open_auth and credentials from the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../client/rvirt.h"

/*
 * Usage: authcheck URI [bench N]
 * The credential callback answers from AUTHCHECK_USER (user and auth
 * names) and AUTHCHECK_PASS (passphrase, no-echo prompts); it logs each
 * call on stderr as "callback: TYPE,TYPE".  AUTHCHECK_METHODS is a
 * comma-separated method priority list, AUTHCHECK_NOCB=1 opens without
 * a callback, AUTHCHECK_TYPES=passphrase says the application can
 * supply only passphrases.  Prints "ok HOSTNAME", or "error CODE:
 * MESSAGE" and exits 1.  "bench N" opens and closes N connections and
 * prints "setups/s R".
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

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "bench") == 0)) {
		fprintf(stderr, "usage: authcheck URI [bench N]\n");
		return 2;
	}
	if (argc == 4)
		n = atoi(argv[3]);
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
