/* SPDX-License-Identifier: MIT */
/* log: leveled logging to stderr, a file or syslog (log_outputs). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LOG_OUTPUTS_MAX 8
#define LOG_LINE_MAX 2048
#define LOG_BUF_MAX (LOG_LINE_MAX + 128) /* tag, level, time stamp */
#define LOG_TAG_MAX 64
#define LOG_IDENT_MAX 64

enum log_dest {
	LOG_DEST_STDERR,
	LOG_DEST_FILE,
	LOG_DEST_SYSLOG,
};

struct log_output {
	int level;
	enum log_dest dest;
	int fd; /* stderr or the file; -1 for syslog */
	char ident[LOG_IDENT_MAX];
};

/*
 * Until log_setup runs, warnings and errors still have to reach someone:
 * the startup path logs before the configuration is read.
 */
static struct log_output log_outputs[LOG_OUTPUTS_MAX] = {
	{ .level = LOG_LEVEL_WARN, .dest = LOG_DEST_STDERR, .fd = 2 },
};
static size_t log_noutputs = 1;
static int log_min_level = LOG_LEVEL_WARN;
static char log_tag[LOG_TAG_MAX] = "rvirtd";
/* syslog's ident pointer must stay valid while the log is open. */
static char log_syslog_ident[LOG_IDENT_MAX];
static bool log_syslog_open;

static const char *
log_level_name(int level)
{
	switch (level) {
	case LOG_LEVEL_DEBUG:
		return "debug";
	case LOG_LEVEL_INFO:
		return "info";
	case LOG_LEVEL_WARN:
		return "warning";
	default:
		return "error";
	}
}

static int
log_syslog_priority(int level)
{
	switch (level) {
	case LOG_LEVEL_DEBUG:
		return LOG_DEBUG;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	case LOG_LEVEL_WARN:
		return LOG_WARNING;
	default:
		return LOG_ERR;
	}
}

static void
log_outputs_close(struct log_output *outs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (outs[i].dest == LOG_DEST_FILE && outs[i].fd >= 0)
			close(outs[i].fd);
}

/* Parse one "L:stderr", "L:file:PATH" or "L:syslog:IDENT" entry. */
static int
log_output_parse(const char *entry, struct log_output *out,
		 struct rvirt_error *err)
{
	const char *rest;
	int fd;

	if (entry[0] < '1' || entry[0] > '4' || entry[1] != ':') {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"invalid log output '%s': expected a level 1 to 4, "
			"then ':'",
			entry);
		return -1;
	}
	out->level = entry[0] - '0';
	out->fd = -1;
	out->ident[0] = '\0';
	rest = entry + 2;
	if (strcmp(rest, "stderr") == 0) {
		out->dest = LOG_DEST_STDERR;
		out->fd = 2;
		return 0;
	}
	if (strncmp(rest, "file:", 5) == 0 && rest[5] != '\0') {
		fd = open(rest + 5,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			  0600);
		if (fd < 0) {
			err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				      errno, "cannot open log file '%s'",
				      rest + 5);
			return -1;
		}
		out->dest = LOG_DEST_FILE;
		out->fd = fd;
		return 0;
	}
	if (strncmp(rest, "syslog:", 7) == 0 && rest[7] != '\0') {
		size_t ilen = strlen(rest + 7);

		if (ilen >= sizeof(out->ident)) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log output '%s': syslog ident is "
				"longer than %zu bytes",
				entry, sizeof(out->ident) - 1);
			return -1;
		}
		out->dest = LOG_DEST_SYSLOG;
		memcpy(out->ident, rest + 7, ilen + 1);
		return 0;
	}
	err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
		"invalid log output '%s': expected 'L:stderr', 'L:file:PATH' "
		"or 'L:syslog:IDENT'",
		entry);
	return -1;
}

