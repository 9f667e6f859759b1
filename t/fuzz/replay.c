/* SPDX-License-Identifier: MIT */
/* replay: runs a fuzz target's inputs once each, without libFuzzer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * usage: NAME-replay FILE...
 * Built with the ordinary compiler (make check, and the sanitizer
 * tree) from the same target source, so committed seeds and crash
 * inputs are replayed by t/1003-fuzz-replay.t.  A crash is the test's
 * failure; prints "replayed N".
 */
int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		unsigned char *buf;
		long len;

		if (!f) {
			fprintf(stderr, "replay: cannot open '%s': %s\n",
				argv[i], strerror(errno));
			return 2;
		}
		if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) < 0) {
			fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
			fclose(f);
			return 2;
		}
		buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
			free(buf);
			fclose(f);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	printf("replayed %d\n", n);
	return 0;
}
