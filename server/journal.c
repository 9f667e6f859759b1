/* SPDX-License-Identifier: MIT */
/* journal: the journald log output (sd_journal_send(3)) of rvirtd. */
#include <stddef.h>
#include <stdio.h>
#include <sys/uio.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "../common/log.h"
#include "journal.h"

/* Append "NAME=value" to iov when v is set. */
static void
journal_field(struct iovec *iov, int *n, char *buf, size_t size,
	      const char *name, const char *v)
{
	int len;

	if (!v || !*v)
		return;
	len = snprintf(buf, size, "%s=%s", name, v);
	if (len < 0)
		return;
	iov[*n].iov_base = buf;
	iov[*n].iov_len = (size_t)len < size ? (size_t)len : size - 1;
	(*n)++;
}

static void
journal_send(int level, const struct log_fields *f, const char *msg)
{
	char m[2200], pv[4], prio[16], dom[300], uuid[64], client[300];
	char proc[80];
	struct iovec iov[7];
	int n = 0;

	journal_field(iov, &n, m, sizeof(m), "MESSAGE", msg);
	snprintf(pv, sizeof(pv), "%d", log_syslog_priority(level));
	journal_field(iov, &n, prio, sizeof(prio), "PRIORITY", pv);
	iov[n].iov_base = (void *)"SYSLOG_IDENTIFIER=rvirtd";
	iov[n].iov_len = sizeof("SYSLOG_IDENTIFIER=rvirtd") - 1;
	n++;
	if (f) {
		journal_field(iov, &n, dom, sizeof(dom), "RVIRT_DOMAIN",
			      f->domain);
		journal_field(iov, &n, uuid, sizeof(uuid), "RVIRT_DOMAIN_UUID",
			      f->uuid);
		journal_field(iov, &n, client, sizeof(client), "RVIRT_CLIENT",
			      f->client);
		journal_field(iov, &n, proc, sizeof(proc), "RVIRT_PROC",
			      f->proc);
	}
	sd_journal_sendv(iov, n);
}

void
journal_register(void)
{
	log_set_journal(journal_send);
}
