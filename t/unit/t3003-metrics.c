/* SPDX-License-Identifier: MIT */
/* t3003-metrics: the counters' file, the worker hooks, folds and sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/err.h"
#include "../../scoreboard/metrics.h"
#include "../../server/dispatch.h"

static char tmpdir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/t3003.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/rvirtd.metrics", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static struct metrics_snapshot *
snap_of(const struct metrics *mx)
{
	struct metrics_snapshot *ms = malloc(sizeof(*ms));

	assert_non_null(ms);
	metrics_snapshot(mx, ms);
	return ms;
}

/* One call of proc with outcome code, counted in the bound block. */
static void
one_call(int32_t proc, int code)
{
	metrics_call_begin(proc);
	metrics_call_outcome(code);
	metrics_call_end();
}

static void
test_counts_fold_and_sum(void **state)
{
	struct rvirt_error err;
	struct metrics *mx = metrics_create(path, 4, &err);
	struct metrics_snapshot *a, *b;
	uint64_t n;

	(void)state;
	assert_non_null(mx);
	metrics_set_proc_name(mx, 3, "CONNECT_OPEN");
	/* Not bound yet: nothing is counted. */
	one_call(3, 0);
	a = snap_of(mx);
	assert_int_equal(a->calls[3][0], 0);
	free(a);

	metrics_worker_bind(mx, 1);
	one_call(3, 0);
	one_call(3, 0);
	one_call(3, RVIRT_ERR_NO_DOMAIN);
	one_call(70, 0);       /* beyond the bound: "other" */
	one_call(4, 99);       /* a code beyond the bound */
	metrics_call_begin(5); /* no outcome: an RPC rejection */
	metrics_call_end();
	metrics_call_begin(3);
	metrics_call_outcome(0);
	metrics_call_replayed();
	metrics_call_end();
	metrics_conn_accepted(METRICS_TR_TCP);
	metrics_conn_accepted(METRICS_TR_TCP);
	metrics_conn_closed(METRICS_TR_TCP);
	metrics_conn_refused(METRICS_TR_UNIX);
	metrics_auth_failed(METRICS_AUTH_SASL);
	metrics_auth_failed(METRICS_AUTH_UNIX_PEER);
	/* The worker's sockets: tls with SASL, unix-ro with SASL. */
	metrics_worker_conn_auth((const unsigned int[METRICS_NTRANSPORTS]){
		METRICS_CA_UNIX_PEER, METRICS_CA_SASL, METRICS_CA_NONE,
		METRICS_CA_TLS_SASL });
	metrics_conn_accepted(METRICS_TR_TLS);
	metrics_conn_refused(METRICS_TR_UNIX_RO);
	/* A pair that cannot be is ignored: tcp stays "none". */
	metrics_worker_conn_auth((const unsigned int[METRICS_NTRANSPORTS]){
		METRICS_CA_UNIX_PEER, METRICS_CA_SASL, METRICS_CA_TLS,
		METRICS_CA_TLS_SASL });
	metrics_conn_accepted(METRICS_TR_TCP);
	metrics_store_commit(30000); /* 30 us: the 50 us bucket */

	a = snap_of(mx);
	assert_int_equal(a->calls[3][0], 3);
	assert_int_equal(a->calls[3][RVIRT_ERR_NO_DOMAIN], 1);
	assert_int_equal(a->calls[METRICS_PROC_OTHER][0], 1);
	assert_int_equal(a->calls[4][METRICS_OUTCOME_OTHER], 1);
	assert_int_equal(a->calls[5][METRICS_OUTCOME_REJECTED], 1);
	assert_int_equal(a->replays[3], 1);
	n = 0;
	for (unsigned int i = 0; i < METRICS_NBUCKETS; i++)
		n += a->latency[3][i];
	assert_int_equal(n, 4); /* the histogram counts every call */
	assert_int_equal(a->conn_accepted[METRICS_TR_TCP][METRICS_CA_NONE], 3);
	assert_int_equal(a->conn_open[METRICS_TR_TCP][METRICS_CA_NONE], 2);
	assert_int_equal(a->conn_refused[METRICS_TR_UNIX][METRICS_CA_UNIX_PEER],
			 1);
	assert_int_equal(a->conn_accepted[METRICS_TR_TLS][METRICS_CA_TLS_SASL],
			 1);
	assert_int_equal(a->conn_accepted[METRICS_TR_TLS][METRICS_CA_TLS], 0);
	assert_int_equal(a->conn_refused[METRICS_TR_UNIX_RO][METRICS_CA_SASL],
			 1);
	assert_int_equal(a->auth_failures[METRICS_AUTH_SASL], 1);
	assert_int_equal(a->auth_failures[METRICS_AUTH_UNIX_PEER], 1);
	assert_true(
		metrics_conn_auth_fits(METRICS_TR_UNIX, METRICS_CA_UNIX_PEER));
	assert_false(
		metrics_conn_auth_fits(METRICS_TR_TCP, METRICS_CA_UNIX_PEER));
	assert_false(metrics_conn_auth_fits(METRICS_TR_TLS, METRICS_CA_NONE));
	assert_int_equal(a->commit[2], 1);
	assert_int_equal(a->commit_last_ns, 30000);
	assert_string_equal(a->proc_names[3], "CONNECT_OPEN");
	assert_string_equal(a->proc_names[METRICS_PROC_OTHER], "other");

	/* The worker is reaped: its counts stay, its connection goes. */
	metrics_slot_fold(mx, 1, true);
	b = snap_of(mx);
	assert_memory_equal(a->calls, b->calls, sizeof(a->calls));
	assert_memory_equal(a->latency, b->latency, sizeof(a->latency));
	assert_int_equal(b->conn_accepted[METRICS_TR_TCP][METRICS_CA_NONE], 3);
	assert_int_equal(b->conn_open[METRICS_TR_TCP][METRICS_CA_NONE], 0);
	assert_int_equal(b->conn_open[METRICS_TR_TLS][METRICS_CA_TLS_SASL], 0);
	assert_int_equal(b->commit_last_ns, 0);
	assert_int_equal(b->globals[METRICS_G_WORKER_EXITS], 1);
	free(b);

	/* The next worker in the slot adds to them. */
	one_call(3, 0);
	b = snap_of(mx);
	assert_int_equal(b->calls[3][0], 4);
	free(b);
	free(a);

	/* A reader sees the same through its own read-only mapping. */
	{
		struct metrics *ro = metrics_attach(path, false, &err);

		assert_non_null(ro);
		b = snap_of(ro);
		assert_int_equal(b->calls[3][0], 4);
		free(b);
		metrics_detach(ro);
	}
	metrics_worker_bind(NULL, 0);
	metrics_detach(mx);
}

