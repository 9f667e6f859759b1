/* SPDX-License-Identifier: MIT */
/* t5003-process-driver: real domain processes through hv.h, read back from /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../hv/hv.h"
#include "../../hv/node.h"
#include "../../hv/procdom.h"

static char tmpdir[256];
static char guest[4096];
static const char *uri;
static int dircount;
static struct store *st;
static struct hv_conn *hv;
static struct cpuset host;
static unsigned int ncpus;
static int first_cpu, last_cpu;

/* Every domain process a test saw, killed at teardown if still there. */
static pid_t seen[64];
static size_t nseen;

static struct store_txn *
begin(bool write)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = store_txn_begin(st, write, &err);

	if (!txn)
		fail_msg("cannot begin: %s", err.message);
	return txn;
}

static void
commit(struct store_txn *txn)
{
	struct rvirt_error err = { 0 };

	if (store_txn_commit(txn, &err) < 0)
		fail_msg("cannot commit: %s", err.message);
}

static int
open_all(void)
{
	struct rvirt_error err = { 0 };
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/s%d", tmpdir, dircount);
	st = store_open(dir, 8 << 20, STORE_NOSYNC, &err);
	if (!st) {
		fprintf(stderr, "# %s\n", err.message);
		return -1;
	}
	hv = hv_open(uri, st, &err);
	if (!hv)
		fprintf(stderr, "# %s\n", err.message);
	return hv ? 0 : -1;
}

static void
close_all(void)
{
	hv_close(hv);
	hv = NULL;
	store_close(st);
	st = NULL;
}

static int
setup_conn(void **state)
{
	struct hv_options o;
	char dir[512];

	(void)state;
	dircount++;
	snprintf(dir, sizeof(dir), "%s/s%d", tmpdir, dircount);
	if (mkdir(dir, 0700) < 0)
		return -1;
	memset(&o, 0, sizeof(o));
	snprintf(o.runtime_dir, sizeof(o.runtime_dir), "%s/run%d", tmpdir,
		 dircount);
	snprintf(o.guest_binary, sizeof(o.guest_binary), "%s", guest);
	o.shutdown_timeout_ms = 3000;
	hv_set_options(&o);
	nseen = 0;
	return open_all();
}

static int
teardown_conn(void **state)
{
	(void)state;
	close_all();
	for (size_t i = 0; i < nseen; i++)
		kill(seen[i], SIGKILL);
	/* We are their subreaper (see setup): collect them. */
	for (int i = 0; i < 1000 && waitpid(-1, NULL, WNOHANG) > 0; i++)
		;
	return 0;
}

static void
remember(pid_t pid)
{
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = pid;
}

static void
define(const char *xml, struct hv_domain_ref *ref)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(true);

	if (hv_domain_define(hv, txn, xml, ref, &err) < 0)
		fail_msg("define: %s", err.message);
	commit(txn);
}

/* Start a defined domain; its pid from the live record. */
static pid_t start(const struct hv_domain_ref *ref, struct hv_domain_ref *out);

typedef int (*lifecycle_fn)(struct hv_conn *, struct store_txn *,
			    const struct hv_domain_ref *, struct rvirt_error *);

static void
run_ok(lifecycle_fn fn, const struct hv_domain_ref *ref)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(true);

	if (fn(hv, txn, ref, &err) < 0)
		fail_msg("%s", err.message);
	commit(txn);
}

static void
get_state(const struct hv_domain_ref *ref, int *state, int *reason)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(false);

	if (hv_domain_get_state(hv, txn, ref, state, reason, &err) < 0)
		fail_msg("state: %s", err.message);
	store_txn_abort(txn);
}

/* The domain process, found by its --name among rvirt-guest processes. */
static pid_t
find_pid(const char *name)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[4096];
		FILE *f;
		size_t n;
		int pid = atoi(de->d_name);
		struct procdom_stat s;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* argv[0] "rvirt-guest", then "--name", NAME. */
		if (strcmp(buf, "rvirt-guest") != 0 ||
		    strcmp(buf + strlen(buf) + 1, "--name") != 0 ||
		    strcmp(buf + strlen(buf) + 8, name) != 0)
			continue;
		if (procdom_stat_read(NULL, pid, 0, &s) < 0 || s.state == 'Z')
			continue;
		found = pid;
	}
	closedir(d);
	return found;
}

