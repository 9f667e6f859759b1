/* SPDX-License-Identifier: MIT */
/*
 * config_int: what config.c (the key table, loading, checks, dump) and
 * config_value.c (reading one value: integers, strings, permissions,
 * log outputs, globs) share.  Private to the two.
 */
#ifndef RVIRT_SERVER_CONFIG_INT_H
#define RVIRT_SERVER_CONFIG_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/err.h"
#include "config.h"

/* What a key's value must look like, and where it goes in struct config. */
enum config_kind {
	KIND_BOOL,	  /* 0/1 or true/false; bool field */
	KIND_UINT,	  /* integer in [min, max]; unsigned int field */
	KIND_INT,	  /* integer in [min, max]; int field */
	KIND_MIB,	  /* integer MiB in [min, max]; size_t field in bytes */
	KIND_STRING,	  /* string that fits the char array */
	KIND_PATH,	  /* absolute path that fits the char array */
	KIND_PERMS,	  /* octal string <= 07777; mode_t field */
	KIND_AUTH,	  /* "none" or "sasl"; enum config_auth field */
	KIND_LOG_OUTPUTS, /* "L:stderr L:file:PATH L:syslog:IDENT" */
	KIND_SYNC,	  /* "full" or "relaxed"; enum config_sync field */
	KIND_GLOBS,	  /* array of strings; struct config_globs field */
};

struct config_key {
	const char *name;
	enum config_kind kind;
	size_t offset;
	size_t size;
	long long min;
	long long max;
};

/* The file being loaded: its name and text for messages and rescans. */
struct config_src {
	const char *path;
	const char *text;
	size_t len;
};

/* snprintf of src into dst (truncated to size). */
void config_copy(char *dst, size_t size, const char *src);

/* "an integer", "a string" ...: libconfig's type of a setting, for messages. */
const char *config_type_name(int type);

/* *err: CONFIG, "FILE:LINE: key: " and the message. */
void config_err(struct rvirt_error *err, const struct config_src *src,
		const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Whether s holds an integer (int or int64). */
bool config_is_int(const config_setting_t *s);

/*
 * The value of s for key: an integer (written as a literal or a quoted
 * one) within the key's range, or a string that fits it.  0, or -1 with
 * *err.
 */
int config_get_int(const struct config_src *src, const config_setting_t *s,
		   const struct config_key *key, long long *out,
		   struct rvirt_error *err);
int config_get_string(const struct config_src *src, const config_setting_t *s,
		      const struct config_key *key, const char **out,
		      struct rvirt_error *err);

/* An octal permission string <= 07777 into *out: 0, or -1. */
int config_parse_perms(const char *v, mode_t *out);

/* log_outputs' value v checked entry by entry: 0, or -1 with *err. */
int config_check_log_outputs(const struct config_src *src,
			     const config_setting_t *s, const char *v,
			     struct rvirt_error *err);

/* An array of strings into *g: 0, or -1 with *err. */
int config_get_globs(const struct config_src *src, const config_setting_t *s,
		     const struct config_key *key, struct config_globs *g,
		     struct rvirt_error *err);

#endif
