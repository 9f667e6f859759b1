/* SPDX-License-Identifier: MIT */
/* intent: what a mutating call is about to do outside the store, written down first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rvirt_protocol.h"

#include "../common/err.h"
#include "../common/log.h"
#include "intent.h"
#include "session.h"

#define INTENT_MAGIC "rvirt-intent 1"

static char intent_dir[PATH_MAX];
static char intent_hold_file[PATH_MAX];
static char intent_hold_proc[64];

/* The procedures that act outside the store (pinning is idempotent). */
static bool
intent_wanted(uint32_t proc)
{
	switch (proc) {
	case RVIRT_PROC_DOMAIN_CREATE:
	case RVIRT_PROC_DOMAIN_CREATE_XML:
	case RVIRT_PROC_DOMAIN_DESTROY:
	case RVIRT_PROC_DOMAIN_SHUTDOWN:
	case RVIRT_PROC_DOMAIN_REBOOT:
	case RVIRT_PROC_DOMAIN_SUSPEND:
	case RVIRT_PROC_DOMAIN_RESUME:
		return true;
	default:
		return false;
	}
}

int
intent_configure(const char *runtime_dir, struct rvirt_error *err)
{
	const char *hold = getenv("RVIRTD_TEST_HOLD");
	int n;

	intent_dir[0] = '\0';
	if (!runtime_dir || !*runtime_dir)
		return 0;
	if (getenv("RVIRTD_TEST_NO_INTENTS")) {
		/* The baseline of t/perf/intent-cost.sh. */
		log_warn("test knob RVIRTD_TEST_NO_INTENTS: calls that act "
			 "on domain processes run without intents");
		return 0;
	}
	n = snprintf(intent_dir, sizeof(intent_dir), "%s/intents", runtime_dir);
	if (n < 0 || (size_t)n >= sizeof(intent_dir) - 40) {
		intent_dir[0] = '\0';
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot use runtime directory '%.64s...': too long",
			runtime_dir);
		return -1;
	}
	if (mkdir(intent_dir, 0700) < 0 && errno != EEXIST) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot create directory '%s'", intent_dir);
		intent_dir[0] = '\0';
		return -1;
	}
	intent_hold_proc[0] = '\0';
	if (hold && strncmp(hold, "after-effect:", 13) == 0) {
		snprintf(intent_hold_proc, sizeof(intent_hold_proc), "%s",
			 hold + 13);
		snprintf(intent_hold_file, sizeof(intent_hold_file),
			 "%s/test-hold", runtime_dir);
		log_warn("test hook RVIRTD_TEST_HOLD: a worker stops itself "
			 "after the effect of '%s'",
			 intent_hold_proc);
	}
	return 0;
}

/* The tag of (cookie, xid): it names the call, it does not reveal it. */
static void
intent_tag(const unsigned char *cookie, uint32_t xid, char *tag, size_t size)
{
	unsigned char buf[RVIRT_COOKIE_LEN + 4];

	memcpy(buf, cookie, RVIRT_COOKIE_LEN);
	memcpy(buf + RVIRT_COOKIE_LEN, &xid, 4);
	snprintf(tag, size, "%016" PRIx64 "%08" PRIx32,
		 session_args_hash(buf, sizeof(buf)), xid);
}

static void
intent_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
intent_unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* What an intent file holds. */
struct intent_rec {
	unsigned char cookie[RVIRT_COOKIE_LEN];
	uint32_t xid, proc;
	uint64_t args_hash;
	pid_t pid;
	uint64_t start;
};

static int
intent_read(const char *path, struct intent_rec *r)
{
	char cookie[2 * RVIRT_COOKIE_LEN + 1], buf[512];
	unsigned long long hash, start;
	unsigned int xid, proc;
	int pid, fd;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf,
		   INTENT_MAGIC "\ncookie %64s\nxid %u\nproc %u\nhash %llx\n"
				"pid %d\nstart %llu\n",
		   cookie, &xid, &proc, &hash, &pid, &start) != 6 ||
	    strlen(cookie) != 2 * RVIRT_COOKIE_LEN ||
	    intent_unhex(cookie, r->cookie, RVIRT_COOKIE_LEN) < 0)
		return -1;
	r->xid = xid;
	r->proc = proc;
	r->args_hash = hash;
	r->pid = pid;
	r->start = start;
	return 0;
}

/* Replace the file at path atomically (a reader sees old or new). */
static int
intent_write(const char *path, const struct intent_rec *r,
	     struct rvirt_error *err)
{
	char cookie[2 * RVIRT_COOKIE_LEN + 1], buf[512], tmp[PATH_MAX + 80];
	int fd, len;
	ssize_t n;

	intent_hex(r->cookie, RVIRT_COOKIE_LEN, cookie);
	len = snprintf(buf, sizeof(buf),
		       INTENT_MAGIC "\ncookie %s\nxid %u\nproc %u\nhash "
				    "%" PRIx64 "\npid %d\nstart %" PRIu64 "\n",
		       cookie, r->xid, r->proc, r->args_hash, (int)r->pid,
		       r->start);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	do
		n = write(fd, buf, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n != len) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
		      "cannot write the intent '%s'", path);
	return -1;
}