/* A live session leader whose cmdline is exactly want (len bytes). */
static pid_t
find_session_leader(const char *want, size_t len)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL && !found) {
		char path[300], buf[256];
		int pid = atoi(de->d_name);
		FILE *f;
		size_t k;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		k = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (k == len && memcmp(buf, want, len) == 0 &&
		    getsid(pid) == pid)
			found = pid;
	}
	closedir(d);
	return found;
}

static pid_t
start(const struct hv_domain_ref *ref, struct hv_domain_ref *out)
{
	struct rvirt_error err = { 0 };
	struct store_txn *txn = begin(true);
	pid_t pid;

	if (hv_domain_create(hv, txn, ref, out, &err) < 0)
		fail_msg("start: %s", err.message);
	commit(txn);
	pid = find_pid(ref->name);
	assert_true(pid > 0);
	remember(pid);
	return pid;
}

static bool
gone(pid_t pid)
{
	struct procdom_stat s;

	return procdom_stat_read(NULL, pid, 0, &s) < 0 || s.state == 'Z';
}

/* Cpus_allowed_list of a thread, from the kernel. */
static void
allowed(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[128], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid,
		 (int)tid);
	f = fopen(path, "re");
	assert_non_null(f);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
			char *v = line + 18;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, size, "%s", v);
		}
	}
	fclose(f);
	assert_true(buf[0] != '\0');
}

/* Every thread of pid: its name and its allowed CPUs. */
struct thread {
	pid_t tid;
	char comm[32];
	char cpus[64];
};

static size_t
threads(pid_t pid, struct thread *t, size_t max)
{
	struct rvirt_error err = { 0 };
	pid_t *tids = NULL;
	size_t n = 0;

	assert_int_equal(procdom_tasks(pid, &tids, &n, &err), 0);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		t[i].tid = tids[i];
		assert_int_equal(procdom_task_comm(pid, tids[i], t[i].comm,
						   sizeof(t[i].comm)),
				 0);
		allowed(pid, tids[i], t[i].cpus, sizeof(t[i].cpus));
	}
	free(tids);
	return n;
}

static const struct thread *
thread_named(const struct thread *t, size_t n, const char *comm)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].comm, comm) == 0)
			return &t[i];
	return NULL;
}

/* ---------------------------------------------------------------- */

static void
test_stat_parse(void **state)
{
	struct procdom_stat s;
	char line[512];

	(void)state;
	/* A comm with blanks and parentheses ends at the last ')'. */
	snprintf(line, sizeof(line),
		 "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 7 9 0 0 20 "
		 "0 3 0 123456 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 "
		 "0 0 0 17 1 0 0 0 0 0\n");
	assert_int_equal(procdom_stat_parse(line, &s), 0);
	assert_string_equal(s.comm, "a) b (c)");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.utime, 7);
	assert_int_equal(s.stime, 9);
	assert_int_equal(s.starttime, 123456);
	assert_int_equal(s.processor, 1);
	assert_int_equal(procdom_stat_parse("42 (x S 1", &s), -1);
	assert_int_equal(procdom_stat_parse("42 (x) S 1 2 3", &s), -1);
	assert_int_equal(procdom_stat_parse("", &s), -1);
	/* Our own process, read from the kernel. */
	assert_int_equal(procdom_stat_read(NULL, getpid(), 0, &s), 0);
	assert_int_equal(s.state, 'R');
	assert_int_equal(procdom_alive(getpid(), s.starttime, NULL), 1);
	assert_int_equal(procdom_alive(getpid(), s.starttime + 1, NULL), 0);
}

/*
 * An exec that fails reports its errno, every time: the pid and the
 * errno share one pipe and must not swap (once seen under ASan).
 */
