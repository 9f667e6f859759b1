/* SPDX-License-Identifier: MIT */
/* proc: helpers the procedure handlers share (errors, names, domain refs). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../common/uuid.h"
#include "../common/log.h"
#include "dispatch.h"
#include "proc.h"

int
proc_oom(const char *what, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
		"cannot %s: out of memory", what);
	return -1;
}

char *
proc_strdup(const char *s, struct rvirt_error *err)
{
	char *d = strdup(s);

	if (!d)
		proc_oom("copy a result string", err);
	return d;
}

int
proc_string_reply(void *retp, const char *s, struct rvirt_error *err)
{
	struct rvirt_string_ret *ret = retp;
	char *d = proc_strdup(s, err);

	if (!d)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_string_ret_u.value = d;
	return 0;
}

/* Only 0 is defined for the flags of domain calls so far. */
int
proc_check_flags(unsigned int flags, unsigned int allowed, const char *what,
		 struct rvirt_error *err)
{
	if (flags & ~allowed) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot %s: unsupported flags 0x%x", what,
			flags & ~allowed);
		return -1;
	}
	return 0;
}

int
proc_check_name(const char *name, struct rvirt_error *err)
{
	if (!name || !*name) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"domain name is empty");
		return -1;
	}
	if (strlen(name) > RVIRT_NAME_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"domain name '%.32s...' is longer than %d bytes", name,
			RVIRT_NAME_MAX);
		return -1;
	}
	return 0;
}

int
proc_ref_from_wire(const struct rvirt_wire_domain *w, struct hv_domain_ref *ref,
		   struct rvirt_error *err)
{
	memset(ref, 0, sizeof(*ref));
	/* Lifecycle calls match by uuid; the name is only a courtesy. */
	if (w->name) {
		if (strlen(w->name) > HV_NAME_MAX) {
			err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
				"domain name '%.32s...' is longer than %d "
				"bytes",
				w->name, HV_NAME_MAX);
			return -1;
		}
		strcpy(ref->name, w->name);
	}
	memcpy(ref->uuid, w->uuid, RVIRT_UUID_BUFLEN);
	ref->id = w->id;
	return 0;
}

int
proc_ref_to_wire(const struct hv_domain_ref *ref, struct rvirt_wire_domain *w,
		 struct rvirt_error *err)
{
	w->name = proc_strdup(ref->name, err);
	if (!w->name)
		return -1;
	memcpy(w->uuid, ref->uuid, RVIRT_UUID_BUFLEN);
	w->id = ref->id;
	return 0;
}

/* Decode the domain argument of the calls that name one domain. */
int
proc_domain_arg(const struct rvirt_domain_args *args, const char *what,
		struct hv_domain_ref *ref, struct rvirt_error *err)
{
	if (proc_check_flags(args->flags, 0, what, err) < 0)
		return -1;
	return proc_ref_from_wire(&args->dom, ref, err);
}
