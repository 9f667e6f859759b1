/* SPDX-License-Identifier: MIT */
/* expofmt: the two exposition formats, Prometheus text and OpenMetrics. */
#ifndef RVIRT_SCOREBOARD_EXPOFMT_H
#define RVIRT_SCOREBOARD_EXPOFMT_H

#include <stddef.h>
#include <stdio.h>

/*
 * One formatter writes both; the mode changes only the metadata lines,
 * the le labels and the end (doc/metrics.md, "Formats"):
 *   EXPOFMT_TEXT         Prometheus text 0.0.4;
 *   EXPOFMT_OPENMETRICS  OpenMetrics 1.0.0: # TYPE and # HELP name the
 *			  family (a counter without its _total, an info
 *			  without its _info), # UNIT where one is declared,
 *			  le values as canonical floats, # EOF at the end.
 */
enum expofmt_mode {
	EXPOFMT_TEXT = 0,
	EXPOFMT_OPENMETRICS = 1,
};

#define EXPOFMT_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPOFMT_OPENMETRICS_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* The Content-Type of an answer in mode. */
const char *expofmt_content_type(enum expofmt_mode mode);

/*
 * The metadata of a family whose samples are named name (a counter's
 * with _total, an info's with _info).  type is "counter", "gauge",
 * "histogram" or "info" (a gauge in the text format); unit is NULL or
 * the unit name ends with ("seconds", "bytes").  help is plain ASCII
 * without backslashes, quotes or newlines.
 */
void expofmt_family(FILE *fp, enum expofmt_mode mode, const char *name,
		    const char *type, const char *unit, const char *help);

/*
 * The value of an le label for the bucket bound seconds: "%g" in the
 * text format ("1e-05", "1"), a canonical float in OpenMetrics
 * ("1e-05", "1.0").
 */
void expofmt_le(enum expofmt_mode mode, double seconds, char *buf, size_t size);

/* The end of the exposition: "# EOF" in OpenMetrics, nothing in text. */
void expofmt_end(FILE *fp, enum expofmt_mode mode);

#endif
