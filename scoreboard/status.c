/* SPDX-License-Identifier: MIT */
/* status: a scoreboard snapshot as text for people and for Prometheus. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "status.h"

/* Room for every byte of the longest client identity written as \xNN. */
#define STATUS_ESCAPED_MAX (4 * SB_CLIENT_MAX + 1)

static const enum sb_state status_states[] = {
	SB_STATE_STARTING, SB_STATE_IDLE,    SB_STATE_READING,
	SB_STATE_BUSY,	   SB_STATE_CLOSING, SB_STATE_GRACEFUL,
	SB_STATE_DEAD,	   SB_STATE_UNKNOWN,
};
#define STATUS_NSTATES (sizeof(status_states) / sizeof(status_states[0]))

static int
status_finish(FILE *fp, struct rvirt_error *err)
{
	if (fflush(fp) != 0 || ferror(fp)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			      errno ? errno : EIO,
			      "cannot write the scoreboard status");
		return -1;
	}
	return 0;
}

static int64_t
status_seconds(int64_t ns)
{
	return ns > 0 ? ns / 1000000000 : 0;
}

static int64_t
status_uptime_ns(const struct sb_snapshot *snap)
{
	int64_t up = snap->now_mono_ns - snap->start_mono_ns;

	return up > 0 ? up : 0;
}

/* Copy src to dst with every byte outside printable ASCII as \xNN. */
static void
status_escape_text(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	for (; *s && o + 5 <= size; s++) {
		if (*s >= 0x20 && *s < 0x7f && *s != '\\') {
			dst[o++] = (char)*s;
		} else if (*s == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*s >> 4];
			dst[o++] = hex[*s & 0xf];
		}
	}
	dst[o] = '\0';
}

static unsigned int
status_count_state(const struct sb_snapshot *snap, enum sb_state state)
{
	unsigned int i, n = 0;

	for (i = 0; i < snap->nslots; i++)
		if (snap->slots[i].state == state)
			n++;
	return n;
}

