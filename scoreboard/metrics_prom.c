/* SPDX-License-Identifier: MIT */
/* metrics_prom: the summed counters as Prometheus text and as a summary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "../common/version.h"
#include "expofmt.h"
#include "metrics.h"

/* Procedure names and error-code names are plain ASCII: no escaping. */

static const char *
metrics_outcome_name(unsigned int o)
{
	if (o == 0)
		return "ok";
	if (o == METRICS_OUTCOME_REJECTED)
		return "rpc-rejected";
	if (o == METRICS_OUTCOME_OTHER)
		return "other-error";
	return err_code_name((int)o);
}

/* The label of procedure p: its name, or its number when unnamed. */
static const char *
metrics_proc_label(const struct metrics_snapshot *ms, unsigned int p, char *buf,
		   size_t size)
{
	if (ms->proc_names[p][0])
		return ms->proc_names[p];
	snprintf(buf, size, "%u", p);
	return buf;
}

/* Procedure number of name, -1 when the table has none of that name. */
static int
metrics_proc_find(const struct metrics_snapshot *ms, const char *name)
{
	for (unsigned int p = 0; p < METRICS_PROCS; p++)
		if (strcmp(ms->proc_names[p], name) == 0)
			return (int)p;
	return -1;
}

static uint64_t
metrics_proc_count(const struct metrics_snapshot *ms, unsigned int p)
{
	uint64_t n = 0;

	for (unsigned int b = 0; b < METRICS_NBUCKETS; b++)
		n += ms->latency[p][b];
	return n;
}

static void
metrics_put_histogram(FILE *fp, enum expofmt_mode mode, const char *name,
		      const char *labels, const uint64_t *buckets,
		      uint64_t sum_ns)
{
	uint64_t cum = 0;
	const char *sep = labels[0] ? "," : "";
	char le[32];

	for (unsigned int b = 0; b < METRICS_NBOUNDS; b++) {
		cum += buckets[b];
		expofmt_le(mode, (double)metrics_bucket_bound_ns(b) / 1e9, le,
			   sizeof(le));
		fprintf(fp, "%s_bucket{%s%sle=\"%s\"} %" PRIu64 "\n", name,
			labels, sep, le, cum);
	}
	cum += buckets[METRICS_NBOUNDS];
	fprintf(fp, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels,
		sep, cum);
	if (labels[0]) {
		fprintf(fp, "%s_sum{%s} %.9f\n", name, labels,
			(double)sum_ns / 1e9);
		fprintf(fp, "%s_count{%s} %" PRIu64 "\n", name, labels, cum);
	} else {
		fprintf(fp, "%s_sum %.9f\n", name, (double)sum_ns / 1e9);
		fprintf(fp, "%s_count %" PRIu64 "\n", name, cum);
	}
}

static void
metrics_put_calls(const struct metrics_snapshot *ms, enum expofmt_mode mode,
		  FILE *fp)
{
	char num[16], labels[128];
	unsigned int p, o;

	expofmt_family(fp, mode, "rvirtd_rpc_calls_total", "counter", NULL,
		       "Calls answered, by procedure and outcome (ok, or the "
		       "error code sent).");
	for (p = 0; p < METRICS_NPROCS; p++)
		for (o = 0; o < METRICS_NOUTCOMES; o++)
			if (ms->calls[p][o])
				fprintf(fp,
					"rvirtd_rpc_calls_total{procedure=\"%s"
					"\",outcome=\"%s\"} %" PRIu64 "\n",
					metrics_proc_label(ms, p, num,
							   sizeof(num)),
					metrics_outcome_name(o),
					ms->calls[p][o]);
	expofmt_family(fp, mode, "rvirtd_rpc_replays_total", "counter", NULL,
		       "Calls re-sent after a reconnect and answered from "
		       "the record of replies, by procedure.");
	for (p = 0; p < METRICS_NPROCS; p++)
		if (ms->replays[p])
			fprintf(fp,
				"rvirtd_rpc_replays_total{procedure=\"%s\"} "
				"%" PRIu64 "\n",
				metrics_proc_label(ms, p, num, sizeof(num)),
				ms->replays[p]);
	expofmt_family(fp, mode, "rvirtd_rpc_call_duration_seconds",
		       "histogram", "seconds",
		       "Time from a complete call record to its reply, by "
		       "procedure.");
	for (p = 0; p < METRICS_NPROCS; p++) {
		if (!metrics_proc_count(ms, p))
			continue;
		snprintf(labels, sizeof(labels), "procedure=\"%s\"",
			 metrics_proc_label(ms, p, num, sizeof(num)));
		metrics_put_histogram(
			fp, mode, "rvirtd_rpc_call_duration_seconds", labels,
			ms->latency[p], ms->latency_sum_ns[p]);
	}
}

