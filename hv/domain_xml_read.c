/* SPDX-License-Identifier: MIT */
/* domain_xml_read: libxml2 set up to read a domain definition safely. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "domain_xml_int.h"

/* What one parse learns besides the tree. */
struct domain_xml_state {
	bool doctype;	 /* a DOCTYPE was seen: refused */
	bool have_error; /* message holds libxml2's first error */
	char message[256];
};

int
domain_xml_fail(struct rvirt_error *err, const char *fmt, ...)
{
	char msg[RVIRT_ERROR_MESSAGE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(err, RVIRT_ERR_XML, RVIRT_FROM_XML, "invalid domain xml: %s",
		msg);
	return -1;
}

/* ---------------------------------------------------------------- */
/* libxml2 hooks                                                     */
/* ---------------------------------------------------------------- */

/* libxml2 calls this with the parser context as its user data. */
static void
domain_xml_on_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr pc = ctx;
	struct domain_xml_state *s = pc ? pc->_private : NULL;
	size_t len;

	if (!s || !e || s->have_error || e->level < XML_ERR_ERROR)
		return;
	snprintf(s->message, sizeof(s->message), "line %d: %s", e->line,
		 e->message ? e->message : "unknown error");
	len = strlen(s->message);
	while (len > 0 &&
	       (s->message[len - 1] == '\n' || s->message[len - 1] == ' '))
		s->message[--len] = '\0';
	s->have_error = true;
}

/*
 * Called when "<!DOCTYPE name" has been read and before its internal
 * subset: stopping here means no entity is ever declared.
 */
static void
domain_xml_on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
		      const xmlChar *sys_id)
{
	xmlParserCtxtPtr pc = ctx;
	struct domain_xml_state *s = pc->_private;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	s->doctype = true;
	xmlStopParser(pc);
}

xmlDocPtr
domain_xml_read(const char *xml, size_t len, struct rvirt_error *err)
{
	struct domain_xml_state state;
	xmlParserCtxtPtr pc;
	xmlDocPtr doc = NULL;

	memset(&state, 0, sizeof(state));
	pc = xmlNewParserCtxt();
	if (!pc) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
			"cannot parse domain xml: out of memory");
		return NULL;
	}
	pc->_private = &state;
	pc->sax->internalSubset = domain_xml_on_doctype;
	pc->sax->externalSubset = domain_xml_on_doctype;
	pc->sax->serror = domain_xml_on_error;
	pc->sax->error = NULL;
	pc->sax->warning = NULL;
	/* NONET and no NOENT/DTDLOAD/DTDATTR/XINCLUDE: nothing is fetched. */
	doc = xmlCtxtReadMemory(pc, xml, (int)len, "domain.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (state.doctype) {
		domain_xml_fail(err, "a DOCTYPE is not allowed (no DTDs, no "
				     "entities)");
		goto fail;
	}
	if (!doc || !pc->wellFormed) {
		if (state.have_error)
			domain_xml_fail(err, "%s", state.message);
		else
			domain_xml_fail(err, "not well-formed");
		goto fail;
	}
	if (doc->intSubset || doc->extSubset) {
		domain_xml_fail(err, "a DOCTYPE is not allowed (no DTDs, no "
				     "entities)");
		goto fail;
	}
	xmlFreeParserCtxt(pc);
	return doc;
fail:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pc);
	return NULL;
}
