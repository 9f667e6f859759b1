/* SPDX-License-Identifier: MIT */
/* procdrv: what the process and qemu drivers share, inside hv/. */
#ifndef RVIRT_HV_PROCDRV_H
#define RVIRT_HV_PROCDRV_H

#include <stdbool.h>
#include <sys/types.h>

#include "domstore.h"
#include "driver.h"
#include "procdom.h"

/*
 * hv/process.c implements every hv_driver entry of a driver whose
 * domains are host processes over a procdrv, which says how to start
 * and steer one kind of process: hv/process.c's own (rvirt-guest or
 * the program of an exe domain) and hv/qemu.c's.  An hv_conn of such a
 * driver has the procdrv as its priv.
 */
struct procdrv;

struct procdrv_ops {
	/*
	 * Start the process for def, placed: the <vcpu cpuset> set between
	 * fork and exec, then every vCPU thread pinned to its set and the
	 * other threads to the emulator set, before any vCPU runs guest
	 * code.  host is the host's online CPUs, dir the directory for the
	 * domain's files.  Fills *out (pid, start time); on failure leaves
	 * nothing running.
	 */
	int (*launch)(const struct procdrv *pd, const struct domrec *d,
		      const struct domain_def *def, const struct cpuset *host,
		      const char *dir, struct procdom_proc *out,
		      struct rvirt_error *err);
	/* tids[i] = the thread of vCPU i (0 when unknown); count or -1. */
	int (*vcpu_tids)(const struct procdrv *pd, const struct domrec *d,
			 unsigned int nvcpus, pid_t *tids,
			 struct rvirt_error *err);
	/* Ask for a graceful shutdown; the caller waits for the exit. */
	int (*shutdown)(const struct procdrv *pd, const struct domrec *d,
			struct rvirt_error *err);
	/* Reboot; may replace the process (d->pid, d->pid_start). */
	int (*reboot)(const struct procdrv *pd, struct domrec *d,
		      const struct domain_def *def, const struct cpuset *host,
		      const char *dir, struct rvirt_error *err);
	int (*suspend)(const struct procdrv *pd, const struct domrec *d,
		       struct rvirt_error *err);
	int (*resume)(const struct procdrv *pd, const struct domrec *d,
		      struct rvirt_error *err);
	/* After the process is gone: remove its sockets (may be NULL). */
	void (*cleanup)(const struct procdrv *pd, const struct domrec *d);
};

struct procdrv {
	struct domstore_driver ds; /* name, type, probe */
	const char *type_name;	   /* hv_type(): "PROCESS" */
	const struct procdrv_ops *ops;
	/* A stopped process (SIGSTOP, state T) is a paused domain. */
	bool stop_is_pause;
	/* The guest types its capabilities list. */
	const char *const *os_types;
	size_t nos_types;
};

/* The directory of pd's domain files: <runtime_dir>/<driver name>. */
int procdrv_dir(const struct procdrv *pd, char *buf, size_t size,
		struct rvirt_error *err);

/*
 * The path of a file of d in dir: dir/NAME.suffix, or dir/UUID.suffix
 * when the name would not fit (or max, for unix socket paths, is
 * exceeded).  0, or -1 with *err.
 */
int procdrv_file(const char *dir, const struct domrec *d, const char *suffix,
		 size_t max, char *buf, size_t size, struct rvirt_error *err);

/* The probe both drivers use; hv/process.c passes stop_is_pause. */
void procdrv_probe_alive(struct domrec *d);
void procdrv_probe_stopped(struct domrec *d);

/* Open for a procdrv: URIs "<scheme>:///system" (root) or "/session". */
int procdrv_open(struct hv_conn *c, struct procdrv *pd, const char *path,
		 struct rvirt_error *err);
/* What hv_host_start does for pd. */
int procdrv_host_start(struct store *st, struct procdrv *pd,
		       struct rvirt_error *err);

/*
 * The hv_driver entries, the same for every procdrv (they find it in
 * c->priv).
 */
int procdrv_capabilities(struct hv_conn *c, char **xml,
			 struct rvirt_error *err);
int procdrv_node_info(struct hv_conn *c, struct hv_node_info *info,
		      struct rvirt_error *err);
int procdrv_node_cpu_map(struct hv_conn *c, struct cpuset *online,
			 unsigned int *ncpus, struct rvirt_error *err);
int procdrv_domain_list(struct hv_conn *c, struct store_txn *txn,
			unsigned int flags, size_t max,
			struct hv_domain_ref **doms, size_t *ndoms,
			struct rvirt_error *err);
int procdrv_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
			       const char *name, struct hv_domain_ref *out,
			       struct rvirt_error *err);
int procdrv_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
			       const unsigned char *uuid,
			       struct hv_domain_ref *out,
			       struct rvirt_error *err);
int procdrv_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
			     struct hv_domain_ref *out,
			     struct rvirt_error *err);
int procdrv_domain_define(struct hv_conn *c, struct store_txn *txn,
			  const char *xml, struct hv_domain_ref *out,
			  struct rvirt_error *err);
