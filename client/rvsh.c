/* SPDX-License-Identifier: MIT */
/* rvsh: the rvirt shell; one command per run, or an interactive session. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline.h>

#include "rvsh.h"
#include "version.h"

#define RVSH_LINE_MAX 65536
#define RVSH_HISTORY_MAX 1000
#define RVSH_QUIT (-1)

static const char rvsh_usage_line[] =
	"usage: rvsh [-c URI] [-r] [-q] [--script] [COMMAND [ARGS...]]";

/* For the completion callbacks, which get no context pointer. */
static struct rvsh *rvsh_current;

void
rvsh_error(const char *fmt, ...)
{
	va_list ap;

	/* Keep stdout and stderr in order when both go to one place. */
	fflush(stdout);
	fputs("rvsh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * The library reconnects by itself; say so, since a pause of the shell
 * while the daemon restarts would otherwise look like a hang.  A lost
 * session is reported by the command that failed.
 */
static void
rvsh_conn_event(struct rvirt_conn *conn, int event,
		const struct rvirt_error *why, void *opaque)
{
	(void)conn;
	(void)opaque;
	if (event == RVIRT_CONN_EVENT_DISCONNECTED)
		rvsh_error(
			"connection to the daemon dropped (%s): reconnecting",
			why->message);
	else if (event == RVIRT_CONN_EVENT_RECONNECTED)
		rvsh_error("reconnected: the session goes on");
	else if (event == RVIRT_CONN_EVENT_WAITING)
		rvsh_error("rvirtd is not answering; still trying (Ctrl-C to "
			   "stop waiting)");
}

/* Whether the URI rvsh opens sets reconnect_timeout itself. */
static int
rvsh_uri_sets_reconnect(const struct rvsh *sh)
{
	const char *uri = sh->uri ? sh->uri : getenv("RVIRT_DEFAULT_URI");

	return uri && strstr(uri, "reconnect_timeout=") != NULL;
}

int
rvsh_connect(struct rvsh *sh, int silent)
{
	struct rvirt_error err;

	if (sh->conn)
		return 0;
	sh->conn = rvirt_conn_open(sh->uri, sh->flags, &err);
	if (sh->conn) {
		/*
		 * A person at the shell waits out an outage of any length,
		 * and Ctrl-C stops the wait (rvsh_on_sigint).
		 */
		if (sh->interactive && !rvsh_uri_sets_reconnect(sh))
			rvirt_conn_set_reconnect(sh->conn, 1,
						 RVIRT_RECONNECT_FOREVER, &err);
		if (!sh->quiet)
			rvirt_conn_set_event_callback(sh->conn, rvsh_conn_event,
						      NULL, &err);
		return 0;
	}
	if (!silent)
		rvsh_error("%s", err.message);
	return -1;
}

/*
 * Split line into words in place, as a shell would for simple cases:
 * blanks separate words, '...' is literal, "..." allows \" and \\, a
 * backslash outside quotes escapes the next character, and a word
 * starting with '#' begins a comment.  *argv is malloc'd.  Returns the
 * word count, or -1 after printing an error.
 */
static int
rvsh_split(char *line, char ***argvp)
{
	size_t cap = 8, argc = 0;
	char **argv = malloc(cap * sizeof(*argv));
	char *r = line, *w = line;

	if (!argv) {
		rvsh_error("out of memory");
		return -1;
	}
	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (argc + 1 >= cap) {
			char **n = realloc(argv, cap * 2 * sizeof(*argv));

			if (!n) {
				rvsh_error("out of memory");
				goto fail;
			}
			argv = n;
			cap *= 2;
		}
		argv[argc++] = w;
		for (; *r; r++) {
			if (quote == '\'') {
				if (*r == '\'')
					quote = 0;
				else
					*w++ = *r;
			} else if (quote == '"') {
				if (*r == '"')
					quote = 0;
				else if (*r == '\\' &&
					 (r[1] == '"' || r[1] == '\\'))
					*w++ = *++r;
				else
					*w++ = *r;
			} else if (*r == '\'' || *r == '"') {
				quote = *r;
			} else if (*r == '\\' && r[1] != '\0') {
				*w++ = *++r;
			} else if (*r == ' ' || *r == '\t' || *r == '\n' ||
				   *r == '\r') {
				break;
			} else {
				*w++ = *r;
			}
		}
		if (quote) {
			rvsh_error("unterminated quote %c", quote);
			goto fail;
		}
		/* w never passes r, so ending the word here is safe. */
		if (*r)
			r++;
		*w++ = '\0';
	}
	argv[argc] = NULL;
	*argvp = argv;
	return (int)argc;
fail:
	free(argv);
	return -1;
}

/* One line of a session: an enum rvsh_status, or RVSH_QUIT. */
static int
rvsh_run_line(struct rvsh *sh, char *line)
{
	char **argv = NULL;
	int argc, rc;

	argc = rvsh_split(line, &argv);
	if (argc < 0)
		return RVSH_USAGE;
	if (argc == 0)
		rc = RVSH_OK;
	else if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
		rc = RVSH_QUIT;
	else
		rc = rvsh_cmd_run(sh, argc, argv);
	free(argv);
	fflush(stdout);
	return rc;
}

/* Commands from a file or pipe, one per line. */
static int
rvsh_session_stdin(struct rvsh *sh)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int status = RVSH_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		int rc;

		lineno++;
		if (len > RVSH_LINE_MAX) {
			rvsh_error("line %lu is longer than %d bytes", lineno,
				   RVSH_LINE_MAX);
			status = RVSH_ERROR;
			continue;
		}
		rc = rvsh_run_line(sh, line);
		if (rc == RVSH_QUIT)
			break;
		if (rc != RVSH_OK)
			status = RVSH_ERROR;
	}
	if (ferror(stdin)) {
		rvsh_error("cannot read the standard input: %s",
			   strerror(errno));
		status = RVSH_ERROR;
	}
	free(line);
	return status;
}

