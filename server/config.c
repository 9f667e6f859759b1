/* SPDX-License-Identifier: MIT */
/* config: rvirtd.conf, parsed with libconfig, checked key by key. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/err.h"
#include "config.h"
#include "config_int.h"

/* A config file is a page or two of text; anything bigger is a mistake. */
#define CONFIG_FILE_MAX (1024 * 1024)

#define KEY(n, k, lo, hi)                                       \
	{                                                       \
#n, k, offsetof(struct config, n),              \
			sizeof(((struct config *)0)->n), lo, hi \
	}

/*
 * Every key of rvirtd.conf(5).  t/9000-docs-consistency.t reads the
 * KEY(...) lines of this table, so keep one key per line.
 */
static const struct config_key config_keys[] = {
	KEY(listen_tcp, KIND_BOOL, 0, 1),
	KEY(listen_addr, KIND_STRING, 0, 0),
	KEY(tcp_port, KIND_UINT, 0, 65535),
	KEY(unix_sock_dir, KIND_PATH, 0, 0),
	KEY(unix_sock_ro_perms, KIND_PERMS, 0, 07777),
	KEY(unix_sock_rw_perms, KIND_PERMS, 0, 07777),
	KEY(unix_sock_group, KIND_STRING, 0, 0),
	KEY(auth_unix_rw, KIND_AUTH, 0, 0),
	KEY(auth_unix_ro, KIND_AUTH, 0, 0),
	KEY(auth_tcp, KIND_AUTH, 0, 0),
	KEY(auth_tls, KIND_AUTH, 0, 0),
	KEY(listen_tls, KIND_BOOL, 0, 1),
	KEY(tls_port, KIND_UINT, 0, 65535),
	KEY(key_file, KIND_PATH, 0, 0),
	KEY(cert_file, KIND_PATH, 0, 0),
	KEY(ca_file, KIND_PATH, 0, 0),
	KEY(crl_file, KIND_PATH, 0, 0),
	KEY(tls_priority, KIND_STRING, 0, 0),
	KEY(tls_no_verify_certificate, KIND_BOOL, 0, 1),
	KEY(tls_allowed_dn_list, KIND_GLOBS, 0, 0),
	KEY(sasl_config_dir, KIND_PATH, 0, 0),
	KEY(sasl_server_fqdn, KIND_STRING, 0, 0),
	KEY(sasl_allowed_username_list, KIND_GLOBS, 0, 0),
	KEY(tcp_min_ssf, KIND_UINT, 0, 100000),
	KEY(unix_rw_allowed_list, KIND_GLOBS, 0, 0),
	KEY(max_anonymous_clients, KIND_UINT, 1, 1000000),
	KEY(auth_timeout, KIND_UINT, 1, 3600),
	KEY(auth_fail_delay, KIND_UINT, 0, 60000),
	KEY(max_clients, KIND_UINT, 1, 1000000),
	KEY(idle_timeout, KIND_UINT, 0, 31536000),
	KEY(message_timeout, KIND_UINT, 1, 3600),
	KEY(keepalive_interval, KIND_INT, -1, 3600),
	KEY(keepalive_count, KIND_UINT, 1, 1000),
	KEY(max_workers, KIND_UINT, 1, 4096),
	KEY(min_spare_workers, KIND_UINT, 0, 4096),
	KEY(max_spare_workers, KIND_UINT, 1, 4096),
	KEY(start_workers, KIND_UINT, 1, 4096),
	KEY(max_clients_per_worker, KIND_UINT, 1, 1000000),
	KEY(max_calls_per_worker, KIND_UINT, 0, 4000000000),
	KEY(worker_stop_timeout, KIND_UINT, 1, 3600),
	KEY(state_dir, KIND_PATH, 0, 0),
	KEY(runtime_dir, KIND_PATH, 0, 0),
	KEY(store_max_size, KIND_MIB, 1, 1048576),
	KEY(store_sync, KIND_SYNC, 0, 0),
	KEY(store_sync_interval, KIND_UINT, 1, 3600),
	KEY(store_gc_interval, KIND_UINT, 1, 86400),
	KEY(session_ttl, KIND_UINT, 1, 31536000),
	KEY(session_max_replies, KIND_UINT, 1, 65536),
	KEY(session_record_delay, KIND_UINT, 0, 60000),
	KEY(reply_ttl, KIND_UINT, 1, 31536000),
	KEY(event_journal_max, KIND_UINT, 0, 4000000000),
	KEY(event_journal_max_age, KIND_UINT, 0, 315360000),
	KEY(log_level, KIND_INT, 1, 4),
	KEY(log_outputs, KIND_LOG_OUTPUTS, 0, 0),
	KEY(metrics_listen, KIND_STRING, 0, 0),
	KEY(metrics_tls, KIND_BOOL, 0, 1),
	KEY(metrics_auth_file, KIND_PATH, 0, 0),
	KEY(metrics_per_domain, KIND_BOOL, 0, 1),
	KEY(log_filters, KIND_STRING, 0, 0),
	KEY(audit_log, KIND_STRING, 0, 0),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* The unix socket with the longer name; both must fit in sun_path. */
#define CONFIG_SOCK_RO_NAME "/rvirt-sock-ro"

void
config_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* An XDG base directory variable counts only when absolute (XDG spec). */
static const char *
config_xdg(const char *var)
{
	const char *v = getenv(var);

	if (v && v[0] == '/')
		return v;
	return NULL;
}

static const char *
config_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && home[0] == '/')
		return home;
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	/* No home at all: somewhere private that at least exists. */
	return "/tmp";
}

