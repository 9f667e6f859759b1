/* SPDX-License-Identifier: MIT */
/* main: rvirtd's command line, start-up and shut-down. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../store/store.h"
#include "auth.h"
#include "config.h"
#include "daemon.h"
#include "listen.h"
#include "worker.h"

#define RVIRTD_VERSION "0.1.0"

struct options {
	const char *config_file; /* -f, NULL for the default path */
	bool check_only;	 /* -n */
	bool foreground;	 /* -F */
	bool verbose;		 /* -v */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: rvirtd [-f FILE] [-n] [-F|--foreground] [-v] "
		   "[-V|--version] [-h]\n");
}

/* Returns 0 to go on, 1 to exit 0 (help, version), -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(opt, 0, sizeof(*opt));
	while ((c = getopt_long(argc, argv, "f:nFvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt->config_file = optarg;
			break;
		case 'n':
			opt->check_only = true;
			break;
		case 'F':
			opt->foreground = true;
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'V':
			printf("rvirtd %s\n", RVIRTD_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rvirtd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/*
 * Load the configuration: -f FILE must exist; the default file may be
 * missing, which means "all defaults".  *used is the file read, or "".
 */
static int
load_config(const struct options *opt, struct config *cfg, char *used,
	    size_t usedlen, struct rvirt_error *err)
{
	char path[CONFIG_PATH_MAX];

	config_init_defaults(cfg);
	used[0] = '\0';
	if (opt->config_file) {
		snprintf(path, sizeof(path), "%s", opt->config_file);
	} else {
		config_default_file(path, sizeof(path));
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;
	}
	if (config_load(cfg, path, err) < 0)
		return -1;
	snprintf(used, usedlen, "%s", path);
	return 0;
}

static void
print_ready(const struct listen_set *ls)
{
	const struct listener *rw = listen_find(ls, LISTEN_UNIX_RW);
	const struct listener *ro = listen_find(ls, LISTEN_UNIX_RO);
	const struct listener *tcp = listen_find(ls, LISTEN_TCP);

	fprintf(stderr, "rvirtd[%ld]: ready unix=%s unix_ro=%s%s%s\n",
		(long)getpid(), rw ? rw->name : "-", ro ? ro->name : "-",
		tcp ? " tcp=" : "", tcp ? tcp->name : "");
	fflush(stderr);
}

/* Create the directories rvirtd writes to (0700 when created). */
static int
make_dirs(const struct config *cfg, struct rvirt_error *err)
{
	if (daemon_mkdir_p(cfg->runtime_dir, 0700, err) < 0 ||
	    daemon_mkdir_p(cfg->state_dir, 0700, err) < 0 ||
	    daemon_mkdir_p(cfg->unix_sock_dir, 0700, err) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon_pidfile pidfile = { .fd = -1 };
	struct listen_set ls = { .n = 0 };
	struct store *store = NULL;
	struct rvirt_error err;
	struct options opt;
	struct config cfg;
	char used[CONFIG_PATH_MAX];
	int notify_fd = -1, rc, status = 1;
	sigset_t sigs;
	char tag[32];

	rc = parse_options(argc, argv, &opt);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	err_clear(&err);

	if (load_config(&opt, &cfg, used, sizeof(used), &err) < 0 ||
	    auth_config_check(&cfg, &err) < 0) {
		fprintf(stderr, "rvirtd: %s\n", err.message);
		return 1;
	}
	if (opt.check_only) {
		if (used[0])
			printf("rvirtd: configuration '%s' is valid\n", used);
		else
			printf("rvirtd: no configuration file, the defaults "
			       "are valid\n");
		if (opt.verbose)
			config_dump(&cfg, stdout);
		return 0;
	}
	if (opt.verbose)
		cfg.log_level = LOG_LEVEL_DEBUG;

	/* Block the stop signals now; worker_run reads them later. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (log_setup(cfg.log_level, cfg.log_outputs, &err) < 0) {
		fprintf(stderr, "rvirtd: %s\n", err.message);
		return 1;
	}
	if (make_dirs(&cfg, &err) < 0)
		goto fail;
	if (!opt.foreground && daemon_detach(&notify_fd, &err) < 0)
		goto fail;
	snprintf(tag, sizeof(tag), "rvirtd[%ld]", (long)getpid());
	log_set_tag(tag);
	if (daemon_pidfile_open(&pidfile, cfg.runtime_dir, &err) < 0)
		goto fail;
	if (listen_open(&ls, &cfg, &err) < 0)
		goto fail;
	store = store_open(cfg.state_dir, cfg.store_max_size, 0, &err);
	if (!store)
		goto fail;
	print_ready(&ls);
	if (notify_fd >= 0) {
		daemon_ready(notify_fd);
		notify_fd = -1;
	}
	log_info("serving (config '%s')", used[0] ? used : "defaults");
	if (worker_run(&cfg, &ls, store, &err) < 0)
		goto fail;
	status = 0;
	goto out;

fail:
	fprintf(stderr, "rvirtd: %s\n", err.message);
	log_error("%s", err.message);
out:
	store_close(store);
	listen_close(&ls);
	daemon_pidfile_remove(&pidfile);
	log_info("stopped");
	log_shutdown();
	return status;
}
