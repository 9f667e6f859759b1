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
#include "xmlwriter.h"

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
node_online_read(const char *sysfs_root, struct cpuset *out,
		 struct rvirt_error *err)
{
	char online[CPUSET_FORMAT_MAX];

	if (!sysfs_root)
		sysfs_root = "/sys";
	if (node_read_line(sysfs_root, "devices/system/cpu/online", online,
			   sizeof(online)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot read '%s/devices/system/cpu/online'",
			      sysfs_root);
		return -1;
	}
	return cpuset_parse(online, 0, out, err);
}

int
node_facts_read(const char *sysfs_root, const char *proc_root,
		struct node_facts *out, struct rvirt_error *err)
{
	struct node_facts f;
	struct utsname u;
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

	if (node_online_read(sysfs_root, &f.online, err) < 0)
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

int
node_boot_id(const char *proc_root, char *buf, size_t size,
	     struct rvirt_error *err)
{
	char line[128];

	if (!proc_root)
		proc_root = "/proc";
	if (node_read_line(proc_root, "sys/kernel/random/boot_id", line,
			   sizeof(line)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV, errno,
			      "cannot read '%s/sys/kernel/random/boot_id'",
			      proc_root);
		return -1;
	}
	if (strlen(line) < 32 || strlen(line) >= size) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"'%s/sys/kernel/random/boot_id' holds no boot id",
			proc_root);
		return -1;
	}
	strcpy(buf, line);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Capabilities                                                      */
/* ---------------------------------------------------------------- */

#define XC (const xmlChar *)

static int
node_caps_guest(xmlTextWriterPtr w, const char *os_type, const char *arch,
		const char *domain_type)
{
	if (xmlTextWriterStartElement(w, XC "guest") < 0 ||
	    xmlTextWriterWriteElement(w, XC "os_type", XC os_type) < 0 ||
	    xmlTextWriterStartElement(w, XC "arch") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "name", XC arch) < 0 ||
	    xmlTextWriterWriteFormatElement(w, XC "wordsize", "%zu",
					    sizeof(long) * 8) < 0 ||
	    xmlTextWriterStartElement(w, XC "domain") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "type", XC domain_type) < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
node_caps_write(xmlTextWriterPtr w, const struct node_facts *f,
		const char *domain_type, const char *const *os_types,
		size_t nos_types)
{
	char online[CPUSET_FORMAT_MAX];

	if (cpuset_format(&f->online, online, sizeof(online)) < 0)
		return -1;
	if (xmlTextWriterStartElement(w, XC "capabilities") < 0 ||
	    xmlTextWriterStartElement(w, XC "host") < 0 ||
	    xmlTextWriterStartElement(w, XC "cpu") < 0 ||
	    xmlTextWriterWriteElement(w, XC "arch", XC f->arch) < 0 ||
	    xmlTextWriterStartElement(w, XC "topology") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "sockets", "%u",
					      f->sockets) < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "cores", "%u", f->cores) <
		    0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "threads", "%u",
					      f->threads) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	if (f->mhz &&
	    xmlTextWriterWriteFormatElement(w, XC "mhz", "%u", f->mhz) < 0)
		return -1;
	if (xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "cpus") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "count", "%u", f->cpus) <
		    0 ||
	    xmlTextWriterWriteAttribute(w, XC "online", XC online) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "memory") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "unit", XC "KiB") < 0 ||
	    xmlTextWriterWriteFormatString(
		    w, "%llu", (unsigned long long)f->memory_kib) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC "numa") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, XC "nodes", "%u", f->nodes) <
		    0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return -1;
	for (size_t i = 0; i < nos_types; i++)
		if (node_caps_guest(w, os_types[i], f->arch, domain_type) < 0)
			return -1;
	if (xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

int
node_capabilities(const struct node_facts *f, const char *domain_type,
		  const char *const *os_types, size_t nos_types, char **xml,
		  struct rvirt_error *err)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	int rc;

	w = xmlwriter_new(&buf);
	if (!w)
		goto oom;
	rc = node_caps_write(w, f, domain_type, os_types, nos_types);
	rc = xmlwriter_finish(w, buf, rc, xml);
	if (rc == -1) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"cannot format the capabilities");
		return -1;
	}
	if (rc < 0)
		goto oom;
	return 0;
oom:
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
		"cannot format the capabilities: out of memory");
	return -1;
}
