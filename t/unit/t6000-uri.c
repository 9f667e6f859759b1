/* SPDX-License-Identifier: MIT */
/* t6000-uri: connection URIs, good and bad, variables, default sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../client/stream.h"
#include "../../client/uri.h"

/* The warning sink under test: remembers what it was told. */
static char warned[4][256];
static int nwarned;

static void
warn_catch(const char *msg)
{
	if (nwarned < 4)
		snprintf(warned[nwarned], sizeof(warned[0]), "%s", msg);
	nwarned++;
}

static int
setup(void **state)
{
	(void)state;
	nwarned = 0;
	uri_set_warn_handler(warn_catch);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	uri_set_warn_handler(NULL);
	return 0;
}

static struct uri *
parse_ok(const char *s)
{
	struct rvirt_error err = { 0 };
	struct uri *u = uri_parse(s, &err);

	if (!u)
		fail_msg("'%s' refused: %s", s, err.message);
	return u;
}

/* s must be refused with code and a message containing why. */
static void
parse_bad(const char *s, int code, const char *why)
{
	struct rvirt_error err = { 0 };
	struct uri *u = uri_parse(s, &err);

	if (u) {
		uri_free(u);
		fail_msg("'%s' accepted", s);
	}
	if (err.code != code)
		fail_msg("'%s': code %d, want %d (%s)", s, err.code, code,
			 err.message);
	if (!strstr(err.message, why))
		fail_msg("'%s': message '%s' lacks '%s'", s, err.message, why);
}

static void
test_simple(void **state)
{
	struct uri *u = parse_ok("test:///default");
	char *name;

	(void)state;
	assert_string_equal(u->driver, "test");
	assert_int_equal(u->transport, URI_TRANSPORT_UNIX);
	assert_int_equal(u->transport_explicit, 0);
	assert_null(u->user);
	assert_null(u->host);
	assert_int_equal(u->port, 0);
	assert_string_equal(u->path, "/default");
	assert_null(u->name);
	assert_null(u->socket);
	assert_int_equal(u->no_verify, -1);
	assert_int_equal(u->no_tty, -1);
	assert_int_equal(u->reconnect_timeout, -1);
	name = uri_open_name(u);
	assert_string_equal(name, "test:///default");
	free(name);
	uri_free(u);
	assert_int_equal(nwarned, 0);
}

static void
test_full(void **state)
{
	struct uri *u = parse_ok("qemu+tcp://alice@host.example.com:16510/"
				 "system?no_verify=1&name=qemu%3A%2F%2F%2Fx");
	char *name;

	(void)state;
	assert_string_equal(u->driver, "qemu");
	assert_int_equal(u->transport, URI_TRANSPORT_TCP);
	assert_int_equal(u->transport_explicit, 1);
	assert_string_equal(u->user, "alice");
	assert_string_equal(u->host, "host.example.com");
	assert_int_equal(u->port, 16510);
	assert_string_equal(u->path, "/system");
	assert_int_equal(u->no_verify, 1);
	assert_string_equal(u->name, "qemu:///x");
	/* name= replaces driver:///path in CONNECT_OPEN */
	name = uri_open_name(u);
	assert_string_equal(name, "qemu:///x");
	free(name);
	uri_free(u);
}

static void
test_transport_defaults(void **state)
{
	struct uri *u;

	(void)state;
	/* without a host: unix; with one: tls */
	u = parse_ok("test:///default");
	assert_int_equal(u->transport, URI_TRANSPORT_UNIX);
	uri_free(u);
	u = parse_ok("test://example.org/default");
	assert_int_equal(u->transport, URI_TRANSPORT_TLS);
	assert_int_equal(u->transport_explicit, 0);
	uri_free(u);
	u = parse_ok("test+unix:///default");
	assert_int_equal(u->transport, URI_TRANSPORT_UNIX);
	uri_free(u);
	u = parse_ok("test+tcp:///default");
	assert_int_equal(u->transport, URI_TRANSPORT_TCP);
	assert_null(u->host);
	uri_free(u);
	u = parse_ok("test+ssh://h/default");
	assert_int_equal(u->transport, URI_TRANSPORT_SSH);
	uri_free(u);
	u = parse_ok("test+ext:///default?command=/bin/nc");
	assert_int_equal(u->transport, URI_TRANSPORT_EXT);
	assert_string_equal(u->command, "/bin/nc");
	uri_free(u);
	u = parse_ok("test+tls://h/default");
	assert_int_equal(u->transport, URI_TRANSPORT_TLS);
	uri_free(u);
}

