/* SPDX-License-Identifier: MIT */
/* pingsteps: a librvirt client that pings once per step, when told to. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * pingsteps DIR N
 *
 * Opens the default URI (RVIRT_DEFAULT_URI) and pings, then for each
 * step i of 1 .. N: waits for DIR/go.i to exist (300 s at most), pings,
 * prints "ping i ok" or "ping i error CODE MESSAGE" and creates
 * DIR/done.i.  DIR/ready is created after the first ping.  Each
 * connection event is printed as "event disconnected|reconnected|lost|
 * waiting CODE MESSAGE".  Exit status 0 when the last ping worked, 1
 * when it failed, 2 on usage or open errors.
 */

static void
pingsteps_event(struct rvirt_conn *conn, int event,
		const struct rvirt_error *why, void *opaque)
{
	static const char *names[] = { "?", "disconnected", "reconnected",
				       "lost", "waiting" };

	(void)conn;
	(void)opaque;
	printf("event %s %d %s\n",
	       event >= 1 && event <= 4 ? names[event] : "?", why->code,
	       why->message);
	fflush(stdout);
}

static void
pingsteps_touch(const char *dir, const char *name, int i)
{
	char path[4096];
	FILE *f;

	if (i)
		snprintf(path, sizeof(path), "%s/%s.%d", dir, name, i);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

int
main(int argc, char **argv)
{
	struct rvirt_error err = { 0 };
	struct rvirt_conn *conn;
	char path[4096];
	int n, rc = 0;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: pingsteps DIR N\n");
		return 2;
	}
	conn = rvirt_conn_open(NULL, 0, &err);
	if (!conn) {
		fprintf(stderr, "pingsteps: %s\n", err.message);
		return 2;
	}
	rvirt_conn_set_event_callback(conn, pingsteps_event, NULL, &err);
	if (rvirt_conn_ping(conn, &err) < 0) {
		fprintf(stderr, "pingsteps: %s\n", err.message);
		rvirt_conn_close(conn);
		return 2;
	}
	pingsteps_touch(argv[1], "ready", 0);
	for (int i = 1; i <= n; i++) {
		snprintf(path, sizeof(path), "%s/go.%d", argv[1], i);
		for (int t = 0; t < 3000 && access(path, F_OK) != 0; t++)
			usleep(100000);
		rc = rvirt_conn_ping(conn, &err);
		if (rc == 0)
			printf("ping %d ok\n", i);
		else
			printf("ping %d error %d %s\n", i, err.code,
			       err.message);
		fflush(stdout);
		pingsteps_touch(argv[1], "done", i);
	}
	rvirt_conn_close(conn);
	return rc == 0 ? 0 : 1;
}
