/* SPDX-License-Identifier: MIT */
/* domain_xml: the domain definition, parsed from and formatted to XML. */
#ifndef RVIRT_HV_DOMAIN_XML_H
#define RVIRT_HV_DOMAIN_XML_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../common/cpuset.h"

/* Largest <vcpu> count. */
#define DOMAIN_VCPUS_MAX 4096

/* Most <initarg> elements in <os>. */
#define DOMAIN_INITARGS_MAX 256

enum domain_type {
	DOMAIN_TYPE_TEST,
	DOMAIN_TYPE_PROCESS,
	DOMAIN_TYPE_QEMU,
};

enum domain_os_type {
	DOMAIN_OS_HVM,
	DOMAIN_OS_EXE,
};

enum domain_placement {
	DOMAIN_PLACEMENT_STATIC,
	DOMAIN_PLACEMENT_AUTO,
};

/* <on_poweroff>, <on_reboot>, <on_crash> (the last two only there). */
enum domain_action {
	DOMAIN_ACTION_DESTROY,
	DOMAIN_ACTION_RESTART,
	DOMAIN_ACTION_PRESERVE,
	DOMAIN_ACTION_RENAME_RESTART,
	DOMAIN_ACTION_COREDUMP_DESTROY,
	DOMAIN_ACTION_COREDUMP_RESTART,
};

/* One <cputune><vcpupin vcpu='N' cpuset='...'/>. */
struct domain_vcpupin {
	unsigned int vcpu;
	struct cpuset set;
};

/*
 * A parsed definition; doc/domain-xml.md describes every element.  The
 * strings are owned (malloc'd) and NULL when the element is absent.
 */
struct domain_def {
	enum domain_type type;
	char name[RVIRT_NAME_MAX + 1];
	unsigned char uuid[RVIRT_UUID_BUFLEN]; /* generated when absent */
	bool has_uuid;			       /* <uuid> was in the document */
	char *title;
	char *description;
	uint64_t memory_kib;	     /* <memory>: the maximum, > 0 */
	uint64_t current_memory_kib; /* <currentMemory>, <= memory_kib */
	unsigned int vcpus;	     /* 1 .. DOMAIN_VCPUS_MAX */
	enum domain_placement placement;
	bool has_cpuset;
	struct cpuset cpuset; /* checked for syntax only, not the host */
	/* <cputune>: pins by vcpu (sorted, each vcpu < vcpus), owned. */
	struct domain_vcpupin *vcpupins;
	size_t nvcpupins;
	bool has_emulatorpin;
	struct cpuset emulatorpin;
	enum domain_os_type os_type;
	char *os_kernel;
	char *os_cmdline;
	char *os_init;
	char *os_loader;    /* <os><loader>: an absolute path (qemu: -bios) */
	char **os_initargs; /* <initarg>s in order, owned */
	size_t nos_initargs;
	enum domain_action on_poweroff;
	enum domain_action on_reboot;
	enum domain_action on_crash;
	bool graphics_vnc; /* <devices><graphics type='vnc'/> */
};

/*
 * Parse a domain document of at most RVIRT_XML_MAX bytes.  No network,
 * no DTD: a document with a DOCTYPE is refused before its internal
 * subset is read, so external entities and entity expansion bombs never
 * run.  libxml2 prints nothing; its first error becomes the message.
 * Returns a new definition, or NULL with *err (RVIRT_ERR_XML, or
 * RVIRT_ERR_INVALID_CPUSET for a bad cpuset).
 */
struct domain_def *domain_xml_parse(const char *xml, struct rvirt_error *err);

/*
 * Format def as XML; id >= 0 adds the id attribute of a running domain.
 * Returns a malloc'd string, or NULL with *err.
 */
char *domain_xml_format(const struct domain_def *def, int id,
			struct rvirt_error *err);

/* Free def and its strings.  NULL is a no-op. */
void domain_def_free(struct domain_def *def);

/* The <vcpupin> set of vcpu, or NULL when it has none. */
const struct cpuset *domain_def_vcpupin(const struct domain_def *def,
					unsigned int vcpu);

/*
 * Pin vcpu (< def->vcpus) to set in the definition, replacing its
 * <vcpupin>.  0, or -1 with *err (RVIRT_ERR_INVALID_ARG, _NO_MEMORY).
 */
int domain_def_set_vcpupin(struct domain_def *def, unsigned int vcpu,
			   const struct cpuset *set, struct rvirt_error *err);

/*
 * The CPUs vcpu may run on by the definition: its <vcpupin>, else the
 * <vcpu cpuset>, else all of host (the host's online CPUs).
 */
void domain_def_vcpu_affinity(const struct domain_def *def, unsigned int vcpu,
			      const struct cpuset *host, struct cpuset *out);

/* The same for the emulator threads: <emulatorpin>, <vcpu cpuset>, host. */
void domain_def_emulator_affinity(const struct domain_def *def,
				  const struct cpuset *host,
				  struct cpuset *out);

/*
 * Check every set of def (<vcpu cpuset>, each <vcpupin>, <emulatorpin>)
 * against the host's online CPUs.  0, or -1 with *err
 * (RVIRT_ERR_INVALID_CPUSET naming the domain, the set and the host's
 * CPUs).
 */
int domain_def_check_host(const struct domain_def *def,
			  const struct cpuset *host, struct rvirt_error *err);

/*
 * Check a domain name: 1 .. RVIRT_NAME_MAX bytes of valid UTF-8, no '/',
 * no control character, not "." or "..".  0, or -1 with *err
 * (RVIRT_ERR_XML).
 */
int domain_xml_check_name(const char *name, struct rvirt_error *err);

/* "test", "process", "qemu". */
const char *domain_xml_type_name(enum domain_type type);

#endif