int procdrv_domain_create_xml(struct hv_conn *c, struct store_txn *txn,
			      const char *xml, struct hv_domain_ref *out,
			      struct rvirt_error *err);
int procdrv_domain_undefine(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom,
			    struct rvirt_error *err);
int procdrv_domain_create(struct hv_conn *c, struct store_txn *txn,
			  const struct hv_domain_ref *dom,
			  struct hv_domain_ref *out, struct rvirt_error *err);
int procdrv_domain_destroy(struct hv_conn *c, struct store_txn *txn,
			   const struct hv_domain_ref *dom,
			   struct rvirt_error *err);
int procdrv_domain_shutdown(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom,
			    struct rvirt_error *err);
int procdrv_domain_reboot(struct hv_conn *c, struct store_txn *txn,
			  const struct hv_domain_ref *dom,
			  struct rvirt_error *err);
int procdrv_domain_suspend(struct hv_conn *c, struct store_txn *txn,
			   const struct hv_domain_ref *dom,
			   struct rvirt_error *err);
int procdrv_domain_resume(struct hv_conn *c, struct store_txn *txn,
			  const struct hv_domain_ref *dom,
			  struct rvirt_error *err);
int procdrv_domain_get_info(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom,
			    struct hv_domain_info *info,
			    struct rvirt_error *err);
int procdrv_domain_get_state(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom, int *state,
			     int *reason, struct rvirt_error *err);
int procdrv_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
			   const struct hv_domain_ref *dom, char **xml,
			   struct rvirt_error *err);
int procdrv_domain_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom, unsigned int vcpu,
			    const struct cpuset *set, unsigned int flags,
			    struct rvirt_error *err);
int procdrv_domain_get_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
				     const struct hv_domain_ref *dom,
				     unsigned int flags, struct cpuset **sets,
				     size_t *nsets, struct rvirt_error *err);
int procdrv_domain_get_vcpus(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom,
			     struct hv_vcpu_info **info, size_t *ninfo,
			     struct rvirt_error *err);
int procdrv_domain_pin_emulator(struct hv_conn *c, struct store_txn *txn,
				const struct hv_domain_ref *dom,
				const struct cpuset *set, unsigned int flags,
				struct rvirt_error *err);
int procdrv_domain_get_emulator_pin_info(struct hv_conn *c,
					 struct store_txn *txn,
					 const struct hv_domain_ref *dom,
					 unsigned int flags, struct cpuset *out,
					 struct rvirt_error *err);
int procdrv_domain_set_autostart(struct hv_conn *c, struct store_txn *txn,
				 const struct hv_domain_ref *dom,
				 bool autostart, struct rvirt_error *err);
int procdrv_domain_get_autostart(struct hv_conn *c, struct store_txn *txn,
				 const struct hv_domain_ref *dom,
				 bool *autostart, struct rvirt_error *err);

/*
 * Pin the threads of a started process as def says: tids[i] is vCPU
 * i's thread (all must be known), every other thread of the process
 * gets the emulator set.  0, or -1 with *err.
 */
int procdrv_place(const struct domain_def *def, const struct cpuset *host,
		  pid_t pid, const pid_t *tids, struct rvirt_error *err);

/* Fill an hv_driver with the procdrv entries (all but open/host_start). */
#define PROCDRV_ENTRIES                                                       \
	.capabilities = procdrv_capabilities, .node_info = procdrv_node_info, \
	.domain_list = procdrv_domain_list,                                   \
	.domain_lookup_name = procdrv_domain_lookup_name,                     \
	.domain_lookup_uuid = procdrv_domain_lookup_uuid,                     \
	.domain_lookup_id = procdrv_domain_lookup_id,                         \
	.domain_define = procdrv_domain_define,                               \
	.domain_create_xml = procdrv_domain_create_xml,                       \
	.domain_undefine = procdrv_domain_undefine,                           \
	.domain_create = procdrv_domain_create,                               \
	.domain_destroy = procdrv_domain_destroy,                             \
	.domain_shutdown = procdrv_domain_shutdown,                           \
	.domain_reboot = procdrv_domain_reboot,                               \
	.domain_suspend = procdrv_domain_suspend,                             \
	.domain_resume = procdrv_domain_resume,                               \
	.domain_get_info = procdrv_domain_get_info,                           \
	.domain_get_state = procdrv_domain_get_state,                         \
	.domain_get_xml = procdrv_domain_get_xml,                             \
	.domain_pin_vcpu = procdrv_domain_pin_vcpu,                           \
	.domain_get_vcpu_pin_info = procdrv_domain_get_vcpu_pin_info,         \
	.domain_get_vcpus = procdrv_domain_get_vcpus,                         \
	.domain_pin_emulator = procdrv_domain_pin_emulator,                   \
	.domain_get_emulator_pin_info = procdrv_domain_get_emulator_pin_info, \
	.node_cpu_map = procdrv_node_cpu_map,                                 \
	.domain_set_autostart = procdrv_domain_set_autostart,                 \
	.domain_get_autostart = procdrv_domain_get_autostart

#endif
