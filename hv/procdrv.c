/* SPDX-License-Identifier: MIT */
/* procdrv: what the process and qemu drivers share, inside hv/. */
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

/*
 * Besides domstore's records a procdrv keeps in STORE_META
 * "<driver>:boot_id", the host boot its autostart domains were started
 * in.  A running domain's record holds the pid and start time of its
 * process and the definition it was started with (its live XML, where
 * live pinning changes go too).  The kernel is asked, not the record,
 * for everything that can change under us: whether the process still
 * exists, whether it is stopped, its threads, their affinity and CPU
 * time.
 */

/* The driver of a connection. */
struct procdrv *
procdrv_of(struct hv_conn *c)
{
	return c->priv;
}

int
procdrv_host(struct cpuset *online, struct rvirt_error *err)
{
	/* Not node_facts_read: pinning calls need no topology or memory. */
	return node_online_read(NULL, online, err);
}

/* ---------------------------------------------------------------- */
/* Files and probing                                                 */
/* ---------------------------------------------------------------- */

int
procdrv_dir(const struct procdrv *pd, char *buf, size_t size,
	    struct rvirt_error *err)
{
	const struct hv_options *o = hv_get_options();
	int n = snprintf(buf, size, "%s/%s", o->runtime_dir, pd->ds.name);

	if (n < 0 || (size_t)n >= size) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"runtime directory '%.64s...' is too long",
			o->runtime_dir);
		return -1;
	}
	return procdom_mkdirs(buf, err);
}

int
procdrv_file(const char *dir, const struct domrec *d, const char *suffix,
	     size_t max, char *buf, size_t size, struct rvirt_error *err)
{
	char u[UUID_STRLEN + 1];
	int n = -1;

	if (max == 0 || max > size)
		max = size;
	/* A name is one path component (no '/', not "." or ".."). */
	if (strlen(d->name) + strlen(suffix) + 1 <= 255)
		n = snprintf(buf, size, "%s/%s.%s", dir, d->name, suffix);
	if (n < 0 || (size_t)n >= max) {
		uuid_format(d->uuid, u);
		n = snprintf(buf, size, "%s/%s.%s", dir, u, suffix);
	}
	if (n < 0 || (size_t)n >= max) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"path of the %s file of domain '%s' in '%.64s' is too "
			"long",
			suffix, d->name, dir);
		return -1;
	}
	return 0;
}

static void
procdrv_vanish(struct domrec *d)
{
	d->state = RVIRT_DOMAIN_SHUTOFF;
	d->reason = DOMREC_REASON_SHUTOFF_CRASHED;
	d->id = -1;
	d->vanished = true;
}

void
procdrv_probe_alive(struct domrec *d)
{
	if (!procdom_alive(d->pid, d->pid_start, NULL))
		procdrv_vanish(d);
}

void
procdrv_probe_stopped(struct domrec *d)
{
	char st = 0;

	if (!procdom_alive(d->pid, d->pid_start, &st)) {
		procdrv_vanish(d);
		return;
	}
	/* SIGSTOP or SIGCONT from outside is what the kernel says. */
	if ((st == 'T' || st == 't') && d->state == RVIRT_DOMAIN_RUNNING) {
		d->state = RVIRT_DOMAIN_PAUSED;
		d->reason = DOMREC_REASON_UNKNOWN;
	} else if (st != 'T' && st != 't' && d->state == RVIRT_DOMAIN_PAUSED) {
		d->state = RVIRT_DOMAIN_RUNNING;
		d->reason = DOMREC_REASON_RUNNING_UNPAUSED;
	}
}

/* ---------------------------------------------------------------- */
/* Placement                                                         */
/* ---------------------------------------------------------------- */

