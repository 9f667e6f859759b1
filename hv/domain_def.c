/* SPDX-License-Identifier: MIT */
/* domain_def: a parsed definition: its pins, affinities and checks against the host. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/err.h"
#include "../common/uuid.h"
#include "domain_xml.h"
#include "domain_xml_int.h"

void
domain_def_free(struct domain_def *def)
{
	if (!def)
		return;
	free(def->title);
	free(def->description);
	free(def->os_kernel);
	free(def->os_cmdline);
	free(def->os_init);
	free(def->os_loader);
	for (size_t i = 0; i < def->nos_initargs; i++)
		free(def->os_initargs[i]);
	free(def->os_initargs);
	free(def->vcpupins);
	free(def);
}

const struct cpuset *
domain_def_vcpupin(const struct domain_def *def, unsigned int vcpu)
{
	size_t lo = 0, hi = def->nvcpupins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (def->vcpupins[mid].vcpu == vcpu)
			return &def->vcpupins[mid].set;
		if (def->vcpupins[mid].vcpu < vcpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Insert a pin for a vcpu that has none, keeping the array sorted. */
int
domain_def_add_pin(struct domain_def *def, unsigned int vcpu,
		   const struct cpuset *set, struct rvirt_error *err)
{
	struct domain_vcpupin *p;
	size_t i;

	if (def->nvcpupins >= DOMAIN_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_XML,
			"more than %d vcpu pins", DOMAIN_VCPUS_MAX);
		return -1;
	}
	p = reallocarray(def->vcpupins, def->nvcpupins + 1, sizeof(*p));
	if (!p) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
			"cannot pin vcpu %u: out of memory", vcpu);
		return -1;
	}
	def->vcpupins = p;
	for (i = def->nvcpupins; i > 0 && p[i - 1].vcpu > vcpu; i--)
		p[i] = p[i - 1];
	p[i].vcpu = vcpu;
	p[i].set = *set;
	def->nvcpupins++;
	return 0;
}

int
domain_def_set_vcpupin(struct domain_def *def, unsigned int vcpu,
		       const struct cpuset *set, struct rvirt_error *err)
{
	if (vcpu >= def->vcpus) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"domain '%s' has no vcpu %u (it has %u, 0-%u)",
			def->name, vcpu, def->vcpus, def->vcpus - 1);
		return -1;
	}
	for (size_t i = 0; i < def->nvcpupins; i++) {
		if (def->vcpupins[i].vcpu == vcpu) {
			def->vcpupins[i].set = *set;
			return 0;
		}
	}
	return domain_def_add_pin(def, vcpu, set, err);
}

void
domain_def_vcpu_affinity(const struct domain_def *def, unsigned int vcpu,
			 const struct cpuset *host, struct cpuset *out)
{
	const struct cpuset *pin = domain_def_vcpupin(def, vcpu);

	if (pin)
		*out = *pin;
	else if (def->has_cpuset)
		*out = def->cpuset;
	else
		*out = *host;
}

void
domain_def_emulator_affinity(const struct domain_def *def,
			     const struct cpuset *host, struct cpuset *out)
{
	if (def->has_emulatorpin)
		*out = def->emulatorpin;
	else if (def->has_cpuset)
		*out = def->cpuset;
	else
		*out = *host;
}

static int
domain_def_check_one(const struct domain_def *def, const char *what,
		     const struct cpuset *set, const struct cpuset *host,
		     struct rvirt_error *err)
{
	char text[CPUSET_FORMAT_MAX], have[CPUSET_FORMAT_MAX];
	int cpu = cpuset_first_missing(set, host);

	if (cpu < 0)
		return 0;
	cpuset_format(set, text, sizeof(text));
	cpuset_format(host, have, sizeof(have));
	err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
		"cannot start domain '%s': %s '%s' names cpu %d, which the "
		"host does not have (it has %s)",
		def->name, what, text, cpu, have);
	return -1;
}

int
domain_def_check_host(const struct domain_def *def, const struct cpuset *host,
		      struct rvirt_error *err)
{
	char what[64];

	if (def->has_cpuset &&
	    domain_def_check_one(def, "cpuset", &def->cpuset, host, err) < 0)
		return -1;
	for (size_t i = 0; i < def->nvcpupins; i++) {
		snprintf(what, sizeof(what), "the cpuset of vcpupin %u",
			 def->vcpupins[i].vcpu);
		if (domain_def_check_one(def, what, &def->vcpupins[i].set, host,
					 err) < 0)
			return -1;
	}
	if (def->has_emulatorpin &&
	    domain_def_check_one(def, "emulatorpin", &def->emulatorpin, host,
				 err) < 0)
		return -1;
	return 0;
}
