/* SPDX-License-Identifier: MIT */
/* vcpu: librvirt's placement, pinning and autostart calls (rvirt.h). */
#include <stdlib.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "conn.h"
#include "cpuset.h"
#include "err.h"
#include "rvirt.h"

/* The map is as wide as the cpuset cap: one parser for both sides. */
_Static_assert(RVIRT_CPUMAP_MAX * 8 == CPUSET_MAX_CPUS,
	       "a cpu map holds exactly the cpus a cpuset may name");

/* XDR encodes from char *, which never writes through it. */
static char *
vcpu_unconst(const void *p)
{
	union {
		const void *c;
		char *m;
	} u = { .c = p };

	return u.m;
}

int
rvirt_cpumap_parse(const char *text, struct rvirt_cpumap *map,
		   struct rvirt_error *err)
{
	struct cpuset set;

	if (!text || !map) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no cpu list or no map given");
		return -1;
	}
	if (cpuset_parse(text, 0, &set, err) < 0) {
		if (err)
			err->origin = RVIRT_FROM_CLIENT;
		return -1;
	}
	memset(map, 0, sizeof(*map));
	cpuset_to_bytes(&set, map->bits, sizeof(map->bits));
	return 0;
}

int
rvirt_cpumap_format(const struct rvirt_cpumap *map, char *buf, size_t size)
{
	struct cpuset set;

	if (!map || !buf || size == 0)
		return -1;
	cpuset_from_bytes(map->bits, sizeof(map->bits), &set);
	if (cpuset_count(&set) == 0) {
		buf[0] = '\0';
		return 0;
	}
	return cpuset_format(&set, buf, size);
}

/* A map for the wire: the bytes up to the last set one (borrowed). */
static int
vcpu_map_to_wire(const struct rvirt_cpumap *map, rvirt_cpumap *w,
		 struct rvirt_error *err)
{
	size_t n = sizeof(map->bits);

	if (!map) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no cpu map given");
		return -1;
	}
	while (n > 0 && map->bits[n - 1] == 0)
		n--;
	if (n == 0) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"the cpu map is empty");
		return -1;
	}
	w->rvirt_cpumap_len = (u_int)n;
	w->rvirt_cpumap_val = vcpu_unconst(map->bits);
	return 0;
}

/* A map from the wire; the daemon's bound is the map's size. */
static void
vcpu_map_from_wire(const rvirt_cpumap *w, struct rvirt_cpumap *map)
{
	size_t n = w->rvirt_cpumap_len;

	memset(map, 0, sizeof(*map));
	if (n > sizeof(map->bits))
		n = sizeof(map->bits);
	if (n)
		memcpy(map->bits, w->rvirt_cpumap_val, n);
}

static int
vcpu_out(const void *p, struct rvirt_error *err)
{
	if (!p) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no result pointer given");
		return -1;
	}
	return 0;
}

int
rvirt_domain_pin_vcpu(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		      unsigned int vcpu, const struct rvirt_cpumap *map,
		      unsigned int flags, struct rvirt_error *err)
{
	rvirt_pin_vcpu_args args;
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	if (conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    vcpu_map_to_wire(map, &args.cpumap, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	args.vcpu = vcpu;
	args.flags = flags;
	cs = rvirt_proc_domain_pin_vcpu_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_PIN_VCPU", cs, ret.status,
		      &ret.rvirt_void_ret_u.error, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	return rc;
}

int
rvirt_domain_get_vcpu_pin_info(struct rvirt_conn *conn,
			       const struct rvirt_domain *dom,
			       unsigned int flags, struct rvirt_cpumap **maps,
			       size_t *nmaps, struct rvirt_error *err)
{
	rvirt_pin_info_args args;
	rvirt_vcpu_pin_info_ret ret = { 0 };
	struct rvirt_cpumap *out = NULL;
	enum clnt_stat cs;
	size_t n;
	int rc;

	memset(&args, 0, sizeof(args));
	if (vcpu_out(maps, err) < 0 || vcpu_out(nmaps, err) < 0 ||
	    conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	args.flags = flags;
	cs = rvirt_proc_domain_get_vcpu_pin_info_1(&args, &ret,
						   conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_VCPU_PIN_INFO", cs, ret.status,
		      &ret.rvirt_vcpu_pin_info_ret_u.error, err);
	if (rc == 0) {
		n = ret.rvirt_vcpu_pin_info_ret_u.cpumaps.cpumaps_len;
		out = calloc(n ? n : 1, sizeof(*out));
		if (!out) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
				"out of memory");
			rc = -1;
		} else {
			for (size_t i = 0; i < n; i++)
				vcpu_map_from_wire(
					&ret.rvirt_vcpu_pin_info_ret_u.cpumaps
						 .cpumaps_val[i],
					&out[i]);
			*maps = out;
			*nmaps = n;
		}
	}
	xdr_free((xdrproc_t)xdr_rvirt_vcpu_pin_info_ret, &ret);
	return rc;
}

int
rvirt_domain_get_vcpus(struct rvirt_conn *conn, const struct rvirt_domain *dom,
		       struct rvirt_vcpu_info **info, size_t *ninfo,
		       struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_vcpus_ret ret = { 0 };
	struct rvirt_vcpu_info *out;
	enum clnt_stat cs;
	size_t n;
	int rc;

	memset(&args, 0, sizeof(args));
	if (vcpu_out(info, err) < 0 || vcpu_out(ninfo, err) < 0 ||
	    conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_get_vcpus_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_VCPUS", cs, ret.status,
		      &ret.rvirt_vcpus_ret_u.error, err);
	if (rc == 0) {
		const rvirt_wire_vcpu_info *w =
			ret.rvirt_vcpus_ret_u.vcpus.vcpus_val;

		n = ret.rvirt_vcpus_ret_u.vcpus.vcpus_len;
		out = calloc(n ? n : 1, sizeof(*out));
		if (!out) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
				"out of memory");
			rc = -1;
		} else {
			for (size_t i = 0; i < n; i++) {
				out[i].number = w[i].number;
				out[i].state = w[i].state;
				out[i].cpu_time_ns = w[i].cpu_time_ns;
				out[i].cpu = w[i].cpu;
				vcpu_map_from_wire(&w[i].affinity,
						   &out[i].affinity);
			}
			*info = out;
			*ninfo = n;
		}
	}
	xdr_free((xdrproc_t)xdr_rvirt_vcpus_ret, &ret);
	return rc;
}

