/* SPDX-License-Identifier: MIT */
/* process: the "process" driver: each domain is rvirt-guest or a program. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "domevent.h"
#include "console.h"
#include "procdrv.h"

/*
 * A domain of type 'process' runs rvirt-guest (hv/guest.c) for <os>
 * type hvm: one thread per vCPU named "CPU N/KVM", its load and memory
 * from <os><cmdline>; or, for type exe, the program <os><init> with its
 * <initarg>s.  Placement:
 *   - between fork and exec the process gets the <vcpu cpuset> (type
 *     hvm) or the emulator set (type exe: all its threads are emulator
 *     threads), so no instruction runs outside it;
 *   - rvirt-guest creates and names its vCPU threads and waits on its
 *     start pipe; the driver pins each vCPU thread (<vcpupin>, else the
 *     cpuset) and every other thread (<emulatorpin>, else the cpuset),
 *     then lets it go, as libvirt does with QEMU's -S and "cont".
 * Shutdown is SIGTERM (rvirt-guest stops its threads and exits 0),
 * reboot SIGHUP for rvirt-guest (memory written again, threads and
 * pinning kept) and a new process for an exe program, suspend and
 * resume SIGSTOP and SIGCONT to the process group.
 */

#define PROCESS_VERSION 1000000 /* 1.0.0 */
/* How long rvirt-guest may take to create and name its vCPU threads. */
#define PROCESS_THREADS_TIMEOUT_MS 5000
#define PROCESS_STOP_TIMEOUT_MS 2000

static uint64_t
process_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for the n vCPU threads of a held rvirt-guest to have their names. */
static int
process_wait_vcpus(const struct domain_def *def, pid_t pid, uint64_t start,
		   pid_t *tids, struct rvirt_error *err)
{
	uint64_t deadline = process_now_ms() + PROCESS_THREADS_TIMEOUT_MS;
	unsigned int naps = 0;
	int found;

	for (;;) {
		found = procdom_vcpu_tids(pid, def->vcpus, tids, err);
		if (found < 0)
			return -1;
		if ((unsigned int)found == def->vcpus)
			return 0;
		if (!procdom_alive(pid, start, NULL)) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_HV,
				"cannot start domain '%s': its process %d "
				"ended during start-up",
				def->name, (int)pid);
			return -1;
		}
		if (process_now_ms() >= deadline) {
			err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
				"cannot start domain '%s': %d of its %u vcpu "
				"threads appeared within %d ms",
				def->name, found, def->vcpus,
				PROCESS_THREADS_TIMEOUT_MS);
			return -1;
		}
		/* Short naps first: the threads usually exist at once. */
		struct timespec ts = { .tv_nsec =
					       naps++ < 50 ? 100000 : 1000000 };

		nanosleep(&ts, NULL);
	}
}

/* argv of rvirt-guest; strings in bufs, pointers into them. */
struct process_argv {
	char *argv[16];
	char vcpus[16];
	char memory[32];
};

static int
process_launch(const struct procdrv *pd, const struct domrec *d,
	       const struct domain_def *def, const struct cpuset *host,
	       const char *dir, struct procdom_proc *out,
	       struct rvirt_error *err)
{
	const struct hv_options *o = hv_get_options();
	struct procdom_launch l = { 0 };
	struct process_argv a;
	struct procdom_proc p = { .go_fd = -1 };
	struct cpuset at_exec;
	char log[4096];
	char **argv = NULL;
	pid_t *tids = NULL;
	int ret = -1, n = 0;
	struct rvirt_error e;

	(void)pd;
	if (procdrv_file(dir, d, "log", 0, log, sizeof(log), err) < 0)
		return -1;
	l.log_path = log;
	if (def->os_type == DOMAIN_OS_EXE) {
		if (!def->os_init || def->os_init[0] != '/') {
			err_set(err, RVIRT_ERR_XML, RVIRT_FROM_HV,
				"cannot start domain '%s': "
				"<os><type>exe</type> "
				"needs <init> with the absolute path of the "
				"program",
				def->name);
			return -1;
		}
		argv = calloc(def->nos_initargs + 2, sizeof(*argv));
		if (!argv) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
				"cannot start domain '%s': out of memory",
				def->name);
			return -1;
		}
		argv[0] = def->os_init;
		for (size_t i = 0; i < def->nos_initargs; i++)
			argv[i + 1] = def->os_initargs[i];
		l.path = def->os_init;
		l.argv = argv;
		/* Every thread of a program is an emulator thread. */
		domain_def_emulator_affinity(def, host, &at_exec);
	} else {
		snprintf(a.vcpus, sizeof(a.vcpus), "%u", def->vcpus);
		snprintf(a.memory, sizeof(a.memory), "%llu",
			 (unsigned long long)def->current_memory_kib);
		a.argv[n++] = "rvirt-guest";
		a.argv[n++] = "--name";
		a.argv[n++] = (char *)(uintptr_t)def->name;
		a.argv[n++] = "--vcpus";
		a.argv[n++] = a.vcpus;
		a.argv[n++] = "--memory";
		a.argv[n++] = a.memory;
		a.argv[n++] = "--start-fd";
		a.argv[n++] = "3";
		if (def->os_cmdline) {
			a.argv[n++] = "--cmdline";
			a.argv[n++] = def->os_cmdline;
		}
		a.argv[n] = NULL;
		l.path = o->guest_binary;
		l.argv = a.argv;
		l.hold = true;
		if (def->has_cpuset)
			at_exec = def->cpuset;
		else
			at_exec = *host;
	}
	l.affinity = &at_exec;
	if (console_spawn(dir, d->uuid, log, &l, &p, err) < 0)
		goto out;
	if (def->os_type == DOMAIN_OS_EXE) {
		ret = 0;
		goto done;
	}
	tids = calloc(def->vcpus, sizeof(*tids));
	if (!tids) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_HV,
			"cannot start domain '%s': out of memory", def->name);
		goto fail;
	}
	if (process_wait_vcpus(def, p.pid, p.start, tids, err) < 0 ||
	    procdrv_place(def, host, p.pid, tids, err) < 0 ||
	    procdom_release(&p, err) < 0)
		goto fail;
	ret = 0;