/* The TLS files: /etc/pki/rvirt as root, else ~/.pki/rvirt. */
static void
config_default_pki(struct config *cfg)
{
	char dir[CONFIG_PATH_MAX - 64];

	if (getuid() == 0)
		snprintf(dir, sizeof(dir), "/etc/pki/rvirt");
	else
		snprintf(dir, sizeof(dir), "%s/.pki/rvirt", config_home());
	snprintf(cfg->ca_file, sizeof(cfg->ca_file), "%s/cacert.pem", dir);
	snprintf(cfg->cert_file, sizeof(cfg->cert_file), "%s/servercert.pem",
		 dir);
	snprintf(cfg->key_file, sizeof(cfg->key_file),
		 "%s/private/serverkey.pem", dir);
}

void
config_init_defaults(struct config *cfg)
{
	const char *xdg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_tcp = false;
	config_copy(cfg->listen_addr, sizeof(cfg->listen_addr), "127.0.0.1");
	cfg->tcp_port = 16609;
	cfg->unix_sock_ro_perms = 0777;
	cfg->unix_sock_rw_perms = 0700;
	cfg->auth_unix_rw = CONFIG_AUTH_NONE;
	cfg->auth_unix_ro = CONFIG_AUTH_NONE;
	cfg->auth_tcp = CONFIG_AUTH_SASL;
	cfg->auth_tcp_explicit = false;
	cfg->auth_tls = CONFIG_AUTH_NONE;
	cfg->listen_tls = false;
	cfg->tls_port = 16610;
	config_copy(cfg->tls_priority, sizeof(cfg->tls_priority),
		    "@RVIRT,SYSTEM");
	cfg->tcp_min_ssf = 56;
	cfg->max_anonymous_clients = 20;
	cfg->auth_timeout = 30;
	cfg->auth_fail_delay = 1000;
	cfg->max_clients = 5000;
	cfg->idle_timeout = 0;
	cfg->message_timeout = 30;
	cfg->keepalive_interval = 5;
	cfg->keepalive_count = 5;
	cfg->max_workers = 16;
	cfg->min_spare_workers = 2;
	cfg->max_spare_workers = 4;
	cfg->start_workers = 2;
	cfg->max_clients_per_worker = 64;
	cfg->max_calls_per_worker = 0;
	cfg->worker_stop_timeout = 30;
	cfg->store_max_size = (size_t)1024 * 1024 * 1024;
	cfg->store_sync = CONFIG_SYNC_FULL;
	cfg->store_sync_interval = 1;
	cfg->store_gc_interval = 60;
	cfg->metrics_per_domain = true;
	cfg->session_ttl = 86400;
	cfg->event_journal_max = 100000;
	cfg->event_journal_max_age = 604800;
	cfg->session_max_replies = 64;
	cfg->session_record_delay = 100;
	cfg->reply_ttl = 3600;
	cfg->log_level = 3;
	config_copy(cfg->log_outputs, sizeof(cfg->log_outputs), "3:stderr");
	config_copy(cfg->audit_log, sizeof(cfg->audit_log), "on");

	if (getuid() == 0) {
		config_copy(cfg->runtime_dir, sizeof(cfg->runtime_dir),
			    "/run/rvirt");
		config_copy(cfg->state_dir, sizeof(cfg->state_dir),
			    "/var/lib/rvirt");
	} else {
		xdg = config_xdg("XDG_RUNTIME_DIR");
		if (xdg)
			snprintf(cfg->runtime_dir, sizeof(cfg->runtime_dir),
				 "%s/rvirt", xdg);
		else
			snprintf(cfg->runtime_dir, sizeof(cfg->runtime_dir),
				 "%s/.cache/rvirt/run", config_home());
		xdg = config_xdg("XDG_DATA_HOME");
		if (xdg)
			snprintf(cfg->state_dir, sizeof(cfg->state_dir),
				 "%s/rvirt", xdg);
		else
			snprintf(cfg->state_dir, sizeof(cfg->state_dir),
				 "%s/.local/share/rvirt", config_home());
	}
	config_copy(cfg->unix_sock_dir, sizeof(cfg->unix_sock_dir),
		    cfg->runtime_dir);
	config_default_pki(cfg);
}

