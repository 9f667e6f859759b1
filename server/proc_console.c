/* SPDX-License-Identifier: MIT */
/* proc_console: the console procedures (CONSOLE_OPEN, _READ, _WRITE). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../common/err.h"
#include "../hv/console.h"
#include "../hv/driver.h"
#include "evpark.h"
#include "proc.h"

/*
 * The console of a domain is named by value in every call, like the
 * domain: no server-side handle, so a call runs in any worker, before
 * or after a restart of rvirtd.  CONSOLE_OPEN hands out an id; a
 * writable opening's id (low bit of its first byte set) is the
 * console's writer until another takes over, a read-only one's only
 * reads.  Data moves by offset in the console's whole output, which
 * the per-domain log holds (hv/console.h); doc/console.md has the rest.
 */

_Static_assert(RVIRT_CONSOLE_ID_LEN == CONSOLE_ID_LEN,
	       "the wire's console id is hv's");

#define PROC_CONSOLE_WRITER 0x01

/* The console directory of the domain w names (which must exist). */
static int
proc_console_dir(struct call *call, const struct rvirt_wire_domain *w,
		 const char *what, struct hv_domain_ref *ref, int *state,
		 char *cdir, size_t size, struct rvirt_error *err)
{
	const struct hv_options *o = hv_get_options();
	struct hv_conn *hv = call->sess->hv;
	char ddir[4096];
	int reason, n;

	if (proc_ref_from_wire(w, ref, err) < 0 ||
	    hv_domain_get_state(hv, call->txn, ref, state, &reason, err) < 0)
		return -1;
	if (strcmp(hv->drv->scheme, "process") != 0 &&
	    strcmp(hv->drv->scheme, "qemu") != 0) {
		err_set(err, RVIRT_ERR_NO_CONSOLE, RVIRT_FROM_SERVER,
			"cannot %s of domain '%s': the %s driver has no "
			"consoles",
			what, ref->name, hv->drv->scheme);
		return -1;
	}
	n = snprintf(ddir, sizeof(ddir), "%s/%s", o->runtime_dir,
		     hv->drv->scheme);
	if (n < 0 || (size_t)n >= sizeof(ddir)) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot %s of domain '%s': the runtime directory's "
			"path is too long",
			what, ref->name);
		return -1;
	}
	return console_dir(ddir, ref->uuid, cdir, size, err);
}

static bool
proc_console_is_writer(const unsigned char *id)
{
	return id[0] & PROC_CONSOLE_WRITER;
}

int
proc_console_open(struct call *call, void *argsp, void *retp,
		  struct rvirt_error *err)
{
	const struct rvirt_console_open_args *args = argsp;
	struct rvirt_console_open_ret *ret = retp;
	struct rvirt_console_open_ok *ok = &ret->rvirt_console_open_ret_u.ok;
	unsigned char *id = (unsigned char *)ok->id;
	struct console_chunk ch;
	struct hv_domain_ref ref;
	char cdir[4096];
	int state;

	if (proc_check_flags(args->flags,
			     RVIRT_CONSOLE_FORCE | RVIRT_CONSOLE_SAFE,
			     "open a console", err) < 0 ||
	    proc_console_dir(call, &args->dom, "open the console", &ref, &state,
			     cdir, sizeof(cdir), err) < 0)
		return -1;
	if (state == RVIRT_DOMAIN_SHUTOFF || !console_running(cdir)) {
		err_set(err, RVIRT_ERR_NO_CONSOLE, RVIRT_FROM_SERVER,
			"cannot open the console of domain '%s': %s", ref.name,
			state == RVIRT_DOMAIN_SHUTOFF
				? "it is not running"
				: "it runs without one (started before "
				  "consoles, or its console ended)");
		return -1;
	}
	if (getrandom(ok->id, sizeof(ok->id), 0) != (ssize_t)sizeof(ok->id)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open the console of domain '%s'",
			      ref.name);
		return -1;
	}
	/*
	 * --safe asks for exclusive writing, which every console here
	 * gives: one writer at a time, by the owner record.
	 */
	ok->writable = !call->sess->readonly;
	if (ok->writable) {
		id[0] |= PROC_CONSOLE_WRITER;
		if (console_claim(cdir, id, args->flags & RVIRT_CONSOLE_FORCE,
				  err) < 0)
			return -1;
	} else {
		id[0] &= (unsigned char)~PROC_CONSOLE_WRITER;
	}
	if (console_log_read(cdir, 0, NULL, 0, &ch, err) < 0)
		return -1;
	ok->start = ch.start;
	ok->end = ch.end;
	ret->status = RVIRT_OK;
	return 0;
}

