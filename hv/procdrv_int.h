/* SPDX-License-Identifier: MIT */
/* procdrv_int: what the procdrv_*.c files share, not for the drivers. */
#ifndef RVIRT_HV_PROCDRV_INT_H
#define RVIRT_HV_PROCDRV_INT_H

#include "procdrv.h"

/* The driver of a connection. */
struct procdrv *procdrv_of(struct hv_conn *c);

/* The host's online CPUs, for pinning (no topology or memory). */
int procdrv_host(struct cpuset *online, struct rvirt_error *err);

/* A domstore_act_fn: start the process of d (autostart). */
int procdrv_start_rec(struct store_txn *txn, const struct domstore_driver *ds,
		      struct domrec *d, void *opaque, struct rvirt_error *err);

/* -1 with *err: domain d is not running. */
int procdrv_not_running(const struct domrec *d, struct rvirt_error *err);

#endif
