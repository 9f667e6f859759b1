/* SPDX-License-Identifier: MIT */
/* expofmt: the two exposition formats, Prometheus text and OpenMetrics. */
#include <string.h>

#include "expofmt.h"

const char *
expofmt_content_type(enum expofmt_mode mode)
{
	return mode == EXPOFMT_OPENMETRICS ? EXPOFMT_OPENMETRICS_TYPE
					   : EXPOFMT_TEXT_TYPE;
}

/* Length of name without suffix, or of all of it when it has none. */
static int
expofmt_strip(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n > s && strcmp(name + n - s, suffix) == 0)
		n -= s;
	return (int)n;
}

void
expofmt_family(FILE *fp, enum expofmt_mode mode, const char *name,
	       const char *type, const char *unit, const char *help)
{
	int len = (int)strlen(name);

	if (mode != EXPOFMT_OPENMETRICS) {
		if (strcmp(type, "info") == 0)
			type = "gauge";
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			type);
		return;
	}
	if (strcmp(type, "counter") == 0)
		len = expofmt_strip(name, "_total");
	else if (strcmp(type, "info") == 0)
		len = expofmt_strip(name, "_info");
	fprintf(fp, "# TYPE %.*s %s\n", len, name, type);
	if (unit)
		fprintf(fp, "# UNIT %.*s %s\n", len, name, unit);
	fprintf(fp, "# HELP %.*s %s\n", len, name, help);
}

void
expofmt_le(enum expofmt_mode mode, double seconds, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%g", seconds);

	/* Canonical: a float always shows it is one ("1.0", not "1"). */
	if (mode == EXPOFMT_OPENMETRICS && n > 0 && (size_t)n + 2 < size &&
	    !strpbrk(buf, ".eEin"))
		memcpy(buf + n, ".0", 3);
}

void
expofmt_end(FILE *fp, enum expofmt_mode mode)
{
	if (mode == EXPOFMT_OPENMETRICS)
		fputs("# EOF\n", fp);
}