static void
test_spawn_exec_failure(void **state)
{
	char *argv[] = { "rvirt-no-such-program", NULL };
	char log[512];
	struct procdom_launch l = {
		.path = "/nonexistent/rvirt-no-such-program",
		.argv = argv,
		.log_path = log
	};
	struct procdom_proc p;

	(void)state;
	snprintf(log, sizeof(log), "%s/spawn-fail.log", tmpdir);
	l.affinity = &host;
	for (int i = 0; i < 100; i++) {
		struct rvirt_error err = { 0 };
		struct pollfd pfd = { .events = POLLIN };
		int sv[2];

		/*
		 * sv[0] stands for a worker's connection: once spawn has
		 * returned, no child of it may hold a copy, so closing ours
		 * must be an end of file on the other side at once.
		 */
		assert_int_equal(
			socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			0);
		assert_int_equal(procdom_spawn(&l, &p, &err), -1);
		if (!strstr(err.message, "no such file"))
			fail_msg("round %d: %s", i, err.message);
		close(sv[0]);
		pfd.fd = sv[1];
		if (poll(&pfd, 1, 0) != 1)
			fail_msg("round %d: a child of the spawn still holds "
				 "the caller's socket",
				 i);
		close(sv[1]);
	}
}

/* The XML's cpuset is on every thread, each vCPU thread is named. */
static void
test_placement_at_start(void **state)
{
	struct thread t[16];
	struct hv_domain_ref ref, out;
	struct hv_domain_info info;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	char xml[512], want[16];
	size_t n;
	pid_t pid;
	int s, r;

	(void)state;
	snprintf(want, sizeof(want), "%d", last_cpu);
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>placed</name>"
		 "<memory unit='MiB'>4</memory>"
		 "<vcpu placement='static' cpuset='%d'>3</vcpu>"
		 "<os><type>hvm</type><cmdline>load=idle</cmdline></os>"
		 "</domain>",
		 last_cpu);
	define(xml, &ref);
	pid = start(&ref, &out);
	assert_true(out.id > 0);
	n = threads(pid, t, 16);
	assert_int_equal(n, 4); /* main + 3 vCPUs */
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].cpus, want) != 0)
			fail_msg("thread %d '%s' allowed '%s', want '%s'",
				 (int)t[i].tid, t[i].comm, t[i].cpus, want);
	assert_non_null(thread_named(t, n, "CPU 0/KVM"));
	assert_non_null(thread_named(t, n, "CPU 2/KVM"));
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	assert_int_equal(r, 1);
	txn = begin(false);
	assert_int_equal(hv_domain_get_info(hv, txn, &ref, &info, &err), 0);
	store_txn_abort(txn);
	assert_int_equal(info.nr_vcpus, 3);
	assert_int_equal(info.max_mem_kib, 4096);

	run_ok(hv_domain_destroy, &ref);
	assert_true(gone(pid));
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 2); /* destroyed */
}

