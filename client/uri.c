/* SPDX-License-Identifier: MIT */
/* uri: parsing connection URIs driver[+transport]://[user@][host][:port]/path?... */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "uri.h"

static void
uri_warn_stderr(const char *msg)
{
	fprintf(stderr, "rvirt: warning: %s\n", msg);
}

static void (*uri_warn_fn)(const char *msg) = uri_warn_stderr;

void
uri_set_warn_handler(void (*fn)(const char *msg))
{
	uri_warn_fn = fn ? fn : uri_warn_stderr;
}

static const char *const transport_names[] = {
	[URI_TRANSPORT_UNIX] = "unix", [URI_TRANSPORT_TCP] = "tcp",
	[URI_TRANSPORT_TLS] = "tls",   [URI_TRANSPORT_SSH] = "ssh",
	[URI_TRANSPORT_EXT] = "ext",
};

const char *
uri_transport_name(enum uri_transport t)
{
	if ((size_t)t >= sizeof(transport_names) / sizeof(transport_names[0]))
		return "unknown";
	return transport_names[t];
}

void
uri_free(struct uri *uri)
{
	if (!uri)
		return;
	free(uri->driver);
	free(uri->user);
	free(uri->host);
	free(uri->path);
	free(uri->name);
	free(uri->socket);
	free(uri->pkipath);
	free(uri->tls_priority);
	free(uri->command);
	free(uri->netcat);
	free(uri->keyfile);
	free(uri->known_hosts);
	free(uri->proxy);
	free(uri->auth);
	free(uri->mode);
	free(uri->extra);
	free(uri);
}

char *
uri_open_name(const struct uri *uri)
{
	size_t len;
	char *s;

	if (uri->name)
		return strdup(uri->name);
	len = strlen(uri->driver) + 3 + strlen(uri->path) + 1;
	if (uri->extra)
		len += 1 + strlen(uri->extra);
	s = malloc(len);
	if (s)
		snprintf(s, len, "%s://%s%s%s", uri->driver, uri->path,
			 uri->extra ? "?" : "", uri->extra ? uri->extra : "");
	return s;
}

/* Append "&"? name=value to uri->extra, %-escaping all but [A-Za-z0-9-._~/:@]. */
static int
uri_add_extra(struct uri *uri, const char *name, const char *value)
{
	size_t old = uri->extra ? strlen(uri->extra) : 0;
	size_t len = old + 1 + 3 * (strlen(name) + strlen(value)) + 2;
	const char *parts[2] = { name, value };
	char *s, *o;
	int k;

	s = realloc(uri->extra, len);
	if (!s)
		return -1;
	uri->extra = s;
	o = s + old;
	if (old)
		*o++ = '&';
	for (k = 0; k < 2; k++) {
		const char *p;

		if (k == 1)
			*o++ = '=';
		for (p = parts[k]; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("-._~/:@", c)) {
				*o++ = (char)c;
				continue;
			}
			o += sprintf(o, "%%%02X", c);
		}
	}
	*o = '\0';
	return 0;
}

/* The URI in error messages: quoted in full unless it is very long. */
static void uri_fail(struct rvirt_error *err, const char *s, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));

static void
uri_fail(struct rvirt_error *err, const char *s, const char *fmt, ...)
{
	char what[RVIRT_ERROR_MESSAGE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strlen(s) > 256)
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"invalid uri '%.256s...': %s", s, what);
	else
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"invalid uri '%s': %s", s, what);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode %XX escapes of p[0..len) into a new string.  A decoded NUL
 * would silently cut the string short, so it is refused.
 */
static char *
uri_unescape(const char *s, const char *p, size_t len, const char *what,
	     struct rvirt_error *err)
{
	char *out, *o;
	size_t i;

