/* SPDX-License-Identifier: MIT */
/* fuzz-config: libFuzzer target for the rvirtd.conf parser (libconfig). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../common/err.h"
#include "../../server/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_config_path[CONFIG_PATH_MAX];

static void
fuzz_config_cleanup(void)
{
	unlink(fuzz_config_path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct config *cfg;
	FILE *f;
	int fd;

	/* config_load reads a file: one per process, rewritten each run. */
	if (!fuzz_config_path[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_config_path, sizeof(fuzz_config_path),
			 "%s/rvirt-fuzz-config.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		fd = mkstemp(fuzz_config_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(fuzz_config_cleanup);
	}
	f = fopen(fuzz_config_path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 0;
	config_init_defaults(cfg);
	(void)config_load(cfg, fuzz_config_path, &err);
	free(cfg);
	return 0;
}
