/* SPDX-License-Identifier: MIT */
/* rvsh_console: the console command of rvsh (raw terminal, ^] escape). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rvsh_console.h"
#include "rvsh_token.h"

/*
 * console DOMAIN [--force] [--safe]
 *
 * The terminal goes raw; what is typed goes to the domain's console,
 * what it prints comes back, until ^] (0x1d), the end of the input,
 * or the console's end.  Output is read by a thread of its own on a
 * second connection (calls on one connection run one at a time, and a
 * read waits for output), input is written on the shell's connection.
 * The terminal is restored on every way out, signals included.  When
 * rvirtd restarts, both connections reconnect and the console goes on
 * at the offset it had: a line says so.
 */

#define RVSH_CONSOLE_ESCAPE 0x1d      /* ^] */
#define RVSH_CONSOLE_WAIT_MS 500      /* one read's wait: how soon ^] ends */
#define RVSH_CONSOLE_FULL_RETRIES 500 /* 10 ms naps while the guest is busy */

static struct termios rvsh_console_saved;
static volatile sig_atomic_t rvsh_console_raw;

static void
rvsh_console_restore(void)
{
	if (rvsh_console_raw) {
		tcsetattr(0, TCSAFLUSH, &rvsh_console_saved);
		rvsh_console_raw = 0;
	}
}

static void
rvsh_console_signal(int sig)
{
	rvsh_console_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
rvsh_console_make_raw(void)
{
	struct termios t;
	static int hooked;

	if (!isatty(0))
		return 0;
	if (tcgetattr(0, &rvsh_console_saved) < 0)
		return -1;
	t = rvsh_console_saved;
	cfmakeraw(&t);
	if (!hooked) {
		atexit(rvsh_console_restore);
		hooked = 1;
	}
	signal(SIGTERM, rvsh_console_signal);
	signal(SIGHUP, rvsh_console_signal);
	signal(SIGINT, rvsh_console_signal);
	signal(SIGQUIT, rvsh_console_signal);
	/* TCSANOW: what was typed ahead is kept for the guest. */
	if (tcsetattr(0, TCSANOW, &t) < 0)
		return -1;
	rvsh_console_raw = 1;
	return 0;
}

static void
rvsh_console_say(const char *msg)
{
	/* Raw output: CR LF by hand. */
	dprintf(2, "\r\nrvsh: %s\r\n", msg);
}

/* Say it when the connection drops and comes back. */
static void
rvsh_console_event(struct rvirt_conn *conn, int event,
		   const struct rvirt_error *why, void *opaque)
{
	char msg[sizeof(why->message) + 64];

	(void)conn;
	(void)opaque;
	if (event == RVIRT_CONN_EVENT_DISCONNECTED) {
		snprintf(msg, sizeof(msg),
			 "connection to the daemon dropped (%s): reconnecting",
			 why->message);
		rvsh_console_say(msg);
	} else if (event == RVIRT_CONN_EVENT_RECONNECTED) {
		rvsh_console_say("reconnected: the console goes on");
	}
}

struct rvsh_console_run {
	struct rvirt_console *rcon; /* on the reader's connection */
	atomic_bool stop;
	int wake[2]; /* the reader tells the main loop it ended */
	int status;  /* the reader's verdict, an enum rvsh_status */
	char why[sizeof(((struct rvirt_error *)0)->message)];
};

static void *
rvsh_console_reader(void *arg)
{
	struct rvsh_console_run *r = arg;
	struct rvirt_error err;
	char buf[16384];
	uint64_t lost = 0;
	ssize_t n;

	while (!atomic_load(&r->stop)) {
		n = rvirt_console_read(r->rcon, buf, sizeof(buf),
				       RVSH_CONSOLE_WAIT_MS, &err);
		if (n < 0) {
			snprintf(r->why, sizeof(r->why), "%s", err.message);
			r->status = RVSH_ERROR;
			break;
		}
		if (rvirt_console_lost(r->rcon) != lost) {
			char msg[96];

			snprintf(msg, sizeof(msg),
				 "%llu bytes of output were lost",
				 (unsigned long long)(rvirt_console_lost(
							      r->rcon) -
						      lost));
			lost = rvirt_console_lost(r->rcon);
			rvsh_console_say(msg);
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
		if (n == 0 && rvirt_console_ended(r->rcon)) {
			snprintf(r->why, sizeof(r->why),
				 "the domain's console ended");
			break;
		}
	}
	atomic_store(&r->stop, true);
	if (write(r->wake[1], "x", 1) < 0) {
		/* The main loop also looks at stop between polls. */
	}
	return NULL;
}

/* Type len bytes, waiting (bounded) while the guest does not read. */
static int
rvsh_console_type(struct rvirt_console *con, const char *buf, size_t len,
		  struct rvirt_error *err)
{
	unsigned int naps = 0;
	ssize_t n;

	while (len > 0) {
		n = rvirt_console_write(con, buf, len, err);
		if (n < 0)
			return -1;
		if (n == 0) {
			if (++naps > RVSH_CONSOLE_FULL_RETRIES) {
				snprintf(err->message, sizeof(err->message),
					 "cannot type into the console: the "
					 "guest does not read");
				return -1;
			}
			nanosleep(&(struct timespec){ .tv_nsec = 10000000 },
				  NULL);
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The main loop: stdin to the console until ^], EOF or the reader ends. */
static int
rvsh_console_loop(struct rvsh_console_run *r, struct rvirt_console *con)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
			       { .fd = r->wake[0], .events = POLLIN } };
	struct rvirt_error err;
	char buf[4096];
	ssize_t n;
	int warned = 0;

	while (!atomic_load(&r->stop)) {
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents || !(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		char *esc = memchr(buf, RVSH_CONSOLE_ESCAPE, (size_t)n);
		size_t len = esc ? (size_t)(esc - buf) : (size_t)n;

		if (len > 0 && !rvirt_console_writable(con)) {
			if (!warned++)
				rvsh_console_say("read-only console: what is "
						 "typed is not sent");
		} else if (len > 0 &&
			   rvsh_console_type(con, buf, len, &err) < 0) {
			snprintf(r->why, sizeof(r->why), "%s", err.message);
			return RVSH_ERROR;
		}
		if (esc)
			break;
	}
	return RVSH_OK;
}

static int
rvsh_console_cmd(struct rvsh *sh, int argc, char **argv)
{
	struct rvsh_console_run r = { .wake = { -1, -1 } };
	struct rvirt_console *con = NULL;
	struct rvirt_conn *rconn = NULL;
	struct rvirt_domain dom;
	struct rvirt_error err;
	const char *name = NULL;
	unsigned int flags = 0;
	pthread_t reader;
	int rc = RVSH_ERROR, status;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			flags |= RVIRT_CONSOLE_FORCE;
		else if (strcmp(argv[i], "--safe") == 0)
			flags |= RVIRT_CONSOLE_SAFE;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			name = NULL, i = argc;
	}
	if (!name) {
		rvsh_error("usage: console DOMAIN [--force] [--safe]");
		return RVSH_USAGE;
	}
	if (rvsh_connect(sh, 0) < 0 || rvsh_domain_find(sh, name, &dom) < 0)
		return RVSH_ERROR;
	con = rvirt_console_open(sh->conn, &dom, flags, &err);
	if (!con)
		return rvsh_fail(&err);
	rconn = rvirt_conn_open(sh->uri, sh->flags, &err);
	if (!rconn)
		goto fail;
	rvirt_conn_set_event_callback(rconn, rvsh_console_event, NULL, &err);
	r.rcon = rvirt_console_attach(rconn, con, &err);
	if (!r.rcon)
		goto fail;
	if (pipe(r.wake) < 0) {
		rvsh_error("cannot open the console: %s", strerror(errno));
		goto out;
	}
	/* Raw before the banner: what is typed after it is the guest's. */
	fflush(stdout);
	if (rvsh_console_make_raw() < 0) {
		rvsh_error("cannot put the terminal in raw mode: %s",
			   strerror(errno));
		goto out;
	}
	if (!sh->quiet)
		dprintf(1,
			"Connected to domain '%s'\r\nEscape character is ^] "
			"(Ctrl + ])\r\n",
			dom.name);
	if (pthread_create(&reader, NULL, rvsh_console_reader, &r) != 0) {
		rvsh_console_restore();
		rvsh_error("cannot start reading the console");
		goto out;
	}
	status = rvsh_console_loop(&r, con);
	atomic_store(&r.stop, true);
	pthread_join(reader, NULL);
	rvsh_console_restore();
	printf("\n");
	fflush(stdout);
	if (status != RVSH_OK || r.status != RVSH_OK) {
		rvsh_error("%s", r.why);
		rc = RVSH_ERROR;
	} else {
		if (r.why[0] && !sh->quiet)
			fprintf(stderr, "rvsh: %s\n", r.why);
		rc = RVSH_OK;
	}
	goto out;
fail:
	rc = rvsh_fail(&err);
out:
	if (r.wake[0] >= 0)
		close(r.wake[0]);
	if (r.wake[1] >= 0)
		close(r.wake[1]);
	rvirt_console_free(r.rcon);
	/* Taken over: nothing to give back, and it would say so. */
	if (con && rvirt_console_close(con, &err) < 0 &&
	    err.code != RVIRT_ERR_CONSOLE_TAKEN && rc == RVSH_OK)
		rc = rvsh_fail(&err);
	rvirt_conn_close(rconn);
	return rc;
}

int
rvsh_console_run(struct rvsh *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "console-token") == 0)
		return rvsh_token_cmd(sh, argc, argv);
	if (strcmp(argv[0], "console") != 0)
		return -1;
	return rvsh_console_cmd(sh, argc, argv);
}

