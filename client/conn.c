/* SPDX-License-Identifier: MIT */
/* conn: the public API of librvirt (rvirt.h) over the rpcgen client stubs. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvirt_protocol.h"

#include "auth.h"
#include "backoff.h"
#include "conn.h"
#include "err.h"
#include "keepalive.h"
#include "rpcclnt.h"
#include "rvirt.h"
#include "stream.h"
#include "uri.h"
#include "uuid.h"

#define CONN_DEFAULT_URI "test:///default"
#define CONN_CONNECT_TIMEOUT_MS 10000
#define CONN_CLOSE_TIMEOUT_S 5
/* CONNECT_OPEN may open a hypervisor: as long as a call of rpcgen's. */
#define CONN_OPEN_TIMEOUT_S 25
#define CONN_RECONNECT_TIMEOUT_S 60
/* libvirt's defaults for keepalive_interval and keepalive_count. */
#define CONN_KEEPALIVE_INTERVAL_S 5
#define CONN_KEEPALIVE_COUNT 5
/* When a reconnection that has not succeeded says it is waiting. */
#define CONN_WAITING_MS 2000

struct rvirt_conn {
	pthread_mutex_t lock; /* one call at a time on clnt */
	CLIENT *clnt;
	unsigned int flags;
	struct uri *uri; /* what to connect to again */
	unsigned char cookie[RVIRT_COOKIE_LEN];
	bool reconnect;
	unsigned int reconnect_timeout_s;
	void (*event_cb)(struct rvirt_conn *conn, int event,
			 const struct rvirt_error *why, void *opaque);
	void *event_opaque;
	/* Reconnection gave up: every call fails with this. */
	bool lost;
	struct rvirt_error lost_err;
	struct auth_client *auth; /* client/auth.c: methods, cached creds */
	/* What opened it, for the event thread's own connection. */
	char *open_uri;
	struct rvirt_auth open_auth;
	bool has_open_auth;
	/* Keepalive (client/keepalive.c); interval 0: off. */
	unsigned int ka_interval_s, ka_count;
	struct keepalive *ka;
	bool ka_reported; /* the keepalive thread reported the drop */
	/* rvirt_conn_interrupt: the reconnection in progress gives up. */
	volatile sig_atomic_t interrupted;
	/* The daemon answered PROC_UNAVAIL to CONNECT_RESUME (older). */
	bool no_resume_proc;
};

/* XDR encodes from char *, which never writes through it. */
char *
conn_unconst(const char *s)
{
	union {
		const char *c;
		char *m;
	} u = { .c = s };

	return u.m;
}

static int conn_reconnect(void *opaque, CLIENT *clnt,
			  const struct rvirt_error *why,
			  struct rvirt_error *err);

int
conn_begin(struct rvirt_conn *conn, struct rvirt_error *err)
{
	if (!conn) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no connection given");
		return -1;
	}
	pthread_mutex_lock(&conn->lock);
	conn->interrupted = 0;
	if (conn->lost) {
		/*
		 * An earlier reconnection gave up: this call tries again
		 * from the start (the session resumes if the daemon still
		 * has it).
		 */
		conn->lost = false;
		rpcclnt_break(conn->clnt);
		rpcclnt_set_reconnect(conn->clnt, conn_reconnect, conn);
	}
	return 0;
}

/* Lock conn for a change of its settings, lost or not. */
static int
conn_lock(struct rvirt_conn *conn, struct rvirt_error *err)
{
	if (!conn) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no connection given");
		return -1;
	}
	pthread_mutex_lock(&conn->lock);
	return 0;
}

CLIENT *
conn_clnt(struct rvirt_conn *conn)
{
	return conn->clnt;
}

/*
 * Release the lock taken by conn_begin and turn the outcome of a stub
 * into 0, or -1 with *err: the RPC failure, or the error the daemon
 * sent (status and we are read only when the call itself succeeded).
 */
int
conn_end(struct rvirt_conn *conn, const char *proc, enum clnt_stat st,
	 rvirt_status status, const rvirt_wire_error *we,
	 struct rvirt_error *err)
{
	struct rvirt_error detail;
	int code = RVIRT_ERR_RPC, origin = RVIRT_FROM_RPC;

