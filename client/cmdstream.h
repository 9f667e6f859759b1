/* SPDX-License-Identifier: MIT */
/* cmdstream: a stream to a child process's stdin/stdout (ssh and ext). */
#ifndef RVIRT_CLIENT_CMDSTREAM_H
#define RVIRT_CLIENT_CMDSTREAM_H

#include <stddef.h>

#include "rvirt_defs.h"

struct stream;
struct uri;

/* A growing NULL-terminated argument vector; zero-initialise it. */
struct cmdstream_argv {
	char **argv; /* argv[argc] is NULL once one word was added */
	size_t argc;
	size_t cap;
};

/* Append a copy of word.  0, or -1 with *err (out of memory, limit). */
int cmdstream_argv_add(struct cmdstream_argv *a, const char *word,
		       struct rvirt_error *err);

/*
 * Append the words of cmd: split on runs of spaces and tabs, with no
 * quoting and no other expansion (the ext and ssh command= rule).
 * 0, or -1 with *err (RVIRT_ERR_URI when cmd has no word).
 */
int cmdstream_argv_split(struct cmdstream_argv *a, const char *cmd,
			 struct rvirt_error *err);

/* Free the words and the vector; a stays reusable (zeroed). */
void cmdstream_argv_release(struct cmdstream_argv *a);

/*
 * Run argv[0] (searched in PATH, no shell) with argv, its stdin and
 * stdout one end of a socketpair that becomes the stream, its stderr a
 * pipe that the stream drains and keeps the tail of.  Every fd is
 * close-on-exec.  When the child ends before or instead of speaking,
 * stream errors carry its last stderr lines, e.g. "cannot connect to
 * 'host': ssh: Permission denied (publickey)".  stream_free closes the
 * socket and reaps the child: it gets a short grace to exit by itself,
 * then SIGTERM, then SIGKILL, each wait bounded.  peer names the
 * stream in messages.  NULL with *err (RVIRT_ERR_SYSTEM when the
 * process cannot be started; a program that cannot be executed shows
 * up as a stream error with its reason).
 */
struct stream *cmdstream_new(char *const *argv, const char *peer,
			     struct rvirt_error *err);

/*
 * The ext transport: run the uri's command (split as
 * cmdstream_argv_split says) and speak over its stdin and stdout.
 */
struct stream *cmdstream_connect_ext(const struct uri *uri,
				     struct rvirt_error *err);

#endif
