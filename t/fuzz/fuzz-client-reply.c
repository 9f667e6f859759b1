/* SPDX-License-Identifier: MIT */
/* fuzz-client-reply: libFuzzer target for librvirt's record reader and reply decoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../../client/rpcclnt.h"
#include "../../client/stream.h"
#include "../../common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The xid of the first call; seeds answer it. */
#define FUZZ_XID 0x00000001u

/* Result types the client decodes, each with a procedure that has it. */
static const struct {
	uint32_t proc;
	xdrproc_t xdr_res;
} fuzz_results[] = {
	{ 4, (xdrproc_t)xdr_rvirt_string_ret },
	{ 1, (xdrproc_t)xdr_rvirt_auth_list_ret },
	{ 2, (xdrproc_t)xdr_rvirt_connect_open_ret },
	{ 5, (xdrproc_t)xdr_rvirt_version_ret },
	{ 8, (xdrproc_t)xdr_rvirt_xml_ret },
	{ 9, (xdrproc_t)xdr_rvirt_node_info_ret },
	{ 10, (xdrproc_t)xdr_rvirt_domain_list_ret },
	{ 11, (xdrproc_t)xdr_rvirt_domain_ret },
	{ 23, (xdrproc_t)xdr_rvirt_domain_info_ret },
	{ 24, (xdrproc_t)xdr_rvirt_domain_state_ret },
	{ 27, (xdrproc_t)xdr_rvirt_vcpu_pin_info_ret },
	{ 28, (xdrproc_t)xdr_rvirt_vcpus_ret },
	{ 30, (xdrproc_t)xdr_rvirt_cpumap_ret },
	{ 31, (xdrproc_t)xdr_rvirt_node_cpu_map_ret },
	{ 33, (xdrproc_t)xdr_rvirt_int_ret },
	{ 35, (xdrproc_t)xdr_rvirt_auth_sasl_init_ret },
	{ 36, (xdrproc_t)xdr_rvirt_auth_sasl_step_ret },
	{ 3, (xdrproc_t)xdr_rvirt_void_ret },
};

#define FUZZ_NRESULTS (sizeof(fuzz_results) / sizeof(fuzz_results[0]))

/* xdr_void takes no arguments, so it cannot be cast to xdrproc_t. */
static bool_t
fuzz_xdr_void(XDR *x, void *obj)
{
	(void)x;
	(void)obj;
	return TRUE;
}

/*
 * The first byte picks the procedure (and so the result type); the
 * rest is everything the "server" sends, written before the call and
 * then end of file: records, fragments, replies to other xids.  Two
 * calls run, the second after whatever the first left.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeval tv = { 0, 100000 };
	struct rvirt_error err = { 0 };
	union {
		unsigned char bytes[1024];
		void *align;
	} res;
	struct stream *st;
	CLIENT *clnt;
	uint32_t xid = FUZZ_XID;
	unsigned int pick;
	int sv[2];

	if (size < 1)
		return 0;
	pick = data[0] % FUZZ_NRESULTS;
	data++;
	size--;
	if (size > 65536)
		size = 65536;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (size && send(sv[1], data, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		goto out_close;
	shutdown(sv[1], SHUT_WR);
	st = stream_new_fd(sv[0], "fuzz", &err);
	if (!st)
		goto out_close1;
	clnt = rpcclnt_new(st, RVIRT_PROGRAM, RVIRT_V1, &err);
	if (!clnt)
		goto out_close1;
	clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv);
	clnt_control(clnt, CLSET_XID, (char *)&xid);
	for (int i = 0; i < 2; i++) {
		memset(&res, 0, sizeof(res));
		if (clnt_call(clnt, fuzz_results[pick].proc,
			      (xdrproc_t)fuzz_xdr_void, NULL,
			      fuzz_results[pick].xdr_res, (char *)&res,
			      tv) == RPC_SUCCESS)
			xdr_free(fuzz_results[pick].xdr_res, (char *)&res);
		rpcclnt_get_error(clnt, &err);
	}
	clnt_destroy(clnt);
	close(sv[1]);
	return 0;
out_close:
	close(sv[0]);
out_close1:
	close(sv[1]);
	return 0;
}
