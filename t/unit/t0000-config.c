/* SPDX-License-Identifier: MIT */
/* t0000-config: rvirtd.conf parsing, defaults, errors and the shipped file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../server/config.h"

static char tmpdir[256];
static char conf_path[512];

/* Write text to the test's config file and return its path. */
static const char *
write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return conf_path;
}

/* Field by field, so padding and bytes after a string's NUL do not count. */
static void
assert_config_equal(const struct config *a, const struct config *b)
{
	assert_string_equal(a->path, b->path);
	assert_int_equal(a->listen_tcp, b->listen_tcp);
	assert_string_equal(a->listen_addr, b->listen_addr);
	assert_int_equal(a->tcp_port, b->tcp_port);
	assert_string_equal(a->unix_sock_dir, b->unix_sock_dir);
	assert_int_equal(a->unix_sock_ro_perms, b->unix_sock_ro_perms);
	assert_int_equal(a->unix_sock_rw_perms, b->unix_sock_rw_perms);
	assert_string_equal(a->unix_sock_group, b->unix_sock_group);
	assert_int_equal(a->auth_unix_rw, b->auth_unix_rw);
	assert_int_equal(a->auth_unix_ro, b->auth_unix_ro);
	assert_int_equal(a->auth_tcp, b->auth_tcp);
	assert_int_equal(a->auth_tcp_explicit, b->auth_tcp_explicit);
	assert_int_equal(a->max_clients, b->max_clients);
	assert_int_equal(a->idle_timeout, b->idle_timeout);
	assert_int_equal(a->message_timeout, b->message_timeout);
	assert_string_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->runtime_dir, b->runtime_dir);
	assert_int_equal(a->store_max_size, b->store_max_size);
	assert_int_equal(a->log_level, b->log_level);
	assert_string_equal(a->log_outputs, b->log_outputs);
	assert_int_equal(a->auth_tls, b->auth_tls);
	assert_int_equal(a->listen_tls, b->listen_tls);
	assert_int_equal(a->tls_port, b->tls_port);
	assert_string_equal(a->key_file, b->key_file);
	assert_string_equal(a->cert_file, b->cert_file);
	assert_string_equal(a->ca_file, b->ca_file);
	assert_string_equal(a->crl_file, b->crl_file);
	assert_string_equal(a->tls_priority, b->tls_priority);
	assert_int_equal(a->tls_no_verify_certificate,
			 b->tls_no_verify_certificate);
	assert_string_equal(a->sasl_config_dir, b->sasl_config_dir);
	assert_string_equal(a->sasl_server_fqdn, b->sasl_server_fqdn);
	assert_int_equal(a->tcp_min_ssf, b->tcp_min_ssf);
	assert_int_equal(a->max_anonymous_clients, b->max_anonymous_clients);
	assert_int_equal(a->auth_timeout, b->auth_timeout);
	assert_int_equal(a->auth_fail_delay, b->auth_fail_delay);
	assert_memory_equal(&a->tls_allowed_dn_list, &b->tls_allowed_dn_list,
			    sizeof(a->tls_allowed_dn_list));
	assert_memory_equal(&a->sasl_allowed_username_list,
			    &b->sasl_allowed_username_list,
			    sizeof(a->sasl_allowed_username_list));
	assert_memory_equal(&a->unix_rw_allowed_list, &b->unix_rw_allowed_list,
			    sizeof(a->unix_rw_allowed_list));
}

/*
 * Load text over the defaults and expect failure with exactly msg,
 * where "@" in msg stands for the file's path; check that the config
 * was left untouched.
 */
