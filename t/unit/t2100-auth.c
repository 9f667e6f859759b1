/* SPDX-License-Identifier: MIT */
/* t2100-auth: server/auth.c: methods per socket, limits, allow-lists, SASL procedure guards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "rvirt_protocol.h"

#include "../../server/auth.h"
#include "../../server/config.h"

static int sp[2];

static int
setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
}

static int
teardown(void **state)
{
	(void)state;
	close(sp[0]);
	close(sp[1]);
	return 0;
}

static void
test_globs(void **state)
{
	struct config_globs g = { .set = true, .n = 2 };

	(void)state;
	snprintf(g.pat[0], sizeof(g.pat[0]), "alice");
	snprintf(g.pat[1], sizeof(g.pat[1]), "C=GB,O=Example,CN=adm*");
	assert_true(auth_globs_match(&g, "alice"));
	assert_false(auth_globs_match(&g, "alice2"));
	assert_true(auth_globs_match(&g, "C=GB,O=Example,CN=admin1"));
	assert_false(auth_globs_match(&g, "CN=admin1,O=Example,C=GB"));
	g.n = 0;
	assert_false(auth_globs_match(&g, "alice"));
}

static void
test_unix_none_and_sasl(void **state)
{
	struct session_state sess;
	struct rvirt_error err;
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	assert_int_equal(auth_session_init(&sess, LISTEN_UNIX_RW, sp[0], NULL,
					   0, &cfg, &err),
			 0);
	assert_true(sess.authenticated);
	assert_int_equal(sess.nauth_methods, 1);
	assert_int_equal(sess.auth_methods[0], RVIRT_AUTH_NONE);
	assert_int_equal(strncmp(sess.identity, "unix:uid=", 9), 0);
	auth_session_release(&sess);
	assert_null(sess.auth);

	cfg.auth_unix_rw = CONFIG_AUTH_SASL;
	assert_int_equal(auth_session_init(&sess, LISTEN_UNIX_RW, sp[0], NULL,
					   0, &cfg, &err),
			 0);
	assert_false(sess.authenticated);
	assert_int_equal(sess.auth_methods[0], RVIRT_AUTH_SASL);
	/* No security layer on a unix socket. */
	assert_int_equal(sess.auth->min_ssf, 0);
	assert_int_equal(sess.auth->max_ssf, 0);
	auth_session_release(&sess);
}

static void
test_max_anonymous(void **state)
{
	struct session_state a, b, c;
	struct rvirt_error err;
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	cfg.auth_unix_rw = CONFIG_AUTH_SASL;
	cfg.max_anonymous_clients = 2;
	assert_int_equal(auth_session_init(&a, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	assert_int_equal(auth_session_init(&b, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	assert_int_equal(auth_session_init(&c, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_non_null(strstr(err.message, "max_anonymous_clients"));
	/* One authenticates: it no longer counts. */
	auth_session_done(&a, "sasl:alice");
	assert_true(a.authenticated);
	assert_string_equal(a.identity, "sasl:alice");
	assert_int_equal(auth_session_init(&c, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	auth_session_release(&a);
	auth_session_release(&b);
	auth_session_release(&c);
}

static void
test_auth_timeout(void **state)
{
	struct session_state s;
	struct rvirt_error err;
	struct config cfg;
	uint64_t t0;

	(void)state;
	config_init_defaults(&cfg);
	cfg.auth_unix_rw = CONFIG_AUTH_SASL;
	cfg.auth_timeout = 2;
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	t0 = s.auth->created_ms;
	/* The loop's clock reading may predate the accept: no wrap-around. */
	assert_null(auth_expired(&s, t0 - 1));
	assert_null(auth_expired(&s, t0));
	assert_null(auth_expired(&s, t0 + 1999));
	assert_non_null(auth_expired(&s, t0 + 2000));
	auth_session_done(&s, "sasl:alice");
	assert_null(auth_expired(&s, t0 + 5000));
	auth_session_release(&s);
}

static void
test_unix_allow_list(void **state)
{
	struct session_state s;
	struct rvirt_error err;
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	cfg.unix_rw_allowed_list.set = true;
	cfg.unix_rw_allowed_list.n = 1;
	snprintf(cfg.unix_rw_allowed_list.pat[0], 256, "uid:%lu",
		 (unsigned long)getuid() + 1);
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_ACCESS_DENIED);
	assert_non_null(strstr(err.message, "unix_rw_allowed_list"));
	/* The read-only socket is not subject to it. */
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RO, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	auth_session_release(&s);
	snprintf(cfg.unix_rw_allowed_list.pat[0], 256, "uid:%lu",
		 (unsigned long)getuid());
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	auth_session_release(&s);
}

static void
test_sasl_guards(void **state)
{
	struct rvirt_auth_sasl_init_ret iret = { 0 };
	struct rvirt_auth_sasl_step_ret sret = { 0 };
	struct rvirt_auth_sasl_step_args step = { .nil = 1 };
	struct session_state s;
	struct rvirt_error err;
	struct config cfg;
	struct call call = { .sess = &s };

	(void)state;
	config_init_defaults(&cfg);
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	/* auth none: there is no SASL here. */
	assert_int_equal(auth_proc_sasl_init(&call, NULL, &iret, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_AUTH_FAILED);
	assert_string_equal(err.message, "sasl is not enabled on this socket");
	auth_session_release(&s);

	cfg.auth_unix_rw = CONFIG_AUTH_SASL;
	assert_int_equal(auth_session_init(&s, LISTEN_UNIX_RW, sp[0], NULL, 0,
					   &cfg, &err),
			 0);
	/* A step before INIT. */
	assert_int_equal(auth_proc_sasl_step(&call, &step, &sret, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_AUTH_FAILED);
	assert_non_null(strstr(err.message, "call AUTH_SASL_INIT first"));
	auth_session_done(&s, "sasl:alice");
	assert_int_equal(auth_proc_sasl_init(&call, NULL, &iret, &err), -1);
	assert_string_equal(err.message,
			    "already authenticated as 'sasl:alice'");
	auth_session_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_unix_none_and_sasl),
		cmocka_unit_test(test_max_anonymous),
		cmocka_unit_test(test_auth_timeout),
		cmocka_unit_test(test_unix_allow_list),
		cmocka_unit_test(test_sasl_guards),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
