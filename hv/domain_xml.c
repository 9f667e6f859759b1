/* SPDX-License-Identifier: MIT */
/* domain_xml: the domain definition, parsed from and formatted to XML. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/err.h"
#include "../common/uuid.h"
#include "domain_xml.h"
#include "domain_xml_int.h"

static const char *const domain_type_names[] = {
	[DOMAIN_TYPE_TEST] = "test",
	[DOMAIN_TYPE_PROCESS] = "process",
	[DOMAIN_TYPE_QEMU] = "qemu",
};

const char *const domain_os_names[] = {
	[DOMAIN_OS_HVM] = "hvm",
	[DOMAIN_OS_EXE] = "exe",
};

const char *const domain_placement_names[] = {
	[DOMAIN_PLACEMENT_STATIC] = "static",
	[DOMAIN_PLACEMENT_AUTO] = "auto",
};

const char *const domain_action_names[] = {
	[DOMAIN_ACTION_DESTROY] = "destroy",
	[DOMAIN_ACTION_RESTART] = "restart",
	[DOMAIN_ACTION_PRESERVE] = "preserve",
	[DOMAIN_ACTION_RENAME_RESTART] = "rename-restart",
	[DOMAIN_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[DOMAIN_ACTION_COREDUMP_RESTART] = "coredump-restart",
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *
domain_xml_type_name(enum domain_type type)
{
	if ((size_t)type >= NELEMS(domain_type_names))
		return "unknown";
	return domain_type_names[type];
}

/* ---------------------------------------------------------------- */
/* Values                                                            */
/* ---------------------------------------------------------------- */

/* Decode one UTF-8 sequence at s; its length, or 0 when invalid. */
static size_t
domain_xml_utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
domain_xml_check_name(const char *name, struct rvirt_error *err)
{
	size_t len = strlen(name);
	const unsigned char *p = (const unsigned char *)name;

	if (len == 0)
		return domain_xml_fail(err, "the domain name is empty");
	if (len > RVIRT_NAME_MAX)
		return domain_xml_fail(err,
				       "domain name '%.32s...' is longer than "
				       "%d bytes",
				       name, RVIRT_NAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return domain_xml_fail(err, "domain name '%s' is not allowed",
				       name);
	while (*p) {
		size_t n;

		if (*p < 0x20 || *p == 0x7f)
			return domain_xml_fail(err,
					       "domain name contains a control "
					       "character");
		if (*p == '/')
			return domain_xml_fail(
				err, "domain name '%s' contains '/'", name);
		n = domain_xml_utf8_len(p);
		if (n == 0)
			return domain_xml_fail(
				err, "domain name is not valid UTF-8");
		p += n;
	}
	return 0;
}

/* The element's text, trimmed of blanks at both ends; malloc'd. */
static char *
domain_xml_text(xmlNodePtr n, bool trim, struct rvirt_error *err)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	size_t len;
	char *out;

	if (trim) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
	}
	len = strlen(s);
	if (trim) {
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
				   s[len - 1] == '\n' || s[len - 1] == '\r'))
			len--;
	}
	out = strndup(s, len);
	xmlFree(c);
	if (!out)
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
			"cannot parse domain xml: out of memory");
	return out;
}

/* The attribute's value, malloc'd; NULL when absent (or out of memory). */
static char *
domain_xml_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, XC name);
	char *out;

	if (!v)
		return NULL;
	out = strdup((const char *)v);
	xmlFree(v);
	return out;
}

