/* SPDX-License-Identifier: MIT */
/* sbtool: drives and checks a scoreboard for the tests. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../common/err.h"
#include "../../scoreboard/scoreboard.h"
#include "../../scoreboard/status.h"

/*
 * The writer's pattern.  Iteration i sets the client identity to
 * "<i>:<fill>:<i>" with a fill whose length and letter follow from i, and
 * starts call proc = i & PROC_MASK named "p<proc % 1000000>_<FILL>".  So a
 * copy made of two writes shows as a string that disagrees with itself,
 * or with the counters written in the same or the following sections.
 */
#define PROC_MASK UINT64_C(0x7fffffff)
#define CONN_EVERY 64
#define TORN_REPORT_MAX 10

static void
usage(void)
{
	fprintf(stderr,
		"usage: sbtool create PATH NSLOTS\n"
		"       sbtool claim PATH PID GENERATION\n"
		"       sbtool release PATH SLOT\n"
		"       sbtool writer PATH SLOT SECONDS\n"
		"       sbtool reader PATH SECONDS [--raw]\n"
		"       sbtool state PATH SLOT STATE\n"
		"       sbtool call PATH SLOT PROC NAME\n"
		"       sbtool client PATH SLOT IDENTITY\n"
		"       sbtool conn PATH SLOT open|close\n"
		"       sbtool crash PATH\n"
		"       sbtool status PATH [--format=text|prometheus]\n");
	exit(2);
}

