/* SPDX-License-Identifier: MIT */
/* domstore: domain records in the store, shared by the drivers of hv/. */
#ifndef RVIRT_HV_DOMSTORE_H
#define RVIRT_HV_DOMSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain_xml.h"
#include "driver.h"

/*
 * Every driver keeps its domains in the store the same way, so every
 * worker (and every restart of the daemon) sees the same domains.
 * Keys:
 *   STORE_DOMAINS  uuid (16 bytes)        -> domain record (below)
 *   STORE_NAMES    driver NUL name        -> uuid (16 bytes)
 *   STORE_META     "driver:next_id"       -> u32, the next domain id
 *   STORE_META     "driver:..."           -> the driver's own values
 *
 * Domain record, version 2, integers little-endian:
 *    0  4 bytes  "RVD" 0x02 (magic and version)
 *    4  u8       state (RVIRT_DOMAIN_*)
 *    5  u8       state reason (libvirt's numbers for the state)
 *    6  u8       flags: 1 transient, 2 autostart
 *    7  u8       length D of the driver name
 *    8  i32      id, -1 when not running
 *   12  u64      start of the current running period, ns since the
 *                epoch (0 when not running)
 *   20  u64      cpu time used before that period, ns (test driver)
 *   28  u64      live maximum memory, KiB
 *   36  u64      live current memory, KiB
 *   44  u32      live vcpus
 *   48  u32      length N of the name
 *   52  u32      length X of the persistent XML
 *   56  i32      pid of the domain's process, 0 when none
 *   60  u64      that process's start time (field 22 of /proc/PID/stat,
 *                clock ticks after boot): pid and start time together
 *                name the process, a pid alone never does
 *   68  u32      length L of the live XML (0 when not running)
 *   72  D bytes driver name, N bytes name, X bytes of the persistent
 *       definition, L bytes of the definition the domain runs with
 *       (domain_xml_format output, no id).
 * Version 1 (the foundation's test driver: the first 56 bytes without
 * pid and live XML) is still read; records are written as version 2.
 * The live values are the definition's while the domain is shut off and
 * what it runs with while it runs: a redefinition of a running domain
 * takes effect at its next start.
 */

enum domrec_flags {
	DOMREC_TRANSIENT = 1 << 0,
	DOMREC_AUTOSTART = 1 << 1,
};

/* State reasons, numbered as libvirt's. */
#define DOMREC_REASON_UNKNOWN 0
#define DOMREC_REASON_RUNNING_BOOTED 1
#define DOMREC_REASON_RUNNING_UNPAUSED 5
#define DOMREC_REASON_PAUSED_USER 1
#define DOMREC_REASON_SHUTOFF_SHUTDOWN 1
#define DOMREC_REASON_SHUTOFF_DESTROYED 2
#define DOMREC_REASON_SHUTOFF_CRASHED 3

struct domrec {
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int state;
	int reason;
	unsigned int flags; /* enum domrec_flags */
	int id;
	uint64_t start_ns;
	uint64_t cpu_ns;
	uint64_t max_mem_kib;
	uint64_t cur_mem_kib;
	unsigned int vcpus;
	int pid;
	uint64_t pid_start;
	char name[RVIRT_NAME_MAX + 1];
	char *xml;	/* persistent definition, owned */
	char *live_xml; /* what it runs with, owned; NULL when not running */
	bool vanished;	/* set by probe: its process is gone */
};

/*
 * What a driver tells the shared code.  probe, when not NULL, is called
 * on every record of an active domain as it is loaded, in any
 * transaction: it compares the record with the host (is the process
 * still there, is it stopped) and corrects the copy in memory; a domain
 * whose process is gone gets state SHUTOFF, reason CRASHED, id -1 and
 * vanished = true.  It never writes.
 */
struct domstore_driver {
	const char *name;      /* "test": record and name-key prefix */
	enum domain_type type; /* the <domain type> it accepts */
	void (*probe)(struct domrec *d);
};

bool domrec_active(const struct domrec *d);
void domrec_release(struct domrec *d);
void domrec_ref(const struct domrec *d, struct hv_domain_ref *out);
/*
 * What the record says of the domain's state, memory and vcpus, in a
 * cleared *info: the driver adds what only it knows.
 */
void domrec_info(const struct domrec *d, struct hv_domain_info *info);

/*
 * Load by uuid: 1 found (d owned by the caller: domrec_release), 0
 * absent or another driver's, -1 with *err (corrupt record).
 */
int domstore_load(struct store_txn *txn, const struct domstore_driver *drv,
		  const unsigned char *uuid, struct domrec *d,
		  struct rvirt_error *err);
/* Load the domain ref names (by uuid), or RVIRT_ERR_NO_DOMAIN. */
int domstore_find(struct store_txn *txn, const struct domstore_driver *drv,
		  const struct hv_domain_ref *ref, struct domrec *d,
		  struct rvirt_error *err);
