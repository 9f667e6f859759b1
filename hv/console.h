/* SPDX-License-Identifier: MIT */
/* console: domain serial consoles held by a process of their own, and their logs. */
#ifndef RVIRT_HV_CONSOLE_H
#define RVIRT_HV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"

/*
 * A process domain's stdin and stdout are the slave of a pty.  Its
 * master is held by a console holder: a small process of its own
 * (double-forked, a session of its own, like the domain), started just
 * before the domain, which lives exactly as long as the pty has a
 * slave open, that is as long as the domain (and what it started).
 * A worker's death or a restart of rvirtd does not touch it.
 *
 * Everything of one console lives in its directory, CDIR =
 * <runtime_dir>/<driver>/console/<uuid>:
 *   log.<16 hex digits>  the output, in segments named by the offset of
 *                        their first byte in the console's whole
 *                        output; at most two segments of
 *                        CONSOLE_SEGMENT_MAX bytes are kept
 *   sock                 the holder's unix socket: whoever connects
 *                        gets the pty master by SCM_RIGHTS, to write
 *                        keystrokes into (only while the holder runs)
 *   owner                who may write (console_claim)
 *   lock                 flock'd by the running holder
 * Offsets are those of the whole output since the console was first
 * made, so that a reader resumes where it was after any restart.
 */

/* A segment of the log is closed at this size: the log keeps <= 2. */
#define CONSOLE_SEGMENT_MAX (512 * 1024)
/* A writer that did not read or write for this long may be replaced. */
#define CONSOLE_LEASE_MS 15000
#define CONSOLE_ID_LEN 16

/* CDIR for a domain of driver dir ddir (<runtime_dir>/<driver>). */
int console_dir(const char *ddir, const unsigned char *uuid, char *buf,
		size_t size, struct rvirt_error *err);

/*
 * Make cdir and a pty, start its holder, and return the open slave in
 * *slave_fd and its path in tty (for the domain to open): the caller
 * closes *slave_fd once the domain runs (or failed to start); the
 * holder ends when no slave is left open.  The holder also appends the
 * output to copy_path (the domain's log, where its stdout went before
 * it had a console), when not NULL.  0, or -1 with *err.
 */
int console_holder_start(const char *cdir, const char *copy_path, char *tty,
			 size_t ttysize, int *slave_fd,
			 struct rvirt_error *err);

struct procdom_launch;
struct procdom_proc;

/*
 * Start the console holder of domain uuid (its directory below ddir,
 * the output also appended to log), then procdom_spawn l with the
 * holder's pty as the guest's stdin and stdout: 0, or -1 with *err.
 * What the process and QEMU drivers do to start a guest.
 */
int console_spawn(const char *ddir, const unsigned char *uuid, const char *log,
		  struct procdom_launch *l, struct procdom_proc *out,
		  struct rvirt_error *err);

/*
 * The holder program's work (hv/holder_main.c, rvirt-console-holder):
 * log master's output into cdir until no slave is left, hand master to
 * writers; one byte on ready_w once serving.  copy_fd -1: no copy.
 * Never returns.
 */
_Noreturn void console_holder_run(const char *cdir, int master, int ready_w,
				  int copy_fd);

/* Whether the console's holder runs (its socket is there). */
bool console_running(const char *cdir);

/* What a read found. */
struct console_chunk {
	uint64_t offset; /* where the bytes start: >= the offset asked for
			    when the log no longer holds what was asked */
	size_t len;	 /* bytes in the buffer */
	uint64_t start;	 /* the oldest offset the log holds */
	uint64_t end;	 /* the offset after the last byte written */
};

/*
 * Read at most max bytes from offset into buf.  Nothing read (len 0)
 * at the end of the output.  0, or -1 with *err.
 */
int console_log_read(const char *cdir, uint64_t offset, void *buf, size_t max,
		     struct console_chunk *out, struct rvirt_error *err);

/*
 * Become the console's writer with the id given: refused with
 * RVIRT_ERR_CONSOLE_BUSY while another writer's lease runs, unless
 * force.  0, or -1 with *err.
 */
int console_claim(const char *cdir, const unsigned char *id, bool force,
		  struct rvirt_error *err);

/*
 * Whether id is still the writer (RVIRT_ERR_CONSOLE_TAKEN when another
 * took over); renews its lease.  0, or -1 with *err.
 */
int console_check_owner(const char *cdir, const unsigned char *id,
			struct rvirt_error *err);

/* Give up the writer's place when id holds it (else nothing). */
int console_release(const char *cdir, const unsigned char *id,
		    struct rvirt_error *err);

/*
 * Write len bytes into the console as typed, without blocking: *done
 * gets how many the pty took (0 when its input queue is full: the
 * guest does not read).  0, or -1 with *err.
 */
int console_write(const char *cdir, const void *data, size_t len, size_t *done,
		  struct rvirt_error *err);

#endif
