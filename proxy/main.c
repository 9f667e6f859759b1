/* SPDX-License-Identifier: MIT */
/* rvirt-console-proxy: domains' serial consoles over websockets, by token. */
#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "pauth.h"
#include "pconf.h"
#include "resolver.h"
#include "wsconsole.h"

/*
 * One libwebsockets event loop serves the web page (a file mount on /)
 * and the websockets of GET /console?token=T (and /vnc?token=T: the
 * domain's VNC display, RFB, proxy/wsvnc.c).  Each websocket gets a
 * wsconsole, whose threads do every call to rvirtd: the loop never
 * waits for it.  A refused token closes the websocket with code 1008
 * and the daemon's message as the reason (doc/console.md).
 */

#define PROXY_CONF "/etc/rvirt/rvirt-console-proxy.conf"
#define PROXY_RX_MAX 4096
#define PROXY_TX_MAX 16384

/* Per websocket: the loop's list of them, and its session. */
struct proxy_pss {
	struct proxy_pss *next, **prev;
	struct lws *wsi;
	struct wsconsole *s;
	char token[RVIRT_CONSOLE_TOKEN_LEN + 2]; /* one more: too long */
	bool is_console;
	bool vnc; /* /vnc: the VNC display, RFB (proxy/wsvnc.c) */
};

static struct proxy {
	struct pconf cf;
	struct lws_context *ctx;
	struct resolver *res;
	struct proxy_pss *list;
	int nsessions;
	volatile sig_atomic_t stop;
} proxy;

static void
proxy_wake(void *arg)
{
	lws_cancel_service(arg);
}

static void
proxy_on_signal(int sig)
{
	(void)sig;
	proxy.stop = 1;
	if (proxy.ctx)
		lws_cancel_service(proxy.ctx);
}

/* Whether origin is one of the space-separated list. */
static bool
proxy_origin_listed(const char *list, const char *origin)
{
	size_t len = strlen(origin);

	while (*list) {
		size_t n = strcspn(list, " \t,");

		if (n == len && strncmp(list, origin, n) == 0)
			return true;
		list += n;
		list += strspn(list, " \t,");
	}
	return false;
}

/*
 * A browser says which page opened the websocket (Origin): unless
 * allowed_origins says otherwise, only the proxy's own page may, so a
 * page elsewhere cannot drive a console with a token it got hold of.
 * A client that sends no Origin is no browser: its token decides.
 */
static bool
proxy_origin_ok(struct lws *wsi)
{
	char origin[512], host[300], own[320];
	const char *allowed = proxy.cf.allowed_origins;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return true;
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0) {
		log_info("refused a websocket: its Origin is too long");
		return false;
	}
	if (strcmp(allowed, "*") == 0)
		return true;
	if (allowed[0]) {
		if (proxy_origin_listed(allowed, origin))
			return true;
	} else if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0) {
		snprintf(own, sizeof(own), "%s://%s",
			 proxy.cf.cert_file[0] ? "https" : "http", host);
		if (strcmp(origin, own) == 0)
			return true;
	}
	log_info("refused a websocket from origin '%s': not the proxy's own "
		 "page (allowed_origins)",
		 origin);
	return false;
}

/*
 * Before the upgrade: only /console and /vnc, from an allowed origin,
 * within max_sessions.
 */
static int
proxy_filter(struct lws *wsi, struct proxy_pss *pss)
{
	char uri[64], arg[RVIRT_CONSOLE_TOKEN_LEN + 16];
	const char *t;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
	    (strcmp(uri, "/console") != 0 && strcmp(uri, "/vnc") != 0)) {
		log_info("refused a websocket on '%s': only /console and /vnc",
			 uri);
		return 1;
	}
	if (!proxy_origin_ok(wsi))
		return 1;
	if (proxy.nsessions >= proxy.cf.max_sessions) {
		log_warn("refused a websocket: %d sessions open "
			 "(max_sessions)",
			 proxy.nsessions);
		return 1;
	}
	memset(pss, 0, sizeof(*pss));
	pss->vnc = strcmp(uri, "/vnc") == 0;
	/* The whole "token=VALUE" lands in arg; one more byte: too long. */
	t = lws_get_urlarg_by_name(wsi, "token=", arg, sizeof(arg));
	snprintf(pss->token, sizeof(pss->token), "%s", t ? t : "");
	explicit_bzero(arg, sizeof(arg));
	return 0;
}

static int
proxy_writeable(struct lws *wsi, struct proxy_pss *pss)
{
	unsigned char buf[LWS_PRE + PROXY_TX_MAX];
	char reason[WSCONSOLE_REASON_MAX + 1];
	size_t n;
	int code;

	n = wsconsole_output(pss->s, buf + LWS_PRE, PROXY_TX_MAX);
	if (n > 0) {
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_BINARY) < (int)n)
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (wsconsole_closing(pss->s, &code, reason)) {
		lws_close_reason(wsi, (enum lws_close_status)code,
				 (unsigned char *)reason, strlen(reason));
		return -1;
	}
	return 0;
}

