/* SPDX-License-Identifier: MIT */
/* node: facts about the host (CPUs, topology, memory) from sysfs and proc. */
#ifndef RVIRT_HV_NODE_H
#define RVIRT_HV_NODE_H

#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "cpuset.h"

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

#endif
