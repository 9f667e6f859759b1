/* SPDX-License-Identifier: MIT */
/* t6001-rpcclnt: the library's CLIENT against a scripted peer on a socketpair. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "rvirt_protocol.h"

#include "../../client/rpcclnt.h"
#include "../../client/stream.h"

/*
 * The peer runs in a thread and speaks raw bytes, written out here by
 * hand rather than with libtirpc, so the test checks the wire and not
 * the library against itself.  It notes its own failures in peer_bad;
 * the test thread asserts on them after joining.
 */
struct peer {
	int fd;
	void (*script)(struct peer *p);
	pthread_t thread;
	char bad[256];
	uint32_t xids[4]; /* xids of the calls seen */
	int ncalls;
};

struct call_seen {
	uint32_t xid, dir, rpcvers, prog, vers, proc;
	uint32_t cred_flavor, cred_len, verf_flavor, verf_len;
	unsigned char args[512];
	size_t args_len;
};

static void peer_fail(struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
peer_fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(p->bad, sizeof(p->bad), fmt, ap);
	va_end(ap);
}

static int
read_full(int fd, void *buf, size_t len)
{
	unsigned char *b = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 5000) != 1)
			return -1;
		n = read(fd, b, len);
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
write_full(struct peer *p, const void *buf, size_t len)
{
	const unsigned char *b = buf;

	while (len > 0) {
		ssize_t n = send(p->fd, b, len, MSG_NOSIGNAL);

		if (n <= 0) {
			peer_fail(p, "peer cannot write: %s", strerror(errno));
			return;
		}
		b += n;
		len -= (size_t)n;
	}
}

static uint32_t
get_u32(const unsigned char *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return ntohl(v);
}

static size_t
put_u32(unsigned char *b, size_t off, uint32_t v)
{
	v = htonl(v);
	memcpy(b + off, &v, 4);
	return off + 4;
}

/* Read one call record (one fragment, as the library sends). */
static int
peer_read_call(struct peer *p, struct call_seen *c)
{
	unsigned char rec[1024];
	uint32_t mark;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (read_full(p->fd, &mark, 4) < 0) {
		peer_fail(p, "peer got no call");
		return -1;
	}
	mark = ntohl(mark);
	len = mark & 0x7fffffff;
	if (!(mark & 0x80000000u) || len < 40 || len > sizeof(rec)) {
		peer_fail(p, "peer got a bad record mark 0x%x", mark);
		return -1;
	}
	if (read_full(p->fd, rec, len) < 0) {
		peer_fail(p, "peer got a short call");
		return -1;
	}
	c->xid = get_u32(rec);
	c->dir = get_u32(rec + 4);
	c->rpcvers = get_u32(rec + 8);
	c->prog = get_u32(rec + 12);
	c->vers = get_u32(rec + 16);
	c->proc = get_u32(rec + 20);
	c->cred_flavor = get_u32(rec + 24);
	c->cred_len = get_u32(rec + 28);
	c->verf_flavor = get_u32(rec + 32);
	c->verf_len = get_u32(rec + 36);
	c->args_len = len - 40;
	memcpy(c->args, rec + 40, c->args_len);
	if (p->ncalls < 4)
		p->xids[p->ncalls] = c->xid;
	p->ncalls++;
	return 0;
}

/* A record with the header of an accepted reply, then body. */
static size_t
reply_header(unsigned char *b, uint32_t xid, uint32_t accept_stat)
{
	size_t o = 4;

	o = put_u32(b, o, xid);
	o = put_u32(b, o, 1); /* REPLY */
	o = put_u32(b, o, 0); /* MSG_ACCEPTED */
	o = put_u32(b, o, 0); /* verifier AUTH_NONE */
	o = put_u32(b, o, 0); /* of length 0 */
	o = put_u32(b, o, accept_stat);
	return o;
}

static void
send_record(struct peer *p, unsigned char *b, size_t end)
{
	put_u32(b, 0, 0x80000000u | (uint32_t)(end - 4));
	write_full(p, b, end);
}