int
log_setup(int level, const char *outputs, struct rvirt_error *err)
{
	struct log_output outs[LOG_OUTPUTS_MAX];
	char entry[1024];
	const char *p = outputs ? outputs : "";
	const char *ident = NULL;
	size_t n = 0, len;
	int ret = -1;

	if (level < LOG_LEVEL_DEBUG || level > LOG_LEVEL_ERROR) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"invalid log level '%d': expected 1 to 4", level);
		return -1;
	}
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		if (len >= sizeof(entry)) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log output '%.32s...': longer than "
				"%zu bytes",
				p, sizeof(entry) - 1);
			goto out;
		}
		if (n == LOG_OUTPUTS_MAX) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log outputs '%s': more than %d "
				"entries",
				outputs, LOG_OUTPUTS_MAX);
			goto out;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		p += len;
		if (log_output_parse(entry, &outs[n], err) < 0)
			goto out;
		if (outs[n].dest == LOG_DEST_SYSLOG) {
			if (ident && strcmp(ident, outs[n].ident) != 0) {
				err_set(err, RVIRT_ERR_CONFIG,
					RVIRT_FROM_CONFIG,
					"invalid log outputs '%s': syslog can "
					"only have one ident",
					outputs);
				goto out;
			}
			ident = outs[n].ident;
		}
		n++;
	}

	log_shutdown();
	memcpy(log_outputs, outs, n * sizeof(outs[0]));
	log_noutputs = n;
	log_min_level = level;
	if (ident) {
		snprintf(log_syslog_ident, sizeof(log_syslog_ident), "%s",
			 ident);
		openlog(log_syslog_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = true;
	}
	n = 0; /* now owned by the globals */
	ret = 0;
out:
	log_outputs_close(outs, n);
	return ret;
}

void
log_shutdown(void)
{
	log_outputs_close(log_outputs, log_noutputs);
	if (log_syslog_open) {
		closelog();
		log_syslog_open = false;
	}
	log_outputs[0] = (struct log_output){
		.level = LOG_LEVEL_WARN,
		.dest = LOG_DEST_STDERR,
		.fd = 2,
	};
	log_noutputs = 1;
	log_min_level = LOG_LEVEL_WARN;
}

void
log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag ? tag : "");
}

/* Length of the line snprintf produced, kept ending in '\n' if truncated. */
static size_t
log_line_end(char *line, int len)
{
	if (len < 1)
		return 0;
	if (len > LOG_BUF_MAX - 1) {
		len = LOG_BUF_MAX - 1;
		line[len - 1] = '\n';
	}
	return (size_t)len;
}

/* One write per line, so that lines from several processes do not mix. */
static void
log_write_line(int fd, const char *line, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

void
log_msg(int level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], line[LOG_BUF_MAX], stamp[64];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int saved = errno, len;
	bool have_stamp = false;

	if (level < log_min_level)
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	for (size_t i = 0; i < log_noutputs; i++) {
		const struct log_output *o = &log_outputs[i];

		if (level < o->level)
			continue;
		switch (o->dest) {
		case LOG_DEST_SYSLOG:
			syslog(log_syslog_priority(level), "%s: %s",
			       log_level_name(level), msg);
			break;
		case LOG_DEST_FILE:
			/* A file has no other way to tell when it happened. */
			if (!have_stamp) {
				clock_gettime(CLOCK_REALTIME, &ts);
				gmtime_r(&ts.tv_sec, &tm);
				len = (int)strftime(stamp, sizeof(stamp),
						    "%Y-%m-%d %H:%M:%S", &tm);
				snprintf(stamp + len, sizeof(stamp) - len,
					 ".%03ldZ ", ts.tv_nsec / 1000000);
				have_stamp = true;
			}
			len = snprintf(line, sizeof(line), "%s%s: %s: %s\n",
				       stamp, log_tag, log_level_name(level),
				       msg);
			log_write_line(o->fd, line, log_line_end(line, len));
			break;
		case LOG_DEST_STDERR:
			len = snprintf(line, sizeof(line), "%s: %s: %s\n",
				       log_tag, log_level_name(level), msg);
			log_write_line(o->fd, line, log_line_end(line, len));
			break;
		}
	}
out:
	errno = saved;
}
