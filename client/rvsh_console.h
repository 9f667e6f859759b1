/* SPDX-License-Identifier: MIT */
/* rvsh_console: the console command of rvsh (raw terminal, ^] escape). */
#ifndef RVIRT_CLIENT_RVSH_CONSOLE_H
#define RVIRT_CLIENT_RVSH_CONSOLE_H

#include <stddef.h>

#include "rvsh.h"

/*
 * The same hooks as rvsh_vcpu.h: run argv when it is one of these
 * commands (an enum rvsh_status), else -1; the i-th name (NULL past
 * the end); the first argument's kind; help for one (0) or all.
 */
int rvsh_console_run(struct rvsh *sh, int argc, char **argv);
const char *rvsh_console_name(size_t i);
enum rvsh_arg rvsh_console_arg(const char *name);
int rvsh_console_help(const char *name);
void rvsh_console_help_all(void);

#endif