	out = malloc(len + 1);
	if (!out) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_URI,
			"out of memory");
		return NULL;
	}
	o = out;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (p[i] != '%') {
			*o++ = p[i];
			continue;
		}
		hi = i + 1 < len ? hexval(p[i + 1]) : -1;
		lo = i + 2 < len ? hexval(p[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			uri_fail(err, s, "bad %%-escape in the %s", what);
			goto fail;
		}
		if (hi == 0 && lo == 0) {
			uri_fail(err, s, "the %s contains '%%00'", what);
			goto fail;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

/* [A-Za-z][A-Za-z0-9._-]*, like the scheme rule of RFC 3986 minus '+'. */
static int
uri_valid_word(const char *p, size_t len)
{
	size_t i;

	if (len == 0 ||
	    !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')))
		return 0;
	for (i = 1; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int
uri_parse_scheme(struct uri *uri, const char *s, size_t len,
		 struct rvirt_error *err)
{
	const char *plus = memchr(s, '+', len);
	size_t dlen = plus ? (size_t)(plus - s) : len;
	size_t i;

	if (dlen == 0) {
		uri_fail(err, s, "missing driver name before '%s'",
			 plus ? "+" : "://");
		return -1;
	}
	if (!uri_valid_word(s, dlen)) {
		uri_fail(err, s, "invalid driver name");
		return -1;
	}
	uri->driver = strndup(s, dlen);
	if (!uri->driver) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_URI,
			"out of memory");
		return -1;
	}
	if (!plus) {
		uri->transport = URI_TRANSPORT_UNIX; /* fixed up later */
		return 0;
	}
	for (i = 0; i < sizeof(transport_names) / sizeof(transport_names[0]);
	     i++) {
		if (strlen(transport_names[i]) == len - dlen - 1 &&
		    memcmp(transport_names[i], plus + 1, len - dlen - 1) == 0) {
			uri->transport = (enum uri_transport)i;
			uri->transport_explicit = 1;
			return 0;
		}
	}
	uri_fail(err, s, "unknown transport '%.*s'",
		 (int)(len - dlen - 1 < 32 ? len - dlen - 1 : 32), plus + 1);
	return -1;
}

static int
uri_parse_port(struct uri *uri, const char *s, const char *p, size_t len,
	       struct rvirt_error *err)
{
	int plen = (int)(len < 12 ? len : 12);
	long v = 0;
	size_t i;

	if (len == 0) {
		uri_fail(err, s, "empty port after ':'");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9') {
			uri_fail(err, s, "invalid port '%.*s'", plen, p);
			return -1;
		}
		v = v * 10 + (p[i] - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535) {
		uri_fail(err, s, "port '%.*s' is out of range 1..65535", plen,
			 p);
		return -1;
	}
	uri->port = (int)v;
	return 0;
}

/* Characters of a registered name (RFC 3986 unreserved) or an escape. */
static int
uri_valid_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	       c == '~' || c == '%';
}

static int
uri_parse_authority(struct uri *uri, const char *s, const char *p, size_t len,
		    struct rvirt_error *err)
{
	const char *at = memchr(p, '@', len);
	const char *hp, *end = p + len, *colon = NULL;
	size_t hlen;

	if (at) {
		if (at == p) {
			uri_fail(err, s, "empty user name before '@'");
			return -1;
		}
		if (memchr(p, ':', (size_t)(at - p))) {
			uri_fail(err, s,
				 "passwords are not allowed in the user part");
			return -1;
		}
		uri->user =
			uri_unescape(s, p, (size_t)(at - p), "user name", err);
		if (!uri->user)
			return -1;
		hp = at + 1;
	} else {
		hp = p;
	}

	if (hp < end && *hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(end - hp));
		unsigned char addr[16];
		char *zone;

		if (!rb) {
			uri_fail(err, s, "missing ']' after the IPv6 address");
			return -1;
		}
		uri->host = uri_unescape(s, hp + 1, (size_t)(rb - hp - 1),
					 "host", err);
		if (!uri->host)
			return -1;
		/* A zone ("fe80::1%25eth0") is not part of the address. */
		zone = strchr(uri->host, '%');
		if (zone)
			*zone = '\0';
		if (inet_pton(AF_INET6, uri->host, addr) != 1) {
			uri_fail(err, s, "invalid IPv6 address '%s'",
				 uri->host);
			return -1;
		}
		if (zone)
			*zone = '%';
		if (rb + 1 < end) {
			if (rb[1] != ':') {
				uri_fail(err, s, "unexpected text after ']'");
				return -1;
			}
			colon = rb + 1;
		}
	} else {
		const char *q;

		colon = memchr(hp, ':', (size_t)(end - hp));
		hlen = colon ? (size_t)(colon - hp) : (size_t)(end - hp);
		for (q = hp; q < hp + hlen; q++) {
			if (!uri_valid_host_char(*q)) {
				uri_fail(err, s,
					 "invalid character '%c' in the host",
					 *q);
				return -1;
			}
		}
		if (hlen > 0) {
			uri->host = uri_unescape(s, hp, hlen, "host", err);
			if (!uri->host)
				return -1;
		} else if (at || colon) {
			uri_fail(err, s, "missing host");
			return -1;
		}
	}
	if (colon && uri_parse_port(uri, s, colon + 1,
				    (size_t)(end - colon - 1), err) < 0)
		return -1;
	return 0;
}

static int
uri_parse_bool(const char *s, const char *name, const char *value, int *out,
	       struct rvirt_error *err)
{
	if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
		*out = value[0] - '0';
		return 0;
	}
	uri_fail(err, s, "variable '%s' must be 0 or 1", name);
	return -1;
}