/* rvirt_string_ret { RVIRT_OK, "TEST" } */
static size_t
body_type(unsigned char *b, size_t o)
{
	o = put_u32(b, o, 0);
	o = put_u32(b, o, 4);
	memcpy(b + o, "TEST", 4);
	return o + 4;
}

static void
send_type_reply(struct peer *p, uint32_t xid)
{
	unsigned char b[128];

	send_record(p, b, body_type(b, reply_header(b, xid, 0)));
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;

	p->script(p);
	return NULL;
}

static CLIENT *
start(struct peer *p, void (*script)(struct peer *p))
{
	struct rvirt_error err = { 0 };
	struct stream *st;
	CLIENT *clnt;
	int sv[2];

	memset(p, 0, sizeof(*p));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->fd = sv[1];
	p->script = script;
	st = stream_new_fd(sv[0], "peer", &err);
	assert_non_null(st);
	clnt = rpcclnt_new(st, RVIRT_PROGRAM, RVIRT_V1, &err);
	assert_non_null(clnt);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
	return clnt;
}

static void
finish(struct peer *p, CLIENT *clnt)
{
	if (clnt)
		clnt_destroy(clnt);
	pthread_join(p->thread, NULL);
	close(p->fd);
	if (p->bad[0])
		fail_msg("%s", p->bad);
}

static enum clnt_stat
get_type(CLIENT *clnt, char **out)
{
	rvirt_string_ret ret;
	enum clnt_stat st;

	memset(&ret, 0, sizeof(ret));
	st = rvirt_proc_connect_get_type_1(NULL, &ret, clnt);
	*out = NULL;
	if (st == RPC_SUCCESS && ret.status == RVIRT_OK)
		*out = strdup(ret.rvirt_string_ret_u.value);
	xdr_free((xdrproc_t)xdr_rvirt_string_ret, &ret);
	return st;
}

static void
expect_type(CLIENT *clnt)
{
	char *s;

	assert_int_equal(get_type(clnt, &s), RPC_SUCCESS);
	assert_non_null(s);
	assert_string_equal(s, "TEST");
	free(s);
}

/* ---------------------------------------------------------------- */

static void
script_header(struct peer *p)
{
	struct call_seen c;
	int i;

	for (i = 0; i < 2; i++) {
		if (peer_read_call(p, &c) < 0)
			return;
		if (c.dir != 0 || c.rpcvers != 2 || c.prog != 0x20525654 ||
		    c.vers != 1 || c.proc != 4 || c.cred_flavor != 0 ||
		    c.cred_len != 0 || c.verf_flavor != 0 || c.verf_len != 0 ||
		    c.args_len != 0)
			peer_fail(
				p,
				"bad call header: dir %u rpcvers %u prog 0x%x "
				"vers %u proc %u cred %u/%u verf %u/%u args "
				"%zu",
				c.dir, c.rpcvers, c.prog, c.vers, c.proc,
				c.cred_flavor, c.cred_len, c.verf_flavor,
				c.verf_len, c.args_len);
		send_type_reply(p, c.xid);
	}
}

static void
test_call_header_and_result(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_header);
	uint32_t xid1, xid2;
	struct rpc_err re;

	(void)state;
	expect_type(clnt);
	assert_true(clnt_control(clnt, CLGET_XID, (char *)&xid1));
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_status, RPC_SUCCESS);
	expect_type(clnt);
	assert_true(clnt_control(clnt, CLGET_XID, (char *)&xid2));
	finish(&p, clnt);
	assert_int_equal(p.ncalls, 2);
	assert_int_equal(p.xids[0], xid1);
	assert_int_equal(p.xids[1], xid2);
	assert_int_equal(xid2, xid1 + 1);
}

static void
script_args(struct peer *p)
{
	/* CONNECT_OPEN("test:///default", 1): length, 15 bytes + 1 pad, flags */
	static const unsigned char want[] = {
		0,   0,	  0,   15,  't', 'e', 's', 't', ':', '/', '/', '/',
		'd', 'e', 'f', 'a', 'u', 'l', 't', 0,	0,   0,	  0,   1,
	};
	unsigned char b[128];
	struct call_seen c;
	size_t o;

	if (peer_read_call(p, &c) < 0)
		return;
	if (c.proc != 2 || c.args_len != sizeof(want) ||
	    memcmp(c.args, want, sizeof(want)) != 0)
		peer_fail(p, "bad CONNECT_OPEN args (proc %u, %zu bytes)",
			  c.proc, c.args_len);
	/* RVIRT_OK and a 32-byte cookie of 0xab */
	o = put_u32(b, reply_header(b, c.xid, 0), 0);
	memset(b + o, 0xab, 32);
	send_record(p, b, o + 32);
}

