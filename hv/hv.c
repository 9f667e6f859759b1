/* SPDX-License-Identifier: MIT */
/* hv: the hypervisor interface; parses the URI and calls the driver. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rvirt_paths.h"

#include "../common/err.h"
#include "domevent.h"
#include "driver.h"
#include "hv.h"

#define HV_DEFAULT_URI "test:///default"

static const struct hv_driver *const hv_drivers[] = {
	&test_driver,
	&process_driver,
	&qemu_driver,
};

#define HV_NDRIVERS (sizeof(hv_drivers) / sizeof(hv_drivers[0]))

static struct hv_options hv_options;
static bool hv_options_set;

/* rvirtd's default runtime_dir, as server/config.c computes it. */
static void
hv_default_runtime_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *home = getenv("HOME");

	if (geteuid() == 0)
		snprintf(buf, size, "/run/rvirt");
	else if (xdg && *xdg)
		snprintf(buf, size, "%s/rvirt", xdg);
	else
		snprintf(buf, size, "%s/.cache/rvirt/run",
			 home && *home ? home : "/tmp");
}

/*
 * rvirt-guest in the directory of the running program (the build
 * tree), else where make install puts it (RVIRT_GUESTDIR).
 */
static void
hv_default_guest_binary(char *buf, size_t size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(buf, size, "%s/rvirt-guest", RVIRT_GUESTDIR);
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, size, "%.4000s/rvirt-guest", self);
	if (access(buf, X_OK) < 0)
		snprintf(buf, size, "%s/rvirt-guest", RVIRT_GUESTDIR);
}

void
hv_set_options(const struct hv_options *opts)
{
	memset(&hv_options, 0, sizeof(hv_options));
	if (opts)
		hv_options = *opts;
	hv_options.runtime_dir[sizeof(hv_options.runtime_dir) - 1] = '\0';
	hv_options.guest_binary[sizeof(hv_options.guest_binary) - 1] = '\0';
	if (!hv_options.runtime_dir[0])
		hv_default_runtime_dir(hv_options.runtime_dir,
				       sizeof(hv_options.runtime_dir));
	if (!hv_options.guest_binary[0])
		hv_default_guest_binary(hv_options.guest_binary,
					sizeof(hv_options.guest_binary));
	if (!hv_options.shutdown_timeout_ms)
		hv_options.shutdown_timeout_ms = HV_SHUTDOWN_TIMEOUT_MS;
	hv_options_set = true;
}

const struct hv_options *
hv_get_options(void)
{
	if (!hv_options_set)
		hv_set_options(NULL);
	return &hv_options;
}

int
hv_host_start(struct store *st, struct rvirt_error *err)
{
	int ret = 0;

	for (size_t i = 0; i < HV_NDRIVERS; i++) {
		struct rvirt_error e;

		if (!hv_drivers[i]->host_start)
			continue;
		err_clear(&e);
		if (hv_drivers[i]->host_start(st, &e) < 0 && ret == 0) {
			/* Report the first failure; the others still run. */
			*err = e;
			ret = -1;
		}
	}
	return ret;
}

int
hv_host_settle(struct store *st, int pid, int status, struct rvirt_error *err)
{
	int ret = 0;

	domevent_set_watched(pid, status);
	for (size_t i = 0; i < HV_NDRIVERS; i++) {
		struct rvirt_error e;

		if (!hv_drivers[i]->host_settle)
			continue;
		err_clear(&e);
		if (hv_drivers[i]->host_settle(st, &e) < 0 && ret == 0) {
			*err = e;
			ret = -1;
		}
	}
	domevent_set_watched(0, -1);
	return ret;
}

int
hv_host_pids(struct store_txn *txn,
	     int (*fn)(int pid, uint64_t start, void *opaque), void *opaque,
	     struct rvirt_error *err)
{
	return domstore_each_pid(txn, fn, opaque, err);
}

/*
 * The server receives "driver:///path" (the client library strips the
 * transport, host and query).  Anything else here is a client bug or a
 * hand-made call: refuse it rather than guess.
 */
static int
hv_uri_split(const char *uri, char *scheme, size_t scheme_size,
	     const char **path, struct rvirt_error *err)
{
	const char *sep = strstr(uri, "://");
	size_t n;

	if (!sep || sep == uri) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s': expected 'driver:///path'", uri);
		return -1;
	}
	n = (size_t)(sep - uri);
	for (size_t i = 0; i < n; i++) {
		char ch = uri[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      (i > 0 && (ch == '+' || ch == '-' || ch == '.')))) {
			err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
				"invalid uri '%s': bad character in the scheme",
				uri);
			return -1;
		}
	}
	if (n >= scheme_size) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s': scheme too long", uri);
		return -1;
	}
	memcpy(scheme, uri, n);
	scheme[n] = '\0';
	if (strchr(scheme, '+')) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s': the server takes no transport, send "
			"'driver:///path'",
			uri);
		return -1;
	}
	*path = sep + 3;
	if (**path != '/') {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s': the server takes no host, send "
			"'driver:///path'",
			uri);
		return -1;
	}
	if (strpbrk(*path, "?#")) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s': the server takes no query or "
			"fragment",
			uri);
		return -1;
	}
	return 0;
}

