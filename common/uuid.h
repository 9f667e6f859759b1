/* SPDX-License-Identifier: MIT */
/* uuid: random version-4 UUIDs, their text form, and random bytes. */
#ifndef RVIRT_COMMON_UUID_H
#define RVIRT_COMMON_UUID_H

#include <stddef.h>

#define UUID_BUFLEN 16
#define UUID_STRLEN 36 /* without the NUL */

/* Fill buf with len bytes from the kernel CSPRNG (getrandom); 0 or -1. */
int random_bytes(void *buf, size_t len);

/* A random (version 4) UUID; 0 or -1 (errno from getrandom). */
int uuid_generate(unsigned char *uuid);

/* Format as lowercase "8-4-4-4-12" into out[UUID_STRLEN + 1]. */
void uuid_format(const unsigned char *uuid, char *out);

/*
 * Parse 32 hex digits, with or without the four dashes at the standard
 * places, surrounding blanks refused.  0, or -1 when malformed.
 */
int uuid_parse(const char *s, unsigned char *uuid);

#endif
