/* SPDX-License-Identifier: MIT */
/* log: leveled logging to stderr, a file or syslog (log_outputs). */
#ifndef RVIRT_COMMON_LOG_H
#define RVIRT_COMMON_LOG_H

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

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
