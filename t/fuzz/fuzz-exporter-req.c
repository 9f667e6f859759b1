/* SPDX-License-Identifier: MIT */
/* fuzz-exporter-req: libFuzzer target for what the metrics exporter reads of a request. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/exporter_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is up to five NUL-separated fields: the method, the URL,
 * the Accept header, the password file's text and the user name of a
 * basic-auth header.  A field the input does not reach is NULL (an
 * absent header).  The target calls what server/exporter_http.c calls
 * with libmicrohttpd's strings, without starting libmicrohttpd:
 * exporter_req_route, exporter_req_format and exporter_req_user_hash.
 * crypt_r on the hash is left out: its cost is the hash's (yescrypt's
 * rounds are in the file an administrator writes), not a parser's.
 */

#define FUZZ_FIELDS 5

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[FUZZ_FIELDS] = { NULL };
	enum exporter_route route;
	enum expofmt_mode mode;
	char hash[64], *in, *p, *end;
	unsigned int n = 0;

	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	end = in + size;
	for (p = in; n < FUZZ_FIELDS && p <= end; p += strlen(p) + 1)
		field[n++] = p;

	route = exporter_req_route(field[0], field[1]);
	fuzz_check(route == EXPORTER_ROUTE_METRICS ||
		   route == EXPORTER_ROUTE_NOT_FOUND ||
		   route == EXPORTER_ROUTE_BAD_METHOD);
	if (route == EXPORTER_ROUTE_METRICS)
		fuzz_check(strcmp(field[1], "/metrics") == 0);

	mode = exporter_req_format(field[2]);
	fuzz_check(mode == EXPOFMT_TEXT || mode == EXPOFMT_OPENMETRICS);
	if (mode == EXPOFMT_OPENMETRICS)
		fuzz_check(strcasestr(field[2], "openmetrics-text") != NULL);
	fuzz_check(strlen(expofmt_content_type(mode)) > 0);

	/* A found hash is whole, terminated and a part of the file. */
	if (exporter_req_user_hash(field[3], field[4], hash, sizeof(hash)) ==
	    0) {
		fuzz_check(strlen(hash) > 0 && strlen(hash) < sizeof(hash));
		fuzz_check(strstr(field[3], hash) != NULL);
	}
	free(in);
	return 0;
}
