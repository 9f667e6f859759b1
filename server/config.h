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

/* A list of glob patterns (fnmatch) from a libconfig array of strings. */
#define CONFIG_GLOBS_MAX 64
struct config_globs {
	bool set;	/* the key was written: an empty list refuses all */
	unsigned int n; /* patterns in pat */
	char pat[CONFIG_GLOBS_MAX][256];
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
	enum config_auth auth_tls;     /* default none: the x509 cert only */

	/* TLS (server/tls.c). */
	bool listen_tls;		/* default false */
	unsigned int tls_port;		/* default 16610 */
	char key_file[CONFIG_PATH_MAX]; /* see config_init_defaults */
	char cert_file[CONFIG_PATH_MAX];
	char ca_file[CONFIG_PATH_MAX];
	char crl_file[CONFIG_PATH_MAX];		 /* default "" (none) */
	char tls_priority[256];			 /* default "@RVIRT,SYSTEM" */
	bool tls_no_verify_certificate;		 /* default false */
	struct config_globs tls_allowed_dn_list; /* default: not set */

	/* SASL (server/sasl.c). */
	char sasl_config_dir[CONFIG_PATH_MAX]; /* "" : Cyrus' default */
	char sasl_server_fqdn[256];	       /* "" : gethostname() */
	struct config_globs sasl_allowed_username_list; /* default: not set */
	unsigned int tcp_min_ssf;			/* default 56 */

	/* Unix socket access: "uid:N", "user:NAME", "group:NAME" globs. */
	struct config_globs unix_rw_allowed_list; /* default: not set */

	/* Abuse limits before authentication (server/auth.c). */
	unsigned int max_anonymous_clients; /* per worker; default 20 */
	unsigned int auth_timeout;	    /* seconds; default 30 */
	unsigned int auth_fail_delay; /* ms after repeated failures; 1000 */

	/* Limits and deadlines. */
	unsigned int max_clients;     /* default 5000 */
	unsigned int idle_timeout;    /* seconds, 0 = never; default 0 */
	unsigned int message_timeout; /* seconds to finish a record; 30 */
	/* Keepalive (server/keepalive.c): -1 or 0 = off; 5 and 5. */
	int keepalive_interval;	      /* seconds */
	unsigned int keepalive_count; /* silent intervals before a close */

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
	/* ms a new session may go unrecorded; 100, 0: at CONNECT_OPEN */
	unsigned int session_record_delay;
	unsigned int reply_ttl;		/* seconds; default 3600 */
	unsigned int store_gc_interval; /* seconds; default 60 */
	/* The metrics exporter (doc/metrics.md); "" = off (default). */
	char metrics_listen[256]; /* "ADDR:PORT" of GET /metrics */
	bool metrics_tls;	  /* HTTPS with key/cert/ca_file; default 0 */
	char metrics_auth_file[CONFIG_PATH_MAX]; /* basic auth users; "" */
	bool metrics_per_domain; /* series per running domain; default 1 */

	/* The event journal (doc/events.md); 0: no such bound. */
	unsigned int event_journal_max;	    /* events; default 100000 */
	unsigned int event_journal_max_age; /* seconds; default 604800 */

	/* Logging. */
	int log_level;		/* 1 debug .. 4 error; default 3 */
	char log_outputs[1024]; /* default "3:stderr" */
	char log_filters[1024]; /* default "": none */
	char audit_log[1100];	/* "off", "on" (default), "file:PATH" */
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
