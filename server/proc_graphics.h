/* SPDX-License-Identifier: MIT */
/* proc_graphics: the graphics (VNC) stream procedures, GRAPHICS_OPEN to _CLOSE. */
#ifndef RVIRT_SERVER_PROC_GRAPHICS_H
#define RVIRT_SERVER_PROC_GRAPHICS_H

#include "rvirt_protocol.h"

#include "dispatch.h"

int proc_graphics_open(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_graphics_read(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_graphics_write(struct call *call, void *args, void *ret,
			struct rvirt_error *err);
int proc_graphics_close(struct call *call, void *args, void *ret,
			struct rvirt_error *err);

/*
 * The body of GRAPHICS_READ: read what the VNC server sent into ret
 * without blocking.  1 when nothing came and the stream is open (the
 * call may wait), 0 done, -1 with *err.  Also run for a parked read
 * (server/evpark.c).
 */
int proc_graphics_read_at(struct session_state *sess,
			  const struct rvirt_graphics_read_args *args,
			  struct rvirt_graphics_read_ret *ret,
			  struct rvirt_error *err);

/* The connection of sess ends: close its streams. */
void proc_graphics_release(struct session_state *sess);

#endif
