/* SPDX-License-Identifier: MIT */
/* exporter: the metrics file and the master's HTTP metrics child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "dispatch.h"
#include "exporter.h"
#include "../store/store.h"
#include "listen.h"

/* A child dying sooner than this after its start counts for back-off. */
#define EXPORTER_EARLY_MS 5000
#define EXPORTER_BACKOFF_MIN_MS 200
#define EXPORTER_BACKOFF_MAX_MS 10000
/* exporter_stop: SIGKILL when the child is still there after this. */
#define EXPORTER_STOP_GRACE_MS 6000

_Static_assert((int)LISTEN_UNIX_RW == METRICS_TR_UNIX &&
		       (int)LISTEN_UNIX_RO == METRICS_TR_UNIX_RO &&
		       (int)LISTEN_TCP == METRICS_TR_TCP &&
		       (int)LISTEN_TLS == METRICS_TR_TLS,
	       "metrics transports follow enum listen_kind");

/* Split "ADDR:PORT" or "[V6]:PORT" into host and port. */
static int
exporter_split(const char *spec, char *host, size_t hsize, char *port,
	       size_t psize, struct rvirt_error *err)
{
	const char *colon, *h = spec;
	size_t hlen;

	colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		goto bad;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (colon[-1] != ']')
			goto bad;
		h = spec + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= hsize || strlen(colon + 1) >= psize ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
bad:
	err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
		"cannot use metrics_listen '%s': expected ADDR:PORT or "
		"[ADDR]:PORT",
		spec);
	return -1;
}

/* The socket's own address as "ADDR:PORT" (the real port after :0). */
static void
exporter_name(int fd, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, size, "?");
		return;
	}
	snprintf(out, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
		 host, port);
}