static void
status_print_summary(const struct sb_snapshot *snap, FILE *fp)
{
	int64_t up = status_seconds(status_uptime_ns(snap));
	double up_exact = (double)status_uptime_ns(snap) / 1e9;
	uint64_t calls = snap->totals[SB_TOTAL_CALLS];
	time_t start = (time_t)snap->start_time;
	char when[32] = "?";
	struct tm tm;
	unsigned int i, used;
	const char *sep = "";

	if (gmtime_r(&start, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(fp,
		"rvirtd master %ld (%s), generation %" PRIu64 ", up %" PRId64
		"d %02" PRId64 ":%02" PRId64 ":%02" PRId64 " since %s\n",
		(long)snap->master_pid,
		snap->master_alive ? "running" : "not running",
		snap->generation, up / 86400, up / 3600 % 24, up / 60 % 60,
		up % 60, when);

	used = snap->nslots - status_count_state(snap, SB_STATE_EMPTY);
	fprintf(fp, "workers: %u in use of %u slots: ", used, snap->nslots);
	for (i = 0; i < STATUS_NSTATES; i++) {
		fprintf(fp, "%s%u %s", sep,
			status_count_state(snap, status_states[i]),
			sb_state_name(status_states[i]));
		sep = ", ";
	}
	fputc('\n', fp);

	fprintf(fp,
		"totals: %" PRIu64 " connections accepted, %" PRIu64
		" calls served (%.2f calls/s since start), %" PRIu64
		" workers spawned, %" PRIu64 " crashed\n",
		snap->totals[SB_TOTAL_ACCEPTED], calls,
		up_exact > 0 ? (double)calls / up_exact : 0.0,
		snap->totals[SB_TOTAL_SPAWNS], snap->totals[SB_TOTAL_CRASHES]);
}

static void
status_print_row(const struct sb_snapshot *snap, unsigned int idx, FILE *fp)
{
	const struct sb_slot_info *w = &snap->slots[idx];
	char proc[STATUS_ESCAPED_MAX], client[STATUS_ESCAPED_MAX];
	char last[32] = "-";
	int64_t age;

	if (w->state == SB_STATE_UNKNOWN) {
		/* No consistent copy: print nothing of it but the slot. */
		fprintf(fp, "%4u %7s %5s %-9s %6s %8s %10s %7s %-24s %s\n", idx,
			"-", "-", "unknown", "-", "-", "-", "-", "-", "-");
		return;
	}
	if (w->proc < 0)
		snprintf(proc, sizeof(proc), "-");
	else if (w->proc_name[0] == '\0')
		snprintf(proc, sizeof(proc), "#%" PRId32, w->proc);
	else
		status_escape_text(proc, sizeof(proc), w->proc_name);
	if (w->client[0] == '\0')
		snprintf(client, sizeof(client), "-");
	else
		status_escape_text(client, sizeof(client), w->client);
	if (w->state_ns > 0) {
		age = snap->now_mono_ns - w->state_ns;
		snprintf(last, sizeof(last), "%.1f",
			 age > 0 ? (double)age / 1e9 : 0.0);
	}
	fprintf(fp,
		"%4u %7ld %5" PRIu64 " %-9s %6" PRIu64 " %8" PRIu64
		" %10" PRIu64 " %7s %-24s %s\n",
		idx, (long)w->pid, w->generation, sb_state_name(w->state),
		w->conns_open, w->conns_total, w->calls, last, proc, client);
}

int
status_print_text(const struct sb_snapshot *snap,
		  const struct metrics_snapshot *ms, FILE *fp,
		  struct rvirt_error *err)
{
	unsigned int i;

	status_print_summary(snap, fp);
	fputc('\n', fp);
	fprintf(fp, "%4s %7s %5s %-9s %6s %8s %10s %7s %-24s %s\n", "slot",
		"pid", "gen", "state", "conns", "total", "calls", "last",
		"procedure", "client");
	for (i = 0; i < snap->nslots; i++)
		if (snap->slots[i].state != SB_STATE_EMPTY)
			status_print_row(snap, i, fp);
	fprintf(fp, "(last: seconds since the worker's last state change)\n");
	if (ms) {
		fputc('\n', fp);
		metrics_print_text(ms, fp);
	}
	return status_finish(fp, err);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
status_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A label value as the format wants it: escaped and valid UTF-8. */
static void
status_put_label_value(FILE *fp, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), i = 0, len;

	while (i < n) {
		if (s[i] == '\\' || s[i] == '"') {
			fputc('\\', fp);
			fputc(s[i++], fp);
			continue;
		}
		if (s[i] == '\n') {
			fputs("\\n", fp);
			i++;
			continue;
		}
		len = status_utf8_len(s + i, n - i);
		if (len == 0) {
			fputs("\xef\xbf\xbd", fp); /* U+FFFD */
			i++;
			continue;
		}
		fwrite(s + i, 1, len, fp);
		i += len;
	}
}

static bool
status_slot_listed(const struct sb_slot_info *w)
{
	return w->state != SB_STATE_EMPTY && w->state != SB_STATE_UNKNOWN;
}

static uint64_t
status_get_calls(const struct sb_slot_info *w)
{
	return w->calls;
}

static uint64_t
status_get_conns_total(const struct sb_slot_info *w)
{
	return w->conns_total;
}

static uint64_t
status_get_conns_open(const struct sb_slot_info *w)
{
	return w->conns_open;
}

/* One sample per listed slot of a per-worker counter or gauge. */
static void
status_put_worker_family(const struct sb_snapshot *snap, enum expofmt_mode mode,
			 FILE *fp, const char *name, const char *type,
			 const char *help,
			 uint64_t (*get)(const struct sb_slot_info *))
{
	const struct sb_slot_info *w;
	unsigned int i;

	expofmt_family(fp, mode, name, type, NULL, help);
	for (i = 0; i < snap->nslots; i++) {
		w = &snap->slots[i];
		if (!status_slot_listed(w))
			continue;
		fprintf(fp, "%s{slot=\"%u\"} %" PRIu64 "\n", name, i, get(w));
	}
}

static void
status_put_worker_info(const struct sb_snapshot *snap, enum expofmt_mode mode,
		       FILE *fp)
{
	const struct sb_slot_info *w;
	unsigned int i;

	expofmt_family(fp, mode, "rvirtd_worker_info", "info", NULL,
		       "Generation, state, current or last procedure and "
		       "client of the worker in a slot (always 1).");
	for (i = 0; i < snap->nslots; i++) {
		w = &snap->slots[i];
		if (!status_slot_listed(w))
			continue;
		fprintf(fp,
			"rvirtd_worker_info{slot=\"%u\","
			"generation=\"%" PRIu64 "\",state=\"%s\",procedure=\"",
			i, w->generation, sb_state_name(w->state));
		status_put_label_value(fp, w->proc < 0 ? "" : w->proc_name);
		fputs("\",client=\"", fp);
		status_put_label_value(fp, w->client);
		fputs("\"} 1\n", fp);
	}
}

int
status_print_exposition(const struct sb_snapshot *snap,
			const struct metrics_snapshot *ms,
			enum expofmt_mode mode, FILE *fp,
			struct rvirt_error *err)
{
	static const struct {
		enum sb_total total;
		const char *name;
		const char *help;
	} totals[] = {
		{ SB_TOTAL_ACCEPTED, "rvirtd_connections_accepted_total",
		  "Connections accepted since the master started." },
		{ SB_TOTAL_CALLS, "rvirtd_calls_total",
		  "Calls served since the master started." },
		{ SB_TOTAL_SPAWNS, "rvirtd_worker_spawns_total",
		  "Workers spawned since the master started." },
		{ SB_TOTAL_CRASHES, "rvirtd_worker_crashes_total",
		  "Workers that died abnormally since the master started." },
	};
	unsigned int i;

	expofmt_family(fp, mode, "rvirtd_up", "gauge", NULL,
		       "Whether the master that owns the scoreboard is "
		       "running (1) or not (0).");
	fprintf(fp, "rvirtd_up %d\n", snap->master_alive ? 1 : 0);
	expofmt_family(fp, mode, "rvirtd_start_time_seconds", "gauge",
		       "seconds",
		       "Start time of the master since the Unix epoch in "
		       "seconds.");
	fprintf(fp, "rvirtd_start_time_seconds %" PRId64 "\n",
		snap->start_time);
	expofmt_family(fp, mode, "rvirtd_generation", "gauge", NULL,
		       "Configuration generation of the master, bumped by "
		       "each reload.");
	fprintf(fp, "rvirtd_generation %" PRIu64 "\n", snap->generation);
	expofmt_family(fp, mode, "rvirtd_scoreboard_slots", "gauge", NULL,
		       "Worker slots in the scoreboard.");
	fprintf(fp, "rvirtd_scoreboard_slots %u\n", snap->nslots);
	expofmt_family(fp, mode, "rvirtd_workers", "gauge", NULL,
		       "Scoreboard slots by worker state.");
	for (i = 0; i < STATUS_NSTATES; i++)
		fprintf(fp, "rvirtd_workers{state=\"%s\"} %u\n",
			sb_state_name(status_states[i]),
			status_count_state(snap, status_states[i]));
	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		expofmt_family(fp, mode, totals[i].name, "counter", NULL,
			       totals[i].help);
		fprintf(fp, "%s %" PRIu64 "\n", totals[i].name,
			snap->totals[totals[i].total]);
	}
	status_put_worker_family(
		snap, mode, fp, "rvirtd_worker_calls_total", "counter",
		"Calls served by the worker in a slot.", status_get_calls);
	status_put_worker_family(
		snap, mode, fp, "rvirtd_worker_connections_accepted_total",
		"counter", "Connections accepted by the worker in a slot.",
		status_get_conns_total);
	status_put_worker_family(snap, mode, fp, "rvirtd_worker_connections",
				 "gauge",
				 "Connections open in the worker in a slot.",
				 status_get_conns_open);
	status_put_worker_info(snap, mode, fp);
	if (ms)
		metrics_print_exposition(ms, mode, fp);
	return status_finish(fp, err);
}

int
status_print_prometheus(const struct sb_snapshot *snap,
			const struct metrics_snapshot *ms, FILE *fp,
			struct rvirt_error *err)
{
	return status_print_exposition(snap, ms, EXPOFMT_TEXT, fp, err);
}
