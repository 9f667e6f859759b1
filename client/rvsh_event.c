/* SPDX-License-Identifier: MIT */
/* rvsh_event: "event [DOMAIN] [--event KIND] [--loop] [--timeout S] [--count N]". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvsh_event.h"

#define RVSH_EVENT_ARGS \
	"[DOMAIN] [--event KIND] [--loop] [--timeout S] [--count N]"
#define RVSH_EVENT_HELP "print lifecycle events as they happen"

struct rvsh_event_kind {
	const char *option; /* --event NAME */
	int kind;
	const char *label;	/* virsh's word for the kind */
	const char *details[3]; /* by detail 0, 1, 2 */
};

static const struct rvsh_event_kind rvsh_event_kinds[] = {
	{ "defined", RVIRT_EVENT_DEFINED, "Defined", { "Added", "Updated" } },
	{ "undefined", RVIRT_EVENT_UNDEFINED, "Undefined", { "Removed" } },
	{ "started", RVIRT_EVENT_STARTED, "Started", { "Booted" } },
	{ "suspended", RVIRT_EVENT_SUSPENDED, "Suspended", { "Paused" } },
	{ "resumed", RVIRT_EVENT_RESUMED, "Resumed", { "Unpaused" } },
	{ "stopped",
	  RVIRT_EVENT_STOPPED,
	  "Stopped",
	  { "Shutdown", "Destroyed", "Crashed" } },
	{ "reboot", RVIRT_EVENT_REBOOTED, "Rebooted", { "" } },
	{ "tunable", RVIRT_EVENT_TUNED, "Tuned", { "VcpuPin", "EmulatorPin" } },
};

#define RVSH_EVENT_NKINDS \
	(sizeof(rvsh_event_kinds) / sizeof(rvsh_event_kinds[0]))

/* What the callback shares with the command. */
struct rvsh_event_state {
	pthread_mutex_t lock;
	unsigned long seen;
	int wake[2]; /* the callback writes a byte per event */
};

static volatile sig_atomic_t rvsh_event_interrupted;

static void
rvsh_event_on_sigint(int sig)
{
	(void)sig;
	rvsh_event_interrupted = 1;
}

static const struct rvsh_event_kind *
rvsh_event_kind_of(int kind)
{
	for (size_t i = 0; i < RVSH_EVENT_NKINDS; i++)
		if (rvsh_event_kinds[i].kind == kind)
			return &rvsh_event_kinds[i];
	return NULL;
}

static const char *
rvsh_event_detail(const struct rvsh_event_kind *k, int detail)
{
	if (k->kind == RVIRT_EVENT_STARTED &&
	    detail == RVIRT_EVENT_STARTED_AUTOSTART)
		return "Autostarted";
	if (k->kind == RVIRT_EVENT_STOPPED &&
	    detail == RVIRT_EVENT_STOPPED_VANISHED)
		return "Vanished";
	if (detail >= 0 && detail < 3 && k->details[detail])
		return k->details[detail];
	return "Unknown";
}

static void
rvsh_event_cb(struct rvirt_conn *conn, const struct rvirt_domain_event *ev,
	      void *opaque)
{
	struct rvsh_event_state *s = opaque;
	const struct rvsh_event_kind *k = rvsh_event_kind_of(ev->kind);
	char status[64] = "";
	char one = 1;

	(void)conn;
	pthread_mutex_lock(&s->lock);
	if (ev->kind == RVIRT_EVENT_LOST) {
		printf("event 'lost': %llu events were trimmed from the "
		       "journal before they could be read\n",
		       (unsigned long long)ev->lost);
	} else if (!k) {
		printf("event 'unknown' (kind %d) for domain '%s'\n", ev->kind,
		       ev->dom.name);
	} else if (ev->kind == RVIRT_EVENT_REBOOTED) {
		printf("event 'reboot' for domain '%s'\n", ev->dom.name);
	} else {
		if (ev->status >= 0) {
			if (WIFSIGNALED(ev->status))
				snprintf(status, sizeof(status), " (signal %d)",
					 WTERMSIG(ev->status));
			else if (WIFEXITED(ev->status))
				snprintf(status, sizeof(status),
					 " (exit status %d)",
					 WEXITSTATUS(ev->status));
		}
		printf("event '%s' for domain '%s': %s %s%s\n",
		       ev->kind == RVIRT_EVENT_TUNED ? "tunable" : "lifecycle",
		       ev->dom.name, k->label, rvsh_event_detail(k, ev->detail),
		       status);
	}
	fflush(stdout);
	s->seen++;
	pthread_mutex_unlock(&s->lock);
	if (write(s->wake[1], &one, 1) < 0)
		(void)0;
}

