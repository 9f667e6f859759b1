/* SPDX-License-Identifier: MIT */
/* t3004-exporter-req: the exporter's route, Accept negotiation and users. */
#define _GNU_SOURCE
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../server/exporter_req.h"

static void
test_route(void **state)
{
	(void)state;
	assert_int_equal(exporter_req_route("GET", "/metrics"),
			 EXPORTER_ROUTE_METRICS);
	assert_int_equal(exporter_req_route("HEAD", "/metrics"),
			 EXPORTER_ROUTE_METRICS);
	assert_int_equal(exporter_req_route("GET", "/"),
			 EXPORTER_ROUTE_NOT_FOUND);
	assert_int_equal(exporter_req_route("GET", "/metrics/"),
			 EXPORTER_ROUTE_NOT_FOUND);
	assert_int_equal(exporter_req_route("GET", NULL),
			 EXPORTER_ROUTE_NOT_FOUND);
	assert_int_equal(exporter_req_route("POST", "/metrics"),
			 EXPORTER_ROUTE_BAD_METHOD);
	assert_int_equal(exporter_req_route("get", "/metrics"),
			 EXPORTER_ROUTE_BAD_METHOD);
	assert_int_equal(exporter_req_route(NULL, "/metrics"),
			 EXPORTER_ROUTE_BAD_METHOD);
}

static void
test_format(void **state)
{
	static const struct {
		const char *accept;
		enum expofmt_mode want;
	} cases[] = {
		{ NULL, EXPOFMT_TEXT },
		{ "", EXPOFMT_TEXT },
		{ "*/*", EXPOFMT_TEXT },
		{ "text/plain; version=0.0.4", EXPOFMT_TEXT },
		{ "application/json", EXPOFMT_TEXT },
		{ "application/openmetrics-text", EXPOFMT_OPENMETRICS },
		{ "Application/OpenMetrics-Text ; Version=\"1.0.0\"",
		  EXPOFMT_OPENMETRICS },
		{ "application/openmetrics-text;version=0.0.1",
		  EXPOFMT_OPENMETRICS },
		{ "application/openmetrics-text;version=2.0.0", EXPOFMT_TEXT },
		{ "application/openmetrics-text;q=0", EXPOFMT_TEXT },
		{ "application/openmetrics-text;q=0.000", EXPOFMT_TEXT },
		{ "application/openmetrics-text;q=1.5", EXPOFMT_TEXT },
		{ "application/openmetrics-text;q=0.5x", EXPOFMT_TEXT },
		{ "application/openmetrics-text;q=0.4,text/plain;q=0.5",
		  EXPOFMT_TEXT },
		{ "text/plain;q=0.5,application/openmetrics-text;q=0.5",
		  EXPOFMT_OPENMETRICS },
		{ "application/openmetrics-text;version=1.0.0,"
		  "application/openmetrics-text;version=0.0.1;q=0.75,"
		  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPOFMT_OPENMETRICS },
		{ ",,;,application/openmetrics-text;;=;q",
		  EXPOFMT_OPENMETRICS },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (exporter_req_format(cases[i].accept) != cases[i].want)
			fail_msg("Accept '%s': expected %s", cases[i].accept,
				 cases[i].want ? "openmetrics" : "text");
	}
}

static void
test_users(void **state)
{
	static const char users[] =
		"alice:$6$aaaa$hashA\n"
		"bob:\n"
		"carol:$6$cccc$hashC\r\n"
		"al:short\n"
		"dave:" /* no newline at the end */ "$6$d$x";
	char hash[32], small[6];

	(void)state;
	assert_int_equal(
		exporter_req_user_hash(users, "alice", hash, sizeof(hash)), 0);
	assert_string_equal(hash, "$6$aaaa$hashA");
	assert_int_equal(
		exporter_req_user_hash(users, "al", hash, sizeof(hash)), 0);
	assert_string_equal(hash, "short");
	assert_int_equal(
		exporter_req_user_hash(users, "carol", hash, sizeof(hash)), 0);
	assert_string_equal(hash, "$6$cccc$hashC");
	assert_int_equal(
		exporter_req_user_hash(users, "dave", hash, sizeof(hash)), 0);
	assert_string_equal(hash, "$6$d$x");
	assert_int_equal(
		exporter_req_user_hash(users, "bob", hash, sizeof(hash)), -1);
	assert_int_equal(
		exporter_req_user_hash(users, "ali", hash, sizeof(hash)), -1);
	assert_int_equal(exporter_req_user_hash(users, "", hash, sizeof(hash)),
			 -1);
	assert_int_equal(
		exporter_req_user_hash(users, "alice", small, sizeof(small)),
		-1);
	assert_int_equal(
		exporter_req_user_hash(NULL, "alice", hash, sizeof(hash)), -1);
}

static void
test_user_ok(void **state)
{
	struct crypt_data cd;
	char users[256];
	const char *h;

	(void)state;
	memset(&cd, 0, sizeof(cd));
	h = crypt_r("s3cret", "$6$t3004salt$", &cd);
	assert_non_null(h);
	snprintf(users, sizeof(users), "other:x\nprom:%s\n", h);
	assert_true(exporter_req_user_ok(users, "prom", "s3cret"));
	assert_false(exporter_req_user_ok(users, "prom", "s3cre"));
	assert_false(exporter_req_user_ok(users, "prom", ""));
	assert_false(exporter_req_user_ok(users, "prom", NULL));
	assert_false(exporter_req_user_ok(users, "other", "x"));
	assert_false(exporter_req_user_ok(users, "nobody", "s3cret"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_user_ok),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
