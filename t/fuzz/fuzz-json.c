/* SPDX-License-Identifier: MIT */
/* fuzz-json: libFuzzer target for the JSON parser QMP replies go through. */
#include <stdint.h>
#include <stdlib.h>

#include "../../common/err.h"
#include "../../hv/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every node, as the QMP code reads them. */
static void
fuzz_json_walk(const struct json *j, unsigned int depth)
{
	long long v;

	if (!j || depth > 64)
		return;
	(void)json_type(j);
	(void)json_str(j);
	(void)json_int(j, -1000, 1000, &v);
	for (size_t i = 0; i < json_len(j); i++)
		fuzz_json_walk(json_at(j, i), depth + 1);
	fuzz_json_walk(json_get(j, "return"), depth + 1);
	fuzz_json_walk(json_get(j, "error"), depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct json *j;

	j = json_parse((const char *)data, size, &err);
	fuzz_json_walk(j, 0);
	json_free(j);
	return 0;
}
