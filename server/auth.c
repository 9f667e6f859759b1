/* SPDX-License-Identifier: MIT */
/* auth: which auth methods a socket needs, and a new session's identity. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/metrics.h"
#include "../common/ratelimit.h"
#include "auth.h"
#include "saslsrv.h"
#include "tlssrv.h"

/* Failed authentications from one peer before it has to wait. */
#define AUTH_FAILS_FREE 3
/* The longest wait after failures, in milliseconds. */
#define AUTH_FAIL_WAIT_MAX_MS 30000
/* Peers whose failures are remembered, per worker. */
#define AUTH_FAIL_SLOTS 64

struct auth_fail {
	char peer[256];
	unsigned int fails;
	uint64_t last_ms;
	uint64_t until_ms; /* no new attempt before this */
};

/* Per worker process: workers do not share these counts. */
static struct auth_fail auth_fails[AUTH_FAIL_SLOTS];
static unsigned int auth_anon_count;
/* Failed authentications, logged at a bounded rate. */
static struct ratelimit auth_fail_log = RATELIMIT_DEFAULT;

static uint64_t
auth_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
auth_config_check(const struct config *cfg, struct rvirt_error *err)
{
	if (cfg->listen_tcp && cfg->auth_tcp == CONFIG_AUTH_NONE)
		log_warn("listen_tcp = 1 with auth_tcp = \"none\": anyone "
			 "who reaches '%s:%u' controls the daemon, in clear "
			 "text",
			 cfg->listen_addr, cfg->tcp_port);
	if (cfg->listen_tcp && cfg->auth_tcp == CONFIG_AUTH_SASL &&
	    cfg->tcp_min_ssf == 0)
		log_warn("tcp_min_ssf = 0: sasl on plain tcp runs without a "
			 "security layer, passwords and calls in clear text");
	if (cfg->listen_tls && tlssrv_config_check(cfg, err) < 0)
		return -1;
	return 0;
}

static enum config_auth
auth_for_kind(enum listen_kind kind, const struct config *cfg)
{
	switch (kind) {
	case LISTEN_UNIX_RW:
		return cfg->auth_unix_rw;
	case LISTEN_UNIX_RO:
		return cfg->auth_unix_ro;
	case LISTEN_TCP:
		return cfg->auth_tcp;
	case LISTEN_TLS:
		return cfg->auth_tls;
	}
	return CONFIG_AUTH_SASL;
}

static int
auth_identity_unix(struct session_state *sess, int fd, struct rvirt_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    len != sizeof(cred)) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_AUTH, errno,
			      "cannot get the peer credentials of a unix "
			      "connection");
		return -1;
	}
	sess->uid = cred.uid;
	sess->gid = cred.gid;
	snprintf(sess->identity, sizeof(sess->identity), "unix:uid=%lu",
		 (unsigned long)cred.uid);
	return 0;
}

static int
auth_identity_tcp(struct session_state *sess, struct auth_state *a,
		  const struct sockaddr *peer, socklen_t peerlen,
		  struct rvirt_error *err)
{
	char host[INET6_ADDRSTRLEN];

	if (peer->sa_family == AF_INET6 &&
	    peerlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)peer;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(sess->identity, sizeof(sess->identity), "tcp:[%s]:%u",
			 host, ntohs(s6->sin6_port));
		snprintf(a->remote, sizeof(a->remote), "%s;%u", host,
			 ntohs(s6->sin6_port));
	} else if (peer->sa_family == AF_INET &&
		   peerlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)peer;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(sess->identity, sizeof(sess->identity), "tcp:%s:%u",
			 host, ntohs(s4->sin_port));
		snprintf(a->remote, sizeof(a->remote), "%s;%u", host,
			 ntohs(s4->sin_port));
	} else {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_AUTH,
			"cannot name a tcp peer of address family %d",
			peer->sa_family);
		return -1;
	}
	snprintf(a->peer, sizeof(a->peer), "%s", host);
	sess->uid = (uid_t)-1;
	sess->gid = (gid_t)-1;
	return 0;
}

/* Our own address as SASL wants it, "ADDR;PORT". */
static void
auth_local_addr(struct auth_state *a, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "";
	unsigned int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	} else {
		return;
	}
	snprintf(a->local, sizeof(a->local), "%s;%u", host, port);
}

bool
auth_globs_match(const struct config_globs *g, const char *s)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (fnmatch(g->pat[i], s, 0) == 0)
			return true;
	return false;
}

/*
 * unix_rw_allowed_list: "uid:N", "user:NAME" and "group:NAME" entries
 * (globs) against the peer's uid, user name and groups.
 */
