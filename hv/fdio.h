/* SPDX-License-Identifier: MIT */
/*
 * fdio: write(2) a whole buffer, with no stdio and nothing but write:
 * async-signal-safe, for the process driver's children and rvirt-guest.
 * A header, since rvirt-guest links none of hv's other objects.
 */
#ifndef RVIRT_HV_FDIO_H
#define RVIRT_HV_FDIO_H

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

/* Write all of buf to fd, again after EINTR: 0, or -1 when it gave up. */
static inline int
fdio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
