/* SPDX-License-Identifier: MIT */
/* proc_vcpu: handlers of placement and pinning (vCPU and emulator pins, node cpu map). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../common/uuid.h"
#include "../common/log.h"
#include "dispatch.h"
#include "proc.h"

/* ---------------------------------------------------------------- */
/* Placement and pinning                                             */
/* ---------------------------------------------------------------- */

#define PROC_AFFECT_ALL (RVIRT_AFFECT_LIVE | RVIRT_AFFECT_CONFIG)

/* A cpu map from the wire: not empty, no CPU beyond the cap. */
static int
proc_cpumap_in(const rvirt_cpumap *m, const char *what, struct cpuset *out,
	       struct rvirt_error *err)
{
	if (cpuset_from_bytes((const unsigned char *)m->rvirt_cpumap_val,
			      m->rvirt_cpumap_len, out) < 0) {
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_SERVER,
			"cannot %s: the cpu map names a cpu above %d", what,
			CPUSET_MAX_CPUS - 1);
		return -1;
	}
	if (cpuset_count(out) == 0) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot %s: the cpu map is empty", what);
		return -1;
	}
	return 0;
}

/* A cpu map for the wire, malloc'd (freed by the engine's xdr_free). */
static int
proc_cpumap_out(const struct cpuset *set, rvirt_cpumap *m,
		struct rvirt_error *err)
{
	unsigned char buf[RVIRT_CPUMAP_MAX];
	size_t n = cpuset_to_bytes(set, buf, sizeof(buf));

	m->rvirt_cpumap_len = 0;
	m->rvirt_cpumap_val = NULL;
	if (n == 0)
		return 0;
	m->rvirt_cpumap_val = malloc(n);
	if (!m->rvirt_cpumap_val)
		return proc_oom("return a cpu map", err);
	memcpy(m->rvirt_cpumap_val, buf, n);
	m->rvirt_cpumap_len = (u_int)n;
	return 0;
}

int
proc_domain_pin_vcpu(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_pin_vcpu_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (proc_check_flags(args->flags, PROC_AFFECT_ALL, "pin a vcpu", err) <
		    0 ||
	    proc_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    proc_cpumap_in(&args->cpumap, "pin a vcpu", &set, err) < 0 ||
	    hv_domain_pin_vcpu(call->sess->hv, call->txn, &ref, args->vcpu,
			       &set, args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_domain_get_vcpu_pin_info(struct call *call, void *argsp, void *retp,
			      struct rvirt_error *err)
{
	struct rvirt_pin_info_args *args = argsp;
	struct rvirt_vcpu_pin_info_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset *sets = NULL;
	rvirt_cpumap *maps = NULL;
	size_t n = 0;
	int rc = -1;

	if (proc_check_flags(args->flags, PROC_AFFECT_ALL,
			     "get the vcpu pinning", err) < 0 ||
	    proc_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_get_vcpu_pin_info(call->sess->hv, call->txn, &ref,
					args->flags, &sets, &n, err) < 0)
		return -1;
	if (n > RVIRT_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot get the vcpu pinning: more than %d vcpus",
			RVIRT_VCPUS_MAX);
		goto out;
	}
	/* Set before filling: the engine frees what was filled on error. */
	ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len = 0;
	if (n > 0) {
		maps = calloc(n, sizeof(*maps));
		if (!maps) {
			proc_oom("get the vcpu pinning", err);
			goto out;
		}
	}
	ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_val = maps;
	for (size_t i = 0; i < n; i++) {
		if (proc_cpumap_out(&sets[i], &maps[i], err) < 0)
			goto out;
		ret->rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len =
			(u_int)(i + 1);
	}
	ret->status = RVIRT_OK;
	rc = 0;
out:
	free(sets);
	return rc;
}

int
proc_domain_get_vcpus(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_vcpus_ret *ret = retp;
	struct hv_domain_ref ref;
	struct hv_vcpu_info *info = NULL;
	rvirt_wire_vcpu_info *w = NULL;
	size_t n = 0;
	int rc = -1;

	if (proc_domain_arg(argsp, "get the vcpus", &ref, err) < 0 ||
	    hv_domain_get_vcpus(call->sess->hv, call->txn, &ref, &info, &n,
				err) < 0)
		return -1;
	if (n > RVIRT_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_SERVER,
			"cannot get the vcpus: more than %d", RVIRT_VCPUS_MAX);
		goto out;
	}
	ret->rvirt_vcpus_ret_u.vcpus.vcpus_len = 0;
	if (n > 0) {
		w = calloc(n, sizeof(*w));
		if (!w) {
			proc_oom("get the vcpus", err);
			goto out;
		}
	}
	ret->rvirt_vcpus_ret_u.vcpus.vcpus_val = w;
	for (size_t i = 0; i < n; i++) {
		w[i].number = info[i].number;
		w[i].state = info[i].state;
		w[i].cpu_time_ns = info[i].cpu_time_ns;
		w[i].cpu = info[i].cpu;
		if (proc_cpumap_out(&info[i].affinity, &w[i].affinity, err) < 0)
			goto out;
		ret->rvirt_vcpus_ret_u.vcpus.vcpus_len = (u_int)(i + 1);
	}
	ret->status = RVIRT_OK;
	rc = 0;
out:
	free(info);
	return rc;
}

int
proc_domain_pin_emulator(struct call *call, void *argsp, void *retp,
			 struct rvirt_error *err)
{
	struct rvirt_pin_emulator_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (proc_check_flags(args->flags, PROC_AFFECT_ALL,
			     "pin the emulator threads", err) < 0 ||
	    proc_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    proc_cpumap_in(&args->cpumap, "pin the emulator threads", &set,
			   err) < 0 ||
	    hv_domain_pin_emulator(call->sess->hv, call->txn, &ref, &set,
				   args->flags, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_domain_get_emulator_pin_info(struct call *call, void *argsp, void *retp,
				  struct rvirt_error *err)
{
	struct rvirt_pin_info_args *args = argsp;
	struct rvirt_cpumap_ret *ret = retp;
	struct hv_domain_ref ref;
	struct cpuset set;

	if (proc_check_flags(args->flags, PROC_AFFECT_ALL,
			     "get the emulator pinning", err) < 0 ||
	    proc_ref_from_wire(&args->dom, &ref, err) < 0 ||
	    hv_domain_get_emulator_pin_info(call->sess->hv, call->txn, &ref,
					    args->flags, &set, err) < 0 ||
	    proc_cpumap_out(&set, &ret->rvirt_cpumap_ret_u.cpumap, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_node_get_cpu_map(struct call *call, void *argsp, void *retp,
		      struct rvirt_error *err)
{
	struct rvirt_node_cpu_map_args *args = argsp;
	struct rvirt_node_cpu_map_ret *ret = retp;
	struct rvirt_wire_node_cpu_map *m = &ret->rvirt_node_cpu_map_ret_u.map;
	struct cpuset online;
	unsigned int ncpus = 0;

	if (proc_check_flags(args->flags, 0, "get the node cpu map", err) < 0 ||
	    hv_node_cpu_map(call->sess->hv, &online, &ncpus, err) < 0 ||
	    proc_cpumap_out(&online, &m->cpumap, err) < 0)
		return -1;
	m->cpus = ncpus;
	m->online = cpuset_count(&online);
	ret->status = RVIRT_OK;
	return 0;
}
