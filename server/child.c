/* SPDX-License-Identifier: MIT */
/* child: a helper child of the master, started when due and again after. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "child.h"

/* How often child_stop looks whether the child has gone. */
#define CHILD_STOP_POLL_MS 20

bool
child_due(const struct child *c, uint64_t now_ms)
{
	return c->pid == 0 && now_ms >= c->next_ms;
}

int
child_start(struct child *c,
	    void (*fn)(void *arg, pid_t parent) __attribute__((noreturn)),
	    void *arg, uint64_t now_ms)
{
	pid_t parent = getpid(), pid;

	/* A child that keeps failing to start is tried again as often. */
	if (c->period_ms)
		c->next_ms = now_ms + c->period_ms;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("cannot start %s: %s", c->name, strerror(errno));
		return -1;
	}
	if (pid == 0)
		fn(arg, parent);
	c->pid = pid;
	c->start_ms = now_ms;
	return 0;
}

bool
child_reaped(struct child *c, pid_t pid, int status, uint64_t now_ms)
{
	(void)status;
	if (pid <= 0 || pid != c->pid)
		return false;
	c->pid = 0;
	if (!c->early_ms)
		return true;
	if (now_ms - c->start_ms < c->early_ms) {
		c->backoff_ms =
			c->backoff_ms ? c->backoff_ms * 2 : c->backoff_min_ms;
		if (c->backoff_ms > c->backoff_max_ms)
			c->backoff_ms = c->backoff_max_ms;
	} else {
		c->backoff_ms = 0;
	}
	c->next_ms = now_ms + c->backoff_ms;
	return true;
}

void
child_restart(struct child *c)
{
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
	/* A restart asked for is no early death. */
	c->backoff_ms = 0;
	c->start_ms = 0;
	c->next_ms = 0;
}

void
child_stop(struct child *c, int grace_ms)
{
	int status;

	if (c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	for (int waited = 0; grace_ms >= 0 && waited < grace_ms;
	     waited += CHILD_STOP_POLL_MS) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			return;
		}
		usleep(CHILD_STOP_POLL_MS * 1000);
	}
	if (grace_ms >= 0)
		kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	c->pid = 0;
}
