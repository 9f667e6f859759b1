/* SPDX-License-Identifier: MIT */
/* sesswait: a librvirt client that opens a session, waits, then calls once more. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * sesswait READYFILE GOFILE
 *
 * Opens the default URI, creates READYFILE, waits (60 s at most) for
 * GOFILE to exist, then pings the daemon.  Prints each connection event
 * as "event disconnected|reconnected|lost CODE MESSAGE" and then
 * "ping ok" or "ping error CODE MESSAGE".  Exit status 0 when the ping
 * worked, 1 when it failed, 2 on usage or open errors.
 */

static void
sesswait_event(struct rvirt_conn *conn, int event,
	       const struct rvirt_error *why, void *opaque)
{
	static const char *names[] = { "?", "disconnected", "reconnected",
				       "lost" };

	(void)conn;
	(void)opaque;
	printf("event %s %d %s\n",
	       event >= 1 && event <= 3 ? names[event] : "?", why->code,
	       why->message);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	struct rvirt_conn *conn;
	FILE *f;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: sesswait READYFILE GOFILE\n");
		return 2;
	}
	conn = rvirt_conn_open(NULL, 0, &err);
	if (!conn) {
		fprintf(stderr, "sesswait: %s\n", err.message);
		return 2;
	}
	rvirt_conn_set_event_callback(conn, sesswait_event, NULL, &err);
	f = fopen(argv[1], "w");
	if (f)
		fclose(f);
	for (int i = 0; i < 600 && access(argv[2], F_OK) != 0; i++)
		usleep(100000);
	rc = rvirt_conn_ping(conn, &err);
	if (rc == 0)
		printf("ping ok\n");
	else
		printf("ping error %d %s\n", err.code, err.message);
	rvirt_conn_close(conn);
	return rc == 0 ? 0 : 1;
}