static void
test_args_encoding(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_args);
	rvirt_connect_open_args args = { .uri = "test:///default", .flags = 1 };
	rvirt_connect_open_ret ret;

	(void)state;
	memset(&ret, 0, sizeof(ret));
	assert_int_equal(rvirt_proc_connect_open_1(&args, &ret, clnt),
			 RPC_SUCCESS);
	assert_int_equal(ret.status, RVIRT_OK);
	assert_int_equal((unsigned char)ret.rvirt_connect_open_ret_u.cookie[31],
			 0xab);
	xdr_free((xdrproc_t)xdr_rvirt_connect_open_ret, &ret);
	finish(&p, clnt);
}

static void
script_stale_then_right(struct peer *p)
{
	unsigned char b[128];
	struct call_seen c;
	size_t o;

	if (peer_read_call(p, &c) < 0)
		return;
	/* an old reply with other contents first: it must be dropped */
	o = put_u32(b, reply_header(b, c.xid - 1, 0), 0);
	o = put_u32(b, o, 3);
	memcpy(b + o, "OLD\0", 4);
	send_record(p, b, o + 4);
	send_type_reply(p, c.xid);
}

static void
test_stale_reply_dropped(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_stale_then_right);

	(void)state;
	expect_type(clnt);
	finish(&p, clnt);
}

/*
 * A call sent without waiting (KEEPALIVE_START's way) is on the wire
 * first; its reply, sent only after the next call arrived, is dropped
 * by its xid and the next call gets its own.
 */
static void
script_send_only(struct peer *p)
{
	unsigned char b[128];
	struct call_seen c, d;

	if (peer_read_call(p, &c) < 0 || peer_read_call(p, &d) < 0)
		return;
	if (c.proc != RVIRT_PROC_KEEPALIVE_START || c.args_len != 8 ||
	    get_u32(c.args) != 5 || get_u32(c.args + 4) != 3)
		peer_fail(p,
			  "first call is proc %u with %zu bytes, not "
			  "KEEPALIVE_START(5, 3)",
			  c.proc, c.args_len);
	if (d.xid == c.xid)
		peer_fail(p, "the two calls share xid %u", c.xid);
	send_record(p, b, put_u32(b, reply_header(b, c.xid, 0), 0));
	send_type_reply(p, d.xid);
}

static void
test_send_only(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_send_only);
	rvirt_keepalive_start_args ka = { .interval = 5, .count = 3 };

	(void)state;
	assert_int_equal(
		rpcclnt_send_only(clnt, RVIRT_PROC_KEEPALIVE_START,
				  (xdrproc_t)xdr_rvirt_keepalive_start_args,
				  &ka, 1000),
		RPC_SUCCESS);
	expect_type(clnt);
	finish(&p, clnt);
}

/* The test and the peer take turns (test_queue). */
static int queue_turn[2], queue_back[2];

/*
 * A queued call (rpcclnt_queue) is not sent on its own; it goes out with
 * the next call, in one write (so in the peer's first read), and its
 * reply is dropped by its xid.
 */
