/* SPDX-License-Identifier: MIT */
/* uri: parsing connection URIs driver[+transport]://[user@][host][:port]/path?... */
#ifndef RVIRT_CLIENT_URI_H
#define RVIRT_CLIENT_URI_H

#include "rvirt_defs.h"

enum uri_transport {
	URI_TRANSPORT_UNIX,
	URI_TRANSPORT_TCP,
	URI_TRANSPORT_TLS,
	URI_TRANSPORT_SSH,
	URI_TRANSPORT_EXT,
};

/*
 * A parsed URI.  Every string is %-decoded and malloc'd; NULL means
 * "not given".  Integer variables hold -1 when not given.
 */
struct uri {
	char *driver;		      /* "test" */
	enum uri_transport transport; /* explicit, or the default */
	int transport_explicit;	      /* 1 when written after '+' */
	char *user;		      /* before '@' */
	char *host;		      /* brackets of an IPv6 host removed */
	int port;		      /* 1..65535, 0 when not given */
	char *path;		      /* "/default", always starts with '/' */
	/* query variables */
	char *name;	       /* name sent in CONNECT_OPEN */
	char *socket;	       /* unix socket path */
	int no_verify;	       /* 0 or 1 */
	char *pkipath;	       /* TLS certificate directory */
	char *tls_priority;    /* GnuTLS priority string */
	char *command;	       /* ext transport: the command */
	char *netcat;	       /* ssh transport: the remote netcat */
	int no_tty;	       /* 0 or 1 */
	char *keyfile;	       /* ssh private key */
	char *known_hosts;     /* ssh known_hosts file */
	char *proxy;	       /* ssh: auto, netcat, native */
	char *auth;	       /* preferred auth methods */
	int reconnect_timeout; /* seconds, >= 0; -1: not given */
	char *mode;	       /* ssh: auto, legacy, direct */
	/* Seconds, 0 .. 3600, and 1 .. 1000; -1: not given. */
	int keepalive_interval;
	int keepalive_count;
	/*
	 * The unknown variables, in order, re-escaped as "n=v&n2=v2":
	 * the server gets them in the CONNECT_OPEN name.  NULL: none.
	 */
	char *extra;
};

/*
 * Parse s.  Unknown query variables are kept in extra (for the name
 * sent to the server) and reported through the warning handler.  Returns a new uri (free with uri_free), or NULL
 * with *err (RVIRT_ERR_URI, or RVIRT_ERR_NO_MEMORY).
 */
struct uri *uri_parse(const char *s, struct rvirt_error *err);

/* reconnect_timeout=forever */
#define URI_TIMEOUT_FOREVER (-2)

void uri_free(struct uri *uri);

/* "unix", "tcp", "tls", "ssh", "ext". */
const char *uri_transport_name(enum uri_transport t);

/*
 * The name to send in CONNECT_OPEN: the name variable as given, else
 * "driver://" followed by the path and, when there were unknown
 * variables, "?" and extra (libvirt's rule: what the client does not
 * know is the server's to judge).  malloc'd; NULL when out of memory.
 */
char *uri_open_name(const struct uri *uri);

/*
 * Where unknown-variable warnings go.  The default prints
 * "rvirt: warning: MSG" on stderr; fn NULL restores it.  Meant for
 * tests; not thread-safe.
 */
void uri_set_warn_handler(void (*fn)(const char *msg));

#endif