static void
test_attach_refuses_other_files(void **state)
{
	struct rvirt_error err;
	FILE *fp;

	(void)state;
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 8192; i++)
		fputc(0, fp);
	fclose(fp);
	assert_null(metrics_attach(path, false, &err));
	assert_non_null(strstr(err.message, "cannot attach metrics"));
}

/* The dispatch table fits the counters (else "other" would hide some). */
static void
test_table_fits(void **state)
{
	(void)state;
	assert_true(dispatch_max_proc() < METRICS_PROCS);
}

static void
test_prometheus_text(void **state)
{
	struct metrics_snapshot *ms = calloc(1, sizeof(*ms));
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(ms);
	assert_non_null(fp);
	strcpy(ms->proc_names[3], "CONNECT_OPEN");
	ms->calls[3][0] = 2;
	ms->latency[3][0] = 1;
	ms->latency[3][METRICS_NBOUNDS] = 1;
	ms->latency_sum_ns[3] = 20000000000ull;
	metrics_print_prometheus(ms, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(buf, "\nrvirtd_rpc_calls_total{procedure=\""
				    "CONNECT_OPEN\",outcome=\"ok\"} 2\n"));
	assert_non_null(strstr(buf, "\nrvirtd_rpc_call_duration_seconds_bucket"
				    "{procedure=\"CONNECT_OPEN\",le=\"1e-05\"}"
				    " 1\n"));
	assert_non_null(strstr(buf, "\nrvirtd_rpc_call_duration_seconds_bucket"
				    "{procedure=\"CONNECT_OPEN\",le=\"10\"}"
				    " 1\n"));
	assert_non_null(strstr(buf, "\nrvirtd_rpc_call_duration_seconds_bucket"
				    "{procedure=\"CONNECT_OPEN\",le=\"+Inf\"}"
				    " 2\n"));
	assert_non_null(strstr(buf, "\nrvirtd_rpc_call_duration_seconds_count"
				    "{procedure=\"CONNECT_OPEN\"} 2\n"));
	assert_non_null(strstr(buf, "\nrvirtd_sessions_created_total 2\n"));
	/* Procedures never called have no series. */
	assert_null(strstr(buf, "procedure=\"4\""));
	/* Connections by transport and the auth methods it can have. */
	assert_non_null(strstr(buf, "\nrvirtd_transport_connections_accepted_"
				    "total{transport=\"tcp\",auth=\"none\"} "));
	assert_non_null(strstr(buf, "\nrvirtd_transport_connections{transport"
				    "=\"tls\",auth=\"tls+sasl\"} 0\n"));
	assert_null(strstr(buf, "transport=\"tcp\",auth=\"tls\""));
	assert_non_null(strstr(buf, "\nrvirtd_auth_failures_total{method="
				    "\"unix-peer\"} 0\n"));
	free(buf);
	free(ms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_fold_and_sum),
		cmocka_unit_test(test_attach_refuses_other_files),
		cmocka_unit_test(test_table_fits),
		cmocka_unit_test(test_prometheus_text),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
