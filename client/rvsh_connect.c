/* SPDX-License-Identifier: MIT */
/* rvsh_connect: rvsh's connect command, for rvsh_cmd.c's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvsh_connect.h"

#define RVSH_CONNECT_HELP                                                  \
	"close the connection and open URI (default: the same one again) " \
	"in a new session"

/*
 * connect [URI]: open URI (or the current one again) in a new session;
 * when that worked, the old connection's session ends (CONNECT_CLOSE,
 * not waited for when its daemon is away).  A URI that does not work
 * is said now, and the shell goes on with the old connection.
 */
static int
rvsh_connect_cmd(struct rvsh *sh, int argc, char **argv)
{
	struct rvsh next;
	char *uri = NULL;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: connect [URI]\n");
		return RVSH_USAGE;
	}
	if (argc == 2) {
		uri = strdup(argv[1]);
		if (!uri) {
			rvsh_error("out of memory");
			return RVSH_ERROR;
		}
	}
	/* The new one first: when it fails, the old one goes on. */
	next = *sh;
	next.conn = NULL;
	if (uri)
		next.uri = uri;
	if (rvsh_connect(&next, 0) < 0) {
		free(uri);
		return RVSH_ERROR;
	}
	rvirt_conn_close(sh->conn);
	sh->conn = next.conn;
	if (uri) {
		free(sh->uri_owned);
		sh->uri_owned = uri;
		sh->uri = uri;
	}
	return RVSH_OK;
}

int
rvsh_connect_run(struct rvsh *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "connect") != 0)
		return -1;
	return rvsh_connect_cmd(sh, argc, argv);
}

int
rvsh_connect_help(const char *name)
{
	if (strcmp(name, "connect") != 0)
		return -1;
	printf("usage: connect [URI]\n  %s\n", RVSH_CONNECT_HELP);
	return 0;
}

void
rvsh_connect_help_all(void)
{
	printf("  %-32s%s\n", "connect [URI]", RVSH_CONNECT_HELP);
}
