/* SPDX-License-Identifier: MIT */
/* t5004-qmp: the JSON reader and the QMP client against a scripted monitor. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../hv/json.h"
#include "../../hv/qmp.h"

static struct json *
parse(const char *text)
{
	struct rvirt_error err = { 0 };

	return json_parse(text, strlen(text), &err);
}

static void
bad(const char *text, const char *why)
{
	struct rvirt_error err = { 0 };
	struct json *j = json_parse(text, strlen(text), &err);

	if (j)
		fail_msg("'%s' was accepted", text);
	if (!strstr(err.message, why))
		fail_msg("'%s': '%s' lacks '%s'", text, err.message, why);
}

static void
test_json_values(void **state)
{
	struct json *j;
	long long v;

	(void)state;
	j = parse(" {\"return\": [{\"cpu-index\": 0, \"thread-id\": 4242, "
		  "\"props\": {\"core-id\": 0}}, {\"cpu-index\": 1, "
		  "\"thread-id\": 4243}], \"x\": null, \"t\": true, "
		  "\"f\": false, \"n\": -1.5e3, \"s\": "
		  "\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\"} \r\n");
	assert_non_null(j);
	assert_int_equal(json_type(j), JSON_OBJECT);
	assert_int_equal(json_len(json_get(j, "return")), 2);
	assert_int_equal(json_int(json_get(json_at(json_get(j, "return"), 1),
					   "thread-id"),
				  0, 1 << 30, &v),
			 0);
	assert_int_equal(v, 4243);
	assert_int_equal(json_type(json_get(j, "x")), JSON_NULL);
	assert_int_equal(json_type(json_get(j, "t")), JSON_TRUE);
	assert_int_equal(json_type(json_get(j, "f")), JSON_FALSE);
	/* A fraction is no integer. */
	assert_int_equal(json_int(json_get(j, "n"), -10000, 10000, &v), -1);
	assert_string_equal(json_str(json_get(j, "s")),
			    "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
	assert_null(json_get(j, "missing"));
	assert_null(json_at(json_get(j, "return"), 2));
	assert_null(json_str(json_get(j, "t")));
	json_free(j);
	j = parse("[]");
	assert_int_equal(json_len(j), 0);
	json_free(j);
	j = parse("12345678901234567890");
	assert_int_equal(json_int(j, 0, INT64_MAX, &v), -1); /* overflow */
	json_free(j);
	json_free(NULL);
}

static void
test_json_errors(void **state)
{
	char deep[200];

	(void)state;
	bad("", "unexpected end");
	bad("{", "expected a member name");
	bad("{\"a\" 1}", "expected ':'");
	bad("{\"a\": 1,}", "expected a member name");
	bad("[1 2]", "expected ',' or ']'");
	bad("\"abc", "unterminated string");
	bad("\"a\\x\"", "bad escape");
	bad("\"\\u12\"", "\\u escape");
	bad("\"\\ud800\"", "lone surrogate");
	bad("\"\\udc00\"", "lone surrogate");
	bad("\"\\u0000\"", "\\u0000");
	bad("\"a\tb\"", "control character");
	bad("01", "text after the value");
	bad("-", "bad number");
	bad("1.", "bad fraction");
	bad("1e", "bad exponent");
	bad("tru", "unexpected character");
	bad("{} {}", "text after the value");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	bad(deep, "nested too deep");
	{
		struct rvirt_error err = { 0 };

		assert_null(json_parse("1\0"
				       "2",
				       3, &err));
		assert_non_null(strstr(err.message, "NUL"));
		assert_null(json_parse("1", JSON_TEXT_MAX + 1, &err));
		assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	}
}

/* The scripted monitor: for each step, read a line, then write text. */
struct script {
	int fd;
	const char *greeting;
	const char *const *replies; /* one per command, NULL-terminated */
	char received[8][256];
	int nreceived;
};

static void *
monitor_main(void *arg)
{
	struct script *s = arg;

	if (s->greeting)
		(void)!write(s->fd, s->greeting, strlen(s->greeting));
	for (int i = 0; s->replies[i]; i++) {
		char line[256];
		size_t n = 0;

		while (n < sizeof(line) - 1) {
			if (read(s->fd, line + n, 1) != 1)
				return NULL;
			if (line[n++] == '\n')
				break;
		}
		line[n] = '\0';
		if (s->nreceived < 8)
			snprintf(s->received[s->nreceived++], 256, "%s", line);
		(void)!write(s->fd, s->replies[i], strlen(s->replies[i]));
	}
	return NULL;
}

static struct qmp *
start_monitor(struct script *s, pthread_t *th, struct rvirt_error *err)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s->fd = sv[1];
	assert_int_equal(pthread_create(th, NULL, monitor_main, s), 0);
	return qmp_open_fd(sv[0], 2000, err);
}

static void
stop_monitor(struct script *s, pthread_t th, struct qmp *q)
{
	qmp_close(q);
	pthread_join(th, NULL);
	close(s->fd);
}

