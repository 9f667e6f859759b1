/* SPDX-License-Identifier: MIT */
/* config: rvirtd.conf, parsed with libconfig, checked key by key. */
#ifndef RVIRT_SERVER_CONFIG_H
#define RVIRT_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"

#define CONFIG_PATH_MAX 4096

/* How a socket authenticates its clients. */
enum config_auth {
	CONFIG_AUTH_NONE, /* peer credentials (unix) or nothing (tcp) */
	CONFIG_AUTH_SASL, /* Cyrus SASL (issue: authentication) */
};

/* How the store makes commits durable (store_sync). */
enum config_sync {
	CONFIG_SYNC_FULL,    /* every commit synced to disk */
	CONFIG_SYNC_RELAXED, /* the master syncs every store_sync_interval */
};

/*
 * Every key of rvirtd.conf(5).  Defaults come from config_init_defaults; the
 * directory defaults depend on whether rvirtd runs as root.
 */
struct config {
	char path[CONFIG_PATH_MAX]; /* file read, "" when none */

	/* Listening. */
	bool listen_tcp;		     /* default false */
	char listen_addr[256];		     /* default "127.0.0.1" */
	unsigned int tcp_port;		     /* default 16609 */
	char unix_sock_dir[CONFIG_PATH_MAX]; /* default runtime_dir */
	mode_t unix_sock_ro_perms;	     /* default 0777 */
	mode_t unix_sock_rw_perms;	     /* default 0700 */
	char unix_sock_group[64]; /* default "" (the daemon's group) */

	/* Authentication per socket. */
	enum config_auth auth_unix_rw; /* default none */
	enum config_auth auth_unix_ro; /* default none */
	enum config_auth auth_tcp;     /* default sasl; none only if set */
	bool auth_tcp_explicit;	       /* auth_tcp was written in the file */

	/* Limits and deadlines. */
	unsigned int max_clients;     /* default 5000 */
	unsigned int idle_timeout;    /* seconds, 0 = never; default 0 */
	unsigned int message_timeout; /* seconds to finish a record; 30 */

	/* The worker pool (server/master.c). */
	unsigned int max_workers;	     /* default 16 */
	unsigned int min_spare_workers;	     /* idle workers wanted; 2 */
	unsigned int max_spare_workers;	     /* idle workers kept; 4 */
	unsigned int start_workers;	     /* forked at start; 2 */
	unsigned int max_clients_per_worker; /* default 64 */
	unsigned int max_calls_per_worker;   /* 0 = never recycle; 0 */
	unsigned int worker_stop_timeout;    /* seconds; default 30 */

	/* Directories and store. */
	char state_dir[CONFIG_PATH_MAX];   /* root: /var/lib/rvirt */
	char runtime_dir[CONFIG_PATH_MAX]; /* root: /run/rvirt */
	size_t store_max_size;		   /* bytes; default 1 GiB */
	enum config_sync store_sync;	   /* default full */
	unsigned int store_sync_interval;  /* seconds (relaxed); default 1 */

	/* Sessions (doc/sessions.md). */
	unsigned int session_ttl;	  /* idle seconds; default 86400 */
	unsigned int session_max_replies; /* recorded per session; 64 */
	unsigned int reply_ttl;		  /* seconds; default 3600 */
	unsigned int store_gc_interval;	  /* seconds; default 60 */

	/* Logging. */
	int log_level;		/* 1 debug .. 4 error; default 3 */
	char log_outputs[1024]; /* default "3:stderr" */
};

/*
 * Fill *cfg with defaults (directory defaults by getuid() and the XDG
 * variables).  Not called config_init: libconfig exports that name, and
 * both end up in one binary.
 */
void config_init_defaults(struct config *cfg);

/*
 * Write the default config file path to buf: /etc/rvirt/rvirtd.conf as
 * root, else $XDG_CONFIG_HOME/rvirt/rvirtd.conf (default
 * $HOME/.config/rvirt/rvirtd.conf).  Truncated to size.
 */
void config_default_file(char *buf, size_t size);

/*
 * Read path over the defaults in *cfg.  Unknown keys, wrong types, bad
 * values and syntax errors fail with "file:line: message" in *err
 * (RVIRT_ERR_CONFIG); *cfg is then left as it was.  Returns 0 or -1.
 */
int config_load(struct config *cfg, const char *path, struct rvirt_error *err);

/* Print every key and its value, in rvirtd.conf syntax, to f (for -n -v). */
void config_dump(const struct config *cfg, FILE *f);

#endif
