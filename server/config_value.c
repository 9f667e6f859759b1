/* SPDX-License-Identifier: MIT */
/* config_value: reading and checking one value of rvirtd.conf. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "config.h"
#include "config_int.h"

const char *
config_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "unknown";
}

void
config_err(struct rvirt_error *err, const struct config_src *src,
	   const config_setting_t *s, const char *fmt, ...)
{
	char msg[RVIRT_ERROR_MESSAGE_MAX + 1];
	const char *file = s ? config_setting_source_file(s) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A check across keys may have no line to point at when the value
	 * came from the caller's struct rather than the file. */
	if (!s)
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG, "%s: %s",
			src->path, msg);
	else
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG, "%s:%u: %s",
			file ? file : src->path, config_setting_source_line(s),
			msg);
}

bool
config_is_int(const config_setting_t *s)
{
	int type = config_setting_type(s);

	return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

static bool
config_is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

/* Skip blanks and the three comment styles libconfig knows. */
static const char *
config_skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#' ||
			   (*p == '/' && p + 1 < end && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			p += 2;
			while (p + 1 < end && !(p[0] == '*' && p[1] == '/'))
				p++;
			p = p + 1 < end ? p + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

/*
 * libconfig 1.5 silently truncates an integer literal that does not fit
 * in an int (5000000000 reads as 705032704), so a wildly wrong value
 * could pass a range check.  Find the literal in the text after the
 * setting's name and compare.  Returns 0 when it matches or cannot be
 * found, -1 (literal copied to buf) when libconfig's value is not what
 * was written.
 */
static int
config_int_literal(const struct config_src *src, const config_setting_t *s,
		   char *buf, size_t size)
{
	const char *name = config_setting_name(s);
	size_t nlen = strlen(name);
	const char *end = src->text + src->len;
	const char *p = src->text;
	const char *lit;
	unsigned int line = 1;
	long long v;
	char *q;
	char tmp[64];
	size_t len;

	if (config_setting_source_file(s))
		return 0;
	while (p < end && line < config_setting_source_line(s)) {
		if (*p++ == '\n')
			line++;
	}
	for (; p + nlen <= end && *p != '\n'; p++) {
		if (strncmp(p, name, nlen) != 0)
			continue;
		if (p > src->text && config_is_name_char(p[-1]))
			continue;
		if (p + nlen < end && config_is_name_char(p[nlen]))
			continue;
		lit = config_skip_space(p + nlen, end);
		if (lit >= end || (*lit != '=' && *lit != ':'))
			continue;
		lit = config_skip_space(lit + 1, end);
		len = 0;
		while (lit + len < end && (isalnum((unsigned char)lit[len]) ||
					   lit[len] == '-' || lit[len] == '+'))
			len++;
		if (len == 0)
			return 0;
		/* No integer that fits in 64 bits is this long. */
		if (len >= sizeof(tmp)) {
			snprintf(buf, size, "%.20s...", lit);
			return -1;
		}
		memcpy(tmp, lit, len);
		tmp[len] = '\0';
		errno = 0;
		if (strncmp(tmp, "0x", 2) == 0 || strncmp(tmp, "0X", 2) == 0)
			v = (long long)strtoull(tmp, &q, 16);
		else
			v = strtoll(tmp, &q, 10);
		if (q == tmp)
			return 0;
		if (errno == ERANGE || v != config_setting_get_int64(s)) {
			config_copy(buf, size, tmp);
			return -1;
		}
		return 0;
	}
	return 0;
}

/*
 * libvirtd.conf writes some numbers as strings (tcp_port = "16509"):
 * accept a quoted decimal integer too.  Returns 1 (*out set), 0 when s
 * is not a string, -1 on a string that is not a number in range.
 */
static int
config_get_quoted_int(const struct config_src *src, const config_setting_t *s,
		      const struct config_key *key, long long *out,
		      struct rvirt_error *err)
{
	const char *v;
	char *end;
	long long n;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return 0;
	v = config_setting_get_string(s);
	errno = 0;
	n = v && isdigit((unsigned char)v[0]) ? strtoll(v, &end, 10) : 0;
	if (!v || !isdigit((unsigned char)v[0]) || *end || errno) {
		config_err(err, src, s, "'%s' must be an integer, not '%.32s'",
			   key->name, v ? v : "");
		return -1;
	}
	if (n < key->min || n > key->max) {
		config_err(err, src, s,
			   "'%s' must be between %lld and %lld, not %lld",
			   key->name, key->min, key->max, n);
		return -1;
	}
	*out = n;
	return 1;
}

int
config_get_int(const struct config_src *src, const config_setting_t *s,
	       const struct config_key *key, long long *out,
	       struct rvirt_error *err)
{
	char lit[64];
	long long v;
	int q = config_get_quoted_int(src, s, key, out, err);

	if (q != 0)
		return q < 0 ? -1 : 0;
	if (!config_is_int(s)) {
		config_err(err, src, s, "'%s' must be an integer, not %s",
			   key->name, config_type_name(config_setting_type(s)));
		return -1;
	}
	if (config_int_literal(src, s, lit, sizeof(lit)) < 0) {
		config_err(err, src, s,
			   "'%s' must be between %lld and %lld, "
			   "not %s",
			   key->name, key->min, key->max, lit);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < key->min || v > key->max) {
		config_err(err, src, s,
			   "'%s' must be between %lld and %lld, not %lld",
			   key->name, key->min, key->max, v);
		return -1;
	}
	*out = v;
	return 0;
}

int
config_get_string(const struct config_src *src, const config_setting_t *s,
		  const struct config_key *key, const char **out,
		  struct rvirt_error *err)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_err(err, src, s, "'%s' must be a string, not %s",
			   key->name, config_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_string(s);
	/* Only keys stored as char arrays have a length limit. */
	if ((key->kind == KIND_STRING || key->kind == KIND_PATH ||
	     key->kind == KIND_LOG_OUTPUTS) &&
	    strlen(v) >= key->size) {
		config_err(err, src, s,
			   "'%s' is too long: %zu bytes, at most %zu",
			   key->name, strlen(v), key->size - 1);
		return -1;
	}
	*out = v;
	return 0;
}

int
config_parse_perms(const char *v, mode_t *out)
{
	unsigned long n = 0;
	const char *p;

	if (!*v || strlen(v) > 5)
		return -1;
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		n = n * 8 + (unsigned long)(*p - '0');
	}
	if (n > 07777)
		return -1;
	*out = (mode_t)n;
	return 0;
}

/* Check one log_outputs entry "L:stderr", "L:file:PATH", "L:syslog:ID". */
static int
config_check_log_output(const char *e, size_t len, char *why, size_t size)
{
	const char *rest;
	size_t rlen;

	if (len < 2 || e[0] < '1' || e[0] > '4' || e[1] != ':') {
		snprintf(why, size, "level must be 1 to 4");
		return -1;
	}
	rest = e + 2;
	rlen = len - 2;
	if (rlen == 6 && strncmp(rest, "stderr", 6) == 0)
		return 0;
	if (rlen == 8 && strncmp(rest, "journald", 8) == 0)
		return 0;
	if (rlen >= 5 && strncmp(rest, "file:", 5) == 0) {
		if (rlen == 5 || rest[5] != '/') {
			snprintf(why, size, "file path must be absolute");
			return -1;
		}
		return 0;
	}
	if (rlen >= 7 && strncmp(rest, "syslog:", 7) == 0) {
		if (rlen == 7) {
			snprintf(why, size, "syslog ident is empty");
			return -1;
		}
		return 0;
	}
	snprintf(why, size,
		 "output must be stderr, file:PATH, syslog:IDENT or journald");
	return -1;
}

int
config_check_log_outputs(const struct config_src *src,
			 const config_setting_t *s, const char *v,
			 struct rvirt_error *err)
{
	const char *p = v;
	size_t len;
	char why[128];
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (config_check_log_output(p, len, why, sizeof(why)) < 0) {
			config_err(err, src, s,
				   "'log_outputs' entry '%.*s' is invalid: %s",
				   (int)(len > 200 ? 200 : len), p, why);
			return -1;
		}
		n++;
		p += len;
	}
	if (n == 0) {
		config_err(err, src, s, "'log_outputs' must not be empty");
		return -1;
	}
	return 0;
}