static long long
parse_num(const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "sbtool: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sb *
attach_or_die(const char *path, bool writable)
{
	struct rvirt_error err;
	struct sb *sb = sb_attach(path, writable, &err);

	if (!sb) {
		fprintf(stderr, "sbtool: %s\n", err.message);
		exit(1);
	}
	return sb;
}

static int
slot_or_die(const struct sb *sb, const char *s)
{
	return (int)parse_num(s, 0, (long long)sb_nslots(sb) - 1);
}

static void
pattern_client(char *buf, size_t size, uint64_t i)
{
	size_t fill = (size_t)(i * 37 % 201);
	int n = snprintf(buf, size, "%" PRIu64 ":", i);

	memset(buf + n, 'a' + (int)(i % 26), fill);
	snprintf(buf + n + fill, size - (size_t)n - fill, ":%" PRIu64, i);
}

static void
pattern_proc_name(char *buf, size_t size, uint64_t proc)
{
	size_t fill = (size_t)(proc * 13 % 50);
	int n = snprintf(buf, size, "p%" PRIu64 "_", proc % 1000000);

	memset(buf + n, 'A' + (int)(proc % 26), fill);
	buf[n + fill] = '\0';
}

static int
cmd_writer(const char *path, const char *slot_arg, const char *secs_arg)
{
	struct sb *sb = attach_or_die(path, true);
	int idx = slot_or_die(sb, slot_arg);
	double end = now_seconds() + (double)parse_num(secs_arg, 0, 3600);
	char client[SB_CLIENT_MAX], name[SB_PROC_NAME_MAX];
	struct sb_snapshot snap;
	struct rvirt_error err;
	uint64_t i, start;

	/* Go on from the calls already counted: the reader checks i == calls. */
	if (sb_snapshot(sb, &snap, &err) != 0) {
		fprintf(stderr, "sbtool: %s\n", err.message);
		return 1;
	}
	start = snap.slots[idx].calls;
	sb_snapshot_release(&snap);
	sb_slot_set_pid(sb, idx, getpid());
	for (i = start;; i++) {
		if ((i & 1023) == 0 && now_seconds() >= end)
			break;
		sb_slot_set_state(sb, idx, SB_STATE_READING);
		pattern_client(client, sizeof(client), i);
		sb_slot_set_client(sb, idx, client);
		pattern_proc_name(name, sizeof(name), i & PROC_MASK);
		sb_slot_call_begin(sb, idx, (int32_t)(i & PROC_MASK), name);
		if (i % CONN_EVERY == 0)
			sb_slot_conn_open(sb, idx);
		else if (i % CONN_EVERY == CONN_EVERY / 2)
			sb_slot_conn_close(sb, idx);
		sb_slot_call_end(sb, idx);
	}
	printf("writer slot %d: %" PRIu64 " iterations\n", idx, i - start);
	sb_detach(sb);
	return 0;
}

/* Whether client is exactly pattern_client(n) for some n; sets *n. */
static bool
check_client(const char *client, uint64_t *n)
{
	char want[SB_CLIENT_MAX];
	char *end;

	errno = 0;
	*n = strtoull(client, &end, 10);
	if (errno || end == client || *end != ':')
		return false;
	pattern_client(want, sizeof(want), *n);
	return strcmp(want, client) == 0;
}

static bool
check_proc(const struct sb_slot_info *w)
{
	char want[SB_PROC_NAME_MAX];

	if (w->proc < 0)
		return w->proc == -1 && w->proc_name[0] == '\0';
	pattern_proc_name(want, sizeof(want), (uint64_t)w->proc);
	return strcmp(want, w->proc_name) == 0;
}

/*
 * What must hold in a copy of a slot the writer has been hammering.
 * Returns NULL, or what is wrong.
 */
static const char *
check_slot(const struct sb_slot_info *w, uint64_t prev_calls)
{
	uint64_t n = UINT64_MAX, calls = w->calls, last = calls - 1;

	if (calls < prev_calls)
		return "calls went backwards";
	if (w->conns_open > w->conns_total)
		return "more connections open than accepted";
	if (!check_proc(w))
		return "procedure number and name disagree";
	if (w->client[0] && !check_client(w->client, &n))
		return "client identity is not one string of the pattern";
	if (calls == 0 && w->state != SB_STATE_BUSY)
		return NULL;
	switch (w->state) {
	case SB_STATE_BUSY:
		/* call_begin(i) follows set_client(i), with calls == i. */
		if ((uint64_t)w->proc != (calls & PROC_MASK) || n != calls)
			return "busy: calls, procedure and client disagree";
		break;
	case SB_STATE_IDLE:
		/* call_end(i) made calls i + 1; conns follow from i. */
		if ((uint64_t)w->proc != (last & PROC_MASK) || n != last)
			return "idle: calls, procedure and client disagree";
		if (w->conns_total != last / CONN_EVERY + 1 ||
		    w->conns_open != (last % CONN_EVERY < CONN_EVERY / 2))
			return "idle: connections disagree with calls";
		break;
	case SB_STATE_READING:
		/* Before or after set_client(calls). */
		if ((uint64_t)w->proc != (last & PROC_MASK) ||
		    (n != last && n != calls))
			return "reading: calls, procedure and client disagree";
		break;
	default:
		return "state the writer never sets";
	}
	return NULL;
}

/*
 * The control for the reader's checks: copy the slots with no seqlock at
 * all, as a careless reader would, into snap->slots.
 */
static void
raw_copy(const struct sb_shm_slot *slots, unsigned int nslots,
	 struct sb_snapshot *snap)
{
	struct sb_slot_info *w;
	struct sb_shm_slot c;
	unsigned int i;

	for (i = 0; i < nslots; i++) {
		memcpy(&c, &slots[i], sizeof(c));
		w = &snap->slots[i];
		w->state = c.state < SB_NSTATES ? (enum sb_state)c.state
						: SB_STATE_UNKNOWN;
		w->pid = c.pid;
		w->calls = c.calls;
		w->conns_open = c.conns_open;
		w->conns_total = c.conns_total;
		w->proc = c.proc;
		memcpy(w->proc_name, c.proc_name, sizeof(w->proc_name));
		w->proc_name[sizeof(w->proc_name) - 1] = '\0';
		memcpy(w->client, c.client, sizeof(w->client));
		w->client[sizeof(w->client) - 1] = '\0';
	}
}

/* Map path read-only as it is, with no checks: the control needs none. */
static unsigned char *
raw_map(const char *path, size_t len)
{
	unsigned char *base;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "sbtool: cannot open '%s': %s\n", path,
			strerror(errno));
		exit(1);
	}
	base = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		fprintf(stderr, "sbtool: cannot map '%s': %s\n", path,
			strerror(errno));
		exit(1);
	}
	return base;
}