static int
domain_xml_enum(const char *value, const char *const *names, size_t n,
		size_t limit, int *out)
{
	for (size_t i = 0; i < n && i < limit; i++) {
		if (names[i] && strcmp(value, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return -1;
}

/* A decimal unsigned number without sign, blanks or suffix. */
static int
domain_xml_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Units as libvirt reads them; the multiplier to bytes. */
static int
domain_xml_unit(const char *unit, uint64_t *scale)
{
	static const struct {
		const char *name;
		uint64_t scale;
	} units[] = {
		{ "b", 1 },
		{ "bytes", 1 },
		{ "KB", 1000ULL },
		{ "k", 1ULL << 10 },
		{ "KiB", 1ULL << 10 },
		{ "MB", 1000000ULL },
		{ "M", 1ULL << 20 },
		{ "MiB", 1ULL << 20 },
		{ "GB", 1000000000ULL },
		{ "G", 1ULL << 30 },
		{ "GiB", 1ULL << 30 },
		{ "TB", 1000000000000ULL },
		{ "T", 1ULL << 40 },
		{ "TiB", 1ULL << 40 },
		{ "PB", 1000000000000000ULL },
		{ "P", 1ULL << 50 },
		{ "PiB", 1ULL << 50 },
		{ "EB", 1000000000000000000ULL },
		{ "E", 1ULL << 60 },
		{ "EiB", 1ULL << 60 },
	};

	if (!unit) {
		*scale = 1ULL << 10;
		return 0;
	}
	for (size_t i = 0; i < NELEMS(units); i++) {
		if (strcasecmp(unit, units[i].name) == 0) {
			*scale = units[i].scale;
			return 0;
		}
	}
	return -1;
}

/* <memory> and <currentMemory>: a number and a unit, to KiB (rounded up). */
static int
domain_xml_memory(xmlNodePtr n, const char *what, uint64_t *kib,
		  struct rvirt_error *err)
{
	char *text = NULL, *unit = NULL;
	uint64_t v, scale;
	int ret = -1;

	text = domain_xml_text(n, true, err);
	if (!text)
		goto out;
	unit = domain_xml_attr(n, "unit");
	if (domain_xml_unit(unit, &scale) < 0) {
		domain_xml_fail(err, "<%s>: unknown unit '%s'", what, unit);
		goto out;
	}
	if (domain_xml_u64(text, &v) < 0) {
		domain_xml_fail(err, "<%s>: '%.64s' is not a number", what,
				text);
		goto out;
	}
	if (v > UINT64_MAX / scale) {
		domain_xml_fail(err, "<%s>: '%s' is too large", what, text);
		goto out;
	}
	v *= scale;
	*kib = v / 1024 + (v % 1024 ? 1 : 0);
	ret = 0;
out:
	free(text);
	free(unit);
	return ret;
}

static int
domain_xml_vcpu(xmlNodePtr n, struct domain_def *def, struct rvirt_error *err)
{
	char *text = NULL, *placement = NULL, *cpuset = NULL;
	uint64_t v;
	int ret = -1, p;

	text = domain_xml_text(n, true, err);
	if (!text)
		goto out;
	if (domain_xml_u64(text, &v) < 0 || v < 1 || v > DOMAIN_VCPUS_MAX) {
		domain_xml_fail(err,
				"<vcpu>: '%.64s' is not a count from 1 to %d",
				text, DOMAIN_VCPUS_MAX);
		goto out;
	}
	def->vcpus = (unsigned int)v;
	placement = domain_xml_attr(n, "placement");
	if (placement) {
		if (domain_xml_enum(placement, domain_placement_names,
				    NELEMS(domain_placement_names),
				    NELEMS(domain_placement_names), &p) < 0) {
			domain_xml_fail(err,
					"<vcpu>: unknown placement '%.64s' "
					"(static or auto)",
					placement);
			goto out;
		}
		def->placement = (enum domain_placement)p;
	}
	cpuset = domain_xml_attr(n, "cpuset");
	if (cpuset) {
		if (cpuset_parse(cpuset, 0, &def->cpuset, err) < 0)
			goto out;
		def->has_cpuset = true;
	}
	ret = 0;
out:
	free(text);
	free(placement);
	free(cpuset);
	return ret;
}

static int
domain_xml_action(xmlNodePtr n, const char *what, size_t limit,
		  enum domain_action *out, struct rvirt_error *err)
{
	char *text = domain_xml_text(n, true, err);
	int a;

	if (!text)
		return -1;
	if (domain_xml_enum(text, domain_action_names,
			    NELEMS(domain_action_names), limit, &a) < 0) {
		domain_xml_fail(err, "<%s>: unknown action '%.64s'", what,
				text);
		free(text);
		return -1;
	}
	free(text);
	*out = (enum domain_action)a;
	return 0;
}

static bool
domain_xml_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Refuse a second copy of an element that may appear once. */
static int
domain_xml_once(unsigned int *seen, unsigned int bit, const char *what,
		struct rvirt_error *err)
{
	if (*seen & bit)
		return domain_xml_fail(err, "element <%s> appears twice", what);
	*seen |= bit;
	return 0;
}

/* One <initarg>: kept verbatim, in order, at most DOMAIN_INITARGS_MAX. */
static int
domain_xml_initarg(xmlNodePtr n, struct domain_def *def,
		   struct rvirt_error *err)
{
	char **args;
	char *text;

	if (def->nos_initargs >= DOMAIN_INITARGS_MAX)
		return domain_xml_fail(err, "more than %d <initarg> elements",
				       DOMAIN_INITARGS_MAX);
	text = domain_xml_text(n, false, err);
	if (!text)
		return -1;
	args = reallocarray(def->os_initargs, def->nos_initargs + 1,
			    sizeof(*args));
	if (!args) {
		free(text);
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
			"cannot parse domain xml: out of memory");
		return -1;
	}
	args[def->nos_initargs++] = text;
	def->os_initargs = args;
	return 0;
}

/* A cpuset attribute of a <cputune> child; required. */
static int
domain_xml_pin_set(xmlNodePtr n, const char *what, struct cpuset *out,
		   struct rvirt_error *err)
{
	char *cpuset = domain_xml_attr(n, "cpuset");
	int rc;

	if (!cpuset)
		return domain_xml_fail(err, "<%s> needs a cpuset attribute",
				       what);
	rc = cpuset_parse(cpuset, 0, out, err);
	free(cpuset);
	return rc;
}

/*
 * <cputune>: <vcpupin vcpu='N' cpuset='...'/> and <emulatorpin
 * cpuset='...'/>; the other children (shares, period, quota, ...) are
 * ignored.  Whether N is below the vCPU count is checked once the whole
 * document is read, as <vcpu> may come later.
 */
static int
domain_xml_cputune(xmlNodePtr tune, struct domain_def *def,
		   struct rvirt_error *err)
{
	for (xmlNodePtr n = tune->children; n; n = n->next) {
		if (domain_xml_is(n, "emulatorpin")) {
			if (def->has_emulatorpin)
				return domain_xml_fail(err,
						       "element <emulatorpin> "
						       "appears twice");
			if (domain_xml_pin_set(n, "emulatorpin",
					       &def->emulatorpin, err) < 0)
				return -1;
			def->has_emulatorpin = true;
		} else if (domain_xml_is(n, "vcpupin")) {
			struct cpuset set;
			char *vcpu = domain_xml_attr(n, "vcpu");
			uint64_t v;
			int bad;

			if (!vcpu)
				return domain_xml_fail(err,
						       "<vcpupin> needs a vcpu "
						       "attribute");
			bad = domain_xml_u64(vcpu, &v) < 0 ||
			      v >= DOMAIN_VCPUS_MAX;
			if (bad) {
				domain_xml_fail(
					err,
					"<vcpupin>: vcpu '%.64s' is not "
					"a number from 0 to %d",
					vcpu, DOMAIN_VCPUS_MAX - 1);
				free(vcpu);
				return -1;
			}
			free(vcpu);
			if (domain_def_vcpupin(def, (unsigned int)v))
				return domain_xml_fail(err,
						       "<vcpupin>: vcpu %u is "
						       "pinned twice",
						       (unsigned int)v);
			if (domain_xml_pin_set(n, "vcpupin", &set, err) < 0)
				return -1;
			if (domain_def_add_pin(def, (unsigned int)v, &set,
					       err) < 0)
				return -1;
		}
	}
	return 0;
}

static int
domain_xml_os(xmlNodePtr os, struct domain_def *def, struct rvirt_error *err)
{
	unsigned int seen = 0;

	for (xmlNodePtr n = os->children; n; n = n->next) {
		char **slot = NULL;
		unsigned int bit = 0;

		if (domain_xml_is(n, "type")) {
			char *text;
			int t;

			if (domain_xml_once(&seen, 1, "os/type", err) < 0)
				return -1;
			text = domain_xml_text(n, true, err);
			if (!text)
				return -1;
			if (domain_xml_enum(text, domain_os_names,
					    NELEMS(domain_os_names),
					    NELEMS(domain_os_names), &t) < 0) {
				domain_xml_fail(err,
						"<os><type>: unknown os type "
						"'%.64s' (hvm or exe)",
						text);
				free(text);
				return -1;
			}
			free(text);
			def->os_type = (enum domain_os_type)t;
			continue;
		}
		if (domain_xml_is(n, "kernel")) {
			slot = &def->os_kernel;
			bit = 2;
		} else if (domain_xml_is(n, "cmdline")) {
			slot = &def->os_cmdline;
			bit = 4;
		} else if (domain_xml_is(n, "init")) {
			slot = &def->os_init;
			bit = 8;
		} else if (domain_xml_is(n, "loader")) {
			slot = &def->os_loader;
			bit = 16;
		} else if (domain_xml_is(n, "initarg")) {
			if (domain_xml_initarg(n, def, err) < 0)
				return -1;
			continue;
		} else {
			continue;
		}
		if (domain_xml_once(&seen, bit, (const char *)n->name, err) < 0)
			return -1;
		*slot = domain_xml_text(n, bit != 4, err);
		if (!*slot)
			return -1;
		if (bit == 16 && (*slot)[0] != '/')
			return domain_xml_fail(err,
					       "<os><loader>: '%.256s' is not "
					       "an absolute path",
					       *slot);
	}
	return 0;
}

enum {
	SEEN_NAME = 1 << 0,
	SEEN_UUID = 1 << 1,
	SEEN_TITLE = 1 << 2,
	SEEN_DESCRIPTION = 1 << 3,
	SEEN_MEMORY = 1 << 4,
	SEEN_CURMEM = 1 << 5,
	SEEN_VCPU = 1 << 6,
	SEEN_OS = 1 << 7,
	SEEN_ON_POWEROFF = 1 << 8,
	SEEN_ON_REBOOT = 1 << 9,
	SEEN_ON_CRASH = 1 << 10,
	SEEN_CPUTUNE = 1 << 11,
	SEEN_DEVICES = 1 << 12,
};

static int
domain_xml_element(xmlNodePtr n, struct domain_def *def, unsigned int *seen,
		   struct rvirt_error *err)
{
	const char *name = (const char *)n->name;
	char *text;

	if (domain_xml_is(n, "name")) {
		if (domain_xml_once(seen, SEEN_NAME, name, err) < 0)
			return -1;
		text = domain_xml_text(n, false, err);
		if (!text)
			return -1;
		if (domain_xml_check_name(text, err) < 0) {
			free(text);
			return -1;
		}
		strcpy(def->name, text);
		free(text);
	} else if (domain_xml_is(n, "uuid")) {
		if (domain_xml_once(seen, SEEN_UUID, name, err) < 0)
			return -1;
		text = domain_xml_text(n, true, err);
		if (!text)
			return -1;
		if (uuid_parse(text, def->uuid) < 0) {
			domain_xml_fail(err, "<uuid>: '%.64s' is not a uuid",
					text);
			free(text);
			return -1;
		}
		free(text);
	} else if (domain_xml_is(n, "title")) {
		if (domain_xml_once(seen, SEEN_TITLE, name, err) < 0)
			return -1;
		def->title = domain_xml_text(n, false, err);
		if (!def->title)
			return -1;
		if (strpbrk(def->title, "\r\n"))
			return domain_xml_fail(err,
					       "<title> must be a single line");
	} else if (domain_xml_is(n, "description")) {
		if (domain_xml_once(seen, SEEN_DESCRIPTION, name, err) < 0)
			return -1;
		def->description = domain_xml_text(n, false, err);
		if (!def->description)
			return -1;
	} else if (domain_xml_is(n, "memory")) {
		if (domain_xml_once(seen, SEEN_MEMORY, name, err) < 0 ||
		    domain_xml_memory(n, name, &def->memory_kib, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "currentMemory")) {
		if (domain_xml_once(seen, SEEN_CURMEM, name, err) < 0 ||
		    domain_xml_memory(n, name, &def->current_memory_kib, err) <
			    0)
			return -1;
	} else if (domain_xml_is(n, "vcpu")) {
		if (domain_xml_once(seen, SEEN_VCPU, name, err) < 0 ||
		    domain_xml_vcpu(n, def, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "cputune")) {
		if (domain_xml_once(seen, SEEN_CPUTUNE, name, err) < 0 ||
		    domain_xml_cputune(n, def, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "os")) {
		if (domain_xml_once(seen, SEEN_OS, name, err) < 0 ||
		    domain_xml_os(n, def, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "devices")) {
		if (domain_xml_once(seen, SEEN_DEVICES, name, err) < 0 ||
		    domain_xml_devices(n, def, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "on_poweroff")) {
		if (domain_xml_once(seen, SEEN_ON_POWEROFF, name, err) < 0 ||
		    domain_xml_action(n, name, DOMAIN_ACTION_RENAME_RESTART + 1,
				      &def->on_poweroff, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "on_reboot")) {
		if (domain_xml_once(seen, SEEN_ON_REBOOT, name, err) < 0 ||
		    domain_xml_action(n, name, DOMAIN_ACTION_RENAME_RESTART + 1,
				      &def->on_reboot, err) < 0)
			return -1;
	} else if (domain_xml_is(n, "on_crash")) {
		if (domain_xml_once(seen, SEEN_ON_CRASH, name, err) < 0 ||
		    domain_xml_action(n, name, NELEMS(domain_action_names),
				      &def->on_crash, err) < 0)
			return -1;
	}
	/* Anything else is ignored, as documented in doc/domain-xml.md. */
	return 0;
}

struct domain_def *
domain_xml_parse(const char *xml, struct rvirt_error *err)
{
	struct domain_def *def = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	char *type = NULL;
	unsigned int seen = 0;
	size_t len;
	int t;

	if (!xml)
		xml = "";
	len = strnlen(xml, (size_t)RVIRT_XML_MAX + 1);
	if (len > RVIRT_XML_MAX) {
		domain_xml_fail(err, "the document is larger than %d bytes",
				RVIRT_XML_MAX);
		return NULL;
	}
	if (len == 0) {
		domain_xml_fail(err, "the document is empty");
		return NULL;
	}
	doc = domain_xml_read(xml, len, err);
	if (!doc)
		return NULL;
	def = calloc(1, sizeof(*def));
	if (!def) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_XML,
			"cannot parse domain xml: out of memory");
		goto fail;
	}
	def->placement = DOMAIN_PLACEMENT_STATIC;
	def->os_type = DOMAIN_OS_HVM;
	def->on_poweroff = DOMAIN_ACTION_DESTROY;
	def->on_reboot = DOMAIN_ACTION_RESTART;
	def->on_crash = DOMAIN_ACTION_DESTROY;
	def->vcpus = 1;

	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "domain") != 0) {
		domain_xml_fail(err, "the root element must be <domain>");
		goto fail;
	}
	type = domain_xml_attr(root, "type");
	if (!type) {
		domain_xml_fail(err, "<domain> needs a type attribute (test, "
				     "process or qemu)");
		goto fail;
	}
	if (domain_xml_enum(type, domain_type_names, NELEMS(domain_type_names),
			    NELEMS(domain_type_names), &t) < 0) {
		domain_xml_fail(err,
				"unknown domain type '%.64s' (test, process or "
				"qemu)",
				type);
		goto fail;
	}
	def->type = (enum domain_type)t;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    domain_xml_element(n, def, &seen, err) < 0)
			goto fail;
	}
	if (!(seen & SEEN_NAME)) {
		domain_xml_fail(err, "<name> is required");
		goto fail;
	}
	if (!(seen & SEEN_MEMORY)) {
		domain_xml_fail(err, "<memory> is required");
		goto fail;
	}
	if (def->memory_kib == 0) {
		domain_xml_fail(err, "<memory> must be more than 0");
		goto fail;
	}
	if (def->nvcpupins > 0 &&
	    def->vcpupins[def->nvcpupins - 1].vcpu >= def->vcpus) {
		domain_xml_fail(err,
				"<vcpupin>: vcpu %u does not exist (the domain "
				"has %u vcpus, 0-%u)",
				def->vcpupins[def->nvcpupins - 1].vcpu,
				def->vcpus, def->vcpus - 1);
		goto fail;
	}
	/* As libvirt: no current memory, or too much, means all of it. */
	if (!(seen & SEEN_CURMEM) || def->current_memory_kib == 0 ||
	    def->current_memory_kib > def->memory_kib)
		def->current_memory_kib = def->memory_kib;
	def->has_uuid = seen & SEEN_UUID;
	if (!def->has_uuid && uuid_generate(def->uuid) < 0) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_XML,
			"cannot generate a uuid for domain '%s'", def->name);
		goto fail;
	}
	free(type);
	xmlFreeDoc(doc);
	return def;
fail:
	free(type);
	domain_def_free(def);
	xmlFreeDoc(doc);
	return NULL;
}
