/* SPDX-License-Identifier: MIT */
/* t5000-cpuset: libvirt cpuset syntax, canonical form, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/cpuset.h"

/* Parse text against ncpus and expect the canonical form want. */
static void
check_ok(const char *text, unsigned int ncpus, const char *want)
{
	struct rvirt_error err = { 0 };
	struct cpuset set;
	char buf[CPUSET_FORMAT_MAX];

	if (cpuset_parse(text, ncpus, &set, &err) < 0)
		fail_msg("'%s' refused: %s", text, err.message);
	assert_int_equal(cpuset_format(&set, buf, sizeof(buf)), 0);
	if (strcmp(buf, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", text, buf, want);
}

/* Expect text refused with a message containing why. */
static void
check_bad(const char *text, unsigned int ncpus, const char *why)
{
	struct rvirt_error err = { 0 };
	struct cpuset set, before;

	memset(&set, 0xa5, sizeof(set));
	before = set;
	if (cpuset_parse(text, ncpus, &set, &err) == 0)
		fail_msg("'%s' accepted", text);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_int_equal(strncmp(err.message, "invalid cpuset '", 16), 0);
	if (!strstr(err.message, why))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.message,
			 why);
	/* Out-parameters are written only on success. */
	assert_memory_equal(&set, &before, sizeof(set));
}

static void
test_valid(void **state)
{
	(void)state;
	check_ok("0", 0, "0");
	check_ok("5", 8, "5");
	check_ok("0-3", 4, "0-3");
	check_ok("0-3,^2,5", 8, "0-1,3,5");
	check_ok("0,1", 8, "0-1");
	check_ok("3,2,1,0", 8, "0-3");
	check_ok("0-1,5", 8, "0-1,5");
	check_ok("1-1", 8, "1");
	check_ok("0-7,^0,^7", 8, "1-6");
	check_ok("007", 8, "7");
	check_ok(" 0-2 ", 8, "0-2");
	check_ok("\t1\n", 8, "1");
	check_ok("0,0,0", 8, "0");
	check_ok("4095", 0, "4095");
	check_ok("0-4095", 0, "0-4095");
}

static void
test_order(void **state)
{
	(void)state;
	/* Items apply left to right, as in libvirt. */
	check_ok("^2,0-3", 8, "0-3");
	check_ok("0-3,^2", 8, "0-1,3");
	check_ok("0-3,^2,2", 8, "0-3");
}

static void
test_malformed(void **state)
{
	(void)state;
	check_bad("", 8, "it is empty");
	check_bad("   ", 8, "it is empty");
	check_bad("0-", 8, "range without an end");
	check_bad("0-,1", 8, "range without an end");
	check_bad("-1", 8, "unexpected character '-'");
	check_bad("3-1", 8, "reversed range 3-1");
	check_bad("8", 8, "out of range: the host has cpus 0-7");
	check_bad("0-8", 8, "out of range");
	check_bad("4096", 0, "out of range: the limit is 4095");
	check_bad("99999999999999999999999999999999", 0, "out of range");
	check_bad("18446744073709551617", 0, "out of range");
	check_bad("4294967296", 0, "out of range");
	check_bad("0,", 8, "missing after the last ','");
	check_bad(",0", 8, "a cpu number is missing");
	check_bad("0,,1", 8, "a cpu number is missing");
	check_bad("a", 8, "unexpected character 'a'");
	check_bad("0x1", 8, "unexpected character 'x'");
	check_bad("+1", 8, "unexpected character '+'");
	check_bad("1-2-3", 8, "unexpected character '-'");
	check_bad("^", 8, "a cpu number is missing");
	check_bad("^^1", 8, "unexpected character '^'");
	check_bad("^1-2", 8, "an exclusion takes a single cpu");
	check_bad("^0", 8, "it selects no cpu");
	check_bad("0,^0", 8, "it selects no cpu");
	check_bad("0 - 3", 8, "blanks are not allowed inside");
	check_bad("0, 1", 8, "blanks are not allowed inside");
	check_bad("0 ,1", 8, "blanks are not allowed inside");
	check_bad("1 2", 8, "blanks are not allowed inside");
	check_bad("0;1", 8, "unexpected character ';'");
	check_bad("1.5", 8, "unexpected character '.'");
	check_bad("\x01", 8, "unexpected character '\\x01'");
	check_bad("0-3,\xff", 8, "unexpected character '\\xff'");
	check_bad("-", 8, "unexpected character '-'");
	check_bad("0-4095,^1-1000", 0, "an exclusion takes a single cpu");
}

static void
test_long_input(void **state)
{
	struct rvirt_error err = { 0 };
	struct cpuset set;
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	char *p;

	(void)state;
	assert_non_null(big);
	/* A megabyte of digits: bounded work, out of range, short message. */
	memset(big, '9', n);
	big[n] = '\0';
	assert_int_equal(cpuset_parse(big, 0, &set, &err), -1);
	assert_non_null(strstr(err.message, "out of range"));
	assert_true(strlen(err.message) < 200);
	assert_non_null(strstr(err.message, "..."));

	/* "0,0,0,...": long but valid. */
	for (p = big; p + 2 < big + n; p += 2) {
		p[0] = '0';
		p[1] = ',';
	}
	p[0] = '0';
	p[1] = '\0';
	assert_int_equal(cpuset_parse(big, 0, &set, &err), 0);
	assert_int_equal(cpuset_count(&set), 1);
	free(big);
}

static void
test_format(void **state)
{
	struct cpuset set;
	char buf[CPUSET_FORMAT_MAX], small[4];

	(void)state;
	cpuset_clear(&set);
	assert_int_equal(cpuset_format(&set, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(cpuset_last(&set), -1);

	/* The worst case fits in CPUSET_FORMAT_MAX. */
	for (unsigned int c = 0; c < CPUSET_MAX_CPUS; c += 2)
		cpuset_add(&set, c);
	assert_int_equal(cpuset_format(&set, buf, sizeof(buf)), 0);
	assert_int_equal(strncmp(buf, "0,2,4,", 6), 0);
	assert_non_null(strstr(buf, ",4094"));
	assert_int_equal(cpuset_count(&set), CPUSET_MAX_CPUS / 2);
	assert_int_equal(cpuset_last(&set), 4094);

	/* Too small a buffer is reported, not overrun. */
	assert_int_equal(cpuset_format(&set, small, sizeof(small)), -1);
	assert_int_equal(cpuset_format(&set, small, 0), -1);

	cpuset_add(&set, CPUSET_MAX_CPUS); /* past the cap: ignored */
	assert_false(cpuset_has(&set, CPUSET_MAX_CPUS));
	assert_true(cpuset_has(&set, 0));
	assert_false(cpuset_has(&set, 1));
}

/* Subsets, equality and the wire's bitmap form. */
static void
test_bytes(void **state)
{
	struct rvirt_error err = { 0 };
	struct cpuset a, b, c;
	unsigned char buf[RVIRT_CPUMAP_MAX], big[600];

	(void)state;
	assert_int_equal(cpuset_parse("0,3,9-10", 0, &a, &err), 0);
	assert_int_equal(cpuset_parse("0-15", 0, &b, &err), 0);
	assert_int_equal(cpuset_first_missing(&a, &b), -1);
	assert_int_equal(cpuset_first_missing(&b, &a), 1);
	assert_false(cpuset_equal(&a, &b));
	assert_int_equal(cpuset_to_bytes(&a, buf, sizeof(buf)), 2);
	assert_int_equal(buf[0], 0x09);
	assert_int_equal(buf[1], 0x06);
	assert_int_equal(cpuset_from_bytes(buf, 2, &c), 0);
	assert_true(cpuset_equal(&a, &c));
	/* Trailing zero bytes are fine; a cpu at 4096 or above is not. */
	memset(big, 0, sizeof(big));
	big[0] = 1;
	assert_int_equal(cpuset_from_bytes(big, sizeof(big), &c), 0);
	assert_int_equal(cpuset_count(&c), 1);
	big[512] = 1;
	assert_int_equal(cpuset_from_bytes(big, sizeof(big), &c), -1);
	/* The highest cpu fits in the 512-byte map. */
	assert_int_equal(cpuset_parse("4095", 0, &a, &err), 0);
	assert_int_equal(cpuset_to_bytes(&a, buf, sizeof(buf)), 512);
	assert_int_equal(buf[511], 0x80);
	cpuset_clear(&a);
	assert_int_equal(cpuset_to_bytes(&a, buf, sizeof(buf)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_bytes),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
