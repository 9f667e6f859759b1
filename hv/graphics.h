/* SPDX-License-Identifier: MIT */
/* graphics: where a QEMU domain's VNC display is (its unix socket). */
#ifndef RVIRT_HV_GRAPHICS_H
#define RVIRT_HV_GRAPHICS_H

#include <stddef.h>

#include "../common/err.h"

/*
 * The unix socket of the VNC server of the qemu domain (name, uuid):
 * <runtime_dir>/qemu/<name>.vnc, or <uuid>.vnc when the name makes the
 * path too long for a socket address.  The directory is made 0700 by
 * the driver, so only the daemon's user may connect.  0 with buf, or
 * -1 with *err.
 */
int graphics_vnc_path(const char *runtime_dir, const char *name,
		      const unsigned char *uuid, char *buf, size_t size,
		      struct rvirt_error *err);

#endif
