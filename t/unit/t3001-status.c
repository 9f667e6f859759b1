/* SPDX-License-Identifier: MIT */
/* t3001-status: the text and Prometheus renderings of a snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../scoreboard/status.h"

#define NS 1000000000LL

static struct sb_slot_info slots[4];
static struct sb_snapshot snap;

/*
 * Slot 0 idle, 1 empty, 2 busy with a hostile client identity (quote,
 * newline, escape sequence, backslash, UTF-8, a stray byte and an
 * encoded surrogate), 3 unknown; up 1 day 1 h 1 min 1.5 s.
 */
static int
setup(void **state)
{
	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(slots, 0, sizeof(slots));
	snap.master_pid = 1234;
	snap.master_alive = true;
	snap.generation = 2;
	snap.start_time = 1700000000;
	snap.start_mono_ns = NS;
	snap.now_mono_ns = NS + 90061 * NS + NS / 2;
	snap.now_time = 1700090061;
	snap.totals[SB_TOTAL_ACCEPTED] = 10;
	snap.totals[SB_TOTAL_CALLS] = 900615;
	snap.totals[SB_TOTAL_SPAWNS] = 3;
	snap.totals[SB_TOTAL_CRASHES] = 1;
	snap.nslots = 4;
	snap.slots = slots;

	slots[0].state = SB_STATE_IDLE;
	slots[0].pid = 1235;
	slots[0].generation = 2;
	slots[0].conns_open = 1;
	slots[0].conns_total = 5;
	slots[0].calls = 1000;
	slots[0].state_ns = snap.now_mono_ns - 4 * NS / 10;
	slots[0].proc = 12;
	strcpy(slots[0].proc_name, "domain_lookup_by_name");
	strcpy(slots[0].client, "unix:uid=0");

	slots[1].state = SB_STATE_EMPTY;
	slots[1].proc = -1;

	slots[2].state = SB_STATE_BUSY;
	slots[2].pid = 1236;
	slots[2].generation = 2;
	slots[2].conns_open = 1;
	slots[2].conns_total = 1;
	slots[2].calls = 7;
	slots[2].state_ns = snap.now_mono_ns - 23 * NS / 10;
	slots[2].proc = 3;
	strcpy(slots[2].client,
	       "tcp:\"q\"\n\x1b[31m\\\xc3\xbc\xff\xed\xa0\x80");

	slots[3].state = SB_STATE_UNKNOWN;
	slots[3].proc = -1;
	return 0;
}

