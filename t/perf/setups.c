/* SPDX-License-Identifier: MIT */
/* setups: connection setups per second, rvirtd against a plain rpcgen server. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "rvirt_protocol.h"

#include "../../client/rvirt.h"
#include "perf.h"

/*
 * Usage:
 *   setups serve unix PATH | tcp
 *	a plain libtirpc server (svc_run, the way rpcgen's server stub
 *	runs) of RVIRT_PROGRAM that answers NULL: the baseline.  Prints
 *	"listening PORT" (0 on a unix socket) and serves until killed.
 *   setups plain unix PATH | tcp PORT CLIENTS SECONDS [CALLS]
 *	CLIENTS processes each create a CLIENT (clntunix_create or
 *	clnttcp_create), call NULL CALLS times (default 1) and destroy
 *	it, again and again.  CALLS 2 makes as many round trips per
 *	connection as librvirt's setup below: the part of the gap that
 *	is round trips, not the daemon's cost.
 *   setups rvirt URI CLIENTS SECONDS
 *	CLIENTS processes each open URI with librvirt, ping once and
 *	close, again and again: two round trips (doc/protocol.md, "How
 *	librvirt connects").
 * Each client mode prints "setups/s N (R rounds, F failed)" and
 * "client-cpu-us/setup U": the CPU time (user + system) the client
 * processes used per setup.  Not a test: t/perf/setups.sh prints the
 * figures and their ratios.
 */

/* xdr_void takes no arguments, which xdrproc_t's cast does not like. */
static bool_t
setups_xdr_void(XDR *x, void *p)
{
	(void)x;
	(void)p;
	return TRUE;
}

static void
serve_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (rq->rq_proc == 0)
		svc_sendreply(xprt, (xdrproc_t)setups_xdr_void, NULL);
	else
		svcerr_noproc(xprt);
}

static int
serve(int argc, char **argv)
{
	SVCXPRT *xprt;
	int fd;

	if (argc == 4 && !strcmp(argv[2], "unix")) {
		unlink(argv[3]);
		xprt = svcunix_create(RPC_ANYSOCK, 0, 0, argv[3]);
		printf("listening 0\n");
	} else if (argc == 3 && !strcmp(argv[2], "tcp")) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    listen(fd, 128) < 0 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
			return 1;
		xprt = svctcp_create(fd, 0, 0);
		printf("listening %d\n", ntohs(sin.sin_port));
	} else {
		return 2;
	}
	fflush(stdout);
	if (!xprt ||
	    !svc_register(xprt, RVIRT_PROGRAM, RVIRT_V1, serve_dispatch, 0))
		return 1;
	svc_run();
	return 1;
}

/* NULL calls per plain connection (setups plain ... CALLS). */
static int plain_calls = 1;

/* One plain round: a new CLIENT, plain_calls NULL calls, destroyed. */
static int
plain_round(const char *kind, const char *where)
{
	struct timeval tv = { 10, 0 };
	CLIENT *c;
	enum clnt_stat st;
	int sock;

	/*
	 * The socket is connected here: given RPC_ANYSOCK, libtirpc binds
	 * a reserved port first when run as root, which is not the cost
	 * being measured (and runs out of ports).
	 */
	if (!strcmp(kind, "unix")) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", where);
		sock = socket(AF_UNIX, SOCK_STREAM, 0);
		if (sock < 0 ||
		    connect(sock, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			goto fail;
		c = clntunix_create(&sun, RVIRT_PROGRAM, RVIRT_V1, &sock, 0, 0);
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)atoi(where));
		sock = socket(AF_INET, SOCK_STREAM, 0);
		if (sock < 0 ||
		    connect(sock, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			goto fail;
		c = clnttcp_create(&sin, RVIRT_PROGRAM, RVIRT_V1, &sock, 0, 0);
	}
	if (!c)
		goto fail;
	/* A CLIENT made on a given socket leaves it open when destroyed. */
	clnt_control(c, CLSET_FD_CLOSE, NULL);
	st = RPC_SUCCESS;
	for (int i = 0; i < plain_calls && st == RPC_SUCCESS; i++)
		st = clnt_call(c, 0, (xdrproc_t)setups_xdr_void, NULL,
			       (xdrproc_t)setups_xdr_void, NULL, tv);
	clnt_destroy(c);
	return st == RPC_SUCCESS ? 0 : -1;
fail:
	if (sock >= 0)
		close(sock);
	return -1;
}

/* Failed rounds a client reports on stderr, at most. */
#define SETUPS_REPORT_MAX 3
static int setups_reported;

static int
rvirt_round(const char *uri)
{
	struct rvirt_error err;
	struct rvirt_conn *c = rvirt_conn_open(uri, 0, &err);
	int rc = -1;

	if (c) {
		rc = rvirt_conn_ping(c, &err);
		rvirt_conn_close(c);
	}
	if (rc < 0 && setups_reported++ < SETUPS_REPORT_MAX)
		fprintf(stderr, "setups: %s %s: %s\n",
			c ? "ping on" : "cannot open", uri, err.message);
	return rc;
}

/* One client process: rounds for SECONDS, counts of ok and failed. */
static int
setups_client(void *arg, int fd)
{
	const struct perf_setups *a = arg;
	unsigned long r[2] = { 0, 0 };
	double end = perf_now() + a->seconds;

	while (perf_now() < end) {
		int rc = a->kind ? plain_round(a->kind, a->where)
				 : rvirt_round(a->where);

		r[rc < 0]++;
	}
	return write(fd, r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "plain")) {
		if (argc == 7)
			plain_calls = atoi(argv[6]);
		if (plain_calls < 1 || plain_calls > 100)
			return 2;
		return perf_setups_run(setups_client, argv[2], argv[3],
				       atoi(argv[4]), atof(argv[5]));
	}
	if (argc == 5 && !strcmp(argv[1], "rvirt"))
		return perf_setups_run(setups_client, NULL, argv[2],
				       atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: setups serve unix PATH | tcp\n"
			"       setups plain unix PATH | tcp PORT CLIENTS "
			"SECONDS [CALLS]\n"
			"       setups rvirt URI CLIENTS SECONDS\n");
	return 2;
}