static int
cmd_reader(const char *path, const char *secs_arg, bool raw)
{
	struct sb *sb = attach_or_die(path, false);
	double end = now_seconds() + (double)parse_num(secs_arg, 0, 3600);
	uint64_t snaps = 0, checked = 0, unknown = 0, torn = 0;
	unsigned int i, nslots = sb_nslots(sb);
	uint64_t *prev = calloc(nslots, sizeof(*prev));
	size_t hdr_len =
		sizeof(struct sb_shm_header) + sizeof(struct sb_shm_global);
	size_t raw_len = hdr_len + (size_t)nslots * sizeof(struct sb_shm_slot);
	unsigned char *raw_base = NULL;
	const struct sb_slot_info *w;
	struct sb_snapshot snap = { 0 };
	struct rvirt_error err;
	const char *why;
	int rc = 1;

	if (!prev) {
		fprintf(stderr, "sbtool: out of memory\n");
		goto out;
	}
	if (raw) {
		raw_base = raw_map(path, raw_len);
		snap.nslots = nslots;
		snap.slots = calloc(nslots, sizeof(*snap.slots));
		if (!snap.slots) {
			fprintf(stderr, "sbtool: out of memory\n");
			goto out;
		}
	}
	while (now_seconds() < end) {
		if (raw) {
			raw_copy((const struct sb_shm_slot *)(raw_base +
							      hdr_len),
				 nslots, &snap);
		} else if (sb_snapshot(sb, &snap, &err) != 0) {
			fprintf(stderr, "sbtool: %s\n", err.message);
			goto out;
		}
		snaps++;
		for (i = 0; i < nslots; i++) {
			w = &snap.slots[i];
			if (w->state == SB_STATE_UNKNOWN) {
				unknown++;
				continue;
			}
			if (w->state == SB_STATE_EMPTY ||
			    w->state == SB_STATE_STARTING)
				continue;
			checked++;
			why = check_slot(w, prev[i]);
			prev[i] = w->calls;
			if (!why)
				continue;
			if (torn++ < TORN_REPORT_MAX)
				fprintf(stderr,
					"sbtool: torn read of slot %u: %s "
					"(state %s, calls %" PRIu64
					", proc %" PRId32
					" '%s', conns %" PRIu64 "/%" PRIu64
					", client '%s')\n",
					i, why, sb_state_name(w->state),
					w->calls, w->proc, w->proc_name,
					w->conns_open, w->conns_total,
					w->client);
		}
		if (!raw)
			sb_snapshot_release(&snap);
	}
	printf("reader: %" PRIu64 " snapshots, %" PRIu64
	       " slot copies checked, %" PRIu64 " unknown, %" PRIu64 " torn\n",
	       snaps, checked, unknown, torn);
	rc = torn ? 1 : 0;
out:
	if (raw_base)
		munmap(raw_base, raw_len);
	sb_snapshot_release(&snap);
	free(prev);
	sb_detach(sb);
	return rc;
}

static int
parse_state(const char *s)
{
	int st;

	for (st = 0; st < SB_NSTATES; st++)
		if (strcmp(s, sb_state_name((enum sb_state)st)) == 0)
			return st;
	fprintf(stderr, "sbtool: unknown state '%s'\n", s);
	exit(2);
}

static int
cmd_status(const char *path, const char *format)
{
	struct sb *sb = attach_or_die(path, false);
	struct sb_snapshot snap;
	struct rvirt_error err;
	int rc = 1;

	if (sb_snapshot(sb, &snap, &err) != 0)
		goto out;
	if (strcmp(format, "prometheus") == 0)
		rc = status_print_prometheus(&snap, NULL, stdout, &err);
	else
		rc = status_print_text(&snap, NULL, stdout, &err);
	sb_snapshot_release(&snap);
out:
	if (rc != 0)
		fprintf(stderr, "sbtool: %s\n", err.message);
	sb_detach(sb);
	return rc ? 1 : 0;
}