static void
metrics_put_by(FILE *fp, enum expofmt_mode mode, const char *name,
	       const char *type, const char *help, const char *label,
	       const uint64_t *v, unsigned int n,
	       const char *(*label_of)(unsigned int))
{
	expofmt_family(fp, mode, name, type, NULL, help);
	for (unsigned int i = 0; i < n; i++)
		fprintf(fp, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label,
			label_of(i), v[i]);
}

/* One sample per transport and fitting auth method (8 in all). */
static void
metrics_put_by_conn(FILE *fp, enum expofmt_mode mode, const char *name,
		    const char *type, const char *help,
		    const uint64_t v[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS])
{
	expofmt_family(fp, mode, name, type, NULL, help);
	for (unsigned int t = 0; t < METRICS_NTRANSPORTS; t++)
		for (unsigned int a = 0; a < METRICS_NCONN_AUTHS; a++)
			if (metrics_conn_auth_fits(t, a))
				fprintf(fp,
					"%s{transport=\"%s\",auth=\"%s\"} "
					"%" PRIu64 "\n",
					name, metrics_transport_name(t),
					metrics_conn_auth_name(a), v[t][a]);
}

static void
metrics_put_conns(const struct metrics_snapshot *ms, enum expofmt_mode mode,
		  FILE *fp)
{
	metrics_put_by_conn(fp, mode, "rvirtd_transport_connections", "gauge",
			    "Connections open, by transport and auth method.",
			    ms->conn_open);
	metrics_put_by_conn(fp, mode,
			    "rvirtd_transport_connections_accepted_total",
			    "counter",
			    "Connections accepted, by transport and auth "
			    "method.",
			    ms->conn_accepted);
	metrics_put_by_conn(fp, mode,
			    "rvirtd_transport_connections_refused_total",
			    "counter",
			    "Connections closed at once after accept (peer "
			    "credentials or limits), by transport and auth "
			    "method.",
			    ms->conn_refused);
	metrics_put_by(fp, mode, "rvirtd_auth_failures_total", "counter",
		       "Failed authentications, by the method that failed.",
		       "method", ms->auth_failures, METRICS_NAUTHS,
		       metrics_auth_name);
}

/*
 * Outcome o of the calls that resume sessions, procedures rec
 * (CONNECT_RECONNECT) and res (CONNECT_RESUME, librvirt's); -1: none.
 */
static uint64_t
metrics_resumes(const struct metrics_snapshot *ms, int rec, int res,
		unsigned int o)
{
	return (rec >= 0 ? ms->calls[rec][o] : 0) +
	       (res >= 0 ? ms->calls[res][o] : 0);
}

/* Sessions, read off the calls that make and resume them. */
static void
metrics_put_sessions(const struct metrics_snapshot *ms, enum expofmt_mode mode,
		     FILE *fp)
{
	int open = metrics_proc_find(ms, "CONNECT_OPEN");
	int rec = metrics_proc_find(ms, "CONNECT_RECONNECT");
	int res = metrics_proc_find(ms, "CONNECT_RESUME");
	unsigned int o;

	expofmt_family(fp, mode, "rvirtd_sessions_created_total", "counter",
		       NULL, "Sessions created (CONNECT_OPEN answered ok).");
	fprintf(fp, "rvirtd_sessions_created_total %" PRIu64 "\n",
		open >= 0 ? ms->calls[open][0] : 0);
	expofmt_family(fp, mode, "rvirtd_sessions_resumed_total", "counter",
		       NULL,
		       "Sessions resumed on a new connection "
		       "(CONNECT_RECONNECT or CONNECT_RESUME answered ok).");
	fprintf(fp, "rvirtd_sessions_resumed_total %" PRIu64 "\n",
		metrics_resumes(ms, rec, res, 0));
	expofmt_family(fp, mode, "rvirtd_sessions_refused_total", "counter",
		       NULL,
		       "Session resumptions refused, by reason (the error "
		       "code).");
	for (o = 1; o < METRICS_NOUTCOMES; o++)
		if (metrics_resumes(ms, rec, res, o))
			fprintf(fp,
				"rvirtd_sessions_refused_total{reason=\"%s\"} "
				"%" PRIu64 "\n",
				metrics_outcome_name(o),
				metrics_resumes(ms, rec, res, o));
	expofmt_family(fp, mode, "rvirtd_sessions_expired_total", "counter",
		       NULL,
		       "Sessions removed by the collector after their "
		       "lifetime.");
	fprintf(fp, "rvirtd_sessions_expired_total %" PRIu64 "\n",
		ms->globals[METRICS_G_GC_SESSIONS]);
}

static void
metrics_put_counter(FILE *fp, enum expofmt_mode mode, const char *name,
		    const char *help, uint64_t v)
{
	expofmt_family(fp, mode, name, "counter", NULL, help);
	fprintf(fp, "%s %" PRIu64 "\n", name, v);
}

