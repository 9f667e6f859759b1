/* SPDX-License-Identifier: MIT */
/* domstore_pin: vCPU and emulator pinning of stored domains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "domevent.h"
#include "domstore.h"
#include "domstore_int.h"

/* ---------------------------------------------------------------- */
/* Pinning                                                           */
/* ---------------------------------------------------------------- */

/* Turn flags into live and/or config for d; -1 with *err when invalid. */
static int
domstore_affect(const struct domrec *d, unsigned int flags, bool reading,
		bool *live, bool *config, struct rvirt_error *err)
{
	if (flags & ~(unsigned int)(HV_AFFECT_LIVE | HV_AFFECT_CONFIG)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"unsupported flags 0x%x",
			flags & ~(unsigned int)(HV_AFFECT_LIVE |
						HV_AFFECT_CONFIG));
		return -1;
	}
	if (flags == HV_AFFECT_CURRENT)
		flags = domrec_active(d) ? HV_AFFECT_LIVE : HV_AFFECT_CONFIG;
	*live = flags & HV_AFFECT_LIVE;
	*config = flags & HV_AFFECT_CONFIG;
	if (reading && *live && *config) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"cannot read the live and the config pinning of domain "
			"'%s' at once: pass one of them",
			d->name);
		return -1;
	}
	if (*live && !domrec_active(d)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not running: use the config flag to "
			"change or read its definition",
			d->name);
		return -1;
	}
	if (*config && (d->flags & DOMREC_TRANSIENT)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is transient: it has no definition to "
			"change",
			d->name);
		return -1;
	}
	return 0;
}

static int
domstore_check_set(const struct domrec *d, const char *what,
		   const struct cpuset *set, const struct cpuset *host,
		   struct rvirt_error *err)
{
	char text[CPUSET_FORMAT_MAX], have[CPUSET_FORMAT_MAX];
	int cpu;

	if (cpuset_count(set) == 0) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"cannot pin %s of domain '%s': the cpu map is empty",
			what, d->name);
		return -1;
	}
	cpu = cpuset_first_missing(set, host);
	if (cpu >= 0) {
		cpuset_format(set, text, sizeof(text));
		cpuset_format(host, have, sizeof(have));
		err_set(err, RVIRT_ERR_INVALID_CPUSET, RVIRT_FROM_HV,
			"cannot pin %s of domain '%s' to '%s': the host has no "
			"cpu %d (it has %s)",
			what, d->name, text, cpu, have);
		return -1;
	}
	return 0;
}

/* Replace an owned XML string by def formatted. */
static int
domstore_reformat(char **slot, const struct domain_def *def,
		  struct rvirt_error *err)
{
	char *x = domain_xml_format(def, -1, err);

	if (!x)
		return -1;
	free(*slot);
	*slot = x;
	return 0;
}

/* Pin vcpu of def to set; vcpu < 0 means the emulator threads. */
static int
domstore_pin_def(struct domain_def *def, int vcpu, const struct cpuset *set,
		 struct rvirt_error *err)
{
	if (vcpu >= 0)
		return domain_def_set_vcpupin(def, (unsigned int)vcpu, set,
					      err);
	def->has_emulatorpin = true;
	def->emulatorpin = *set;
	return 0;
}

/*
 * The common part of PIN_VCPU and PIN_EMULATOR: vcpu < 0 means the
 * emulator threads.
 */
static int
domstore_pin(struct hv_conn *c, struct store_txn *txn,
	     const struct domstore_driver *drv,
	     const struct domstore_pin_ops *ops, const struct cpuset *host,
	     const struct hv_domain_ref *dom, int vcpu,
	     const struct cpuset *set, unsigned int flags,
	     struct rvirt_error *err)
{
	struct domain_def *live = NULL, *conf = NULL;
	struct domrec d;
	char what[32];
	bool do_live, do_config;
	int ret = -1;

