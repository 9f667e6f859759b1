/* SPDX-License-Identifier: MIT */
/* evc: EVENT_WAIT through plain rpcgen stubs and libtirpc (built by t/51xx). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "rvirt_protocol.h"

/*
 * evc PATH CURSOR|now TIMEOUT_MS MAX [DOMAIN [KINDS]]
 * Opens test:///default on the unix socket PATH, calls EVENT_WAIT once
 * and prints "cursor C lost L", then one line per event:
 * "event SEQ NAME KIND DETAIL ID STATUS IDENTITY".  An rvirt error is
 * printed as "error CODE MESSAGE" (exit 3).  The environment variable
 * EVC_URI names another driver URI than test:///default.
 */
int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct timeval tv = { 3700, 0 };
	rvirt_connect_open_args oa = { .uri = "test:///default" };
	rvirt_connect_open_ret * or ;
	rvirt_event_wait_args wa;
	rvirt_event_wait_ret *wr;
	int sock = RPC_ANYSOCK;
	CLIENT *cl;

	if (argc < 5) {
		fprintf(stderr, "usage: evc PATH CURSOR|now TIMEOUT_MS MAX "
				"[DOMAIN [KINDS]]\n");
		return 2;
	}
	if (getenv("EVC_URI"))
		oa.uri = getenv("EVC_URI");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	cl = clntunix_create(&sun, RVIRT_PROGRAM, RVIRT_V1, &sock, 0, 0);
	if (!cl) {
		clnt_pcreateerror("create");
		return 1;
	}
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tv);
	or = rvirt_proc_connect_open_1(&oa, cl);
	if (! or || or->status != RVIRT_OK) {
		fprintf(stderr, "evc: cannot open\n");
		return 1;
	}
	memset(&wa, 0, sizeof(wa));
	if (strcmp(argv[2], "now") == 0)
		wa.flags = RVIRT_EVENT_WAIT_NOW;
	else
		wa.cursor = strtoull(argv[2], NULL, 10);
	wa.timeout_ms = (unsigned int)strtoul(argv[3], NULL, 10);
	wa.max = (unsigned int)strtoul(argv[4], NULL, 10);
	wa.domain = argc > 5 ? argv[5] : "";
	wa.kinds = argc > 6 ? (unsigned int)strtoul(argv[6], NULL, 0) : 0;
	wr = rvirt_proc_event_wait_1(&wa, cl);
	if (!wr) {
		clnt_perror(cl, "wait");
		return 1;
	}
	if (wr->status != RVIRT_OK) {
		printf("error %d %s\n", wr->rvirt_event_wait_ret_u.error.code,
		       wr->rvirt_event_wait_ret_u.error.message);
		return 3;
	}
	printf("cursor %llu lost %llu\n",
	       (unsigned long long)wr->rvirt_event_wait_ret_u.ev.cursor,
	       (unsigned long long)wr->rvirt_event_wait_ret_u.ev.lost);
	for (u_int i = 0; i < wr->rvirt_event_wait_ret_u.ev.events.events_len;
	     i++) {
		rvirt_wire_event *e =
			&wr->rvirt_event_wait_ret_u.ev.events.events_val[i];

		printf("event %llu %s %d %d %d %d %s\n",
		       (unsigned long long)e->seq, e->dom.name, e->kind,
		       e->detail, e->dom.id, e->status,
		       e->identity[0] ? e->identity : "-");
	}
	clnt_destroy(cl);
	return 0;
}
