/* SPDX-License-Identifier: MIT */
/* main: rvirtd's command line, start-up and shut-down. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/version.h"
#include "admit.h"
#include "auth.h"
#include "config.h"
#include "daemon.h"
#include "journal.h"
#include "listen.h"
#include "master.h"
#include "status_cmd.h"

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
			printf("rvirtd %s\n", version_string());
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

/*
 * The binary to exec on SIGUSR2: argv[0] made absolute now (the daemon
 * later moves to "/"), its last component not resolved, so that a
 * binary or symlink replaced on disk is the one run.
 */
static void
resolve_exe(const char *argv0, char *out, size_t size)
{
	char cwd[CONFIG_PATH_MAX], cand[CONFIG_PATH_MAX * 2];
	const char *path = getenv("PATH"), *p, *e;
	size_t len;

	out[0] = '\0';
	if (!argv0 || !argv0[0])
		return;
	if (argv0[0] == '/') {
		snprintf(out, size, "%s", argv0);
		return;
	}
	if (strchr(argv0, '/')) {
		if (getcwd(cwd, sizeof(cwd)) &&
		    (size_t)snprintf(out, size, "%s/%s", cwd, argv0) >= size)
			out[0] = '\0';
		return;
	}
	for (p = path; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, ':');
		len = e ? (size_t)(e - p) : strlen(p);
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, argv0);
		if (cand[0] == '/' && access(cand, X_OK) == 0) {
			if ((size_t)snprintf(out, size, "%s", cand) >= size)
				out[0] = '\0';
			return;
		}
	}
}

/* An unsigned environment variable, -1 when unset or not a number. */
static long
env_number(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	return errno || *end || n < 0 ? -1 : n;
}

/* What this process inherited: sockets (LISTEN_FDS) and upgrade fds. */
struct inherited {
	int listen_fds; /* 0: open our own */
	char names[256];
	bool has_names;
	int upgrade_fd; /* RVIRT_UPGRADE_READY_FD, -1 */
	int pidfile_fd; /* RVIRT_UPGRADE_PIDFILE_FD, -1 */
};

/* Read and unset the variables, so that no child sees them. */
static void
inherited_read(struct inherited *in)
{
	const char *names = getenv("LISTEN_FDNAMES");
	long pid = env_number("LISTEN_PID"), n = env_number("LISTEN_FDS");

	memset(in, 0, sizeof(*in));
	in->upgrade_fd = in->pidfile_fd = -1;
	if (pid == (long)getpid() && n > 0) {
		in->listen_fds = n > INT_MAX ? INT_MAX : (int)n;
		if (names) {
			snprintf(in->names, sizeof(in->names), "%s", names);
			in->has_names = true;
		}
		n = env_number("RVIRT_UPGRADE_READY_FD");
		in->upgrade_fd = n > 2 && n < INT_MAX ? (int)n : -1;
		n = env_number("RVIRT_UPGRADE_PIDFILE_FD");
		in->pidfile_fd = n > 2 && n < INT_MAX ? (int)n : -1;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("RVIRT_UPGRADE_READY_FD");
	unsetenv("RVIRT_UPGRADE_PIDFILE_FD");
}

/*
 * Create the directories rvirtd writes to: the store's 0700, the
 * sockets' and runtime files' 0755, so that the read-only socket is
 * reachable as unix_sock_ro_perms says (the read-write socket is kept
 * by its own mode).  A directory that exists keeps its mode; one that
 * shuts out the users the read-only socket admits is warned about.
 */
static int
make_dirs(const struct config *cfg, struct rvirt_error *err)
{
	struct stat st;

	if (daemon_mkdir_p(cfg->runtime_dir, 0755, err) < 0 ||
	    daemon_mkdir_p(cfg->state_dir, 0700, err) < 0 ||
	    daemon_mkdir_p(cfg->unix_sock_dir, 0755, err) < 0)
		return -1;
	if ((cfg->unix_sock_ro_perms & 0006) &&
	    stat(cfg->unix_sock_dir, &st) == 0 && (st.st_mode & 0001) == 0)
		log_warn("the read-only socket is out of reach of other users: "
			 "'%s' is mode %04o (unix_sock_ro_perms is %04o)",
			 cfg->unix_sock_dir, (unsigned int)(st.st_mode & 07777),
			 cfg->unix_sock_ro_perms);
	return 0;
}

/*
 * -v: debug messages everywhere, the global level and that of every
 * output ("3:stderr" becomes "1:stderr"); otherwise the default outputs
 * would still drop them.
 */
static void
main_verbose(struct config *cfg)
{
	char *p = cfg->log_outputs;

	cfg->log_level = LOG_LEVEL_DEBUG;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p >= '1' && *p <= '4' && p[1] == ':')
			*p = '1';
		while (*p && *p != ' ')
			p++;
	}
}

