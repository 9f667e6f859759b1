/* SPDX-License-Identifier: MIT */
/* pconf: rvirt-console-proxy.conf, parsed with libconfig. */
#include <libconfig.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rvirt_paths.h"

#include "../common/err.h"
#include "pconf.h"

enum pconf_type { PCONF_STR, PCONF_INT };

struct pconf_key {
	const char *name;
	enum pconf_type type;
	size_t off;
	size_t size; /* strings: the buffer's */
	long long min, max;
};

#define STR(k)                                               \
	{                                                    \
#k, PCONF_STR, offsetof(struct pconf, k),    \
			sizeof(((struct pconf *)0)->k), 0, 0 \
	}
#define INT(k, lo, hi)                                              \
	{                                                           \
#k, PCONF_INT, offsetof(struct pconf, k), 0, lo, hi \
	}

static const struct pconf_key pconf_keys[] = {
	STR(listen_addr),
	INT(listen_port, 0, 65535),
	STR(uri),
	STR(key_file),
	STR(cert_file),
	STR(ca_file),
	STR(www_dir),
	INT(max_sessions, 1, 100000),
	STR(allowed_origins),
	INT(token_recheck, 0, 86400),
	STR(sasl_username),
	STR(sasl_password_file),
};

void
pconf_defaults(struct pconf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
	c->listen_port = 16610;
	snprintf(c->www_dir, sizeof(c->www_dir), "%s", RVIRT_WWWDIR);
	c->max_sessions = 1024;
	c->token_recheck = 5;
}

static int
pconf_set(struct pconf *c, const char *path, const config_setting_t *s,
	  const struct pconf_key *k, struct rvirt_error *err)
{
	char *base = (char *)c;
	int line = config_setting_source_line(s);

	if (k->type == PCONF_STR) {
		const char *v = config_setting_get_string(s);

		if (config_setting_type(s) != CONFIG_TYPE_STRING || !v) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
				"%s:%d: cannot use '%s': not a string", path,
				line, k->name);
			return -1;
		}
		if (strlen(v) >= k->size) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
				"%s:%d: cannot use '%s': longer than %zu bytes",
				path, line, k->name, k->size - 1);
			return -1;
		}
		memcpy(base + k->off, v, strlen(v) + 1);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"%s:%d: cannot use '%s': not an integer", path, line,
			k->name);
		return -1;
	}
	long long v = config_setting_get_int(s);

	if (v < k->min || v > k->max) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"%s:%d: cannot use '%s' = %lld: not in %lld..%lld",
			path, line, k->name, v, k->min, k->max);
		return -1;
	}
	*(int *)(void *)(base + k->off) = (int)v;
	return 0;
}

int
pconf_read(struct pconf *c, const char *path, struct rvirt_error *err)
{
	config_setting_t *root;
	config_t cfg;
	int rc = -1;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
				"cannot read '%s': no such file or not "
				"readable",
				path);
		else
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
				"%s:%d: %s", path, config_error_line(&cfg),
				config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s =
			config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct pconf_key *k = NULL;

		for (size_t j = 0; j < sizeof(pconf_keys) / sizeof(*pconf_keys);
		     j++)
			if (strcmp(pconf_keys[j].name, name) == 0)
				k = &pconf_keys[j];
		if (!k) {
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
				"%s:%d: cannot use '%s': unknown key", path,
				config_setting_source_line(s), name);
			goto out;
		}
		if (pconf_set(c, path, s, k, err) < 0)
			goto out;
	}
	if (!!c->key_file[0] != !!c->cert_file[0] ||
	    (c->ca_file[0] && !c->cert_file[0])) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"cannot use '%s': TLS needs both key_file and "
			"cert_file (ca_file only with them)",
			path);
		goto out;
	}
	if (!!c->sasl_username[0] != !!c->sasl_password_file[0]) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"cannot use '%s': SASL needs both sasl_username and "
			"sasl_password_file",
			path);
		goto out;
	}
	rc = 0;
out:
	config_destroy(&cfg);
	return rc;
}