	if (vcpu >= 0)
		snprintf(what, sizeof(what), "vcpu %d", vcpu);
	else
		snprintf(what, sizeof(what), "the emulator threads");
	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (domstore_affect(&d, flags, false, &do_live, &do_config, err) < 0 ||
	    domstore_check_set(&d, what, set, host, err) < 0)
		goto out;
	/* Check both definitions before changing anything. */
	if (do_config) {
		conf = domain_xml_parse(d.xml, err);
		if (!conf || domstore_pin_def(conf, vcpu, set, err) < 0)
			goto out;
	}
	if (do_live) {
		live = domstore_live_def(&d, err);
		if (!live || domstore_pin_def(live, vcpu, set, err) < 0)
			goto out;
	}
	if (conf && domstore_reformat(&d.xml, conf, err) < 0)
		goto out;
	if (live && domstore_reformat(&d.live_xml, live, err) < 0)
		goto out;
	domevent_hint(RVIRT_EVENT_TUNED,
		      vcpu >= 0 ? RVIRT_EVENT_TUNED_VCPU_PIN
				: RVIRT_EVENT_TUNED_EMULATOR_PIN,
		      -1);
	if (domstore_save(txn, drv, &d, err) < 0)
		goto out;
	/*
	 * The threads last: a failure above leaves them untouched, and the
	 * caller's transaction is only committed if this works too.
	 */
	if (live) {
		if (vcpu >= 0 && ops->pin_vcpu &&
		    ops->pin_vcpu(c, &d, live, (unsigned int)vcpu, set, err) <
			    0)
			goto out;
		if (vcpu < 0 && ops->pin_emulator &&
		    ops->pin_emulator(c, &d, live, set, err) < 0)
			goto out;
	}
	ret = 0;
out:
	domain_def_free(live);
	domain_def_free(conf);
	domrec_release(&d);
	return ret;
}

int
domstore_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		  const struct domstore_driver *drv,
		  const struct domstore_pin_ops *ops, const struct cpuset *host,
		  const struct hv_domain_ref *dom, unsigned int vcpu,
		  const struct cpuset *set, unsigned int flags,
		  struct rvirt_error *err)
{
	if (vcpu >= DOMAIN_VCPUS_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"vcpu %u does not exist (at most %d vcpus)", vcpu,
			DOMAIN_VCPUS_MAX);
		return -1;
	}
	return domstore_pin(c, txn, drv, ops, host, dom, (int)vcpu, set, flags,
			    err);
}

int
domstore_pin_emulator(struct hv_conn *c, struct store_txn *txn,
		      const struct domstore_driver *drv,
		      const struct domstore_pin_ops *ops,
		      const struct cpuset *host,
		      const struct hv_domain_ref *dom, const struct cpuset *set,
		      unsigned int flags, struct rvirt_error *err)
{
	return domstore_pin(c, txn, drv, ops, host, dom, -1, set, flags, err);
}

/*
 * Find dom and parse the definition its pinning is read from (live or
 * config, by flags).  On success the caller frees it and releases *d;
 * NULL with *err otherwise, *d released.
 */
static struct domain_def *
domstore_pin_read(struct store_txn *txn, const struct domstore_driver *drv,
		  const struct hv_domain_ref *dom, unsigned int flags,
		  struct domrec *d, bool *live, struct rvirt_error *err)
{
	struct domain_def *def;
	bool config;

	if (domstore_find(txn, drv, dom, d, err) < 0)
		return NULL;
	if (domstore_affect(d, flags, true, live, &config, err) < 0) {
		domrec_release(d);
		return NULL;
	}
	def = *live ? domstore_live_def(d, err) : domain_xml_parse(d->xml, err);
	if (!def)
		domrec_release(d);
	return def;
}

int
domstore_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
		       const struct domstore_driver *drv,
		       const struct domstore_pin_ops *ops,
		       const struct cpuset *host,
		       const struct hv_domain_ref *dom, unsigned int flags,
		       struct cpuset **sets, size_t *nsets,
		       struct rvirt_error *err)
{
	struct domain_def *def;
	struct cpuset *out = NULL;
	struct domrec d;
	bool live;
	int ret = -1;

	def = domstore_pin_read(txn, drv, dom, flags, &d, &live, err);
	if (!def)
		return -1;
	out = calloc(def->vcpus, sizeof(*out));
	if (!out) {
		domstore_oom("read the vcpu pinning", err);
		goto out;
	}
	if (live && ops->vcpu_pins) {
		if (ops->vcpu_pins(c, &d, def, out, err) < 0)
			goto out;
	} else {
		for (unsigned int i = 0; i < def->vcpus; i++)
			domain_def_vcpu_affinity(def, i, host, &out[i]);
	}
	*sets = out;
	*nsets = def->vcpus;
	out = NULL;
	ret = 0;
out:
	free(out);
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

int
domstore_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
			   const struct domstore_driver *drv,
			   const struct domstore_pin_ops *ops,
			   const struct cpuset *host,
			   const struct hv_domain_ref *dom, unsigned int flags,
			   struct cpuset *out, struct rvirt_error *err)
{
	struct domain_def *def;
	struct domrec d;
	bool live;
	int ret = -1;

	def = domstore_pin_read(txn, drv, dom, flags, &d, &live, err);
	if (!def)
		return -1;
	if (live && ops->emulator_pin) {
		if (ops->emulator_pin(c, &d, def, out, err) < 0)
			goto out;
	} else {
		domain_def_emulator_affinity(def, host, out);
	}
	ret = 0;
out:
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}
