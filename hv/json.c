/* SPDX-License-Identifier: MIT */
/* json: a small strict JSON reader for QMP replies (RFC 8259). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "json.h"

struct json {
	enum json_type type;
	char *str;	     /* JSON_STRING; the text of a JSON_NUMBER */
	struct json **items; /* JSON_ARRAY elements, JSON_OBJECT values */
	char **keys;	     /* JSON_OBJECT keys */
	size_t n;
};

struct json_parser {
	const char *p, *end, *start;
	struct rvirt_error *err;
	bool failed;
};

static void
json_fail(struct json_parser *ps, const char *why)
{
	if (ps->failed)
		return;
	ps->failed = true;
	err_set(ps->err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
		"invalid json at byte %zu: %s", (size_t)(ps->p - ps->start),
		why);
}

static void
json_blanks(struct json_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json *
json_node(struct json_parser *ps, enum json_type type)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		json_fail(ps, "out of memory");
	else
		j->type = type;
	return j;
}

void
json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

static int
json_hex4(struct json_parser *ps, uint32_t *out)
{
	uint32_t v = 0;

	if (ps->end - ps->p < 4) {
		json_fail(ps, "short \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else {
			json_fail(ps, "bad \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

static size_t
json_utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at ps->p (on its opening quote); malloc'd, or NULL. */
static char *
json_string(struct json_parser *ps)
{
	const char *q;
	char *out, *o;

	ps->p++;
	/* The decoded text is never longer than the escaped one. */
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\')
			q++;
	if (q >= ps->end) {
		json_fail(ps, "unterminated string");
		return NULL;
	}
	out = malloc((size_t)(q - ps->p) + 1);
	if (!out) {
		json_fail(ps, "out of memory");
		return NULL;
	}
	o = out;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		uint32_t cp, lo;

		if (c < 0x20) {
			json_fail(ps, "control character in a string");
			goto fail;
		}
		if (c != '\\') {
			*o++ = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p++) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '/':
			*o++ = '/';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (json_hex4(ps, &cp) < 0)
				goto fail;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (ps->end - ps->p < 6 || ps->p[0] != '\\' ||
				    ps->p[1] != 'u') {
					json_fail(ps, "lone surrogate");
					goto fail;
				}
				ps->p += 2;
				if (json_hex4(ps, &lo) < 0)
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff) {
					json_fail(ps, "bad surrogate pair");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				json_fail(ps, "lone surrogate");
				goto fail;
			}
			if (cp == 0) {
				json_fail(ps, "\\u0000 in a string");
				goto fail;
			}
			/* A 6-byte escape holds at most 3 bytes of UTF-8,
			   a 12-byte pair 4: it fits in place. */
			o += json_utf8_put(o, cp);
			break;
		default:
			ps->p--;
			json_fail(ps, "bad escape");
			goto fail;
		}
	}
	ps->p++;
	*o = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

static struct json *json_value(struct json_parser *ps, unsigned int depth);

static int
json_push(struct json_parser *ps, struct json *j, char *key, struct json *v)
{
	struct json **items;
	char **keys = NULL;

	items = reallocarray(j->items, j->n + 1, sizeof(*items));
	if (!items) {
		json_fail(ps, "out of memory");
		return -1;
	}
	j->items = items;
	if (j->type == JSON_OBJECT) {
		keys = reallocarray(j->keys, j->n + 1, sizeof(*keys));
		if (!keys) {
			json_fail(ps, "out of memory");
			return -1;
		}
		j->keys = keys;
		keys[j->n] = key;
	}
	items[j->n++] = v;
	return 0;
}

static struct json *
json_container(struct json_parser *ps, unsigned int depth, bool object)
{
	char close = object ? '}' : ']';
	struct json *j = json_node(ps, object ? JSON_OBJECT : JSON_ARRAY);

	if (!j)
		return NULL;
	ps->p++;
	json_blanks(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		json_blanks(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"') {
				json_fail(ps, "expected a member name");
				goto fail;
			}
			key = json_string(ps);
			if (!key)
				goto fail;
			json_blanks(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				json_fail(ps, "expected ':'");
				goto fail;
			}
			ps->p++;
		}
		v = json_value(ps, depth + 1);
		if (!v || json_push(ps, j, key, v) < 0) {
			free(key);
			json_free(v);
			goto fail;
		}
		json_blanks(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return j;
		}
		json_fail(ps, object ? "expected ',' or '}'"
				     : "expected ',' or ']'");
		goto fail;
	}
fail:
	json_free(j);
	return NULL;
}

static struct json *
json_number(struct json_parser *ps)
{
	const char *s = ps->p;
	struct json *j;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		json_fail(ps, "bad number");
		return NULL;
	}
	if (*ps->p == '0')
		ps->p++;
	else
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			json_fail(ps, "bad fraction");
			return NULL;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			json_fail(ps, "bad exponent");
			return NULL;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	j = json_node(ps, JSON_NUMBER);
	if (!j)
		return NULL;
	j->str = strndup(s, (size_t)(ps->p - s));
	if (!j->str) {
		json_fail(ps, "out of memory");
		json_free(j);
		return NULL;
	}
	return j;
}

static struct json *
json_word(struct json_parser *ps, const char *word, enum json_type type)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		json_fail(ps, "unexpected character");
		return NULL;
	}
	ps->p += n;
	return json_node(ps, type);
}

static struct json *
json_value(struct json_parser *ps, unsigned int depth)
{
	struct json *j;

	if (depth > JSON_DEPTH_MAX) {
		json_fail(ps, "nested too deep");
		return NULL;
	}
	json_blanks(ps);
	if (ps->p >= ps->end) {
		json_fail(ps, "unexpected end");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return json_container(ps, depth, true);
	case '[':
		return json_container(ps, depth, false);
	case '"':
		j = json_node(ps, JSON_STRING);
		if (!j)
			return NULL;
		j->str = json_string(ps);
		if (!j->str) {
			json_free(j);
			return NULL;
		}
		return j;
	case 't':
		return json_word(ps, "true", JSON_TRUE);
	case 'f':
		return json_word(ps, "false", JSON_FALSE);
	case 'n':
		return json_word(ps, "null", JSON_NULL);
	default:
		return json_number(ps);
	}
}

struct json *
json_parse(const char *text, size_t len, struct rvirt_error *err)
{
	struct json_parser ps = { text, text + len, text, err, false };
	struct json *j;

	if (len > JSON_TEXT_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_HV,
			"json text of %zu bytes is over the limit of %d", len,
			JSON_TEXT_MAX);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		json_fail(&ps, "NUL byte in the text");
		return NULL;
	}
	j = json_value(&ps, 0);
	if (!j)
		return NULL;
	json_blanks(&ps);
	if (ps.p != ps.end) {
		json_fail(&ps, "text after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

enum json_type
json_type(const struct json *j)
{
	return j ? j->type : JSON_NULL;
}

const struct json *
json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->keys[i], key) == 0)
			return j->items[i];
	return NULL;
}

size_t
json_len(const struct json *j)
{
	return j && j->type == JSON_ARRAY ? j->n : 0;
}

const struct json *
json_at(const struct json *j, size_t i)
{
	return j && j->type == JSON_ARRAY && i < j->n ? j->items[i] : NULL;
}

const char *
json_str(const struct json *j)
{
	return j && j->type == JSON_STRING ? j->str : NULL;
}

int
json_int(const struct json *j, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!j || j->type != JSON_NUMBER || strpbrk(j->str, ".eE"))
		return -1;
	errno = 0;
	v = strtoll(j->str, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
