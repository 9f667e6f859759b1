/* SPDX-License-Identifier: MIT */
/* console_park: a CONSOLE_READ that waits for output without holding the worker. */
#ifndef RVIRT_SERVER_CONSOLE_PARK_H
#define RVIRT_SERVER_CONSOLE_PARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A CONSOLE_READ that finds no output and may wait is parked: its
 * reply is not sent, its connection reads nothing more (one call at a
 * time), and the worker watches an inotify descriptor on the console's
 * directory.  When the log grows (or the holder goes, or the wait
 * ends) the worker runs the saved call record again, as if it had just
 * arrived, and sends that reply.  The call is a read, so running it
 * again is harmless; a worker holds no more than the record per parked
 * call.
 *
 * The engine (server/conn.c) brackets every call with
 * console_park_call_begin/_end; a handler asks for parking with
 * console_park_want.  One worker runs one call at a time, so the state
 * between the two is the worker's own.
 */
struct console_park;

/*
 * A call begins: p is the connection's park when the call is a parked
 * one run again (its deadline holds), NULL for a new call.
 */
void console_park_call_begin(const struct console_park *p, uint64_t now_ms);

/*
 * From a handler: park this call until dir changes or wait_ms pass
 * (counted from the first run).  1: parked (the handler returns an
 * error, which is not sent); 0: the wait is over, reply now.
 */
int console_park_want(const char *dir, unsigned int wait_ms);

/*
 * What a handler returns once console_park_want said 1: -1 with a
 * placeholder error, which the engine never sends.
 */
int proc_console_parked(struct rvirt_error *err);

/*
 * The call ended.  When the handler parked it, keep rec (copied, when
 * *pp is new) in *pp and return 1; else free *pp (set to NULL) and
 * return 0.  -1 when parking failed (out of memory, no inotify): the
 * caller closes the connection.
 */
int console_park_call_end(struct console_park **pp, const unsigned char *rec,
			  size_t len);

/* The saved record of a parked call. */
const unsigned char *console_park_record(const struct console_park *p,
					 size_t *len);

/* The descriptor to watch (readable: the directory changed). */
int console_park_fd(const struct console_park *p);

/* When to run it again at the latest (CLOCK_MONOTONIC_COARSE ms). */
uint64_t console_park_deadline(const struct console_park *p);

/* Read what the descriptor has; before a run again. */
void console_park_drain(struct console_park *p);

void console_park_free(struct console_park *p);

#endif
