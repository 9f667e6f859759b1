/* SPDX-License-Identifier: MIT */
/* qmp: a QEMU Machine Protocol client over a unix socket, with deadlines. */
#ifndef RVIRT_HV_QMP_H
#define RVIRT_HV_QMP_H

#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "json.h"

/*
 * QMP is newline-separated JSON: the server greets with {"QMP": ...},
 * the client must send {"execute": "qmp_capabilities"} before anything
 * else, and every command gets {"return": ...} or {"error": {"class",
 * "desc"}}; asynchronous {"event": ...} messages may come in between
 * and are skipped.  Every read and write has the deadline given at
 * connect; a line longer than JSON_TEXT_MAX ends the session.
 */

struct qmp;

/*
 * Connect to the monitor socket at path, retrying while it does not
 * exist yet (QEMU creates it during start-up), and negotiate.  The
 * whole connect, and later each command, must finish within timeout_ms.
 * Returns NULL with *err on failure.
 */
struct qmp *qmp_connect(const char *path, unsigned int timeout_ms,
			struct rvirt_error *err);

/* The same over a connected socket fd, which it takes over. */
struct qmp *qmp_open_fd(int fd, unsigned int timeout_ms,
			struct rvirt_error *err);

/* Close.  NULL is a no-op. */
void qmp_close(struct qmp *q);

/*
 * Execute cmd (a name such as "cont") with args, a JSON object text or
 * NULL.  *ret (when not NULL) gets the whole reply, {"return": ...},
 * the caller's to json_free.  An {"error"} reply is RVIRT_ERR_OPERATION_INVALID with
 * QEMU's description.  0, or -1 with *err.
 */
int qmp_command(struct qmp *q, const char *cmd, const char *args,
		struct json **ret, struct rvirt_error *err);

/*
 * The thread of each vCPU from query-cpus-fast: tids[i] for cpu-index
 * i < nvcpus (0 when QEMU reports none).  Returns how many were found,
 * or -1 with *err.
 */
int qmp_vcpu_tids(struct qmp *q, unsigned int nvcpus, pid_t *tids,
		  struct rvirt_error *err);

#endif