int
config_get_globs(const struct config_src *src, const config_setting_t *s,
		 const struct config_key *key, struct config_globs *g,
		 struct rvirt_error *err)
{
	const config_setting_t *e;
	const char *v;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		config_err(err, src, s,
			   "'%s' must be a list of strings like "
			   "[\"a*\", \"b\"], not %s",
			   key->name, config_type_name(config_setting_type(s)));
		return -1;
	}
	n = config_setting_length(s);
	if (n > CONFIG_GLOBS_MAX) {
		config_err(err, src, s,
			   "'%s' has %d patterns, at most %d are allowed",
			   key->name, n, CONFIG_GLOBS_MAX);
		return -1;
	}
	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		if (!e || config_setting_type(e) != CONFIG_TYPE_STRING) {
			config_err(err, src, s, "'%s' must hold only strings",
				   key->name);
			return -1;
		}
		v = config_setting_get_string(e);
		if (strlen(v) >= sizeof(g->pat[0])) {
			config_err(err, src, s,
				   "'%s' pattern %d is too long: %zu bytes, "
				   "at most %zu",
				   key->name, i + 1, strlen(v),
				   sizeof(g->pat[0]) - 1);
			return -1;
		}
		config_copy(g->pat[i], sizeof(g->pat[i]), v);
	}
	g->n = (unsigned int)n;
	g->set = true;
	return 0;
}