static void
script_queue(struct peer *p)
{
	unsigned char b[1024];
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	uint32_t len1, len2, xid1, xid2;
	ssize_t n;
	char t;

	if (read(queue_turn[0], &t, 1) != 1) {
		peer_fail(p, "no turn from the test");
		return;
	}
	if (poll(&pfd, 1, 0) != 0)
		peer_fail(p, "the queued call went out on its own");
	if (write(queue_back[1], "k", 1) != 1) {
		peer_fail(p, "cannot hand the turn back");
		return;
	}
	if (poll(&pfd, 1, 5000) != 1 ||
	    (n = recv(p->fd, b, sizeof(b), 0)) < 8) {
		peer_fail(p, "peer got no calls");
		return;
	}
	len1 = get_u32(b) & 0x7fffffff;
	len2 = (size_t)n >= 4 + len1 + 4 ? get_u32(b + 4 + len1) & 0x7fffffff
					 : 0;
	if (!len2 || (size_t)n != 4 + len1 + 4 + len2) {
		peer_fail(p, "the first read has %zd bytes, not both calls", n);
		return;
	}
	xid1 = get_u32(b + 4);
	xid2 = get_u32(b + 4 + len1 + 4);
	if (get_u32(b + 4 + 20) != RVIRT_PROC_KEEPALIVE_START ||
	    get_u32(b + 4 + len1 + 4 + 20) != RVIRT_PROC_CONNECT_GET_TYPE)
		peer_fail(p, "the calls are not KEEPALIVE_START, then "
			     "CONNECT_GET_TYPE");
	send_record(p, b, put_u32(b, reply_header(b, xid1, 0), 0));
	send_type_reply(p, xid2);
}

static void
test_queue(void **state)
{
	struct peer p;
	CLIENT *clnt;
	rvirt_keepalive_start_args ka = { .interval = 5, .count = 3 };
	char t;

	(void)state;
	assert_int_equal(pipe(queue_turn), 0);
	assert_int_equal(pipe(queue_back), 0);
	clnt = start(&p, script_queue);
	assert_int_equal(
		rpcclnt_queue(clnt, RVIRT_PROC_KEEPALIVE_START,
			      (xdrproc_t)xdr_rvirt_keepalive_start_args, &ka),
		RPC_SUCCESS);
	assert_int_equal(write(queue_turn[1], "q", 1), 1);
	assert_int_equal(read(queue_back[0], &t, 1), 1);
	expect_type(clnt);
	finish(&p, clnt);
	close(queue_turn[0]);
	close(queue_turn[1]);
	close(queue_back[0]);
	close(queue_back[1]);
}

/*
 * Bytes read ahead and not yet taken are raw: a security layer started
 * over them would misread them, so stream_set_layer refuses.
 */
static void
test_layer_after_read_ahead(void **state)
{
	struct rvirt_error err = { 0 };
	struct stream_layer layer = { 0 };
	struct stream *st;
	unsigned char b[4];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	st = stream_new_fd(sv[0], "peer", &err);
	assert_non_null(st);
	assert_int_equal(write(sv[1], "0123456789", 10), 10);
	assert_int_equal(stream_read(st, b, sizeof(b), -1, &err), 4);
	assert_int_equal(stream_set_layer(st, &layer, &err), -1);
	assert_non_null(strstr(err.message, "6 bytes nobody asked for"));
	stream_free(st);
	close(sv[1]);
}

static void
script_fragments(struct peer *p)
{
	unsigned char b[128], frag[4];
	struct call_seen c;
	size_t end;

	if (peer_read_call(p, &c) < 0)
		return;
	end = body_type(b, reply_header(b, c.xid, 0));
	/* the same reply as 10 bytes, an empty fragment, then the rest */
	put_u32(frag, 0, 10);
	write_full(p, frag, 4);
	write_full(p, b + 4, 10);
	put_u32(frag, 0, 0);
	write_full(p, frag, 4);
	put_u32(frag, 0, 0x80000000u | (uint32_t)(end - 14));
	write_full(p, frag, 4);
	write_full(p, b + 14, end - 14);
}

static void
test_fragments(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_fragments);

	(void)state;
	expect_type(clnt);
	finish(&p, clnt);
}

static void
script_huge_fragment(struct peer *p)
{
	unsigned char m[4];
	struct call_seen c;

	if (peer_read_call(p, &c) < 0)
		return;
	/* announces one byte more than the limit, sends nothing more */
	put_u32(m, 0, 0x80000000u | (RVIRT_MESSAGE_MAX + 1));
	write_full(p, m, 4);
}

static void
script_huge_total(struct peer *p)
{
	unsigned char m[12] = { 0 };
	struct call_seen c;

	if (peer_read_call(p, &c) < 0)
		return;
	/* 8 bytes, then a last fragment that takes the total past it */
	put_u32(m, 0, 8);
	put_u32(m, 4, c.xid);
	write_full(p, m, 12);
	put_u32(m, 0, 0x80000000u | (RVIRT_MESSAGE_MAX - 7));
	write_full(p, m, 4);
}

