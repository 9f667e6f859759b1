/* SPDX-License-Identifier: MIT */
/* driver: the table each hypervisor driver fills in, internal to hv/. */
#ifndef RVIRT_HV_DRIVER_H
#define RVIRT_HV_DRIVER_H

#include <stdint.h>

#include "hv.h"

/*
 * A connection as hv.c and the drivers see it.  hv.c parses the URI,
 * finds the driver by scheme and calls its open, which may set priv and
 * must set uri to the canonical URI with hv_conn_set_uri.
 */
struct hv_conn {
	const struct hv_driver *drv;
	struct store *st; /* borrowed */
	/*
	 * Allocated to its length: an open connection is held by every
	 * idle console, so it must stay small (not RVIRT_URI_MAX bytes).
	 */
	char *uri;
	void *priv; /* the driver's */
};

/*
 * Set c->uri to the formatted canonical URI (for a driver's open).
 * Returns 0, or -1 with *err (RVIRT_ERR_NO_MEMORY, or RVIRT_ERR_URI
 * when longer than RVIRT_URI_MAX).
 */
int hv_conn_set_uri(struct hv_conn *c, struct rvirt_error *err, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* The options hv_set_options kept (defaults filled in); never NULL. */
const struct hv_options *hv_get_options(void);

/*
 * One driver, one file (hv/test.c, ...).  The functions have the
 * contracts of the hv_* function of the same name in hv.h; hv.c has
 * already checked the arguments that are not driver specific (txn not
 * NULL, writable for changes, dom not NULL).  A NULL entry makes the
 * call fail with RVIRT_ERR_NO_SUPPORT.
 */
struct hv_driver {
	const char *scheme; /* URI scheme: "test" */
	const char *type;   /* hv_type(): "TEST" */
	uint64_t version;   /* major * 1000000 + minor * 1000 + micro */

	/* path is the URI's path ("/default"); 0 or -1 with *err. */
	int (*open)(struct hv_conn *c, const char *path,
		    struct rvirt_error *err);
	void (*close)(struct hv_conn *c);

	int (*capabilities)(struct hv_conn *c, char **xml,
			    struct rvirt_error *err);
	int (*node_info)(struct hv_conn *c, struct hv_node_info *info,
			 struct rvirt_error *err);

	int (*domain_list)(struct hv_conn *c, struct store_txn *txn,
			   unsigned int flags, size_t max,
			   struct hv_domain_ref **doms, size_t *ndoms,
			   struct rvirt_error *err);
	int (*domain_lookup_name)(struct hv_conn *c, struct store_txn *txn,
				  const char *name, struct hv_domain_ref *out,
				  struct rvirt_error *err);
	int (*domain_lookup_uuid)(struct hv_conn *c, struct store_txn *txn,
				  const unsigned char *uuid,
				  struct hv_domain_ref *out,
				  struct rvirt_error *err);
	int (*domain_lookup_id)(struct hv_conn *c, struct store_txn *txn,
				int id, struct hv_domain_ref *out,
				struct rvirt_error *err);

	int (*domain_define)(struct hv_conn *c, struct store_txn *txn,
			     const char *xml, struct hv_domain_ref *out,
			     struct rvirt_error *err);
	int (*domain_create_xml)(struct hv_conn *c, struct store_txn *txn,
				 const char *xml, struct hv_domain_ref *out,
				 struct rvirt_error *err);
	int (*domain_undefine)(struct hv_conn *c, struct store_txn *txn,
			       const struct hv_domain_ref *dom,
			       struct rvirt_error *err);
	int (*domain_create)(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom,
			     struct hv_domain_ref *out,
			     struct rvirt_error *err);
	int (*domain_destroy)(struct hv_conn *c, struct store_txn *txn,
			      const struct hv_domain_ref *dom,
			      struct rvirt_error *err);
	int (*domain_shutdown)(struct hv_conn *c, struct store_txn *txn,
			       const struct hv_domain_ref *dom,
			       struct rvirt_error *err);
	int (*domain_reboot)(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom,
			     struct rvirt_error *err);
	int (*domain_suspend)(struct hv_conn *c, struct store_txn *txn,
			      const struct hv_domain_ref *dom,
			      struct rvirt_error *err);
	int (*domain_resume)(struct hv_conn *c, struct store_txn *txn,
			     const struct hv_domain_ref *dom,
			     struct rvirt_error *err);

	int (*domain_get_info)(struct hv_conn *c, struct store_txn *txn,
			       const struct hv_domain_ref *dom,
			       struct hv_domain_info *info,
			       struct rvirt_error *err);
	int (*domain_get_state)(struct hv_conn *c, struct store_txn *txn,
				const struct hv_domain_ref *dom, int *state,
				int *reason, struct rvirt_error *err);
	int (*domain_get_xml)(struct hv_conn *c, struct store_txn *txn,
			      const struct hv_domain_ref *dom, char **xml,
			      struct rvirt_error *err);

	int (*domain_pin_vcpu)(struct hv_conn *c, struct store_txn *txn,
			       const struct hv_domain_ref *dom,
			       unsigned int vcpu, const struct cpuset *set,
			       unsigned int flags, struct rvirt_error *err);
	int (*domain_get_vcpu_pin_info)(struct hv_conn *c,
					struct store_txn *txn,
					const struct hv_domain_ref *dom,
					unsigned int flags,
					struct cpuset **sets, size_t *nsets,
					struct rvirt_error *err);
	int (*domain_get_vcpus)(struct hv_conn *c, struct store_txn *txn,
				const struct hv_domain_ref *dom,
				struct hv_vcpu_info **info, size_t *ninfo,
				struct rvirt_error *err);
	int (*domain_pin_emulator)(struct hv_conn *c, struct store_txn *txn,
				   const struct hv_domain_ref *dom,
				   const struct cpuset *set, unsigned int flags,
				   struct rvirt_error *err);
	int (*domain_get_emulator_pin_info)(struct hv_conn *c,
					    struct store_txn *txn,
					    const struct hv_domain_ref *dom,
					    unsigned int flags,
					    struct cpuset *out,
					    struct rvirt_error *err);
	int (*node_cpu_map)(struct hv_conn *c, struct cpuset *online,
			    unsigned int *ncpus, struct rvirt_error *err);
	int (*domain_set_autostart)(struct hv_conn *c, struct store_txn *txn,
				    const struct hv_domain_ref *dom,
				    bool autostart, struct rvirt_error *err);
	int (*domain_get_autostart)(struct hv_conn *c, struct store_txn *txn,
				    const struct hv_domain_ref *dom,
				    bool *autostart, struct rvirt_error *err);

	/*
	 * hv_host_start's part for this driver, with no connection open;
	 * NULL when there is nothing to do.
	 */
	int (*host_start)(struct store *st, struct rvirt_error *err);
	/* hv_host_settle's part: domains whose process is gone, written down. */
	int (*host_settle)(struct store *st, struct rvirt_error *err);
};

/* The drivers. */
extern const struct hv_driver test_driver;    /* hv/test.c */
extern const struct hv_driver process_driver; /* hv/process.c */
extern const struct hv_driver qemu_driver;    /* hv/qemu.c */

#endif
