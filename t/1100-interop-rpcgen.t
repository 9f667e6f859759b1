#!/bin/sh
# SPDX-License-Identifier: MIT
# 1100-interop-rpcgen: a client built by plain rpcgen and libtirpc talks to rvirtd.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

if ! command -v rpcgen >/dev/null 2>&1; then
	skip_all 'rpcgen is not installed'
fi
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
	skip_all "no C compiler ('$CC')"
fi
TIRPC_CFLAGS=$(pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
TIRPC_LIBS=$(pkg-config --libs libtirpc 2>/dev/null || echo -ltirpc)

# The client: everything it knows of rvirt comes from the .x via rpcgen.
cat >client.c <<\EOF
/* SPDX-License-Identifier: MIT */
/* client: rvirt calls through plain rpcgen stubs and libtirpc. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "rvirt_protocol.h"

static void
print_error(const char *what, const rvirt_wire_error *e)
{
	printf("%s error %d %s\n", what, e->code, e->message);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	struct timeval tv = { 5, 0 };
	CLIENT *cl;
	int sock = RPC_ANYSOCK;
	unsigned long vers = RVIRT_V1;
	rvirt_connect_open_args oa;
	rvirt_connect_open_ret *or;
	rvirt_version_ret *vr;
	rvirt_lookup_name_args la;
	rvirt_domain_ret *dr;
	enum clnt_stat st;
	int i, nonzero = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: client tcp PORT [VERS] | unix PATH\n");
		return 2;
	}
	if (strcmp(argv[1], "tcp") == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(atoi(argv[2]));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (argc > 3)
			vers = strtoul(argv[3], NULL, 0);
		cl = clnttcp_create(&sin, RVIRT_PROGRAM, vers, &sock, 0, 0);
	} else {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[2]);
		cl = clntunix_create(&sun, RVIRT_PROGRAM, RVIRT_V1, &sock, 0,
				     0);
	}
	if (!cl) {
		clnt_pcreateerror("create");
		return 1;
	}
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tv);

	if (!rvirt_proc_null_1(NULL, cl)) {
		clnt_perror(cl, "null");
		printf("null failed\n");
		return 1;
	}
	printf("null ok\n");
	if (vers != RVIRT_V1)
		return 0;

	/* A procedure this version does not have. */
	st = clnt_call(cl, 99, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void,
		       NULL, tv);
	printf("proc 99 %s\n", st == RPC_PROCUNAVAIL ? "unavailable" : "?");

	oa.uri = "test:///default";
	oa.flags = 0;
	or = rvirt_proc_connect_open_1(&oa, cl);
	if (!or) {
		clnt_perror(cl, "open");
		return 1;
	}
	if (or->status != RVIRT_OK) {
		print_error("open", &or->rvirt_connect_open_ret_u.error);
		return 1;
	}
	for (i = 0; i < RVIRT_COOKIE_LEN; i++)
		nonzero |= or->rvirt_connect_open_ret_u.cookie[i];
	printf("open ok cookie %s\n", nonzero ? "set" : "zero");

	vr = rvirt_proc_connect_get_version_1(NULL, cl);
	if (!vr) {
		clnt_perror(cl, "version");
		return 1;
	}
	if (vr->status == RVIRT_OK)
		printf("version %llu\n",
		       (unsigned long long)vr->rvirt_version_ret_u.number);
	else
		print_error("version", &vr->rvirt_version_ret_u.error);

	la.name = "test";
	dr = rvirt_proc_domain_lookup_by_name_1(&la, cl);
	if (!dr) {
		clnt_perror(cl, "lookup");
		return 1;
	}
	if (dr->status == RVIRT_OK) {
		printf("lookup %s id %d uuid ",
		       dr->rvirt_domain_ret_u.dom.name,
		       dr->rvirt_domain_ret_u.dom.id);
		for (i = 0; i < RVIRT_UUID_BUFLEN; i++)
			printf("%02x", (unsigned char)
				       dr->rvirt_domain_ret_u.dom.uuid[i]);
		printf("\n");
	} else {
		print_error("lookup", &dr->rvirt_domain_ret_u.error);
	}
	xdr_free((xdrproc_t)xdr_rvirt_domain_ret, (char *)dr);

	la.name = "no-such-domain";
	dr = rvirt_proc_domain_lookup_by_name_1(&la, cl);
	if (!dr) {
		clnt_perror(cl, "lookup");
		return 1;
	}
	if (dr->status == RVIRT_OK)
		printf("lookup no-such-domain found\n");
	else
		print_error("lookup no-such-domain",
			    &dr->rvirt_domain_ret_u.error);
	clnt_destroy(cl);
	return 0;
}
EOF

