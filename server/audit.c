/* SPDX-License-Identifier: MIT */
/* audit: the audit trail of mutating calls (audit_log, rvirtd.conf(5)). */
#include <stdio.h>
#include <string.h>

#include "rvirt_protocol.h"

#include "../common/log.h"
#include "../common/uuid.h"
#include "audit.h"
#include "auth.h"

/* The domain a call's arguments name, NULL for other arguments. */
static const rvirt_wire_domain *
audit_args_domain(uint32_t proc, const void *args)
{
	switch (proc) {
	case RVIRT_PROC_DOMAIN_UNDEFINE:
	case RVIRT_PROC_DOMAIN_CREATE:
	case RVIRT_PROC_DOMAIN_DESTROY:
	case RVIRT_PROC_DOMAIN_SHUTDOWN:
	case RVIRT_PROC_DOMAIN_REBOOT:
	case RVIRT_PROC_DOMAIN_SUSPEND:
	case RVIRT_PROC_DOMAIN_RESUME:
		return &((const rvirt_domain_args *)args)->dom;
	case RVIRT_PROC_DOMAIN_PIN_VCPU:
		return &((const rvirt_pin_vcpu_args *)args)->dom;
	case RVIRT_PROC_DOMAIN_PIN_EMULATOR:
		return &((const rvirt_pin_emulator_args *)args)->dom;
	case RVIRT_PROC_DOMAIN_SET_AUTOSTART:
		return &((const rvirt_autostart_args *)args)->dom;
	default:
		return NULL;
	}
}

/* The domain a successful result names (define, create), else NULL. */
static const rvirt_wire_domain *
audit_ret_domain(uint32_t proc, const void *ret)
{
	const rvirt_domain_ret *r = ret;

	switch (proc) {
	case RVIRT_PROC_DOMAIN_DEFINE_XML:
	case RVIRT_PROC_DOMAIN_CREATE:
	case RVIRT_PROC_DOMAIN_CREATE_XML:
		return r->status == RVIRT_OK ? &r->rvirt_domain_ret_u.dom
					     : NULL;
	default:
		return NULL;
	}
}

static bool
audit_uuid_set(const char *u)
{
	for (int i = 0; i < RVIRT_UUID_BUFLEN; i++)
		if (u[i])
			return true;
	return false;
}

void
audit_call(const struct proc_entry *pe, const struct call *call,
	   const void *args, const void *ret, int rc,
	   const struct rvirt_error *err)
{
	const struct session_state *sess = call->sess;
	const rvirt_wire_domain *dom = NULL;
	struct log_fields f = { .proc = pe->name, .client = sess->identity };
	char uuid[UUID_STRLEN + 1] = "", from[96];
	char outcome[RVIRT_ERROR_MESSAGE_MAX + 32];
	const char *name = "";

	if (rc == 0 && ret)
		dom = audit_ret_domain(call->proc, ret);
	if (!dom && args)
		dom = audit_args_domain(call->proc, args);
	if (dom) {
		name = dom->name ? dom->name : "";
		if (audit_uuid_set(dom->uuid))
			uuid_format((const unsigned char *)dom->uuid, uuid);
	}
	f.domain = name;
	f.uuid = uuid;
	/* "ADDR;PORT" is SASL's form; the log shows "ADDR:PORT". */
	if (sess->auth && sess->auth->remote[0]) {
		char *semi;

		snprintf(from, sizeof(from), "%s", sess->auth->remote);
		semi = strrchr(from, ';');
		if (semi)
			*semi = ':';
	} else {
		snprintf(from, sizeof(from), "local");
	}
	if (rc == 0)
		snprintf(outcome, sizeof(outcome), "ok");
	else
		snprintf(outcome, sizeof(outcome), "error %d: %s",
			 err ? err->code : -1, err ? err->message : "");
	log_audit(&f, "%s by '%s' from %s domain '%s' uuid %s xid %u%s: %s",
		  pe->name, sess->identity, from, name, uuid[0] ? uuid : "-",
		  call->xid, call->replayed ? " replay" : "", outcome);
}