static int
exporter_listen(const char *spec, struct rvirt_error *err)
{
	char host[256], port[16];
	struct addrinfo hints, *ai = NULL;
	int fd = -1, one = 1, rc;

	if (exporter_split(spec, host, sizeof(host), port, sizeof(port), err) <
	    0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"cannot use metrics_listen '%s': %s", spec,
			gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot listen on metrics_listen '%s'", spec);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The socket an upgrading master passed on, -1 when none. */
static int
exporter_inherited(void)
{
	const char *v = getenv(EXPORTER_FD_ENV);
	char *end;
	long fd;
	int type = 0;
	socklen_t sl = sizeof(type);

	if (!v)
		return -1;
	unsetenv(EXPORTER_FD_ENV);
	errno = 0;
	fd = strtol(v, &end, 10);
	if (errno || *end || fd < 3 || fd > 65535 ||
	    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 ||
	    type != SOCK_STREAM) {
		log_warn("ignoring %s='%s': not a stream socket",
			 EXPORTER_FD_ENV, v);
		return -1;
	}
	fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	fcntl((int)fd, F_SETFL, fcntl((int)fd, F_GETFL) | O_NONBLOCK);
	return (int)fd;
}

/* A file the child will need is readable ("" is fine: not used). */
static int
exporter_check_file(const char *path, const char *key, struct rvirt_error *err)
{
	if (!path[0] || access(path, R_OK) == 0)
		return 0;
	err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER, errno,
		      "cannot serve metrics: %s '%s'", key, path);
	return -1;
}

int
exporter_setup(struct exporter *ex, const struct config *cfg,
	       unsigned int nslots, bool upgrading, struct rvirt_error *err)
{
	const struct proc_entry *pe;
	int inherited = exporter_inherited();

	memset(ex, 0, sizeof(*ex));
	ex->listen_fd = -1;
	ex->child.name = "the metrics exporter";
	ex->child.early_ms = EXPORTER_EARLY_MS;
	ex->child.backoff_min_ms = EXPORTER_BACKOFF_MIN_MS;
	ex->child.backoff_max_ms = EXPORTER_BACKOFF_MAX_MS;
	snprintf(ex->path, sizeof(ex->path), "%s/%s%s", cfg->runtime_dir,
		 EXPORTER_METRICS_FILE, upgrading ? ".new" : "");
	ex->mx = metrics_create(ex->path, nslots, err);
	if (!ex->mx) {
		if (inherited >= 0)
			close(inherited);
		return -1;
	}
	for (unsigned int p = 0; p < METRICS_PROCS; p++)
		if ((pe = dispatch_lookup(p)) != NULL)
			metrics_set_proc_name(ex->mx, p, pe->name);
	/* The table outgrew the counters: raise METRICS_PROCS. */
	if (dispatch_max_proc() >= METRICS_PROCS)
		log_warn("procedures %d to %u are counted together as 'other'",
			 METRICS_PROCS, dispatch_max_proc());
	if (!cfg->metrics_listen[0]) {
		if (inherited >= 0)
			close(inherited);
		return 0;
	}
	/* Said now, not by a child that would die and restart for ever. */
	if (exporter_check_file(cfg->metrics_auth_file, "metrics_auth_file",
				err) < 0 ||
	    (cfg->metrics_tls &&
	     (exporter_check_file(cfg->key_file, "key_file", err) < 0 ||
	      exporter_check_file(cfg->cert_file, "cert_file", err) < 0 ||
	      exporter_check_file(cfg->ca_file, "ca_file", err) < 0))) {
		if (inherited >= 0)
			close(inherited);
		return -1;
	}
	/* A socket kept across an upgrade: no scrape is refused meanwhile. */
	ex->listen_fd = inherited >= 0
				? inherited
				: exporter_listen(cfg->metrics_listen, err);
	if (ex->listen_fd < 0)
		return -1;
	exporter_name(ex->listen_fd, ex->name, sizeof(ex->name));
	return 0;
}

void
exporter_publish(struct exporter *ex, const struct config *cfg)
{
	char path[sizeof(ex->path)];

	snprintf(path, sizeof(path), "%s/%s", cfg->runtime_dir,
		 EXPORTER_METRICS_FILE);
	if (strcmp(path, ex->path) == 0)
		return;
	if (rename(ex->path, path) == 0)
		memcpy(ex->path, path, sizeof(path));
	else
		log_error("cannot publish metrics '%s': %s", ex->path,
			  strerror(errno));
}

void
exporter_pass_on(const struct exporter *ex, int keep_below)
{
	char buf[16];
	int fd;

	if (ex->listen_fd < 0)
		return;
	/* Not close-on-exec, and out of the way of the LISTEN_FDS moves. */
	fd = fcntl(ex->listen_fd, F_DUPFD, keep_below > 64 ? keep_below : 64);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%d", fd);
	setenv(EXPORTER_FD_ENV, buf, 1);
}

/* How a socket of kind authenticates, as the metrics label it. */
static unsigned int
exporter_conn_auth(enum listen_kind kind, const struct config *cfg)
{
	switch (kind) {
	case LISTEN_UNIX_RW:
		return cfg->auth_unix_rw == CONFIG_AUTH_SASL
			       ? METRICS_CA_SASL
			       : METRICS_CA_UNIX_PEER;
	case LISTEN_UNIX_RO:
		return cfg->auth_unix_ro == CONFIG_AUTH_SASL
			       ? METRICS_CA_SASL
			       : METRICS_CA_UNIX_PEER;
	case LISTEN_TCP:
		return cfg->auth_tcp == CONFIG_AUTH_SASL ? METRICS_CA_SASL
							 : METRICS_CA_NONE;
	case LISTEN_TLS:
		return cfg->auth_tls == CONFIG_AUTH_SASL ? METRICS_CA_TLS_SASL
							 : METRICS_CA_TLS;
	}
	return METRICS_CA_NONE;
}

void
exporter_worker_bind(struct exporter *ex, const struct config *cfg, int idx)
{
	const char *v = getenv("RVIRTD_METRICS_COUNTERS");
	unsigned int auth[METRICS_NTRANSPORTS];

	if (v && strcmp(v, "off") == 0)
		return;
	for (unsigned int t = 0; t < METRICS_NTRANSPORTS; t++)
		auth[t] = exporter_conn_auth((enum listen_kind)t, cfg);
	metrics_worker_conn_auth(auth);
	metrics_worker_bind(ex->mx, idx);
	store_set_commit_timer(metrics_store_commit);
}

bool
exporter_due(const struct exporter *ex, uint64_t now_ms)
{
	return ex->listen_fd >= 0 && child_due(&ex->child, now_ms);
}

void
exporter_started(struct exporter *ex)
{
	metrics_global_add(ex->mx, METRICS_G_EXPORTER_RUNS, 1);
}

bool
exporter_reaped(struct exporter *ex, pid_t pid, int status, uint64_t now_ms)
{
	if (!child_reaped(&ex->child, pid, status, now_ms))
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_debug("metrics exporter %ld exited", (long)pid);
	else if (WIFSIGNALED(status))
		log_warn("metrics exporter %ld killed by signal %d", (long)pid,
			 WTERMSIG(status));
	else
		log_warn("metrics exporter %ld exited with status %d",
			 (long)pid, WEXITSTATUS(status));
	return true;
}

void
exporter_reload(struct exporter *ex)
{
	if (ex->mx)
		child_restart(&ex->child);
}

void
exporter_stop(struct exporter *ex)
{
	/* Beyond the child's EXPORTER_DRAIN_MS for the scrapes in hand. */
	if (ex->mx)
		child_stop(&ex->child, EXPORTER_STOP_GRACE_MS);
}

void
exporter_release(struct exporter *ex, bool handed_over)
{
	if (!ex->mx)
		return; /* exporter_setup did not get that far */
	if (ex->listen_fd >= 0)
		close(ex->listen_fd);
	ex->listen_fd = -1;
	if (ex->mx && !handed_over)
		unlink(ex->path);
	metrics_detach(ex->mx);
	ex->mx = NULL;
}