static bool
auth_unix_allowed(const struct config_globs *g, uid_t uid, gid_t gid)
{
	char buf[320], pwbuf[4096];
	struct passwd pw, *pwp = NULL;
	gid_t groups[64];
	int ngroups = 64;

	snprintf(buf, sizeof(buf), "uid:%lu", (unsigned long)uid);
	if (auth_globs_match(g, buf))
		return true;
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp)
		pwp = NULL;
	if (pwp) {
		snprintf(buf, sizeof(buf), "user:%s", pwp->pw_name);
		if (auth_globs_match(g, buf))
			return true;
		if (getgrouplist(pwp->pw_name, gid, groups, &ngroups) < 0)
			ngroups = 0;
	} else {
		groups[0] = gid;
		ngroups = 1;
	}
	for (int i = 0; i < ngroups; i++) {
		struct group gr, *grp = NULL;
		char grbuf[4096];

		if (getgrgid_r(groups[i], &gr, grbuf, sizeof(grbuf), &grp) !=
			    0 ||
		    !grp)
			continue;
		snprintf(buf, sizeof(buf), "group:%s", grp->gr_name);
		if (auth_globs_match(g, buf))
			return true;
	}
	return false;
}

int
auth_session_init(struct session_state *sess, enum listen_kind kind, int fd,
		  const struct sockaddr *peer, socklen_t peerlen,
		  const struct config *cfg, struct rvirt_error *err)
{
	struct auth_state *a;
	enum config_auth method = auth_for_kind(kind, cfg);

	memset(sess, 0, sizeof(*sess));
	a = calloc(1, sizeof(*a));
	if (!a) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return -1;
	}
	sess->auth = a;
	a->kind = kind;
	a->cfg = cfg;
	a->created_ms = auth_now_ms();
	if (kind == LISTEN_TCP || kind == LISTEN_TLS) {
		if (auth_identity_tcp(sess, a, peer, peerlen, err) < 0)
			goto fail;
		auth_local_addr(a, fd);
		if (kind == LISTEN_TLS) {
			a->tls = tlssrv_new(fd, cfg, err);
			if (!a->tls)
				goto fail;
		}
	} else {
		if (auth_identity_unix(sess, fd, err) < 0)
			goto fail;
		snprintf(a->peer, sizeof(a->peer), "%s", sess->identity);
	}
	if (kind == LISTEN_UNIX_RW && cfg->unix_rw_allowed_list.set &&
	    !auth_unix_allowed(&cfg->unix_rw_allowed_list, sess->uid,
			       sess->gid)) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_AUTH,
			"peer '%s' is not in unix_rw_allowed_list",
			sess->identity);
		metrics_auth_failed(METRICS_AUTH_UNIX_PEER);
		goto fail;
	}
	sess->readonly = kind == LISTEN_UNIX_RO;
	/* Plain tcp needs a SASL layer; TLS and unix need none. */
	if (kind == LISTEN_TCP) {
		a->min_ssf = cfg->tcp_min_ssf;
		a->max_ssf = 100000;
	}
	if (method == CONFIG_AUTH_NONE && kind != LISTEN_TLS) {
		sess->auth_methods[0] = RVIRT_AUTH_NONE;
		sess->authenticated = true;
		sess->nauth_methods = 1;
		return 0;
	}
	if (auth_anon_count >= cfg->max_anonymous_clients) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_AUTH,
			"refusing '%s': %u connections are still "
			"unauthenticated (max_anonymous_clients)",
			sess->identity, auth_anon_count);
		goto fail;
	}
	auth_anon_count++;
	a->counted_anon = true;
	sess->auth_methods[0] =
		method == CONFIG_AUTH_SASL ? RVIRT_AUTH_SASL : RVIRT_AUTH_TLS;
	sess->nauth_methods = 1;
	sess->authenticated = false;
	return 0;
fail:
	auth_session_release(sess);
	return -1;
}

bool
auth_anon_full(enum listen_kind kind, const struct config *cfg)
{
	if (auth_for_kind(kind, cfg) == CONFIG_AUTH_NONE && kind != LISTEN_TLS)
		return false;
	return auth_anon_count >= cfg->max_anonymous_clients;
}

void
auth_session_release(struct session_state *sess)
{
	struct auth_state *a = sess->auth;

	if (!a)
		return;
	if (a->counted_anon && auth_anon_count > 0)
		auth_anon_count--;
	saslsrv_free(a->sasl);
	tlssrv_free(a->tls);
	free(a);
	sess->auth = NULL;
}