/* Render with fn into memory; fails the test on an error. */
static char *
render(int (*fn)(const struct sb_snapshot *, const struct metrics_snapshot *,
		 FILE *, struct rvirt_error *))
{
	struct rvirt_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	if (fn(&snap, NULL, fp, &err) != 0)
		fail_msg("render: %s", err.message);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_text(void **state)
{
	static const char want[] =
		"rvirtd master 1234 (running), generation 2, up 1d 01:01:01 "
		"since 2023-11-14T22:13:20Z\n"
		"workers: 3 in use of 4 slots: 0 starting, 1 idle, 0 reading, "
		"1 busy, 0 closing, 0 graceful, 0 dead, 1 unknown\n"
		"totals: 10 connections accepted, 900615 calls served (10.00 "
		"calls/s since start), 3 workers spawned, 1 crashed\n"
		"\n"
		"slot     pid   gen state      conns    total      calls    "
		"last procedure                client\n"
		"   0    1235     2 idle           1        5       1000     "
		"0.4 domain_lookup_by_name    unix:uid=0\n"
		"   2    1236     2 busy           1        1          7     "
		"2.3 #3                       "
		"tcp:\"q\"\\x0a\\x1b[31m\\\\\\xc3\\xbc\\xff\\xed\\xa0\\x80\n"
		"   3       -     - unknown        -        -          -       "
		"- -                        -\n"
		"(last: seconds since the worker's last state change)\n";
	char *got = render(status_print_text);

	(void)state;
	assert_string_equal(got, want);
	free(got);
}

static void
test_text_master_gone(void **state)
{
	char *got;

	(void)state;
	snap.master_alive = false;
	snap.now_mono_ns = snap.start_mono_ns; /* no division by zero */
	snap.totals[SB_TOTAL_CALLS] = 0;
	got = render(status_print_text);
	assert_non_null(strstr(got, "rvirtd master 1234 (not running), "
				    "generation 2, up 0d 00:00:00 since "));
	assert_non_null(strstr(got, "0 calls served (0.00 calls/s"));
	free(got);
}

static void
test_prometheus(void **state)
{
	static const char want[] =
		"# HELP rvirtd_up Whether the master that owns the scoreboard "
		"is running (1) or not (0).\n"
		"# TYPE rvirtd_up gauge\n"
		"rvirtd_up 1\n"
		"# HELP rvirtd_start_time_seconds Start time of the master "
		"since the Unix epoch in seconds.\n"
		"# TYPE rvirtd_start_time_seconds gauge\n"
		"rvirtd_start_time_seconds 1700000000\n"
		"# HELP rvirtd_generation Configuration generation of the "
		"master, bumped by each reload.\n"
		"# TYPE rvirtd_generation gauge\n"
		"rvirtd_generation 2\n"
		"# HELP rvirtd_scoreboard_slots Worker slots in the "
		"scoreboard.\n"
		"# TYPE rvirtd_scoreboard_slots gauge\n"
		"rvirtd_scoreboard_slots 4\n"
		"# HELP rvirtd_workers Scoreboard slots by worker state.\n"
		"# TYPE rvirtd_workers gauge\n"
		"rvirtd_workers{state=\"starting\"} 0\n"
		"rvirtd_workers{state=\"idle\"} 1\n"
		"rvirtd_workers{state=\"reading\"} 0\n"
		"rvirtd_workers{state=\"busy\"} 1\n"
		"rvirtd_workers{state=\"closing\"} 0\n"
		"rvirtd_workers{state=\"graceful\"} 0\n"
		"rvirtd_workers{state=\"dead\"} 0\n"
		"rvirtd_workers{state=\"unknown\"} 1\n"
		"# HELP rvirtd_connections_accepted_total Connections accepted "
		"since the master started.\n"
		"# TYPE rvirtd_connections_accepted_total counter\n"
		"rvirtd_connections_accepted_total 10\n"
		"# HELP rvirtd_calls_total Calls served since the master "
		"started.\n"
		"# TYPE rvirtd_calls_total counter\n"
		"rvirtd_calls_total 900615\n"
		"# HELP rvirtd_worker_spawns_total Workers spawned since the "
		"master started.\n"
		"# TYPE rvirtd_worker_spawns_total counter\n"
		"rvirtd_worker_spawns_total 3\n"
		"# HELP rvirtd_worker_crashes_total Workers that died "
		"abnormally since the master started.\n"
		"# TYPE rvirtd_worker_crashes_total counter\n"
		"rvirtd_worker_crashes_total 1\n"
		"# HELP rvirtd_worker_calls_total Calls served by the worker "
		"in a slot.\n"
		"# TYPE rvirtd_worker_calls_total counter\n"
		"rvirtd_worker_calls_total{slot=\"0\"} 1000\n"
		"rvirtd_worker_calls_total{slot=\"2\"} 7\n"
		"# HELP rvirtd_worker_connections_accepted_total Connections "
		"accepted by the worker in a slot.\n"
		"# TYPE rvirtd_worker_connections_accepted_total counter\n"
		"rvirtd_worker_connections_accepted_total{slot=\"0\"} 5\n"
		"rvirtd_worker_connections_accepted_total{slot=\"2\"} 1\n"
		"# HELP rvirtd_worker_connections Connections open in the "
		"worker in a slot.\n"
		"# TYPE rvirtd_worker_connections gauge\n"
		"rvirtd_worker_connections{slot=\"0\"} 1\n"
		"rvirtd_worker_connections{slot=\"2\"} 1\n"
		"# HELP rvirtd_worker_info Generation, state, current or last "
		"procedure and client of the worker in a slot (always 1).\n"
		"# TYPE rvirtd_worker_info gauge\n"
		"rvirtd_worker_info{slot=\"0\",generation=\"2\","
		"state=\"idle\",procedure=\"domain_lookup_by_name\",client="
		"\"unix:uid=0\"} 1\n"
		"rvirtd_worker_info{slot=\"2\",generation=\"2\","
		"state=\"busy\",procedure=\"\","
		/* \\ " and newline escaped, ESC and UTF-8 kept, \xff and
		 * each byte of the surrogate replaced by U+FFFD. */
		"client=\"tcp:\\\"q\\\"\\n\x1b[31m\\\\\xc3\xbc"
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 1\n";
	char *got = render(status_print_prometheus);

	(void)state;
	assert_string_equal(got, want);
	free(got);
}

/* Nothing per worker when no slot is in use; still valid families. */
static void
test_prometheus_no_workers(void **state)
{
	char *got;
	unsigned int i;

	(void)state;
	for (i = 0; i < snap.nslots; i++)
		slots[i].state = SB_STATE_EMPTY;
	snap.master_alive = false;
	got = render(status_print_prometheus);
	assert_non_null(strstr(got, "\nrvirtd_up 0\n"));
	assert_non_null(strstr(got, "\nrvirtd_workers{state=\"idle\"} 0\n"));
	assert_null(strstr(got, "{slot="));
	assert_non_null(strstr(got, "# TYPE rvirtd_worker_info gauge\n"));
	free(got);
}

static void
test_write_error(void **state)
{
	struct rvirt_error err;
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	if (!fp)
		skip();
	assert_int_equal(status_print_prometheus(&snap, NULL, fp, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_SYSTEM);
	assert_string_equal(err.message, "cannot write the scoreboard status: "
					 "no space left on device");
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_text, setup),
		cmocka_unit_test_setup(test_text_master_gone, setup),
		cmocka_unit_test_setup(test_prometheus, setup),
		cmocka_unit_test_setup(test_prometheus_no_workers, setup),
		cmocka_unit_test_setup(test_write_error, setup),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
