/* SPDX-License-Identifier: MIT */
/* log: leveled logging to stderr, files, syslog or journald; the audit trail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#define LOG_FILTERS_MAX 16
#define LOG_MATCH_MAX 64
#define LOG_PATH_MAX 1024

enum log_dest {
	LOG_DEST_STDERR,
	LOG_DEST_FILE,
	LOG_DEST_SYSLOG,
	LOG_DEST_JOURNALD,
};

struct log_output {
	int level;
	enum log_dest dest;
	int fd; /* stderr or the file; -1 for syslog and journald */
	char ident[LOG_IDENT_MAX];
	char path[LOG_PATH_MAX]; /* the file's, for log_reopen */
};

struct log_filter {
	int level;
	char match[LOG_MATCH_MAX];
};

enum log_audit_mode {
	LOG_AUDIT_OFF,
	LOG_AUDIT_ON,
	LOG_AUDIT_FILE,
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
static log_journal_fn log_journal;
/* stderr is the journal (JOURNAL_STREAM): "<N>" priority prefixes. */
static bool log_stderr_journal;
static struct log_filter log_filters[LOG_FILTERS_MAX];
static size_t log_nfilters;
static enum log_audit_mode log_audit_mode = LOG_AUDIT_ON;
static int log_audit_fd = -1;
static char log_audit_path[LOG_PATH_MAX];

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

int
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
	if (strcmp(rest, "journald") == 0) {
		if (!log_journal) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log output '%s': no journald here",
				entry);
			return -1;
		}
		out->dest = LOG_DEST_JOURNALD;
		return 0;
	}
	if (strncmp(rest, "file:", 5) == 0 && rest[5] != '\0') {
		if (strlen(rest + 5) >= sizeof(out->path)) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log output '%.64s...': path too long",
				entry);
			return -1;
		}
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
		snprintf(out->path, sizeof(out->path), "%s", rest + 5);
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
		"invalid log output '%s': expected 'L:stderr', 'L:file:PATH', "
		"'L:syslog:IDENT' or 'L:journald'",
		entry);
	return -1;
}

static void log_emit(int level, const struct log_fields *fields,
		     const char *msg, bool force, bool no_stderr);
static void log_write_line(int fd, const char *line, size_t len);
static size_t log_line_end(char *line, int len);

/* JOURNAL_STREAM="DEV:INODE" names stderr when systemd connected it. */
static bool
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
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
	log_stderr_journal = log_stderr_is_journal();
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
log_set_journal(log_journal_fn fn)
{
	log_journal = fn;
}

int
log_set_filters(const char *filters, bool apply, struct rvirt_error *err)
{
	struct log_filter fl[LOG_FILTERS_MAX];
	const char *p = filters ? filters : "";
	size_t n = 0, len;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		if (n == LOG_FILTERS_MAX) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log filters '%.64s': more than %d "
				"entries",
				filters, LOG_FILTERS_MAX);
			return -1;
		}
		if (len < 3 || p[0] < '1' || p[0] > '4' || p[1] != ':' ||
		    len - 2 >= LOG_MATCH_MAX) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"invalid log filter '%.*s': expected a level "
				"1 to 4, ':' and a source name of 1 to %d "
				"bytes",
				(int)(len > 80 ? 80 : len), p,
				LOG_MATCH_MAX - 1);
			return -1;
		}
		fl[n].level = p[0] - '0';
		memcpy(fl[n].match, p + 2, len - 2);
		fl[n].match[len - 2] = '\0';
		n++;
		p += len;
	}
	if (apply) {
		memcpy(log_filters, fl, n * sizeof(fl[0]));
		log_nfilters = n;
	}
	return 0;
}

int
log_audit_setup(const char *spec, bool apply, struct rvirt_error *err)
{
	enum log_audit_mode mode;
	const char *path = NULL;
	int fd = -1;

	if (!spec || strcmp(spec, "on") == 0) {
		mode = LOG_AUDIT_ON;
	} else if (strcmp(spec, "off") == 0) {
		mode = LOG_AUDIT_OFF;
	} else if (strncmp(spec, "file:", 5) == 0 && spec[5] == '/' &&
		   strlen(spec + 5) < sizeof(log_audit_path)) {
		mode = LOG_AUDIT_FILE;
		path = spec + 5;
	} else {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"invalid audit_log '%.64s': expected 'off', 'on' or "
			"'file:/ABSOLUTE/PATH'",
			spec);
		return -1;
	}
	if (!apply)
		return 0;
	if (path) {
		fd = open(path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			  0600);
		if (fd < 0) {
			err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				      errno, "cannot open audit log '%s'",
				      path);
			return -1;
		}
	}
	if (log_audit_fd >= 0)
		close(log_audit_fd);
	log_audit_fd = fd;
	log_audit_mode = mode;
	snprintf(log_audit_path, sizeof(log_audit_path), "%s",
		 path ? path : "");
	return 0;
}