static void
check_limit(void (*script)(struct peer *p))
{
	struct peer p;
	CLIENT *clnt = start(&p, script);
	struct rvirt_error err;
	struct rpc_err re;
	char *s;

	assert_int_equal(get_type(clnt, &s), RPC_CANTRECV);
	rpcclnt_get_error(clnt, &err);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_non_null(strstr(err.message, "exceeds the limit of 4194304"));
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_status, RPC_CANTRECV);
	assert_int_equal(re.re_errno, EMSGSIZE);
	/* the stream is out of step: no further call goes out */
	assert_true(rpcclnt_is_broken(clnt));
	assert_int_equal(get_type(clnt, &s), RPC_CANTSEND);
	finish(&p, clnt);
	assert_int_equal(p.ncalls, 1);
}

static void
test_reply_limit(void **state)
{
	(void)state;
	check_limit(script_huge_fragment);
	check_limit(script_huge_total);
}

static void
script_late(struct peer *p)
{
	struct call_seen c1, c2;

	if (peer_read_call(p, &c1) < 0 || peer_read_call(p, &c2) < 0)
		return;
	/* the first call's reply arrives after its timeout, then the second */
	send_type_reply(p, c1.xid);
	send_type_reply(p, c2.xid);
}

static void
test_timeout_then_late_reply(void **state)
{
	struct timeval tv = { 0, 200000 }, got;
	struct peer p;
	CLIENT *clnt = start(&p, script_late);
	struct rvirt_error err;
	char *s;

	(void)state;
	assert_true(clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv));
	assert_true(clnt_control(clnt, CLGET_TIMEOUT, (char *)&got));
	assert_int_equal(got.tv_sec, 0);
	assert_int_equal(got.tv_usec, 200000);
	assert_int_equal(get_type(clnt, &s), RPC_TIMEDOUT);
	rpcclnt_get_error(clnt, &err);
	assert_int_equal(err.code, RVIRT_ERR_TIMEOUT);
	/* no byte of the reply came: the stream is still in step */
	assert_false(rpcclnt_is_broken(clnt));
	tv.tv_sec = 5;
	assert_true(clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv));
	expect_type(clnt);
	finish(&p, clnt);
}

static void
script_half_reply(struct peer *p)
{
	unsigned char b[128];
	struct call_seen c;
	size_t end;

	if (peer_read_call(p, &c) < 0)
		return;
	end = body_type(b, reply_header(b, c.xid, 0));
	put_u32(b, 0, 0x80000000u | (uint32_t)(end - 4));
	write_full(p, b, 12); /* and then nothing */
	/* wait for the client to give up and close */
	read_full(p->fd, b, 1);
}

static void
test_timeout_mid_reply_breaks(void **state)
{
	struct timeval tv = { 0, 200000 };
	struct peer p;
	CLIENT *clnt = start(&p, script_half_reply);
	char *s;

	(void)state;
	assert_true(clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv));
	assert_int_equal(get_type(clnt, &s), RPC_TIMEDOUT);
	assert_true(rpcclnt_is_broken(clnt));
	assert_int_equal(get_type(clnt, &s), RPC_CANTSEND);
	finish(&p, clnt);
}

static void
script_close(struct peer *p)
{
	struct call_seen c;

	if (peer_read_call(p, &c) < 0)
		return;
	shutdown(p->fd, SHUT_RDWR);
}

static void
test_peer_closes(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_close);
	struct rvirt_error err;
	struct rpc_err re;
	char *s;

	(void)state;
	assert_int_equal(get_type(clnt, &s), RPC_CANTRECV);
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_status, RPC_CANTRECV);
	assert_int_equal(re.re_errno, ECONNRESET);
	rpcclnt_get_error(clnt, &err);
	assert_int_equal(err.code, RVIRT_ERR_TRANSPORT);
	assert_string_equal(err.message, "cannot receive from 'peer': "
					 "connection closed by the peer");
	finish(&p, clnt);
}

