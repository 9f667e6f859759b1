/* SPDX-License-Identifier: MIT */
/* node: facts about the host (CPUs, topology, memory) from sysfs and proc. */
#ifndef RVIRT_HV_NODE_H
#define RVIRT_HV_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../common/cpuset.h"

struct node_facts {
	char arch[32];	      /* uname's machine: "x86_64" */
	uint64_t memory_kib;  /* MemTotal of /proc/meminfo */
	struct cpuset online; /* devices/system/cpu/online */
	unsigned int cpus;    /* CPUs online */
	unsigned int mhz;     /* cpuinfo_max_freq, else "cpu MHz", else 0 */
	unsigned int nodes;   /* NUMA nodes, at least 1 */
	unsigned int sockets; /* distinct physical packages, at least 1 */
	unsigned int cores;   /* cores per socket, at least 1 */
	unsigned int threads; /* threads per core, at least 1 */
};

/*
 * Read the host's facts.  sysfs_root and proc_root replace "/sys" and
 * "/proc" (tests point them at a fake tree); NULL means the real ones.
 * Topology files that are missing give the simple answer (one socket,
 * one thread per core).  Returns 0, or -1 with *err (RVIRT_ERR_SYSTEM)
 * when the online CPU list or the memory size cannot be read.
 */
int node_facts_read(const char *sysfs_root, const char *proc_root,
		    struct node_facts *out, struct rvirt_error *err);

/*
 * Only the online CPUs (what every placement and pinning call checks
 * against, so it must be cheap): sysfs_root/devices/system/cpu/online.
 * NULL sysfs_root means "/sys".  0, or -1 with *err.
 */
int node_online_read(const char *sysfs_root, struct cpuset *out,
		     struct rvirt_error *err);

/*
 * The capabilities XML of a driver: the host f (CPU arch, topology,
 * online CPUs, memory, NUMA nodes) and one <guest> per os type, each
 * with <domain type='domain_type'/>.  *xml is malloc'd.  0, or -1 with
 * *err.
 */
int node_capabilities(const struct node_facts *f, const char *domain_type,
		      const char *const *os_types, size_t nos_types, char **xml,
		      struct rvirt_error *err);

/*
 * The host's boot id (proc_root/sys/kernel/random/boot_id, a uuid that
 * changes at every boot) into buf, at least 37 bytes.  NULL proc_root
 * means "/proc".  0, or -1 with *err (RVIRT_ERR_SYSTEM).
 */
int node_boot_id(const char *proc_root, char *buf, size_t size,
		 struct rvirt_error *err);

#endif
