/* SPDX-License-Identifier: MIT */
/* domstore_int: what the domstore_*.c files share, not for the drivers. */
#ifndef RVIRT_HV_DOMSTORE_INT_H
#define RVIRT_HV_DOMSTORE_INT_H

#include <stdint.h>

#include "domstore.h"

/* Wall-clock time in nanoseconds, for the records' timestamps. */
uint64_t domstore_now_ns(void);

/* Set *err to "cannot <what>: out of memory"; returns -1. */
int domstore_oom(const char *what, struct rvirt_error *err);

/* The uuid name is bound to; 1 found, 0 absent, -1 error. */
int domstore_name_get(struct store_txn *txn, const struct domstore_driver *drv,
		      const char *name, unsigned char *uuid,
		      struct rvirt_error *err);

/* Bind name to uuid in the driver's name index.  0, or -1 with *err. */
int domstore_name_put(struct store_txn *txn, const struct domstore_driver *drv,
		      const char *name, const unsigned char *uuid,
		      struct rvirt_error *err);

/* Copy the memory and vCPU figures of def into d's live state. */
void domstore_live_from_def(struct domrec *d, const struct domain_def *def);

#endif
