/* SPDX-License-Identifier: MIT */
/* rvsh_token: rvsh's console-token command (enable, disable, show). */
#ifndef RVIRT_CLIENT_RVSH_TOKEN_H
#define RVIRT_CLIENT_RVSH_TOKEN_H

#include "rvsh.h"

/* Run "console-token OP [--expires SECONDS] DOMAIN"; an rvsh_status. */
int rvsh_token_cmd(struct rvsh *sh, int argc, char **argv);

#define RVSH_TOKEN_ARGS "enable|disable|show [--expires SECONDS] DOMAIN"
#define RVSH_TOKEN_HELP "manage the token of a domain's web console"

#endif