/* vcpupin and emulatorpin at start, then PIN_VCPU moves one thread. */
static void
test_pinning(void **state)
{
	struct thread t[16], u[16];
	struct hv_domain_ref ref, out;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	struct cpuset set, *sets = NULL, emu;
	struct hv_vcpu_info *vi = NULL;
	char xml[1024], a[16], b[16], both[32];
	size_t n, m, ns = 0, nv = 0;
	pid_t pid;

	(void)state;
	if (ncpus < 2) {
		skip();
		return;
	}
	snprintf(a, sizeof(a), "%d", first_cpu);
	snprintf(b, sizeof(b), "%d", last_cpu);
	snprintf(both, sizeof(both), "%d,%d", first_cpu, last_cpu);
	if (last_cpu == first_cpu + 1)
		snprintf(both, sizeof(both), "%d-%d", first_cpu, last_cpu);
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>pinned</name>"
		 "<memory unit='MiB'>4</memory>"
		 "<vcpu cpuset='%s'>2</vcpu>"
		 "<cputune><vcpupin vcpu='0' cpuset='%s'/>"
		 "<vcpupin vcpu='1' cpuset='%s'/>"
		 "<emulatorpin cpuset='%s'/></cputune>"
		 "<os><type>hvm</type><cmdline>load=busy,idle</cmdline></os>"
		 "</domain>",
		 both, a, b, b);
	define(xml, &ref);
	pid = start(&ref, &out);
	n = threads(pid, t, 16);
	assert_int_equal(n, 3);
	assert_string_equal(thread_named(t, n, "CPU 0/KVM")->cpus, a);
	assert_string_equal(thread_named(t, n, "CPU 1/KVM")->cpus, b);
	assert_string_equal(thread_named(t, n, "rvirt-guest")->cpus, b);

	/* Live: vcpu 1 to the first cpu; only that thread changes. */
	cpuset_clear(&set);
	cpuset_add(&set, (unsigned int)first_cpu);
	txn = begin(true);
	if (hv_domain_pin_vcpu(hv, txn, &ref, 1, &set, HV_AFFECT_LIVE, &err) <
	    0)
		fail_msg("pin: %s", err.message);
	commit(txn);
	m = threads(pid, u, 16);
	assert_int_equal(m, n);
	for (size_t i = 0; i < n; i++) {
		const struct thread *after = thread_named(u, m, t[i].comm);

		assert_non_null(after);
		if (strcmp(t[i].comm, "CPU 1/KVM") == 0)
			assert_string_equal(after->cpus, a);
		else
			assert_string_equal(after->cpus, t[i].cpus);
	}
	/* What the driver reports is what the kernel has. */
	txn = begin(false);
	assert_int_equal(
		hv_domain_get_vcpu_pin_info(hv, txn, &ref, 0, &sets, &ns, &err),
		0);
	assert_int_equal(ns, 2);
	assert_true(cpuset_has(&sets[1], (unsigned int)first_cpu));
	assert_int_equal(cpuset_count(&sets[1]), 1);
	free(sets);
	sets = NULL;
	/* The definition still says the last cpu. */
	assert_int_equal(hv_domain_get_vcpu_pin_info(hv, txn, &ref,
						     HV_AFFECT_CONFIG, &sets,
						     &ns, &err),
			 0);
	assert_true(cpuset_has(&sets[1], (unsigned int)last_cpu));
	free(sets);
	/*
	 * The CPU a thread last ran on changes when it next wakes: right
	 * after the start byte the guest may not have woken vcpu 0 yet, so
	 * ask again for a while (30 s at most: a loaded host may not run
	 * it sooner).
	 */
	for (int tries = 0;; tries++) {
		assert_int_equal(
			hv_domain_get_vcpus(hv, txn, &ref, &vi, &nv, &err), 0);
		assert_int_equal(nv, 2);
		if (vi[0].cpu == first_cpu || tries == 3000)
			break;
		free(vi);
		usleep(10000);
	}
	assert_int_equal(vi[0].number, 0);
	assert_true(cpuset_has(&vi[1].affinity, (unsigned int)first_cpu));
	assert_int_equal(vi[0].cpu, first_cpu); /* pinned there, busy */
	free(vi);
	assert_int_equal(
		hv_domain_get_emulator_pin_info(hv, txn, &ref, 0, &emu, &err),
		0);
	assert_true(cpuset_has(&emu, (unsigned int)last_cpu));
	store_txn_abort(txn);

	/* Emulator, live and config together. */
	txn = begin(true);
	assert_int_equal(
		hv_domain_pin_emulator(hv, txn, &ref, &set,
				       HV_AFFECT_LIVE | HV_AFFECT_CONFIG, &err),
		0);
	commit(txn);
	m = threads(pid, u, 16);
	assert_string_equal(thread_named(u, m, "rvirt-guest")->cpus, a);
	assert_string_equal(thread_named(u, m, "CPU 0/KVM")->cpus, a);
	assert_string_equal(thread_named(u, m, "CPU 1/KVM")->cpus, a);

	/* A CPU the host lacks is refused and changes nothing. */
	cpuset_clear(&set);
	cpuset_add(&set, 4095);
	txn = begin(true);
	assert_int_equal(hv_domain_pin_vcpu(hv, txn, &ref, 0, &set, 0, &err),
			 -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	store_txn_abort(txn);
	run_ok(hv_domain_destroy, &ref);
	assert_true(gone(pid));
}

