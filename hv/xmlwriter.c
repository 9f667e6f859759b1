/* SPDX-License-Identifier: MIT */
/* xmlwriter: the libxml2 text writer into memory that rvirt's XML uses. */
#include <stdlib.h>
#include <string.h>

#include "xmlwriter.h"

xmlTextWriterPtr
xmlwriter_new(xmlBufferPtr *buf)
{
	xmlTextWriterPtr w;

	*buf = xmlBufferCreate();
	if (!*buf)
		return NULL;
	w = xmlNewTextWriterMemory(*buf, 0);
	if (!w) {
		xmlBufferFree(*buf);
		*buf = NULL;
		return NULL;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, (const xmlChar *)"  ");
	return w;
}

int
xmlwriter_finish(xmlTextWriterPtr w, xmlBufferPtr buf, int rc, char **out)
{
	char *text = NULL;

	if (rc == 0 && xmlTextWriterFlush(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w);
	if (rc == 0)
		text = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	if (rc < 0)
		return -1;
	if (!text)
		return -2;
	*out = text;
	return 0;
}
