/* SPDX-License-Identifier: MIT */
/* hv: the hypervisor interface the server calls; drivers live behind it. */
#ifndef RVIRT_HV_H
#define RVIRT_HV_H

#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../store/store.h"

/*
 * A connection to one driver instance, opened from a URI such as
 * "test:///default".  Domains are named by value (struct hv_domain_ref);
 * no handle to a domain survives a call.  Every call that reads or
 * changes domain state takes the store transaction the caller opened:
 * a read-only one for queries, a writable one for changes, so that the
 * caller can commit the change and its recorded reply together.  A call
 * given a read-only txn that needs to write fails with
 * RVIRT_ERR_INTERNAL.
 *
 * hv knows nothing of RPC, sessions or the server.
 */

#define HV_NAME_MAX RVIRT_NAME_MAX

struct hv_domain_ref {
	char name[HV_NAME_MAX + 1];
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int id; /* -1 when not running */
};

struct hv_domain_info {
	int state; /* RVIRT_DOMAIN_* */
	uint64_t max_mem_kib;
	uint64_t memory_kib;
	unsigned int nr_vcpus;
	uint64_t cpu_time_ns;
};

struct hv_node_info {
	char model[RVIRT_MODEL_MAX + 1];
	uint64_t memory_kib;
	unsigned int cpus;
	unsigned int mhz;
	unsigned int nodes;
	unsigned int sockets;
	unsigned int cores;
	unsigned int threads;
};

struct hv_conn;

/*
 * Open the driver named by uri's scheme.  st is borrowed and must
 * outlive the connection.  An empty or NULL uri means
 * "test:///default".  The driver may write to the store (a default
 * domain on first open) in its own transaction; call it with no
 * transaction of the caller's open.  Returns NULL with *err
 * (RVIRT_ERR_NO_DRIVER for an unknown scheme, RVIRT_ERR_URI for a
 * malformed one).
 */
struct hv_conn *hv_open(const char *uri, struct store *st,
			struct rvirt_error *err);

/* Close.  NULL is a no-op. */
void hv_close(struct hv_conn *c);

/* The canonical URI of c ("test:///default"); borrowed. */
const char *hv_uri(const struct hv_conn *c);

/* The driver's type name ("TEST"); borrowed, static. */
const char *hv_type(const struct hv_conn *c);

/* The driver's version as major * 1000000 + minor * 1000 + micro. */
uint64_t hv_version(const struct hv_conn *c);

/* Capabilities XML; *xml is malloc'd, the caller frees it. */
int hv_capabilities(struct hv_conn *c, char **xml, struct rvirt_error *err);

int hv_node_info(struct hv_conn *c, struct hv_node_info *info,
		 struct rvirt_error *err);

/*
 * List domains; flags are RVIRT_LIST_* (0 = all).  *doms is malloc'd
 * (the caller frees it), sorted by name.  At most max entries: more is
 * an RVIRT_ERR_LIMIT error.
 */
int hv_domain_list(struct hv_conn *c, struct store_txn *txn, unsigned int flags,
		   size_t max, struct hv_domain_ref **doms, size_t *ndoms,
		   struct rvirt_error *err);

/* Lookups fill *out; RVIRT_ERR_NO_DOMAIN when there is no such domain. */
int hv_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
			  const char *name, struct hv_domain_ref *out,
			  struct rvirt_error *err);
int hv_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
			  const unsigned char *uuid, struct hv_domain_ref *out,
			  struct rvirt_error *err);
int hv_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
			struct hv_domain_ref *out, struct rvirt_error *err);

/*
 * Define (or redefine, same name and uuid) a domain from XML; writes
 * *out.  RVIRT_ERR_XML for bad XML, RVIRT_ERR_DOMAIN_EXISTS when the
 * name or the uuid belongs to another domain.
 */
int hv_domain_define(struct hv_conn *c, struct store_txn *txn, const char *xml,
		     struct hv_domain_ref *out, struct rvirt_error *err);

/* Define and start a transient domain (gone once it stops). */
int hv_domain_create_xml(struct hv_conn *c, struct store_txn *txn,
			 const char *xml, struct hv_domain_ref *out,
			 struct rvirt_error *err);

/*
 * Lifecycle.  dom is matched by uuid (name and id are ignored); out
 * (create only) receives the domain with its new id.
 * RVIRT_ERR_OPERATION_INVALID when the state does not allow it.
 */
int hv_domain_undefine(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom,
		       struct rvirt_error *err);
int hv_domain_create(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct hv_domain_ref *out,
		     struct rvirt_error *err);
int hv_domain_destroy(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, struct rvirt_error *err);
int hv_domain_shutdown(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom,
		       struct rvirt_error *err);
int hv_domain_reboot(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct rvirt_error *err);
int hv_domain_suspend(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, struct rvirt_error *err);
int hv_domain_resume(struct hv_conn *c, struct store_txn *txn,
		     const struct hv_domain_ref *dom, struct rvirt_error *err);

/* Queries. */
int hv_domain_get_info(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom,
		       struct hv_domain_info *info, struct rvirt_error *err);
int hv_domain_get_state(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom, int *state,
			int *reason, struct rvirt_error *err);
/* *xml is malloc'd, the caller frees it. */
int hv_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, char **xml,
		      struct rvirt_error *err);

#endif
