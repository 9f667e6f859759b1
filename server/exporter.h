/* SPDX-License-Identifier: MIT */
/* exporter: the metrics file and the master's HTTP metrics child. */
#ifndef RVIRT_SERVER_EXPORTER_H
#define RVIRT_SERVER_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "../scoreboard/metrics.h"
#include "../scoreboard/scoreboard.h"
#include "child.h"
#include "config.h"

#define EXPORTER_METRICS_FILE "rvirtd.metrics"
/* The listening socket handed to the new master of a USR2 upgrade. */
#define EXPORTER_FD_ENV "RVIRT_METRICS_FD"

/* The master's side of the metrics: see doc/architecture.md. */
struct exporter {
	struct metrics *mx; /* the counters' file, mapped read-write */
	char path[CONFIG_PATH_MAX + 32];
	int listen_fd;	    /* -1 when metrics_listen is off */
	char name[320];	    /* "ADDR:PORT" with the real port */
	struct child child; /* the HTTP child (server/child.c) */
};

/*
 * Master, at its start: create the metrics file (under a ".new" name
 * when upgrading, published by exporter_publish), name the procedures
 * in it, and when cfg->metrics_listen is set open its listening socket,
 * or take the one an upgrading master passed in EXPORTER_FD_ENV.
 * Returns 0, or -1 with *err.
 */
int exporter_setup(struct exporter *ex, const struct config *cfg,
		   unsigned int nslots, bool upgrading,
		   struct rvirt_error *err);

/* The new master of an upgrade is ready: rename the file into place. */
void exporter_publish(struct exporter *ex, const struct config *cfg);

/*
 * Master, from a USR2 exec child: make the listening socket survive
 * the exec and say where it is (EXPORTER_FD_ENV).  fds at or below
 * keep_below are going to be overwritten: it is moved above them.
 */
void exporter_pass_on(const struct exporter *ex, int keep_below);

/*
 * In a new worker of slot idx: count its calls, connections (labelled
 * by how cfg's sockets authenticate) and commits into its block.  RVIRTD_METRICS_COUNTERS=off in the environment
 * leaves them uncounted: benchmarks compare the two (t/perf/metrics.sh).
 */
void exporter_worker_bind(struct exporter *ex, const struct config *cfg,
			  int idx);

/* Whether a start of the child is due (listening, none running). */
bool exporter_due(const struct exporter *ex, uint64_t now_ms);

/* The master forked the child (child_start of ex->child): count it. */
void exporter_started(struct exporter *ex);

/*
 * Master, for every reaped pid: true when it was the child (it is then
 * started again by the next exporter_due, after a back-off if it died
 * soon after its start).
 */
bool exporter_reaped(struct exporter *ex, pid_t pid, int status,
		     uint64_t now_ms);

/*
 * After a reload: ask the child to stop (SIGTERM); the next tick starts
 * it again with the new configuration, on the same socket.
 */
void exporter_reload(struct exporter *ex);

/* Stop the child and wait for it (SIGTERM, then SIGKILL). */
void exporter_stop(struct exporter *ex);

/*
 * Close and unmap; remove the file unless handed_over (it is then the
 * new master's).
 */
void exporter_release(struct exporter *ex, bool handed_over);

struct store;

/*
 * In the child: the domain gauges read from st (by driver and state,
 * vCPUs) and, when per_domain, one vCPU and one CPU-time series per
 * running domain, in the exposition format of mode.  Errors are
 * logged and leave the families out.
 */
void exporter_put_domains(struct store *st, bool per_domain,
			  enum expofmt_mode mode, FILE *fp);

/*
 * In the forked child: serve GET /metrics on ex->listen_fd until
 * SIGTERM (or the master's death), reading sb and ex->mx and, through
 * its own LMDB environment, the store.  Never returns.
 */
void exporter_child_main(struct exporter *ex, struct sb *sb,
			 const struct config *cfg) __attribute__((noreturn));

#endif
