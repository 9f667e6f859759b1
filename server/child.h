/* SPDX-License-Identifier: MIT */
/* child: a helper child of the master, started when due and again after. */
#ifndef RVIRT_SERVER_CHILD_H
#define RVIRT_SERVER_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One helper child of the master (the metrics exporter, the domain
 * watcher, the session collector): what it is called, how often it may
 * start and how it backs off, and the one running now.  The master
 * fills the first five fields, the rest start at zero and belong to
 * child_*.  Two policies, which may be combined:
 *   period_ms: a start no sooner than this after the last start
 *     (the watcher once a second, the collector every interval);
 *   early_ms: an end within this of the start doubles the wait before
 *     the next start, from backoff_min_ms up to backoff_max_ms; a later
 *     end resets it (the exporter).
 */
struct child {
	const char *name; /* in messages: "the domain watcher" */
	uint64_t period_ms;
	uint64_t early_ms; /* 0: never backs off */
	uint64_t backoff_min_ms;
	uint64_t backoff_max_ms;
	pid_t pid; /* the running child, 0 none */
	uint64_t start_ms;
	uint64_t next_ms; /* no start before */
	uint64_t backoff_ms;
};

/* Whether a start is due: none running and its wait is over. */
bool child_due(const struct child *c, uint64_t now_ms);

/*
 * Master: fork the child, which runs fn(arg, parent pid) and never
 * returns.  Returns 0, or -1 when it cannot fork (logged as "cannot
 * start <name>"; the next start waits as after a start).
 */
int child_start(struct child *c,
		void (*fn)(void *arg, pid_t parent) __attribute__((noreturn)),
		void *arg, uint64_t now_ms);

/*
 * Master, for every reaped pid: true when it was this child, which may
 * then start again when child_due says (after its back-off).
 */
bool child_reaped(struct child *c, pid_t pid, int status, uint64_t now_ms);

/*
 * A restart the master asks for (a reload): SIGTERM to the running
 * child; its end counts as no early death.
 */
void child_restart(struct child *c);

/*
 * Stop the child and wait for it: SIGTERM, then SIGKILL after grace_ms
 * (a negative grace_ms waits as long as it takes).
 */
void child_stop(struct child *c, int grace_ms);

#endif