/* Replies with each kind of rejection in turn. */
static void
script_rejections(struct peer *p)
{
	static const uint32_t stats[] = { 1, 2, 3, 4, 5 };
	unsigned char b[128];
	struct call_seen c;
	size_t i, o;

	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		if (peer_read_call(p, &c) < 0)
			return;
		o = reply_header(b, c.xid, stats[i]);
		if (stats[i] == 2) { /* PROG_MISMATCH: low, high */
			o = put_u32(b, o, 3);
			o = put_u32(b, o, 4);
		}
		send_record(p, b, o);
	}
	/* MSG_DENIED, RPC_MISMATCH 2..2 */
	if (peer_read_call(p, &c) < 0)
		return;
	o = put_u32(b, 4, c.xid);
	o = put_u32(b, o, 1);
	o = put_u32(b, o, 1);
	o = put_u32(b, o, 0);
	o = put_u32(b, o, 2);
	o = put_u32(b, o, 2);
	send_record(p, b, o);
	/* MSG_DENIED, AUTH_ERROR AUTH_TOOWEAK */
	if (peer_read_call(p, &c) < 0)
		return;
	o = put_u32(b, 4, c.xid);
	o = put_u32(b, o, 1);
	o = put_u32(b, o, 1);
	o = put_u32(b, o, 1);
	o = put_u32(b, o, 5);
	send_record(p, b, o);
}

static void
test_rejections(void **state)
{
	static const enum clnt_stat want[] = {
		RPC_PROGUNAVAIL,    RPC_PROGVERSMISMATCH, RPC_PROCUNAVAIL,
		RPC_CANTDECODEARGS, RPC_SYSTEMERROR,
	};
	struct peer p;
	CLIENT *clnt = start(&p, script_rejections);
	struct rpc_err re;
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(get_type(clnt, &s), want[i]);
		assert_null(s);
	}
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_status, RPC_SYSTEMERROR);
	assert_int_equal(get_type(clnt, &s), RPC_VERSMISMATCH);
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_vers.low, 2);
	assert_int_equal(re.re_vers.high, 2);
	assert_int_equal(get_type(clnt, &s), RPC_AUTHERROR);
	clnt_geterr(clnt, &re);
	assert_int_equal(re.re_why, AUTH_TOOWEAK);
	/* none of this put the stream out of step */
	assert_false(rpcclnt_is_broken(clnt));
	finish(&p, clnt);
}

static void
script_garbage(struct peer *p)
{
	unsigned char b[128];
	struct call_seen c;
	size_t o;

	/* results cut short: a 100-byte string with 4 bytes */
	if (peer_read_call(p, &c) < 0)
		return;
	o = put_u32(b, reply_header(b, c.xid, 0), 0);
	o = put_u32(b, o, 100);
	memcpy(b + o, "TEST", 4);
	send_record(p, b, o + 4);
	/* a CALL where a reply belongs */
	if (peer_read_call(p, &c) < 0)
		return;
	o = put_u32(b, 4, c.xid);
	o = put_u32(b, o, 0);
	send_record(p, b, o);
	/* a record too short to hold an xid */
	if (peer_read_call(p, &c) < 0)
		return;
	send_record(p, b, 6);
	/* and then a good one */
	if (peer_read_call(p, &c) < 0)
		return;
	send_type_reply(p, c.xid);
}

static void
test_garbage_replies(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_garbage);
	char *s;

	(void)state;
	assert_int_equal(get_type(clnt, &s), RPC_CANTDECODERES);
	assert_int_equal(get_type(clnt, &s), RPC_CANTDECODERES);
	assert_int_equal(get_type(clnt, &s), RPC_CANTDECODERES);
	expect_type(clnt);
	finish(&p, clnt);
}

static void
script_xid(struct peer *p)
{
	struct call_seen c;

	if (peer_read_call(p, &c) < 0)
		return;
	send_type_reply(p, c.xid);
	if (peer_read_call(p, &c) < 0)
		return;
	send_type_reply(p, c.xid);
}

