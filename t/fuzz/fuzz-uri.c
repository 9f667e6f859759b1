/* SPDX-License-Identifier: MIT */
/* fuzz-uri: libFuzzer target for the client's connection URI parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/uri.h"
#include "../../common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_uri_quiet(const char *msg)
{
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct uri *uri;
	char *in, *name;

	uri_set_warn_handler(fuzz_uri_quiet);
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	uri = uri_parse(in, &err);
	if (uri) {
		name = uri_open_name(uri);
		free(name);
		(void)uri_transport_name(uri->transport);
		uri_free(uri);
	}
	free(in);
	return 0;
}
