/* SPDX-License-Identifier: MIT */
/* domain_xml_int: what the domain_xml*.c and domain_def.c files share. */
#ifndef RVIRT_HV_DOMAIN_XML_INT_H
#define RVIRT_HV_DOMAIN_XML_INT_H

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "domain_xml.h"

/* libxml2's BAD_CAST drops const; every use here passes const strings. */
#define XC (const xmlChar *)

/* The names of the enums' values in the XML, indexed by value. */
extern const char *const domain_os_names[];
extern const char *const domain_placement_names[];
extern const char *const domain_action_names[];

/*
 * hv/domain_xml_read.c: *err says "invalid domain xml: " and the
 * formatted message (RVIRT_ERR_XML); returns -1.
 */
int domain_xml_fail(struct rvirt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse len bytes of xml into a tree with nothing fetched and no
 * DOCTYPE (so no entities); NULL with *err.
 */
xmlDocPtr domain_xml_read(const char *xml, size_t len, struct rvirt_error *err);

/* Insert a pin for a vcpu that has none, keeping the array sorted. */
int domain_def_add_pin(struct domain_def *def, unsigned int vcpu,
		       const struct cpuset *set, struct rvirt_error *err);

/*
 * <devices> (hv/domain_xml_devices.c): read into def (0, or -1 with
 * *err), and written back (0, or -1 when the writer failed).
 */
int domain_xml_devices(xmlNodePtr devices, struct domain_def *def,
		       struct rvirt_error *err);
int domain_xml_write_devices(xmlTextWriterPtr w, const struct domain_def *def);

#endif
