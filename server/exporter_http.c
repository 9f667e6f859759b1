/* SPDX-License-Identifier: MIT */
/* exporter_http: the metrics child: GET /metrics over libmicrohttpd. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/status.h"
#include "../store/store.h"
#include "exporter.h"
#include "exporter_req.h"
#include "sessdb.h"

#define EXPORTER_REALM "rvirtd metrics"
/* Password files and PEM files are small: refuse anything larger. */
#define EXPORTER_FILE_MAX (1024 * 1024)
/* How long a stopping exporter lets its scrapes in hand finish. */
#define EXPORTER_DRAIN_MS 5000

struct exporter_child {
	struct exporter *ex;
	struct sb *sb;
	const struct config *cfg;
	struct store *store; /* NULL: the store gauges are left out */
	bool store_warned;
	char *users; /* metrics_auth_file's text, NULL when off */
	bool tls;
};

/* Read a whole small file; NULL with *err. */
static char *
exporter_slurp(const char *path, struct rvirt_error *err)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (!fp) {
		err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER, errno,
			      "cannot read '%s'", path);
		return NULL;
	}
	buf = malloc(EXPORTER_FILE_MAX + 1);
	if (!buf) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot read '%s': out of memory", path);
		goto out;
	}
	n = fread(buf, 1, EXPORTER_FILE_MAX + 1, fp);
	if (ferror(fp) || n > EXPORTER_FILE_MAX) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"cannot read '%s': %s", path,
			ferror(fp) ? "read error" : "larger than 1 MiB");
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
out:
	fclose(fp);
	return buf;
}

/* A client certificate that the CA in ca_file vouches for. */
static bool
exporter_cert_ok(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s;
	unsigned int status = 0, n = 0;

	if (!ci || !ci->tls_session)
		return false;
	s = (gnutls_session_t)ci->tls_session;
	if (!gnutls_certificate_get_peers(s, &n) || n == 0)
		return false;
	return gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
}

/* Sessions in the session store (0 when it cannot be read). */
static uint64_t
exporter_sessions(struct store *main)
{
	struct store_info si;
	struct rvirt_error err;

	if (store_get_info(sessdb_store(main), &si, &err) < 0)
		return 0;
	return si.entries[STORE_SESSIONS];
}

/* The store's gauges, from a read of its environment. */
static void
exporter_put_store(struct exporter_child *ch, enum expofmt_mode mode, FILE *fp)
{
	struct store_info si;
	struct rvirt_error err;

	if (!ch->store || store_get_info(ch->store, &si, &err) < 0)
		return;
	expofmt_family(fp, mode, "rvirtd_store_map_size_bytes", "gauge",
		       "bytes", "Size of the store's map.");
	fprintf(fp, "rvirtd_store_map_size_bytes %" PRIu64 "\n", si.map_size);
	expofmt_family(fp, mode, "rvirtd_store_limit_bytes", "gauge", "bytes",
		       "The store_max_size limit.");
	fprintf(fp, "rvirtd_store_limit_bytes %zu\n", ch->cfg->store_max_size);
	expofmt_family(fp, mode, "rvirtd_store_used_bytes", "gauge", "bytes",
		       "Pages the data file has used, in bytes (high-water "
		       "mark).");
	fprintf(fp, "rvirtd_store_used_bytes %" PRIu64 "\n",
		si.pages_used * si.page_size);
	expofmt_family(fp, mode, "rvirtd_store_free_bytes", "gauge", "bytes",
		       "Pages on the store's free list, in bytes (reusable "
		       "now or once older readers end).");
	fprintf(fp, "rvirtd_store_free_bytes %" PRIu64 "\n",
		si.free_pages * si.page_size);
	expofmt_family(fp, mode, "rvirtd_store_free_list_entries", "gauge",
		       NULL,
		       "Entries of the store's free list (one per write "
		       "transaction that freed pages).");
	fprintf(fp, "rvirtd_store_free_list_entries %" PRIu64 "\n",
		si.free_entries);
	expofmt_family(fp, mode, "rvirtd_store_free_list_complete", "gauge",
		       NULL,
		       "1 when rvirtd_store_free_bytes counts every entry, 0 "
		       "when the walk stopped at its bound (a lower bound).");
	fprintf(fp, "rvirtd_store_free_list_complete %d\n",
		si.free_complete ? 1 : 0);
	expofmt_family(fp, mode, "rvirtd_sessions", "gauge", NULL,
		       "Sessions in the store (live and not yet collected).");
	fprintf(fp, "rvirtd_sessions %" PRIu64 "\n",
		exporter_sessions(ch->store));
	expofmt_family(fp, mode, "rvirtd_store_recorded_replies", "gauge", NULL,
		       "Recorded replies in the store.");
	fprintf(fp, "rvirtd_store_recorded_replies %" PRIu64 "\n",
		si.entries[STORE_REPLIES]);
	expofmt_family(fp, mode, "rvirtd_domains", "gauge", NULL,
		       "Domains defined in the store, all drivers.");
	fprintf(fp, "rvirtd_domains %" PRIu64 "\n", si.entries[STORE_DOMAINS]);
}