	if (st == RPC_SUCCESS) {
		pthread_mutex_unlock(&conn->lock);
		if (status == RVIRT_OK)
			return 0;
		if (err) {
			err->code = we->code != RVIRT_ERR_OK
					    ? we->code
					    : RVIRT_ERR_INTERNAL;
			err->origin = we->origin;
			snprintf(err->message, sizeof(err->message), "%s",
				 we->message ? we->message : "");
		}
		return -1;
	}
	rpcclnt_get_error(conn->clnt, &detail);
	pthread_mutex_unlock(&conn->lock);
	switch (st) {
	case RPC_CANTSEND:
	case RPC_CANTRECV:
		code = RVIRT_ERR_TRANSPORT;
		origin = RVIRT_FROM_TRANSPORT;
		break;
	case RPC_TIMEDOUT:
		code = RVIRT_ERR_TIMEOUT;
		origin = RVIRT_FROM_TRANSPORT;
		break;
	default:
		break;
	}
	/* Reconnection's verdicts name the session's fate. */
	if (detail.code != RVIRT_ERR_OK && detail.code != RVIRT_ERR_RPC &&
	    detail.code != RVIRT_ERR_TRANSPORT &&
	    detail.code != RVIRT_ERR_TIMEOUT) {
		code = detail.code;
		origin = detail.origin;
	}
	if (detail.message[0])
		err_set(err, code, origin, "cannot call '%s': %s: %s", proc,
			clnt_sperrno(st), detail.message);
	else
		err_set(err, code, origin, "cannot call '%s': %s", proc,
			clnt_sperrno(st));
	return -1;
}

char *
conn_strdup(const char *s, struct rvirt_error *err)
{
	char *d = strdup(s ? s : "");

	if (!d)
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
	return d;
}

void
conn_domain_from_wire(const rvirt_wire_domain *w, struct rvirt_domain *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", w->name ? w->name : "");
	memcpy(d->uuid, w->uuid, sizeof(d->uuid));
	d->id = w->id;
}

int
conn_domain_to_wire(const struct rvirt_domain *dom, rvirt_wire_domain *w,
		    struct rvirt_error *err)
{
	if (!dom) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no domain given");
		return -1;
	}
	if (strnlen(dom->name, sizeof(dom->name)) == sizeof(dom->name)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"domain name is not terminated");
		return -1;
	}
	memset(w, 0, sizeof(*w));
	w->name = conn_unconst(dom->name);
	memcpy(w->uuid, dom->uuid, sizeof(w->uuid));
	w->id = dom->id;
	return 0;
}

/* args borrows dom's name: valid while dom is. */
int
conn_domain_to_args(const struct rvirt_domain *dom, rvirt_domain_args *args,
		    struct rvirt_error *err)
{
	memset(args, 0, sizeof(*args));
	return conn_domain_to_wire(dom, &args->dom, err);
}

int
conn_check_xml(const char *xml, struct rvirt_error *err)
{
	size_t len;

	if (!xml) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"no xml given");
		return -1;
	}
	len = strnlen(xml, (size_t)RVIRT_XML_MAX + 1);
	if (len > RVIRT_XML_MAX) {
		err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_CLIENT,
			"xml document is longer than %d bytes", RVIRT_XML_MAX);
		return -1;
	}
	return 0;
}

static void
conn_free(struct rvirt_conn *conn)
{
	keepalive_stop(conn->ka);
	if (conn->clnt)
		clnt_destroy(conn->clnt);
	uri_free(conn->uri);
	pthread_mutex_destroy(&conn->lock);
	auth_client_free(conn->auth);
	explicit_bzero(conn->cookie, sizeof(conn->cookie));
	free(conn->open_uri);
	free(conn);
}

static void
conn_event(struct rvirt_conn *conn, int event, const struct rvirt_error *why)
{
	if (conn->event_cb)
		conn->event_cb(conn, event, why, conn->event_opaque);
}

/*
 * Tell the daemon that this connection pings (KEEPALIVE_START), so it
 * may close it when the pings stop.  A daemon without the procedure
 * (PROC_UNAVAIL) or with keepalive refused costs nothing but that, so
 * the reply is not waited for (the next call drops it by its xid): a
 * round trip less per connection.  queue: it goes out in front of the
 * next call (CONNECT_OPEN, CONNECT_RECONNECT), in the same write.
 */
static void
conn_keepalive_announce(struct rvirt_conn *conn, bool queue)
{
	rvirt_keepalive_start_args args;

	args.interval = conn->ka_interval_s;
	args.count = conn->ka_count;
	if (queue)
		rpcclnt_queue(conn->clnt, RVIRT_PROC_KEEPALIVE_START,
			      (xdrproc_t)xdr_rvirt_keepalive_start_args, &args);
	else
		rpcclnt_send_only(conn->clnt, RVIRT_PROC_KEEPALIVE_START,
				  (xdrproc_t)xdr_rvirt_keepalive_start_args,
				  &args, CONN_CLOSE_TIMEOUT_S * 1000);
}

