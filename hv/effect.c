/* SPDX-License-Identifier: MIT */
/* effect: the intent of the call in progress, for drivers that act on the world. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "driver.h"
#include "effect.h"
#include "procdrv.h"

/* environ files longer than this are not ours (ours are small). */
#define EFFECT_ENVIRON_MAX (256 * 1024)

static struct hv_effect *effect_current;

void
hv_effect_set(struct hv_effect *e)
{
	effect_current = e;
}

const struct hv_effect *
hv_effect_current(void)
{
	return effect_current;
}

void
hv_effect_note(pid_t pid, uint64_t start)
{
	struct hv_effect *e = effect_current;

	if (!e)
		return;
	if (e->note)
		e->note(e->opaque, pid, start);
}

bool
hv_effect_noted(pid_t *pid, uint64_t *start)
{
	const struct hv_effect *e = effect_current;

	if (!e || !e->resent || e->pid <= 0)
		return false;
	*pid = e->pid;
	*start = e->start;
	return true;
}

bool
hv_has_effects(const struct hv_conn *c)
{
	return c && (c->drv == &process_driver || c->drv == &qemu_driver);
}

int
hv_effect_tagged(pid_t pid, const char *tag)
{
	char path[64], want[sizeof(HV_EFFECT_ENV) + HV_EFFECT_TAG_MAX + 2];
	char *buf;
	size_t len = 0, wlen;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	wlen = (size_t)snprintf(want, sizeof(want), "%s=%s", HV_EFFECT_ENV,
				tag);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	buf = malloc(EFFECT_ENVIRON_MAX);
	if (!buf) {
		close(fd);
		return 0;
	}
	while (len < EFFECT_ENVIRON_MAX - 1) {
		ssize_t n = read(fd, buf + len, EFFECT_ENVIRON_MAX - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	/* Entries are NUL-separated: compare each one whole. */
	for (size_t i = 0; i < len && !found;) {
		size_t l = strnlen(buf + i, len - i);

		found = l == wlen && memcmp(buf + i, want, wlen) == 0;
		i += l + 1;
	}
	free(buf);
	return found;
}

static bool
effect_kept(pid_t pgrp, const pid_t *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] > 0 && keep[i] == pgrp)
			return true;
	return false;
}

/* hv_effect_reap with a list of domain processes to keep. */
static int
effect_reap(const char *tag, const pid_t *keep, size_t nkeep)
{
	struct dirent *de;
	uid_t me = geteuid();
	int killed = 0;
	DIR *d;

	if (!tag || !*tag)
		return 0;
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[64], *end;
		struct procdom_stat st;
		struct rvirt_error e;
		struct stat sb;
		long v = strtol(de->d_name, &end, 10);
		pid_t pid = (pid_t)v;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || *end ||
		    pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (stat(path, &sb) < 0 || sb.st_uid != me ||
		    !hv_effect_tagged(pid, tag) ||
		    procdom_stat_read(NULL, pid, 0, &st) < 0)
			continue;
		/* What a kept domain started inherited its tag. */
		if (effect_kept(pid, keep, nkeep) ||
		    effect_kept(st.pgrp, keep, nkeep))
			continue;
		/* A domain process leads its own group: kill all of it. */
		if (procdom_kill(pid, st.starttime, &e) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}

int
hv_effect_reap(const char *tag, pid_t keep_pid)
{
	return effect_reap(tag, &keep_pid, 1);
}

/* Add the processes of the running domains of driver uri to *keep. */
static int
effect_known(struct store *st, const char *uri, pid_t **keep, size_t *nkeep,
	     struct rvirt_error *err)
{
	struct hv_domain_ref *refs = NULL;
	struct store_txn *txn = NULL;
	struct hv_conn *c;
	struct rvirt_error e;
	size_t n = 0;
	int ret = -1;

	c = hv_open(uri, st, &e);
	if (!c)
		return 0; /* not available here: it knows no process */
	txn = store_txn_begin(st, false, err);
	if (!txn)
		goto out;
	if (domstore_list(txn, &((struct procdrv *)c->priv)->ds,
			  RVIRT_LIST_ACTIVE, SIZE_MAX, &refs, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct domrec d;
		pid_t *k;

		if (domstore_find(txn, &((struct procdrv *)c->priv)->ds,
				  &refs[i], &d, &e) < 0)
			continue;
		k = reallocarray(*keep, *nkeep + 1, sizeof(**keep));
		if (!k) {
			domrec_release(&d);
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
				"cannot settle an intent: out of memory");
			goto out;
		}
		*keep = k;
		(*keep)[(*nkeep)++] = d.pid;
		domrec_release(&d);
	}
	ret = 0;
out:
	free(refs);
	if (txn)
		store_txn_abort(txn);
	hv_close(c);
	return ret;
}

int
hv_effect_settle(struct store *st, const char *tag, struct rvirt_error *err)
{
	const char *path = geteuid() == 0 ? "system" : "session";
	const char *drivers[] = { "process", "qemu" };
	pid_t *keep = NULL;
	size_t nkeep = 0;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		char uri[64];

		snprintf(uri, sizeof(uri), "%s:///%s", drivers[i], path);
		if (effect_known(st, uri, &keep, &nkeep, err) < 0) {
			free(keep);
			return -1;
		}
	}
	rc = effect_reap(tag, keep, nkeep);
	free(keep);
	return rc;
}

bool
hv_effect_adoptable(pid_t *pid, uint64_t *start)
{
	pid_t p;
	uint64_t s;

	if (!hv_effect_noted(&p, &s) || !procdom_alive(p, s, NULL) ||
	    !hv_effect_tagged(p, effect_current->tag))
		return false;
	*pid = p;
	*start = s;
	return true;
}

void
hv_effect_reap_strays(pid_t keep_pid)
{
	if (effect_current && effect_current->resent)
		hv_effect_reap(effect_current->tag, keep_pid);
}

bool
hv_effect_noted_gone(void)
{
	pid_t p;
	uint64_t s;

	return hv_effect_noted(&p, &s) && !procdom_alive(p, s, NULL);
}

bool
hv_effect_noted_is(pid_t pid, uint64_t start)
{
	pid_t p;
	uint64_t s;

	return hv_effect_noted(&p, &s) && p == pid && s == start;
}
