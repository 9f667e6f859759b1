/* SPDX-License-Identifier: MIT */
/* rvsh: the rvirt shell's main: options, one-shot and interactive modes. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "rvsh.h"

#define RVSH_VERSION "0.1.0"
#define RVSH_HISTORY_MAX 1000
#define RVSH_LINE_MAX 65536
#define RVSH_WORDS_MAX 64

/* The shell, for the completion callbacks, which take no context. */
static struct rvsh *rvsh_current;

void
rvsh_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rvsh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
rvsh_connect(struct rvsh *sh, int silent)
{
	struct rvirt_error err;

	if (sh->conn)
		return 0;
	sh->conn = rvirt_conn_open(sh->uri, sh->flags, &err);
	if (!sh->conn) {
		if (!silent)
			rvsh_error("%s", err.message);
		return -1;
	}
	return 0;
}

static void
rvsh_usage(FILE *f)
{
	fprintf(f, "usage: rvsh [-c URI] [-r] [-q] [--script] "
		   "[COMMAND [ARGS...]]\n"
		   "       rvsh help    (lists the commands)\n");
}

/*
 * Split line into words in place: blanks separate, '...' and "..."
 * quote, a backslash escapes the next character.  Returns the number of
 * words, or -1 (message printed) on an unterminated quote or too many
 * words.
 */
static int
rvsh_split(char *line, char **words, int max)
{
	char *in = line, *out = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			in++;
		if (*in == '\0' || *in == '#')
			return n;
		if (n == max) {
			rvsh_error("too many words on one line (at most %d)",
				   max);
			return -1;
		}
		words[n++] = out;
		while (*in) {
			if (quote) {
				if (*in == quote) {
					quote = 0;
					in++;
					continue;
				}
			} else if (*in == '\'' || *in == '"') {
				quote = *in++;
				continue;
			} else if (*in == ' ' || *in == '\t' || *in == '\n' ||
				   *in == '\r') {
				break;
			}
			if (*in == '\\' && quote != '\'' && in[1])
				in++;
			*out++ = *in++;
		}
		if (quote) {
			rvsh_error("unterminated quote %c", quote);
			return -1;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
}

/* Run one line; returns an rvsh_status, or -1 for quit/exit. */
static int
rvsh_run_line(struct rvsh *sh, char *line)
{
	char *words[RVSH_WORDS_MAX];
	int n = rvsh_split(line, words, RVSH_WORDS_MAX);

	if (n < 0)
		return RVSH_USAGE;
	if (n == 0)
		return RVSH_OK;
	if (!strcmp(words[0], "quit") || !strcmp(words[0], "exit"))
		return -1;
	return rvsh_cmd_run(sh, n, words);
}

static char *
rvsh_complete_command(const char *text, int state)
{
	static size_t i, len;
	const char *name;

	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while ((name = rvsh_cmd_name(i++)))
		if (!strncmp(name, text, len))
			return strdup(name);
	return NULL;
}

/* Domain names from the daemon, fetched once per completion. */
static char *
rvsh_complete_domain(const char *text, int state)
{
	static struct rvirt_domain *doms;
	static size_t ndoms, i, len;

	if (!state) {
		free(doms);
		doms = NULL;
		ndoms = 0;
		i = 0;
		len = strlen(text);
		if (rvsh_connect(rvsh_current, 1) < 0 ||
		    rvirt_domain_list_all(rvsh_current->conn, 0, &doms, &ndoms,
					  NULL) < 0)
			return NULL;
	}
	while (i < ndoms) {
		const char *name = doms[i++].name;

		if (!strncmp(name, text, len))
			return strdup(name);
	}
	return NULL;
}

static char **
rvsh_complete(const char *text, int start, int end)
{
	char first[64];
	size_t flen;

	(void)end;
	if (start == 0 || strspn(rl_line_buffer, " \t") == (size_t)start) {
		rl_attempted_completion_over = 1;
		return rl_completion_matches(text, rvsh_complete_command);
	}
	flen = strcspn(rl_line_buffer + strspn(rl_line_buffer, " \t"), " \t");
	if (flen >= sizeof(first))
		return NULL;
	memcpy(first, rl_line_buffer + strspn(rl_line_buffer, " \t"), flen);
	first[flen] = '\0';
	switch (rvsh_cmd_arg(first)) {
	case RVSH_ARG_DOMAIN:
		rl_attempted_completion_over = 1;
		return rl_completion_matches(text, rvsh_complete_domain);
	case RVSH_ARG_COMMAND:
		rl_attempted_completion_over = 1;
		return rl_completion_matches(text, rvsh_complete_command);
	case RVSH_ARG_FILE:
		return NULL; /* the library's file name completion */
	case RVSH_ARG_NONE:
		break;
	}
	rl_attempted_completion_over = 1;
	return NULL;
}

/* $XDG_STATE_HOME/rvirt/rvsh_history, or ~/.local/state/...; "" if none. */
static void
rvsh_history_path(char *buf, size_t size)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4000];

	buf[0] = '\0';
	if (state && state[0] == '/')
		snprintf(dir, sizeof(dir), "%s/rvirt", state);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/rvirt", home);
	else
		return;
	/* Create the last two levels at most; failure means no history. */
	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		char parent[4096];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			if (mkdir(parent, 0700) == 0 || errno == EEXIST)
				mkdir(dir, 0700);
		}
	}
	if ((size_t)snprintf(buf, size, "%.4000s/rvsh_history", dir) >= size)
		buf[0] = '\0';
}

