/* SPDX-License-Identifier: MIT */
/* graphics: where a QEMU domain's VNC display is (its unix socket). */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "../common/uuid.h"
#include "graphics.h"

int
graphics_vnc_path(const char *runtime_dir, const char *name,
		  const unsigned char *uuid, char *buf, size_t size,
		  struct rvirt_error *err)
{
	struct sockaddr_un sa;
	size_t max = sizeof(sa.sun_path) < size ? sizeof(sa.sun_path) : size;
	char u[UUID_STRLEN + 1];
	int n = -1;

	/* As procdrv_file names the QMP socket: the name, else the uuid. */
	if (strlen(name) + 4 <= 255)
		n = snprintf(buf, size, "%s/qemu/%s.vnc", runtime_dir, name);
	if (n < 0 || (size_t)n >= max) {
		uuid_format(uuid, u);
		n = snprintf(buf, size, "%s/qemu/%s.vnc", runtime_dir, u);
	}
	if (n < 0 || (size_t)n >= max) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"path of the vnc socket of domain '%s' in "
			"'%.64s/qemu' is too long",
			name, runtime_dir);
		return -1;
	}
	return 0;
}