done:
	out->pid = p.pid;
	out->start = p.start;
	out->go_fd = -1;
	goto out;
fail:
	if (p.go_fd >= 0) {
		close(p.go_fd);
		p.go_fd = -1;
	}
	procdom_kill(p.pid, p.start, &e);
out:
	free(tids);
	free(argv);
	return ret;
}

static int
process_vcpu_tids(const struct procdrv *pd, const struct domrec *d,
		  unsigned int nvcpus, pid_t *tids, struct rvirt_error *err)
{
	(void)pd;
	return procdom_vcpu_tids(d->pid, nvcpus, tids, err);
}

static int
process_gone(const struct domrec *d, struct rvirt_error *err)
{
	err_set(err, RVIRT_ERR_OPERATION_INVALID, RVIRT_FROM_HV,
		"domain '%s' is not running: its process %d has ended", d->name,
		d->pid);
	return -1;
}

static int
process_shutdown(const struct procdrv *pd, const struct domrec *d,
		 struct rvirt_error *err)
{
	int rc = procdom_signal(d->pid, d->pid_start, SIGTERM, false, err);

	(void)pd;
	if (rc < 0)
		return -1;
	return rc == 0 ? process_gone(d, err) : 0;
}

static int
process_reboot(const struct procdrv *pd, struct domrec *d,
	       const struct domain_def *def, const struct cpuset *host,
	       const char *dir, struct rvirt_error *err)
{
	struct procdom_proc p;
	int rc;

	if (def->os_type != DOMAIN_OS_EXE) {
		rc = procdom_signal(d->pid, d->pid_start, SIGHUP, false, err);
		if (rc < 0)
			return -1;
		return rc == 0 ? process_gone(d, err) : 0;
	}
	/* A program knows no reboot: a new process, the same domain. */
	if (procdom_kill(d->pid, d->pid_start, err) < 0 ||
	    process_launch(pd, d, def, host, dir, &p, err) < 0)
		return -1;
	d->pid = p.pid;
	d->pid_start = p.start;
	return 0;
}

static int
process_suspend(const struct procdrv *pd, const struct domrec *d,
		struct rvirt_error *err)
{
	int rc = procdom_signal(d->pid, d->pid_start, SIGSTOP, true, err);

	(void)pd;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return process_gone(d, err);
	/* Report paused only once every thread is. */
	if (!procdom_wait_stopped(d->pid, d->pid_start,
				  PROCESS_STOP_TIMEOUT_MS)) {
		err_set(err, RVIRT_ERR_TIMEOUT, RVIRT_FROM_HV,
			"domain '%s' did not stop within %d ms", d->name,
			PROCESS_STOP_TIMEOUT_MS);
		return -1;
	}
	return 0;
}

static int
process_resume(const struct procdrv *pd, const struct domrec *d,
	       struct rvirt_error *err)
{
	int rc = procdom_signal(d->pid, d->pid_start, SIGCONT, true, err);

	(void)pd;
	if (rc < 0)
		return -1;
	return rc == 0 ? process_gone(d, err) : 0;
}

static const struct procdrv_ops process_ops = {
	.launch = process_launch,
	.vcpu_tids = process_vcpu_tids,
	.shutdown = process_shutdown,
	.reboot = process_reboot,
	.suspend = process_suspend,
	.resume = process_resume,
};

static const char *const process_os_types[] = { "hvm", "exe" };

static struct procdrv process_pd = {
	.ds = { .name = "process",
		.type = DOMAIN_TYPE_PROCESS,
		.probe = procdrv_probe_stopped },
	.type_name = "PROCESS",
	.ops = &process_ops,
	.stop_is_pause = true,
	.os_types = process_os_types,
	.nos_types = 2,
};

static int
process_open(struct hv_conn *c, const char *path, struct rvirt_error *err)
{
	return procdrv_open(c, &process_pd, path, err);
}

static int
process_host_start(struct store *st, struct rvirt_error *err)
{
	return procdrv_host_start(st, &process_pd, err);
}

static int
process_host_settle(struct store *st, struct rvirt_error *err)
{
	return domstore_settle_as(st, &process_pd.ds, DOMEVENT_FOUND, err);
}

const struct hv_driver process_driver = {
	.scheme = "process",
	.type = "PROCESS",
	.version = PROCESS_VERSION,
	.open = process_open,
	.host_start = process_host_start,
	.host_settle = process_host_settle,
	PROCDRV_ENTRIES,
};
