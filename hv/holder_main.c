/* SPDX-License-Identifier: MIT */
/* holder_main: rvirt-console-holder, the process that holds a domain's console pty. */
#include <stdio.h>
#include <stdlib.h>

#include "console.h"

/*
 * rvirt-console-holder CDIR MASTER-FD READY-FD COPY-FD
 *
 * Started by rvirtd (hv/console.c) just before a process domain, in a
 * session of its own, and never by hand: it keeps the pty master of
 * the domain's console, logs the output into CDIR and hands the master
 * to writers, until the domain (the last slave) is gone.
 */

static int
holder_fd(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < -1 || v > 65535)
		return -2;
	return (int)v;
}

int
main(int argc, char **argv)
{
	int master, ready, copy;

	if (argc != 5 || (master = holder_fd(argv[2])) < 0 ||
	    (ready = holder_fd(argv[3])) < 0 ||
	    (copy = holder_fd(argv[4])) < -1) {
		fprintf(stderr, "usage: rvirt-console-holder CDIR MASTER-FD "
				"READY-FD COPY-FD (started by rvirtd)\n");
		return 2;
	}
	console_holder_run(argv[1], master, ready, copy);
}
