/* SPDX-License-Identifier: MIT */
/* json: a small strict JSON reader for QMP replies (RFC 8259). */
#ifndef RVIRT_HV_JSON_H
#define RVIRT_HV_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rvirt_defs.h"

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* Limits, checked while parsing: nothing larger is ever allocated. */
#define JSON_TEXT_MAX (1024 * 1024)
#define JSON_DEPTH_MAX 32

struct json;

/*
 * Parse one JSON value, surrounded by blanks only, from len bytes of
 * text (at most JSON_TEXT_MAX, nested at most JSON_DEPTH_MAX deep).
 * Strings are decoded to UTF-8 (\u escapes included; a \u0000 is
 * refused, so every string is a C string).  Returns a new tree, or NULL
 * with *err (RVIRT_ERR_INVALID_ARG with the offset of the problem).
 */
struct json *json_parse(const char *text, size_t len, struct rvirt_error *err);

/* Free a tree.  NULL is a no-op. */
void json_free(struct json *j);

enum json_type json_type(const struct json *j);

/* The member key of an object, NULL when absent or j is no object. */
const struct json *json_get(const struct json *j, const char *key);

/* Elements of an array (0 for anything else) and element i. */
size_t json_len(const struct json *j);
const struct json *json_at(const struct json *j, size_t i);

/* The string of a JSON string, NULL for anything else. */
const char *json_str(const struct json *j);

/*
 * A number that is an integer in [min, max] (no fraction, no exponent
 * that makes it one).  0 with *out, -1 otherwise.
 */
int json_int(const struct json *j, long long min, long long max,
	     long long *out);

#endif