static void
test_ipv6(void **state)
{
	struct uri *u;

	(void)state;
	u = parse_ok("test+tcp://[::1]:16509/default");
	assert_string_equal(u->host, "::1");
	assert_int_equal(u->port, 16509);
	uri_free(u);
	u = parse_ok("test+tcp://[2001:db8::7]/default");
	assert_string_equal(u->host, "2001:db8::7");
	assert_int_equal(u->port, 0);
	uri_free(u);
	u = parse_ok("test+tcp://[fe80::1%25eth0]/default");
	assert_string_equal(u->host, "fe80::1%eth0");
	uri_free(u);
	parse_bad("test+tcp://[::1/default", RVIRT_ERR_URI, "missing ']'");
	parse_bad("test+tcp://[nothex::1]/default", RVIRT_ERR_URI,
		  "invalid IPv6 address 'nothex::1'");
	parse_bad("test+tcp://[::1]x/default", RVIRT_ERR_URI,
		  "unexpected text after ']'");
	parse_bad("test+tcp://[]/default", RVIRT_ERR_URI, "invalid IPv6");
}

static void
test_ports(void **state)
{
	struct uri *u;

	(void)state;
	u = parse_ok("test+tcp://h:1/d");
	assert_int_equal(u->port, 1);
	uri_free(u);
	u = parse_ok("test+tcp://h:65535/d");
	assert_int_equal(u->port, 65535);
	uri_free(u);
	parse_bad("test+tcp://h:0/d", RVIRT_ERR_URI,
		  "port '0' is out of range 1..65535");
	parse_bad("test+tcp://h:65536/d", RVIRT_ERR_URI, "out of range");
	parse_bad("test+tcp://h:99999999999999999999/d", RVIRT_ERR_URI,
		  "out of range");
	parse_bad("test+tcp://h:/d", RVIRT_ERR_URI, "empty port");
	parse_bad("test+tcp://h:12a/d", RVIRT_ERR_URI, "invalid port '12a'");
	parse_bad("test+tcp://h:-1/d", RVIRT_ERR_URI, "invalid port");
	parse_bad("test+tcp://:16509/d", RVIRT_ERR_URI, "missing host");
}

static void
test_escapes(void **state)
{
	struct uri *u;

	(void)state;
	u = parse_ok("test+tcp://al%40ice@h%2Dx/my%20path/x%2fy"
		     "?socket=%2Ftmp%2Fa%26b&name=a%3Db");
	assert_string_equal(u->user, "al@ice");
	assert_string_equal(u->host, "h-x");
	assert_string_equal(u->path, "/my path/x/y");
	assert_string_equal(u->socket, "/tmp/a&b");
	assert_string_equal(u->name, "a=b");
	uri_free(u);
	/* variable names may be escaped too */
	u = parse_ok("test:///d?%73ocket=/s");
	assert_string_equal(u->socket, "/s");
	uri_free(u);
	parse_bad("test:///a%2", RVIRT_ERR_URI, "bad %-escape in the path");
	parse_bad("test:///a%zz", RVIRT_ERR_URI, "bad %-escape in the path");
	parse_bad("test:///a%00b", RVIRT_ERR_URI, "contains '%00'");
	parse_bad("test:///d?socket=%G0", RVIRT_ERR_URI,
		  "bad %-escape in the query");
	parse_bad("test+tcp://u%0@h/d", RVIRT_ERR_URI,
		  "bad %-escape in the user name");
	parse_bad("test:///a b", RVIRT_ERR_URI,
		  "byte 0x20 at offset 9 must be %-escaped");
	parse_bad("test:///a\tb", RVIRT_ERR_URI, "byte 0x09");
	parse_bad("test:///\xc3\xa9", RVIRT_ERR_URI, "byte 0xc3");
}

