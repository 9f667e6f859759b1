/* SPDX-License-Identifier: MIT */
/* pconf: rvirt-console-proxy.conf, parsed with libconfig. */
#ifndef RVIRT_PROXY_PCONF_H
#define RVIRT_PROXY_PCONF_H

#include "../common/rvirt_defs.h"

#define PCONF_PATH_MAX 4096

/* The proxy's settings (rvirt-console-proxy(8) lists them). */
struct pconf {
	char listen_addr[256];	       /* "127.0.0.1" */
	int listen_port;	       /* 16610; 0: the kernel picks */
	char uri[RVIRT_URI_MAX + 1];   /* rvirtd's URI, "" the default */
	char key_file[PCONF_PATH_MAX]; /* TLS: all three or none */
	char cert_file[PCONF_PATH_MAX];
	char ca_file[PCONF_PATH_MAX]; /* "" no client certificates asked */
	char www_dir[PCONF_PATH_MAX]; /* the web page's files */
	int max_sessions;	      /* websockets at once */
	char allowed_origins[1024];   /* "" same origin, "*" any, or a list */
	int token_recheck;	      /* s between checks of an open token */
	char sasl_username[256];      /* SASL towards rvirtd: "" none */
	char sasl_password_file[PCONF_PATH_MAX];
};

/* The defaults into *c. */
void pconf_defaults(struct pconf *c);

/*
 * Read path into *c (keys it does not name keep their value): 0, or -1
 * with *err ("FILE:LINE: message" for a bad file, an unknown key, a
 * wrong type or range).
 */
int pconf_read(struct pconf *c, const char *path, struct rvirt_error *err);

#endif
