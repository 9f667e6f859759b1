/* SPDX-License-Identifier: MIT */
/* version: rvirt's version, from the VERSION file at build time. */
#include <stddef.h>
#include <stdio.h>

#include "rvirt_version.h"
#include "version.h"

const char *
version_string(void)
{
	return RVIRT_VERSION_STRING;
}

uint64_t
version_number(void)
{
	return RVIRT_VERSION_NUMBER;
}

void
version_format(uint64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%llu.%llu.%llu", (unsigned long long)(v / 1000000),
		 (unsigned long long)(v / 1000 % 1000),
		 (unsigned long long)(v % 1000));
}