/* The status of a CONNECT_RESUME or CONNECT_RECONNECT reply into *err. */
static int
conn_resume_status(const rvirt_void_ret *ret, struct rvirt_error *err)
{
	const rvirt_wire_error *we = &ret->rvirt_void_ret_u.error;

	if (ret->status == RVIRT_OK)
		return 0;
	err_set(err, we->code ? we->code : RVIRT_ERR_INTERNAL, we->origin, "%s",
		we->message ? we->message : "");
	return -1;
}

/*
 * Resume the session on the new stream: CONNECT_RESUME, which also
 * gets back a session the daemon never wrote down (doc/sessions.md,
 * "When a session is written"); CONNECT_RECONNECT to a daemon older
 * than it.  Returns 0, 1 when the daemon could not be reached this time
 * (try again), -1 when the daemon refused (*err: the session is gone
 * for good).
 */
static int
conn_resume(struct rvirt_conn *conn, struct rvirt_error *err)
{
	rvirt_connect_resume_args args;
	rvirt_connect_reconnect_args rargs;
	rvirt_void_ret ret = { 0 };
	enum clnt_stat cs = RPC_PROCUNAVAIL;
	int rc;

	if (!conn->no_resume_proc) {
		memset(&args, 0, sizeof(args));
		memcpy(args.cookie, conn->cookie, sizeof(args.cookie));
		args.uri = uri_open_name(conn->uri);
		args.flags = conn->flags;
		if (!args.uri) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
				"out of memory");
			return 1;
		}
		cs = rvirt_proc_connect_resume_1(&args, &ret, conn->clnt);
		explicit_bzero(&args.cookie, sizeof(args.cookie));
		free(args.uri);
		if (cs == RPC_PROCUNAVAIL)
			conn->no_resume_proc = true;
	}
	if (cs == RPC_PROCUNAVAIL) {
		memset(&rargs, 0, sizeof(rargs));
		memcpy(rargs.cookie, conn->cookie, sizeof(rargs.cookie));
		cs = rvirt_proc_connect_reconnect_1(&rargs, &ret, conn->clnt);
		explicit_bzero(&rargs, sizeof(rargs));
	}
	if (cs != RPC_SUCCESS) {
		rpcclnt_get_error(conn->clnt, err);
		return 1;
	}
	rc = conn_resume_status(&ret, err);
	xdr_free((xdrproc_t)xdr_rvirt_void_ret, &ret);
	return rc;
}

/*
 * Reconnection gave up: this call and every later one fail with err
 * (the session is gone or the daemon is away for good).
 */
static int
conn_lose(struct rvirt_conn *conn, const struct rvirt_error *err)
{
	conn->lost = true;
	conn->lost_err = *err;
	rpcclnt_set_reconnect(conn->clnt, NULL, NULL);
	conn_event(conn, RVIRT_CONN_EVENT_LOST, err);
	return -1;
}

/* Attempts until deadline, waiting as bo says between them. */
static int
conn_reconnect_loop(struct rvirt_conn *conn, struct backoff *bo,
		    int64_t deadline, const struct rvirt_error *why,
		    struct rvirt_error *err)
{
	struct rvirt_error last = *why;
	int64_t now, start = stream_now_ms();
	bool waiting = false;