/* A cpuset naming a CPU the machine lacks: refused, nothing runs. */
static void
test_bad_cpuset(void **state)
{
	struct hv_domain_ref ref, out;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	char xml[512];

	(void)state;
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>nowhere</name>"
		 "<memory unit='MiB'>4</memory>"
		 "<vcpu cpuset='0,%u'>1</vcpu></domain>",
		 (unsigned int)last_cpu + 1);
	define(xml, &ref);
	txn = begin(true);
	assert_int_equal(hv_domain_create(hv, txn, &ref, &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_non_null(strstr(err.message, "does not have"));
	store_txn_abort(txn);
	assert_int_equal(find_pid("nowhere"), 0);
	/* The same for a vcpupin, and for a transient domain. */
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>nowhere2</name>"
		 "<memory unit='MiB'>4</memory><vcpu>1</vcpu>"
		 "<cputune><vcpupin vcpu='0' cpuset='%u'/></cputune>"
		 "</domain>",
		 (unsigned int)last_cpu + 1);
	txn = begin(true);
	assert_int_equal(hv_domain_create_xml(hv, txn, xml, &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	store_txn_abort(txn);
	assert_int_equal(find_pid("nowhere2"), 0);
}

/* Killed from outside: shut off (crashed); a transient one is gone. */
static void
test_killed_outside(void **state)
{
	struct hv_domain_ref ref, out, *doms = NULL;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	size_t n = 0;
	pid_t pid;
	int s, r;

	(void)state;
	define("<domain type='process'><name>victim</name>"
	       "<memory unit='MiB'>4</memory></domain>",
	       &ref);
	pid = start(&ref, &out);
	assert_int_equal(kill(pid, SIGKILL), 0);
	for (int i = 0; i < 15000 && !gone(pid); i++)
		usleep(2000);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 3); /* crashed */
	txn = begin(false);
	assert_int_equal(
		hv_domain_list(hv, txn, RVIRT_LIST_ACTIVE, 10, &doms, &n, &err),
		0);
	store_txn_abort(txn);
	assert_int_equal(n, 0);
	free(doms);
	/* Destroying it says why; starting it again works. */
	txn = begin(true);
	assert_int_equal(hv_domain_destroy(hv, txn, &ref, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_OPERATION_INVALID);
	assert_non_null(strstr(err.message, "has ended"));
	store_txn_abort(txn);
	pid = start(&ref, &out);
	run_ok(hv_domain_destroy, &ref);

	/* Transient. */
	txn = begin(true);
	assert_int_equal(hv_domain_create_xml(hv, txn,
					      "<domain type='process'><name>"
					      "tr</name><memory unit='MiB'>4"
					      "</memory></domain>",
					      &out, &err),
			 0);
	commit(txn);
	pid = find_pid("tr");
	assert_true(pid > 0);
	remember(pid);
	kill(pid, SIGKILL);
	for (int i = 0; i < 15000 && !gone(pid); i++)
		usleep(2000);
	/* Reopening settles it: the transient domain is gone. */
	close_all();
	assert_int_equal(open_all(), 0);
	txn = begin(false);
	assert_int_equal(hv_domain_lookup_name(hv, txn, "tr", &out, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_NO_DOMAIN);
	store_txn_abort(txn);
}

/* Suspend and resume are the kernel's stopped state; reboot, shutdown. */
static void
test_lifecycle(void **state)
{
	struct hv_domain_ref ref, out;
	struct procdom_stat ps;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	pid_t pid;
	int s, r;

	(void)state;
	define("<domain type='process'><name>life</name>"
	       "<memory unit='MiB'>8</memory><vcpu>2</vcpu>"
	       "<os><type>hvm</type><cmdline>load=duty:20</cmdline></os>"
	       "</domain>",
	       &ref);
	pid = start(&ref, &out);
	run_ok(hv_domain_suspend, &ref);
	assert_int_equal(procdom_stat_read(NULL, pid, 0, &ps), 0);
	assert_int_equal(ps.state, 'T');
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_PAUSED);
	txn = begin(true);
	assert_int_equal(hv_domain_shutdown(hv, txn, &ref, &err), -1);
	assert_non_null(strstr(err.message, "paused"));
	store_txn_abort(txn);
	run_ok(hv_domain_resume, &ref);
	assert_int_equal(procdom_stat_read(NULL, pid, 0, &ps), 0);
	assert_true(ps.state != 'T');
	/* Stopped from outside: the kernel's word counts. */
	kill(pid, SIGSTOP);
	for (int i = 0; i < 15000; i++) {
		get_state(&ref, &s, &r);
		if (s == RVIRT_DOMAIN_PAUSED)
			break;
		usleep(2000);
	}
	assert_int_equal(s, RVIRT_DOMAIN_PAUSED);
	kill(pid, SIGCONT);
	for (int i = 0; i < 15000; i++) {
		get_state(&ref, &s, &r);
		if (s == RVIRT_DOMAIN_RUNNING)
			break;
		usleep(2000);
	}
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	/* Reboot keeps the process; shutdown ends it cleanly. */
	run_ok(hv_domain_reboot, &ref);
	assert_int_equal(find_pid("life"), pid);
	run_ok(hv_domain_shutdown, &ref);
	assert_true(gone(pid));
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	assert_int_equal(r, 1); /* shutdown */
}

/* An exe domain runs its program with the emulator set on all threads. */
static void
test_exe(void **state)
{
	struct hv_domain_ref ref, out;
	struct thread t[4];
	char xml[512], want[16];
	size_t n;
	pid_t pid = 0;
	int s, r;

	(void)state;
	snprintf(want, sizeof(want), "%d", first_cpu);
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>prog</name>"
		 "<memory unit='MiB'>4</memory>"
		 "<vcpu cpuset='%d'>1</vcpu>"
		 "<os><type>exe</type><init>/bin/sleep</init>"
		 "<initarg>600</initarg></os></domain>",
		 first_cpu);
	define(xml, &ref);
	{
		struct rvirt_error err = { 0 };
		struct store_txn *txn = begin(true);

		if (hv_domain_create(hv, txn, &ref, &out, &err) < 0)
			fail_msg("start: %s", err.message);
		commit(txn);
	}
	/* The sleep that leads its own session: the domain. */
	pid = find_session_leader("/bin/sleep\0"
				  "600",
				  15);
	assert_true(pid > 0);
	remember(pid);
	n = threads(pid, t, 4);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].cpus, want);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	run_ok(hv_domain_destroy, &ref);
	assert_true(gone(pid));
}