static void
test_variables(void **state)
{
	struct uri *u;

	(void)state;
	u = parse_ok("test+ssh://h/d?socket=/s&no_verify=0&pkipath=/p"
		     "&tls_priority=NORMAL&command=c&netcat=nc&no_tty=1"
		     "&keyfile=/k&known_hosts=/kh&proxy=native&auth=sasl"
		     "&reconnect_timeout=30&mode=legacy");
	assert_string_equal(u->socket, "/s");
	assert_int_equal(u->no_verify, 0);
	assert_string_equal(u->pkipath, "/p");
	assert_string_equal(u->tls_priority, "NORMAL");
	assert_string_equal(u->command, "c");
	assert_string_equal(u->netcat, "nc");
	assert_int_equal(u->no_tty, 1);
	assert_string_equal(u->keyfile, "/k");
	assert_string_equal(u->known_hosts, "/kh");
	assert_string_equal(u->proxy, "native");
	assert_string_equal(u->auth, "sasl");
	assert_int_equal(u->reconnect_timeout, 30);
	assert_string_equal(u->mode, "legacy");
	uri_free(u);
	assert_int_equal(nwarned, 0);

	/* reconnect_timeout=forever; keepalive values */
	u = parse_ok("test:///d?reconnect_timeout=forever"
		     "&keepalive_interval=0&keepalive_count=7");
	assert_int_equal(u->reconnect_timeout, URI_TIMEOUT_FOREVER);
	assert_int_equal(u->keepalive_interval, 0);
	assert_int_equal(u->keepalive_count, 7);
	uri_free(u);
	u = parse_ok("test:///d");
	assert_int_equal(u->keepalive_interval, -1);
	assert_int_equal(u->keepalive_count, -1);
	uri_free(u);

	/* the last of a repeated variable wins; empty pairs are skipped */
	u = parse_ok("test:///d?socket=/a&&socket=/b&;");
	assert_string_equal(u->socket, "/b");
	uri_free(u);
	u = parse_ok("test:///d?");
	assert_null(u->socket);
	uri_free(u);

	parse_bad("test:///d?no_verify=yes", RVIRT_ERR_URI,
		  "variable 'no_verify' must be 0 or 1");
	parse_bad("test:///d?no_tty", RVIRT_ERR_URI,
		  "variable 'no_tty' must be 0 or 1");
	parse_bad("test:///d?reconnect_timeout=-1", RVIRT_ERR_URI,
		  "variable 'reconnect_timeout' must be a number of seconds");
	parse_bad("test:///d?reconnect_timeout=99999999999", RVIRT_ERR_URI,
		  "number of seconds");
	parse_bad("test:///d?reconnect_timeout=5s", RVIRT_ERR_URI,
		  "number of seconds");
	parse_bad("test:///d?reconnect_timeout=always", RVIRT_ERR_URI,
		  "number of seconds or 'forever'");
	parse_bad("test:///d?keepalive_interval=forever", RVIRT_ERR_URI,
		  "variable 'keepalive_interval' must be a number of seconds");
	parse_bad("test:///d?keepalive_interval=3601", RVIRT_ERR_URI,
		  "variable 'keepalive_interval' must be 0 to 3600 seconds");
	parse_bad("test:///d?keepalive_count=0", RVIRT_ERR_URI,
		  "variable 'keepalive_count' must be 1 to 1000");
	parse_bad("test:///d?keepalive_count=1001", RVIRT_ERR_URI,
		  "variable 'keepalive_count' must be 1 to 1000");
	parse_bad("test:///d?socket=", RVIRT_ERR_URI,
		  "variable 'socket' has an empty value");
	parse_bad("test:///d?mode=fast", RVIRT_ERR_URI,
		  "unknown value 'fast' for variable 'mode'");
	parse_bad("test:///d?proxy=tor", RVIRT_ERR_URI,
		  "unknown value 'tor' for variable 'proxy'");
	parse_bad("test:///d?=x", RVIRT_ERR_URI, "empty variable name");
}