struct hv_conn *
hv_open(const char *uri, struct store *st, struct rvirt_error *err)
{
	const struct hv_driver *drv = NULL;
	struct hv_conn *c;
	char scheme[32];
	const char *path;

	if (!uri || !*uri)
		uri = HV_DEFAULT_URI;
	if (strlen(uri) > RVIRT_URI_MAX) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%.64s...': longer than %d bytes", uri,
			RVIRT_URI_MAX);
		return NULL;
	}
	if (hv_uri_split(uri, scheme, sizeof(scheme), &path, err) < 0)
		return NULL;
	for (size_t i = 0; i < HV_NDRIVERS; i++) {
		if (strcmp(hv_drivers[i]->scheme, scheme) == 0) {
			drv = hv_drivers[i];
			break;
		}
	}
	if (!drv) {
		err_set(err, RVIRT_ERR_NO_DRIVER, RVIRT_FROM_HV,
			"no driver for uri '%s': driver '%s' is not available",
			uri, scheme);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot open uri '%s': out of memory", uri);
		return NULL;
	}
	c->drv = drv;
	c->st = st;
	if (drv->open(c, path, err) < 0) {
		free(c->uri);
		free(c);
		return NULL;
	}
	return c;
}

int
hv_conn_set_uri(struct hv_conn *c, struct rvirt_error *err, const char *fmt,
		...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot open a connection: out of memory");
		return -1;
	}
	if (n > RVIRT_URI_MAX) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%.64s...': longer than %d bytes", s,
			RVIRT_URI_MAX);
		free(s);
		return -1;
	}
	free(c->uri);
	c->uri = s;
	return 0;
}

void
hv_close(struct hv_conn *c)
{
	if (!c)
		return;
	if (c->drv->close)
		c->drv->close(c);
	free(c->uri);
	free(c);
}

const char *
hv_uri(const struct hv_conn *c)
{
	return c->uri;
}

const char *
hv_type(const struct hv_conn *c)
{
	return c->drv->type;
}

uint64_t
hv_version(const struct hv_conn *c)
{
	return c->drv->version;
}

static int
hv_no_support(const struct hv_conn *c, const char *what,
	      struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_NO_SUPPORT, RVIRT_FROM_HV,
		"driver '%s' does not support %s", c->drv->scheme, what);
	return -1;
}

static int
hv_check_txn(const struct store_txn *txn, bool write, const char *what,
	     struct rvirt_error *err)
{
	if (!txn) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"%s called without a store transaction", what);
		return -1;
	}
	if (write && !store_txn_writable(txn)) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"%s called with a read-only store transaction", what);
		return -1;
	}
	return 0;
}

static int
hv_check_dom(const struct hv_domain_ref *dom, const char *what,
	     struct rvirt_error *err)
{
	if (!dom) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"%s called without a domain", what);
		return -1;
	}
	return 0;
}

int
hv_capabilities(struct hv_conn *c, char **xml, struct rvirt_error *err)
{
	if (!c->drv->capabilities)
		return hv_no_support(c, "capabilities", err);
	return c->drv->capabilities(c, xml, err);
}

int
hv_node_info(struct hv_conn *c, struct hv_node_info *info,
	     struct rvirt_error *err)
{
	if (!c->drv->node_info)
		return hv_no_support(c, "node info", err);
	return c->drv->node_info(c, info, err);
}

int
hv_domain_list(struct hv_conn *c, struct store_txn *txn, unsigned int flags,
	       size_t max, struct hv_domain_ref **doms, size_t *ndoms,
	       struct rvirt_error *err)
{
	if (!c->drv->domain_list)
		return hv_no_support(c, "listing domains", err);
	if (hv_check_txn(txn, false, "hv_domain_list", err) < 0)
		return -1;
	if (flags & ~(unsigned int)(RVIRT_LIST_ACTIVE | RVIRT_LIST_INACTIVE)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"cannot list domains: unknown flags 0x%x", flags);
		return -1;
	}
	return c->drv->domain_list(c, txn, flags, max, doms, ndoms, err);
}

int
hv_domain_lookup_name(struct hv_conn *c, struct store_txn *txn,
		      const char *name, struct hv_domain_ref *out,
		      struct rvirt_error *err)
{
	if (!c->drv->domain_lookup_name)
		return hv_no_support(c, "domain lookup by name", err);
	if (hv_check_txn(txn, false, "hv_domain_lookup_name", err) < 0)
		return -1;
	return c->drv->domain_lookup_name(c, txn, name, out, err);
}