/* The store and the connection go (a daemon restart); the domain stays. */
static void
test_survives_restart(void **state)
{
	struct hv_domain_ref ref, out, again;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	struct thread t[8];
	char xml[512], want[16];
	size_t n;
	pid_t pid;
	int s, r;

	(void)state;
	snprintf(want, sizeof(want), "%d", last_cpu);
	snprintf(xml, sizeof(xml),
		 "<domain type='process'><name>stay</name>"
		 "<memory unit='MiB'>4</memory>"
		 "<vcpu cpuset='%d'>2</vcpu></domain>",
		 last_cpu);
	define(xml, &ref);
	pid = start(&ref, &out);
	close_all();
	assert_int_equal(open_all(), 0);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	txn = begin(false);
	assert_int_equal(hv_domain_lookup_id(hv, txn, out.id, &again, &err), 0);
	store_txn_abort(txn);
	assert_string_equal(again.name, "stay");
	assert_int_equal(find_pid("stay"), pid);
	n = threads(pid, t, 8);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].cpus, want);
	run_ok(hv_domain_destroy, &ref);
	assert_true(gone(pid));
}

/* Autostart: once per host boot (the boot id in the store's meta table). */
static void
test_autostart(void **state)
{
	struct hv_domain_ref ref;
	struct rvirt_error err = { 0 };
	struct store_txn *txn;
	pid_t pid;
	int s, r;

	(void)state;
	define("<domain type='process'><name>auto</name>"
	       "<memory unit='MiB'>4</memory></domain>",
	       &ref);
	txn = begin(true);
	assert_int_equal(hv_domain_set_autostart(hv, txn, &ref, true, &err), 0);
	commit(txn);
	/* This store has not seen this boot: the domain starts. */
	if (hv_host_start(st, &err) < 0)
		fail_msg("host start: %s", err.message);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	pid = find_pid("auto");
	assert_true(pid > 0);
	remember(pid);
	run_ok(hv_domain_destroy, &ref);
	/* A daemon restart in the same boot starts nothing. */
	assert_int_equal(hv_host_start(st, &err), 0);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_SHUTOFF);
	/* Another boot id: it starts again. */
	txn = begin(true);
	assert_int_equal(store_put(txn, STORE_META, "process:boot_id", 15,
				   "an-older-boot-id-0000000000000000", 33,
				   &err),
			 0);
	commit(txn);
	assert_int_equal(hv_host_start(st, &err), 0);
	get_state(&ref, &s, &r);
	assert_int_equal(s, RVIRT_DOMAIN_RUNNING);
	pid = find_pid("auto");
	remember(pid);
	run_ok(hv_domain_destroy, &ref);
	assert_true(gone(pid));
}

