/* SPDX-License-Identifier: MIT */
/* conswrite: console writes as librvirt makes them: read-only refusal, --force takeover. */
#include <stdio.h>
#include <string.h>

#include "../../client/rvirt.h"

/*
 * conswrite URI DOMAIN write TEXT [ro]
 *     open the console (the connection read-only with "ro") and type
 *     TEXT: prints "open: writable W" then "write: accepted N" or
 *     "write: error CODE: MESSAGE".
 * conswrite URI DOMAIN takeover
 *     A opens the console and types; B opens it without force (refused
 *     while A holds it), then with force; B types; A types again
 *     (refused: taken over).  One line per step: "STEP: ok" or
 *     "STEP: error CODE: MESSAGE".
 * Exit 0 when every call answered as it did (the caller checks what),
 * 2 on bad usage or a failure to connect.
 */

static void
conswrite_say(const char *step, int rc, const struct rvirt_error *err)
{
	if (rc < 0)
		printf("%s: error %d: %s\n", step, err->code, err->message);
	else
		printf("%s: ok\n", step);
}

static int
conswrite_takeover(struct rvirt_conn *conn, const struct rvirt_domain *dom)
{
	struct rvirt_console *a, *b;
	struct rvirt_error err;
	ssize_t n;

	a = rvirt_console_open(conn, dom, 0, &err);
	conswrite_say("open a", a ? 0 : -1, &err);
	if (!a)
		return 2;
	n = rvirt_console_write(a, "echo from-a\r", 12, &err);
	conswrite_say("write a", n < 0 ? -1 : 0, &err);
	b = rvirt_console_open(conn, dom, 0, &err);
	conswrite_say("open b", b ? 0 : -1, &err);
	if (b)
		rvirt_console_free(b);
	b = rvirt_console_open(conn, dom, RVIRT_CONSOLE_FORCE, &err);
	conswrite_say("open b force", b ? 0 : -1, &err);
	if (!b) {
		rvirt_console_free(a);
		return 2;
	}
	n = rvirt_console_write(b, "echo from-b\r", 12, &err);
	conswrite_say("write b", n < 0 ? -1 : 0, &err);
	n = rvirt_console_write(a, "echo again-a\r", 13, &err);
	conswrite_say("write a again", n < 0 ? -1 : 0, &err);
	rvirt_console_free(a);
	conswrite_say("close b", rvirt_console_close(b, &err), &err);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rvirt_console *con;
	struct rvirt_domain dom;
	struct rvirt_conn *conn;
	struct rvirt_error err;
	unsigned int flags = 0;
	ssize_t n;
	int rc;

	if (argc < 4 ||
	    (strcmp(argv[3], "write") == 0 &&
	     (argc < 5 || argc > 6 ||
	      (argc == 6 && strcmp(argv[5], "ro") != 0))) ||
	    (strcmp(argv[3], "takeover") == 0 && argc != 4)) {
		fprintf(stderr, "usage: conswrite URI DOMAIN write TEXT [ro] | "
				"takeover\n");
		return 2;
	}
	if (argc == 6)
		flags |= RVIRT_CONNECT_RO;
	conn = rvirt_conn_open(argv[1], flags, &err);
	if (!conn ||
	    rvirt_domain_lookup_by_name(conn, argv[2], &dom, &err) < 0) {
		fprintf(stderr, "conswrite: %s\n", err.message);
		return 2;
	}
	if (strcmp(argv[3], "takeover") == 0) {
		rc = conswrite_takeover(conn, &dom);
		rvirt_conn_close(conn);
		return rc;
	}
	con = rvirt_console_open(conn, &dom, 0, &err);
	if (!con) {
		conswrite_say("open", -1, &err);
		rvirt_conn_close(conn);
		return 0;
	}
	printf("open: writable %d\n", rvirt_console_writable(con));
	n = rvirt_console_write(con, argv[4], strlen(argv[4]), &err);
	if (n < 0)
		conswrite_say("write", -1, &err);
	else
		printf("write: accepted %zd\n", n);
	rvirt_console_close(con, &err);
	rvirt_conn_close(conn);
	return 0;
}