int
hv_domain_lookup_uuid(struct hv_conn *c, struct store_txn *txn,
		      const unsigned char *uuid, struct hv_domain_ref *out,
		      struct rvirt_error *err)
{
	if (!c->drv->domain_lookup_uuid)
		return hv_no_support(c, "domain lookup by uuid", err);
	if (hv_check_txn(txn, false, "hv_domain_lookup_uuid", err) < 0)
		return -1;
	return c->drv->domain_lookup_uuid(c, txn, uuid, out, err);
}

int
hv_domain_lookup_id(struct hv_conn *c, struct store_txn *txn, int id,
		    struct hv_domain_ref *out, struct rvirt_error *err)
{
	if (!c->drv->domain_lookup_id)
		return hv_no_support(c, "domain lookup by id", err);
	if (hv_check_txn(txn, false, "hv_domain_lookup_id", err) < 0)
		return -1;
	return c->drv->domain_lookup_id(c, txn, id, out, err);
}

int
hv_domain_define(struct hv_conn *c, struct store_txn *txn, const char *xml,
		 struct hv_domain_ref *out, struct rvirt_error *err)
{
	if (!c->drv->domain_define)
		return hv_no_support(c, "defining domains", err);
	if (hv_check_txn(txn, true, "hv_domain_define", err) < 0)
		return -1;
	return c->drv->domain_define(c, txn, xml, out, err);
}

int
hv_domain_create_xml(struct hv_conn *c, struct store_txn *txn, const char *xml,
		     struct hv_domain_ref *out, struct rvirt_error *err)
{
	if (!c->drv->domain_create_xml)
		return hv_no_support(c, "creating transient domains", err);
	if (hv_check_txn(txn, true, "hv_domain_create_xml", err) < 0)
		return -1;
	return c->drv->domain_create_xml(c, txn, xml, out, err);
}