static void
test_open_and_host(void **state)
{
	struct rvirt_error err = { 0 };
	struct hv_node_info info;
	struct cpuset online;
	unsigned int cpus = 0;
	char *caps = NULL;

	(void)state;
	assert_string_equal(hv_uri(hv), uri);
	assert_string_equal(hv_type(hv), "PROCESS");
	assert_null(hv_open(geteuid() == 0 ? "process:///session"
					   : "process:///system",
			    st, &err));
	assert_int_equal(err.code, RVIRT_ERR_URI);
	assert_null(hv_open("process:///other", st, &err));
	assert_int_equal(hv_node_info(hv, &info, &err), 0);
	assert_int_equal(info.cpus, ncpus);
	assert_int_equal(hv_node_cpu_map(hv, &online, &cpus, &err), 0);
	assert_true(cpuset_equal(&online, &host));
	assert_int_equal(cpus, (unsigned int)last_cpu + 1);
	assert_int_equal(hv_capabilities(hv, &caps, &err), 0);
	assert_non_null(strstr(caps, "<domain type=\"process\"/>"));
	assert_non_null(strstr(caps, "<os_type>exe</os_type>"));
	free(caps);
	/* Without qemu installed the qemu driver says so. */
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
		assert_null(hv_open(geteuid() == 0 ? "qemu:///system"
						   : "qemu:///session",
				    st, &err));
		assert_int_equal(err.code, RVIRT_ERR_NO_DRIVER);
		assert_non_null(strstr(err.message, "not installed"));
	}
}

static int
setup(void **state)
{
	struct rvirt_error err = { 0 };
	struct node_facts f;
	const char *base = getenv("TMPDIR");
	const char *build = getenv("RVIRT_BUILD");
	char self[4096];
	ssize_t n;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/t5003-XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	if (build && *build) {
		snprintf(guest, sizeof(guest), "%s/rvirt-guest", build);
	} else {
		/* build/t/t5003-process-driver -> build/rvirt-guest */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return -1;
		self[n] = '\0';
		snprintf(guest, sizeof(guest), "%s/../rvirt-guest",
			 dirname(self));
	}
	if (access(guest, X_OK) < 0) {
		fprintf(stderr, "# no rvirt-guest at '%s'\n", guest);
		return -1;
	}
	uri = geteuid() == 0 ? "process:///system" : "process:///session";
	/*
	 * The domains are orphaned on purpose (double fork); make this
	 * process their reaper, as rvirtd's master should be, so that
	 * their exits do not pile up as zombies under an init that does
	 * not reap.  The driver must work either way: it never waits.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (node_facts_read(NULL, NULL, &f, &err) < 0)
		return -1;
	host = f.online;
	ncpus = f.cpus;
	last_cpu = cpuset_last(&host);
	for (first_cpu = 0; !cpuset_has(&host, (unsigned int)first_cpu);
	     first_cpu++)
		;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_conn, teardown_conn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stat_parse),
		T(test_spawn_exec_failure),
		T(test_open_and_host),
		T(test_placement_at_start),
		T(test_pinning),
		T(test_bad_cpuset),
		T(test_killed_outside),
		T(test_lifecycle),
		T(test_exe),
		T(test_survives_restart),
		T(test_autostart),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
