/* SPDX-License-Identifier: MIT */
/*
 * proc: the procedure handlers, by family, and the helpers they share.
 * Each handler has the shape of proc_fn (dispatch.h); the table in
 * dispatch.c names them.  A new family gets a file proc_FAMILY.c and a
 * block here.
 */
#ifndef RVIRT_SERVER_PROC_H
#define RVIRT_SERVER_PROC_H

#include "rvirt_protocol.h"

#include "../common/rvirt_defs.h"
#include "../hv/hv.h"
#include "dispatch.h"

/* Sets *err to NO_MEMORY for "cannot WHAT" and returns -1. */
int proc_oom(const char *what, struct rvirt_error *err);

/* strdup, or NULL with NO_MEMORY in *err. */
char *proc_strdup(const char *s, struct rvirt_error *err);

/* Answer ret (an rvirt_string_ret) with a copy of s: 0, or -1 with *err. */
int proc_string_reply(void *ret, const char *s, struct rvirt_error *err);

/* -1 with INVALID_ARG when flags has a bit outside allowed. */
int proc_check_flags(unsigned int flags, unsigned int allowed, const char *what,
		     struct rvirt_error *err);

/* -1 with INVALID_ARG for an empty or over-long domain name. */
int proc_check_name(const char *name, struct rvirt_error *err);

/* A domain reference from the wire (name bounded, uuid, id). */
int proc_ref_from_wire(const struct rvirt_wire_domain *w,
		       struct hv_domain_ref *ref, struct rvirt_error *err);

/* A domain reference to the wire; the name is malloc'd. */
int proc_ref_to_wire(const struct hv_domain_ref *ref,
		     struct rvirt_wire_domain *w, struct rvirt_error *err);

/* The domain argument of the calls that name one domain (flags 0). */
int proc_domain_arg(const struct rvirt_domain_args *args, const char *what,
		    struct hv_domain_ref *ref, struct rvirt_error *err);

/* proc_connect.c: connection procedures and node info */
int proc_auth_list(struct call *call, void *args, void *ret,
		   struct rvirt_error *err);
int proc_connect_close(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_connect_get_capabilities(struct call *call, void *args, void *ret,
				  struct rvirt_error *err);
int proc_connect_get_hostname(struct call *call, void *args, void *ret,
			      struct rvirt_error *err);
int proc_connect_get_type(struct call *call, void *args, void *ret,
			  struct rvirt_error *err);
int proc_connect_get_uri(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int proc_connect_get_version(struct call *call, void *args, void *ret,
			     struct rvirt_error *err);
int proc_connect_get_lib_version(struct call *call, void *args, void *ret,
				 struct rvirt_error *err);
int proc_connect_open(struct call *call, void *args, void *ret,
		      struct rvirt_error *err);
int proc_connect_resume(struct call *call, void *args, void *ret,
			struct rvirt_error *err);
int proc_connect_reconnect(struct call *call, void *args, void *ret,
			   struct rvirt_error *err);
int proc_node_get_info(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);

/* proc_domain.c: domain procedures */
int proc_domain_create(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_domain_create_xml(struct call *call, void *args, void *ret,
			   struct rvirt_error *err);
int proc_domain_define_xml(struct call *call, void *args, void *ret,
			   struct rvirt_error *err);
int proc_domain_destroy(struct call *call, void *args, void *ret,
			struct rvirt_error *err);
int proc_domain_get_autostart(struct call *call, void *args, void *ret,
			      struct rvirt_error *err);
int proc_domain_get_info(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int proc_domain_get_state(struct call *call, void *args, void *ret,
			  struct rvirt_error *err);
int proc_domain_get_xml_desc(struct call *call, void *args, void *ret,
			     struct rvirt_error *err);
int proc_domain_list_all(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int proc_domain_lookup_by_id(struct call *call, void *args, void *ret,
			     struct rvirt_error *err);
int proc_domain_lookup_by_name(struct call *call, void *args, void *ret,
			       struct rvirt_error *err);
int proc_domain_lookup_by_uuid(struct call *call, void *args, void *ret,
			       struct rvirt_error *err);
int proc_domain_reboot(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_domain_resume(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_domain_set_autostart(struct call *call, void *args, void *ret,
			      struct rvirt_error *err);
int proc_domain_shutdown(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int proc_domain_suspend(struct call *call, void *args, void *ret,
			struct rvirt_error *err);
int proc_domain_undefine(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);

/* proc_token.c: console tokens (doc/console.md "Tokens") */
int proc_console_token(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);

/* proc_event.c: lifecycle events */
int proc_event_wait(struct call *call, void *args, void *ret,
		    struct rvirt_error *err);
/*
 * The events of the journal after args->cursor that args and the
 * session's driver select, into ret (RVIRT_OK): at most args->max, the
 * cursor to go on from, how many were trimmed before they could be
 * read.  -1 with *err (EVENT_CURSOR for a cursor past the journal).
 */
int proc_event_collect(struct store_txn *txn, const struct session_state *sess,
		       const struct rvirt_event_wait_args *args,
		       struct rvirt_event_wait_ret *ret,
		       struct rvirt_error *err);

/* proc_vcpu.c: placement and pinning */
int proc_domain_get_emulator_pin_info(struct call *call, void *args, void *ret,
				      struct rvirt_error *err);
int proc_domain_get_vcpu_pin_info(struct call *call, void *args, void *ret,
				  struct rvirt_error *err);
int proc_domain_get_vcpus(struct call *call, void *args, void *ret,
			  struct rvirt_error *err);
int proc_domain_pin_emulator(struct call *call, void *args, void *ret,
			     struct rvirt_error *err);
int proc_domain_pin_vcpu(struct call *call, void *args, void *ret,
			 struct rvirt_error *err);
int proc_node_get_cpu_map(struct call *call, void *args, void *ret,
			  struct rvirt_error *err);

/* proc_console.c: consoles (doc/console.md) */
int proc_console_open(struct call *call, void *args, void *ret,
		      struct rvirt_error *err);
/*
 * The body of CONSOLE_READ once cdir is known: fill ret from the log.
 * 1 when nothing came and the console runs (the call may wait), 0
 * done, -1 with *err.  Also run for a parked read (server/evpark.c).
 */
int proc_console_read_at(const char *cdir,
			 const struct rvirt_console_read_args *args,
			 struct rvirt_console_read_ret *ret,
			 struct rvirt_error *err);
int proc_console_read(struct call *call, void *args, void *ret,
		      struct rvirt_error *err);
int proc_console_write(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);
int proc_console_close(struct call *call, void *args, void *ret,
		       struct rvirt_error *err);

#endif