void
config_default_file(char *buf, size_t size)
{
	const char *xdg;

	if (getuid() == 0) {
		snprintf(buf, size, "/etc/rvirt/rvirtd.conf");
		return;
	}
	xdg = config_xdg("XDG_CONFIG_HOME");
	if (xdg)
		snprintf(buf, size, "%s/rvirt/rvirtd.conf", xdg);
	else
		snprintf(buf, size, "%s/.config/rvirt/rvirtd.conf",
			 config_home());
}

static int
config_apply(struct config *cfg, const struct config_src *src,
	     const config_setting_t *s, const struct config_key *key,
	     struct rvirt_error *err)
{
	char *field = (char *)cfg + key->offset;
	const char *str;
	long long n;
	mode_t mode;

	switch (key->kind) {
	case KIND_BOOL:
		if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
			*(bool *)field = config_setting_get_bool(s) != 0;
			return 0;
		}
		if (!config_is_int(s)) {
			config_err(err, src, s,
				   "'%s' must be 0, 1, true or false, not %s",
				   key->name,
				   config_type_name(config_setting_type(s)));
			return -1;
		}
		if (config_get_int(src, s, key, &n, err) < 0)
			return -1;
		*(bool *)field = n != 0;
		return 0;
	case KIND_UINT:
		if (config_get_int(src, s, key, &n, err) < 0)
			return -1;
		*(unsigned int *)field = (unsigned int)n;
		return 0;
	case KIND_INT:
		if (config_get_int(src, s, key, &n, err) < 0)
			return -1;
		*(int *)field = (int)n;
		return 0;
	case KIND_MIB:
		if (config_get_int(src, s, key, &n, err) < 0)
			return -1;
		*(size_t *)field = (size_t)n * 1024 * 1024;
		return 0;
	case KIND_STRING:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		config_copy(field, key->size, str);
		return 0;
	case KIND_PATH:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		/* Optional files and directories: "" means none. */
		if (str[0] != '/' &&
		    !(str[0] == '\0' &&
		      (strcmp(key->name, "crl_file") == 0 ||
		       strcmp(key->name, "sasl_config_dir") == 0 ||
		       strcmp(key->name, "metrics_auth_file") == 0))) {
			config_err(err, src, s,
				   "'%s' must be an absolute path, not '%s'",
				   key->name, str);
			return -1;
		}
		config_copy(field, key->size, str);
		return 0;
	case KIND_PERMS:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		if (config_parse_perms(str, &mode) < 0) {
			config_err(err, src, s,
				   "'%s' must be an octal mode between 0 and "
				   "07777, not '%s'",
				   key->name, str);
			return -1;
		}
		*(mode_t *)field = mode;
		return 0;
	case KIND_AUTH:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		if (strcmp(str, "none") == 0) {
			*(enum config_auth *)field = CONFIG_AUTH_NONE;
		} else if (strcmp(str, "sasl") == 0) {
			*(enum config_auth *)field = CONFIG_AUTH_SASL;
		} else {
			config_err(err, src, s,
				   "'%s' must be 'none' or 'sasl', not '%s'",
				   key->name, str);
			return -1;
		}
		return 0;
	case KIND_SYNC:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		if (strcmp(str, "full") == 0) {
			*(enum config_sync *)field = CONFIG_SYNC_FULL;
		} else if (strcmp(str, "relaxed") == 0) {
			*(enum config_sync *)field = CONFIG_SYNC_RELAXED;
		} else {
			config_err(err, src, s,
				   "'%s' must be 'full' or 'relaxed', not '%s'",
				   key->name, str);
			return -1;
		}
		return 0;
	case KIND_LOG_OUTPUTS:
		if (config_get_string(src, s, key, &str, err) < 0)
			return -1;
		if (config_check_log_outputs(src, s, str, err) < 0)
			return -1;
		config_copy(field, key->size, str);
		return 0;
	case KIND_GLOBS:
		return config_get_globs(
			src, s, key, (struct config_globs *)(void *)field, err);
	}
	config_err(err, src, s, "'%s' has no parser", key->name);
	return -1;
}