static int
proxy_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	       void *in, size_t len)
{
	struct proxy_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return proxy_filter(wsi, pss);
	case LWS_CALLBACK_ESTABLISHED:
		pss->wsi = wsi;
		pss->is_console = true;
		pss->s = wsconsole_start(proxy.cf.uri, proxy.res, pss->token,
					 pss->vnc, proxy_wake, proxy.ctx);
		explicit_bzero(pss->token, sizeof(pss->token));
		if (!pss->s) {
			log_error("cannot start a console session: %s",
				  strerror(errno));
			return -1;
		}
		pss->next = proxy.list;
		if (proxy.list)
			proxy.list->prev = &pss->next;
		pss->prev = &proxy.list;
		proxy.list = pss;
		proxy.nsessions++;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (pss->s && len > 0 && !wsconsole_input(pss->s, in, len))
			lws_rx_flow_control(wsi, 0);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->s ? proxy_writeable(wsi, pss) : 0;
	case LWS_CALLBACK_CLOSED:
		if (!pss->is_console || !pss->s)
			return 0;
		*pss->prev = pss->next;
		if (pss->next)
			pss->next->prev = pss->prev;
		proxy.nsessions--;
		wsconsole_release(pss->s);
		pss->s = NULL;
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		for (struct proxy_pss *p = proxy.list; p; p = p->next) {
			if (wsconsole_rx_ok(p->s))
				lws_rx_flow_control(p->wsi, 1);
			lws_callback_on_writable(p->wsi);
		}
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols proxy_protocols[] = {
	{ .name = "rvirt-console",
	  .callback = proxy_callback,
	  .per_session_data_size = sizeof(struct proxy_pss),
	  .rx_buffer_size = PROXY_RX_MAX },
	{ 0 }
};

static void
proxy_usage(void)
{
	fprintf(stderr, "usage: rvirt-console-proxy [-n] [-f FILE]\n");
}

/* Wait up to 5 s for the sessions' threads to end (their reads wait 1 s). */
static void
proxy_drain(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 500 && wsconsole_live() > 0; i++)
		nanosleep(&ts, NULL);
	if (wsconsole_live() > 0)
		log_warn("exiting with %d console sessions still ending",
			 wsconsole_live());
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_http_mount mount;
	const char *path = NULL;
	struct rvirt_error err;
	struct lws_vhost *vh;
	int opt, check = 0;

	while ((opt = getopt(argc, argv, "nf:h")) != -1) {
		switch (opt) {
		case 'n':
			check = 1;
			break;
		case 'f':
			path = optarg;
			break;
		default:
			proxy_usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		proxy_usage();
		return 2;
	}
	log_set_tag("rvirt-console-proxy");
	pconf_defaults(&proxy.cf);
	if ((path || access(PROXY_CONF, F_OK) == 0) &&
	    pconf_read(&proxy.cf, path ? path : PROXY_CONF, &err) < 0) {
		fprintf(stderr, "rvirt-console-proxy: %s\n", err.message);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", path ? path : PROXY_CONF);
		return 0;
	}
	if (log_setup(LOG_LEVEL_INFO, "2:stderr", &err) < 0) {
		fprintf(stderr, "rvirt-console-proxy: %s\n", err.message);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pauth_init(&proxy.cf, &err) < 0) {
		fprintf(stderr, "rvirt-console-proxy: %s\n", err.message);
		return 1;
	}
	wsconsole_set_recheck(proxy.cf.token_recheck);
	proxy.res = resolver_rvirtd_new(proxy.cf.uri, &err);
	if (!proxy.res) {
		fprintf(stderr,
			"rvirt-console-proxy: cannot connect to rvirtd at "
			"'%s': %s\n",
			proxy.cf.uri[0] ? proxy.cf.uri : "(default)",
			err.message);
		pauth_free();
		return 1;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = proxy.cf.www_dir;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "default";
	info.iface = proxy.cf.listen_addr;
	info.port = proxy.cf.listen_port;
	info.protocols = proxy_protocols;
	info.mounts = &mount;
	info.options = 0;
	if (proxy.cf.cert_file[0]) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = proxy.cf.cert_file;
		info.ssl_private_key_filepath = proxy.cf.key_file;
		if (proxy.cf.ca_file[0]) {
			info.ssl_ca_filepath = proxy.cf.ca_file;
			info.options |=
				LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
		}
	}
	proxy.ctx = lws_create_context(&info);
	if (!proxy.ctx) {
		fprintf(stderr,
			"rvirt-console-proxy: cannot listen on '%s:%d' "
			"(address in use, or bad TLS files)\n",
			proxy.cf.listen_addr, proxy.cf.listen_port);
		proxy.res->free(proxy.res);
		pauth_free();
		return 1;
	}
	signal(SIGTERM, proxy_on_signal);
	signal(SIGINT, proxy_on_signal);
	vh = lws_get_vhost_by_name(proxy.ctx, "default");
	fprintf(stderr, "rvirt-console-proxy: ready on %s:%d (%s)\n",
		proxy.cf.listen_addr,
		vh ? lws_get_vhost_listen_port(vh) : proxy.cf.listen_port,
		proxy.cf.cert_file[0] ? "https" : "http");
	while (!proxy.stop)
		if (lws_service(proxy.ctx, 0) < 0)
			break;
	lws_context_destroy(proxy.ctx);
	proxy_drain();
	proxy.res->free(proxy.res);
	pauth_free();
	log_info("stopped");
	return 0;
}