const char *
auth_expired(const struct session_state *sess, uint64_t now_ms)
{
	const struct auth_state *a = sess->auth;

	if (!a || sess->authenticated || !a->cfg->auth_timeout)
		return NULL;
	/*
	 * now_ms is the event loop's reading, taken before the connection
	 * was accepted and created_ms read the clock again: it may be the
	 * smaller one, and the difference must not wrap around.
	 */
	if (now_ms <= a->created_ms)
		return NULL;
	if (now_ms - a->created_ms >= (uint64_t)a->cfg->auth_timeout * 1000)
		return "auth_timeout passed before authentication";
	return NULL;
}

void
auth_session_done(struct session_state *sess, const char *identity)
{
	struct auth_state *a = sess->auth;

	log_info("'%s' authenticated as '%s'", sess->identity, identity);
	snprintf(sess->identity, sizeof(sess->identity), "%s", identity);
	sess->authenticated = true;
	if (a && a->counted_anon) {
		a->counted_anon = false;
		if (auth_anon_count > 0)
			auth_anon_count--;
	}
}

/* ---------------------------------------------------------------- */
/* Failures                                                          */
/* ---------------------------------------------------------------- */

static struct auth_fail *
auth_fail_find(const char *peer, bool create, uint64_t now)
{
	struct auth_fail *oldest = &auth_fails[0];

	for (int i = 0; i < AUTH_FAIL_SLOTS; i++) {
		if (strcmp(auth_fails[i].peer, peer) == 0)
			return &auth_fails[i];
		if (auth_fails[i].last_ms < oldest->last_ms)
			oldest = &auth_fails[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->peer, sizeof(oldest->peer), "%s", peer);
	oldest->last_ms = now;
	return oldest;
}

/*
 * After AUTH_FAILS_FREE failures, a peer waits auth_fail_delay, doubled
 * at each further failure: its attempts are refused at once meanwhile,
 * so nobody's worker sleeps and other clients are served as usual.
 */
static void
auth_fail_note(const struct auth_state *a)
{
	uint64_t now = auth_now_ms(), wait;
	struct auth_fail *f = auth_fail_find(a->peer, true, now);
	unsigned int extra;

	/* Failures an hour apart are not a guessing attack. */
	if (now - f->last_ms > 3600000)
		f->fails = 0;
	f->fails++;
	f->last_ms = now;
	if (f->fails < AUTH_FAILS_FREE || !a->cfg->auth_fail_delay)
		return;
	extra = f->fails - AUTH_FAILS_FREE;
	wait = (uint64_t)a->cfg->auth_fail_delay << (extra > 5 ? 5 : extra);
	if (wait > AUTH_FAIL_WAIT_MAX_MS)
		wait = AUTH_FAIL_WAIT_MAX_MS;
	f->until_ms = now + wait;
	log_ratelimited(&auth_fail_log, LOG_LEVEL_WARN,
			"%u failed authentications from '%s': its next "
			"attempt waits %llu ms",
			f->fails, a->peer, (unsigned long long)wait);
}

static int
auth_fail_check(const struct auth_state *a, struct rvirt_error *err)
{
	uint64_t now = auth_now_ms();
	struct auth_fail *f = auth_fail_find(a->peer, false, now);

	if (!f || now >= f->until_ms)
		return 0;
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
		"too many failed authentications from '%s': try again in "
		"%llu ms",
		a->peer, (unsigned long long)(f->until_ms - now));
	return -1;
}

static void
auth_fail_clear(const struct auth_state *a)
{
	struct auth_fail *f = auth_fail_find(a->peer, false, 0);

	if (f)
		memset(f, 0, sizeof(*f));
}

/* ---------------------------------------------------------------- */
/* The SASL procedures                                               */
/* ---------------------------------------------------------------- */

static bool
auth_offers(const struct session_state *sess, int method)
{
	for (unsigned int i = 0; i < sess->nauth_methods; i++)
		if (sess->auth_methods[i] == method)
			return true;
	return false;
}

static int
auth_sasl_ready(const struct session_state *sess, bool need_sasl,
		struct rvirt_error *err)
{
	if (!sess->auth || !auth_offers(sess, RVIRT_AUTH_SASL)) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"sasl is not enabled on this socket");
		return -1;
	}
	if (sess->authenticated) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"already authenticated as '%s'", sess->identity);
		return -1;
	}
	if (need_sasl && !sess->auth->sasl) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"no sasl negotiation in progress: call "
			"AUTH_SASL_INIT first");
		return -1;
	}
	return 0;
}

int
auth_proc_sasl_init(struct call *call, void *args, void *retp,
		    struct rvirt_error *err)
{
	struct rvirt_auth_sasl_init_ret *ret = retp;
	struct session_state *sess = call->sess;
	struct auth_state *a = sess->auth;
	char *list;