static int
uri_parse_seconds(const char *s, const char *name, const char *value, int *out,
		  struct rvirt_error *err)
{
	char *end;
	long v;

	if (strcmp(name, "reconnect_timeout") == 0 &&
	    strcmp(value, "forever") == 0) {
		*out = URI_TIMEOUT_FOREVER;
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno ||
	    v > INT_MAX) {
		if (strcmp(name, "reconnect_timeout") == 0)
			uri_fail(err, s,
				 "variable '%s' must be a number of seconds "
				 "or 'forever'",
				 name);
		else
			uri_fail(err, s,
				 "variable '%s' must be a number of seconds",
				 name);
		return -1;
	}
	if (strcmp(name, "keepalive_count") == 0 && (v < 1 || v > 1000)) {
		uri_fail(err, s, "variable '%s' must be 1 to 1000", name);
		return -1;
	}
	if (strcmp(name, "keepalive_interval") == 0 && v > 3600) {
		uri_fail(err, s, "variable '%s' must be 0 to 3600 seconds",
			 name);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
uri_check_choice(const char *s, const char *name, const char *value,
		 const char *const *choices, struct rvirt_error *err)
{
	for (; *choices; choices++)
		if (strcmp(value, *choices) == 0)
			return 0;
	uri_fail(err, s, "unknown value '%.64s' for variable '%s'", value,
		 name);
	return -1;
}

/* Takes ownership of name and value. */
static int
uri_set_var(struct uri *uri, const char *s, char *name, char *value,
	    struct rvirt_error *err)
{
	static const char *const modes[] = { "auto", "legacy", "direct", NULL };
	static const char *const proxies[] = { "auto", "netcat", "native",
					       NULL };
	struct {
		const char *name;
		char **str;
		int *num;
		int seconds;
	} vars[] = {
		{ "name", &uri->name, NULL, 0 },
		{ "socket", &uri->socket, NULL, 0 },
		{ "no_verify", NULL, &uri->no_verify, 0 },
		{ "pkipath", &uri->pkipath, NULL, 0 },
		{ "tls_priority", &uri->tls_priority, NULL, 0 },
		{ "command", &uri->command, NULL, 0 },
		{ "netcat", &uri->netcat, NULL, 0 },
		{ "no_tty", NULL, &uri->no_tty, 0 },
		{ "keyfile", &uri->keyfile, NULL, 0 },
		{ "known_hosts", &uri->known_hosts, NULL, 0 },
		{ "proxy", &uri->proxy, NULL, 0 },
		{ "auth", &uri->auth, NULL, 0 },
		{ "reconnect_timeout", NULL, &uri->reconnect_timeout, 1 },
		{ "keepalive_interval", NULL, &uri->keepalive_interval, 1 },
		{ "keepalive_count", NULL, &uri->keepalive_count, 1 },
		{ "mode", &uri->mode, NULL, 0 },
	};
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(vars[i].name, name) == 0)
			break;
	if (i == sizeof(vars) / sizeof(vars[0])) {
		/* Warned about in uri_check, once name= is known. */
		if (uri_add_extra(uri, name, value) < 0) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_URI,
				"out of memory");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (vars[i].num) {
		if (vars[i].seconds)
			rc = uri_parse_seconds(s, name, value, vars[i].num,
					       err);
		else
			rc = uri_parse_bool(s, name, value, vars[i].num, err);
		goto out;
	}
	if (value[0] == '\0') {
		uri_fail(err, s, "variable '%s' has an empty value", name);
		goto out;
	}
	if (strcmp(name, "mode") == 0 &&
	    uri_check_choice(s, name, value, modes, err) < 0)
		goto out;
	if (strcmp(name, "proxy") == 0 &&
	    uri_check_choice(s, name, value, proxies, err) < 0)
		goto out;
	/* A repeated variable: the last one wins, as in libvirt. */
	free(*vars[i].str);
	*vars[i].str = value;
	value = NULL;
	rc = 0;
out:
	free(name);
	free(value);
	return rc;
}

static int
uri_parse_query(struct uri *uri, const char *s, const char *p, size_t len,
		struct rvirt_error *err)
{
	const char *end = p + len;