static void
test_unknown_variable_warns(void **state)
{
	struct uri *u;

	char *name;

	(void)state;
	u = parse_ok("test:///d?foo=1&socket=/s&b%61r&q=a%20b%26c%3D%2F");
	assert_string_equal(u->socket, "/s");
	/* re-escaped for the server: & = and blanks, not / */
	assert_string_equal(u->extra, "foo=1&bar=&q=a%20b%26c%3D/");
	name = uri_open_name(u);
	assert_string_equal(name, "test:///d?foo=1&bar=&q=a%20b%26c%3D/");
	free(name);
	uri_free(u);
	assert_int_equal(nwarned, 3);
	assert_string_equal(
		warned[0],
		"unknown uri variable 'foo' passed to the server in the name");
	assert_string_equal(
		warned[1],
		"unknown uri variable 'bar' passed to the server in the name");

	/* name= wins: the unknown ones go nowhere, and the warning says so */
	nwarned = 0;
	u = parse_ok("test+ssh://h/d?foo=1&name=test:///default");
	name = uri_open_name(u);
	assert_string_equal(name, "test:///default");
	free(name);
	uri_free(u);
	assert_int_equal(nwarned, 1);
	assert_string_equal(warned[0], "ignoring unknown uri variable 'foo': "
				       "the variable 'name' is given");

	/* the variables of other transports are known: no warning */
	nwarned = 0;
	u = parse_ok("test+ssh://h/d?no_verify=1&pkipath=/p&tls_priority=NORMAL"
		     "&auth=sasl&reconnect_timeout=30&name=x:///y");
	assert_int_equal(u->no_verify, 1);
	assert_string_equal(u->pkipath, "/p");
	assert_string_equal(u->tls_priority, "NORMAL");
	assert_string_equal(u->auth, "sasl");
	assert_int_equal(u->reconnect_timeout, 30);
	assert_null(u->extra);
	uri_free(u);
	assert_int_equal(nwarned, 0);
}

static void
test_bad_shapes(void **state)
{
	char *huge;

	(void)state;
	parse_bad("test", RVIRT_ERR_URI, "invalid uri 'test': missing '://'");
	parse_bad("test:/default", RVIRT_ERR_URI, "missing '://'");
	parse_bad("/tmp/x://y", RVIRT_ERR_URI, "missing '://'");
	parse_bad("://default", RVIRT_ERR_URI, "missing driver name");
	parse_bad("+tcp:///d", RVIRT_ERR_URI, "missing driver name before '+'");
	parse_bad("1test:///d", RVIRT_ERR_URI, "invalid driver name");
	parse_bad("te$t:///d", RVIRT_ERR_URI, "invalid driver name");
	parse_bad("test+udp:///d", RVIRT_ERR_URI, "unknown transport 'udp'");
	parse_bad("test+:///d", RVIRT_ERR_URI, "unknown transport ''");
	parse_bad("test://", RVIRT_ERR_URI, "missing path");
	parse_bad("test://host", RVIRT_ERR_URI, "missing path");
	parse_bad("test://host?socket=/x", RVIRT_ERR_URI, "missing path");
	parse_bad("test:///d#frag", RVIRT_ERR_URI,
		  "fragments ('#') are not allowed");
	parse_bad("test+tcp://@h/d", RVIRT_ERR_URI, "empty user name");
	parse_bad("test+tcp://u:pw@h/d", RVIRT_ERR_URI,
		  "passwords are not allowed");
	parse_bad("test+tcp://h!x/d", RVIRT_ERR_URI,
		  "invalid character '!' in the host");
	parse_bad("test+unix://h/d", RVIRT_ERR_URI,
		  "transport 'unix' takes no user, host or port");
	parse_bad("test+ext:///d", RVIRT_ERR_URI,
		  "transport 'ext' needs the variable 'command'");
	parse_bad("", RVIRT_ERR_URI, "empty");
	parse_bad(NULL, RVIRT_ERR_URI, "no uri given");

	/* the length is checked first, and the message stays short */
	huge = malloc(RVIRT_URI_MAX + 2);
	assert_non_null(huge);
	memcpy(huge, "test:///", 8);
	memset(huge + 8, 'a', RVIRT_URI_MAX - 7);
	huge[RVIRT_URI_MAX + 1] = '\0';
	parse_bad(huge, RVIRT_ERR_URI, "longer than 4096 bytes");
	huge[RVIRT_URI_MAX] = '\0';
	uri_free(parse_ok(huge));
	free(huge);
}