int domstore_save(struct store_txn *txn, const struct domstore_driver *drv,
		  const struct domrec *d, struct rvirt_error *err);
/* Remove the domain and its name. */
int domstore_delete(struct store_txn *txn, const struct domstore_driver *drv,
		    const struct domrec *d, struct rvirt_error *err);

/* Take the next domain id (never 0; after INT_MAX comes 1). */
int domstore_next_id(struct store_txn *txn, const struct domstore_driver *drv,
		     int *id, struct rvirt_error *err);

/* Parse XML for drv: its <domain type> must be drv->type. */
struct domain_def *domstore_parse(const struct domstore_driver *drv,
				  const char *xml, const char *what,
				  struct rvirt_error *err);

/* A new record for def: shut off, live values from def. */
int domstore_new(struct domrec *d, const struct domain_def *def,
		 struct rvirt_error *err);

/* Refuse def when its uuid belongs to another domain (any driver). */
int domstore_check_unique(struct store_txn *txn,
			  const struct domstore_driver *drv,
			  const struct domain_def *def,
			  struct rvirt_error *err);

/*
 * Bind a new record's name: fails with RVIRT_ERR_DOMAIN_EXISTS when the
 * name is taken in drv.
 */
int domstore_name_claim(struct store_txn *txn,
			const struct domstore_driver *drv,
			const struct domrec *d, struct rvirt_error *err);

/*
 * The hv_domain_* calls that are the same for every driver: they only
 * read and write records.  Their contracts are those of hv.h.
 */
int domstore_list(struct store_txn *txn, const struct domstore_driver *drv,
		  unsigned int flags, size_t max, struct hv_domain_ref **doms,
		  size_t *ndoms, struct rvirt_error *err);
int domstore_lookup_name(struct store_txn *txn,
			 const struct domstore_driver *drv, const char *name,
			 struct hv_domain_ref *out, struct rvirt_error *err);
int domstore_lookup_uuid(struct store_txn *txn,
			 const struct domstore_driver *drv,
			 const unsigned char *uuid, struct hv_domain_ref *out,
			 struct rvirt_error *err);
int domstore_lookup_id(struct store_txn *txn, const struct domstore_driver *drv,
		       int id, struct hv_domain_ref *out,
		       struct rvirt_error *err);
int domstore_define(struct store_txn *txn, const struct domstore_driver *drv,
		    const char *xml, struct hv_domain_ref *out,
		    struct rvirt_error *err);
int domstore_undefine(struct store_txn *txn, const struct domstore_driver *drv,
		      const struct hv_domain_ref *dom, struct rvirt_error *err);
int domstore_get_state(struct store_txn *txn, const struct domstore_driver *drv,
		       const struct hv_domain_ref *dom, int *state, int *reason,
		       struct rvirt_error *err);
int domstore_get_xml(struct store_txn *txn, const struct domstore_driver *drv,
		     const struct hv_domain_ref *dom, char **xml,
		     struct rvirt_error *err);
int domstore_set_autostart(struct store_txn *txn,
			   const struct domstore_driver *drv,
			   const struct hv_domain_ref *dom, bool autostart,
			   struct rvirt_error *err);
int domstore_get_autostart(struct store_txn *txn,
			   const struct domstore_driver *drv,
			   const struct hv_domain_ref *dom, bool *autostart,
			   struct rvirt_error *err);

/*
 * d stopped (reason: DOMREC_REASON_SHUTOFF_*): a transient domain goes
 * away, a persistent one is shut off with its live values reset to its
 * definition.  Writes the record.
 */
int domstore_stopped(struct store_txn *txn, const struct domstore_driver *drv,
		     struct domrec *d, int reason, struct rvirt_error *err);

/*
 * Mark d running: a new id, the live definition def (formatted into
 * d->live_xml) and its live values.  Does not write the record.
 */
int domstore_boot(struct store_txn *txn, const struct domstore_driver *drv,
		  struct domrec *d, const struct domain_def *def,
		  struct rvirt_error *err);

/*
 * Call fn on every domain of drv (probed), in name order.  fn returns 0
 * to go on, -1 with *err to stop.  fn must not write STORE_NAMES; it may
 * write STORE_DOMAINS.
 */
int domstore_foreach(struct store_txn *txn, const struct domstore_driver *drv,
		     int (*fn)(struct domrec *d, void *opaque,
			       struct rvirt_error *err),
		     void *opaque, struct rvirt_error *err);

/* Something done to one record in a walk; -1 with *err stops it. */
typedef int (*domstore_act_fn)(struct store_txn *txn,
			       const struct domstore_driver *drv,
			       struct domrec *d, void *opaque,
			       struct rvirt_error *err);