/*
 * Its own LMDB environment, opened after the fork and only read from;
 * at the first scrape, since the workers may not have made the store
 * yet when the child starts, and again at the next one if it failed.
 */
static void
exporter_store(struct exporter_child *ch)
{
	struct rvirt_error err;

	if (ch->store)
		return;
	err_clear(&err);
	ch->store = store_open(ch->cfg->state_dir, ch->cfg->store_max_size, 0,
			       &err);
	/* The sessions are counted in their own store (server/sessdb.c). */
	if (ch->store && !sessdb_open(ch->cfg->state_dir,
				      ch->cfg->store_max_size, NULL, &err)) {
		store_close(ch->store);
		ch->store = NULL;
	}
	if (!ch->store && !ch->store_warned) {
		log_warn("metrics: no store gauges: %s", err.message);
		ch->store_warned = true;
	}
}

/* The page: the shared formatter, then what only the exporter knows. */
static char *
exporter_page(struct exporter_child *ch, enum expofmt_mode mode, size_t *len)
{
	struct metrics_snapshot *ms = malloc(sizeof(*ms));
	struct sb_snapshot snap;
	struct rvirt_error err;
	char *buf = NULL;
	FILE *fp;
	int rc = -1;

	*len = 0;
	if (!ms)
		return NULL;
	fp = open_memstream(&buf, len);
	if (!fp) {
		free(ms);
		return NULL;
	}
	metrics_global_add(ch->ex->mx, METRICS_G_SCRAPES, 1);
	exporter_store(ch);
	metrics_snapshot(ch->ex->mx, ms);
	if (sb_snapshot(ch->sb, &snap, &err) == 0) {
		rc = status_print_exposition(&snap, ms, mode, fp, &err);
		sb_snapshot_release(&snap);
	}
	if (rc == 0)
		exporter_put_store(ch, mode, fp);
	if (rc == 0 && ch->store)
		exporter_put_domains(ch->store, ch->cfg->metrics_per_domain,
				     mode, fp);
	expofmt_end(fp, mode);
	free(ms);
	if (fclose(fp) != 0 || rc < 0) {
		log_error("cannot build the metrics page: %s",
			  rc < 0 ? err.message : "out of memory");
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result
exporter_reply(struct MHD_Connection *conn, unsigned int code, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Basic auth when a password file is set; 0 ok, else a queued refusal. */
static int
exporter_check_user(struct exporter_child *ch, struct MHD_Connection *conn,
		    enum MHD_Result *ret)
{
	static const char denied[] = "authentication required\n";
	struct MHD_Response *r;
	char *user, *pass = NULL;
	bool ok;

	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = user && pass && exporter_req_user_ok(ch->users, user, pass);
	if (!ok && user)
		log_info("metrics: refused basic auth of user '%s'", user);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	if (ok)
		return 0;
	r = MHD_create_response_from_buffer(sizeof(denied) - 1,
					    (void *)(uintptr_t)denied,
					    MHD_RESPMEM_PERSISTENT);
	*ret = r ? MHD_queue_basic_auth_fail_response(conn, EXPORTER_REALM, r)
		 : MHD_NO;
	if (r)
		MHD_destroy_response(r);
	return -1;
}

static enum MHD_Result
exporter_handle(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size,
		void **req_cls)
{
	struct exporter_child *ch = cls;
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;
	enum expofmt_mode mode;
	size_t len;
	char *page;

	(void)version;
	(void)upload_data;
	/* First call: headers only; answer on the second. */
	if (!*req_cls) {
		*req_cls = ch;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body is never read */
		return MHD_YES;
	}
	if (ch->tls && !exporter_cert_ok(conn))
		return exporter_reply(conn, MHD_HTTP_FORBIDDEN,
				      "a client certificate signed by the "
				      "ca_file is required\n");
	if (ch->users && exporter_check_user(ch, conn, &ret) < 0)
		return ret;
	switch (exporter_req_route(method, url)) {
	case EXPORTER_ROUTE_BAD_METHOD:
		return exporter_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				      "only GET and HEAD\n");
	case EXPORTER_ROUTE_NOT_FOUND:
		return exporter_reply(conn, MHD_HTTP_NOT_FOUND,
				      "not found: try /metrics\n");
	case EXPORTER_ROUTE_METRICS:
		break;
	}
	mode = exporter_req_format(MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	page = exporter_page(ch, mode, &len);
	if (!page)
		return exporter_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "cannot build the metrics page\n");
	r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				expofmt_content_type(mode));
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's own messages, into our log. */
static void
exporter_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("metrics: %s", msg);
}

static struct MHD_Daemon *
exporter_start_mhd(struct exporter_child *ch, char **pem,
		   struct rvirt_error *err)
{
	const struct config *cfg = ch->cfg;
	/* ITC: what MHD_quiesce_daemon needs with an internal thread. */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct MHD_Daemon *d;

	if (!ch->tls)
		return MHD_start_daemon(
			flags, 0, NULL, NULL, exporter_handle, ch,
			MHD_OPTION_EXTERNAL_LOGGER, exporter_mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, ch->ex->listen_fd,
			MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!(pem[0] = exporter_slurp(cfg->key_file, err)) ||
	    !(pem[1] = exporter_slurp(cfg->cert_file, err)) ||
	    !(pem[2] = exporter_slurp(cfg->ca_file, err)))
		return NULL;
	d = MHD_start_daemon(
		flags | MHD_USE_TLS, 0, NULL, NULL, exporter_handle, ch,
		MHD_OPTION_EXTERNAL_LOGGER, exporter_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, ch->ex->listen_fd,
		MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_HTTPS_MEM_KEY,
		pem[0], MHD_OPTION_HTTPS_MEM_CERT, pem[1],
		MHD_OPTION_HTTPS_MEM_TRUST, pem[2], MHD_OPTION_END);
	explicit_bzero(pem[0], strlen(pem[0]));
	return d;
}

/*
 * Quiesced: let the scrapes in hand finish (the other exporter, or the
 * next one, takes the new ones), for at most EXPORTER_DRAIN_MS.
 */
static void
exporter_drain(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < EXPORTER_DRAIN_MS / 10; i++) {
		di = MHD_get_daemon_info(d,
					 MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			return;
		nanosleep(&ts, NULL);
	}
}

void
exporter_child_main(struct exporter *ex, struct sb *sb,
		    const struct config *cfg)
{
	struct exporter_child ch = { .ex = ex, .sb = sb, .cfg = cfg };
	char *pem[3] = { NULL, NULL, NULL };
	struct MHD_Daemon *d = NULL;
	struct rvirt_error err;
	sigset_t set;
	int sig, rc = 1;

	err_clear(&err);
	ch.tls = cfg->metrics_tls;
	if (cfg->metrics_auth_file[0]) {
		ch.users = exporter_slurp(cfg->metrics_auth_file, &err);
		if (!ch.users)
			goto out;
	}
	/* The master's signals stay blocked: wait for them here. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = exporter_start_mhd(&ch, pem, &err);
	if (!d) {
		if (!err.message[0])
			err_set(&err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"cannot serve metrics on '%s'", ex->name);
		goto out;
	}
	log_debug("metrics: serving on %s", ex->name);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	rc = 0;
out:
	if (rc)
		log_error("%s", err.message);
	/*
	 * The socket is shared with the master and, during an upgrade,
	 * with the other master's exporter: MHD_stop_daemon would shut it
	 * down for all of them.  Quiesced first, it is only let go of.
	 */
	if (d) {
		MHD_quiesce_daemon(d);
		exporter_drain(d);
		MHD_stop_daemon(d);
	}
	store_close(ch.store);
	for (int i = 0; i < 3; i++)
		free(pem[i]);
	if (ch.users) {
		explicit_bzero(ch.users, strlen(ch.users));
		free(ch.users);
	}
	log_shutdown();
	_exit(rc);
}
