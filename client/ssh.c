/* SPDX-License-Identifier: MIT */
/* ssh: the ssh transport, an ssh process running a bridge on the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdstream.h"
#include "err.h"
#include "ssh.h"
#include "stream.h"
#include "uri.h"

/* A growing string; every uri word is quoted at most 4 times longer. */
struct ssh_buf {
	char *s;
	size_t len;
	size_t cap;
	int failed;
};

static void
ssh_add(struct ssh_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *ns;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (!ns) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* s in single quotes for a POSIX shell: ' becomes '\''. */
static void
ssh_add_quoted(struct ssh_buf *b, const char *s)
{
	char one[2] = { 0, 0 };

	ssh_add(b, "'");
	for (; *s; s++) {
		if (*s == '\'') {
			ssh_add(b, "'\\''");
			continue;
		}
		one[0] = *s;
		ssh_add(b, one);
	}
	ssh_add(b, "'");
}

static void
ssh_add_native(struct ssh_buf *b, const struct uri *uri, unsigned int flags)
{
	ssh_add(b, SSH_HELPER_NAME);
	if (flags & RVIRT_CONNECT_RO)
		ssh_add(b, " --readonly");
	if (uri->socket) {
		ssh_add(b, " --socket ");
		ssh_add_quoted(b, uri->socket);
	}
	ssh_add(b, " ");
	ssh_add_quoted(b, uri->path);
}

/*
 * Sets $s to the socket path as the bridge would choose it (socket=,
 * the system socket, else rvirtd's runtime_dir rules of the remote
 * user), then runs netcat.  netcat-openbsd keeps the socket open after
 * EOF on its stdin unless given -N (so ssh would not end by itself at
 * close), and other netcats lack -N: use it when the help text lists it.
 */
static void
ssh_add_netcat(struct ssh_buf *b, const struct uri *uri, unsigned int flags)
{
	const char *name = flags & RVIRT_CONNECT_RO ? STREAM_SOCK_RO_NAME
						    : STREAM_SOCK_NAME;
	const char *nc = uri->netcat ? uri->netcat : "nc";

	if (uri->socket) {
		ssh_add(b, "s=");
		ssh_add_quoted(b, uri->socket);
	} else if (strcmp(uri->path, "/system") == 0) {
		ssh_add(b, "s=" SSH_SYSTEM_SOCK_DIR "/");
		ssh_add(b, name);
	} else {
		ssh_add(b,
			"if [ \"$(id -u)\" = 0 ]; then d=" SSH_SYSTEM_SOCK_DIR
			"; else case \"$XDG_RUNTIME_DIR\" in "
			"/*) d=\"$XDG_RUNTIME_DIR/rvirt\";; "
			"*) d=\"$HOME/.cache/rvirt/run\";; esac; fi; "
			"s=\"$d/");
		ssh_add(b, name);
		ssh_add(b, "\"");
	}
	ssh_add(b, "; if ");
	ssh_add_quoted(b, nc);
	ssh_add(b, " -h 2>&1 | grep -q -e '^[[:space:]]*-N[[:space:]]'; "
		   "then exec ");
	ssh_add_quoted(b, nc);
	ssh_add(b, " -N -U \"$s\"; else exec ");
	ssh_add_quoted(b, nc);
	ssh_add(b, " -U \"$s\"; fi");
}

char *
ssh_remote_command(const struct uri *uri, unsigned int flags,
		   struct rvirt_error *err)
{
	struct ssh_buf script = { 0 }, b = { 0 };
	const char *proxy = uri->proxy ? uri->proxy : "auto";

	if (strcmp(proxy, "native") == 0) {
		ssh_add_native(&b, uri, flags);
		goto out;
	}
	if (strcmp(proxy, "auto") == 0) {
		ssh_add(&script, "if command -v " SSH_HELPER_NAME
				 " >/dev/null 2>&1; then exec ");
		ssh_add_native(&script, uri, flags);
		ssh_add(&script, "; else ");
		ssh_add_netcat(&script, uri, flags);
		ssh_add(&script, "; fi");
	} else {
		ssh_add_netcat(&script, uri, flags);
	}
	/* Whatever the remote login shell is, the script runs in sh. */
	ssh_add(&b, "sh -c ");
	if (script.s)
		ssh_add_quoted(&b, script.s);
	b.failed |= script.failed;
out:
	free(script.s);
	if (b.failed || !b.s) {
		free(b.s);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		return NULL;
	}
	return b.s;
}

int
ssh_build_argv(const struct uri *uri, unsigned int flags, int timeout_ms,
	       struct cmdstream_argv *a, struct rvirt_error *err)
{
	char opt[RVIRT_URI_MAX + 64];
	char *remote = NULL;
	int rc = -1;

	if (uri->command) {
		if (cmdstream_argv_split(a, uri->command, err) < 0)
			goto out;
	} else if (cmdstream_argv_add(a, "ssh", err) < 0) {
		goto out;
	}
	if (uri->port) {
		snprintf(opt, sizeof(opt), "%d", uri->port);
		if (cmdstream_argv_add(a, "-p", err) < 0 ||
		    cmdstream_argv_add(a, opt, err) < 0)
			goto out;
	}
	if (uri->user && (cmdstream_argv_add(a, "-l", err) < 0 ||
			  cmdstream_argv_add(a, uri->user, err) < 0))
		goto out;
	/* No terminal, no escape character: the channel carries binary. */
	if (cmdstream_argv_add(a, "-T", err) < 0 ||
	    cmdstream_argv_add(a, "-e", err) < 0 ||
	    cmdstream_argv_add(a, "none", err) < 0)
		goto out;
	if (uri->keyfile && (cmdstream_argv_add(a, "-i", err) < 0 ||
			     cmdstream_argv_add(a, uri->keyfile, err) < 0))
		goto out;
	if (uri->known_hosts) {
		/* ssh splits option values on blanks unless quoted. */
		snprintf(opt, sizeof(opt),
			 strpbrk(uri->known_hosts, " \t")
				 ? "UserKnownHostsFile=\"%s\""
				 : "UserKnownHostsFile=%s",
			 uri->known_hosts);
		if (cmdstream_argv_add(a, "-o", err) < 0 ||
		    cmdstream_argv_add(a, opt, err) < 0)
			goto out;
	}
	if (uri->no_tty == 1 &&
	    (cmdstream_argv_add(a, "-o", err) < 0 ||
	     cmdstream_argv_add(a, "BatchMode=yes", err) < 0))
		goto out;
	if (uri->no_verify == 1 &&
	    (cmdstream_argv_add(a, "-o", err) < 0 ||
	     cmdstream_argv_add(a, "StrictHostKeyChecking=no", err) < 0))
		goto out;
	if (timeout_ms > 0) {
		snprintf(opt, sizeof(opt), "ConnectTimeout=%d",
			 (timeout_ms + 999) / 1000);
		if (cmdstream_argv_add(a, "-o", err) < 0 ||
		    cmdstream_argv_add(a, opt, err) < 0)
			goto out;
	}
	remote = ssh_remote_command(uri, flags, err);
	if (!remote)
		goto out;
	/* "--": a host can never be taken for an option. */
	if (cmdstream_argv_add(a, "--", err) < 0 ||
	    cmdstream_argv_add(a, uri->host ? uri->host : "localhost", err) <
		    0 ||
	    cmdstream_argv_add(a, remote, err) < 0)
		goto out;
	rc = 0;
out:
	free(remote);
	return rc;
}

struct stream *
ssh_connect(const struct uri *uri, unsigned int flags, int timeout_ms,
	    struct rvirt_error *err)
{
	struct cmdstream_argv a = { 0 };
	struct stream *st = NULL;
	char peer[300];
	const char *host = uri->host ? uri->host : "localhost";

	if (uri->port)
		snprintf(peer, sizeof(peer), "%s%s%s%s%s:%d",
			 uri->user ? uri->user : "", uri->user ? "@" : "",
			 strchr(host, ':') ? "[" : "", host,
			 strchr(host, ':') ? "]" : "", uri->port);
	else
		snprintf(peer, sizeof(peer), "%s%s%s",
			 uri->user ? uri->user : "", uri->user ? "@" : "",
			 host);
	if (ssh_build_argv(uri, flags, timeout_ms, &a, err) < 0)
		goto out;
	st = cmdstream_new(a.argv, peer, err);
out:
	cmdstream_argv_release(&a);
	return st;
}
