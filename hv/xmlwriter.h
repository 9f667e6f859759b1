/* SPDX-License-Identifier: MIT */
/* xmlwriter: the libxml2 text writer into memory that rvirt's XML uses. */
#ifndef RVIRT_HV_XMLWRITER_H
#define RVIRT_HV_XMLWRITER_H

#include <libxml/xmlwriter.h>

/*
 * A text writer into a new memory buffer (*buf), indented by two
 * spaces.  NULL when out of memory (nothing to free then).
 */
xmlTextWriterPtr xmlwriter_new(xmlBufferPtr *buf);

/*
 * Flush and free w and buf.  rc is what writing through w returned:
 * when it is 0 and the flush works, *out is a copy of the text (the
 * caller frees it) and 0 is returned.  -1 when rc or the flush failed,
 * -2 when out of memory; *out is written only on success.
 */
int xmlwriter_finish(xmlTextWriterPtr w, xmlBufferPtr buf, int rc, char **out);

#endif
