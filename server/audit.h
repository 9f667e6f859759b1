/* SPDX-License-Identifier: MIT */
/* audit: the audit trail of mutating calls (audit_log, rvirtd.conf(5)). */
#ifndef RVIRT_SERVER_AUDIT_H
#define RVIRT_SERVER_AUDIT_H

#include "../common/rvirt_defs.h"
#include "dispatch.h"

/*
 * Record a mutating call after the dispatcher ran it: who (the
 * session's identity), from where, the procedure, the domain (name and
 * uuid, from the result when it names one, else from the arguments),
 * and the outcome (rc 0: ok, else err's code and message), marked
 * "replay" when answered from its recorded reply.  Goes to log_audit.
 */
void audit_call(const struct proc_entry *pe, const struct call *call,
		const void *args, const void *ret, int rc,
		const struct rvirt_error *err);

#endif
