/* SPDX-License-Identifier: MIT */
/* exporter_req: what the metrics exporter reads of an HTTP request. */
#define _GNU_SOURCE
#include <crypt.h>
#include <string.h>
#include <strings.h>

#include "exporter_req.h"

enum exporter_route
exporter_req_route(const char *method, const char *url)
{
	if (!method ||
	    (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		return EXPORTER_ROUTE_BAD_METHOD;
	if (!url || strcmp(url, "/metrics") != 0)
		return EXPORTER_ROUTE_NOT_FOUND;
	return EXPORTER_ROUTE_METRICS;
}

/* A span of the header: [s, e). */
struct exporter_span {
	const char *s;
	const char *e;
};

static bool
exporter_span_is(struct exporter_span t, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(t.e - t.s) == n && strncasecmp(t.s, word, n) == 0;
}

static struct exporter_span
exporter_span_trim(const char *s, const char *e)
{
	struct exporter_span t;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	t.s = s;
	t.e = e;
	return t;
}

/*
 * A qvalue (RFC 9110 12.4.2: "0", "0.5", "1.000") in thousandths;
 * -1 when it is not one.
 */
static int
exporter_qvalue(struct exporter_span v)
{
	const char *p = v.s;
	int q, digits = 0;

	if (p >= v.e || (*p != '0' && *p != '1'))
		return -1;
	q = (*p++ - '0') * 1000;
	if (p < v.e) {
		if (*p++ != '.')
			return -1;
		for (; p < v.e; p++) {
			if (*p < '0' || *p > '9' || ++digits > 3)
				return -1;
			q += (*p - '0') * (digits == 1	 ? 100
					   : digits == 2 ? 10
							 : 1);
		}
	}
	return q <= 1000 ? q : -1;
}

/* One media range: its type and its q and version parameters. */
struct exporter_range {
	struct exporter_span type;
	struct exporter_span version; /* empty when absent */
	int q;			      /* thousandths; -1 when invalid */
};

static void
exporter_range_parse(const char *s, const char *e, struct exporter_range *r)
{
	const char *semi = memchr(s, ';', (size_t)(e - s));
	const char *next, *eq;
	struct exporter_span name, val;

	r->type = exporter_span_trim(s, semi ? semi : e);
	r->version.s = r->version.e = e;
	r->q = 1000;
	for (s = semi; s && s < e; s = next) {
		s++;
		next = memchr(s, ';', (size_t)(e - s));
		eq = memchr(s, '=', (size_t)((next ? next : e) - s));
		if (!eq)
			continue;
		name = exporter_span_trim(s, eq);
		val = exporter_span_trim(eq + 1, next ? next : e);
		if (val.e - val.s >= 2 && *val.s == '"' && val.e[-1] == '"') {
			val.s++;
			val.e--;
		}
		if (exporter_span_is(name, "q"))
			r->q = exporter_qvalue(val);
		else if (exporter_span_is(name, "version"))
			r->version = val;
	}
}

enum expofmt_mode
exporter_req_format(const char *accept)
{
	struct exporter_range r;
	const char *s, *e, *end;
	int om = 0, text = 0;
	bool v;

	if (!accept)
		return EXPOFMT_TEXT;
	end = accept + strlen(accept);
	for (s = accept; s < end; s = e + 1) {
		e = memchr(s, ',', (size_t)(end - s));
		if (!e)
			e = end;
		exporter_range_parse(s, e, &r);
		if (r.q < 0)
			continue;
		v = r.version.s == r.version.e;
		if (exporter_span_is(r.type, "application/openmetrics-text")) {
			if (v || exporter_span_is(r.version, "1.0.0") ||
			    exporter_span_is(r.version, "0.0.1"))
				om = r.q > om ? r.q : om;
		} else if (exporter_span_is(r.type, "text/plain")) {
			if (v || exporter_span_is(r.version, "0.0.4"))
				text = r.q > text ? r.q : text;
		} else if (exporter_span_is(r.type, "*/*") ||
			   exporter_span_is(r.type, "text/*")) {
			text = r.q > text ? r.q : text;
		}
	}
	return om > 0 && om >= text ? EXPOFMT_OPENMETRICS : EXPOFMT_TEXT;
}

int
exporter_req_user_hash(const char *users, const char *user, char *hash,
		       size_t size)
{
	const char *line, *end, *colon;
	size_t ulen, hlen;

	if (!users || !user || !hash || size == 0)
		return -1;
	ulen = strlen(user);
	for (line = users; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		colon = memchr(line, ':', (size_t)(end - line));
		if (colon && (size_t)(colon - line) == ulen &&
		    memcmp(line, user, ulen) == 0) {
			hlen = (size_t)(end - colon - 1);
			if (hlen > 0 && colon[hlen] == '\r')
				hlen--;
			if (hlen == 0 || hlen >= size)
				return -1;
			memcpy(hash, colon + 1, hlen);
			hash[hlen] = '\0';
			return 0;
		}
		if (!*end)
			break;
	}
	return -1;
}

bool
exporter_req_user_ok(const char *users, const char *user, const char *pass)
{
	struct crypt_data cd;
	const char *got;
	char hash[256];
	bool ok;

	if (!pass ||
	    exporter_req_user_hash(users, user, hash, sizeof(hash)) < 0)
		return false;
	memset(&cd, 0, sizeof(cd));
	got = crypt_r(pass, hash, &cd);
	ok = got && got[0] != '*' && strcmp(got, hash) == 0;
	explicit_bzero(&cd, sizeof(cd));
	return ok;
}
