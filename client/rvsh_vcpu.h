/* SPDX-License-Identifier: MIT */
/* rvsh_vcpu: rvsh's placement and pinning commands, for rvsh_cmd.c's table. */
#ifndef RVIRT_CLIENT_RVSH_VCPU_H
#define RVIRT_CLIENT_RVSH_VCPU_H

#include <stddef.h>

#include "rvsh.h"

/*
 * The commands vcpupin, vcpuinfo, emulatorpin, nodecpumap and
 * autostart live in rvsh_vcpu.c with a table of their own; rvsh_cmd.c
 * asks these functions about names its own table does not have.
 */

/* Run argv[0] if it is one of these commands: an enum rvsh_status; -1 if not. */
int rvsh_vcpu_run(struct rvsh *sh, int argc, char **argv);

/* The i-th command name, NULL past the end. */
const char *rvsh_vcpu_name(size_t i);

/* What the first argument of name is (RVSH_ARG_NONE when unknown). */
enum rvsh_arg rvsh_vcpu_arg(const char *name);

/* "usage: ..." and the help line of name on stdout: 0, or -1 if unknown. */
int rvsh_vcpu_help(const char *name);

/* The lines of these commands in the list "help" prints. */
void rvsh_vcpu_help_all(void);

#endif
