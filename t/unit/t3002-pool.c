/* SPDX-License-Identifier: MIT */
/* t3002-pool: which workers the master counts as spare, from busy time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../scoreboard/scoreboard.h"
#include "../../server/pool.h"

#define SEC 1000000000LL
/* Connections a worker may hold: more than the 64 consoles below. */
#define CAP 1000

static char dir[32];
static char path[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/t3002.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sb", dir);
	*state = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Slot idx of sb, as the master's snapshot shows it. */
static struct sb_slot_info
slot(struct sb *sb, int idx)
{
	struct sb_snapshot snap;
	struct sb_slot_info si;
	struct rvirt_error err;

	assert_int_equal(sb_snapshot(sb, &snap, &err), 0);
	si = snap.slots[idx];
	sb_snapshot_release(&snap);
	return si;
}

/* Spin (awake, as a worker serving calls) for about ms milliseconds. */
static void
spin_awake(struct sb *sb, int idx, int ms)
{
	struct timespec t0, t;

	sb_slot_wake(sb, idx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	/* In nanoseconds: milliseconds of a negative tv_nsec difference
	   round up, and the spin could end up to 1 ms short. */
	while ((t.tv_sec - t0.tv_sec) * 1000000000LL +
		       (t.tv_nsec - t0.tv_nsec) <
	       ms * 1000000LL);
	sb_slot_sleep(sb, idx);
}

/* The worker's loop adds its time awake to its slot; sleeping adds nothing. */
static void
test_busy_time(void **state)
{
	struct rvirt_error err;
	struct sb *sb = sb_create(path, 4, &err);
	struct sb_slot_info si;
	int idx;

	(void)state;
	assert_non_null(sb);
	idx = sb_slot_claim(sb, getpid(), 0);
	assert_true(idx >= 0);
	assert_int_equal(slot(sb, idx).busy_ns, 0);
	spin_awake(sb, idx, 20);
	si = slot(sb, idx);
	assert_true(si.busy_ns >= 20 * 1000000ULL);
	/* A sleep without a wake before it counts nothing. */
	sb_slot_sleep(sb, idx);
	assert_int_equal(slot(sb, idx).busy_ns, si.busy_ns);
	/* A new worker in the slot starts from zero. */
	sb_slot_release(sb, idx);
	idx = sb_slot_claim(sb, getpid(), 0);
	assert_int_equal(slot(sb, idx).busy_ns, 0);
	sb_detach(sb);
}

/*
 * A worker holding 64 connections that sends nothing is spare; one awake
 * most of the interval is not, however few connections it has.  The
 * sampling times are the test's own, so nothing depends on speed.
 */
static void
test_idle_consoles(void **state)
{
	struct rvirt_error err;
	struct sb *sb = sb_create(path, 4, &err);
	struct pool_sample consoles = { 0 }, busy = { 0 };
	struct sb_slot_info si;
	int a, b;

	(void)state;
	assert_non_null(sb);
	a = sb_slot_claim(sb, getpid(), 0);
	b = sb_slot_claim(sb, getpid(), 0);
	sb_slot_set_state(sb, a, SB_STATE_IDLE);
	sb_slot_set_state(sb, b, SB_STATE_IDLE);
	for (int i = 0; i < 64; i++)
		sb_slot_conn_open(sb, a);
	sb_slot_conn_open(sb, b);

	/* Before a whole interval: the old rule (no connection, IDLE). */
	si = slot(sb, a);
	pool_sample_update(&consoles, &si, 1 * SEC);
	assert_false(consoles.valid);
	assert_false(pool_worker_idle(&si, &consoles, CAP));
	si = slot(sb, b);
	pool_sample_update(&busy, &si, 1 * SEC);

	/* One interval: a is asleep with its consoles, b awake 40 ms. */
	spin_awake(sb, b, 40);
	si = slot(sb, a);
	assert_int_equal(si.conns_open, 64);
	pool_sample_update(&consoles, &si, 1 * SEC + 50000000LL);
	assert_true(consoles.valid);
	assert_int_equal(consoles.busy_pct, 0);
	assert_true(pool_worker_idle(&si, &consoles, CAP));
	/* Spare, but it holds connections: not retired. */
	assert_false(pool_worker_retirable(&si, &consoles, CAP));
	/* At its cap it can take no other connection: not spare. */
	assert_false(pool_worker_idle(&si, &consoles, 64));

	si = slot(sb, b);
	pool_sample_update(&busy, &si, 1 * SEC + 50000000LL);
	assert_true(busy.valid);
	assert_true(busy.busy_pct >= 80); /* >= 40 ms of 50 ms */
	assert_false(pool_worker_idle(&si, &busy, CAP));

	/* b's clients went quiet and away: spare and retirable. */
	sb_slot_conn_close(sb, b);
	si = slot(sb, b);
	pool_sample_update(&busy, &si, 2 * SEC);
	assert_int_equal(busy.busy_pct, 0);
	assert_true(pool_worker_idle(&si, &busy, CAP));
	assert_true(pool_worker_retirable(&si, &busy, CAP));

	/* Starting counts as spare; stopping never does. */
	si.state = SB_STATE_STARTING;
	assert_true(pool_worker_idle(&si, &busy, CAP));
	si.state = SB_STATE_GRACEFUL;
	assert_false(pool_worker_idle(&si, &busy, CAP));
	si.state = SB_STATE_UNKNOWN;
	assert_false(pool_worker_idle(&si, &busy, CAP));
	sb_detach(sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_busy_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_consoles, setup,
						teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
