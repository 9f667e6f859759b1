/* SPDX-License-Identifier: MIT */
/* qemu: the "qemu" driver: each domain is a qemu-system process (TCG). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/uuid.h"
#include "console.h"
#include "domevent.h"
#include "graphics.h"
#include "procdrv.h"
#include "qmp.h"

/*
 * A domain of type 'qemu' runs qemu-system-<host arch> with TCG, no
 * devices, and a QMP monitor on <runtime_dir>/qemu/NAME.qmp.  It starts
 * with its vCPUs stopped (-S); the driver reads the vCPU thread ids with
 * query-cpus-fast, pins them and the other threads as the XML says (the
 * <vcpu cpuset> was already set between fork and exec), then sends
 * "cont".  Shutdown is system_powerdown (a guest without an OS ignores
 * it: the call then times out and the domain keeps running), reboot
 * system_reset, suspend and resume stop and cont.
 *
 * Its serial console is a process domain's (hv/console.h): the holder
 * is started first and QEMU gets the pty slave as stdin and stdout,
 * which "-chardev stdio,signal=off" makes COM1; stderr stays the
 * domain's log.  <os><loader> is its firmware (-bios).  With
 * <graphics type='vnc'/> it gets a VGA card and a VNC server on
 * <runtime_dir>/qemu/NAME.vnc (no password: the directory is 0700 and
 * rvirtd is the only client, doc/console.md "VNC").
 */

#define QEMU_VERSION 1000000 /* of this driver, not of QEMU */
#define QEMU_QMP_TIMEOUT_MS 10000

static struct procdrv qemu_pd;

/* Find qemu-system-<arch> in PATH; 0 with buf, or -1. */
static int
qemu_binary(char *buf, size_t size)
{
	const char *path = getenv("PATH");
	struct utsname u;
	char name[64];

	if (uname(&u) < 0)
		return -1;
	snprintf(name, sizeof(name), "qemu-system-%.40s", u.machine);
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		int n = snprintf(buf, size, "%.*s/%s", (int)len, path, name);

		if (len > 0 && n > 0 && (size_t)n < size &&
		    access(buf, X_OK) == 0)
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	snprintf(buf, size, "%s", name);
	return -1;
}

/* A value for a QEMU option list: commas doubled.  0, or -1 if too long. */
static int
qemu_opt_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in; in++) {
		if (o + 3 > size)
			return -1;
		out[o++] = *in;
		if (*in == ',')
			out[o++] = ',';
	}
	out[o] = '\0';
	return 0;
}

static int
qemu_qmp_path(const struct domrec *d, const char *dir, char *buf, size_t size,
	      struct rvirt_error *err)
{
	struct sockaddr_un sa;

	return procdrv_file(dir, d, "qmp", sizeof(sa.sun_path), buf, size, err);
}

/*
 * QMP's thread ids are QEMU's word: pin none that is not a thread of
 * its own process (sched_setaffinity would move any thread we may).
 */
static int
qemu_check_tids(pid_t pid, unsigned int nvcpus, const pid_t *tids,
		struct rvirt_error *err)
{
	char comm[32];

	for (unsigned int i = 0; i < nvcpus; i++) {
		if (tids[i] &&
		    procdom_task_comm(pid, tids[i], comm, sizeof(comm)) < 0) {
			err_set(err, RVIRT_ERR_RPC, RVIRT_FROM_HV,
				"qemu monitor: vcpu %u has thread %d, which "
				"is not a thread of qemu process %d",
				i, (int)tids[i], (int)pid);
			return -1;
		}
	}
	return 0;
}

static struct qmp *
qemu_monitor(const struct domrec *d, struct rvirt_error *err)
{
	char dir[4096], path[256];

	if (procdrv_dir(&qemu_pd, dir, sizeof(dir), err) < 0 ||
	    qemu_qmp_path(d, dir, path, sizeof(path), err) < 0)
		return NULL;
	return qmp_connect(path, QEMU_QMP_TIMEOUT_MS, err);
}

struct qemu_argv {
	char *argv[40];
	char name[2 * RVIRT_NAME_MAX + 64];
	char qmp[300];
	char vnc[520];
	char mem[32];
	char smp[32];
	char uuid[UUID_STRLEN + 1];
};

