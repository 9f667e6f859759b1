/* SPDX-License-Identifier: MIT */
/* rvsh_event: rvsh's event command, for rvsh_cmd.c's table. */
#ifndef RVIRT_CLIENT_RVSH_EVENT_H
#define RVIRT_CLIENT_RVSH_EVENT_H

#include "rvsh.h"

/* Run argv[0] if it is "event": an enum rvsh_status; -1 if not. */
int rvsh_event_run(struct rvsh *sh, int argc, char **argv);

/* "usage: ..." and the help line of name on stdout: 0, or -1 if unknown. */
int rvsh_event_help(const char *name);

/* The line of the command in the list "help" prints. */
void rvsh_event_help_all(void);

#endif