/* Interactive: libedit with history and completion. */
static int
rvsh_interactive(struct rvsh *sh)
{
	char history[4096];
	char *line;
	int status = RVSH_OK;

	rvsh_current = sh;
	rl_readline_name = "rvsh";
	rl_attempted_completion_function = rvsh_complete;
	using_history();
	stifle_history(RVSH_HISTORY_MAX);
	rvsh_history_path(history, sizeof(history));
	if (history[0])
		read_history(history);
	if (!sh->quiet)
		printf("Welcome to rvsh, the rvirt shell.\n"
		       "Type 'help' for the commands, 'quit' to leave.\n\n");
	while ((line = readline("rvsh # "))) {
		int rc;

		if (line[strspn(line, " \t")])
			add_history(line);
		rc = rvsh_run_line(sh, line);
		free(line);
		if (rc < 0)
			break;
		status = rc;
	}
	if (!line)
		putchar('\n');
	if (history[0])
		write_history(history);
	return status == RVSH_USAGE ? RVSH_ERROR : RVSH_OK;
}

/*
 * Commands from a non-terminal stdin, one per line.  The status is 1 if
 * any command failed.
 */
static int
rvsh_batch(struct rvsh *sh)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = RVSH_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		int rc;

		if (len > RVSH_LINE_MAX) {
			rvsh_error("line longer than %d bytes", RVSH_LINE_MAX);
			status = RVSH_ERROR;
			continue;
		}
		rc = rvsh_run_line(sh, line);
		if (rc < 0)
			break;
		if (rc != RVSH_OK)
			status = RVSH_ERROR;
	}
	free(line);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "script", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rvsh sh = { 0 };
	int c, status;

	/* '+': options stop at the command, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+c:rqVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			sh.uri = optarg;
			break;
		case 'r':
			sh.flags |= RVIRT_CONNECT_RO;
			break;
		case 'q':
			sh.quiet = 1;
			break;
		case 's':
			sh.script = 1;
			break;
		case 'V':
			printf("rvsh %s\n", RVSH_VERSION);
			return RVSH_OK;
		case 'h':
			rvsh_usage(stdout);
			return RVSH_OK;
		default:
			rvsh_usage(stderr);
			return RVSH_USAGE;
		}
	}
	if (optind < argc)
		status = rvsh_cmd_run(&sh, argc - optind, argv + optind);
	else if (isatty(STDIN_FILENO))
		status = rvsh_interactive(&sh);
	else
		status = rvsh_batch(&sh);
	rvirt_conn_close(sh.conn);
	return status;
}
