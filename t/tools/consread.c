/* SPDX-License-Identifier: MIT */
/* consread: read a domain's console once, after its end, waiting long (a parked call). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * consread URI DOMAIN WAIT-MS [TEXT]
 *
 * Opens the console (read-only on a read-only URI), reads what is
 * there already without waiting, prints "waiting" on stdout, then makes
 * one CONSOLE_READ that may wait WAIT-MS and prints what it got (or
 * "nothing").  With TEXT, reads (each read waiting up to WAIT-MS) until
 * the output since "waiting" contains TEXT, so that output still on its
 * way at "waiting" (the rest of an earlier line) does not count; a read
 * that timed out prints "nothing" and ends.  Exit 0, or 1 with the
 * error on stderr.
 */
int
main(int argc, char **argv)
{
	struct rvirt_console *con;
	struct rvirt_domain dom;
	struct rvirt_conn *conn;
	struct rvirt_error err;
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: consread URI DOMAIN WAIT-MS [TEXT]\n");
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
	do {
		n = rvirt_console_read(con, buf + len, sizeof(buf) - 1 - len,
				       (unsigned int)atoi(argv[3]), &err);
		if (n < 0)
			goto fail;
		len += (size_t)n;
		buf[len] = '\0';
	} while (argc == 5 && n > 0 && !strstr(buf, argv[4]) &&
		 len + 1 < sizeof(buf));
	printf("%s\n", n ? buf : "nothing");
	rvirt_console_close(con, &err);
	rvirt_conn_close(conn);
	return 0;
fail:
	fprintf(stderr, "consread: %s\n", err.message);
	return 1;
}
