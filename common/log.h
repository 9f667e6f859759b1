/* SPDX-License-Identifier: MIT */
/* log: leveled logging to stderr, files, syslog or journald; the audit trail. */
#ifndef RVIRT_COMMON_LOG_H
#define RVIRT_COMMON_LOG_H

#include <stdbool.h>

#include "rvirt_defs.h"

enum log_level {
	LOG_LEVEL_DEBUG = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_WARN = 3,
	LOG_LEVEL_ERROR = 4,
};

/*
 * Configure outputs from a libvirt-style list: space-separated entries
 * "LEVEL:stderr", "LEVEL:file:PATH" or "LEVEL:syslog:IDENT"; each output
 * gets messages at LEVEL or above, and nothing below the global level.
 * Before log_setup is called every message of level >= WARN goes to
 * stderr.  Returns 0, or -1 with *err (RVIRT_ERR_CONFIG) and the old
 * outputs kept.
 */
int log_setup(int level, const char *outputs, struct rvirt_error *err);

/* Close files and syslog; back to the stderr default. */
void log_shutdown(void);

/* Set the tag printed before each message ("rvirtd[1234]"). */
void log_set_tag(const char *tag);

/* The syslog(3) priority (LOG_DEBUG ... LOG_ERR) of a LOG_LEVEL_*. */
int log_syslog_priority(int level);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Structured fields of a message: the journald output sends them as
 * RVIRT_DOMAIN=, RVIRT_DOMAIN_UUID=, RVIRT_CLIENT=, RVIRT_PROC=; the
 * text outputs show only the message.  NULL or "" fields are left out.
 */
struct log_fields {
	const char *domain;
	const char *uuid;
	const char *client;
	const char *proc;
};

/*
 * log_msg with the source file (for log_filters) and fields (either
 * may be NULL).  The log_* macros pass __FILE__.
 */
void log_msg_src(const char *src, const struct log_fields *fields, int level,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_debug(...) log_msg_src(__FILE__, NULL, LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg_src(__FILE__, NULL, LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg_src(__FILE__, NULL, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg_src(__FILE__, NULL, LOG_LEVEL_ERROR, __VA_ARGS__)

/*
 * The journald output ("L:journald" in log_outputs) is a sink the
 * daemon registers before log_setup (server/journal.c), so that
 * librvirt, which shares this file, never needs libsystemd.  Without
 * one, "journald" is refused.  The sink gets the level, the fields
 * (may be NULL) and the message.
 */
typedef void (*log_journal_fn)(int level, const struct log_fields *fields,
			       const char *msg);
void log_set_journal(log_journal_fn fn);

/*
 * log_filters, as libvirtd's: space-separated "LEVEL:MATCH" entries; a
 * message whose source file path contains MATCH ("hv/", "master") is
 * kept from LEVEL up instead of from the global level (the first
 * matching entry wins; each output's own level still applies).  With
 * apply false only checks.  Returns 0, or -1 with *err (RVIRT_ERR_CONFIG)
 * and the old filters kept.
 */
int log_set_filters(const char *filters, bool apply, struct rvirt_error *err);

/*
 * The audit trail (audit_log): "off"; "on", every audit record to every
 * log output whatever its level, at info; "file:PATH", to that file
 * only, one time-stamped line each.  With apply false only checks.
 * Returns 0, or -1 with *err (RVIRT_ERR_CONFIG).
 */
int log_audit_setup(const char *spec, bool apply, struct rvirt_error *err);

/* One audit record, if the audit trail is on. */
void log_audit(const struct log_fields *fields, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reopen every log file (and the audit file) by its path, on the same
 * descriptor, for log rotation (SIGHUP).  Errors are logged.
 */
void log_reopen(void);

/*
 * A start-up error, once: "PROG: MSG" on stderr ("<3>" first when it is
 * the journal), and the message at error level to every other output.
 */
void log_startup_error(const char *prog, const char *msg);

#endif