/* The i-th word that may start a line: the commands, then exit and quit. */
static const char *
rvsh_first_word(size_t i)
{
	static const char *const extra[] = { "exit", "quit" };
	const char *name = rvsh_cmd_name(i);
	size_t n = 0;

	if (name)
		return name;
	while (rvsh_cmd_name(n))
		n++;
	return i - n < sizeof(extra) / sizeof(extra[0]) ? extra[i - n] : NULL;
}

static char *
rvsh_complete_command(const char *text, int state)
{
	static size_t i;
	size_t len = strlen(text);
	const char *w;

	if (state == 0)
		i = 0;
	while ((w = rvsh_first_word(i++)))
		if (strncmp(w, text, len) == 0)
			return strdup(w);
	return NULL;
}

static char *
rvsh_complete_domain(const char *text, int state)
{
	static struct rvirt_domain *doms;
	static size_t n, i;
	size_t len = strlen(text);

	if (state == 0) {
		free(doms);
		doms = NULL;
		n = i = 0;
		/* Errors would garble the line being edited: stay silent. */
		if (rvsh_connect(rvsh_current, 1) < 0 ||
		    rvirt_domain_list_all(rvsh_current->conn, 0, &doms, &n,
					  NULL) < 0) {
			doms = NULL;
			n = 0;
		}
	}
	while (i < n) {
		const char *name = doms[i++].name;

		if (strncmp(name, text, len) == 0)
			return strdup(name);
	}
	return NULL;
}

static char **
rvsh_complete(const char *text, int start, int end)
{
	char first[64];
	int words = 0, i = 0;

	(void)end;
	rl_attempted_completion_over = 1;
	first[0] = '\0';
	while (i < start) {
		int b;

		while (i < start &&
		       (rl_line_buffer[i] == ' ' || rl_line_buffer[i] == '\t'))
			i++;
		if (i >= start)
			break;
		b = i;
		while (i < start && rl_line_buffer[i] != ' ' &&
		       rl_line_buffer[i] != '\t')
			i++;
		if (words++ == 0)
			snprintf(first, sizeof(first), "%.*s", i - b,
				 rl_line_buffer + b);
	}
	if (words == 0)
		return rl_completion_matches(text, rvsh_complete_command);
	if (words > 1)
		return NULL;
	switch (rvsh_cmd_arg(first)) {
	case RVSH_ARG_DOMAIN:
		return rl_completion_matches(text, rvsh_complete_domain);
	case RVSH_ARG_COMMAND:
		return rl_completion_matches(text, rvsh_complete_command);
	case RVSH_ARG_FILE:
		return rl_completion_matches(text,
					     rl_filename_completion_function);
	case RVSH_ARG_NONE:
		break;
	}
	return NULL;
}

/*
 * $XDG_STATE_HOME/rvirt/rvsh_history, else ~/.rvsh_history; NULL when
 * there is no home.  malloc'd.
 */
