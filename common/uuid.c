/* SPDX-License-Identifier: MIT */
/* uuid: random version-4 UUIDs, their text form, and random bytes. */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "uuid.h"

int
random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
uuid_generate(unsigned char *uuid)
{
	if (random_bytes(uuid, UUID_BUFLEN) < 0)
		return -1;
	uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);
	return 0;
}

void
uuid_format(const unsigned char *uuid, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < UUID_BUFLEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 0x0f];
	}
	out[o] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
uuid_parse(const char *s, unsigned char *uuid)
{
	unsigned char tmp[UUID_BUFLEN];
	size_t i, pos = 0;
	int dashes = -1; /* unknown until the first separator place */

	for (i = 0; i < UUID_BUFLEN; i++) {
		int hi, lo;

		if (i == 4 || i == 6 || i == 8 || i == 10) {
			int dash = s[pos] == '-';

			if (dashes < 0)
				dashes = dash;
			else if (dashes != dash)
				return -1;
			pos += (size_t)dash;
		}
		hi = hexval(s[pos]);
		if (hi < 0)
			return -1;
		lo = hexval(s[pos + 1]);
		if (lo < 0)
			return -1;
		tmp[i] = (unsigned char)(hi << 4 | lo);
		pos += 2;
	}
	if (s[pos] != '\0')
		return -1;
	for (i = 0; i < UUID_BUFLEN; i++)
		uuid[i] = tmp[i];
	return 0;
}
