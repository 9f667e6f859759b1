/* SPDX-License-Identifier: MIT */
/* err: filling in struct rvirt_error. */
#ifndef RVIRT_COMMON_ERR_H
#define RVIRT_COMMON_ERR_H

#include "rvirt_defs.h"

/*
 * Set *err (a no-op when err is NULL).  The message follows the house
 * style: lowercase, no full stop, subject quoted, what then why.  Long
 * messages are truncated to RVIRT_ERROR_MESSAGE_MAX bytes.
 */
void err_set(struct rvirt_error *err, int code, int origin, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));

/* Like err_set, then append ": " and strerror(errnum), lowercased. */
void err_set_errno(struct rvirt_error *err, int code, int origin, int errnum,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Reset *err to RVIRT_ERR_OK with an empty message (NULL is a no-op). */
void err_clear(struct rvirt_error *err);

/* Name of an RVIRT_ERR_* code ("no-domain"), "unknown" when out of range. */
const char *err_code_name(int code);

#endif
