/* SPDX-License-Identifier: MIT */
/* evconsole: a librvirt console that prints every lifecycle event it is given. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * evconsole READYFILE STOPFILE
 *
 * Opens the default URI, registers for all events, creates READYFILE,
 * and prints "SEQ KIND DETAIL NAME" for each event (or "lost N") until
 * STOPFILE exists (300 s at most).  Exit status 0, 2 on usage or open
 * errors, 1 when the registration fails.
 */

static void
evconsole_cb(struct rvirt_conn *conn, const struct rvirt_domain_event *ev,
	     void *opaque)
{
	(void)conn;
	(void)opaque;
	if (ev->kind == RVIRT_EVENT_LOST)
		printf("lost %llu\n", (unsigned long long)ev->lost);
	else
		printf("%llu %d %d %s\n", (unsigned long long)ev->seq, ev->kind,
		       ev->detail, ev->dom.name);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	struct rvirt_conn *conn;
	FILE *f;
	int id;

	if (argc != 3) {
		fprintf(stderr, "usage: evconsole READYFILE STOPFILE\n");
		return 2;
	}
	conn = rvirt_conn_open(NULL, 0, &err);
	if (!conn) {
		fprintf(stderr, "evconsole: %s\n", err.message);
		return 2;
	}
	id = rvirt_conn_domain_event_register(conn, NULL, 0, evconsole_cb, NULL,
					      NULL, &err);
	if (id < 0) {
		fprintf(stderr, "evconsole: %s\n", err.message);
		rvirt_conn_close(conn);
		return 1;
	}
	f = fopen(argv[1], "w");
	if (f)
		fclose(f);
	for (int i = 0; i < 3000 && access(argv[2], F_OK) != 0; i++)
		usleep(100000);
	if (rvirt_conn_domain_event_deregister(conn, id, &err) < 0)
		fprintf(stderr, "evconsole: %s\n", err.message);
	rvirt_conn_close(conn);
	return 0;
}
