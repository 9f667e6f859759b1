/* SPDX-License-Identifier: MIT */
/* rfbcheck: an RFB 3.8 client, straight to a VNC socket or through rvirtd's graphics stream. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * rfbcheck unix PATH [UPDATES]
 * rfbcheck rvirt URI DOMAIN [UPDATES] [PAUSE-FILE]
 *
 * Does the RFB 3.8 handshake (security type None, shared), prints
 * "server RFB 003.008", "security 1", "size WxH", "name NAME", then
 * sends a full FramebufferUpdateRequest and reads the whole update
 * (raw encoding, 32 bpp as QEMU offers first), printing
 * "update RECTS BYTES"; UPDATES times (default 1), then "bytes N
 * seconds S" for all the updates.  With PAUSE-FILE (rvirt only), after
 * the handshake: creates PAUSE-FILE.ready, waits (at most 120 s) for
 * PAUSE-FILE.go, then reads once more and prints the outcome ("read
 * error: MESSAGE" included).  Every read waits at most 60 s.  Exit 0,
 * or 1 with a message on stderr.
 */

static int sock = -1;
static struct rvirt_graphics *gfx;
static struct rvirt_error err;
static unsigned long long total;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "rfbcheck: %s\n", what);
	exit(1);
}

/* Read exactly len bytes, waiting at most 60 s in all for each piece. */
static void
get(void *buf, size_t len)
{
	unsigned char *p = buf;
	double deadline = now_s() + 60;

	while (len > 0) {
		ssize_t n;

		if (now_s() > deadline)
			die("no data from the server within 60 s");
		if (gfx) {
			n = rvirt_graphics_read(gfx, p, len, 1000, &err);
			if (n < 0)
				die(err.message);
			if (n == 0 && rvirt_graphics_ended(gfx))
				die("the server closed the stream");
		} else {
			struct timeval tv = { .tv_sec = 1 };

			setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
			n = recv(sock, p, len, 0);
			if (n == 0)
				die("the server closed the stream");
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die(strerror(errno));
			if (n < 0)
				n = 0;
		}
		p += n;
		len -= (size_t)n;
		total += (unsigned long long)n;
	}
}

static void
put(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	double deadline = now_s() + 60;

	while (len > 0) {
		ssize_t n;

		if (now_s() > deadline)
			die("the server took nothing within 60 s");
		if (gfx) {
			n = rvirt_graphics_write(gfx, p, len, &err);
			if (n < 0)
				die(err.message);
			if (n == 0)
				usleep(1000);
		} else {
			n = send(sock, p, len, MSG_NOSIGNAL);
			if (n < 0)
				die(strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static unsigned int
be16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* One full update of w x h at bpp bits per pixel: its rects and bytes. */
static void
update(unsigned int w, unsigned int h, unsigned int bpp)
{
	unsigned char req[10] = { 3, 0, 0, 0, 0, 0 }, hdr[4], rect[12];
	unsigned long long bytes = 0;
	unsigned int nrects;
	static unsigned char pix[65536];

	req[6] = (unsigned char)(w >> 8);
	req[7] = (unsigned char)w;
	req[8] = (unsigned char)(h >> 8);
	req[9] = (unsigned char)h;
	put(req, sizeof(req));
	get(hdr, sizeof(hdr));
	if (hdr[0] != 0)
		die("the first message is not a FramebufferUpdate");
	nrects = be16(hdr + 2);
	for (unsigned int i = 0; i < nrects; i++) {
		unsigned long long len;

		get(rect, sizeof(rect));
		if ((int32_t)be32(rect + 8) != 0)
			die("a rectangle not in raw encoding");
		len = (unsigned long long)be16(rect + 4) * be16(rect + 6) *
		      (bpp / 8);
		bytes += len;
		while (len > 0) {
			size_t n = len > sizeof(pix) ? sizeof(pix) : len;

			get(pix, n);
			len -= n;
		}
	}
	printf("update %u %llu\n", nrects, bytes);
}

static void
pause_and_read(const char *file)
{
	char path[4096];
	struct stat st;
	unsigned char b;
	double deadline = now_s() + 120;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s.ready", file);
	f = fopen(path, "w");
	if (!f)
		die("cannot create the ready file");
	fclose(f);
	snprintf(path, sizeof(path), "%s.go", file);
	while (stat(path, &st) < 0) {
		if (now_s() > deadline)
			die("no go file within 120 s");
		usleep(20000);
	}
	n = rvirt_graphics_read(gfx, &b, 1, 0, &err);
	if (n < 0)
		printf("read error: %s\n", err.message);
	else
		printf("read %zd\n", n);
}

int
main(int argc, char **argv)
{
	unsigned char ver[12], n, types[255], res[4], init[24], one = 1;
	struct rvirt_conn *conn = NULL;
	struct rvirt_domain dom;
	const char *pause_file = NULL;
	unsigned int w, h, bpp, updates = 1;
	char *name;
	double t0;
	int i;

	if (argc >= 3 && strcmp(argv[1], "unix") == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
		sock = socket(AF_UNIX, SOCK_STREAM, 0);
		if (sock < 0 ||
		    connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die(strerror(errno));
		if (argc > 3)
			updates = (unsigned int)atoi(argv[3]);
	} else if (argc >= 4 && strcmp(argv[1], "rvirt") == 0) {
		conn = rvirt_conn_open(argv[2], 0, &err);
		if (!conn ||
		    rvirt_domain_lookup_by_name(conn, argv[3], &dom, &err) <
			    0 ||
		    !(gfx = rvirt_graphics_open(conn, &dom, 0, &err)))
			die(err.message);
		if (argc > 4)
			updates = (unsigned int)atoi(argv[4]);
		if (argc > 5)
			pause_file = argv[5];
	} else {
		fprintf(stderr, "usage: rfbcheck unix PATH [UPDATES]\n"
				"       rfbcheck rvirt URI DOMAIN [UPDATES] "
				"[PAUSE-FILE]\n");
		return 2;
	}
	get(ver, sizeof(ver));
	printf("server %.11s\n", (const char *)ver);
	put("RFB 003.008\n", 12);
	get(&n, 1);
	if (n == 0)
		die("the server refused the connection");
	get(types, n);
	for (i = 0; i < n && types[i] != 1; i++)
		;
	if (i == n)
		die("the server does not offer security type None");
	put(&one, 1);
	printf("security 1\n");
	get(res, sizeof(res));
	if (be32(res) != 0)
		die("SecurityResult is not OK");
	put(&one, 1); /* ClientInit: shared */
	get(init, sizeof(init));
	w = be16(init);
	h = be16(init + 2);
	bpp = init[4];
	name = calloc(1, be32(init + 20) + 1);
	if (!name || be32(init + 20) > 4096)
		die("bad ServerInit");
	get(name, be32(init + 20));
	printf("size %ux%u\nname %s\n", w, h, name);
	free(name);
	if (bpp != 32 && bpp != 16 && bpp != 8)
		die("unexpected bits per pixel");
	fflush(stdout);
	if (pause_file) {
		pause_and_read(pause_file);
		return 0;
	}
	total = 0;
	t0 = now_s();
	for (unsigned int u = 0; u < updates; u++)
		update(w, h, bpp);
	printf("bytes %llu seconds %.3f\n", total, now_s() - t0);
	if (gfx && rvirt_graphics_close(gfx, &err) < 0)
		die(err.message);
	rvirt_conn_close(conn);
	return 0;
}
