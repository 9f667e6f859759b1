/* SPDX-License-Identifier: MIT */
/* wsclient: a websocket client for rvirt-console-proxy's tests (libwebsockets). */
#define _GNU_SOURCE
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * wsclient [-c CAFILE [-H NAME] [-C CERT -K KEY]] [-O ORIGIN] [-s TEXT]
 *          [-w STRING] [-o FILE] [-n N] [-t SECONDS] HOST PORT PATH
 *     Open N (1) websockets to ws://HOST:PORT/PATH (wss:// with -c, the
 *     server checked against CAFILE, as NAME if given, with a client
 *     certificate CERT and key KEY if given).  Prints "open" for each one that
 *     opens; types TEXT into the first once open (\r, \n in TEXT and STRING are CR, LF); appends
 *     what comes to FILE; prints "found" once STRING came and closes
 *     (exit 0).  A close from the server prints "close CODE: REASON"
 *     (exit 0: the caller checks it); a failed connection "error:
 *     WHY" (exit 1).  With -n, prints "all open" once all are open and
 *     holds them until stdin ends.  Everything ends by -t (30 s):
 *     "timeout", exit 1.  The Origin header says what a page of the
 *     proxy itself would (http://HOST or https://NAME, as the Host
 *     header goes), or ORIGIN; -O "" sends none.
 * With -l ROUNDS (a benchmark, t/perf/proxy.sh): once the guest's
 *     prompt came, type one byte at a time ("a", then DEL to rub it
 *     out), each when the echo of the one before came, and print the
 *     echo round trips: "echo: N rounds, median U us, p90 U us, max U us".
 */

#define WSC_MAX 1024

static struct {
	const char *send, *want, *outfile;
	char *seen;
	size_t seen_len;
	int n, nopen, done, rc, hold;
	struct lws *first;
	int rounds, round, typing;
	struct timespec sent;
	long *us;
} wsc;

static long
wsc_since_us(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000L +
	       (now.tv_nsec - t->tv_nsec) / 1000;
}

