/* SPDX-License-Identifier: MIT */
/* ptyrun: run a program on a pseudo-terminal and drive it from a script. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/*
 * ptyrun [-t SECONDS] [-o FILE] SCRIPT PROGRAM [ARGS...]
 *
 * Runs PROGRAM on a new pty and follows SCRIPT, one command a line:
 *   expect TEXT     wait until TEXT appears in the output after the
 *                   last match (at most SECONDS, default 30)
 *   send TEXT       type TEXT; \r \n \t \\ and \xHH are escapes
 *   touch FILE      create FILE (tell the test script where we are)
 *   waitfile FILE   wait until FILE exists (at most SECONDS)
 *   exit STATUS     wait for the program to exit (at most SECONDS) and
 *                   fail unless its status is STATUS
 *   cooked          fail unless the terminal is back in canonical mode
 *                   with echo (the program restored it)
 * All output goes to FILE (-o) too.  Exit 0 when the script ran through,
 * 1 with a message on stderr otherwise (the program is then killed).
 */

static int master = -1;
static pid_t child;
static char *out;
static size_t out_len, out_cap, matched;
static FILE *log_file;
static int timeout_s = 30;
static int child_status = -1;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "ptyrun: WHAT 'ARG' WHY" (arg may be empty), the output, and out. */
static void
fail(const char *what, const char *arg, const char *why)
{
	fprintf(stderr, "ptyrun: %s%s%s%s %s", what, arg[0] ? " '" : "", arg,
		arg[0] ? "'" : "", why);
	fprintf(stderr, "\nptyrun: output so far (%zu bytes):\n", out_len);
	fwrite(out, 1, out_len, stderr);
	fprintf(stderr, "\n");
	if (child > 0 && child_status < 0)
		kill(child, SIGKILL);
	exit(1);
}

/* Read what the pty has, waiting up to ms; 0, or -1 at its end. */
static int
pump(int ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(master, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	if (out_len + (size_t)n + 1 > out_cap) {
		out_cap = (out_len + (size_t)n + 1) * 2;
		out = realloc(out, out_cap);
		if (!out)
			exit(2);
	}
	memcpy(out + out_len, buf, (size_t)n);
	out_len += (size_t)n;
	out[out_len] = '\0';
	if (log_file) {
		fwrite(buf, 1, (size_t)n, log_file);
		fflush(log_file);
	}
	return 0;
}

static void
reap(int block)
{
	int st;

	if (child_status >= 0)
		return;
	if (waitpid(child, &st, block ? 0 : WNOHANG) == child)
		child_status =
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static size_t
unescape(const char *s, char *d)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			d[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r':
			d[n++] = '\r';
			break;
		case 'n':
			d[n++] = '\n';
			break;
		case 't':
			d[n++] = '\t';
			break;
		case 'x': {
			char h[3] = { s[1], s[1] ? s[2] : 0, 0 };

			d[n++] = (char)strtol(h, NULL, 16);
			s += 2;
			break;
		}
		default:
			d[n++] = *s;
		}
		s++;
	}
	return n;
}

static void
do_expect(const char *text)
{
	double deadline = now_s() + timeout_s;
	char *hit;

	for (;;) {
		if (out && (hit = memmem(out + matched, out_len - matched, text,
					 strlen(text)))) {
			matched = (size_t)(hit - out) + strlen(text);
			return;
		}
		if (now_s() >= deadline)
			fail("text", text, "did not appear in time");
		if (pump(100) < 0) {
			reap(0);
			if (child_status >= 0 || now_s() >= deadline)
				fail("the program ended before", text,
				     "appeared");
			usleep(10000);
		}
	}
}

int
main(int argc, char **argv)
{
	char line[4096], buf[4096];
	FILE *script;
	int opt;

	while ((opt = getopt(argc, argv, "+t:o:")) != -1) {
		if (opt == 't')
			timeout_s = atoi(optarg);
		else if (opt == 'o')
			log_file = fopen(optarg, "w");
		else
			return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: ptyrun [-t S] [-o FILE] SCRIPT PROGRAM "
				"[ARGS...]\n");
		return 2;
	}
	script = fopen(argv[optind], "r");
	if (!script) {
		perror(argv[optind]);
		return 2;
	}
	child = forkpty(&master, NULL, NULL,
			&(struct winsize){ .ws_row = 24, .ws_col = 80 });
	if (child < 0) {
		perror("forkpty");
		return 2;
	}
	if (child == 0) {
		execvp(argv[optind + 1], argv + optind + 1);
		perror(argv[optind + 1]);
		_exit(127);
	}
	while (fgets(line, sizeof(line), script)) {
		char *arg;
		size_t n;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		arg = strchr(line, ' ');
		arg = arg ? arg + 1 : line + strlen(line);
		if (strncmp(line, "expect ", 7) == 0) {
			do_expect(arg);
		} else if (strncmp(line, "send ", 5) == 0) {
			n = unescape(arg, buf);
			if (write(master, buf, n) != (ssize_t)n)
				fail("cannot type", arg, "");
		} else if (strncmp(line, "touch ", 6) == 0) {
			close(open(arg, O_WRONLY | O_CREAT, 0644));
		} else if (strncmp(line, "waitfile ", 9) == 0) {
			double deadline = now_s() + timeout_s;

			while (access(arg, F_OK) < 0) {
				if (now_s() >= deadline)
					fail("file", arg,
					     "did not appear in time");
				pump(50);
			}
		} else if (strncmp(line, "exit ", 5) == 0) {
			double deadline = now_s() + timeout_s;

			for (;;) {
				reap(0);
				if (child_status >= 0)
					break;
				if (now_s() >= deadline)
					fail("the program", "",
					     "did not exit in time");
				if (pump(50) < 0)
					usleep(10000);
			}
			while (pump(0) == 0 && out_len && pump(10) == 0)
				;
			if (child_status != atoi(arg)) {
				snprintf(buf, sizeof(buf), "%d", child_status);
				fail("the program exited with", buf, "");
			}
		} else if (strcmp(line, "cooked") == 0) {
			struct termios t;

			if (tcgetattr(master, &t) < 0)
				fail("cannot read the terminal's mode", "", "");
			if (!(t.c_lflag & ICANON) || !(t.c_lflag & ECHO))
				fail("the terminal was left in raw mode", "",
				     "");
		} else {
			fail("unknown script line", line, "");
		}
	}
	if (child_status < 0) {
		kill(child, SIGKILL);
		reap(1);
	}
	return 0;
}
