/* SPDX-License-Identifier: MIT */
/* exporter_domains: the domain gauges of the metrics exporter. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../hv/domstore.h"
#include "../hv/procdom.h"
#include "exporter.h"

/*
 * The store's domain records are read as they are, through a driver
 * description with no probe: nothing is started, stopped or written,
 * and no hv_* call is made.  A process whose domain died while no
 * worker looked still shows its recorded state (a worker's next look
 * corrects the record); its CPU time is then left out.
 */

#define EXPORTER_NDRIVERS 3
#define EXPORTER_NSTATES 7 /* RVIRT_DOMAIN_NOSTATE .. RVIRT_DOMAIN_CRASHED */

static const char *const exporter_drivers[EXPORTER_NDRIVERS] = { "test",
								 "process",
								 "qemu" };

static const char *const exporter_states[EXPORTER_NSTATES] = {
	"nostate",  "running", "blocked", "paused",
	"shutdown", "shutoff", "crashed",
};

struct exporter_dom_walk {
	FILE *per; /* per-domain series, NULL when switched off */
	unsigned int driver;
	uint64_t count[EXPORTER_NDRIVERS][EXPORTER_NSTATES];
	uint64_t vcpus[EXPORTER_NDRIVERS];
	char *cpu_text; /* per-domain samples, in two families */
	size_t cpu_len;
	FILE *cpu;
};

/*
 * A domain name as a label value: valid UTF-8 without control
 * characters (domain_xml_check_name), so only \\ and " need escaping.
 */
static void
exporter_put_name(FILE *fp, const char *name)
{
	for (; *name; name++) {
		if (*name == '\\' || *name == '"')
			fputc('\\', fp);
		fputc(*name, fp);
	}
}

/* CPU time of a running domain: /proc for processes, else the record. */
static double
exporter_dom_cpu(const struct domrec *d, bool *known)
{
	struct procdom_stat st;

	*known = true;
	if (d->pid <= 0)
		return (double)d->cpu_ns / 1e9;
	if (procdom_stat_read(NULL, d->pid, 0, &st) < 0 ||
	    st.starttime != d->pid_start) {
		*known = false;
		return 0;
	}
	return (double)procdom_ticks_ns(st.utime + st.stime) / 1e9;
}

static int
exporter_dom_one(struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct exporter_dom_walk *w = opaque;
	unsigned int s = d->state >= 0 && d->state < EXPORTER_NSTATES
				 ? (unsigned int)d->state
				 : 0;
	bool known;
	double cpu;

	(void)err;
	w->count[w->driver][s]++;
	w->vcpus[w->driver] += d->vcpus;
	if (!w->per || !domrec_active(d))
		return 0;
	fprintf(w->per, "rvirtd_domain_vcpus{driver=\"%s\",domain=\"",
		exporter_drivers[w->driver]);
	exporter_put_name(w->per, d->name);
	fprintf(w->per, "\"} %u\n", d->vcpus);
	cpu = exporter_dom_cpu(d, &known);
	if (known) {
		fprintf(w->cpu,
			"rvirtd_domain_cpu_seconds_total{driver=\"%s\","
			"domain=\"",
			exporter_drivers[w->driver]);
		exporter_put_name(w->cpu, d->name);
		fprintf(w->cpu, "\"} %.6f\n", cpu);
	}
	return 0;
}

void
exporter_put_domains(struct store *st, bool per_domain, enum expofmt_mode mode,
		     FILE *fp)
{
	struct exporter_dom_walk w;
	struct domstore_driver drv;
	struct rvirt_error err;
	struct store_txn *txn;
	char *per_text = NULL;
	size_t per_len = 0;
	unsigned int i, s;

	memset(&w, 0, sizeof(w));
	txn = store_txn_begin(st, false, &err);
	if (!txn) {
		log_warn("metrics: no domain gauges: %s", err.message);
		return;
	}
	if (per_domain) {
		w.per = open_memstream(&per_text, &per_len);
		w.cpu = open_memstream(&w.cpu_text, &w.cpu_len);
		if (!w.per || !w.cpu)
			goto out;
	}
	for (i = 0; i < EXPORTER_NDRIVERS; i++) {
		memset(&drv, 0, sizeof(drv));
		drv.name = exporter_drivers[i];
		w.driver = i;
		if (domstore_foreach(txn, &drv, exporter_dom_one, &w, &err) <
		    0) {
			log_warn("metrics: domains of '%s': %s", drv.name,
				 err.message);
			goto out;
		}
	}
	if (w.per && (fclose(w.per) != 0 || fclose(w.cpu) != 0)) {
		w.per = w.cpu = NULL;
		goto out;
	}
	expofmt_family(fp, mode, "rvirtd_domains_by_state", "gauge", NULL,
		       "Domains in the store, by driver and state.");
	for (i = 0; i < EXPORTER_NDRIVERS; i++)
		for (s = 0; s < EXPORTER_NSTATES; s++)
			if (w.count[i][s])
				fprintf(fp,
					"rvirtd_domains_by_state{driver=\"%s\","
					"state=\"%s\"} %" PRIu64 "\n",
					exporter_drivers[i], exporter_states[s],
					w.count[i][s]);
	expofmt_family(fp, mode, "rvirtd_domain_vcpus_defined", "gauge", NULL,
		       "vCPUs of the domains in the store, by driver.");
	for (i = 0; i < EXPORTER_NDRIVERS; i++)
		fprintf(fp,
			"rvirtd_domain_vcpus_defined{driver=\"%s\"} %" PRIu64
			"\n",
			exporter_drivers[i], w.vcpus[i]);
	if (per_domain) {
		expofmt_family(
			fp, mode, "rvirtd_domain_vcpus", "gauge", NULL,
			"vCPUs of a running domain (metrics_per_domain).");
		fwrite(per_text, 1, per_len, fp);
		expofmt_family(fp, mode, "rvirtd_domain_cpu_seconds_total",
			       "counter", "seconds",
			       "CPU time of a running domain "
			       "(metrics_per_domain).");
		fwrite(w.cpu_text, 1, w.cpu_len, fp);
	}
	w.per = w.cpu = NULL;
out:
	if (w.per)
		fclose(w.per);
	if (w.cpu)
		fclose(w.cpu);
	free(per_text);
	free(w.cpu_text);
	store_txn_abort(txn);
}