/* Open path again onto fd: the file rotated away is let go. */
static void
log_reopen_fd(int fd, const char *path)
{
	int nfd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		     0600);

	if (nfd < 0) {
		log_error("cannot reopen log file '%s': %s", path,
			  strerror(errno));
		return;
	}
	if (dup3(nfd, fd, O_CLOEXEC) < 0)
		log_error("cannot reopen log file '%s': %s", path,
			  strerror(errno));
	close(nfd);
}

void
log_reopen(void)
{
	for (size_t i = 0; i < log_noutputs; i++)
		if (log_outputs[i].dest == LOG_DEST_FILE &&
		    log_outputs[i].fd >= 0)
			log_reopen_fd(log_outputs[i].fd, log_outputs[i].path);
	if (log_audit_fd >= 0)
		log_reopen_fd(log_audit_fd, log_audit_path);
}

void
log_startup_error(const char *prog, const char *msg)
{
	char line[LOG_BUF_MAX];
	int len = snprintf(line, sizeof(line), "%s%s: %s\n",
			   log_stderr_journal ? "<3>" : "", prog, msg);

	log_write_line(2, line, log_line_end(line, len));
	if (LOG_LEVEL_ERROR >= log_min_level)
		log_emit(LOG_LEVEL_ERROR, NULL, msg, false, true);
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

/* The level from which messages of src are kept (log_filters). */
static int
log_threshold(const char *src)
{
	if (src)
		for (size_t i = 0; i < log_nfilters; i++)
			if (strstr(src, log_filters[i].match))
				return log_filters[i].level;
	return log_min_level;
}

/* "2026-01-02 03:04:05.678Z " */
static void
log_stamp(char *stamp, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t len;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(stamp, size, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(stamp + len, size - len, ".%03ldZ ", ts.tv_nsec / 1000000);
}

/* Write msg to every output that takes level (all of them with force). */
static void
log_emit(int level, const struct log_fields *fields, const char *msg,
	 bool force, bool no_stderr)
{
	char line[LOG_BUF_MAX], stamp[64];
	bool have_stamp = false;
	int len;

	for (size_t i = 0; i < log_noutputs; i++) {
		const struct log_output *o = &log_outputs[i];

		if (!force && level < o->level)
			continue;
		if (no_stderr && o->dest == LOG_DEST_STDERR)
			continue;
		switch (o->dest) {
		case LOG_DEST_SYSLOG:
			syslog(log_syslog_priority(level), "%s: %s",
			       log_level_name(level), msg);
			break;
		case LOG_DEST_JOURNALD:
			if (log_journal)
				log_journal(level, fields, msg);
			break;
		case LOG_DEST_FILE:
			/* A file has no other way to tell when it happened. */
			if (!have_stamp) {
				log_stamp(stamp, sizeof(stamp));
				have_stamp = true;
			}
			len = snprintf(line, sizeof(line), "%s%s: %s: %s\n",
				       stamp, log_tag, log_level_name(level),
				       msg);
			log_write_line(o->fd, line, log_line_end(line, len));
			break;
		case LOG_DEST_STDERR:
			/* The journal reads "<N>" as the line's priority. */
			if (log_stderr_journal)
				len = snprintf(
					line, sizeof(line), "<%d>%s: %s: %s\n",
					log_syslog_priority(level), log_tag,
					log_level_name(level), msg);
			else
				len = snprintf(line, sizeof(line),
					       "%s: %s: %s\n", log_tag,
					       log_level_name(level), msg);
			log_write_line(o->fd, line, log_line_end(line, len));
			break;
		}
	}
}

void
log_msg_src(const char *src, const struct log_fields *fields, int level,
	    const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;
	int saved = errno;

	if (level < log_threshold(src))
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(level, fields, msg, false, false);
out:
	errno = saved;
}

void
log_msg(int level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;
	int saved = errno;

	if (level < log_min_level)
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(level, NULL, msg, false, false);
out:
	errno = saved;
}

void
log_audit(const struct log_fields *fields, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], line[LOG_BUF_MAX], stamp[64];
	va_list ap;
	int saved = errno, len;

	if (log_audit_mode == LOG_AUDIT_OFF)
		goto out;
	memcpy(msg, "audit: ", 7);
	va_start(ap, fmt);
	vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
	va_end(ap);
	if (log_audit_mode == LOG_AUDIT_ON) {
		log_emit(LOG_LEVEL_INFO, fields, msg, true, false);
	} else if (log_audit_fd >= 0) {
		log_stamp(stamp, sizeof(stamp));
		len = snprintf(line, sizeof(line), "%s%s: %s\n", stamp, log_tag,
			       msg);
		log_write_line(log_audit_fd, line, log_line_end(line, len));
	}
out:
	errno = saved;
}