int
rvirt_domain_pin_emulator(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom,
			  const struct rvirt_cpumap *map, unsigned int flags,
			  struct rvirt_error *err)
{
	rvirt_pin_emulator_args args;
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	if (conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    vcpu_map_to_wire(map, &args.cpumap, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	args.flags = flags;
	cs = rvirt_proc_domain_pin_emulator_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_PIN_EMULATOR", cs, ret.status,
		      &ret.rvirt_void_ret_u.error, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	return rc;
}

int
rvirt_domain_get_emulator_pin_info(struct rvirt_conn *conn,
				   const struct rvirt_domain *dom,
				   unsigned int flags, struct rvirt_cpumap *map,
				   struct rvirt_error *err)
{
	rvirt_pin_info_args args;
	rvirt_cpumap_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	if (vcpu_out(map, err) < 0 ||
	    conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	args.flags = flags;
	cs = rvirt_proc_domain_get_emulator_pin_info_1(&args, &ret,
						       conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_EMULATOR_PIN_INFO", cs, ret.status,
		      &ret.rvirt_cpumap_ret_u.error, err);
	if (rc == 0)
		vcpu_map_from_wire(&ret.rvirt_cpumap_ret_u.cpumap, map);
	xdr_free((xdrproc_t)xdr_rvirt_cpumap_ret, &ret);
	return rc;
}

int
rvirt_node_get_cpu_map(struct rvirt_conn *conn, struct rvirt_cpumap *online,
		       unsigned int *ncpus, unsigned int *nonline,
		       struct rvirt_error *err)
{
	rvirt_node_cpu_map_args args = { 0 };
	rvirt_node_cpu_map_ret ret = { 0 };
	const rvirt_wire_node_cpu_map *m = &ret.rvirt_node_cpu_map_ret_u.map;
	enum clnt_stat cs;
	int rc;

	if (vcpu_out(online, err) < 0 || conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_node_get_cpu_map_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "NODE_GET_CPU_MAP", cs, ret.status,
		      &ret.rvirt_node_cpu_map_ret_u.error, err);
	if (rc == 0) {
		vcpu_map_from_wire(&m->cpumap, online);
		if (ncpus)
			*ncpus = m->cpus;
		if (nonline)
			*nonline = m->online;
	}
	xdr_free((xdrproc_t)xdr_rvirt_node_cpu_map_ret, &ret);
	return rc;
}

int
rvirt_domain_set_autostart(struct rvirt_conn *conn,
			   const struct rvirt_domain *dom, int autostart,
			   struct rvirt_error *err)
{
	rvirt_autostart_args args;
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	if (conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	args.autostart = autostart ? 1 : 0;
	cs = rvirt_proc_domain_set_autostart_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_SET_AUTOSTART", cs, ret.status,
		      &ret.rvirt_void_ret_u.error, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	return rc;
}

int
rvirt_domain_get_autostart(struct rvirt_conn *conn,
			   const struct rvirt_domain *dom, int *autostart,
			   struct rvirt_error *err)
{
	rvirt_domain_args args;
	rvirt_int_ret ret = { 0 };
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	if (vcpu_out(autostart, err) < 0 ||
	    conn_domain_to_wire(dom, &args.dom, err) < 0 ||
	    conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_domain_get_autostart_1(&args, &ret, conn_clnt(conn));
	rc = conn_end(conn, "DOMAIN_GET_AUTOSTART", cs, ret.status,
		      &ret.rvirt_int_ret_u.error, err);
	if (rc == 0)
		*autostart = ret.rvirt_int_ret_u.value;
	xdr_free((xdrproc_t)xdr_rvirt_int_ret, &ret);
	return rc;
}