	while (p < end) {
		const char *amp = p, *eq;
		char *name, *value;

		while (amp < end && *amp != '&' && *amp != ';')
			amp++;
		if (amp == p) {
			p++;
			continue;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == p) {
			uri_fail(err, s, "empty variable name before '='");
			return -1;
		}
		name = uri_unescape(s, p, (size_t)((eq ? eq : amp) - p),
				    "query", err);
		if (!name)
			return -1;
		if (eq)
			value = uri_unescape(s, eq + 1, (size_t)(amp - eq - 1),
					     "query", err);
		else
			value = strdup("");
		if (!value) {
			if (!eq)
				err_set(err, RVIRT_ERR_NO_MEMORY,
					RVIRT_FROM_URI, "out of memory");
			free(name);
			return -1;
		}
		if (uri_set_var(uri, s, name, value, err) < 0)
			return -1;
		p = amp < end ? amp + 1 : end;
	}
	return 0;
}

/* One warning per unknown variable, saying where it goes. */
static void
uri_warn_extra(const struct uri *uri)
{
	const char *p = uri->extra;

	while (p && *p) {
		size_t n = strcspn(p, "=");
		char msg[RVIRT_ERROR_MESSAGE_MAX + 1];

		if (uri->name)
			snprintf(msg, sizeof(msg),
				 "ignoring unknown uri variable '%.*s': the "
				 "variable 'name' is given",
				 (int)(n < 128 ? n : 128), p);
		else
			snprintf(msg, sizeof(msg),
				 "unknown uri variable '%.*s' passed to the "
				 "server in the name",
				 (int)(n < 128 ? n : 128), p);
		uri_warn_fn(msg);
		p += strcspn(p, "&");
		if (*p)
			p++;
	}
}

/* Rules that join several parts: what each transport accepts. */
static int
uri_check(struct uri *uri, const char *s, struct rvirt_error *err)
{
	uri_warn_extra(uri);
	if (!uri->transport_explicit)
		uri->transport =
			uri->host ? URI_TRANSPORT_TLS : URI_TRANSPORT_UNIX;
	if (uri->transport == URI_TRANSPORT_UNIX &&
	    (uri->host || uri->port || uri->user)) {
		uri_fail(err, s,
			 "transport 'unix' takes no user, host or port");
		return -1;
	}
	if (uri->transport == URI_TRANSPORT_EXT && !uri->command) {
		uri_fail(err, s,
			 "transport 'ext' needs the variable 'command'");
		return -1;
	}
	return 0;
}

struct uri *
uri_parse(const char *s, struct rvirt_error *err)
{
	struct uri *uri = NULL;
	const char *sep, *auth, *path, *query, *p;
	size_t len;

	if (!s) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI, "no uri given");
		return NULL;
	}
	len = strlen(s);
	if (len == 0) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"invalid uri '': empty");
		return NULL;
	}
	if (len > RVIRT_URI_MAX) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"invalid uri '%.64s...': longer than %d bytes", s,
			RVIRT_URI_MAX);
		return NULL;
	}
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f) {
			uri_fail(err, s,
				 "byte 0x%02x at offset %zu must be %%-escaped",
				 c, (size_t)(p - s));
			return NULL;
		}
	}

	uri = calloc(1, sizeof(*uri));
	if (!uri) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_URI,
			"out of memory");
		return NULL;
	}
	uri->no_verify = -1;
	uri->no_tty = -1;
	uri->reconnect_timeout = -1;
	uri->keepalive_interval = -1;
	uri->keepalive_count = -1;

	sep = strstr(s, "://");
	if (!sep || memchr(s, '/', (size_t)(sep - s)) ||
	    memchr(s, '?', (size_t)(sep - s))) {
		uri_fail(err, s, "missing '://'");
		goto fail;
	}
	if (uri_parse_scheme(uri, s, (size_t)(sep - s), err) < 0)
		goto fail;

	auth = sep + 3;
	path = auth + strcspn(auth, "/?#");
	if (*path == '#' || strchr(path, '#')) {
		uri_fail(err, s, "fragments ('#') are not allowed");
		goto fail;
	}
	if (uri_parse_authority(uri, s, auth, (size_t)(path - auth), err) < 0)
		goto fail;
	if (*path != '/') {
		uri_fail(err, s, "missing path (e.g. '/default')");
		goto fail;
	}
	query = path + strcspn(path, "?");
	uri->path = uri_unescape(s, path, (size_t)(query - path), "path", err);
	if (!uri->path)
		goto fail;
	if (*query == '?' &&
	    uri_parse_query(uri, s, query + 1, strlen(query + 1), err) < 0)
		goto fail;
	if (uri_check(uri, s, err) < 0)
		goto fail;
	return uri;
fail:
	uri_free(uri);
	return NULL;
}
