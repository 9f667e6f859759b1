/* SPDX-License-Identifier: MIT */
/* fuzz-domain-xml: libFuzzer target for domain XML parsing and formatting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/err.h"
#include "../../hv/domain_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct domain_def *def, *again;
	char *in, *xml;

	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	def = domain_xml_parse(in, &err);
	if (def) {
		/* What it formats must parse again. */
		xml = domain_xml_format(def, 1, &err);
		if (!xml)
			abort();
		again = domain_xml_parse(xml, &err);
		if (!again)
			abort();
		domain_def_free(again);
		free(xml);
		domain_def_free(def);
	}
	free(in);
	return 0;
}