static const struct config_key *
config_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

/*
 * Report that key a must not exceed key b, at the line of whichever of
 * the two the file sets (a first): the other one kept its default.
 */
static int
config_err_relation(const struct config_src *src, config_t *lc, const char *a,
		    unsigned int va, const char *b, unsigned int vb,
		    struct rvirt_error *err)
{
	const config_setting_t *s = config_lookup(lc, a);

	if (!s)
		s = config_lookup(lc, b);
	if (!s) {
		/* Only the defaults: they are consistent, so not reached. */
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"%s: '%s' %u is more than '%s' %u", src->path, a, va, b,
			vb);
		return -1;
	}
	config_err(err, src, s, "'%s' %u is more than '%s' %u", a, va, b, vb);
	return -1;
}

/* The worker pool's keys against each other. */
static int
config_check_pool(const struct config *cfg, const struct config_src *src,
		  config_t *lc, struct rvirt_error *err)
{
	if (cfg->min_spare_workers > cfg->max_spare_workers)
		return config_err_relation(
			src, lc, "min_spare_workers", cfg->min_spare_workers,
			"max_spare_workers", cfg->max_spare_workers, err);
	if (cfg->max_spare_workers > cfg->max_workers)
		return config_err_relation(
			src, lc, "max_spare_workers", cfg->max_spare_workers,
			"max_workers", cfg->max_workers, err);
	if (cfg->start_workers > cfg->max_workers)
		return config_err_relation(src, lc, "start_workers",
					   cfg->start_workers, "max_workers",
					   cfg->max_workers, err);
	return 0;
}

/* Checks across keys, after every key has been read. */
static int
config_check(const struct config *cfg, const struct config_src *src,
	     config_t *lc, struct rvirt_error *err)
{
	const config_setting_t *s;
	struct sockaddr_un sun;
	size_t max = sizeof(sun.sun_path) - sizeof(CONFIG_SOCK_RO_NAME);
	size_t len;

	if (config_check_pool(cfg, src, lc, err) < 0)
		return -1;
	len = strlen(cfg->unix_sock_dir);
	if (len > max) {
		s = config_lookup(lc, "unix_sock_dir");
		if (!s)
			s = config_lookup(lc, "runtime_dir");
		if (s) {
			config_err(err, src, s,
				   "'unix_sock_dir' '%s' is too long for a "
				   "unix socket: %zu bytes, at most %zu",
				   cfg->unix_sock_dir, len, max);
			return -1;
		}
	}
	return 0;
}

static int
config_read_text(const char *path, char **out, size_t *outlen,
		 struct rvirt_error *err)
{
	FILE *f;
	struct stat st;
	char *buf = NULL;
	size_t n;
	int ret = -1;

	f = fopen(path, "r");
	if (!f) {
		err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG, errno,
			      "cannot read '%s'", path);
		return -1;
	}
	if (fstat(fileno(f), &st) < 0) {
		err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG, errno,
			      "cannot read '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"cannot read '%s': not a regular file", path);
		goto out;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"cannot read '%s': %lld bytes, at most %d", path,
			(long long)st.st_size, CONFIG_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CONFIG,
			"cannot read '%s': out of memory", path);
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG, errno,
			      "cannot read '%s'", path);
		goto out;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"cannot read '%s': not a text file", path);
		goto out;
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

/*
 * The line on which a double-quoted string opens and is not closed
 * before the line ends (rvirtd.conf strings never span lines), or 0.
 * Comments (#, //) outside strings are skipped.
 */
