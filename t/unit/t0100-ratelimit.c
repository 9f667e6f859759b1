/* SPDX-License-Identifier: MIT */
/* t0100-ratelimit: a burst per interval, the rest counted and reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../common/ratelimit.h"

static void
test_burst_then_count(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(1000, 3);
	uint64_t n = 99;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_true(ratelimit_allow(&rl, 5000 + i, &n));
		assert_int_equal(n, 0);
	}
	/* The same interval: 1000 more are counted, none printed. */
	for (int i = 0; i < 1000; i++)
		assert_false(ratelimit_allow(&rl, 5100, &n));
	assert_int_equal(n, 0);
	/* Still inside the interval (999 ms after its start). */
	assert_false(ratelimit_allow(&rl, 5999, &n));
	/* The next interval: the first line carries the count. */
	assert_true(ratelimit_allow(&rl, 6000, &n));
	assert_int_equal(n, 1001);
	assert_true(ratelimit_allow(&rl, 6001, &n));
	assert_int_equal(n, 0);
}

static void
test_lines_bounded(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(1000, 5);
	uint64_t n, printed = 0, reported = 0;

	(void)state;
	/* 100,000 attempts over 10 simulated seconds. */
	for (uint64_t i = 0; i < 100000; i++) {
		if (ratelimit_allow(&rl, 10000 + i / 10, &n)) {
			printed++;
			reported += n;
		}
	}
	assert_true(printed <= 5 * 10);
	assert_true(printed >= 5 * 9);
	/* Every attempt is either printed or counted in a later line. */
	reported += ratelimit_flush(&rl, 10000 + 100000);
	assert_int_equal(printed + reported, 100000);
}

static void
test_flush(void **state)
{
	struct ratelimit rl;
	uint64_t n;

	(void)state;
	ratelimit_init(&rl, 1000, 1);
	assert_int_equal(ratelimit_flush(&rl, 1000), 0);
	assert_true(ratelimit_allow(&rl, 1000, &n));
	assert_false(ratelimit_allow(&rl, 1001, &n));
	assert_false(ratelimit_allow(&rl, 1002, &n));
	/* Not before the interval is over. */
	assert_int_equal(ratelimit_flush(&rl, 1500), 0);
	assert_int_equal(ratelimit_flush(&rl, 2000), 2);
	assert_int_equal(ratelimit_flush(&rl, 3500), 0);
	/* The flushed line took this interval's only line. */
	assert_false(ratelimit_allow(&rl, 2100, &n));
	assert_true(ratelimit_allow(&rl, 3100, &n));
	assert_int_equal(n, 1);
}

static void
test_clock_backwards(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(1000, 1);
	uint64_t n;

	(void)state;
	assert_true(ratelimit_allow(&rl, 50000, &n));
	assert_false(ratelimit_allow(&rl, 50001, &n));
	/* A smaller reading starts a new interval rather than none. */
	assert_true(ratelimit_allow(&rl, 40000, &n));
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_count),
		cmocka_unit_test(test_lines_bounded),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_clock_backwards),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