void
metrics_print_exposition(const struct metrics_snapshot *ms,
			 enum expofmt_mode mode, FILE *fp)
{
	metrics_put_calls(ms, mode, fp);
	metrics_put_conns(ms, mode, fp);
	metrics_put_sessions(ms, mode, fp);
	expofmt_family(fp, mode, "rvirtd_store_commit_duration_seconds",
		       "histogram", "seconds",
		       "Time of the store's write commits in the workers.");
	metrics_put_histogram(fp, mode, "rvirtd_store_commit_duration_seconds",
			      "", ms->commit, ms->commit_sum_ns);
	expofmt_family(fp, mode, "rvirtd_store_last_commit_duration_seconds",
		       "gauge", "seconds",
		       "Time of the latest commit seen in a running worker.");
	fprintf(fp, "rvirtd_store_last_commit_duration_seconds %.9f\n",
		(double)ms->commit_last_ns / 1e9);
	expofmt_family(fp, mode, "rvirtd_store_collector_runs_total", "counter",
		       NULL, "Runs of the session collector, by result.");
	fprintf(fp,
		"rvirtd_store_collector_runs_total{result=\"ok\"} %" PRIu64 "\n"
		"rvirtd_store_collector_runs_total{result=\"failed\"} %" PRIu64
		"\n",
		ms->globals[METRICS_G_GC_RUNS],
		ms->globals[METRICS_G_GC_FAILURES]);
	metrics_put_counter(fp, mode, "rvirtd_store_replies_expired_total",
			    "Recorded replies removed by the collector.",
			    ms->globals[METRICS_G_GC_REPLIES]);
	metrics_put_counter(fp, mode, "rvirtd_worker_exits_total",
			    "Workers that exited cleanly (recycled after "
			    "max_calls_per_worker, retired or replaced).",
			    ms->globals[METRICS_G_WORKER_EXITS]);
	metrics_put_counter(fp, mode, "rvirtd_exporter_starts_total",
			    "Metrics exporter children started.",
			    ms->globals[METRICS_G_EXPORTER_RUNS]);
	metrics_put_counter(fp, mode, "rvirtd_scrapes_total",
			    "Scrapes the metrics exporter answered.",
			    ms->globals[METRICS_G_SCRAPES]);
	metrics_put_counter(fp, mode, "rvirtd_keepalive_drops_total",
			    "Connections closed because their client announced "
			    "keepalive and then stopped answering.",
			    ms->globals[METRICS_G_KEEPALIVE_DROPS]);
	expofmt_family(fp, mode, "rvirtd_build_info", "info", NULL,
		       "The rvirtd build (always 1).");
	fprintf(fp, "rvirtd_build_info{version=\"%s\"} 1\n", version_string());
}

void
metrics_print_prometheus(const struct metrics_snapshot *ms, FILE *fp)
{
	metrics_print_exposition(ms, EXPOFMT_TEXT, fp);
}

void
metrics_print_text(const struct metrics_snapshot *ms, FILE *fp)
{
	char num[16];
	uint64_t ok, errs, n;
	unsigned int p, o, t;

	fprintf(fp, "connections:");
	for (t = 0; t < METRICS_NTRANSPORTS; t++) {
		uint64_t open = 0, acc = 0, ref = 0;

		for (unsigned int a = 0; a < METRICS_NCONN_AUTHS; a++) {
			open += ms->conn_open[t][a];
			acc += ms->conn_accepted[t][a];
			ref += ms->conn_refused[t][a];
		}
		fprintf(fp,
			"%s %s %" PRIu64 " open, %" PRIu64 " accepted, %" PRIu64
			" refused",
			t ? ";" : "", metrics_transport_name(t), open, acc,
			ref);
	}
	fprintf(fp,
		"\nauth failures: %" PRIu64 " sasl, %" PRIu64 " tls, %" PRIu64
		" unix-peer; workers exited cleanly: %" PRIu64
		"; sessions expired: %" PRIu64 "; keepalive drops: %" PRIu64
		"\n",
		ms->auth_failures[METRICS_AUTH_SASL],
		ms->auth_failures[METRICS_AUTH_TLS],
		ms->auth_failures[METRICS_AUTH_UNIX_PEER],
		ms->globals[METRICS_G_WORKER_EXITS],
		ms->globals[METRICS_G_GC_SESSIONS],
		ms->globals[METRICS_G_KEEPALIVE_DROPS]);
	fprintf(fp, "\n%-24s %10s %8s %8s %12s\n", "procedure", "ok", "errors",
		"replays", "mean (us)");
	for (p = 0; p < METRICS_NPROCS; p++) {
		n = metrics_proc_count(ms, p);
		if (!n)
			continue;
		ok = ms->calls[p][0];
		errs = 0;
		for (o = 1; o < METRICS_NOUTCOMES; o++)
			errs += ms->calls[p][o];
		fprintf(fp,
			"%-24s %10" PRIu64 " %8" PRIu64 " %8" PRIu64
			" %12.1f\n",
			metrics_proc_label(ms, p, num, sizeof(num)), ok, errs,
			ms->replays[p],
			(double)ms->latency_sum_ns[p] / 1e3 / (double)n);
	}
}