static void
test_qmp_session(void **state)
{
	static const char *const replies[] = {
		"{\"return\": {}}\r\n",
		/* An event before the reply, split across writes. */
		"{\"timestamp\": {\"seconds\": 1}, \"event\": \"RESUME\"}\r\n"
		"{\"return\": [{\"cpu-index\": 1, \"thread-id\": 502, "
		"\"qom-path\": \"/machine/unattached/device[1]\", "
		"\"target\": \"x86_64\"}, {\"cpu-index\": 0, "
		"\"thread-id\": 501}, {\"cpu-index\": 7, \"thread-id\": "
		"9}]}\r\n",
		"{\"error\": {\"class\": \"GenericError\", \"desc\": \"not "
		"now\"}}\r\n",
		"{\"return\": {}}\r\n",
		NULL,
	};
	struct script s = {
		.greeting =
			"{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}},"
			" \"capabilities\": []}}\r\n",
		.replies = replies,
	};
	struct rvirt_error err = { 0 };
	pthread_t th;
	pid_t tids[2];
	struct qmp *q = start_monitor(&s, &th, &err);

	(void)state;
	if (!q)
		fail_msg("%s", err.message);
	assert_int_equal(qmp_vcpu_tids(q, 2, tids, &err), 2);
	assert_int_equal(tids[0], 501);
	assert_int_equal(tids[1], 502);
	assert_int_equal(qmp_command(q, "stop", NULL, NULL, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_OPERATION_INVALID);
	assert_string_equal(err.message,
			    "qemu refused 'stop': not now (GenericError)");
	assert_int_equal(qmp_command(q, "cont", NULL, NULL, &err), 0);
	stop_monitor(&s, th, q);
	assert_int_equal(s.nreceived, 4);
	assert_string_equal(s.received[0],
			    "{\"execute\": \"qmp_capabilities\"}\n");
	assert_string_equal(s.received[1],
			    "{\"execute\": \"query-cpus-fast\"}\n");
	assert_string_equal(s.received[3], "{\"execute\": \"cont\"}\n");
}

static void
test_qmp_bad_peers(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const garbage[] = { "{\"return\": {}}\n",
					       "not json\n", NULL };
	static const char *const nolist[] = { "{\"return\": {}}\n",
					      "{\"return\": {\"a\": 1}}\n",
					      NULL };
	static const char *const noid[] = {
		"{\"return\": {}}\n", "{\"return\": [{\"cpu-index\": 0}]}\n",
		NULL
	};
	struct rvirt_error err = { 0 };
	pthread_t th;
	pid_t tids[1];
	struct qmp *q;
	struct script s;

	(void)state;
	/* No greeting: the monitor says something else first. */
	s = (struct script){ .greeting = "{\"return\": {}}\n",
			     .replies = none };
	q = start_monitor(&s, &th, &err);
	assert_null(q);
	assert_non_null(strstr(err.message, "no QMP greeting"));
	pthread_join(th, NULL);
	close(s.fd);

	/* Silence: the deadline. */
	s = (struct script){ .greeting = NULL, .replies = none };
	q = start_monitor(&s, &th, &err);
	assert_null(q);
	assert_int_equal(err.code, RVIRT_ERR_TIMEOUT);
	pthread_join(th, NULL);
	close(s.fd);

	s = (struct script){ .greeting = "{\"QMP\": {}}\n",
			     .replies = garbage };
	q = start_monitor(&s, &th, &err);
	assert_non_null(q);
	assert_int_equal(qmp_vcpu_tids(q, 1, tids, &err), -1);
	assert_non_null(strstr(err.message, "invalid json"));
	stop_monitor(&s, th, q);

	s = (struct script){ .greeting = "{\"QMP\": {}}\n", .replies = nolist };
	q = start_monitor(&s, &th, &err);
	assert_non_null(q);
	assert_int_equal(qmp_vcpu_tids(q, 1, tids, &err), -1);
	assert_non_null(strstr(err.message, "did not return a list"));
	stop_monitor(&s, th, q);

	s = (struct script){ .greeting = "{\"QMP\": {}}\n", .replies = noid };
	q = start_monitor(&s, &th, &err);
	assert_non_null(q);
	assert_int_equal(qmp_vcpu_tids(q, 1, tids, &err), -1);
	assert_non_null(strstr(err.message, "thread-id"));
	stop_monitor(&s, th, q);

	/* A bad command name never reaches the wire. */
	s = (struct script){ .greeting = "{\"QMP\": {}}\n",
			     .replies = (const char *const[]){
				     "{\"return\": {}}\n", NULL } };
	q = start_monitor(&s, &th, &err);
	assert_non_null(q);
	assert_int_equal(qmp_command(q, "x\", \"y", NULL, NULL, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INTERNAL);
	stop_monitor(&s, th, q);

	/* Connecting to a path where nothing listens. */
	assert_null(qmp_connect("/nonexistent/qmp.sock", 50, &err));
	assert_non_null(strstr(err.message, "cannot connect"));
}

/* A real unix socket path, the way the qemu driver connects. */
static void
test_qmp_connect_path(void **state)
{
	static const char *const replies[] = { "{\"return\": {}}\n", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rvirt_error err = { 0 };
	struct script s = { .greeting = "{\"QMP\": {}}\n", .replies = replies };
	char dir[] = "/tmp/t5004-XXXXXX";
	struct qmp *q;
	pid_t child;
	int lfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/m.qmp", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	/* The monitor is a child process, as QEMU would be. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		s.fd = accept(lfd, NULL, NULL);
		monitor_main(&s);
		_exit(0);
	}
	q = qmp_connect(sa.sun_path, 2000, &err);
	if (!q)
		fail_msg("%s", err.message);
	qmp_close(q);
	assert_int_equal(waitpid(child, NULL, 0), child);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_qmp_session),
		cmocka_unit_test(test_qmp_bad_peers),
		cmocka_unit_test(test_qmp_connect_path),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
