/* SPDX-License-Identifier: MIT */
/* rvsh_token: rvsh's console-token command (enable, disable, show). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvsh_token.h"

/*
 * console-token enable [--expires SECONDS] DOMAIN   prints the token
 * console-token disable DOMAIN                      revokes it
 * console-token show DOMAIN                         prints it and when
 *                                                   it ends
 */

static int
rvsh_token_usage(void)
{
	rvsh_error("usage: console-token %s", RVSH_TOKEN_ARGS);
	return RVSH_USAGE;
}

static int
rvsh_token_seconds(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == 0) {
		rvsh_error("cannot use expiry '%s': not a number of seconds "
			   "above 0",
			   arg);
		return -1;
	}
	*out = v;
	return 0;
}

static void
rvsh_token_print_expiry(const struct rvirt_console_token *t)
{
	char when[64] = "never";
	struct tm tm;
	time_t e = (time_t)t->expires;

	if (t->expires && gmtime_r(&e, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("expires: %s%s\n", when, t->expired ? " (expired)" : "");
}

int
rvsh_token_cmd(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_console_token t;
	struct rvirt_domain dom;
	struct rvirt_error err;
	const char *op, *name = NULL;
	uint64_t expires = 0;
	int rc;

	if (argc < 3)
		return rvsh_token_usage();
	op = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc &&
		    strcmp(op, "enable") == 0) {
			if (rvsh_token_seconds(argv[++i], &expires) < 0)
				return RVSH_USAGE;
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			return rvsh_token_usage();
		}
	}
	if (!name || (strcmp(op, "enable") != 0 && strcmp(op, "disable") != 0 &&
		      strcmp(op, "show") != 0))
		return rvsh_token_usage();
	if (rvsh_connect(sh, 0) < 0 || rvsh_domain_find(sh, name, &dom) < 0)
		return RVSH_ERROR;
	if (strcmp(op, "enable") == 0) {
		rc = rvirt_console_token_enable(sh->conn, &dom, expires, &t,
						&err);
		if (rc == 0)
			printf("%s\n", t.token);
	} else if (strcmp(op, "disable") == 0) {
		rc = rvirt_console_token_disable(sh->conn, &dom, &err);
		if (rc == 0 && !sh->quiet)
			printf("Console token of domain '%s' disabled\n",
			       dom.name);
	} else {
		rc = rvirt_console_token_show(sh->conn, &dom, &t, &err);
		if (rc == 0 && !t.token[0]) {
			printf("none\n");
		} else if (rc == 0) {
			printf("token: %s\n", t.token);
			rvsh_token_print_expiry(&t);
		}
	}
	explicit_bzero(&t, sizeof(t));
	return rc < 0 ? rvsh_fail(&err) : RVSH_OK;
}