/* The lifecycle calls share their checks. */
#define HV_LIFECYCLE(fn, what)                                            \
	int hv_domain_##fn(struct hv_conn *c, struct store_txn *txn,      \
			   const struct hv_domain_ref *dom,               \
			   struct rvirt_error *err)                       \
	{                                                                 \
		if (!c->drv->domain_##fn)                                 \
			return hv_no_support(c, what, err);               \
		if (hv_check_txn(txn, true, "hv_domain_" #fn, err) < 0 || \
		    hv_check_dom(dom, "hv_domain_" #fn, err) < 0)         \
			return -1;                                        \
		return c->drv->domain_##fn(c, txn, dom, err);             \
	}

HV_LIFECYCLE(undefine, "undefining domains")
HV_LIFECYCLE(destroy, "destroying domains")
HV_LIFECYCLE(shutdown, "shutting domains down")
HV_LIFECYCLE(reboot, "rebooting domains")
HV_LIFECYCLE(suspend, "suspending domains")
HV_LIFECYCLE(resume, "resuming domains")

int
hv_domain_create(struct hv_conn *c, struct store_txn *txn,
		 const struct hv_domain_ref *dom, struct hv_domain_ref *out,
		 struct rvirt_error *err)
{
	if (!c->drv->domain_create)
		return hv_no_support(c, "starting domains", err);
	if (hv_check_txn(txn, true, "hv_domain_create", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_create", err) < 0)
		return -1;
	return c->drv->domain_create(c, txn, dom, out, err);
}

int
hv_domain_get_info(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, struct hv_domain_info *info,
		   struct rvirt_error *err)
{
	if (!c->drv->domain_get_info)
		return hv_no_support(c, "domain info", err);
	if (hv_check_txn(txn, false, "hv_domain_get_info", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_info", err) < 0)
		return -1;
	return c->drv->domain_get_info(c, txn, dom, info, err);
}

int
hv_domain_get_state(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, int *state, int *reason,
		    struct rvirt_error *err)
{
	if (!c->drv->domain_get_state)
		return hv_no_support(c, "domain state", err);
	if (hv_check_txn(txn, false, "hv_domain_get_state", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_state", err) < 0)
		return -1;
	return c->drv->domain_get_state(c, txn, dom, state, reason, err);
}

int
hv_domain_get_xml(struct hv_conn *c, struct store_txn *txn,
		  const struct hv_domain_ref *dom, char **xml,
		  struct rvirt_error *err)
{
	if (!c->drv->domain_get_xml)
		return hv_no_support(c, "domain xml", err);
	if (hv_check_txn(txn, false, "hv_domain_get_xml", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_xml", err) < 0)
		return -1;
	return c->drv->domain_get_xml(c, txn, dom, xml, err);
}

/* ---------------------------------------------------------------- */
/* Placement and pinning                                             */
/* ---------------------------------------------------------------- */

static int
hv_check_set(const struct cpuset *set, const char *what,
	     struct rvirt_error *err)
{
	if (!set) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_HV,
			"%s called without a cpu set", what);
		return -1;
	}
	return 0;
}

int
hv_domain_pin_vcpu(struct hv_conn *c, struct store_txn *txn,
		   const struct hv_domain_ref *dom, unsigned int vcpu,
		   const struct cpuset *set, unsigned int flags,
		   struct rvirt_error *err)
{
	if (!c->drv->domain_pin_vcpu)
		return hv_no_support(c, "pinning vcpus", err);
	if (hv_check_txn(txn, true, "hv_domain_pin_vcpu", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_pin_vcpu", err) < 0 ||
	    hv_check_set(set, "hv_domain_pin_vcpu", err) < 0)
		return -1;
	return c->drv->domain_pin_vcpu(c, txn, dom, vcpu, set, flags, err);
}

int
hv_domain_get_vcpu_pin_info(struct hv_conn *c, struct store_txn *txn,
			    const struct hv_domain_ref *dom, unsigned int flags,
			    struct cpuset **sets, size_t *nsets,
			    struct rvirt_error *err)
{
	if (!c->drv->domain_get_vcpu_pin_info)
		return hv_no_support(c, "vcpu pin info", err);
	if (hv_check_txn(txn, false, "hv_domain_get_vcpu_pin_info", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_vcpu_pin_info", err) < 0)
		return -1;
	return c->drv->domain_get_vcpu_pin_info(c, txn, dom, flags, sets, nsets,
						err);
}

int
hv_domain_get_vcpus(struct hv_conn *c, struct store_txn *txn,
		    const struct hv_domain_ref *dom, struct hv_vcpu_info **info,
		    size_t *ninfo, struct rvirt_error *err)
{
	if (!c->drv->domain_get_vcpus)
		return hv_no_support(c, "vcpu info", err);
	if (hv_check_txn(txn, false, "hv_domain_get_vcpus", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_vcpus", err) < 0)
		return -1;
	return c->drv->domain_get_vcpus(c, txn, dom, info, ninfo, err);
}

int
hv_domain_pin_emulator(struct hv_conn *c, struct store_txn *txn,
		       const struct hv_domain_ref *dom,
		       const struct cpuset *set, unsigned int flags,
		       struct rvirt_error *err)
{
	if (!c->drv->domain_pin_emulator)
		return hv_no_support(c, "pinning emulator threads", err);
	if (hv_check_txn(txn, true, "hv_domain_pin_emulator", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_pin_emulator", err) < 0 ||
	    hv_check_set(set, "hv_domain_pin_emulator", err) < 0)
		return -1;
	return c->drv->domain_pin_emulator(c, txn, dom, set, flags, err);
}

int
hv_domain_get_emulator_pin_info(struct hv_conn *c, struct store_txn *txn,
				const struct hv_domain_ref *dom,
				unsigned int flags, struct cpuset *out,
				struct rvirt_error *err)
{
	if (!c->drv->domain_get_emulator_pin_info)
		return hv_no_support(c, "emulator pin info", err);
	if (hv_check_txn(txn, false, "hv_domain_get_emulator_pin_info", err) <
		    0 ||
	    hv_check_dom(dom, "hv_domain_get_emulator_pin_info", err) < 0)
		return -1;
	return c->drv->domain_get_emulator_pin_info(c, txn, dom, flags, out,
						    err);
}

int
hv_node_cpu_map(struct hv_conn *c, struct cpuset *online, unsigned int *ncpus,
		struct rvirt_error *err)
{
	if (!c->drv->node_cpu_map)
		return hv_no_support(c, "the node cpu map", err);
	return c->drv->node_cpu_map(c, online, ncpus, err);
}

int
hv_domain_set_autostart(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom, bool autostart,
			struct rvirt_error *err)
{
	if (!c->drv->domain_set_autostart)
		return hv_no_support(c, "autostart", err);
	if (hv_check_txn(txn, true, "hv_domain_set_autostart", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_set_autostart", err) < 0)
		return -1;
	return c->drv->domain_set_autostart(c, txn, dom, autostart, err);
}

int
hv_domain_get_autostart(struct hv_conn *c, struct store_txn *txn,
			const struct hv_domain_ref *dom, bool *autostart,
			struct rvirt_error *err)
{
	if (!c->drv->domain_get_autostart)
		return hv_no_support(c, "autostart", err);
	if (hv_check_txn(txn, false, "hv_domain_get_autostart", err) < 0 ||
	    hv_check_dom(dom, "hv_domain_get_autostart", err) < 0)
		return -1;
	return c->drv->domain_get_autostart(c, txn, dom, autostart, err);
}