static int
qemu_launch(const struct procdrv *pd, const struct domrec *d,
	    const struct domain_def *def, const struct cpuset *host,
	    const char *dir, struct procdom_proc *out, struct rvirt_error *err)
{
	struct procdom_launch l = { 0 };
	struct procdom_proc p = { .go_fd = -1 };
	struct qmp *q = NULL;
	struct qemu_argv *a;
	char bin[4096], log[4096], qmp[256], esc[2 * RVIRT_NAME_MAX + 1];
	char vnc[256], vesc[sizeof(vnc) * 2];
	pid_t *tids = NULL;
	struct cpuset at_exec;
	struct rvirt_error e;
	int n = 0, found, ret = -1;

	(void)pd;
	if (qemu_binary(bin, sizeof(bin)) < 0) {
		err_set(err, RVIRT_ERR_NO_DRIVER, RVIRT_FROM_HV,
			"cannot start domain '%s': '%s' is not installed",
			def->name, bin);
		return -1;
	}
	if (procdrv_file(dir, d, "log", 0, log, sizeof(log), err) < 0 ||
	    qemu_qmp_path(d, dir, qmp, sizeof(qmp), err) < 0)
		return -1;
	a = calloc(1, sizeof(*a));
	tids = calloc(def->vcpus, sizeof(*tids));
	if (!a || !tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot start domain '%s': out of memory", def->name);
		goto out;
	}
	if (qemu_opt_escape(def->name, esc, sizeof(esc)) < 0) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"cannot start domain '%s': name too long", def->name);
		goto out;
	}
	unlink(qmp);
	snprintf(a->name, sizeof(a->name), "guest=%s,debug-threads=on", esc);
	snprintf(a->qmp, sizeof(a->qmp), "unix:%s,server=on,wait=off", qmp);
	snprintf(a->mem, sizeof(a->mem), "%lluM",
		 (unsigned long long)((def->current_memory_kib + 1023) / 1024));
	snprintf(a->smp, sizeof(a->smp), "%u", def->vcpus);
	uuid_format(def->uuid, a->uuid);
	a->argv[n++] = bin;
	a->argv[n++] = "-name";
	a->argv[n++] = a->name;
	a->argv[n++] = "-uuid";
	a->argv[n++] = a->uuid;
	a->argv[n++] = "-S";
	a->argv[n++] = "-no-user-config";
	a->argv[n++] = "-nodefaults";
	a->argv[n++] = "-display";
	a->argv[n++] = "none";
	a->argv[n++] = "-accel";
	a->argv[n++] = "tcg";
	a->argv[n++] = "-m";
	a->argv[n++] = a->mem;
	a->argv[n++] = "-smp";
	a->argv[n++] = a->smp;
	a->argv[n++] = "-qmp";
	a->argv[n++] = a->qmp;
	/* COM1 on stdin/stdout, the console pty; ^C is a byte, no signal. */
	a->argv[n++] = "-chardev";
	a->argv[n++] = "stdio,id=serial0,signal=off";
	a->argv[n++] = "-serial";
	a->argv[n++] = "chardev:serial0";
	if (def->os_loader) {
		a->argv[n++] = "-bios";
		a->argv[n++] = def->os_loader;
	}
	if (def->graphics_vnc) {
		if (graphics_vnc_path(hv_get_options()->runtime_dir, d->name,
				      d->uuid, vnc, sizeof(vnc), err) < 0)
			goto out;
		if (qemu_opt_escape(vnc, vesc, sizeof(vesc)) < 0) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				"cannot start domain '%s': the vnc socket's "
				"path is too long",
				def->name);
			goto out;
		}
		unlink(vnc);
		snprintf(a->vnc, sizeof(a->vnc), "unix:%s", vesc);
		a->argv[n++] = "-vga";
		a->argv[n++] = "std";
		a->argv[n++] = "-vnc";
		a->argv[n++] = a->vnc;
	}
	if (def->os_kernel) {
		a->argv[n++] = "-kernel";
		a->argv[n++] = def->os_kernel;
		if (def->os_cmdline) {
			a->argv[n++] = "-append";
			a->argv[n++] = def->os_cmdline;
		}
	}
	a->argv[n] = NULL;
	at_exec = def->has_cpuset ? def->cpuset : *host;
	l.path = bin;
	l.argv = a->argv;
	l.affinity = &at_exec;
	l.log_path = log;
	if (console_spawn(dir, d->uuid, log, &l, &p, err) < 0)
		goto out;
	q = qmp_connect(qmp, QEMU_QMP_TIMEOUT_MS, err);
	if (!q)
		goto fail;
	found = qmp_vcpu_tids(q, def->vcpus, tids, err);
	if (found < 0 || qemu_check_tids(p.pid, def->vcpus, tids, err) < 0)
		goto fail;
	if ((unsigned int)found != def->vcpus) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
			"cannot start domain '%s': qemu reports %d of its %u "
			"vcpus",
			def->name, found, def->vcpus);
		goto fail;
	}
	if (procdrv_place(def, host, p.pid, tids, err) < 0 ||
	    qmp_command(q, "cont", NULL, NULL, err) < 0)
		goto fail;
	out->pid = p.pid;
	out->start = p.start;
	out->go_fd = -1;
	ret = 0;
	goto out;
