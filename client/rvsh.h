/* SPDX-License-Identifier: MIT */
/* rvsh: the shell's state and its command table, shared by rvsh*.c. */
#ifndef RVIRT_CLIENT_RVSH_H
#define RVIRT_CLIENT_RVSH_H

#include <stddef.h>

#include "rvirt.h"

/* Exit statuses, also what a command returns. */
enum rvsh_status {
	RVSH_OK = 0,
	RVSH_ERROR = 1, /* the command failed; message printed */
	RVSH_USAGE = 2, /* wrong arguments; usage line printed */
};

/* What a command's first argument is, for completion. */
enum rvsh_arg {
	RVSH_ARG_NONE,
	RVSH_ARG_DOMAIN,
	RVSH_ARG_FILE,
	RVSH_ARG_COMMAND,
};

struct rvsh {
	const char *uri;	 /* -c URI, NULL for the default */
	unsigned int flags;	 /* RVIRT_CONNECT_RO with -r */
	int quiet;		 /* -q: no informational messages */
	int script;		 /* --script: tab-separated, no headers */
	struct rvirt_conn *conn; /* opened when a command first needs it */
	char *uri_owned;	 /* uri when "connect URI" set it */
	int interactive;	 /* reconnect forever, Ctrl-C stops waiting */
};

/* "rvsh: MESSAGE" on stderr. */
void rvsh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open sh->conn unless it is open.  0, or -1 after printing the error
 * (unless silent, for completion).
 */
int rvsh_connect(struct rvsh *sh, int silent);

/* Print err's message as "rvsh: MESSAGE"; returns RVSH_ERROR. */
int rvsh_fail(const struct rvirt_error *err);

/*
 * Find a domain as virsh does: an id when arg is a number that names a
 * running domain, then a uuid, then a name.  0, or -1 after printing
 * the error.
 */
int rvsh_domain_find(struct rvsh *sh, const char *arg,
		     struct rvirt_domain *dom);

/* Run the command argv[0] with its arguments; an enum rvsh_status. */
int rvsh_cmd_run(struct rvsh *sh, int argc, char **argv);

/* The i-th command name, NULL past the end (for completion and help). */
const char *rvsh_cmd_name(size_t i);

/* What the first argument of command name is. */
enum rvsh_arg rvsh_cmd_arg(const char *name);

#endif
