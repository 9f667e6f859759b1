/* SPDX-License-Identifier: MIT */
/* libvirt-setups: connection setups per second against libvirtd. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "../perf.h"

/*
 * Usage: libvirt-setups URI CLIENTS SECONDS
 *	CLIENTS processes each open URI with libvirt's virConnectOpen,
 *	call virConnectGetVersion once and close (virConnectClose), again
 *	and again, for SECONDS: the setups of t/perf/setups (open, one
 *	call, close) made against libvirtd 9.0, the daemon the issue
 *	compares rvirtd with.  Prints the same two lines as setups.
 * Built only where libvirt-dev is installed (scripts/deps.sh perf).
 */

/* Failed rounds a client reports on stderr, at most. */
#define LV_REPORT_MAX 3
static int lv_reported;

/* libvirt prints every error on stderr by default: count them instead. */
static void
lv_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static int
lv_round(const char *uri)
{
	unsigned long version = 0;
	virConnectPtr c = virConnectOpen(uri);
	int rc = -1;

	if (c) {
		rc = virConnectGetVersion(c, &version);
		virConnectClose(c);
	}
	if (rc < 0 && lv_reported++ < LV_REPORT_MAX)
		fprintf(stderr, "libvirt-setups: %s %s: %s\n",
			c ? "GetVersion on" : "cannot open", uri,
			virGetLastErrorMessage());
	return rc;
}

/* One client process: rounds for SECONDS, counts of ok and failed. */
static int
lv_client(void *arg, int fd)
{
	const struct perf_setups *a = arg;
	unsigned long r[2] = { 0, 0 };
	double end = perf_now() + a->seconds;

	virSetErrorFunc(NULL, lv_quiet);
	while (perf_now() < end)
		r[lv_round(a->where) < 0]++;
	return write(fd, r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc != 4) {
		fprintf(stderr, "usage: libvirt-setups URI CLIENTS SECONDS\n");
		return 2;
	}
	return perf_setups_run(lv_client, NULL, argv[1], atoi(argv[2]),
			       atof(argv[3]));
}
