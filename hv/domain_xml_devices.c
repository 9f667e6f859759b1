/* SPDX-License-Identifier: MIT */
/* domain_xml_devices: the <devices> a domain may have (a VNC display). */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "domain_xml_int.h"

/*
 * Of libvirt's <devices>, rvirt knows <graphics type='vnc'/>: the qemu
 * driver gives such a domain a VGA card and a VNC server on a unix
 * socket of its own (doc/console.md "VNC").  Its attributes other than
 * type (port, listen, passwd, ...) are ignored: the display is reached
 * only through rvirtd.  Other graphics types are refused rather than
 * silently dropped; every other device is ignored, as unknown
 * elements are (doc/domain-xml.md).
 */

int
domain_xml_devices(xmlNodePtr devices, struct domain_def *def,
		   struct rvirt_error *err)
{
	for (xmlNodePtr n = devices->children; n; n = n->next) {
		xmlChar *type;
		bool vnc;

		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "graphics") != 0)
			continue;
		type = xmlGetNoNsProp(n, XC "type");
		vnc = type && strcmp((const char *)type, "vnc") == 0;
		if (!vnc) {
			err_set(err, RVIRT_ERR_XML, RVIRT_FROM_XML,
				"invalid domain xml: <graphics>: type '%.64s' "
				"is not supported (only vnc)",
				type ? (const char *)type : "");
			xmlFree(type);
			return -1;
		}
		xmlFree(type);
		if (def->graphics_vnc) {
			err_set(err, RVIRT_ERR_XML, RVIRT_FROM_XML,
				"invalid domain xml: element <graphics> "
				"appears twice");
			return -1;
		}
		def->graphics_vnc = true;
	}
	return 0;
}

int
domain_xml_write_devices(xmlTextWriterPtr w, const struct domain_def *def)
{
	if (!def->graphics_vnc)
		return 0;
	if (xmlTextWriterStartElement(w, XC "devices") < 0 ||
	    xmlTextWriterStartElement(w, XC "graphics") < 0 ||
	    xmlTextWriterWriteAttribute(w, XC "type", XC "vnc") < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}
