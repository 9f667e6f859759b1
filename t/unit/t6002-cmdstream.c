/* SPDX-License-Identifier: MIT */
/* t6002-cmdstream: ext/ssh command lines, the remote command, child streams. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../client/cmdstream.h"
#include "../../client/ssh.h"
#include "../../client/stream.h"
#include "../../client/uri.h"

static struct uri *
parse_ok(const char *s)
{
	struct rvirt_error err = { 0 };
	struct uri *u = uri_parse(s, &err);

	if (!u)
		fail_msg("'%s' refused: %s", s, err.message);
	return u;
}

/* The words of a joined by '|', for one-line comparisons. */
static void
join(const struct cmdstream_argv *a, char *buf, size_t size)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < a->argc && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "|" : "",
				      a->argv[i]);
}

static void
test_split(void **state)
{
	struct cmdstream_argv a = { 0 };
	struct rvirt_error err = { 0 };
	char buf[256];

	(void)state;
	assert_int_equal(
		cmdstream_argv_split(&a, "  /bin/prog a\tb  'c d' ", &err), 0);
	join(&a, buf, sizeof(buf));
	/* no quoting: quotes are ordinary characters */
	assert_string_equal(buf, "/bin/prog|a|b|'c|d'");
	assert_null(a.argv[a.argc]);
	cmdstream_argv_release(&a);
	assert_int_equal(cmdstream_argv_split(&a, " \t ", &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_URI);
	cmdstream_argv_release(&a);
}

static void
check_argv(const char *uri, unsigned int flags, int timeout_ms,
	   const char *want)
{
	struct cmdstream_argv a = { 0 };
	struct rvirt_error err = { 0 };
	struct uri *u = parse_ok(uri);
	char buf[4096];

	assert_int_equal(ssh_build_argv(u, flags, timeout_ms, &a, &err), 0);
	/* the remote command is checked on its own below: cut it */
	assert_true(a.argc >= 1);
	free(a.argv[--a.argc]);
	a.argv[a.argc] = NULL;
	join(&a, buf, sizeof(buf));
	assert_string_equal(buf, want);
	cmdstream_argv_release(&a);
	uri_free(u);
}

static void
test_ssh_argv(void **state)
{
	(void)state;
	check_argv("test+ssh:///system", 0, 0, "ssh|-T|-e|none|--|localhost");
	check_argv("test+ssh://alice@h.example:2222/system?keyfile=/k%20ey"
		   "&known_hosts=/kh&no_tty=1&no_verify=1",
		   0, 5000,
		   "ssh|-p|2222|-l|alice|-T|-e|none|-i|/k ey|-o|"
		   "UserKnownHostsFile=/kh|-o|BatchMode=yes|-o|"
		   "StrictHostKeyChecking=no|-o|ConnectTimeout=5|--|h.example");
	check_argv("test+ssh://h/d?known_hosts=/a%20b&no_tty=0&no_verify=0", 0,
		   1500,
		   "ssh|-T|-e|none|-o|UserKnownHostsFile=\"/a b\"|-o|"
		   "ConnectTimeout=2|--|h");
	check_argv("test+ssh://[::1]/d?command=/opt/ssh%20-F%20/cfg", 0, 0,
		   "/opt/ssh|-F|/cfg|-T|-e|none|--|::1");
}

static void
check_remote(const char *uri, unsigned int flags, const char *want)
{
	struct rvirt_error err = { 0 };
	struct uri *u = parse_ok(uri);
	char *cmd = ssh_remote_command(u, flags, &err);

	assert_non_null(cmd);
	assert_string_equal(cmd, want);
	free(cmd);
	uri_free(u);
}

static void
test_remote_native(void **state)
{
	(void)state;
	check_remote("test+ssh://h/system?proxy=native", 0,
		     "rvirt-ssh-helper '/system'");
	check_remote("test+ssh://h/default?proxy=native&socket=/a'b%20c",
		     RVIRT_CONNECT_RO,
		     "rvirt-ssh-helper --readonly --socket '/a'\\''b c' "
		     "'/default'");
}

/*
 * Run the remote command in sh as ssh would, with fake nc and
 * rvirt-ssh-helper programs (when helper) in PATH that print their
 * arguments; out gets what they printed.
 */
static void
run_remote(const char *uri, unsigned int flags, int helper, const char *home,
	   char *out, size_t size)
{
	struct rvirt_error err = { 0 };
	struct uri *u = parse_ok(uri);
	char *cmd = ssh_remote_command(u, flags, &err);
	char dir[] = "/tmp/t6002.XXXXXX", path[128], env[512];
	FILE *f;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_non_null(cmd);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mync", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* an openbsd-like help text, so that -N is used */
	fprintf(f, "#!/bin/sh\ncase $1 in -h) printf 'usage\\n\\t-N\\t\\tShut"
		   "down\\n' >&2; exit 1;; esac\necho nc \"$@\"\n");
	fclose(f);
	chmod(path, 0755);
	if (helper) {
		snprintf(path, sizeof(path), "%s/rvirt-ssh-helper", dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "#!/bin/sh\necho helper \"$@\"\n");
		fclose(f);
		chmod(path, 0755);
	}
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		snprintf(env, sizeof(env), "%s:/usr/bin:/bin", dir);
		setenv("PATH", env, 1);
		setenv("HOME", home, 1);
		unsetenv("XDG_RUNTIME_DIR");
		/* as a user, whoever runs the test */
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(path, sizeof(path), "%s/mync", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rvirt-ssh-helper", dir);
	unlink(path);
	rmdir(dir);
	free(cmd);
	uri_free(u);
}

static void
test_remote_scripts(void **state)
{
	char out[512], want[512];

	(void)state;
	run_remote("test+ssh://h/system?proxy=netcat&netcat=mync", 0, 1, "/h",
		   out, sizeof(out));
	assert_string_equal(out, "nc -N -U /run/rvirt/rvirt-sock");
	run_remote("test+ssh://h/system?proxy=netcat&netcat=mync",
		   RVIRT_CONNECT_RO, 1, "/h", out, sizeof(out));
	assert_string_equal(out, "nc -N -U /run/rvirt/rvirt-sock-ro");
	/* socket= as given, quotes and blanks intact */
	run_remote("test+ssh://h/d?proxy=netcat&netcat=mync&socket=/x'y%20z", 0,
		   1, "/h", out, sizeof(out));
	assert_string_equal(out, "nc -N -U /x'y z");
	/* other paths: the remote user's default socket */
	run_remote("test+ssh://h/default?proxy=netcat&netcat=mync", 0, 0,
		   "/home/u", out, sizeof(out));
	snprintf(want, sizeof(want), "nc -N -U %s",
		 getuid() == 0 ? "/run/rvirt/rvirt-sock"
			       : "/home/u/.cache/rvirt/run/rvirt-sock");
	assert_string_equal(out, want);
	/* auto: the helper when it is there, else netcat */
	run_remote("test+ssh://h/system?netcat=mync&socket=/s",
		   RVIRT_CONNECT_RO, 1, "/h", out, sizeof(out));
	assert_string_equal(out, "helper --readonly --socket /s /system");
	run_remote("test+ssh://h/system?netcat=mync&socket=/s",
		   RVIRT_CONNECT_RO, 0, "/h", out, sizeof(out));
	assert_string_equal(out, "nc -N -U /s");
}

/* No child of this process is left, zombie or alive. */
static void
assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static struct stream *
start(const char *cmd)
{
	struct cmdstream_argv a = { 0 };
	struct rvirt_error err = { 0 };
	struct stream *st;

	assert_int_equal(cmdstream_argv_add(&a, "/bin/sh", &err), 0);
	assert_int_equal(cmdstream_argv_add(&a, "-c", &err), 0);
	assert_int_equal(cmdstream_argv_add(&a, cmd, &err), 0);
	st = cmdstream_new(a.argv, "peer", &err);
	if (!st)
		fail_msg("cmdstream_new: %s", err.message);
	cmdstream_argv_release(&a);
	return st;
}

static void
test_stream_echo(void **state)
{
	struct rvirt_error err = { 0 };
	struct stream *st;
	char buf[16];
	ssize_t n;

	(void)state;
	st = start("exec cat");
	assert_int_equal(
		stream_write_all(st, "hello", 5, stream_now_ms() + 5000, &err),
		0);
	n = stream_read(st, buf, sizeof(buf), stream_now_ms() + 5000, &err);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	stream_free(st);
	assert_no_children();
}

static void
expect_fail(const char *cmd, const char *want)
{
	struct rvirt_error err = { 0 };
	struct stream *st = start(cmd);
	char buf[16];

	assert_int_equal(
		stream_read(st, buf, sizeof(buf), stream_now_ms() + 5000, &err),
		-1);
	assert_int_equal(err.code, RVIRT_ERR_TRANSPORT);
	assert_string_equal(err.message, want);
	stream_free(st);
	assert_no_children();
}

static void
test_stream_failures(void **state)
{
	struct rvirt_error err = { 0 };
	struct stream *st;
	char buf[16];

	(void)state;
	/* the last two lines, no final full stop */
	expect_fail("echo one >&2; echo two >&2; echo 'Permission denied.' >&2;"
		    " exit 255",
		    "cannot connect to 'peer': sh: two; Permission denied");
	expect_fail("exit 3", "cannot connect to 'peer': 'sh' exited with "
			      "status 3");
	expect_fail("kill -USR1 $$",
		    "cannot connect to 'peer': 'sh' killed by signal 10");
	/* a clean exit is a plain end of stream, whatever it said */
	st = start("echo warning >&2; exit 0");
	assert_int_equal(
		stream_read(st, buf, sizeof(buf), stream_now_ms() + 5000, &err),
		0);
	stream_free(st);
	assert_no_children();
}

static void
test_stream_missing_program(void **state)
{
	char *argv[] = { "/nonexistent/prog", NULL };
	struct rvirt_error err = { 0 };
	struct stream *st;
	char buf[16];

	(void)state;
	st = cmdstream_new(argv, "prog", &err);
	assert_non_null(st);
	assert_int_equal(
		stream_read(st, buf, sizeof(buf), stream_now_ms() + 5000, &err),
		-1);
	assert_string_equal(err.message,
			    "cannot connect to 'prog': cannot run "
			    "'/nonexistent/prog': no such file or directory");
	stream_free(st);
	assert_no_children();
}

/* A child that ignores EOF and SIGTERM is still gone, within bounds. */
static void
test_stream_reaps_stubborn(void **state)
{
	char mark[512], cmd[700];
	struct stream *st;
	int64_t t0;

	(void)state;
	st = start("trap '' TERM; while :; do sleep 0.05; done");
	/* let the shell set its trap before it is asked to go */
	poll(NULL, 0, 200);
	t0 = stream_now_ms();
	stream_free(st);
	/* Bounded (two graces and a KILL), not hanging: no speed asked. */
	assert_true(stream_now_ms() - t0 < 60000);
	assert_no_children();

	/*
	 * One that exits on EOF ends by itself: it gets to write its mark
	 * (a TERM it ignores, so that a slow machine that lets the first
	 * grace pass does not turn this into a test of speed).
	 */
	snprintf(mark, sizeof(mark), "%s/t6002-eof.%ld",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	snprintf(cmd, sizeof(cmd),
		 "trap '' TERM; cat >/dev/null; echo eof >'%s'", mark);
	unlink(mark);
	st = start(cmd);
	stream_free(st);
	assert_no_children();
	assert_int_equal(access(mark, F_OK), 0);
	unlink(mark);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_ssh_argv),
		cmocka_unit_test(test_remote_native),
		cmocka_unit_test(test_remote_scripts),
		cmocka_unit_test(test_stream_echo),
		cmocka_unit_test(test_stream_failures),
		cmocka_unit_test(test_stream_missing_program),
		cmocka_unit_test(test_stream_reaps_stubborn),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