test_expect_success 'plain rpcgen and libtirpc build a client from the .x' '
	cp "$RVIRT_SRC/rpcgen/rvirt_protocol.x" . &&
	rpcgen rvirt_protocol.x &&
	test -f rvirt_protocol_clnt.c &&
	test -f rvirt_protocol_xdr.c &&
	$CC -w $TIRPC_CFLAGS -o client client.c rvirt_protocol_clnt.c \
		rvirt_protocol_xdr.c $TIRPC_LIBS
'

test_expect_success 'start rvirtd with TCP' '
	write_config --tcp rvirtd.conf &&
	start_rvirtd &&
	test -n "$RVIRTD_TCP_PORT"
'

check_client_output () {
	test_grep "^null ok$" "$1" &&
	test_grep "^proc 99 unavailable$" "$1" &&
	test_grep "^open ok cookie set$" "$1" &&
	test_grep -E "^version [0-9]+$" "$1" &&
	test_grep -E "^lookup test id 1 uuid [0-9a-f]{32}$" "$1" &&
	test_grep -E "^lookup no-such-domain error 9 .+" "$1"
}

test_expect_success 'clnttcp_create: NULL, CONNECT_OPEN, GET_VERSION, LOOKUP_BY_NAME' '
	timeout 30 ./client tcp $RVIRTD_TCP_PORT >out 2>&1 &&
	cat out &&
	check_client_output out
'

test_expect_success 'clntunix_create: the same over the unix socket' '
	timeout 30 ./client unix "$RVIRTD_SOCK" >out 2>&1 &&
	cat out &&
	check_client_output out
'

test_expect_success 'both transports see the same default domain' '
	timeout 30 ./client tcp $RVIRTD_TCP_PORT >tcp.out 2>&1 &&
	timeout 30 ./client unix "$RVIRTD_SOCK" >unix.out 2>&1 &&
	grep "^lookup test " tcp.out >a &&
	grep "^lookup test " unix.out >b &&
	test_cmp a b
'

test_expect_success 'libtirpc reads a version mismatch from rvirtd' '
	! timeout 30 ./client tcp $RVIRTD_TCP_PORT 2 >out 2>&1 &&
	cat out &&
	test_grep -i "version mismatch" out
'

test_expect_success 'no worker died; rvirtd exits 0 on SIGTERM' '
	rvirtd_no_crash &&
	stop_rvirtd
'

test_expect_success 'a socket that needs sasl: the naive client gets AUTH_REQUIRED' '
	write_config auth.conf listen_tcp=1 auth_tcp=sasl auth_unix_rw=sasl &&
	start_rvirtd auth.conf &&
	! timeout 30 ./client tcp $RVIRTD_TCP_PORT >out 2>&1 &&
	cat out &&
	test_grep "^null ok$" out &&
	test_grep "^open error 5 authentication required: use sasl$" out &&
	! timeout 30 ./client unix "$RVIRTD_SOCK" >out 2>&1 &&
	test_grep "^open error 5 authentication required: use sasl$" out &&
	rvirtd_no_crash &&
	stop_rvirtd
'

test_done
