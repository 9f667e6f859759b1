/* SPDX-License-Identifier: MIT */
/* t6003-backoff: librvirt's reconnection schedule and the socket watch. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../client/backoff.h"
#include "../../common/err.h"
#include "../../client/stream.h"
#include "../../client/uri.h"

static struct uri *
parse(const char *s)
{
	struct rvirt_error err;
	struct uri *u = uri_parse(s, &err);

	assert_non_null(u);
	return u;
}

/* Fast first, for BACKOFF_FAST_SPAN_MS, then doubling to the cap. */
static void
test_schedule(void **state)
{
	struct uri *u = parse("test+tcp://127.0.0.1:1/default");
	static const int64_t later[] = { 20, 40, 80, 160, 250, 250, 250 };
	struct backoff b;
	int64_t t0;

	(void)state;
	backoff_init(&b, u, 0);
	assert_int_equal(b.ifd, -1); /* nothing to watch over TCP */
	t0 = b.start_ms;
	for (int i = 0; i < 50; i++)
		assert_int_equal(backoff_next(&b, t0 + i * 20),
				 BACKOFF_FAST_MS);
	assert_int_equal(backoff_next(&b, t0 + BACKOFF_FAST_SPAN_MS - 1),
			 BACKOFF_FAST_MS);
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		assert_int_equal(backoff_next(&b, t0 + BACKOFF_FAST_SPAN_MS +
							  (int64_t)i * 300),
				 later[i]);
	backoff_release(&b);
	uri_free(u);
}

/* Create (and close) a file at path. */
static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

/*
 * The socket's reappearance ends a long wait and restarts the schedule
 * from its fast part; another file in the directory does not.  The
 * files are made before the wait: inotify queues the event, so nothing
 * here depends on timing.
 */
static void
test_socket_watch(void **state)
{
	char dir[] = "/tmp/t6003.XXXXXX", path[256], other[256], uristr[300];
	struct backoff b;
	struct uri *u;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rvirt-sock", dir);
	snprintf(other, sizeof(other), "%s/rvirt-sock-ro", dir);
	snprintf(uristr, sizeof(uristr), "test:///default?socket=%s", path);
	u = parse(uristr);
	backoff_init(&b, u, 0);
	assert_true(b.ifd >= 0);
	assert_string_equal(b.name, "rvirt-sock");

	/* Past the fast span: the next wait would be long. */
	b.start_ms -= 10 * BACKOFF_FAST_SPAN_MS;
	b.delay_ms = BACKOFF_MAX_MS;
	touch(other);
	backoff_wait(&b, 30);
	assert_int_equal(b.woken, 0);

	b.delay_ms = BACKOFF_MAX_MS;
	touch(path);
	backoff_wait(&b, 60000);
	assert_int_equal(b.woken, 1);
	assert_int_equal(backoff_next(&b, stream_now_ms()), BACKOFF_WOKEN_MS);
	assert_int_equal(backoff_next(&b, stream_now_ms()), BACKOFF_FAST_MS);

	backoff_release(&b);
	assert_int_equal(b.ifd, -1);
	uri_free(u);
	unlink(path);
	unlink(other);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_socket_watch),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