int
proc_console_read_at(const char *cdir,
		     const struct rvirt_console_read_args *args,
		     struct rvirt_console_read_ret *ret,
		     struct rvirt_error *err)
{
	struct rvirt_console_read_ok *ok = &ret->rvirt_console_read_ret_u.ok;
	const unsigned char *id = (const unsigned char *)args->id;
	struct console_chunk ch;
	bool running;

	if (proc_console_is_writer(id) &&
	    console_check_owner(cdir, id, err) < 0)
		return -1;
	ok->data.data_val = malloc(args->max ? args->max : 1);
	if (!ok->data.data_val)
		return proc_oom("read the console", err);
	/* Holder state first: output written before it ended is seen. */
	running = console_running(cdir);
	if (console_log_read(cdir, args->offset, ok->data.data_val, args->max,
			     &ch, err) < 0)
		return -1;
	ok->data.data_len = (unsigned int)ch.len;
	ok->offset = ch.offset;
	ok->end = ch.end;
	ok->flags = !running && ch.offset + ch.len >= ch.end
			    ? RVIRT_CONSOLE_ENDED
			    : 0;
	ret->status = RVIRT_OK;
	return ch.len == 0 && running ? 1 : 0;
}

int
proc_console_read(struct call *call, void *argsp, void *retp,
		  struct rvirt_error *err)
{
	const struct rvirt_console_read_args *args = argsp;
	struct rvirt_console_read_ret *ret = retp;
	struct hv_domain_ref ref;
	char cdir[4096];
	int state, rc;

	if (args->max > RVIRT_CONSOLE_DATA_MAX ||
	    args->wait_ms > RVIRT_CONSOLE_WAIT_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot read a console: max %u (at most %d) or wait "
			"%u ms (at most %d) too large",
			args->max, RVIRT_CONSOLE_DATA_MAX, args->wait_ms,
			RVIRT_CONSOLE_WAIT_MAX);
		return -1;
	}
	if (proc_console_dir(call, &args->dom, "read the console", &ref, &state,
			     cdir, sizeof(cdir), err) < 0)
		return -1;
	rc = proc_console_read_at(cdir, args, ret, err);
	if (rc <= 0 || args->wait_ms == 0)
		return rc < 0 ? -1 : 0;
	/* Nothing yet: wait for output without holding the worker. */
	return evpark_park_console(call->sess, call->xid, cdir, args, err) < 0
		       ? -1
		       : 0;
}

int
proc_console_write(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	const struct rvirt_console_write_args *args = argsp;
	struct rvirt_console_write_ret *ret = retp;
	const unsigned char *id = (const unsigned char *)args->id;
	struct hv_domain_ref ref;
	char cdir[4096];
	size_t done;
	int state;

	if (call->sess->readonly) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot write to the console of domain '%s': the "
			"connection is read-only",
			args->dom.name ? args->dom.name : "?");
		return -1;
	}
	if (proc_console_dir(call, &args->dom, "write to the console", &ref,
			     &state, cdir, sizeof(cdir), err) < 0)
		return -1;
	if (!proc_console_is_writer(id)) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_SERVER,
			"cannot write to the console of domain '%s': it was "
			"opened read-only",
			ref.name);
		return -1;
	}
	if (!console_running(cdir)) {
		err_set(err, RVIRT_ERR_NO_CONSOLE, RVIRT_FROM_SERVER,
			"cannot write to the console of domain '%s': %s",
			ref.name,
			state == RVIRT_DOMAIN_SHUTOFF
				? "it is not running"
				: "its console ended (its holder is gone)");
		return -1;
	}
	if (console_check_owner(cdir, id, err) < 0 ||
	    console_write(cdir, args->data.data_val, args->data.data_len, &done,
			  err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_console_write_ret_u.accepted = (unsigned int)done;
	return 0;
}

int
proc_console_close(struct call *call, void *argsp, void *retp,
		   struct rvirt_error *err)
{
	const struct rvirt_console_close_args *args = argsp;
	struct rvirt_void_ret *ret = retp;
	const unsigned char *id = (const unsigned char *)args->id;
	struct hv_domain_ref ref;
	char cdir[4096];
	int state;

	if (proc_console_dir(call, &args->dom, "close the console", &ref,
			     &state, cdir, sizeof(cdir), err) < 0)
		return -1;
	if (proc_console_is_writer(id) && console_release(cdir, id, err) < 0)
		return -1;
	ret->status = RVIRT_OK;
	return 0;
}
