/* SPDX-License-Identifier: MIT */
/* fuzz-server-rpc: libFuzzer target for rvirtd's call path, auth states included. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../../common/err.h"
#include "../../common/log.h"
#include "../../server/auth.h"
#include "../../server/config.h"
#include "../../server/dispatch.h"
#include "../../server/rpc.h"
#include "../../store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * One throwaway store and config per process, in a directory under
 * $TMPDIR (default /tmp), removed at exit.  Each input is
 * one connection, from accept to close, as server/conn.c drives it:
 *
 *   byte 0, bits 0-1: the socket (read-write unix, read-only unix,
 *           plain tcp; TLS needs a handshake first and is not here)
 *   byte 0, bit 2:    auth "sasl" instead of "none" on that socket
 *   byte 1:           how many bytes each read delivers (1..256), so
 *                     records split anywhere
 *   the rest:         the bytes the client sends
 *
 * Every record goes through rpc_record_feed, rpc_call_check and
 * rpc_call_handle (argument decoding, auth and access checks, the
 * dispatch of every procedure, the store transaction, the reply).
 * CONNECT_OPEN of a URI other than test:// is skipped: the process and
 * qemu drivers would start real programs named by the input.  Once a
 * SASL security layer starts, the bytes that follow would be layer
 * packets; the connection ends there.
 */

static struct config fuzz_cfg;
static struct store *fuzz_store;
static char fuzz_dir[CONFIG_PATH_MAX];

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
fuzz_server_cleanup(void)
{
	if (fuzz_store) {
		store_close(fuzz_store);
		fuzz_store = NULL;
	}
	if (fuzz_dir[0])
		nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_server_init(void)
{
	struct dispatch_options opts = { 0 };
	struct rvirt_error err = { 0 };
	const char *tmp = getenv("TMPDIR");
	char path[CONFIG_PATH_MAX + 16];
	FILE *f;

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rvirt-fuzz.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	atexit(fuzz_server_cleanup);
	config_init_defaults(&fuzz_cfg);
	snprintf(fuzz_cfg.state_dir, sizeof(fuzz_cfg.state_dir), "%s",
		 fuzz_dir);
	snprintf(fuzz_cfg.runtime_dir, sizeof(fuzz_cfg.runtime_dir), "%s",
		 fuzz_dir);
	snprintf(fuzz_cfg.sasl_config_dir, sizeof(fuzz_cfg.sasl_config_dir),
		 "%s", fuzz_dir);
	snprintf(fuzz_cfg.sasl_server_fqdn, sizeof(fuzz_cfg.sasl_server_fqdn),
		 "localhost");
	fuzz_cfg.auth_fail_delay = 0;
	fuzz_cfg.max_anonymous_clients = 1000000;
	snprintf(path, sizeof(path), "%s/rvirt.conf", fuzz_dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f,
		"mech_list: plain scram-sha-256 digest-md5\n"
		"pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
		"sasldb_path: %s/sasldb2\n",
		fuzz_dir);
	fclose(f);
	if (log_setup(4, "4:stderr", &err) < 0)
		abort();
	/*
	 * The audit trail is still written, to /dev/null: on stderr it was
	 * a line per mutating call (1 GB in a 3,000 s run) and slowed the
	 * target down.
	 */
	if (log_audit_setup("file:/dev/null", true, &err) < 0)
		abort();
	fuzz_store = store_open(fuzz_dir, (size_t)64 << 20, STORE_NOSYNC, &err);
	if (!fuzz_store) {
		fprintf(stderr, "fuzz: %s\n", err.message);
		abort();
	}
	opts.runtime_dir = fuzz_cfg.runtime_dir;
	opts.guest_binary = "/nonexistent/rvirt-guest";
	if (dispatch_worker_init(fuzz_store, &opts, &err) < 0)
		fprintf(stderr, "fuzz: %s\n", err.message);
}

/* Whether the record is a CONNECT_OPEN of a driver other than test. */
static bool
fuzz_skip_record(const unsigned char *rec, size_t len)
{
	rvirt_connect_open_args args;
	const struct proc_entry *pe;
	struct rpc_call_hdr hdr;
	bool skip = true;
	XDR x;

	if (rpc_call_check(rec, len, &hdr, &pe) != RPC_CHECK_OK ||
	    hdr.proc != RVIRT_PROC_CONNECT_OPEN)
		return false;
	memset(&args, 0, sizeof(args));
	xdrmem_create(&x, (char *)(uintptr_t)(rec + hdr.body_off),
		      (unsigned int)(len - hdr.body_off), XDR_DECODE);
	if (!xdr_rvirt_connect_open_args(&x, &args))
		skip = false; /* GARBAGE_ARGS: let the server say so */
	else if (!args.uri || !args.uri[0] ||
		 strncmp(args.uri, "test:", 5) == 0)
		skip = false;
	xdr_destroy(&x);
	xdr_free((xdrproc_t)xdr_rvirt_connect_open_args, (char *)&args);
	return skip;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum listen_kind kinds[] = { LISTEN_UNIX_RW,
						  LISTEN_UNIX_RO, LISTEN_TCP,
						  LISTEN_TCP };
	struct sockaddr_in peer = { .sin_family = AF_INET,
				    .sin_port = htons(40000) };
	struct rvirt_error err = { 0 };
	struct session_state sess;
	struct rpc_record rec;
	struct rpc_buf out = { 0 };
	enum listen_kind kind;
	size_t chunk, off = 0;
	int sv[2];

	if (!fuzz_store)
		fuzz_server_init();
	if (size < 2)
		return 0;
	kind = kinds[data[0] & 3];
	fuzz_cfg.auth_unix_rw =
		data[0] & 4 ? CONFIG_AUTH_SASL : CONFIG_AUTH_NONE;
	fuzz_cfg.auth_unix_ro = fuzz_cfg.auth_unix_rw;
	fuzz_cfg.auth_tcp = fuzz_cfg.auth_unix_rw;
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (auth_session_init(&sess, kind, sv[0], (struct sockaddr *)&peer,
			      sizeof(peer), &fuzz_cfg, &err) < 0)
		goto out_close;
	rpc_record_init(&rec);
	while (off < size) {
		size_t len = size - off < chunk ? size - off : chunk;
		const unsigned char *p = data + off, *r;
		size_t rlen, used;
		int got;

		while (len > 0) {
			size_t limit = sess.authenticated
					       ? RVIRT_MESSAGE_MAX
					       : RVIRT_MESSAGE_MAX_UNAUTH;

			got = rpc_record_feed(&rec, p, len, limit, &used, &r,
					      &rlen, &err);
			if (got < 0)
				goto out_release;
			p += used;
			len -= used;
			off += used;
			if (got == 0)
				break;
			if (!fuzz_skip_record(r, rlen) &&
			    rpc_call_handle(r, rlen, &sess, fuzz_store, &out,
					    &err) < 0) {
				rpc_record_reset(&rec);
				goto out_release;
			}
			rpc_record_reset(&rec);
			if (sess.auth && sess.auth->layer_pending)
				goto out_release;
		}
	}
out_release:
	rpc_record_release(&rec);
	rpc_buf_release(&out);
	dispatch_session_release(&sess);
	auth_session_release(&sess);
out_close:
	close(sv[0]);
	close(sv[1]);
	return 0;
}
