/* SPDX-License-Identifier: MIT */
/* hv: the hypervisor interface the server calls; drivers live behind it. */
#ifndef RVIRT_HV_H
#define RVIRT_HV_H

#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../store/store.h"
#include "../common/cpuset.h"

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

/* One vCPU as GET_VCPUS reports it. */
struct hv_vcpu_info {
	unsigned int number;
	int state;	      /* RVIRT_VCPU_* */
	uint64_t cpu_time_ns; /* the thread's user + system time */
	int cpu;	      /* the CPU it last ran on, -1 unknown */
	struct cpuset affinity;
};

/* Flags of the pinning calls: RVIRT_AFFECT_*, same values. */
enum hv_affect {
	HV_AFFECT_CURRENT = 0,
	HV_AFFECT_LIVE = 1 << 0,
	HV_AFFECT_CONFIG = 1 << 1,
};

/*
 * What the server knows and the drivers need: where per-domain files go
 * and which guest program runs process domains.  Empty strings mean the
 * defaults: runtime_dir as rvirtd's default (/run/rvirt as root, else
 * $XDG_RUNTIME_DIR/rvirt or $HOME/.cache/rvirt/run), guest_binary the
 * file rvirt-guest next to the running program (/proc/self/exe).
 */
struct hv_options {
	char runtime_dir[4096];
	char guest_binary[4096];
	/*
	 * How long DOMAIN_SHUTDOWN waits for a domain to go, in ms; 0
	 * means HV_SHUTDOWN_TIMEOUT_MS.
	 */
	unsigned int shutdown_timeout_ms;
};

#define HV_SHUTDOWN_TIMEOUT_MS 5000

struct hv_conn;

/*
 * Keep opts for every later hv_open of this process (copied).  Call it
 * once per worker before serving; without it the defaults apply.
 */
void hv_set_options(const struct hv_options *opts);

/*
 * The drivers' work at daemon start, once per worker after its store is
 * open and before it serves: each driver that keeps domains in the
 * store gets to look at them (the process drivers find running domains
 * again, mark vanished ones shut off and, on the first start since the
 * host booted, start the domains marked autostart).  Runs its own write
 * transactions.  Returns 0, or -1 with *err (the worker logs it and
 * goes on: one bad domain must not stop the daemon).
 */
int hv_host_start(struct store *st, struct rvirt_error *err);

/*
 * The domain watcher's (server/watcher.c): the process pid (of a
 * running domain) ended with wait status status (-1 unknown).  Every
 * domain whose process is gone is written down as stopped, crashed,
 * with that status for pid's domain, in its own write transaction.
 * Returns 0, or -1 with *err.
 */
int hv_host_settle(struct store *st, int pid, int status,
		   struct rvirt_error *err);

/*
 * Call fn with the pid and start time (clock ticks after boot) of every
 * running domain's process (every driver's) in txn; fn returns 0 to go
 * on.  Returns 0, or -1 with *err.
 */
int hv_host_pids(struct store_txn *txn,
		 int (*fn)(int pid, uint64_t start, void *opaque), void *opaque,
		 struct rvirt_error *err);

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

/*
 * Placement and pinning.  flags are HV_AFFECT_*: LIVE changes or reads
 * the running domain (RVIRT_ERR_OPERATION_INVALID when it is not
 * running), CONFIG its stored definition, both does both (a change then
 * happens to both or to neither), 0 (CURRENT) means LIVE when the
 * domain runs and CONFIG otherwise.  Reading with both is
 * RVIRT_ERR_INVALID_ARG.  A set naming a CPU the host lacks is
 * RVIRT_ERR_INVALID_CPUSET; an empty set RVIRT_ERR_INVALID_ARG.
 * Changes need a writable txn.
 */
int hv_domain_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom, unsigned int vcpu,
		       const struct cpuset *set, unsigned int flags,
		       struct rvirt_error *err);
/* *sets (malloc'd, one per vCPU, *nsets of them) is the caller's. */
int hv_domain_get_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
				const struct hv_domain_ref *dom,
				unsigned int flags, struct cpuset **sets,
				size_t *nsets, struct rvirt_error *err);
/* Of a running domain; *info (malloc'd, *ninfo entries) is the caller's. */
int hv_domain_get_vcpus(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom,
			struct hv_vcpu_info **info, size_t *ninfo,
			struct rvirt_error *err);
int hv_domain_pin_emulator(struct hv_conn *c, struct store_txn *txn,
			   const struct hv_domain_ref *dom,
			   const struct cpuset *set, unsigned int flags,
			   struct rvirt_error *err);
int hv_domain_get_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
				    const struct hv_domain_ref *dom,
				    unsigned int flags, struct cpuset *out,
				    struct rvirt_error *err);

/* The host CPUs the driver offers: *ncpus is the highest + 1. */
int hv_node_cpu_map(struct hv_conn *c, struct cpuset *online,
		    unsigned int *ncpus, struct rvirt_error *err);

/* Whether the domain starts when the host's daemon first starts. */
int hv_domain_set_autostart(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom, bool autostart,
			    struct rvirt_error *err);
int hv_domain_get_autostart(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom, bool *autostart,
			    struct rvirt_error *err);

#endif