const char *
rvsh_console_name(size_t i)
{
	static const char *const names[] = { "console", "console-token" };

	return i < sizeof(names) / sizeof(names[0]) ? names[i] : NULL;
}

enum rvsh_arg
rvsh_console_arg(const char *name)
{
	return strcmp(name, "console") == 0 ? RVSH_ARG_DOMAIN : RVSH_ARG_NONE;
}

#define RVSH_CONSOLE_ARGS "DOMAIN [--force] [--safe]"
#define RVSH_CONSOLE_HELP "attach to the domain's serial console (^] leaves)"

int
rvsh_console_help(const char *name)
{
	if (strcmp(name, "console-token") == 0) {
		printf("usage: console-token %s\n  %s\n", RVSH_TOKEN_ARGS,
		       RVSH_TOKEN_HELP);
		return 0;
	}
	if (strcmp(name, "console") != 0)
		return -1;
	printf("usage: console %s\n  %s\n", RVSH_CONSOLE_ARGS,
	       RVSH_CONSOLE_HELP);
	return 0;
}

void
rvsh_console_help_all(void)
{
	printf("  %-32s%s\n", "console " RVSH_CONSOLE_ARGS, RVSH_CONSOLE_HELP);
	printf("  %-32s%s\n", "console-token " RVSH_TOKEN_ARGS,
	       RVSH_TOKEN_HELP);
}