fail:
	procdom_kill(p.pid, p.start, &e);
	unlink(qmp);
out:
	qmp_close(q);
	free(tids);
	free(a);
	return ret;
}

static int
qemu_vcpu_tids(const struct procdrv *pd, const struct domrec *d,
	       unsigned int nvcpus, pid_t *tids, struct rvirt_error *err)
{
	struct qmp *q = qemu_monitor(d, err);
	int rc;

	(void)pd;
	if (!q)
		return -1;
	rc = qmp_vcpu_tids(q, nvcpus, tids, err);
	qmp_close(q);
	if (rc >= 0 && qemu_check_tids(d->pid, nvcpus, tids, err) < 0)
		return -1;
	return rc;
}

static int
qemu_simple(const struct domrec *d, const char *cmd, struct rvirt_error *err)
{
	struct qmp *q = qemu_monitor(d, err);
	int rc;

	if (!q)
		return -1;
	rc = qmp_command(q, cmd, NULL, NULL, err);
	qmp_close(q);
	return rc;
}

static int
qemu_shutdown(const struct procdrv *pd, const struct domrec *d,
	      struct rvirt_error *err)
{
	(void)pd;
	return qemu_simple(d, "system_powerdown", err);
}

static int
qemu_reboot(const struct procdrv *pd, struct domrec *d,
	    const struct domain_def *def, const struct cpuset *host,
	    const char *dir, struct rvirt_error *err)
{
	(void)pd;
	(void)def;
	(void)host;
	(void)dir;
	return qemu_simple(d, "system_reset", err);
}

static int
qemu_suspend(const struct procdrv *pd, const struct domrec *d,
	     struct rvirt_error *err)
{
	(void)pd;
	return qemu_simple(d, "stop", err);
}

static int
qemu_resume(const struct procdrv *pd, const struct domrec *d,
	    struct rvirt_error *err)
{
	(void)pd;
	return qemu_simple(d, "cont", err);
}

static void
qemu_cleanup(const struct procdrv *pd, const struct domrec *d)
{
	char dir[4096], path[256];
	struct rvirt_error e;

	if (procdrv_dir(pd, dir, sizeof(dir), &e) == 0 &&
	    qemu_qmp_path(d, dir, path, sizeof(path), &e) == 0)
		unlink(path);
	if (graphics_vnc_path(hv_get_options()->runtime_dir, d->name, d->uuid,
			      path, sizeof(path), &e) == 0)
		unlink(path);
}

static const struct procdrv_ops qemu_ops = {
	.launch = qemu_launch,
	.vcpu_tids = qemu_vcpu_tids,
	.shutdown = qemu_shutdown,
	.reboot = qemu_reboot,
	.suspend = qemu_suspend,
	.resume = qemu_resume,
	.cleanup = qemu_cleanup,
};

static const char *const qemu_os_types[] = { "hvm" };

static struct procdrv qemu_pd = {
	.ds = { .name = "qemu",
		.type = DOMAIN_TYPE_QEMU,
		.probe = procdrv_probe_alive },
	.type_name = "QEMU",
	.ops = &qemu_ops,
	.os_types = qemu_os_types,
	.nos_types = 1,
};

static int
qemu_open(struct hv_conn *c, const char *path, struct rvirt_error *err)
{
	char bin[4096];

	if (qemu_binary(bin, sizeof(bin)) < 0) {
		err_set(err, RVIRT_ERR_NO_DRIVER, RVIRT_FROM_HV,
			"driver 'qemu' is not available: '%s' is not "
			"installed (not found in PATH)",
			bin);
		return -1;
	}
	return procdrv_open(c, &qemu_pd, path, err);
}

static int
qemu_host_start(struct store *st, struct rvirt_error *err)
{
	/* Its domains may exist from when QEMU was installed. */
	return procdrv_host_start(st, &qemu_pd, err);
}

static int
qemu_host_settle(struct store *st, struct rvirt_error *err)
{
	return domstore_settle_as(st, &qemu_pd.ds, DOMEVENT_FOUND, err);
}

const struct hv_driver qemu_driver = {
	.scheme = "qemu",
	.type = "QEMU",
	.version = QEMU_VERSION,
	.open = qemu_open,
	.host_start = qemu_host_start,
	.host_settle = qemu_host_settle,
	PROCDRV_ENTRIES,
};
