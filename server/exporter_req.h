/* SPDX-License-Identifier: MIT */
/* exporter_req: what the metrics exporter reads of an HTTP request. */
#ifndef RVIRT_SERVER_EXPORTER_REQ_H
#define RVIRT_SERVER_EXPORTER_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "../scoreboard/expofmt.h"

/*
 * Pure functions of the request's strings, apart from libmicrohttpd so
 * that t/fuzz/fuzz-exporter-req.c can call them: the route, the format
 * the Accept header asks for and the password file's lookup.
 */

enum exporter_route {
	EXPORTER_ROUTE_METRICS = 0, /* GET or HEAD /metrics */
	EXPORTER_ROUTE_NOT_FOUND,   /* another path: 404 */
	EXPORTER_ROUTE_BAD_METHOD,  /* another method: 405 */
};

/* Where method and url (either may be NULL) lead. */
enum exporter_route exporter_req_route(const char *method, const char *url);

/*
 * The format an Accept header (NULL when absent) asks for: OpenMetrics
 * when it names application/openmetrics-text (version 1.0.0, 0.0.1 or
 * none) with a q above 0 and at least that of every text/plain or
 * wildcard range; the Prometheus text format otherwise, whatever else
 * the header says (a scraper that can read nothing else gets text, not
 * 406).
 */
enum expofmt_mode exporter_req_format(const char *accept);

/*
 * The hash of user in a password file's text ("user:hash" lines, as
 * crypt(3) makes the hash), copied into hash (size bytes).  Returns 0,
 * or -1 when the file has no such user or the hash does not fit.
 */
int exporter_req_user_hash(const char *users, const char *user, char *hash,
			   size_t size);

/* Whether pass is user's password in the password file's text users. */
bool exporter_req_user_ok(const char *users, const char *user,
			  const char *pass);

#endif