int
main(int argc, char **argv)
{
	struct daemon_pidfile pidfile = { .fd = -1 };
	struct listen_set ls = { .n = 0 };
	struct master_params mp;
	struct inherited in;
	struct rvirt_error err;
	struct options opt;
	struct config cfg;
	char used[CONFIG_PATH_MAX], reload_path[CONFIG_PATH_MAX];
	char exe[CONFIG_PATH_MAX];
	int notify_fd = -1, rc, status = 1;
	sigset_t sigs;
	char tag[32];

	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return status_cmd_main(argc - 1, argv + 1);
	inherited_read(&in);
	resolve_exe(argv[0], exe, sizeof(exe));
	rc = parse_options(argc, argv, &opt);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	err_clear(&err);

	journal_register();
	if (load_config(&opt, &cfg, used, sizeof(used), &err) < 0 ||
	    auth_config_check(&cfg, &err) < 0 ||
	    log_set_filters(cfg.log_filters, false, &err) < 0 ||
	    log_audit_setup(cfg.audit_log, false, &err) < 0) {
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
		main_verbose(&cfg);
	/* Absolute: a daemon reloads it after moving to "/". */
	if (opt.config_file && !realpath(opt.config_file, reload_path))
		snprintf(reload_path, sizeof(reload_path), "%s",
			 opt.config_file);
	else if (!opt.config_file)
		config_default_file(reload_path, sizeof(reload_path));

	/* Block the master's signals now; it reads them from a signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (log_setup(cfg.log_level, cfg.log_outputs, &err) < 0 ||
	    log_set_filters(cfg.log_filters, true, &err) < 0 ||
	    log_audit_setup(cfg.audit_log, true, &err) < 0) {
		fprintf(stderr, "rvirtd: %s\n", err.message);
		return 1;
	}
	if (make_dirs(&cfg, &err) < 0)
		goto fail;
	/* A new master of an upgrade is in the background already. */
	if (!opt.foreground && in.upgrade_fd < 0 &&
	    daemon_detach(&notify_fd, &err) < 0)
		goto fail;
	snprintf(tag, sizeof(tag), "rvirtd[%ld]", (long)getpid());
	log_set_tag(tag);
	if (in.pidfile_fd >= 0) {
		if (daemon_pidfile_adopt(&pidfile, in.pidfile_fd,
					 cfg.runtime_dir, &err) < 0)
			goto fail;
	} else if (daemon_pidfile_open(&pidfile, cfg.runtime_dir, &err) < 0) {
		goto fail;
	}
	if (in.listen_fds) {
		if (listen_inherit(&ls, in.listen_fds,
				   in.has_names ? in.names : NULL, &err) < 0)
			goto fail;
	} else if (listen_open(&ls, &cfg, &err) < 0) {
		goto fail;
	}
	memset(&mp, 0, sizeof(mp));
	mp.cfg = &cfg;
	mp.config_path = reload_path;
	mp.config_optional = !opt.config_file;
	mp.ls = &ls;
	/* Sockets from systemd stay; an upgrade's were made by an rvirtd. */
	mp.own_sockets = !in.listen_fds || in.upgrade_fd >= 0;
	mp.pidfile = &pidfile;
	mp.notify_fd = notify_fd;
	mp.upgrade_fd = in.upgrade_fd;
	mp.exe = exe;
	mp.argv = argv;
	log_info("starting (config '%s')", used[0] ? used : "defaults");
	/* Workers inherit it: every connection is a file descriptor. */
	log_info("file descriptors: %llu per process",
		 (unsigned long long)admit_nofile_raise());
	rc = master_run(&mp, &err);
	if (rc < 0)
		goto fail;
	if (rc == 1 || !mp.own_sockets)
		listen_close_keep(&ls);
	status = 0;
	goto out;

fail:
	/* Once, though the log may be stderr too. */
	log_startup_error("rvirtd", err.message);
	if (in.listen_fds)
		listen_close_keep(&ls);
	/* A failed upgrade: the pidfile is the running master's. */
	if (in.upgrade_fd >= 0 && pidfile.fd >= 0) {
		close(pidfile.fd);
		pidfile.fd = -1;
	}
out:
	listen_close(&ls);
	daemon_pidfile_remove(&pidfile);
	log_info("stopped");
	log_shutdown();
	return status;
}
