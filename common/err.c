/* SPDX-License-Identifier: MIT */
/* err: filling in struct rvirt_error. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void
err_vset(struct rvirt_error *err, int code, int origin, const char *fmt,
	 va_list ap)
{
	err->code = code;
	err->origin = origin;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

void
err_set(struct rvirt_error *err, int code, int origin, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	err_vset(err, code, origin, fmt, ap);
	va_end(ap);
}

void
err_set_errno(struct rvirt_error *err, int code, int origin, int errnum,
	      const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!err)
		return;
	va_start(ap, fmt);
	err_vset(err, code, origin, fmt, ap);
	va_end(ap);
	len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len, ": %s",
		 strerror(errnum));
	/*
	 * House style is lowercase ("address already in use"); an acronym
	 * such as "RPC struct is bad" keeps its capitals.
	 */
	len += 2;
	if (len + 1 < sizeof(err->message) &&
	    isupper((unsigned char)err->message[len]) &&
	    !isupper((unsigned char)err->message[len + 1]))
		err->message[len] =
			(char)tolower((unsigned char)err->message[len]);
}

void
err_clear(struct rvirt_error *err)
{
	if (!err)
		return;
	err->code = RVIRT_ERR_OK;
	err->origin = RVIRT_FROM_NONE;
	err->message[0] = '\0';
}

const char *
err_code_name(int code)
{
	static const char *const names[] = {
		[RVIRT_ERR_OK] = "ok",
		[RVIRT_ERR_INTERNAL] = "internal",
		[RVIRT_ERR_NO_MEMORY] = "no-memory",
		[RVIRT_ERR_INVALID_ARG] = "invalid-arg",
		[RVIRT_ERR_NO_SUPPORT] = "no-support",
		[RVIRT_ERR_AUTH_REQUIRED] = "auth-required",
		[RVIRT_ERR_AUTH_FAILED] = "auth-failed",
		[RVIRT_ERR_ACCESS_DENIED] = "access-denied",
		[RVIRT_ERR_NO_CONNECT] = "no-connect",
		[RVIRT_ERR_NO_DOMAIN] = "no-domain",
		[RVIRT_ERR_DOMAIN_EXISTS] = "domain-exists",
		[RVIRT_ERR_OPERATION_INVALID] = "operation-invalid",
		[RVIRT_ERR_XML] = "xml",
		[RVIRT_ERR_STORE_FULL] = "store-full",
		[RVIRT_ERR_STORE] = "store",
		[RVIRT_ERR_NO_SESSION] = "no-session",
		[RVIRT_ERR_SESSION_EXPIRED] = "session-expired",
		[RVIRT_ERR_RPC] = "rpc",
		[RVIRT_ERR_TRANSPORT] = "transport",
		[RVIRT_ERR_TIMEOUT] = "timeout",
		[RVIRT_ERR_CONFIG] = "config",
		[RVIRT_ERR_URI] = "uri",
		[RVIRT_ERR_LIMIT] = "limit",
		[RVIRT_ERR_SYSTEM] = "system",
		[RVIRT_ERR_ALREADY_OPEN] = "already-open",
		[RVIRT_ERR_INVALID_CPUSET] = "invalid-cpuset",
		[RVIRT_ERR_NO_DRIVER] = "no-driver",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]) ||
	    !names[code])
		return "unknown";
	return names[code];
}
