/* SPDX-License-Identifier: MIT */
/* domstore_def: defining, undefining, booting and querying domain records. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/uuid.h"
#include "domevent.h"
#include "domstore.h"
#include "domstore_int.h"

/* ---------------------------------------------------------------- */
/* Definitions                                                       */
/* ---------------------------------------------------------------- */

int
domstore_define(struct store_txn *txn, const struct domstore_driver *drv,
		const char *xml, struct hv_domain_ref *out,
		struct rvirt_error *err)
{
	struct domain_def *def;
	struct domrec d;
	struct hv_domain_ref ref = { .id = -1 };
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char s[UUID_STRLEN + 1];
	int rc, ret = -1;

	memset(&d, 0, sizeof(d));
	def = domstore_parse(drv, xml, "define", err);
	if (!def)
		return -1;
	rc = domstore_name_get(txn, drv, def->name, uuid, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		/* A new domain. */
		if (domstore_check_unique(txn, drv, def, err) < 0 ||
		    domstore_new(&d, def, err) < 0 ||
		    domstore_save(txn, drv, &d, err) < 0 ||
		    domstore_name_put(txn, drv, d.name, d.uuid, err) < 0)
			goto out;
		domrec_ref(&d, out);
		ret = 0;
		goto out;
	}
	/* A redefinition: same name, and the same uuid if one is given. */
	if (def->has_uuid && memcmp(def->uuid, uuid, sizeof(uuid)) != 0) {
		uuid_format(uuid, s);
		err_set(err, RVIRT_ERR_DOMAIN_EXISTS, RVIRT_FROM_HV,
			"cannot define domain '%s': it already exists with "
			"uuid '%s'",
			def->name, s);
		goto out;
	}
	memcpy(def->uuid, uuid, sizeof(uuid));
	strcpy(ref.name, def->name);
	memcpy(ref.uuid, uuid, sizeof(uuid));
	if (domstore_find(txn, drv, &ref, &d, err) < 0)
		goto out;
	free(d.xml);
	d.xml = domain_xml_format(def, -1, err);
	if (!d.xml)
		goto out;
	/* A transient domain made persistent is added, else updated. */
	if (!(d.flags & DOMREC_TRANSIENT))
		domevent_hint(RVIRT_EVENT_DEFINED, RVIRT_EVENT_DEFINED_UPDATED,
			      -1);
	d.flags &= ~(unsigned int)DOMREC_TRANSIENT;
	if (!domrec_active(&d))
		domstore_live_from_def(&d, def);
	if (domstore_save(txn, drv, &d, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	domain_def_free(def);
	return ret;
}

int
domstore_undefine(struct store_txn *txn, const struct domstore_driver *drv,
		  const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (d.flags & DOMREC_TRANSIENT) {
		if (d.vanished) {
			/* Its process is gone: so is the domain. */
			domevent_hint_stop(DOMREC_REASON_SHUTOFF_CRASHED);
			ret = domstore_delete(txn, drv, &d, err);
			goto out;
		}
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"cannot undefine transient domain '%s'", d.name);
		goto out;
	}
	if (domrec_active(&d)) {
		/* It keeps running and disappears when it stops. */
		d.flags |= DOMREC_TRANSIENT;
		d.flags &= ~(unsigned int)DOMREC_AUTOSTART;
		ret = domstore_save(txn, drv, &d, err);
	} else {
		ret = domstore_delete(txn, drv, &d, err);
	}
out:
	domrec_release(&d);
	return ret;
}

struct domain_def *
domstore_live_def(const struct domrec *d, struct rvirt_error *err)
{
	return domain_xml_parse(d->live_xml ? d->live_xml : d->xml, err);
}

int
domstore_stopped(struct store_txn *txn, const struct domstore_driver *drv,
		 struct domrec *d, int reason, struct rvirt_error *err)
{
	struct domain_def *def;

	if (d->flags & DOMREC_TRANSIENT) {
		domevent_hint_stop(reason);
		return domstore_delete(txn, drv, d, err);
	}
	def = domain_xml_parse(d->xml, err);
	if (!def)
		return -1;
	domstore_live_from_def(d, def);
	domain_def_free(def);
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = reason;
	d->id = -1;
	d->start_ns = 0;
	d->cpu_ns = 0;
	d->pid = 0;
	d->pid_start = 0;
	d->vanished = false;
	free(d->live_xml);
	d->live_xml = NULL;
	return domstore_save(txn, drv, d, err);
}

int
domstore_boot(struct store_txn *txn, const struct domstore_driver *drv,
	      struct domrec *d, const struct domain_def *def,
	      struct rvirt_error *err)
{
	char *live = domain_xml_format(def, -1, err);

	if (!live)
		return -1;
	if (domstore_next_id(txn, drv, &d->id, err) < 0) {
		free(live);
		return -1;
	}
	free(d->live_xml);
	d->live_xml = live;
	domstore_live_from_def(d, def);
	d->state = RVIRT_DOMAIN_RUNNING;
	d->reason = DOMREC_REASON_RUNNING_BOOTED;
	d->start_ns = domstore_now_ns();
	d->cpu_ns = 0;
	d->vanished = false;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Queries                                                           */
/* ---------------------------------------------------------------- */

int
domstore_get_state(struct store_txn *txn, const struct domstore_driver *drv,
		   const struct hv_domain_ref *dom, int *state, int *reason,
		   struct rvirt_error *err)
{
	struct domrec d;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	*state = d.state;
	*reason = d.reason;
	domrec_release(&d);
	return 0;
}

int
domstore_get_xml(struct store_txn *txn, const struct domstore_driver *drv,
		 const struct hv_domain_ref *dom, char **xml,
		 struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	struct domrec d;
	char *out = NULL;
	bool active;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	active = domrec_active(&d);
	/* The live definition while it runs, not a redefinition since. */
	def = active ? domstore_live_def(&d, err)
		     : domain_xml_parse(d.xml, err);
	if (def)
		out = domain_xml_format(def, active ? d.id : -1, err);
	domain_def_free(def);
	domrec_release(&d);
	if (!out)
		return -1;
	*xml = out;
	return 0;
}

int
domstore_set_autostart(struct store_txn *txn, const struct domstore_driver *drv,
		       const struct hv_domain_ref *dom, bool autostart,
		       struct rvirt_error *err)
{
	struct domrec d;
	int ret = -1;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	if (d.flags & DOMREC_TRANSIENT) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"cannot set autostart of transient domain '%s'",
			d.name);
		goto out;
	}
	if (autostart)
		d.flags |= DOMREC_AUTOSTART;
	else
		d.flags &= ~(unsigned int)DOMREC_AUTOSTART;
	ret = domstore_save(txn, drv, &d, err);
out:
	domrec_release(&d);
	return ret;
}

int
domstore_get_autostart(struct store_txn *txn, const struct domstore_driver *drv,
		       const struct hv_domain_ref *dom, bool *autostart,
		       struct rvirt_error *err)
{
	struct domrec d;

	if (domstore_find(txn, drv, dom, &d, err) < 0)
		return -1;
	*autostart = d.flags & DOMREC_AUTOSTART;
	domrec_release(&d);
	return 0;
}