/* The non-root rules; returns the number of mismatches. */
static int
check_user_socket_paths(void)
{
	struct rvirt_error err = { 0 };
	char buf[256];
	int bad = 0;

	setenv("XDG_RUNTIME_DIR", "/run/user/42", 1);
	bad += stream_default_socket_path(0, buf, sizeof(buf), &err) != 0 ||
	       strcmp(buf, "/run/user/42/rvirt/rvirt-sock") != 0;
	bad += stream_default_socket_path(1, buf, sizeof(buf), &err) != 0 ||
	       strcmp(buf, "/run/user/42/rvirt/rvirt-sock-ro") != 0;
	unsetenv("XDG_RUNTIME_DIR");
	setenv("HOME", "/home/h", 1);
	bad += stream_default_socket_path(0, buf, sizeof(buf), &err) != 0 ||
	       strcmp(buf, "/home/h/.cache/rvirt/run/rvirt-sock") != 0;
	bad += stream_default_socket_path(0, buf, 10, &err) != -1 ||
	       err.code != RVIRT_ERR_LIMIT;
	return bad;
}

static void
test_default_socket(void **state)
{
	struct rvirt_error err = { 0 };
	char buf[256];
	pid_t pid;
	int status;

	(void)state;
	if (getuid() != 0) {
		assert_int_equal(check_user_socket_paths(), 0);
		return;
	}
	assert_int_equal(stream_default_socket_path(0, buf, sizeof(buf), &err),
			 0);
	assert_string_equal(buf, "/run/rvirt/rvirt-sock");
	assert_int_equal(stream_default_socket_path(1, buf, sizeof(buf), &err),
			 0);
	assert_string_equal(buf, "/run/rvirt/rvirt-sock-ro");
	/* As root, check the user rules in a child that is nobody. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(100);
		_exit(check_user_socket_paths());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_connect_errors(void **state)
{
	struct rvirt_error err = { 0 };
	struct uri *u;
	char long_uri[300];

	(void)state;
	u = parse_ok("test:///d?socket=/nonexistent/rvirt-sock");
	assert_null(stream_connect(u, 0, 1000, &err));
	assert_int_equal(err.code, RVIRT_ERR_TRANSPORT);
	assert_string_equal(err.message,
			    "cannot connect to '/nonexistent/rvirt-sock': no "
			    "such file or directory (is rvirtd running?)");
	uri_free(u);

	/* a path longer than sun_path is refused before socket() */
	snprintf(long_uri, sizeof(long_uri), "test:///d?socket=/%0200d", 0);
	u = parse_ok(long_uri);
	assert_null(stream_connect(u, 0, 1000, &err));
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_non_null(strstr(err.message, "path longer than"));
	uri_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_simple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variables, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_variable_warns,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_shapes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_default_socket, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connect_errors, setup,
						teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
