/* SPDX-License-Identifier: MIT */
/* consread: read a domain's console once, after its end, waiting long (a parked call). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * consread URI DOMAIN WAIT-MS
 *
 * Opens the console (read-only on a read-only URI), reads what is
 * there already without waiting, prints "waiting" on stdout, then makes
 * one CONSOLE_READ that may wait WAIT-MS and prints what it got (or
 * "nothing").  Exit 0, or 1 with the error on stderr.
 */
int
main(int argc, char **argv)
{
	struct rvirt_console *con;
	struct rvirt_domain dom;
	struct rvirt_conn *conn;
	struct rvirt_error err;
	char buf[4096];
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: consread URI DOMAIN WAIT-MS\n");
		return 2;
	}
	conn = rvirt_conn_open(argv[1], 0, &err);
	if (!conn ||
	    rvirt_domain_lookup_by_name(conn, argv[2], &dom, &err) < 0 ||
	    !(con = rvirt_console_open(conn, &dom, 0, &err)))
		goto fail;
	do
		n = rvirt_console_read(con, buf, sizeof(buf), 0, &err);
	while (n > 0);
	if (n < 0)
		goto fail;
	printf("waiting\n");
	fflush(stdout);
	n = rvirt_console_read(con, buf, sizeof(buf) - 1,
			       (unsigned int)atoi(argv[3]), &err);
	if (n < 0)
		goto fail;
	buf[n] = '\0';
	printf("%s\n", n ? buf : "nothing");
	rvirt_console_close(con, &err);
	rvirt_conn_close(conn);
	return 0;
fail:
	fprintf(stderr, "consread: %s\n", err.message);
	return 1;
}