static void
expect_error(const char *text, const char *msg)
{
	struct config cfg, before;
	struct rvirt_error err;
	char want[2048];
	const char *at = strchr(msg, '@');

	config_init_defaults(&cfg);
	before = cfg;
	memset(&err, 0, sizeof(err));
	write_conf(text);
	assert_int_equal(config_load(&cfg, conf_path, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_CONFIG);
	assert_int_equal(err.origin, RVIRT_FROM_CONFIG);
	if (at)
		snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - msg), msg,
			 conf_path, at + 1);
	else
		snprintf(want, sizeof(want), "%s", msg);
	assert_string_equal(err.message, want);
	assert_config_equal(&cfg, &before);
}

static void
load_ok(struct config *cfg, const char *text)
{
	struct rvirt_error err;

	memset(&err, 0, sizeof(err));
	write_conf(text);
	if (config_load(cfg, conf_path, &err) != 0)
		fail_msg("unexpected error: %s", err.message);
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	assert_string_equal(cfg.path, "");
	assert_false(cfg.listen_tcp);
	assert_string_equal(cfg.listen_addr, "127.0.0.1");
	assert_int_equal(cfg.tcp_port, 16609);
	assert_int_equal(cfg.unix_sock_ro_perms, 0777);
	assert_int_equal(cfg.unix_sock_rw_perms, 0700);
	assert_string_equal(cfg.unix_sock_group, "");
	assert_int_equal(cfg.auth_unix_rw, CONFIG_AUTH_NONE);
	assert_int_equal(cfg.auth_unix_ro, CONFIG_AUTH_NONE);
	assert_int_equal(cfg.auth_tcp, CONFIG_AUTH_SASL);
	assert_false(cfg.auth_tcp_explicit);
	assert_int_equal(cfg.max_clients, 5000);
	assert_int_equal(cfg.idle_timeout, 0);
	assert_int_equal(cfg.message_timeout, 30);
	assert_int_equal(cfg.store_max_size, (size_t)1024 * 1024 * 1024);
	assert_int_equal(cfg.log_level, 3);
	assert_string_equal(cfg.log_outputs, "3:stderr");
	assert_string_equal(cfg.unix_sock_dir, cfg.runtime_dir);
}