	for (unsigned int attempt = 0;; attempt++) {
		struct stream *st;
		int r;

		now = stream_now_ms();
		if (now >= deadline || conn->interrupted)
			break;
		if (!waiting && now - start >= CONN_WAITING_MS) {
			waiting = true;
			conn_event(conn, RVIRT_CONN_EVENT_WAITING, &last);
		}
		if (attempt > 0) {
			backoff_wait(bo, deadline - now);
			now = stream_now_ms();
			if (now >= deadline || conn->interrupted)
				break;
		}
		st = stream_connect(conn->uri, conn->flags,
				    deadline - now < CONN_CONNECT_TIMEOUT_MS
					    ? (int)(deadline - now)
					    : CONN_CONNECT_TIMEOUT_MS,
				    &last);
		if (!st)
			continue;
		rpcclnt_set_stream(conn->clnt, st);
		/*
		 * The method and credentials that worked before, from the
		 * cache; the application is asked again only if the daemon
		 * refuses them now.
		 */
		if (auth_conn(conn->auth, conn->clnt, st, &last) < 0) {
			if (last.code != RVIRT_ERR_AUTH_FAILED &&
			    last.code != RVIRT_ERR_ACCESS_DENIED)
				continue;
			err_set(err, last.code, last.origin,
				"connection lost and authentication failed "
				"on the new one: %s",
				last.message);
			return conn_lose(conn, err);
		}
		if (conn->ka_interval_s)
			conn_keepalive_announce(conn, true);
		r = conn_resume(conn, &last);
		if (r == 0) {
			struct rvirt_error ok;

			err_clear(&ok);
			conn_event(conn, RVIRT_CONN_EVENT_RECONNECTED, &ok);
			return 0;
		}
		if (r < 0) {
			err_set(err, last.code, last.origin,
				"connection lost and the session cannot be "
				"resumed: %s",
				last.message);
			return conn_lose(conn, err);
		}
	}
	if (conn->interrupted)
		err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"connection lost; stopped waiting for it "
			"(interrupted): %s",
			last.message);
	else
		err_set(err, RVIRT_ERR_TRANSPORT, RVIRT_FROM_TRANSPORT,
			"connection lost and not back within %u s: %s",
			conn->reconnect_timeout_s, last.message);
	return conn_lose(conn, err);
}

/* rpcclnt's reconnect hook: a new stream, the session resumed. */
static int
conn_reconnect(void *opaque, CLIENT *clnt, const struct rvirt_error *why,
	       struct rvirt_error *err)
{
	struct rvirt_conn *conn = opaque;
	struct rvirt_error last = *why;
	struct backoff bo;
	int rc;

	(void)clnt;
	if (!conn->reconnect) {
		*err = *why;
		return -1;
	}
	/* Said already when the keepalive thread found the daemon gone. */
	if (!conn->ka_reported)
		conn_event(conn, RVIRT_CONN_EVENT_DISCONNECTED, why);
	conn->ka_reported = false;
	backoff_init(&bo, conn->uri, conn->flags);
	rc = conn_reconnect_loop(
		conn, &bo,
		conn->reconnect_timeout_s == RVIRT_RECONNECT_FOREVER
			? INT64_MAX
			: stream_now_ms() +
				  (int64_t)conn->reconnect_timeout_s * 1000,
		&last, err);
	backoff_release(&bo);
	return rc;
}

/* CONNECT_OPEN: the session's cookie, and reconnection from now on. */
static int
conn_open_session(struct rvirt_conn *conn, rvirt_connect_open_args *args,
		  struct rvirt_error *err)
{
	rvirt_connect_open_ret ret = { 0 };
	struct timeval tv = { CONN_OPEN_TIMEOUT_S, 0 };
	enum clnt_stat cs;
	int rc;

	pthread_mutex_lock(&conn->lock);
	clnt_control(conn->clnt, CLSET_TIMEOUT, (char *)&tv);
	if (conn->ka_interval_s)
		conn_keepalive_announce(conn, true);
	cs = rvirt_proc_connect_open_1(args, &ret, conn->clnt);
	rc = conn_end(conn, "CONNECT_OPEN", cs, ret.status,
		      &ret.rvirt_connect_open_ret_u.error, err);
	if (rc == 0) {
		memcpy(conn->cookie, ret.rvirt_connect_open_ret_u.cookie,
		       sizeof(conn->cookie));
		/*
		 * Only a connection that worked is worth getting back: a
		 * first one that fails reports its own reason (an ssh that
		 * was refused, a daemon that is not there).
		 */
		rpcclnt_set_reconnect(conn->clnt, conn_reconnect, conn);
	}
	xdr_free((xdrproc_t)xdr_rvirt_connect_open_ret, &ret);
	return rc;
}

struct rvirt_conn *
rvirt_conn_open(const char *uri, unsigned int flags, struct rvirt_error *err)
{
	return rvirt_conn_open_auth(uri, NULL, flags, err);
}

