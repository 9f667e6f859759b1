/* SPDX-License-Identifier: MIT */
/* cpuset: sets of host CPUs in libvirt's "0-3,^2,5" syntax. */
#ifndef RVIRT_COMMON_CPUSET_H
#define RVIRT_COMMON_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvirt_defs.h"

/* The absolute cap: CPU numbers are 0 .. CPUSET_MAX_CPUS - 1. */
#define CPUSET_MAX_CPUS 4096

/*
 * Longest canonical text: every other CPU alone ("0,2,4,...,4094") is
 * the worst case, under 5 bytes per CPU.  Buffers for cpuset_format of
 * this size never truncate.
 */
#define CPUSET_FORMAT_MAX (CPUSET_MAX_CPUS * 5 / 2 + 16)

/* Plain data (no pointers): copy it, store it, compare it with memcmp. */
struct cpuset {
	uint64_t bits[CPUSET_MAX_CPUS / 64];
};

/*
 * Parse text into *out.  The syntax is libvirt's: a comma-separated list
 * of items, each a CPU number "N", a range "N-M" (N <= M) or an
 * exclusion "^N"; items apply left to right, so "0-3,^2" is {0,1,3}.
 * Blanks are allowed before the first and after the last item, nowhere
 * else.  Numbers are decimal.  ncpus is the number of CPUs the set may
 * name (0..ncpus-1; the host's count when checking against a host),
 * 0 meaning CPUSET_MAX_CPUS.  An empty result is an error.
 * Returns 0, or -1 with *err (RVIRT_ERR_INVALID_CPUSET); *out is
 * written only on success.
 */
int cpuset_parse(const char *text, unsigned int ncpus, struct cpuset *out,
		 struct rvirt_error *err);

/*
 * Write the canonical text ("0-1,5": ascending, ranges for runs of two
 * or more) into buf.  Returns 0, or -1 when it does not fit in size
 * (buf then holds a truncated string; CPUSET_FORMAT_MAX always fits).
 */
int cpuset_format(const struct cpuset *set, char *buf, size_t size);

void cpuset_clear(struct cpuset *set);
void cpuset_add(struct cpuset *set, unsigned int cpu); /* cpu < the cap */
bool cpuset_has(const struct cpuset *set, unsigned int cpu);
unsigned int cpuset_count(const struct cpuset *set);
/* The highest CPU in set, or -1 when it is empty. */
int cpuset_last(const struct cpuset *set);
/* The lowest CPU of set that is not in within, or -1 when set <= within. */
int cpuset_first_missing(const struct cpuset *set, const struct cpuset *within);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);

/*
 * The wire and kernel form: a bitmap, CPU n in bit n % 8 of byte n / 8
 * (libvirt's cpumap layout).  cpuset_to_bytes writes the shortest map
 * that holds set (at most size bytes; higher CPUs are cut off) and
 * returns its length, 0 for an empty set.  cpuset_from_bytes fails
 * (-1) when the map names a CPU at or above CPUSET_MAX_CPUS; trailing
 * zero bytes are fine.
 */
size_t cpuset_to_bytes(const struct cpuset *set, unsigned char *buf,
		       size_t size);
int cpuset_from_bytes(const unsigned char *buf, size_t len, struct cpuset *out);

#endif
