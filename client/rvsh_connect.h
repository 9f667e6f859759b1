/* SPDX-License-Identifier: MIT */
/* rvsh_connect: rvsh's connect command, for rvsh_cmd.c's table. */
#ifndef RVIRT_CLIENT_RVSH_CONNECT_H
#define RVIRT_CLIENT_RVSH_CONNECT_H

#include "rvsh.h"

/* Run argv[0] if it is "connect": an enum rvsh_status; -1 if not. */
int rvsh_connect_run(struct rvsh *sh, int argc, char **argv);

/* "usage: ..." and the help line of name on stdout: 0, or -1 if unknown. */
int rvsh_connect_help(const char *name);

/* The line of the command in the list "help" prints. */
void rvsh_connect_help_all(void);

#endif