struct rvirt_conn *
rvirt_conn_open_auth(const char *uri, const struct rvirt_auth *auth,
		     unsigned int flags, struct rvirt_error *err)
{
	rvirt_connect_open_args args = { 0 };
	struct rvirt_conn *conn = NULL;
	struct stream *st;
	struct uri *u = NULL;
	int rc;

	if (flags & ~(unsigned int)RVIRT_CONNECT_RO) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"unsupported flags 0x%x", flags & ~RVIRT_CONNECT_RO);
		return NULL;
	}
	if (!uri) {
		uri = getenv("RVIRT_DEFAULT_URI");
		if (!uri || !uri[0])
			uri = CONN_DEFAULT_URI;
	}
	u = uri_parse(uri, err);
	if (!u)
		return NULL;
	args.uri = uri_open_name(u);
	args.flags = flags;
	if (!args.uri) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		goto fail;
	}
	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		goto fail;
	}
	pthread_mutex_init(&conn->lock, NULL);
	conn->flags = flags;
	conn->uri = u;
	u = NULL;
	conn->reconnect_timeout_s =
		conn->uri->reconnect_timeout >= 0
			? (unsigned int)conn->uri->reconnect_timeout
			: CONN_RECONNECT_TIMEOUT_S;
	if (conn->uri->reconnect_timeout == URI_TIMEOUT_FOREVER)
		conn->reconnect_timeout_s = RVIRT_RECONNECT_FOREVER;
	conn->reconnect = conn->reconnect_timeout_s > 0;
	conn->ka_interval_s =
		conn->uri->keepalive_interval >= 0
			? (unsigned int)conn->uri->keepalive_interval
			: CONN_KEEPALIVE_INTERVAL_S;
	conn->ka_count = conn->uri->keepalive_count > 0
				 ? (unsigned int)conn->uri->keepalive_count
				 : CONN_KEEPALIVE_COUNT;
	conn->auth = auth_client_new(conn->uri, auth, err);
	if (!conn->auth)
		goto fail;
	st = stream_connect(conn->uri, flags, CONN_CONNECT_TIMEOUT_MS, err);
	if (!st)
		goto fail;
	conn->clnt = rpcclnt_new(st, RVIRT_PROGRAM, RVIRT_V1, err);
	if (!conn->clnt)
		goto fail;
	rpcclnt_set_keepalive(conn->clnt, conn->ka_interval_s, conn->ka_count);
	conn->open_uri = strdup(uri);
	if (!conn->open_uri) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"out of memory");
		goto fail;
	}
	if (auth) {
		conn->open_auth = *auth;
		conn->has_open_auth = true;
	}

	rc = -1;
	if (auth_open_first(conn->auth)) {
		rc = conn_open_session(conn, &args, err);
		if (rc < 0 && err->code != RVIRT_ERR_AUTH_REQUIRED)
			goto fail;
	}
	if (rc < 0 && (auth_conn(conn->auth, conn->clnt, st, err) < 0 ||
		       conn_open_session(conn, &args, err) < 0))
		goto fail;
	if (conn->ka_interval_s) {
		conn->ka = keepalive_start(conn, err);
		if (!conn->ka)
			goto fail;
	}
	free(args.uri);
	return conn;
fail:
	if (conn)
		conn_free(conn);
	free(args.uri);
	uri_free(u);
	return NULL;
}

struct rvirt_conn *
conn_open_again(struct rvirt_conn *conn, struct rvirt_error *err)
{
	return rvirt_conn_open_auth(
		conn->open_uri, conn->has_open_auth ? &conn->open_auth : NULL,
		conn->flags, err);
}

void
rvirt_conn_close(struct rvirt_conn *conn)
{
	if (!conn)
		return;
	event_conn_close(conn);
	/* The idle pings end before the session does. */
	keepalive_stop(conn->ka);
	conn->ka = NULL;
	pthread_mutex_lock(&conn->lock);
	/* Closing never waits for a daemon that is away. */
	rpcclnt_set_reconnect(conn->clnt, NULL, NULL);
	/*
	 * The session ends with the connection anyway: errors are moot,
	 * and the reply is not waited for (a round trip less).  The daemon
	 * reads the call before it sees the connection end.
	 */
	if (!conn->lost && !rpcclnt_is_broken(conn->clnt))
		rpcclnt_send_only(conn->clnt, RVIRT_PROC_CONNECT_CLOSE, NULL,
				  NULL, CONN_CLOSE_TIMEOUT_S * 1000);
	pthread_mutex_unlock(&conn->lock);
	conn_free(conn);
}

int
rvirt_conn_set_event_callback(struct rvirt_conn *conn,
			      void (*cb)(struct rvirt_conn *conn, int event,
					 const struct rvirt_error *why,
					 void *opaque),
			      void *opaque, struct rvirt_error *err)
{
	if (conn_lock(conn, err) < 0)
		return -1;
	conn->event_cb = cb;
	conn->event_opaque = opaque;
	pthread_mutex_unlock(&conn->lock);
	return 0;
}