static int
wsc_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Latency mode: an echo came (or the prompt): time it, type the next. */
static int
wsc_latency(struct lws *wsi, const void *in, size_t len)
{
	if (!wsc.typing) {
		if (!memmem(in, len, "guest> ", 7))
			return 0;
		wsc.typing = 1;
	} else {
		wsc.us[wsc.round++] = wsc_since_us(&wsc.sent);
	}
	if (wsc.round == wsc.rounds) {
		qsort(wsc.us, (size_t)wsc.rounds, sizeof(long), wsc_cmp);
		printf("echo: %d rounds, median %ld us, p90 %ld us, max %ld "
		       "us\n",
		       wsc.rounds, wsc.us[wsc.rounds / 2],
		       wsc.us[wsc.rounds * 9 / 10], wsc.us[wsc.rounds - 1]);
		wsc.done = 1;
		wsc.rc = 0;
		return -1;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

static int
wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	     void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 4096];
	(void)user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("open\n");
		fflush(stdout);
		if (++wsc.nopen == wsc.n && wsc.n > 1) {
			printf("all open\n");
			fflush(stdout);
		}
		if (!wsc.first) {
			wsc.first = wsi;
			if (wsc.send)
				lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		size_t l;

		if (wsc.rounds) {
			buf[LWS_PRE] = wsc.round % 2 ? 0x7f : 'a';
			clock_gettime(CLOCK_MONOTONIC, &wsc.sent);
			if (lws_write(wsi, buf + LWS_PRE, 1, LWS_WRITE_TEXT) <
			    1)
				return -1;
			break;
		}
		l = strlen(wsc.send);

		if (l > sizeof(buf) - LWS_PRE)
			l = sizeof(buf) - LWS_PRE;
		memcpy(buf + LWS_PRE, wsc.send, l);
		if (lws_write(wsi, buf + LWS_PRE, l, LWS_WRITE_TEXT) < (int)l)
			return -1;
		break;
	}
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (wsc.rounds)
			return wsc_latency(wsi, in, len);
		if (wsc.outfile) {
			FILE *f = fopen(wsc.outfile, "a");

			if (f) {
				fwrite(in, 1, len, f);
				fclose(f);
			}
		}
		if (wsc.want && !wsc.done) {
			char *p = realloc(wsc.seen, wsc.seen_len + len + 1);

			if (!p)
				return -1;
			wsc.seen = p;
			memcpy(wsc.seen + wsc.seen_len, in, len);
			wsc.seen_len += len;
			wsc.seen[wsc.seen_len] = '\0';
			if (memmem(wsc.seen, wsc.seen_len, wsc.want,
				   strlen(wsc.want))) {
				printf("found\n");
				fflush(stdout);
				wsc.done = 1;
				wsc.rc = 0;
				lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
						 (unsigned char *)"bye", 3);
				return -1;
			}
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
		const unsigned char *p = in;
		int code = len >= 2 ? p[0] << 8 | p[1] : 0;

		printf("close %d: %.*s\n", code, len > 2 ? (int)len - 2 : 0,
		       len > 2 ? (const char *)in + 2 : "");
		fflush(stdout);
		if (!wsc.hold) {
			wsc.done = 1;
			wsc.rc = 0;
		}
		break;
	}
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error: %s\n", in ? (const char *)in : "unknown");
		fflush(stdout);
		wsc.done = 1;
		wsc.rc = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!wsc.hold && !wsc.done) {
			printf("closed\n");
			wsc.done = 1;
			wsc.rc = 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols wsc_protocols[] = {
	{ .name = "wsclient",
	  .callback = wsc_callback,
	  .rx_buffer_size = 4096 },
	{ 0 }
};

static char *
wsc_unescape(const char *s)
{
	char *out = strdup(s), *o = out;

	if (!out)
		exit(2);
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'r') {
			*o++ = '\r';
			s++;
		} else if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	struct lws_context *ctx;
	const char *ca = NULL, *name = NULL, *cert = NULL, *key = NULL;
	const char *origin = NULL;
	char own_origin[300];
	int opt, timeout = 30;
	time_t end;

	wsc.n = 1;
	wsc.rc = 1;
	while ((opt = getopt(argc, argv, "c:H:C:K:O:s:w:o:n:t:l:")) != -1) {
		switch (opt) {
		case 'c':
			ca = optarg;
			break;
		case 'H':
			name = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'O':
			origin = optarg;
			break;
		case 's':
			wsc.send = wsc_unescape(optarg);
			break;
		case 'w':
			wsc.want = wsc_unescape(optarg);
			break;
		case 'o':
			wsc.outfile = optarg;
			break;
		case 'n':
			wsc.n = atoi(optarg);
			wsc.hold = 1;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'l':
			wsc.rounds = atoi(optarg);
			wsc.us = calloc(
				(size_t)(wsc.rounds > 0 ? wsc.rounds : 1),
				sizeof(long));
			if (!wsc.us || wsc.rounds < 1)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3 || wsc.n < 1 || wsc.n > WSC_MAX) {
		fprintf(stderr, "usage: wsclient [-c CAFILE] [-s TEXT] "
				"[-w STRING] [-o FILE] [-n N] [-t SECONDS] "
				"HOST PORT PATH\n");
		return 2;
	}
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = wsc_protocols;
	info.fd_limit_per_thread = (unsigned int)wsc.n * 2 + 16;
	/* The Origin header as given, not prefixed with http://. */
	info.options = LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	if (!origin) {
		snprintf(own_origin, sizeof(own_origin), "%s://%s",
			 ca ? "https" : "http", name ? name : argv[optind]);
		origin = own_origin;
	}
	if (ca) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = ca;
		info.client_ssl_cert_filepath = cert;
		info.client_ssl_private_key_filepath = key;
	}
	ctx = lws_create_context(&info);
	if (!ctx) {
		printf("error: cannot create a libwebsockets context\n");
		return 1;
	}
	for (int i = 0; i < wsc.n; i++) {
		memset(&cc, 0, sizeof(cc));
		cc.context = ctx;
		cc.address = argv[optind];
		cc.port = atoi(argv[optind + 1]);
		cc.path = argv[optind + 2];
		cc.host = name ? name : cc.address;
		cc.origin = origin[0] ? origin : NULL;
		cc.ssl_connection = ca ? LCCSCF_USE_SSL : 0;
		if (!lws_client_connect_via_info(&cc)) {
			printf("error: cannot connect\n");
			lws_context_destroy(ctx);
			return 1;
		}
	}
	end = time(NULL) + timeout;
	while (!wsc.done && time(NULL) < end) {
		lws_service(ctx, 100);
		if (wsc.hold && wsc.nopen == wsc.n) {
			/* Held open until stdin ends (the caller measured). */
			char c;

			while (read(0, &c, 1) > 0)
				;
			wsc.done = 1;
			wsc.rc = 0;
		}
	}
	if (!wsc.done)
		printf("timeout\n");
	lws_context_destroy(ctx);
	free(wsc.seen);
	free(wsc.us);
	return wsc.done ? wsc.rc : 1;
}
