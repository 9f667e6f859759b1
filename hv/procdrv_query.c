/* SPDX-License-Identifier: MIT */
/* procdrv_query: the queries of the process and qemu drivers' domains. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/uuid.h"
#include "domevent.h"
#include "effect.h"
#include "node.h"
#include "procdrv.h"
#include "procdrv_int.h"

/* ---------------------------------------------------------------- */
/* Queries                                                           */
/* ---------------------------------------------------------------- */

int
procdrv_domain_get_info(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom,
			struct hv_domain_info *info, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct procdom_stat st;
	struct domrec d;

	if (domstore_find(txn, &pd->ds, dom, &d, err) < 0)
		return -1;
	domrec_info(&d, info);
	/* All threads together, as the kernel counts them. */
	if (domrec_active(&d) && procdom_stat_read(NULL, d.pid, 0, &st) == 0)
		info->cpu_time_ns = procdom_ticks_ns(st.utime + st.stime);
	domrec_release(&d);
	return 0;
}

int
procdrv_domain_get_vcpus(struct hv_conn *c, struct store_txn *txn,
			 const struct hv_domain_ref *dom,
			 struct hv_vcpu_info **info, size_t *ninfo,
			 struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domain_def *def = NULL;
	struct hv_vcpu_info *v = NULL;
	pid_t *tids = NULL;
	struct cpuset host;
	struct domrec d;
	int ret = -1;

	if (domstore_find(txn, &pd->ds, dom, &d, err) < 0)
		return -1;
	if (!domrec_active(&d)) {
		procdrv_not_running(&d, err);
		goto out;
	}
	def = domstore_live_def(&d, err);
	if (!def || procdrv_host(&host, err) < 0)
		goto out;
	v = calloc(def->vcpus, sizeof(*v));
	tids = calloc(def->vcpus, sizeof(*tids));
	if (!v || !tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot describe the vcpus of '%s': out of memory",
			d.name);
		goto out;
	}
	if (pd->ops->vcpu_tids(pd, &d, def->vcpus, tids, err) < 0)
		goto out;
	for (unsigned int i = 0; i < def->vcpus; i++) {
		struct procdom_stat st;
		struct rvirt_error e;

		v[i].number = i;
		v[i].cpu = -1;
		if (!tids[i] ||
		    procdom_stat_read(NULL, d.pid, tids[i], &st) < 0 ||
		    procdom_affinity(tids[i], &v[i].affinity, &e) < 0) {
			/* No thread (an exe program without them). */
			v[i].state = RVIRT_VCPU_OFFLINE;
			domain_def_vcpu_affinity(def, i, &host, &v[i].affinity);
			continue;
		}
		v[i].state = st.state == 'R' ? RVIRT_VCPU_RUNNING
					     : RVIRT_VCPU_BLOCKED;
		v[i].cpu_time_ns = procdom_ticks_ns(st.utime + st.stime);
		v[i].cpu = st.processor;
	}
	*info = v;
	*ninfo = def->vcpus;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(tids);
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_get_state(struct hv_conn *c, struct store_txn *txn,
			 const struct hv_domain_ref *dom, int *state,
			 int *reason, struct rvirt_error *err)
{
	return domstore_get_state(txn, &procdrv_of(c)->ds, dom, state, reason,
				  err);
}

int
procdrv_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom, char **xml,
		       struct rvirt_error *err)
{
	return domstore_get_xml(txn, &procdrv_of(c)->ds, dom, xml, err);
}

int
procdrv_domain_list(struct hv_conn *c, struct store_txn *txn,
		    unsigned int flags, size_t max, struct hv_domain_ref **doms,
		    size_t *ndoms, struct rvirt_error *err)
{
	return domstore_list(txn, &procdrv_of(c)->ds, flags, max, doms, ndoms,
			     err);
}

int
procdrv_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
			   const char *name, struct hv_domain_ref *out,
			   struct rvirt_error *err)
{
	return domstore_lookup_name(txn, &procdrv_of(c)->ds, name, out, err);
}

int
procdrv_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
			   const unsigned char *uuid, struct hv_domain_ref *out,
			   struct rvirt_error *err)
{
	return domstore_lookup_uuid(txn, &procdrv_of(c)->ds, uuid, out, err);
}

int
procdrv_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
			 struct hv_domain_ref *out, struct rvirt_error *err)
{
	return domstore_lookup_id(txn, &procdrv_of(c)->ds, id, out, err);
}

int
procdrv_domain_define(struct hv_conn *c, struct store_txn *txn, const char *xml,
		      struct hv_domain_ref *out, struct rvirt_error *err)
{
	return domstore_define(txn, &procdrv_of(c)->ds, xml, out, err);
}

int
procdrv_domain_set_autostart(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom, bool autostart,
			     struct rvirt_error *err)
{
	return domstore_set_autostart(txn, &procdrv_of(c)->ds, dom, autostart,
				      err);
}

int
procdrv_domain_get_autostart(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom, bool *autostart,
			     struct rvirt_error *err)
{
	return domstore_get_autostart(txn, &procdrv_of(c)->ds, dom, autostart,
				      err);
}
