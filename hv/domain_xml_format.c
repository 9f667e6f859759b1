/* SPDX-License-Identifier: MIT */
/* domain_xml_format: a definition back into domain XML. */
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
#include "xmlwriter.h"

/* ---------------------------------------------------------------- */
/* Formatting                                                        */
/* ---------------------------------------------------------------- */

static int
domain_xml_write_text(xmlTextWriterPtr w, const char *elem, const char *text)
{
	if (!text)
		return 0;
	return xmlTextWriterWriteElement(w, XC elem, XC text) < 0 ? -1 : 0;
}

static int
domain_xml_write_memory(xmlTextWriterPtr w, const char *elem, uint64_t kib)
{
	if (xmlTextWriterStartElement(w, XC elem) < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "unit", XC "KiB") < 0 ||
	    xmlTextWriterWriteFormatString(w, "%llu", (unsigned long long)kib) <
		    0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
domain_xml_write_pin(xmlTextWriterPtr w, const char *elem, int vcpu,
		     const struct cpuset *set)
{
	char text[CPUSET_FORMAT_MAX];

	if (cpuset_format(set, text, sizeof(text)) < 0 ||
	    xmlTextWriterStartElement(w, XC elem) < 0)
		return -1;
	if (vcpu >= 0 &&
	    xmlTextWriterWriteFormatAttribute(w, XC "vcpu", "%d", vcpu) < 0)
		return -1;
	if (xmlTextWriterWriteAttribute(w, XC "cpuset", XC text) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
domain_xml_write_cputune(xmlTextWriterPtr w, const struct domain_def *def)
{
	if (def->nvcpupins == 0 && !def->has_emulatorpin)
		return 0;
	if (xmlTextWriterStartElement(w, XC "cputune") < 0)
		return -1;
	for (size_t i = 0; i < def->nvcpupins; i++)
		if (domain_xml_write_pin(w, "vcpupin",
					 (int)def->vcpupins[i].vcpu,
					 &def->vcpupins[i].set) < 0)
			return -1;
	if (def->has_emulatorpin &&
	    domain_xml_write_pin(w, "emulatorpin", -1, &def->emulatorpin) < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int
domain_xml_write(xmlTextWriterPtr w, const struct domain_def *def, int id)
{
	char uuid[UUID_STRLEN + 1];
	char cpuset[CPUSET_FORMAT_MAX];

	uuid_format(def->uuid, uuid);
	if (xmlTextWriterStartElement(w, XC "domain") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "type",
					XC domain_xml_type_name(def->type)) < 0)
		return -1;
	if (id >= 0 &&
	    xmlTextWriterWriteFormatAttribute(w, XC "id", "%d", id) < 0)
		return -1;
	if (domain_xml_write_text(w, "name", def->name) < 0 ||
	    domain_xml_write_text(w, "uuid", uuid) < 0 ||
	    domain_xml_write_text(w, "title", def->title) < 0 ||
	    domain_xml_write_text(w, "description", def->description) < 0 ||
	    domain_xml_write_memory(w, "memory", def->memory_kib) < 0 ||
	    domain_xml_write_memory(w, "currentMemory",
				    def->current_memory_kib) < 0)
		return -1;

	if (xmlTextWriterStartElement(w, XC "vcpu") < 0 ||
	    xmlTextWriterWriteAttribute(
		    w, XC "placement",
		    XC domain_placement_names[def->placement]) < 0)
		return -1;
	if (def->has_cpuset) {
		if (cpuset_format(&def->cpuset, cpuset, sizeof(cpuset)) < 0 ||
		    xmlTextWriterWriteAttribute(w, XC "cpuset", XC cpuset) < 0)
			return -1;
	}
	if (xmlTextWriterWriteFormatString(w, "%u", def->vcpus) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	if (domain_xml_write_cputune(w, def) < 0)
		return -1;

	if (xmlTextWriterStartElement(w, XC "os") < 0 ||
	    domain_xml_write_text(w, "type", domain_os_names[def->os_type]) <
		    0 ||
	    domain_xml_write_text(w, "loader", def->os_loader) < 0 ||
	    domain_xml_write_text(w, "kernel", def->os_kernel) < 0 ||
	    domain_xml_write_text(w, "cmdline", def->os_cmdline) < 0 ||
	    domain_xml_write_text(w, "init", def->os_init) < 0)
		return -1;
	for (size_t i = 0; i < def->nos_initargs; i++)
		if (domain_xml_write_text(w, "initarg", def->os_initargs[i]) <
		    0)
			return -1;
	if (xmlTextWriterEndElement(w) < 0)
		return -1;

	if (domain_xml_write_text(w, "on_poweroff",
				  domain_action_names[def->on_poweroff]) < 0 ||
	    domain_xml_write_text(w, "on_reboot",
				  domain_action_names[def->on_reboot]) < 0 ||
	    domain_xml_write_text(w, "on_crash",
				  domain_action_names[def->on_crash]) < 0 ||
	    domain_xml_write_devices(w, def) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

char *
domain_xml_format(const struct domain_def *def, int id, struct rvirt_error *err)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	char *out;
	int rc;

	w = xmlwriter_new(&buf);
	if (!w)
		goto oom;
	rc = xmlwriter_finish(w, buf, domain_xml_write(w, def, id), &out);
	if (rc == -1) {
		err_set(err, RVIRT_ERR_XML, RVIRT_FROM_XML,
			"cannot format the xml of domain '%s'", def->name);
		return NULL;
	}
	if (rc < 0)
		goto oom;
	return out;
oom:
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
		"cannot format the xml of domain '%s': out of memory",
		def->name);
	return NULL;
}
