/* SPDX-License-Identifier: MIT */
/* clientwait: a librvirt client that says it is ready, then waits for a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * clientwait events READYFILE STOPFILE
 *	Registers for all domain events and prints "SEQ KIND DETAIL NAME"
 *	for each event (or "lost N") until STOPFILE exists (300 s at
 *	most).  Exit status 0, 1 when the registration fails.
 * clientwait ping READYFILE GOFILE
 *	Waits (60 s at most) for GOFILE to exist, then pings the daemon.
 *	Prints each connection event as "event disconnected|reconnected|
 *	lost CODE MESSAGE" and then "ping ok" or "ping error CODE MESSAGE".
 *	Exit status 0 when the ping worked, 1 when it failed.
 * Both open the default URI first and create READYFILE once set up;
 * exit status 2 on usage or open errors.
 */

static void
clientwait_domain_event(struct rvirt_conn *conn,
			const struct rvirt_domain_event *ev, void *opaque)
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

static void
clientwait_conn_event(struct rvirt_conn *conn, int event,
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

/* Create ready, then wait for path, at most tenths tenths of a second. */
static void
clientwait_file(const char *ready, const char *path, int tenths)
{
	FILE *f = fopen(ready, "w");

	if (f)
		fclose(f);
	for (int i = 0; i < tenths && access(path, F_OK) != 0; i++)
		usleep(100000);
}

int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	struct rvirt_conn *conn;
	int id, rc;

	if (argc != 4 ||
	    (strcmp(argv[1], "events") != 0 && strcmp(argv[1], "ping") != 0)) {
		fprintf(stderr, "usage: clientwait events READYFILE STOPFILE\n"
				"       clientwait ping READYFILE GOFILE\n");
		return 2;
	}
	conn = rvirt_conn_open(NULL, 0, &err);
	if (!conn) {
		fprintf(stderr, "clientwait: %s\n", err.message);
		return 2;
	}
	if (strcmp(argv[1], "ping") == 0) {
		rvirt_conn_set_event_callback(conn, clientwait_conn_event, NULL,
					      &err);
		clientwait_file(argv[2], argv[3], 600);
		rc = rvirt_conn_ping(conn, &err);
		if (rc == 0)
			printf("ping ok\n");
		else
			printf("ping error %d %s\n", err.code, err.message);
		rvirt_conn_close(conn);
		return rc == 0 ? 0 : 1;
	}
	id = rvirt_conn_domain_event_register(
		conn, NULL, 0, clientwait_domain_event, NULL, NULL, &err);
	if (id < 0) {
		fprintf(stderr, "clientwait: %s\n", err.message);
		rvirt_conn_close(conn);
		return 1;
	}
	clientwait_file(argv[2], argv[3], 3000);
	if (rvirt_conn_domain_event_deregister(conn, id, &err) < 0)
		fprintf(stderr, "clientwait: %s\n", err.message);
	rvirt_conn_close(conn);
	return 0;
}