/*
 * Pick the domains of drv that want accepts, then (when act is not
 * NULL) call act on each, loaded again: act may delete names, which a
 * walk of the names table must not do under its own feet.  *npicked
 * (may be NULL) gets how many were picked.
 */
int domstore_walk(struct store_txn *txn, const struct domstore_driver *drv,
		  bool (*want)(const struct domrec *d), domstore_act_fn act,
		  void *opaque, size_t *npicked, struct rvirt_error *err);

/*
 * Write down what probe found: every domain of drv whose process is
 * gone is shut off (reason crashed), a transient one removed.  Its own
 * transactions; a write one only when there is something to write.
 */
int domstore_settle(struct store *st, const struct domstore_driver *drv,
		    struct rvirt_error *err);

/*
 * The same, with the journal's cause: DOMEVENT_SETTLE at the daemon's
 * start (gone while the daemon was down: VANISHED), DOMEVENT_FOUND when
 * the watcher looks or a connection opens (gone while it ran: CRASHED,
 * even when the watcher never held the process: it ended before the
 * watcher's next look).  Either way the
 * event is the hypervisor's (no identity).
 */
int domstore_settle_as(struct store *st, const struct domstore_driver *drv,
		       int cause, struct rvirt_error *err);

/*
 * Autostart, once per host boot: when STORE_META "driver:boot_id" is
 * not boot_id, record it and call start (in the same write transaction)
 * on every shut off domain marked autostart.  A domain that fails to
 * start does not stop the others; the first failure is returned after
 * the commit.
 */
int domstore_host_boot(struct store *st, const struct domstore_driver *drv,
		       const char *boot_id, domstore_act_fn start, void *opaque,
		       struct rvirt_error *err);

/* hv_host_pids over the records of every driver. */
int domstore_each_pid(struct store_txn *txn,
		      int (*fn)(int pid, uint64_t start, void *opaque),
		      void *opaque, struct rvirt_error *err);

/* ---- pinning: the parts that are the same for every driver ---- */

/*
 * What a driver does to a running domain; d is the record, live its
 * running definition (changed by the caller after a successful call).
 */
struct domstore_pin_ops {
	int (*pin_vcpu)(struct hv_conn *c, const struct domrec *d,
			const struct domain_def *live, unsigned int vcpu,
			const struct cpuset *set, struct rvirt_error *err);
	int (*pin_emulator)(struct hv_conn *c, const struct domrec *d,
			    const struct domain_def *live,
			    const struct cpuset *set, struct rvirt_error *err);
	/* sets[i] = the live affinity of vCPU i, for i < live->vcpus. */
	int (*vcpu_pins)(struct hv_conn *c, const struct domrec *d,
			 const struct domain_def *live, struct cpuset *sets,
			 struct rvirt_error *err);
	/* The live affinity of the emulator threads. */
	int (*emulator_pin)(struct hv_conn *c, const struct domrec *d,
			    const struct domain_def *live, struct cpuset *out,
			    struct rvirt_error *err);
};

/*
 * hv_domain_pin_vcpu and friends over the record: flags resolved, the
 * set checked against host (the driver's online CPUs), the live part
 * through ops, the config part in the persistent XML.
 */
int domstore_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		      const struct domstore_driver *drv,
		      const struct domstore_pin_ops *ops,
		      const struct cpuset *host,
		      const struct hv_domain_ref *dom, unsigned int vcpu,
		      const struct cpuset *set, unsigned int flags,
		      struct rvirt_error *err);
int domstore_pin_emulator(struct hv_conn *c, struct store_txn *txn,
			  const struct domstore_driver *drv,
			  const struct domstore_pin_ops *ops,
			  const struct cpuset *host,
			  const struct hv_domain_ref *dom,
			  const struct cpuset *set, unsigned int flags,
			  struct rvirt_error *err);
int domstore_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
			   const struct domstore_driver *drv,
			   const struct domstore_pin_ops *ops,
			   const struct cpuset *host,
			   const struct hv_domain_ref *dom, unsigned int flags,
			   struct cpuset **sets, size_t *nsets,
			   struct rvirt_error *err);
int domstore_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
			       const struct domstore_driver *drv,
			       const struct domstore_pin_ops *ops,
			       const struct cpuset *host,
			       const struct hv_domain_ref *dom,
			       unsigned int flags, struct cpuset *out,
			       struct rvirt_error *err);

/* The running definition of d (its live XML, else its XML). */
struct domain_def *domstore_live_def(const struct domrec *d,
				     struct rvirt_error *err);

/* Small STORE_META values of a driver: "driver:key". */
int domstore_meta_get(struct store_txn *txn, const struct domstore_driver *drv,
		      const char *key, void *buf, size_t size, size_t *len,
		      struct rvirt_error *err);
int domstore_meta_put(struct store_txn *txn, const struct domstore_driver *drv,
		      const char *key, const void *val, size_t len,
		      struct rvirt_error *err);

#endif
