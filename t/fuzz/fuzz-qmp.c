/* SPDX-License-Identifier: MIT */
/* fuzz-qmp: libFuzzer target for the QMP client against a scripted monitor. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/err.h"
#include "../../hv/json.h"
#include "../../hv/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is everything "QEMU" says: the greeting and the replies,
 * written to the monitor's end of a socket pair before the client
 * starts, then end of file.  Inputs larger than the socket buffer are
 * cut, so nothing blocks.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rvirt_error err = { 0 };
	struct json *ret = NULL;
	struct qmp *q;
	pid_t tids[8];
	int sv[2];

	if (size > 65536)
		size = 65536;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (size && send(sv[1], data, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	q = qmp_open_fd(sv[0], 200, &err);
	if (q) {
		if (qmp_command(q, "query-status", NULL, &ret, &err) == 0)
			json_free(ret);
		(void)qmp_vcpu_tids(q, 8, tids, &err);
		qmp_close(q);
	}
	close(sv[1]);
	return 0;
}
