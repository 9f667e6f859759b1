/* SPDX-License-Identifier: MIT */
/* tokresolve: resolves a console token through librvirt, as the proxy does. */
#include <stdio.h>
#include <string.h>

#include "../../client/rvirt.h"

/*
 * tokresolve URI TOKEN [ro]
 *     prints "domain NAME" or "error CODE: MESSAGE" (the connection
 *     read-only with "ro").  Exit 0 when the call answered (the caller
 *     checks what), 2 on bad usage or a failure to connect.
 */
int
main(int argc, char **argv)
{
	struct rvirt_domain dom;
	struct rvirt_error err;
	struct rvirt_conn *conn;
	unsigned int flags = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: tokresolve URI TOKEN [ro]\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[3], "ro") == 0)
		flags = RVIRT_CONNECT_RO;
	conn = rvirt_conn_open(argv[1], flags, &err);
	if (!conn) {
		fprintf(stderr, "tokresolve: %s\n", err.message);
		return 2;
	}
	if (rvirt_console_token_resolve(conn, argv[2], &dom, &err) < 0)
		printf("error %d: %s\n", err.code, err.message);
	else
		printf("domain %s\n", dom.name);
	rvirt_conn_close(conn);
	return 0;
}
