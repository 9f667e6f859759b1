/* SPDX-License-Identifier: MIT */
/* version: rvirt's version, from the VERSION file at build time. */
#ifndef RVIRT_COMMON_VERSION_H
#define RVIRT_COMMON_VERSION_H

#include <stddef.h>
#include <stdint.h>

/* "MAJOR.MINOR.MICRO", a static string. */
const char *version_string(void);

/* major * 1000000 + minor * 1000 + micro, as on the wire. */
uint64_t version_number(void);

/* Format a wire version number as "MAJOR.MINOR.MICRO" into buf. */
void version_format(uint64_t v, char *buf, size_t size);

#endif
