/* SPDX-License-Identifier: MIT */
/* ssh: the ssh transport, an ssh process running a bridge on the host. */
#ifndef RVIRT_CLIENT_SSH_H
#define RVIRT_CLIENT_SSH_H

#include "rvirt_defs.h"

struct cmdstream_argv;
struct stream;
struct uri;

/* The native bridge, found in the remote PATH (bridge/ssh_helper.c). */
#define SSH_HELPER_NAME "rvirt-ssh-helper"
/* rvirtd's socket directory for /system (rvirtd's runtime_dir of root). */
#define SSH_SYSTEM_SOCK_DIR "/run/rvirt"

/*
 * The command line run on the remote host for uri (proxy=, socket=,
 * netcat=, the path, read-only when flags has RVIRT_CONNECT_RO), as
 * one string for the remote login shell: native is
 * "rvirt-ssh-helper [--readonly] [--socket 'S'] 'PATH'"; netcat and
 * auto are an "sh -c '...'" script (see librvirt(3)).  Every word from
 * the uri is single-quoted.  malloc'd; NULL with *err.
 */
char *ssh_remote_command(const struct uri *uri, unsigned int flags,
			 struct rvirt_error *err);

/*
 * Append the local ssh command line for uri to *a: command= split into
 * words (default "ssh"), -p, -l, -T, -e none, -i keyfile,
 * -o UserKnownHostsFile=, -o BatchMode=yes (no_tty=1),
 * -o StrictHostKeyChecking=no (no_verify=1), -o ConnectTimeout= (from
 * timeout_ms, when positive), "--", the host (default "localhost") and
 * the remote command.  0, or -1 with *err.
 */
int ssh_build_argv(const struct uri *uri, unsigned int flags, int timeout_ms,
		   struct cmdstream_argv *a, struct rvirt_error *err);

/* Start ssh as ssh_build_argv says and return the stream over it. */
struct stream *ssh_connect(const struct uri *uri, unsigned int flags,
			   int timeout_ms, struct rvirt_error *err);

#endif
