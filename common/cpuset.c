/* SPDX-License-Identifier: MIT */
/* cpuset: sets of host CPUs in libvirt's "0-3,^2,5" syntax. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpuset.h"
#include "err.h"

/* Error messages quote the input; keep them readable when it is huge. */
#define CPUSET_QUOTE_MAX 64

static bool
cpuset_isblank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool
cpuset_isdigit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int cpuset_fail(const char *text, struct rvirt_error *err,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
cpuset_fail(const char *text, struct rvirt_error *err, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strlen(text) > CPUSET_QUOTE_MAX)
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
			"invalid cpuset '%.*s...': %s", CPUSET_QUOTE_MAX, text,
			why);
	else
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
			"invalid cpuset '%s': %s", text, why);
	return -1;
}

/* A character as it may appear in a message: printable, or escaped. */
static const char *
cpuset_char(char ch, char *buf, size_t size)
{
	unsigned char u = (unsigned char)ch;

	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, size, "%c", ch);
	else
		snprintf(buf, size, "\\x%02x", u);
	return buf;
}

/*
 * Read a decimal CPU number at *pp.  Stops counting at the cap so that
 * a long string of digits can neither overflow nor loop long.
 */
static int
cpuset_number(const char *text, const char **pp, unsigned int ncpus,
	      unsigned int *out, struct rvirt_error *err)
{
	const char *p = *pp;
	unsigned long v = 0;
	char cbuf[8];
	bool big = false;

	if (!cpuset_isdigit(*p)) {
		if (*p == '\0' || *p == ',')
			return cpuset_fail(text, err,
					   "a cpu number is missing");
		if (cpuset_isblank(*p))
			return cpuset_fail(text, err,
					   "blanks are not allowed inside");
		return cpuset_fail(text, err,
				   "unexpected character '%s' where a cpu "
				   "number should be",
				   cpuset_char(*p, cbuf, sizeof(cbuf)));
	}
	for (; cpuset_isdigit(*p); p++) {
		if (!big) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v >= CPUSET_MAX_CPUS)
				big = true;
		}
	}
	if (big || v >= ncpus) {
		if (ncpus == CPUSET_MAX_CPUS)
			return cpuset_fail(text, err,
					   "cpu number out of range: the "
					   "limit is %d",
					   CPUSET_MAX_CPUS - 1);
		return cpuset_fail(text, err,
				   "cpu number out of range: the host has "
				   "cpus 0-%u",
				   ncpus - 1);
	}
	*out = (unsigned int)v;
	*pp = p;
	return 0;
}

int
cpuset_parse(const char *text, unsigned int ncpus, struct cpuset *out,
	     struct rvirt_error *err)
{
	struct cpuset set;
	const char *p = text, *end;
	char cbuf[8];

	if (ncpus == 0 || ncpus > CPUSET_MAX_CPUS)
		ncpus = CPUSET_MAX_CPUS;
	cpuset_clear(&set);
	while (cpuset_isblank(*p))
		p++;
	end = p + strlen(p);
	while (end > p && cpuset_isblank(end[-1]))
		end--;
	if (p == end)
		return cpuset_fail(text, err, "it is empty");

	for (;;) {
		unsigned int first, last;
		bool exclude = false;

		if (*p == '^') {
			exclude = true;
			p++;
		}
		if (cpuset_number(text, &p, ncpus, &first, err) < 0)
			return -1;
		last = first;
		if (*p == '-') {
			if (exclude)
				return cpuset_fail(text, err,
						   "an exclusion takes a "
						   "single cpu, not a range");
			p++;
			if (p == end || *p == ',')
				return cpuset_fail(text, err,
						   "range without an end");
			if (cpuset_number(text, &p, ncpus, &last, err) < 0)
				return -1;
			if (last < first)
				return cpuset_fail(text, err,
						   "reversed range %u-%u",
						   first, last);
		}
		for (unsigned int c = first; c <= last; c++) {
			if (exclude)
				set.bits[c / 64] &= ~(UINT64_C(1) << (c % 64));
			else
				cpuset_add(&set, c);
		}
		if (p == end)
			break;
		if (*p != ',') {
			if (cpuset_isblank(*p))
				return cpuset_fail(
					text, err,
					"blanks are not allowed inside");
			return cpuset_fail(text, err,
					   "unexpected character '%s' after "
					   "a cpu number",
					   cpuset_char(*p, cbuf, sizeof(cbuf)));
		}
		p++;
		if (p == end)
			return cpuset_fail(text, err,
					   "a cpu number is missing after the "
					   "last ','");
	}
	if (cpuset_count(&set) == 0)
		return cpuset_fail(text, err, "it selects no cpu");
	*out = set;
	return 0;
}

int
cpuset_format(const struct cpuset *set, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int c = 0;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	while (c < CPUSET_MAX_CPUS) {
		unsigned int first, last;
		int w;

		if (!cpuset_has(set, c)) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < CPUSET_MAX_CPUS && cpuset_has(set, c + 1))
			c++;
		last = c;
		c++;
		if (first == last)
			w = snprintf(buf + len, size - len, "%s%u",
				     len ? "," : "", first);
		else
			w = snprintf(buf + len, size - len, "%s%u-%u",
				     len ? "," : "", first, last);
		if (w < 0 || (size_t)w >= size - len)
			return -1;
		len += (size_t)w;
	}
	return 0;
}

void
cpuset_clear(struct cpuset *set)
{
	memset(set, 0, sizeof(*set));
}

void
cpuset_add(struct cpuset *set, unsigned int cpu)
{
	if (cpu < CPUSET_MAX_CPUS)
		set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool
cpuset_has(const struct cpuset *set, unsigned int cpu)
{
	if (cpu >= CPUSET_MAX_CPUS)
		return false;
	return (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned int
cpuset_count(const struct cpuset *set)
{
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		n += (unsigned int)__builtin_popcountll(set->bits[i]);
	return n;
}

int
cpuset_last(const struct cpuset *set)
{
	for (size_t i = sizeof(set->bits) / sizeof(set->bits[0]); i-- > 0;) {
		if (set->bits[i])
			return (int)(i * 64 + 63 -
				     (size_t)__builtin_clzll(set->bits[i]));
	}
	return -1;
}

int
cpuset_first_missing(const struct cpuset *set, const struct cpuset *within)
{
	for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++) {
		uint64_t out = set->bits[i] & ~within->bits[i];

		if (out)
			return (int)(i * 64 + (size_t)__builtin_ctzll(out));
	}
	return -1;
}

bool
cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

size_t
cpuset_to_bytes(const struct cpuset *set, unsigned char *buf, size_t size)
{
	int last = cpuset_last(set);
	size_t n = last < 0 ? 0 : (size_t)last / 8 + 1;

	if (n > size)
		n = size;
	memset(buf, 0, n);
	for (size_t b = 0; b < n; b++)
		for (unsigned int k = 0; k < 8; k++)
			if (cpuset_has(set, (unsigned int)(b * 8 + k)))
				buf[b] |= (unsigned char)(1u << k);
	return n;
}

int
cpuset_from_bytes(const unsigned char *buf, size_t len, struct cpuset *out)
{
	struct cpuset s;

	cpuset_clear(&s);
	for (size_t b = 0; b < len; b++) {
		if (!buf[b])
			continue;
		if (b >= CPUSET_MAX_CPUS / 8)
			return -1;
		for (unsigned int k = 0; k < 8; k++)
			if (buf[b] & (1u << k))
				cpuset_add(&s, (unsigned int)(b * 8 + k));
	}
	*out = s;
	return 0;
}