static int
config_open_quote_line(const char *text)
{
	int line = 1;

	while (*text) {
		bool in_string = false, comment = false;

		for (; *text && *text != '\n'; text++) {
			if (comment)
				continue;
			if (in_string) {
				if (*text == '\\' && text[1] && text[1] != '\n')
					text++;
				else if (*text == '"')
					in_string = false;
			} else if (*text == '"') {
				in_string = true;
			} else if (*text == '#' ||
				   (*text == '/' && text[1] == '/')) {
				comment = true;
			}
		}
		if (in_string)
			return line;
		if (*text)
			text++;
		line++;
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, struct rvirt_error *err)
{
	struct config *tmp = NULL;
	struct config_src src = { .path = path };
	char *text = NULL;
	size_t len = 0;
	config_t lc;
	config_setting_t *root, *s;
	const struct config_key *key;
	bool sock_dir_set = false, runtime_dir_set = false;
	int i, n;
	int ret = -1;

	if (strlen(path) >= sizeof(cfg->path)) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
			"cannot read '%.64s...': path too long", path);
		return -1;
	}
	if (config_read_text(path, &text, &len, err) < 0)
		return -1;
	src.text = text;
	src.len = len;

	config_init(&lc);
	/* Parse the text already read, so the literal rescan in
	 * config_int_literal sees exactly what libconfig saw. */
	if (!config_read_string(&lc, text)) {
		int open_line = config_open_quote_line(text);

		/* libconfig reports an unclosed string where the file ends. */
		if (open_line > 0)
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"%s:%d: unterminated string", path, open_line);
		else
			err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CONFIG,
				"%s:%d: %s",
				config_error_file(&lc) ? config_error_file(&lc)
						       : path,
				config_error_line(&lc), config_error_text(&lc));
		goto out;
	}

	/* Parse into a copy: on any error *cfg stays as it was. */
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CONFIG,
			"cannot load '%s': out of memory", path);
		goto out;
	}
	*tmp = *cfg;

	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, (unsigned int)i);
		if (config_setting_source_file(s)) {
			config_err(err, &src, s,
				   "'%s' comes from an included file: "
				   "@include is not supported",
				   config_setting_name(s));
			goto out;
		}
		key = config_key_find(config_setting_name(s));
		if (!key) {
			config_err(err, &src, s, "unknown key '%s'",
				   config_setting_name(s));
			goto out;
		}
		if (config_apply(tmp, &src, s, key, err) < 0)
			goto out;
		if (strcmp(key->name, "auth_tcp") == 0)
			tmp->auth_tcp_explicit = true;
		else if (strcmp(key->name, "unix_sock_dir") == 0)
			sock_dir_set = true;
		else if (strcmp(key->name, "runtime_dir") == 0)
			runtime_dir_set = true;
	}
	/* unix_sock_dir follows runtime_dir unless it was set on its own. */
	if (runtime_dir_set && !sock_dir_set &&
	    strcmp(cfg->unix_sock_dir, cfg->runtime_dir) == 0)
		config_copy(tmp->unix_sock_dir, sizeof(tmp->unix_sock_dir),
			    tmp->runtime_dir);
	if (config_check(tmp, &src, &lc, err) < 0)
		goto out;

	config_copy(tmp->path, sizeof(tmp->path), path);
	*cfg = *tmp;
	ret = 0;
out:
	config_destroy(&lc);
	free(tmp);
	free(text);
	return ret;
}

/* Print s as a libconfig string literal. */
static void
config_dump_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A list that was never set prints as the empty list, commented. */
static void
config_dump_globs(FILE *f, const struct config_globs *g)
{
	fputc('[', f);
	for (unsigned int i = 0; i < g->n; i++) {
		if (i)
			fputs(", ", f);
		config_dump_string(f, g->pat[i]);
	}
	fputc(']', f);
}

void
config_dump(const struct config *cfg, FILE *f)
{
	static const char *const auth[] = {
		[CONFIG_AUTH_NONE] = "none",
		[CONFIG_AUTH_SASL] = "sasl",
	};
	const struct config_key *key;
	const char *field;
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		key = &config_keys[i];
		field = (const char *)cfg + key->offset;
		/* An empty list refuses everyone; one not set checks nothing. */
		if (key->kind == KIND_GLOBS &&
		    !((const struct config_globs *)(const void *)field)->set) {
			fprintf(f, "#%s = [] (not set: no check)\n", key->name);
			continue;
		}
		fprintf(f, "%s = ", key->name);
		switch (key->kind) {
		case KIND_BOOL:
			fprintf(f, "%d", *(const bool *)field ? 1 : 0);
			break;
		case KIND_UINT:
			fprintf(f, "%u", *(const unsigned int *)field);
			break;
		case KIND_INT:
			fprintf(f, "%d", *(const int *)field);
			break;
		case KIND_MIB:
			fprintf(f, "%zu",
				*(const size_t *)field / (1024 * 1024));
			break;
		case KIND_STRING:
		case KIND_PATH:
		case KIND_LOG_OUTPUTS:
			config_dump_string(f, field);
			break;
		case KIND_PERMS:
			fprintf(f, "\"%04o\"",
				(unsigned int)*(const mode_t *)field);
			break;
		case KIND_AUTH:
			fprintf(f, "\"%s\"",
				auth[*(const enum config_auth *)field]);
			break;
		case KIND_SYNC:
			fprintf(f, "\"%s\"",
				*(const enum config_sync *)field ==
						CONFIG_SYNC_RELAXED
					? "relaxed"
					: "full");
			break;
		case KIND_GLOBS:
			config_dump_globs(f, (const void *)field);
			break;
		}
		fputc('\n', f);
	}
}