static int
cmd_create(const char *path, const char *n_arg)
{
	struct rvirt_error err;
	struct sb *sb;

	sb = sb_create(path, (unsigned int)parse_num(n_arg, 0, 1LL << 30),
		       &err);
	if (!sb) {
		fprintf(stderr, "sbtool: %s\n", err.message);
		return 1;
	}
	sb_detach(sb);
	return 0;
}

static int
cmd_slot(int argc, char **argv)
{
	struct sb *sb = attach_or_die(argv[2], true);
	const char *cmd = argv[1];
	int idx, rc = 0;

	if (strcmp(cmd, "claim") == 0) {
		idx = sb_slot_claim(sb, (pid_t)parse_num(argv[3], 0, INT32_MAX),
				    (uint64_t)parse_num(argv[4], 0, INT64_MAX));
		if (idx < 0) {
			fprintf(stderr, "sbtool: every slot is taken\n");
			rc = 1;
		} else {
			printf("%d\n", idx);
		}
		goto out;
	}
	if (strcmp(cmd, "crash") == 0) {
		sb_global_add(sb, SB_TOTAL_CRASHES, 1);
		goto out;
	}
	if (argc < 4)
		usage();
	idx = slot_or_die(sb, argv[3]);
	if (strcmp(cmd, "release") == 0)
		sb_slot_release(sb, idx);
	else if (strcmp(cmd, "state") == 0 && argc == 5)
		sb_slot_set_state(sb, idx, (enum sb_state)parse_state(argv[4]));
	else if (strcmp(cmd, "client") == 0 && argc == 5)
		sb_slot_set_client(sb, idx, argv[4]);
	else if (strcmp(cmd, "call") == 0 && argc == 6) {
		sb_slot_call_begin(sb, idx,
				   (int32_t)parse_num(argv[4], 0, INT32_MAX),
				   argv[5]);
		sb_slot_call_end(sb, idx);
	} else if (strcmp(cmd, "conn") == 0 && argc == 5 &&
		   strcmp(argv[4], "open") == 0)
		sb_slot_conn_open(sb, idx);
	else if (strcmp(cmd, "conn") == 0 && argc == 5 &&
		 strcmp(argv[4], "close") == 0)
		sb_slot_conn_close(sb, idx);
	else
		usage();
out:
	sb_detach(sb);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc == 4 && strcmp(cmd, "create") == 0)
		return cmd_create(argv[2], argv[3]);
	if (argc == 5 && strcmp(cmd, "writer") == 0)
		return cmd_writer(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(cmd, "reader") == 0)
		return cmd_reader(argv[2], argv[3], false);
	if (argc == 5 && strcmp(cmd, "reader") == 0 &&
	    strcmp(argv[4], "--raw") == 0)
		return cmd_reader(argv[2], argv[3], true);
	if (argc == 3 && strcmp(cmd, "status") == 0)
		return cmd_status(argv[2], "text");
	if (argc == 4 && strcmp(cmd, "status") == 0 &&
	    (strcmp(argv[3], "--format=text") == 0 ||
	     strcmp(argv[3], "--format=prometheus") == 0))
		return cmd_status(argv[2], argv[3] + 9);
	if ((argc == 5 && strcmp(cmd, "claim") == 0) ||
	    (argc == 3 && strcmp(cmd, "crash") == 0) ||
	    (argc >= 4 &&
	     (strcmp(cmd, "release") == 0 || strcmp(cmd, "state") == 0 ||
	      strcmp(cmd, "client") == 0 || strcmp(cmd, "call") == 0 ||
	      strcmp(cmd, "conn") == 0)))
		return cmd_slot(argc, argv);
	usage();
	return 2;
}
