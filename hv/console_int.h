/* SPDX-License-Identifier: MIT */
/* console_int: what hv/console.c and hv/console_holder.c share, for them alone. */
#ifndef RVIRT_HV_CONSOLE_INT_H
#define RVIRT_HV_CONSOLE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Segments a listing looks at, at most (two are kept; more mean a race). */
#define CONSOLE_SEGMENTS_SCAN 16
/* How long a new holder waits for the last one to let go of the log. */
#define CONSOLE_LOCK_WAIT_MS 3000
#define CONSOLE_READY_WAIT_MS 5000

/* Milliseconds on clock clk. */
uint64_t console_now_ms(clockid_t clk);

/* buf = cdir/file: 0, or -1 when it does not fit. */
int console_path(const char *cdir, const char *file, char *buf, size_t size);

/* The segments of cdir's log, sorted, at most max: how many. */
size_t console_segments(const char *cdir, uint64_t *starts, size_t max);

/* The path of the segment that starts at offset start. */
void console_segment_name(const char *cdir, uint64_t start, char *buf,
			  size_t size);

/* The size of a file, -1 when it cannot be read. */
int64_t console_file_size(const char *path);

/*
 * Pass fd over the connected unix socket s (SCM_RIGHTS, with one byte):
 * 0, or -1 with errno.
 */
int console_fd_send(int s, int fd);

/* Receive the fd console_fd_send passed over s: it, or -1 (EPROTO). */
int console_fd_recv(int s);

#endif