static void
test_control(void **state)
{
	struct peer p;
	CLIENT *clnt = start(&p, script_xid);
	uint32_t xid = 0x12345678, got = 0, prog = 0, vers = 0;
	int fd = -1;

	(void)state;
	/* CLSET_XID sets the next call's xid: a re-sent call keeps its own */
	assert_true(clnt_control(clnt, CLSET_XID, (char *)&xid));
	expect_type(clnt);
	assert_true(clnt_control(clnt, CLGET_XID, (char *)&got));
	assert_int_equal(got, 0x12345678);
	assert_true(clnt_control(clnt, CLSET_XID, (char *)&xid));
	expect_type(clnt);
	assert_true(clnt_control(clnt, CLGET_FD, (char *)&fd));
	assert_true(fd >= 0 && fd != p.fd);
	assert_true(clnt_control(clnt, CLGET_PROG, (char *)&prog));
	assert_int_equal(prog, RVIRT_PROGRAM);
	assert_true(clnt_control(clnt, CLGET_VERS, (char *)&vers));
	assert_int_equal(vers, 1);
	assert_false(clnt_control(clnt, CLSET_ASYNC, (char *)&vers));
	finish(&p, clnt);
	assert_int_equal(p.ncalls, 2);
	assert_int_equal(p.xids[0], 0x12345678);
	assert_int_equal(p.xids[1], 0x12345678);
}

static void
script_after_big(struct peer *p)
{
	struct call_seen c;

	/* the first call seen must be the small one */
	if (peer_read_call(p, &c) < 0)
		return;
	if (c.proc != 4)
		peer_fail(p, "peer saw procedure %u first", c.proc);
	send_type_reply(p, c.xid);
}

struct big {
	char *buf;
	u_int len;
};

/* Opaque data without a bound, to build a call over the limit. */
static bool_t
xdr_big(XDR *x, struct big *b)
{
	return xdr_bytes(x, &b->buf, &b->len, ~0u);
}

static void
test_call_limit(void **state)
{
	struct timeval tv = { 5, 0 };
	struct peer p;
	CLIENT *clnt = start(&p, script_after_big);
	rvirt_domain_xml_args args = { 0 };
	rvirt_domain_ret ret;
	struct rvirt_error err;
	struct big big;

	(void)state;
	/* over the message limit: refused before anything is sent */
	big.len = RVIRT_MESSAGE_MAX;
	big.buf = calloc(1, big.len);
	assert_non_null(big.buf);
	memset(&ret, 0, sizeof(ret));
	assert_int_equal(clnt_call(clnt, RVIRT_PROC_DOMAIN_DEFINE_XML,
				   (xdrproc_t)xdr_big, (char *)&big,
				   (xdrproc_t)xdr_rvirt_domain_ret,
				   (char *)&ret, tv),
			 RPC_CANTENCODEARGS);
	rpcclnt_get_error(clnt, &err);
	assert_int_equal(err.code, RVIRT_ERR_LIMIT);
	assert_non_null(strstr(err.message, "exceeds the limit of 4194304"));
	free(big.buf);
	/* over the XML bound of the .x: XDR refuses to encode it */
	args.xml = malloc((size_t)RVIRT_XML_MAX + 2);
	assert_non_null(args.xml);
	memset(args.xml, 'x', (size_t)RVIRT_XML_MAX + 1);
	args.xml[RVIRT_XML_MAX + 1] = '\0';
	assert_int_equal(rvirt_proc_domain_define_xml_1(&args, &ret, clnt),
			 RPC_CANTENCODEARGS);
	rpcclnt_get_error(clnt, &err);
	assert_int_equal(err.code, RVIRT_ERR_RPC);
	free(args.xml);
	assert_false(rpcclnt_is_broken(clnt));
	expect_type(clnt);
	finish(&p, clnt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_header_and_result),
		cmocka_unit_test(test_args_encoding),
		cmocka_unit_test(test_stale_reply_dropped),
		cmocka_unit_test(test_send_only),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_layer_after_read_ahead),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_reply_limit),
		cmocka_unit_test(test_timeout_then_late_reply),
		cmocka_unit_test(test_timeout_mid_reply_breaks),
		cmocka_unit_test(test_peer_closes),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_garbage_replies),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_call_limit),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