static void
test_default_dirs(void **state)
{
	struct config cfg;
	char path[512];
	char *saved[4];
	const char *vars[4] = { "HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
				"XDG_CONFIG_HOME" };
	int i;

	(void)state;
	if (getuid() == 0) {
		config_init_defaults(&cfg);
		assert_string_equal(cfg.runtime_dir, "/run/rvirt");
		assert_string_equal(cfg.state_dir, "/var/lib/rvirt");
		assert_string_equal(cfg.unix_sock_dir, "/run/rvirt");
		config_default_file(path, sizeof(path));
		assert_string_equal(path, "/etc/rvirt/rvirtd.conf");
		return;
	}
	for (i = 0; i < 4; i++) {
		saved[i] = getenv(vars[i]) ? strdup(getenv(vars[i])) : NULL;
	}

	setenv("HOME", "/home/u", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	setenv("XDG_DATA_HOME", "/data", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	config_init_defaults(&cfg);
	assert_string_equal(cfg.runtime_dir, "/run/user/1000/rvirt");
	assert_string_equal(cfg.unix_sock_dir, "/run/user/1000/rvirt");
	assert_string_equal(cfg.state_dir, "/data/rvirt");
	config_default_file(path, sizeof(path));
	assert_string_equal(path, "/cfg/rvirt/rvirtd.conf");

	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CONFIG_HOME");
	config_init_defaults(&cfg);
	assert_string_equal(cfg.runtime_dir, "/home/u/.cache/rvirt/run");
	assert_string_equal(cfg.state_dir, "/home/u/.local/share/rvirt");
	config_default_file(path, sizeof(path));
	assert_string_equal(path, "/home/u/.config/rvirt/rvirtd.conf");

	/* Relative XDG values are to be ignored (XDG base dir spec). */
	setenv("XDG_DATA_HOME", "relative", 1);
	config_init_defaults(&cfg);
	assert_string_equal(cfg.state_dir, "/home/u/.local/share/rvirt");

	for (i = 0; i < 4; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

static void
test_every_key(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	load_ok(&cfg,
		"# every key, libvirtd.conf style: no semicolons\n"
		"listen_tcp = 1\n"
		"listen_addr = \"::1\"\n"
		"tcp_port = 0\n"
		"unix_sock_dir = \"/tmp/s\"\n"
		"unix_sock_ro_perms = \"0755\"\n"
		"unix_sock_rw_perms = \"0770\"\n"
		"unix_sock_group = \"wheel\"\n"
		"auth_unix_rw = \"none\"\n"
		"auth_unix_ro = \"none\"\n"
		"auth_tcp = \"none\"\n"
		"max_clients = 7\n"
		"idle_timeout = 600\n"
		"message_timeout = 5\n"
		"state_dir = \"/var/x\"\n"
		"runtime_dir = \"/run/x\"\n"
		"store_max_size = 8\n"
		"log_level = 1\n"
		"log_outputs = \"1:file:/tmp/l 4:syslog:rvirtd 2:stderr\"\n");
	assert_string_equal(cfg.path, conf_path);
	assert_true(cfg.listen_tcp);
	assert_string_equal(cfg.listen_addr, "::1");
	assert_int_equal(cfg.tcp_port, 0);
	assert_string_equal(cfg.unix_sock_dir, "/tmp/s");
	assert_int_equal(cfg.unix_sock_ro_perms, 0755);
	assert_int_equal(cfg.unix_sock_rw_perms, 0770);
	assert_string_equal(cfg.unix_sock_group, "wheel");
	assert_int_equal(cfg.auth_unix_rw, CONFIG_AUTH_NONE);
	assert_int_equal(cfg.auth_unix_ro, CONFIG_AUTH_NONE);
	assert_int_equal(cfg.auth_tcp, CONFIG_AUTH_NONE);
	assert_true(cfg.auth_tcp_explicit);
	assert_int_equal(cfg.max_clients, 7);
	assert_int_equal(cfg.idle_timeout, 600);
	assert_int_equal(cfg.message_timeout, 5);
	assert_string_equal(cfg.state_dir, "/var/x");
	assert_string_equal(cfg.runtime_dir, "/run/x");
	assert_int_equal(cfg.store_max_size, (size_t)8 * 1024 * 1024);
	assert_int_equal(cfg.log_level, 1);
	assert_string_equal(cfg.log_outputs,
			    "1:file:/tmp/l 4:syslog:rvirtd 2:stderr");
}

static void
test_syntax_variants(void **state)
{
	struct config cfg;

	(void)state;
	/* Booleans as true/false, semicolons and ':' as libconfig allows. */
	config_init_defaults(&cfg);
	load_ok(&cfg, "listen_tcp = true;\nauth_tcp : \"none\";\n");
	assert_true(cfg.listen_tcp);
	load_ok(&cfg, "listen_tcp = false\n");
	assert_false(cfg.listen_tcp);
	/* An empty file (or only comments) keeps every default. */
	config_init_defaults(&cfg);
	load_ok(&cfg, "# nothing\n\n");
	assert_int_equal(cfg.tcp_port, 16609);
	assert_false(cfg.auth_tcp_explicit);
	/* Integers may be written in hex or with the L suffix. */
	load_ok(&cfg, "tcp_port = 0x10\nmax_clients = 10L\n");
	assert_int_equal(cfg.tcp_port, 16);
	assert_int_equal(cfg.max_clients, 10);
}

static void
test_sock_dir_follows_runtime_dir(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	load_ok(&cfg, "runtime_dir = \"/run/r\"\n");
	assert_string_equal(cfg.unix_sock_dir, "/run/r");
	config_init_defaults(&cfg);
	load_ok(&cfg, "runtime_dir = \"/run/r\"\nunix_sock_dir = \"/s\"\n");
	assert_string_equal(cfg.unix_sock_dir, "/s");
	config_init_defaults(&cfg);
	load_ok(&cfg, "unix_sock_dir = \"/s\"\nruntime_dir = \"/run/r\"\n");
	assert_string_equal(cfg.unix_sock_dir, "/s");
}

static void
test_error_syntax(void **state)
{
	(void)state;
	expect_error("tcp_port = 1\nlisten_addr = \n", "@:3: syntax error");
	expect_error("a = \"unterminated\n", "@:1: unterminated string");
	expect_error("tcp_port = 1\ntcp_port = 2\n",
		     "@:2: duplicate setting name");
}

static void
test_error_unknown_key(void **state)
{
	(void)state;
	expect_error("tcp_port = 1\n\nfoo = 1\n", "@:3: unknown key 'foo'");
	expect_error("grp = { tcp_port = 1 }\n", "@:1: unknown key 'grp'");
}

static void
test_quoted_number(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	load_ok(&cfg, "tcp_port = \"16509\"\nmax_workers = \"7\"\n");
	assert_int_equal(cfg.tcp_port, 16509);
	assert_int_equal(cfg.max_workers, 7);
}

static void
test_error_types(void **state)
{
	(void)state;
	/* libvirtd.conf's quoted numbers are read, but must be numbers. */
	expect_error("\ntcp_port = \"16x09\"\n",
		     "@:2: 'tcp_port' must be an integer, not '16x09'");
	expect_error("tcp_port = \"70000\"\n",
		     "@:1: 'tcp_port' must be between 0 and 65535, not 70000");
	expect_error("tcp_port = \"-1\"\n",
		     "@:1: 'tcp_port' must be an integer, not '-1'");
	expect_error("max_clients = 1.5\n",
		     "@:1: 'max_clients' must be an integer, not a float");
	expect_error("log_level = true\n",
		     "@:1: 'log_level' must be an integer, not a boolean");
	expect_error("listen_addr = 1\n",
		     "@:1: 'listen_addr' must be a string, not an integer");
	expect_error("unix_sock_ro_perms = 0777\n",
		     "@:1: 'unix_sock_ro_perms' must be a string, not an "
		     "integer");
	expect_error("listen_tcp = \"yes\"\n",
		     "@:1: 'listen_tcp' must be 0, 1, true or false, not a "
		     "string");
	expect_error("log_outputs = [ \"3:stderr\" ]\n",
		     "@:1: 'log_outputs' must be a string, not an array");
}

static void
test_error_ranges(void **state)
{
	(void)state;
	expect_error("tcp_port = 70000\n",
		     "@:1: 'tcp_port' must be between 0 and 65535, not 70000");
	expect_error("tcp_port = -1\n",
		     "@:1: 'tcp_port' must be between 0 and 65535, not -1");
	expect_error("listen_tcp = 2\n",
		     "@:1: 'listen_tcp' must be between 0 and 1, not 2");
	expect_error("max_clients = 0\n",
		     "@:1: 'max_clients' must be between 1 and 1000000, not 0");
	expect_error("message_timeout = 0\n", "@:1: 'message_timeout' must "
					      "be between 1 and 3600, not 0");
	expect_error("idle_timeout = -5\n", "@:1: 'idle_timeout' must be "
					    "between 0 and 31536000, not -5");
	expect_error("store_max_size = 0\n", "@:1: 'store_max_size' must be "
					     "between 1 and 1048576, not 0");
	expect_error("log_level = 5\n",
		     "@:1: 'log_level' must be between 1 and 4, not 5");
	/* libconfig 1.5 wraps these to 0 and 16609 when read as an int. */
	expect_error("tcp_port = 4294967296\n", "@:1: 'tcp_port' must be "
						"between 0 and 65535, not "
						"4294967296");
	expect_error("# c\ntcp_port =\n  4295983905\n",
		     "@:2: 'tcp_port' must be between 0 and 65535, not "
		     "4295983905");
	expect_error("max_clients = 99999999999999999999\n",
		     "@:1: 'max_clients' must be between 1 and 1000000, not "
		     "99999999999999999999");
	expect_error(
		"max_clients = "
		"1000000000000000000000000000000000000000000000000000000000"
		"000000000000\n",
		"@:1: 'max_clients' must be between 1 and 1000000, not "
		"10000000000000000000...");
	/* With the L suffix libconfig keeps 64 bits. */
	expect_error("max_clients = 5000000000L\n",
		     "@:1: 'max_clients' must be between 1 and 1000000, not "
		     "5000000000");
}

static void
test_error_values(void **state)
{
	struct config cfg;
	char text[600];
	char want[600];
	char long_dir[300];

	(void)state;
	expect_error("unix_sock_rw_perms = \"0999\"\n",
		     "@:1: 'unix_sock_rw_perms' must be an octal mode between "
		     "0 and 07777, not '0999'");
	expect_error("unix_sock_ro_perms = \"17777\"\n",
		     "@:1: 'unix_sock_ro_perms' must be an octal mode between "
		     "0 and 07777, not '17777'");
	expect_error("unix_sock_ro_perms = \"\"\n",
		     "@:1: 'unix_sock_ro_perms' must be an octal mode between "
		     "0 and 07777, not ''");
	expect_error("auth_unix_rw = \"kerberos\"\n",
		     "@:1: 'auth_unix_rw' must be 'none' or 'sasl', not "
		     "'kerberos'");
	expect_error("state_dir = \"var/lib\"\n",
		     "@:1: 'state_dir' must be an absolute path, not "
		     "'var/lib'");
	expect_error("runtime_dir = \"\"\n",
		     "@:1: 'runtime_dir' must be an absolute path, not ''");
	expect_error("log_outputs = \"3:stderr 5:stderr\"\n",
		     "@:1: 'log_outputs' entry '5:stderr' is invalid: level "
		     "must be 1 to 4");
	expect_error("log_outputs = \"3:file:rel\"\n",
		     "@:1: 'log_outputs' entry '3:file:rel' is invalid: file "
		     "path must be absolute");
	expect_error("log_outputs = \"3:syslog:\"\n",
		     "@:1: 'log_outputs' entry '3:syslog:' is invalid: syslog "
		     "ident is empty");
	expect_error("log_outputs = \"3:journal\"\n",
		     "@:1: 'log_outputs' entry '3:journal' is invalid: output "
		     "must be stderr, file:PATH, syslog:IDENT or journald");
	expect_error("log_outputs = \"  \"\n",
		     "@:1: 'log_outputs' must not be empty");
	expect_error(
		"unix_sock_group = "
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaa\"\n",
		"@:1: 'unix_sock_group' is too long: 69 bytes, at most "
		"63");

	/* sun_path holds 108 bytes: 93 + "/rvirt-sock-ro" + NUL. */
	memset(long_dir, 'd', 100);
	long_dir[0] = '/';
	long_dir[100] = '\0';
	snprintf(text, sizeof(text), "unix_sock_dir = \"%s\"\n", long_dir);
	snprintf(want, sizeof(want),
		 "@:1: 'unix_sock_dir' '%s' is too long for a unix socket: "
		 "100 bytes, at most 93",
		 long_dir);
	expect_error(text, want);
	long_dir[93] = '\0';
	snprintf(text, sizeof(text), "unix_sock_dir = \"%s\"\n", long_dir);
	config_init_defaults(&cfg);
	load_ok(&cfg, text);
	assert_string_equal(cfg.unix_sock_dir, long_dir);
}

/*
 * Whether TCP without SASL may start is rvirtd's decision (server/auth.c)
 * from auth_tcp_explicit; the parser only records what was written.
 */
static void
test_auth_explicit(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	load_ok(&cfg, "listen_tcp = 1\n");
	assert_true(cfg.listen_tcp);
	assert_int_equal(cfg.auth_tcp, CONFIG_AUTH_SASL);
	assert_false(cfg.auth_tcp_explicit);

	config_init_defaults(&cfg);
	load_ok(&cfg, "auth_tcp = \"sasl\"\n");
	assert_true(cfg.auth_tcp_explicit);
	assert_int_equal(cfg.auth_tcp, CONFIG_AUTH_SASL);

	config_init_defaults(&cfg);
	load_ok(&cfg, "auth_unix_rw = \"sasl\"\nauth_unix_ro = \"sasl\"\n");
	assert_int_equal(cfg.auth_unix_rw, CONFIG_AUTH_SASL);
	assert_int_equal(cfg.auth_unix_ro, CONFIG_AUTH_SASL);
	assert_false(cfg.auth_tcp_explicit);
}

static void
test_error_missing_file(void **state)
{
	struct config cfg, before;
	struct rvirt_error err;
	char path[600];
	char want[800];

	(void)state;
	config_init_defaults(&cfg);
	before = cfg;
	snprintf(path, sizeof(path), "%s/nonexistent.conf", tmpdir);
	assert_int_equal(config_load(&cfg, path, &err), -1);
	snprintf(want, sizeof(want),
		 "cannot read '%s': no such file or directory", path);
	assert_string_equal(err.message, want);
	assert_int_equal(err.code, RVIRT_ERR_CONFIG);
	assert_config_equal(&cfg, &before);

	assert_int_equal(config_load(&cfg, tmpdir, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s': not a regular file",
		 tmpdir);
	assert_string_equal(err.message, want);
}

/* Any failure, even after good keys were read, leaves *cfg untouched. */
static void
test_failure_keeps_cfg(void **state)
{
	(void)state;
	expect_error("tcp_port = 1\nmax_clients = 3\nlog_level = 9\n",
		     "@:3: 'log_level' must be between 1 and 4, not 9");
	expect_error("runtime_dir = \"/x\"\nbogus = 1\n",
		     "@:2: unknown key 'bogus'");
}

static void
test_dump_roundtrip(void **state)
{
	struct config cfg, again;
	struct rvirt_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	config_init_defaults(&cfg);
	load_ok(&cfg, "listen_tcp = 1\nauth_tcp = \"none\"\ntcp_port = 7\n"
		      "unix_sock_group = \"a\\\"b\\\\c\"\n"
		      "unix_sock_rw_perms = \"0\"\n"
		      "state_dir = \"/s t\"\nstore_max_size = 3\n");
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_dump(&cfg, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "tcp_port = 7\n"));
	assert_non_null(strstr(buf, "unix_sock_group = \"a\\\"b\\\\c\"\n"));
	assert_non_null(strstr(buf, "unix_sock_rw_perms = \"0000\"\n"));
	assert_non_null(strstr(buf, "store_max_size = 3\n"));
	assert_non_null(strstr(buf, "auth_tcp = \"none\"\n"));
	assert_non_null(strstr(buf, "listen_tcp = 1\n"));

	config_init_defaults(&again);
	write_conf(buf);
	if (config_load(&again, conf_path, &err) != 0)
		fail_msg("dump does not load back: %s", err.message);
	assert_config_equal(&again, &cfg);
	free(buf);
}

static const char *
shipped_conf(char *buf, size_t size)
{
	const char *src = getenv("RVIRT_SRC");

	snprintf(buf, size, "%s/etc/rvirtd.conf", src ? src : ".");
	if (access(buf, R_OK) != 0)
		fail_msg("cannot find the shipped config '%s' (set RVIRT_SRC)",
			 buf);
	return buf;
}

static void
test_shipped_conf(void **state)
{
	struct config cfg, defaults;
	struct rvirt_error err;
	char path[4096];

	(void)state;
	config_init_defaults(&cfg);
	defaults = cfg;
	if (config_load(&cfg, shipped_conf(path, sizeof(path)), &err) != 0)
		fail_msg("shipped config: %s", err.message);
	/* Every key is commented out: loading changes nothing. */
	snprintf(defaults.path, sizeof(defaults.path), "%s", path);
	assert_config_equal(&cfg, &defaults);
}

/*
 * With every "#key = value" line uncommented, the shipped file must still
 * load and give the defaults it claims (directories: root's).
 */
static void
test_shipped_conf_uncommented(void **state)
{
	struct config cfg, defaults;
	struct rvirt_error err;
	char path[4096];
	char line[1024];
	FILE *in, *out;
	int keys = 0;

	(void)state;
	in = fopen(shipped_conf(path, sizeof(path)), "r");
	assert_non_null(in);
	out = fopen(conf_path, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in)) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		    strstr(line, " = ")) {
			fputs(line + 1, out);
			keys++;
		}
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(keys, 60);

	config_init_defaults(&cfg);
	defaults = cfg;
	if (config_load(&cfg, conf_path, &err) != 0)
		fail_msg("uncommented shipped config: %s", err.message);
	snprintf(defaults.path, sizeof(defaults.path), "%s", conf_path);
	snprintf(defaults.unix_sock_dir, sizeof(defaults.unix_sock_dir),
		 "/run/rvirt");
	snprintf(defaults.runtime_dir, sizeof(defaults.runtime_dir),
		 "/run/rvirt");
	snprintf(defaults.state_dir, sizeof(defaults.state_dir),
		 "/var/lib/rvirt");
	defaults.auth_tcp_explicit = true;
	snprintf(defaults.ca_file, sizeof(defaults.ca_file),
		 "/etc/pki/rvirt/cacert.pem");
	snprintf(defaults.cert_file, sizeof(defaults.cert_file),
		 "/etc/pki/rvirt/servercert.pem");
	snprintf(defaults.key_file, sizeof(defaults.key_file),
		 "/etc/pki/rvirt/private/serverkey.pem");
	/* ["*"] is the shipped spelling of "not set": it allows all. */
	defaults.tls_allowed_dn_list.set = true;
	defaults.tls_allowed_dn_list.n = 1;
	snprintf(defaults.tls_allowed_dn_list.pat[0], 2, "*");
	defaults.sasl_allowed_username_list = defaults.tls_allowed_dn_list;
	defaults.unix_rw_allowed_list = defaults.tls_allowed_dn_list;
	assert_config_equal(&cfg, &defaults);
}

/* Glob lists: set or not, empty refuses, patterns kept in order. */
static void
test_globs(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	assert_false(cfg.sasl_allowed_username_list.set);
	load_ok(&cfg, "sasl_allowed_username_list = [\"a*\", \"b\"]\n"
		      "tls_allowed_dn_list = []\n");
	assert_true(cfg.sasl_allowed_username_list.set);
	assert_int_equal(cfg.sasl_allowed_username_list.n, 2);
	assert_string_equal(cfg.sasl_allowed_username_list.pat[1], "b");
	assert_true(cfg.tls_allowed_dn_list.set);
	assert_int_equal(cfg.tls_allowed_dn_list.n, 0);
	assert_false(cfg.unix_rw_allowed_list.set);
	expect_error("tls_allowed_dn_list = \"x\"\n",
		     "@:1: 'tls_allowed_dn_list' must be a list of strings "
		     "like [\"a*\", \"b\"], not a string");
	expect_error("tls_allowed_dn_list = [1, 2]\n",
		     "@:1: 'tls_allowed_dn_list' must hold only strings");
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/t0000-config.XXXXXX",
		 base && base[0] == '/' ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/rvirtd.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_dirs),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_sock_dir_follows_runtime_dir),
		cmocka_unit_test(test_error_syntax),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_types),
		cmocka_unit_test(test_quoted_number),
		cmocka_unit_test(test_error_ranges),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_auth_explicit),
		cmocka_unit_test(test_error_missing_file),
		cmocka_unit_test(test_failure_keeps_cfg),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_shipped_conf_uncommented),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