static char *
rvsh_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *path;
	size_t len;

	if (state && state[0] == '/') {
		len = strlen(state) + sizeof("/rvirt/rvsh_history");
		path = malloc(len);
		if (!path)
			return NULL;
		snprintf(path, len, "%s/rvirt", state);
		/* A missing directory only costs the history. */
		mkdir(state, 0700);
		mkdir(path, 0700);
		snprintf(path, len, "%s/rvirt/rvsh_history", state);
		return path;
	}
	if (!home || home[0] != '/')
		return NULL;
	len = strlen(home) + sizeof("/.rvsh_history");
	path = malloc(len);
	if (path)
		snprintf(path, len, "%s/.rvsh_history", home);
	return path;
}

/* Ctrl-C in the interactive shell: stop the wait, never the shell. */
static volatile sig_atomic_t rvsh_interrupted;

static void
rvsh_on_sigint(int sig)
{
	(void)sig;
	rvsh_interrupted = 1;
	if (rvsh_current)
		rvirt_conn_interrupt(rvsh_current->conn);
}

/*
 * Write the history now: after every line, so that no way out of the
 * shell (quit, end of input, a signal, a closed terminal) loses it.
 */
static void
rvsh_history_save(const char *history)
{
	if (history && write_history(history) == 0)
		history_truncate_file(history, RVSH_HISTORY_MAX);
}

static int
rvsh_session_interactive(struct rvsh *sh)
{
	char *history = rvsh_history_path();
	struct sigaction sa, old;
	char *line;

	sh->interactive = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rvsh_on_sigint;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait in poll(2) ends at once. */
	sigaction(SIGINT, &sa, &old);
	rvsh_current = sh;
	rl_readline_name = "rvsh";
	rl_attempted_completion_function = rvsh_complete;
	using_history();
	stifle_history(RVSH_HISTORY_MAX);
	if (history)
		read_history(history);
	if (!sh->quiet)
		printf("Welcome to rvsh, the rvirt shell.\n"
		       "Type 'help' for the commands, 'quit' to leave.\n\n");
	for (;;) {
		int rc;

		rvsh_interrupted = 0;
		line = readline(sh->flags & RVIRT_CONNECT_RO ? "rvsh (ro) # "
							     : "rvsh # ");
		if (!line && rvsh_interrupted) {
			/* Ctrl-C at the prompt: a new prompt, as in sh. */
			putchar('\n');
			continue;
		}
		if (!line)
			break;
		if (line[strspn(line, " \t")] != '\0') {
			add_history(line);
			rvsh_history_save(history);
		}
		rc = rvsh_run_line(sh, line);
		free(line);
		if (rc == RVSH_QUIT)
			break;
	}
	if (!line)
		putchar('\n');
	rvsh_history_save(history);
	free(history);
	sigaction(SIGINT, &old, NULL);
	rvsh_current = NULL;
	/* Errors were shown as they happened; a person ended the session. */
	return RVSH_OK;
}

static int
rvsh_usage(void)
{
	fprintf(stderr, "%s\n", rvsh_usage_line);
	return RVSH_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "script", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rvsh sh = { 0 };
	int c, status;

	opterr = 0;
	/* '+': options end at the command, whose own options follow it. */
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
		case 'S':
			sh.script = 1;
			break;
		case 'V':
			printf("rvsh %s\n", version_string());
			return RVSH_OK;
		case 'h':
			printf("%s\n", rvsh_usage_line);
			printf("Commands: rvsh help.  Manual: rvsh(1).\n");
			return RVSH_OK;
		default:
			if (optopt == 'c')
				rvsh_error("option '-c' needs a URI");
			else if (optopt)
				rvsh_error("unknown option '-%c'", optopt);
			else
				rvsh_error("unknown option '%s'",
					   argv[optind - 1]);
			return rvsh_usage();
		}
	}

	if (optind < argc) {
		const char *cmd = argv[optind];

		size_t i = 0;
		const char *w;

		while ((w = rvsh_first_word(i)) && strcmp(w, cmd) != 0)
			i++;
		if (!w) {
			rvsh_error("unknown command '%s' (try 'rvsh help')",
				   cmd);
			return rvsh_usage();
		}
		if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0)
			status = RVSH_OK;
		else
			status =
				rvsh_cmd_run(&sh, argc - optind, argv + optind);
	} else if (isatty(STDIN_FILENO)) {
		status = rvsh_session_interactive(&sh);
	} else {
		status = rvsh_session_stdin(&sh);
	}

	rvirt_conn_close(sh.conn);
	free(sh.uri_owned);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rvsh_error("cannot write the output: %s", strerror(errno));
		status = RVSH_ERROR;
	}
	return status;
}