static void
intent_rec_of(const struct intent *in, struct intent_rec *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->cookie, in->call->sess->cookie, RVIRT_COOKIE_LEN);
	r->xid = in->call->xid;
	r->proc = in->call->proc;
	r->args_hash = in->args_hash;
	r->pid = in->eff.pid;
	r->start = in->eff.start;
}

/* hv's note: the process acted on, written down before the effect. */
static void
intent_note(void *opaque, pid_t pid, uint64_t start)
{
	struct intent *in = opaque;
	struct intent_rec r;
	struct rvirt_error e;

	in->eff.pid = pid;
	in->eff.start = start;
	in->noted = true;
	intent_rec_of(in, &r);
	if (intent_write(in->path, &r, &e) < 0)
		log_warn("%s", e.message);
}

int
intent_begin(struct intent *in, const struct call *call,
	     struct rvirt_error *err)
{
	struct intent_rec r;

	memset(in, 0, sizeof(*in));
	if (!intent_dir[0] || !intent_wanted(call->proc) ||
	    !hv_has_effects(call->sess->hv))
		return 0;
	in->call = call;
	in->args_hash = session_args_hash(call->args_raw, call->args_len);
	intent_tag(call->sess->cookie, call->xid, in->eff.tag,
		   sizeof(in->eff.tag));
	snprintf(in->path, sizeof(in->path), "%s/%s", intent_dir, in->eff.tag);
	if (intent_read(in->path, &r) == 0 &&
	    memcmp(r.cookie, call->sess->cookie, RVIRT_COOKIE_LEN) == 0 &&
	    r.xid == call->xid && r.proc == call->proc &&
	    r.args_hash == in->args_hash) {
		/* An earlier run of this very call died before its commit. */
		in->eff.resent = true;
		in->eff.pid = r.pid;
		in->eff.start = r.start;
		log_info("'%s' (xid %u) of a session of '%s' sent again after "
			 "a run that did not commit: reconciling (noted "
			 "process %d)",
			 dispatch_lookup(call->proc)->name, call->xid,
			 call->sess->identity, (int)r.pid);
	} else {
		intent_rec_of(in, &r);
		if (intent_write(in->path, &r, err) < 0)
			return -1;
	}
	in->eff.note = intent_note;
	in->eff.opaque = in;
	in->active = true;
	hv_effect_set(&in->eff);
	return 0;
}

void
intent_end(struct intent *in, bool committed)
{
	if (!in->active)
		return;
	hv_effect_set(NULL);
	in->active = false;
	if (committed || (!in->noted && !in->eff.resent))
		unlink(in->path);
}

void
intent_test_hold(const char *proc_name)
{
	char buf[32];
	int fd, len;

	if (!intent_hold_proc[0] || strcmp(proc_name, intent_hold_proc) != 0)
		return;
	fd = open(intent_hold_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0600);
	if (fd >= 0) {
		len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write(fd, buf, (size_t)len) != len)
			log_warn("cannot write '%s'", intent_hold_file);
		close(fd);
	}
	log_warn("test hook: worker %d holds after the effect of '%s'",
		 (int)getpid(), proc_name);
	raise(SIGSTOP);
}

/* Whether the call of r committed: its reply is recorded. */
static int
intent_committed(struct store *st, const struct intent_rec *r,
		 struct rvirt_error *err)
{
	struct store_txn *txn = store_txn_begin(st, false, err);
	struct session_reply rep;
	int rc;

	if (!txn)
		return -1;
	rc = session_reply_get(txn, r->cookie, r->xid, &rep, err);
	store_txn_abort(txn);
	return rc;
}

int
intent_settle(struct store *st, struct rvirt_error *err)
{
	struct dirent *de;
	time_t now = time(NULL);
	int ret = 0;
	DIR *d;

	if (!intent_dir[0] || !st)
		return 0;
	d = opendir(intent_dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 300];
		struct intent_rec r;
		struct stat sb;
		size_t len = strlen(de->d_name);
		int rc;

		if (de->d_name[0] == '.' ||
		    (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", intent_dir, de->d_name);
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (intent_read(path, &r) < 0) {
			log_warn("removing unreadable intent '%s'", path);
			unlink(path);
			continue;
		}
		rc = intent_committed(st, &r, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (rc > 0) {
			unlink(path);
			continue;
		}
		if (now - sb.st_mtime < INTENT_ABANDONED_S)
			continue;
		/* Its client gave up: nothing will adopt what it started. */
		rc = hv_effect_settle(st, de->d_name, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		log_warn("intent '%s' abandoned by its client: %d process%s "
			 "of it stopped",
			 de->d_name, rc, rc == 1 ? "" : "es");
		unlink(path);
	}
	closedir(d);
	return ret;
}