static int
rvsh_event_usage(void)
{
	fprintf(stderr, "rvsh: usage: event %s\n", RVSH_EVENT_ARGS);
	return RVSH_USAGE;
}

static int
rvsh_event_number(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		rvsh_error("cannot use %s '%s': not a number from 1 to %ld",
			   opt, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Wait until count events were seen, the deadline (ms, -1 none) or ^C. */
static void
rvsh_event_wait(struct rvsh_event_state *s, unsigned long count, long timeout_s)
{
	struct timespec now, end;
	struct pollfd p = { .fd = s->wake[0], .events = POLLIN };
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	while (!rvsh_event_interrupted) {
		int ms = -1;
		unsigned long seen;

		pthread_mutex_lock(&s->lock);
		seen = s->seen;
		pthread_mutex_unlock(&s->lock);
		if (count && seen >= count)
			return;
		if (timeout_s > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long left = (end.tv_sec - now.tv_sec) * 1000LL +
					 (end.tv_nsec - now.tv_nsec) / 1000000;
			if (left <= 0)
				return;
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (poll(&p, 1, ms) > 0 &&
		    read(s->wake[0], buf, sizeof(buf)) < 0)
			return;
	}
}

static int
rvsh_event_cmd(struct rvsh *sh, int argc, char **argv)
{
	struct rvsh_event_state s = { .wake = { -1, -1 } };
	struct sigaction sa, old;
	struct rvirt_domain dom;
	struct rvirt_error err = { 0 };
	const char *domain = NULL;
	unsigned int kinds = 0;
	long timeout_s = 0, count = 0;
	int loop = 0, id, rc = RVSH_ERROR;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--loop") == 0) {
			loop = 1;
		} else if (strcmp(argv[i], "--event") == 0 && i + 1 < argc) {
			size_t k;

			i++;
			if (strcmp(argv[i], "lifecycle") == 0)
				continue;
			for (k = 0; k < RVSH_EVENT_NKINDS; k++)
				if (strcmp(argv[i],
					   rvsh_event_kinds[k].option) == 0)
					break;
			if (k == RVSH_EVENT_NKINDS) {
				rvsh_error(
					"cannot watch event '%s': not one of "
					"lifecycle, defined, undefined, "
					"started, suspended, resumed, "
					"stopped, reboot, tunable",
					argv[i]);
				return RVSH_USAGE;
			}
			kinds |= 1u << rvsh_event_kinds[k].kind;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (rvsh_event_number("--timeout", argv[++i], 31536000,
					      &timeout_s) < 0)
				return RVSH_USAGE;
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			if (rvsh_event_number("--count", argv[++i], LONG_MAX,
					      &count) < 0)
				return RVSH_USAGE;
		} else if (argv[i][0] == '-' || domain) {
			return rvsh_event_usage();
		} else {
			domain = argv[i];
		}
	}
	if (!loop && !count)
		count = 1;
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	if (domain) {
		/* A name, an id or a uuid, as everywhere: events carry names. */
		if (rvsh_domain_find(sh, domain, &dom) < 0)
			return RVSH_ERROR;
		domain = dom.name;
	}
	if (pipe(s.wake) < 0) {
		rvsh_error("cannot wait for events: %s", strerror(errno));
		return RVSH_ERROR;
	}
	fcntl(s.wake[0], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&s.lock, NULL);
	id = rvirt_conn_domain_event_register(sh->conn, domain, kinds,
					      rvsh_event_cb, &s, NULL, &err);
	if (id < 0) {
		rc = rvsh_fail(&err);
		goto out;
	}
	/* Ctrl-C ends the wait, not the shell. */
	rvsh_event_interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rvsh_event_on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	rvsh_event_wait(&s, (unsigned long)count, timeout_s);
	sigaction(SIGINT, &old, NULL);
	rvirt_conn_domain_event_deregister(sh->conn, id, &err);
	pthread_mutex_lock(&s.lock);
	if (!sh->quiet)
		printf("events received: %lu\n", s.seen);
	rc = count && s.seen < (unsigned long)count && !loop ? RVSH_ERROR
							     : RVSH_OK;
	pthread_mutex_unlock(&s.lock);
out:
	pthread_mutex_destroy(&s.lock);
	close(s.wake[0]);
	close(s.wake[1]);
	return rc;
}

int
rvsh_event_run(struct rvsh *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "event") != 0)
		return -1;
	return rvsh_event_cmd(sh, argc, argv);
}

int
rvsh_event_help(const char *name)
{
	if (strcmp(name, "event") != 0)
		return -1;
	printf("usage: event %s\n  %s\n", RVSH_EVENT_ARGS, RVSH_EVENT_HELP);
	return 0;
}

void
rvsh_event_help_all(void)
{
	printf("  %-32s%s\n", "event [DOMAIN] [--loop] ...", RVSH_EVENT_HELP);
}
