/* SPDX-License-Identifier: MIT */
/* node: facts about the host (CPUs, topology, memory) from sysfs and proc. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../common/err.h"
#include "node.h"

/* Read the first line of root/rel into buf; 0, or -1 with errno. */
static int
node_read_line(const char *root, const char *rel, char *buf, size_t size)
{
	char path[4096];
	FILE *f;
	size_t len;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return 0;
}

static int
node_read_long(const char *root, const char *rel, long *out)
{
	char buf[64], *end;
	long v;

	if (node_read_line(root, rel, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

static int
node_read_memory(const char *proc_root, uint64_t *kib, struct rvirt_error *err)
{
	char path[4096], line[256];
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/meminfo", proc_root);
	f = fopen(path, "re");
	if (!f) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot read '%s'", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "MemTotal: %llu kB", &v) == 1) {
			*kib = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	if (ret < 0)
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot read '%s': no MemTotal line", path);
	return ret;
}

static unsigned int
node_count_numa(const char *sysfs_root)
{
	char path[4096];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/devices/system/node", sysfs_root);
	d = opendir(path);
	if (!d)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "node", 4) == 0 &&
		    de->d_name[4] >= '0' && de->d_name[4] <= '9')
			n++;
	}
	closedir(d);
	return n ? n : 1;
}

static unsigned int
node_read_mhz(const char *sysfs_root, const char *proc_root, unsigned int cpu)
{
	char rel[128], path[4096], line[256];
	long khz;
	FILE *f;
	unsigned int mhz = 0;

	snprintf(rel, sizeof(rel),
		 "devices/system/cpu/cpu%u/cpufreq/cpuinfo_max_freq", cpu);
	if (node_read_long(sysfs_root, rel, &khz) == 0 && khz > 0)
		return (unsigned int)(khz / 1000);
	snprintf(path, sizeof(path), "%s/cpuinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		double v;

		if (sscanf(line, "cpu MHz : %lf", &v) == 1 && v > 0 &&
		    v < 1e6) {
			mhz = (unsigned int)v;
			break;
		}
	}
	fclose(f);
	return mhz;
}

/* Sockets, cores per socket and threads per core from topology files. */
static int
node_read_topology(const char *sysfs_root, struct node_facts *f,
		   struct rvirt_error *err)
{
	long *pkgs = NULL, *cores = NULL;
	unsigned int npkgs = 0, ncores = 0;

	pkgs = calloc(CPUSET_MAX_CPUS, sizeof(*pkgs));
	cores = calloc(CPUSET_MAX_CPUS, sizeof(*cores) * 2);
	if (!pkgs || !cores) {
		free(pkgs);
		free(cores);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot read the cpu topology: out of memory");
		return -1;
	}
	for (unsigned int c = 0; c < CPUSET_MAX_CPUS; c++) {
		char rel[128];
		long pkg, core;
		unsigned int i;

		if (!cpuset_has(&f->online, c))
			continue;
		snprintf(
			rel, sizeof(rel),
			"devices/system/cpu/cpu%u/topology/physical_package_id",
			c);
		if (node_read_long(sysfs_root, rel, &pkg) < 0)
			goto simple;
		snprintf(rel, sizeof(rel),
			 "devices/system/cpu/cpu%u/topology/core_id", c);
		if (node_read_long(sysfs_root, rel, &core) < 0)
			goto simple;
		for (i = 0; i < npkgs && pkgs[i] != pkg; i++)
			;
		if (i == npkgs)
			pkgs[npkgs++] = pkg;
		for (i = 0; i < ncores &&
			    (cores[2 * i] != pkg || cores[2 * i + 1] != core);
		     i++)
			;
		if (i == ncores) {
			cores[2 * ncores] = pkg;
			cores[2 * ncores + 1] = core;
			ncores++;
		}
	}
	free(pkgs);
	free(cores);
	f->sockets = npkgs ? npkgs : 1;
	f->cores = ncores / f->sockets ? ncores / f->sockets : 1;
	f->threads = f->cpus / (f->sockets * f->cores);
	if (f->threads == 0)
		f->threads = 1;
	return 0;
simple:
	free(pkgs);
	free(cores);
	f->sockets = 1;
	f->cores = f->cpus ? f->cpus : 1;
	f->threads = 1;
	return 0;
}

int
node_facts_read(const char *sysfs_root, const char *proc_root,
		struct node_facts *out, struct rvirt_error *err)
{
	struct node_facts f;
	struct utsname u;
	char online[CPUSET_FORMAT_MAX];
	unsigned int first;

	if (!sysfs_root)
		sysfs_root = "/sys";
	if (!proc_root)
		proc_root = "/proc";
	memset(&f, 0, sizeof(f));
	if (uname(&u) == 0)
		snprintf(f.arch, sizeof(f.arch), "%.31s", u.machine);
	else
		snprintf(f.arch, sizeof(f.arch), "unknown");

	if (node_read_line(sysfs_root, "devices/system/cpu/online", online,
			   sizeof(online)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot read '%s/devices/system/cpu/online'",
			      sysfs_root);
		return -1;
	}
	if (cpuset_parse(online, 0, &f.online, err) < 0)
		return -1;
	f.cpus = cpuset_count(&f.online);
	if (node_read_memory(proc_root, &f.memory_kib, err) < 0)
		return -1;
	f.nodes = node_count_numa(sysfs_root);
	for (first = 0; !cpuset_has(&f.online, first); first++)
		;
	f.mhz = node_read_mhz(sysfs_root, proc_root, first);
	if (node_read_topology(sysfs_root, &f, err) < 0)
		return -1;
	*out = f;
	return 0;
}