	(void)args;
	if (auth_sasl_ready(sess, false, err) < 0 ||
	    auth_fail_check(a, err) < 0)
		return -1;
	saslsrv_free(a->sasl);
	a->sasl = saslsrv_new(a->cfg, a->local[0] ? a->local : NULL,
			      a->remote[0] ? a->remote : NULL, a->min_ssf,
			      a->max_ssf, a->ext_ssf, err);
	if (!a->sasl)
		return -1;
	list = saslsrv_mechlist(a->sasl, err);
	if (!list)
		return -1;
	ret->status = RVIRT_OK;
	ret->rvirt_auth_sasl_init_ret_u.mechlist = list;
	return 0;
}

/* The exchange failed: forget it, count it, tell the client why. */
static int
auth_sasl_failed(struct auth_state *a, const char *who)
{
	log_ratelimited(&auth_fail_log, LOG_LEVEL_INFO,
			"sasl authentication of '%s' failed", who);
	metrics_auth_failed(METRICS_AUTH_SASL);
	saslsrv_free(a->sasl);
	a->sasl = NULL;
	auth_fail_note(a);
	return -1;
}

/* SASL said OK: check what it gives against the configuration. */
static int
auth_sasl_complete(struct session_state *sess, struct rvirt_error *err)
{
	struct auth_state *a = sess->auth;
	const struct config_globs *allow = &a->cfg->sasl_allowed_username_list;
	const char *user = saslsrv_username(a->sasl);
	unsigned int ssf = saslsrv_ssf(a->sasl);
	char id[sizeof(sess->identity)];

	if (!user || !user[0]) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"sasl gave no user name");
		return -1;
	}
	if (ssf < a->min_ssf && a->ext_ssf == 0) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"sasl security layer of strength %u is weaker than "
			"tcp_min_ssf %u",
			ssf, a->min_ssf);
		return -1;
	}
	if (allow->set && !auth_globs_match(allow, user)) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_AUTH,
			"user '%s' is not in sasl_allowed_username_list", user);
		return -1;
	}
	snprintf(id, sizeof(id), "sasl:%s", user);
	if (ssf > 0 && a->max_ssf > 0)
		a->layer_pending = true;
	auth_fail_clear(a);
	auth_session_done(sess, id);
	return 0;
}

static int
auth_sasl_reply(struct call *call, int r, const char *out, size_t outlen,
		void *retp, struct rvirt_error *err)
{
	struct rvirt_auth_sasl_step_ret *ret = retp;
	struct rvirt_sasl_reply *rep = &ret->rvirt_auth_sasl_step_ret_u.reply;
	struct auth_state *a = call->sess->auth;

	if (r < 0)
		return auth_sasl_failed(a, call->sess->identity);
	if (r == 1 && auth_sasl_complete(call->sess, err) < 0)
		return auth_sasl_failed(a, call->sess->identity);
	rep->complete = r == 1;
	rep->nil = out == NULL;
	if (out && outlen) {
		rep->data.data_val = malloc(outlen);
		if (!rep->data.data_val) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
				"out of memory");
			return -1;
		}
		memcpy(rep->data.data_val, out, outlen);
		rep->data.data_len = (unsigned int)outlen;
	}
	ret->status = RVIRT_OK;
	return 0;
}

int
auth_proc_sasl_start(struct call *call, void *argsp, void *retp,
		     struct rvirt_error *err)
{
	struct rvirt_auth_sasl_start_args *args = argsp;
	struct auth_state *a = call->sess->auth;
	const char *out = NULL;
	size_t outlen = 0;
	int r;

	if (auth_sasl_ready(call->sess, true, err) < 0 ||
	    auth_fail_check(a, err) < 0)
		return -1;
	/* Out of order is refused; the negotiation stays as it was. */
	if (saslsrv_order_check(a->sasl, false, err) < 0)
		return -1;
	r = saslsrv_start(a->sasl, args->mech ? args->mech : "",
			  args->nil ? NULL : args->data.data_val,
			  args->nil ? 0 : args->data.data_len, &out, &outlen,
			  err);
	return auth_sasl_reply(call, r, out, outlen, retp, err);
}

int
auth_proc_sasl_step(struct call *call, void *argsp, void *retp,
		    struct rvirt_error *err)
{
	struct rvirt_auth_sasl_step_args *args = argsp;
	struct auth_state *a = call->sess->auth;
	const char *out = NULL;
	size_t outlen = 0;
	int r;

	if (auth_sasl_ready(call->sess, true, err) < 0 ||
	    saslsrv_order_check(a->sasl, true, err) < 0)
		return -1;
	r = saslsrv_step(a->sasl, args->nil ? NULL : args->data.data_val,
			 args->nil ? 0 : args->data.data_len, &out, &outlen,
			 err);
	return auth_sasl_reply(call, r, out, outlen, retp, err);
}