int
rvirt_conn_set_reconnect(struct rvirt_conn *conn, int enabled,
			 unsigned int timeout_s, struct rvirt_error *err)
{
	if (conn_lock(conn, err) < 0)
		return -1;
	conn->reconnect = enabled != 0;
	if (timeout_s > 0)
		conn->reconnect_timeout_s = timeout_s;
	pthread_mutex_unlock(&conn->lock);
	return 0;
}

int
rvirt_conn_set_keepalive(struct rvirt_conn *conn, unsigned int interval_s,
			 unsigned int count, struct rvirt_error *err)
{
	if (interval_s > 3600 || count < 1 || count > 1000) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"cannot set keepalive to interval %u and count %u: "
			"the interval must be 0 to 3600 s, the count 1 to "
			"1000",
			interval_s, count);
		return -1;
	}
	if (conn_begin(conn, err) < 0)
		return -1;
	conn->ka_interval_s = interval_s;
	conn->ka_count = count;
	rpcclnt_set_keepalive(conn->clnt, interval_s, count);
	/* Interval 0 tells the daemon to stop watching too. */
	if (!rpcclnt_is_broken(conn->clnt))
		conn_keepalive_announce(conn, false);
	pthread_mutex_unlock(&conn->lock);
	if (interval_s && !conn->ka) {
		conn->ka = keepalive_start(conn, err);
		if (!conn->ka)
			return -1;
	}
	return 0;
}

void
rvirt_conn_interrupt(struct rvirt_conn *conn)
{
	if (conn)
		conn->interrupted = 1;
}

int
conn_keepalive_tick(struct rvirt_conn *conn)
{
	struct timeval tv;
	struct rvirt_error why;
	int64_t quiet, ms;
	enum clnt_stat cs;
	char dummy;

	/* A call in flight probes by itself; so does a reconnection. */
	if (pthread_mutex_trylock(&conn->lock) != 0)
		return CONN_KEEPALIVE_INTERVAL_S * 1000;
	ms = (int64_t)conn->ka_interval_s * 1000;
	if (!ms || conn->lost || rpcclnt_is_broken(conn->clnt)) {
		pthread_mutex_unlock(&conn->lock);
		return ms ? (int)ms : 1000;
	}
	quiet = stream_now_ms() - rpcclnt_last_tx_ms(conn->clnt);
	if (quiet < ms) {
		pthread_mutex_unlock(&conn->lock);
		return (int)(ms - quiet);
	}
	/*
	 * Ping without reconnecting: an idle handle reconnects on its next
	 * call, where the application can wait or interrupt.  The probes
	 * under this call end it after interval * count of silence.
	 */
	tv.tv_sec = (time_t)(conn->ka_interval_s * (conn->ka_count + 1));
	tv.tv_usec = 0;
	clnt_control(conn->clnt, CLSET_TIMEOUT, (char *)&tv);
	rpcclnt_set_ping_mode(conn->clnt, 1);
	cs = rvirt_proc_null_1(NULL, &dummy, conn->clnt);
	rpcclnt_set_ping_mode(conn->clnt, 0);
	tv.tv_sec = RPCCLNT_TIMEOUT_DEFAULT_S;
	clnt_control(conn->clnt, CLSET_TIMEOUT, (char *)&tv);
	if (cs != RPC_SUCCESS && rpcclnt_is_broken(conn->clnt) &&
	    conn->reconnect) {
		rpcclnt_get_error(conn->clnt, &why);
		conn->ka_reported = true;
		conn_event(conn, RVIRT_CONN_EVENT_DISCONNECTED, &why);
	}
	pthread_mutex_unlock(&conn->lock);
	return (int)ms;
}

unsigned int
conn_keepalive_park_ms(struct rvirt_conn *conn)
{
	return conn->ka_interval_s * conn->ka_count * 1000 / 2;
}

int
rvirt_conn_ping(struct rvirt_conn *conn, struct rvirt_error *err)
{
	enum clnt_stat cs;
	char dummy;

	if (conn_begin(conn, err) < 0)
		return -1;
	cs = rvirt_proc_null_1(NULL, &dummy, conn->clnt);
	return conn_end(conn, "NULL", cs, RVIRT_OK, NULL, err);
}
