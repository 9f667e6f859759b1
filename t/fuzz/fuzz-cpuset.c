/* SPDX-License-Identifier: MIT */
/* fuzz-cpuset: libFuzzer target for cpuset_parse and its round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cpuset.h"
#include "../../common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct cpuset set, again;
	char text[CPUSET_FORMAT_MAX], *in;
	unsigned int ncpus = 0;

	/* The first byte picks the host size: 0 means the cap. */
	if (size > 0) {
		ncpus = data[0];
		data++;
		size--;
	}
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (cpuset_parse(in, ncpus, &set, &err) == 0) {
		/* What it formats must parse back to the same set. */
		if (cpuset_format(&set, text, sizeof(text)) < 0 ||
		    cpuset_parse(text, ncpus, &again, &err) < 0 ||
		    !cpuset_equal(&set, &again))
			abort();
	}
	free(in);
	return 0;
}
