/* SPDX-License-Identifier: MIT */
/* status_cmd: `rvirtd status`, the scoreboard read from another process. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../scoreboard/scoreboard.h"
#include "../scoreboard/status.h"
#include "config.h"
#include "exporter.h"
#include "master.h"
#include "status_cmd.h"

static void
status_cmd_usage(FILE *f)
{
	fprintf(f, "usage: rvirtd status [-f FILE] [--runtime-dir DIR] "
		   "[--format=text|prometheus]\n");
}

/* runtime_dir as the daemon would compute it from its config. */
static int
status_cmd_runtime_dir(const char *file, char *out, size_t size,
		       struct rvirt_error *err)
{
	char path[CONFIG_PATH_MAX];
	struct config cfg;
	bool optional = !file;

	config_init_defaults(&cfg);
	if (file)
		snprintf(path, sizeof(path), "%s", file);
	else
		config_default_file(path, sizeof(path));
	if (!(optional && access(path, F_OK) < 0 && errno == ENOENT) &&
	    config_load(&cfg, path, err) < 0)
		return -1;
	snprintf(out, size, "%s", cfg.runtime_dir);
	return 0;
}

/*
 * The summed counters of the daemon's metrics file, NULL (and a
 * warning) when it cannot be read: the scoreboard is printed anyway.
 */
static struct metrics_snapshot *
status_cmd_metrics(const char *dir)
{
	char path[CONFIG_PATH_MAX + 32];
	struct metrics_snapshot *ms;
	struct rvirt_error err;
	struct metrics *mx;

	snprintf(path, sizeof(path), "%s/%s", dir, EXPORTER_METRICS_FILE);
	mx = metrics_attach(path, false, &err);
	if (!mx) {
		fprintf(stderr, "rvirtd: %s\n", err.message);
		return NULL;
	}
	ms = malloc(sizeof(*ms));
	if (ms)
		metrics_snapshot(mx, ms);
	metrics_detach(mx);
	return ms;
}

int
status_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *rundir = NULL, *format = "text";
	char dir[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX + 32];
	struct metrics_snapshot *ms;
	struct sb_snapshot snap;
	struct rvirt_error err;
	struct sb *sb = NULL;
	int c, rc = 1;

	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'r':
			rundir = optarg;
			break;
		case 'o':
			format = optarg;
			break;
		case 'h':
			status_cmd_usage(stdout);
			return 0;
		default:
			status_cmd_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (strcmp(format, "text") != 0 &&
			       strcmp(format, "prometheus") != 0)) {
		status_cmd_usage(stderr);
		return 2;
	}
	if (rundir)
		snprintf(dir, sizeof(dir), "%s", rundir);
	else if (status_cmd_runtime_dir(file, dir, sizeof(dir), &err) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", dir, MASTER_SCOREBOARD);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		fprintf(stderr,
			"rvirtd: no daemon is running: no scoreboard '%s'\n",
			path);
		return 1;
	}
	sb = sb_attach(path, false, &err);
	if (!sb)
		goto fail;
	if (sb_snapshot(sb, &snap, &err) < 0)
		goto fail;
	if (!snap.master_alive || snap.master_pid <= 0) {
		fprintf(stderr,
			"rvirtd: no daemon is running: master %ld of '%s' is "
			"gone\n",
			(long)snap.master_pid, path);
		sb_snapshot_release(&snap);
		goto out;
	}
	ms = status_cmd_metrics(dir);
	if (strcmp(format, "prometheus") == 0)
		c = status_print_prometheus(&snap, ms, stdout, &err);
	else
		c = status_print_text(&snap, ms, stdout, &err);
	sb_snapshot_release(&snap);
	free(ms);
	if (c < 0 || fflush(stdout) != 0) {
		if (!err.message[0])
			err_set_errno(&err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				      errno, "cannot write the status");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "rvirtd: %s\n", err.message);
out:
	sb_detach(sb);
	return rc;
}