int
procdrv_place(const struct domain_def *def, const struct cpuset *host,
	      pid_t pid, const pid_t *tids, struct rvirt_error *err)
{
	struct cpuset set;
	pid_t *all = NULL;
	size_t n = 0;
	char what[RVIRT_NAME_MAX + 64];
	int ret = -1;

	for (unsigned int i = 0; i < def->vcpus; i++) {
		domain_def_vcpu_affinity(def, i, host, &set);
		snprintf(what, sizeof(what), "vcpu %u of '%s'", i, def->name);
		if (procdom_pin(tids[i], &set, what, err) < 0)
			return -1;
	}
	if (procdom_tasks(pid, &all, &n, err) < 0)
		return -1;
	domain_def_emulator_affinity(def, host, &set);
	snprintf(what, sizeof(what), "an emulator thread of '%s'", def->name);
	for (size_t k = 0; k < n; k++) {
		bool vcpu = false;

		for (unsigned int i = 0; i < def->vcpus && !vcpu; i++)
			vcpu = tids[i] == all[k];
		if (!vcpu && procdom_pin(all[k], &set, what, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(all);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Starting and stopping                                             */
/* ---------------------------------------------------------------- */

/*
 * Start d (shut off) from def and mark it running in txn; act of
 * domstore_host_boot too (opaque is the procdrv).  Nothing is left
 * running on failure.
 */
static int
procdrv_start_def(struct store_txn *txn, struct procdrv *pd, struct domrec *d,
		  const struct domain_def *def, struct rvirt_error *err)
{
	struct procdom_proc p = { .go_fd = -1 };
	struct cpuset host;
	char dir[4096];
	struct rvirt_error e;
	bool adopted;

	if (procdrv_host(&host, err) < 0 ||
	    domain_def_check_host(def, &host, err) < 0 ||
	    procdrv_dir(pd, dir, sizeof(dir), err) < 0)
		return -1;
	/*
	 * Sent again after a run that died before its commit: the guest
	 * it started and noted is this call's, adopted; what it started
	 * without a note (the worker died in between) goes.
	 */
	adopted = hv_effect_adoptable(&p.pid, &p.start);
	hv_effect_reap_strays(adopted ? p.pid : 0);
	if (!adopted) {
		if (pd->ops->launch(pd, d, def, &host, dir, &p, err) < 0)
			return -1;
		hv_effect_note(p.pid, p.start);
	}
	d->pid = p.pid;
	d->pid_start = p.start;
	if (domstore_boot(txn, &pd->ds, d, def, err) < 0 ||
	    domstore_save(txn, &pd->ds, d, err) < 0) {
		procdom_kill(p.pid, p.start, &e);
		d->pid = 0;
		d->pid_start = 0;
		return -1;
	}
	return 0;
}

int
procdrv_start_rec(struct store_txn *txn, const struct domstore_driver *ds,
		  struct domrec *d, void *opaque, struct rvirt_error *err)
{
	struct procdrv *pd = opaque;
	struct domain_def *def;
	int rc;

	(void)ds;
	def = domain_xml_parse(d->xml, err);
	if (!def)
		return -1;
	rc = procdrv_start_def(txn, pd, d, def, err);
	domain_def_free(def);
	return rc;
}

/* The process is gone: write the record down as stopped. */
static int
procdrv_stopped(struct store_txn *txn, struct procdrv *pd, struct domrec *d,
		int reason, struct rvirt_error *err)
{
	if (pd->ops->cleanup)
		pd->ops->cleanup(pd, d);
	return domstore_stopped(txn, &pd->ds, d, reason, err);
}

/*
 * Sent again after a run that stopped the process it noted and died
 * before its commit: that stop is done.  The record is written down as
 * stopped for reason if it still names no live process (a transient
 * domain goes); a domain started again since is left alone.
 */
static int
procdrv_stop_done(struct store_txn *txn, struct procdrv *pd,
		  const struct hv_domain_ref *dom, int reason,
		  struct rvirt_error *err)
{
	struct domrec d;
	int ret;

	if (domstore_find(txn, &pd->ds, dom, &d, err) < 0)
		return err->code == RVIRT_ERR_NO_DOMAIN ? 0 : -1;
	ret = 0;
	if (!domrec_active(&d) || d.vanished)
		ret = procdrv_stopped(txn, pd, &d, reason, err);
	domrec_release(&d);
	return ret;
}

int
procdrv_not_running(const struct domrec *d, struct rvirt_error *err)
{
	if (d->vanished)
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not running: its process %d has "
			"ended",
			d->name, d->pid);
	else
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not running", d->name);
	return -1;
}

/* The audit trail: the hypervisor, not a caller, stopped this domain. */
static void
procdrv_audit_vanished(const struct domrec *d)
{
	char uuid[UUID_STRLEN + 1];
	struct log_fields f = { .domain = d->name, .uuid = uuid };

	uuid_format(d->uuid, uuid);
	log_audit(&f,
		  "domain '%s' uuid %s stopped on its own: its process %d "
		  "has ended",
		  d->name, uuid, (int)d->pid);
}

/*
 * Load dom for a change.  A domain found vanished by the probe is
 * written down as shut off first (a transient one is removed: then
 * RVIRT_ERR_NO_DOMAIN), so the change sees the truth.
 */
static int
procdrv_find(struct store_txn *txn, struct procdrv *pd,
	     const struct hv_domain_ref *dom, struct domrec *d,
	     struct rvirt_error *err)
{
	if (domstore_find(txn, &pd->ds, dom, d, err) < 0)
		return -1;
	if (!d->vanished)
		return 0;
	procdrv_audit_vanished(d);
	if (d->flags & DOMREC_TRANSIENT) {
		err_set(err, RVIRT_ERR_NO_DOMAIN, RVIRT_FROM_HV,
			"domain '%s' is gone: its process %d has ended",
			d->name, d->pid);
		procdrv_stopped(txn, pd, d, DOMREC_REASON_SHUTOFF_CRASHED, err);
		domrec_release(d);
		return -1;
	}
	if (procdrv_stopped(txn, pd, d, DOMREC_REASON_SHUTOFF_CRASHED, err) <
	    0) {
		domrec_release(d);
		return -1;
	}
	/* Remembered for the message: the record no longer holds it. */
	d->vanished = true;
	return 0;
}

int
procdrv_domain_create_xml(struct hv_conn *c, struct store_txn *txn,
			  const char *xml, struct hv_domain_ref *out,
			  struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domain_def *def;
	struct domrec d;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	def = domstore_parse(&pd->ds, xml, "create", err);
	if (!def)
		return -1;
	if (domstore_new(&d, def, err) < 0 ||
	    domstore_name_claim(txn, &pd->ds, &d, err) < 0 ||
	    domstore_check_unique(txn, &pd->ds, def, err) < 0)
		goto out;
	d.flags |= DOMREC_TRANSIENT;
	if (procdrv_start_def(txn, pd, &d, def, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	domain_def_free(def);
	return ret;
}

int
procdrv_domain_create(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom,
		      struct hv_domain_ref *out, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domrec d;
	int ret = -1;

	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	if (domrec_active(&d)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is already running", d.name);
		goto out;
	}
	if (procdrv_start_rec(txn, &pd->ds, &d, pd, err) < 0)
		goto out;
	domrec_ref(&d, out);
	ret = 0;
out:
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_destroy(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domrec d;
	int ret = -1;

	if (hv_effect_noted_gone())
		return procdrv_stop_done(txn, pd, dom,
					 DOMREC_REASON_SHUTOFF_DESTROYED, err);
	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	if (!domrec_active(&d)) {
		procdrv_not_running(&d, err);
		goto out;
	}
	hv_effect_note(d.pid, d.pid_start);
	if (procdom_kill(d.pid, d.pid_start, err) < 0)
		goto out;
	ret = procdrv_stopped(txn, pd, &d, DOMREC_REASON_SHUTOFF_DESTROYED,
			      err);
out:
	domrec_release(&d);
	return ret;
}

/* Shutdown and reboot need the guest running (a paused one cannot act). */
static int
procdrv_check_running(const struct domrec *d, struct rvirt_error *err)
{
	if (d->state == RVIRT_DOMAIN_PAUSED) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is paused: resume it first", d->name);
		return -1;
	}
	if (d->state != RVIRT_DOMAIN_RUNNING)
		return procdrv_not_running(d, err);
	return 0;
}

int
procdrv_domain_shutdown(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom,
			struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	unsigned int ms = hv_get_options()->shutdown_timeout_ms;
	struct domrec d;
	pid_t npid;
	uint64_t nstart;
	int ret = -1;

	if (hv_effect_noted_gone() && hv_effect_noted(&npid, &nstart)) {
		procdom_kill_leftovers(npid);
		return procdrv_stop_done(txn, pd, dom,
					 DOMREC_REASON_SHUTOFF_SHUTDOWN, err);
	}
	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	if (procdrv_check_running(&d, err) < 0)
		goto out;
	hv_effect_note(d.pid, d.pid_start);
	if (pd->ops->shutdown(pd, &d, err) < 0)
		goto out;
	/*
	 * The caller's write transaction stays open while the guest goes
	 * down: with rvirt-guest that is milliseconds; a program that
	 * ignores the request holds other writers up to the timeout.
	 */
	if (!procdom_wait_gone(d.pid, d.pid_start, ms)) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
			"domain '%s' did not shut down within %u ms: it is "
			"still running (destroy stops it at once)",
			d.name, ms);
		goto out;
	}
	/* A program's children are the domain's too: none outlives it. */
	procdom_kill_leftovers(d.pid);
	ret = procdrv_stopped(txn, pd, &d, DOMREC_REASON_SHUTOFF_SHUTDOWN, err);
out:
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_reboot(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domain_def *def = NULL;
	struct cpuset host;
	struct domrec d;
	char dir[4096];
	int ret = -1;

	/* An exe program's reboot replaced its process: none is adopted. */
	if (hv_effect_noted_gone())
		hv_effect_reap_strays(0);
	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	if (procdrv_check_running(&d, err) < 0)
		goto out;
	def = domstore_live_def(&d, err);
	if (!def || procdrv_host(&host, err) < 0 ||
	    procdrv_dir(pd, dir, sizeof(dir), err) < 0)
		goto out;
	/*
	 * The signal was sent just after the note: a re-run finding the
	 * noted process does not reboot it a second time.
	 */
	if (!hv_effect_noted_is(d.pid, d.pid_start)) {
		hv_effect_note(d.pid, d.pid_start);
		if (pd->ops->reboot(pd, &d, def, &host, dir, err) < 0)
			goto out;
	}
	domevent_hint(RVIRT_EVENT_REBOOTED, RVIRT_EVENT_REBOOTED_REBOOTED, -1);
	d.reason = DOMREC_REASON_RUNNING_BOOTED;
	ret = domstore_save(txn, &pd->ds, &d, err);
out:
	domain_def_free(def);
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_suspend(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domrec d;
	int ret = -1;

	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	/* Sent again: the process this call stopped is stopped. */
	if (d.state == RVIRT_DOMAIN_PAUSED &&
	    !hv_effect_noted_is(d.pid, d.pid_start)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is already paused", d.name);
		goto out;
	}
	if (d.state != RVIRT_DOMAIN_RUNNING && d.state != RVIRT_DOMAIN_PAUSED) {
		procdrv_not_running(&d, err);
		goto out;
	}
	hv_effect_note(d.pid, d.pid_start);
	if (d.state == RVIRT_DOMAIN_RUNNING &&
	    pd->ops->suspend(pd, &d, err) < 0)
		goto out;
	d.state = RVIRT_DOMAIN_PAUSED;
	d.reason = DOMREC_REASON_PAUSED_USER;
	ret = domstore_save(txn, &pd->ds, &d, err);
out:
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_resume(struct hv_conn *c, struct store_txn *txn,
		      const struct hv_domain_ref *dom, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct domrec d;
	int ret = -1;

	if (procdrv_find(txn, pd, dom, &d, err) < 0)
		return -1;
	/* Sent again: the process this call continued runs. */
	if (d.state == RVIRT_DOMAIN_RUNNING &&
	    !hv_effect_noted_is(d.pid, d.pid_start)) {
		err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
			"domain '%s' is not paused", d.name);
		goto out;
	}
	if (d.state != RVIRT_DOMAIN_RUNNING && d.state != RVIRT_DOMAIN_PAUSED) {
		procdrv_not_running(&d, err);
		goto out;
	}
	hv_effect_note(d.pid, d.pid_start);
	if (d.state == RVIRT_DOMAIN_PAUSED && pd->ops->resume(pd, &d, err) < 0)
		goto out;
	d.state = RVIRT_DOMAIN_RUNNING;
	d.reason = DOMREC_REASON_RUNNING_UNPAUSED;
	ret = domstore_save(txn, &pd->ds, &d, err);
out:
	domrec_release(&d);
	return ret;
}

int
procdrv_domain_undefine(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom,
			struct rvirt_error *err)
{
	return domstore_undefine(txn, &procdrv_of(c)->ds, dom, err);
}
