/* SPDX-License-Identifier: MIT */
/* procdrv_pin: pinning the threads of process and qemu domains. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/uuid.h"
#include "domevent.h"
#include "effect.h"
#include "node.h"
#include "procdrv.h"
#include "procdrv_int.h"

/* ---------------------------------------------------------------- */
/* Pinning: the threads themselves                                   */
/* ---------------------------------------------------------------- */

static int
procdrv_vcpu_tid(const struct procdrv *pd, const struct domrec *d,
		 const struct domain_def *live, unsigned int vcpu, pid_t *tid,
		 struct rvirt_error *err)
{
	pid_t *tids = calloc(live->vcpus, sizeof(*tids));

	if (!tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot find the vcpu threads of '%s': out of memory",
			d->name);
		return -1;
	}
	if (pd->ops->vcpu_tids(pd, d, live->vcpus, tids, err) < 0) {
		free(tids);
		return -1;
	}
	*tid = tids[vcpu];
	free(tids);
	if (*tid == 0) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' has no thread for vcpu %u (a program "
			"without vcpu threads: pin its emulator threads)",
			d->name, vcpu);
		return -1;
	}
	return 0;
}

static int
procdrv_pin_vcpu_live(struct hv_conn *c, const struct domrec *d,
		      const struct domain_def *live, unsigned int vcpu,
		      const struct cpuset *set, struct rvirt_error *err)
{
	char what[RVIRT_NAME_MAX + 64];
	pid_t tid;

	if (!procdom_alive(d->pid, d->pid_start, NULL))
		return procdrv_not_running(d, err);
	if (procdrv_vcpu_tid(procdrv_of(c), d, live, vcpu, &tid, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "vcpu %u of '%s'", vcpu, d->name);
	return procdom_pin(tid, set, what, err);
}

static int
procdrv_pin_emulator_live(struct hv_conn *c, const struct domrec *d,
			  const struct domain_def *live,
			  const struct cpuset *set, struct rvirt_error *err)
{
	pid_t *tids = NULL, *all = NULL;
	size_t n = 0;
	char what[RVIRT_NAME_MAX + 64];
	int ret = -1;

	if (!procdom_alive(d->pid, d->pid_start, NULL))
		return procdrv_not_running(d, err);
	tids = calloc(live->vcpus, sizeof(*tids));
	if (!tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot pin the emulator of '%s': out of memory",
			d->name);
		return -1;
	}
	if (procdrv_of(c)->ops->vcpu_tids(procdrv_of(c), d, live->vcpus, tids,
					  err) < 0 ||
	    procdom_tasks(d->pid, &all, &n, err) < 0)
		goto out;
	snprintf(what, sizeof(what), "an emulator thread of '%s'", d->name);
	for (size_t k = 0; k < n; k++) {
		bool vcpu = false;

		for (unsigned int i = 0; i < live->vcpus && !vcpu; i++)
			vcpu = tids[i] == all[k];
		if (!vcpu && procdom_pin(all[k], set, what, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(all);
	free(tids);
	return ret;
}

static int
procdrv_vcpu_pins_live(struct hv_conn *c, const struct domrec *d,
		       const struct domain_def *live, struct cpuset *sets,
		       struct rvirt_error *err)
{
	pid_t *tids = calloc(live->vcpus, sizeof(*tids));
	struct cpuset host;
	int ret = -1;

	if (!tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot read the pinning of '%s': out of memory",
			d->name);
		return -1;
	}
	if (procdrv_host(&host, err) < 0 ||
	    procdrv_of(c)->ops->vcpu_tids(procdrv_of(c), d, live->vcpus, tids,
					  err) < 0)
		goto out;
	for (unsigned int i = 0; i < live->vcpus; i++) {
		struct rvirt_error e;

		/* A vCPU without a thread has what the definition says. */
		if (!tids[i] || procdom_affinity(tids[i], &sets[i], &e) < 0)
			domain_def_vcpu_affinity(live, i, &host, &sets[i]);
	}
	ret = 0;
out:
	free(tids);
	return ret;
}

static int
procdrv_emulator_pin_live(struct hv_conn *c, const struct domrec *d,
			  const struct domain_def *live, struct cpuset *out,
			  struct rvirt_error *err)
{
	(void)c;
	(void)live;
	/* The main thread is an emulator thread of every kind of domain. */
	return procdom_affinity(d->pid, out, err);
}

static const struct domstore_pin_ops procdrv_pin_ops = {
	.pin_vcpu = procdrv_pin_vcpu_live,
	.pin_emulator = procdrv_pin_emulator_live,
	.vcpu_pins = procdrv_vcpu_pins_live,
	.emulator_pin = procdrv_emulator_pin_live,
};

int
procdrv_domain_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom, unsigned int vcpu,
			const struct cpuset *set, unsigned int flags,
			struct rvirt_error *err)
{
	struct cpuset host;

	if (procdrv_host(&host, err) < 0)
		return -1;
	return domstore_pin_vcpu(c, txn, &procdrv_of(c)->ds, &procdrv_pin_ops,
				 &host, dom, vcpu, set, flags, err);
}

int
procdrv_domain_pin_emulator(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom,
			    const struct cpuset *set, unsigned int flags,
			    struct rvirt_error *err)
{
	struct cpuset host;

	if (procdrv_host(&host, err) < 0)
		return -1;
	return domstore_pin_emulator(c, txn, &procdrv_of(c)->ds,
				     &procdrv_pin_ops, &host, dom, set, flags,
				     err);
}

int
procdrv_domain_get_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
				 const struct hv_domain_ref *dom,
				 unsigned int flags, struct cpuset **sets,
				 size_t *nsets, struct rvirt_error *err)
{
	struct cpuset host;

	if (procdrv_host(&host, err) < 0)
		return -1;
	return domstore_vcpu_pin_info(c, txn, &procdrv_of(c)->ds,
				      &procdrv_pin_ops, &host, dom, flags, sets,
				      nsets, err);
}

int
procdrv_domain_get_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
				     const struct hv_domain_ref *dom,
				     unsigned int flags, struct cpuset *out,
				     struct rvirt_error *err)
{
	struct cpuset host;

	if (procdrv_host(&host, err) < 0)
		return -1;
	return domstore_emulator_pin_info(c, txn, &procdrv_of(c)->ds,
					  &procdrv_pin_ops, &host, dom, flags,
					  out, err);
}
