/* SPDX-License-Identifier: MIT */
/* guest: rvirt-guest, the program a process domain runs: vCPU threads, load, memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "guest_console.h"

/*
 * rvirt-guest --name NAME --vcpus N --memory KIB [--cmdline TEXT]
 *             [--start-fd FD]
 *
 * Stands in for a virtual machine: one thread per vCPU, named as QEMU
 * names its vCPU threads ("CPU 0/KVM") so that tools find them the same
 * way, each running a load, and KIB of memory written page by page.
 * The domain's <os><cmdline> is read like a kernel command line (words
 * separated by blanks, unknown ones ignored):
 *   load=SPEC[,SPEC...]   per vCPU, the last one repeating; SPEC is
 *                         idle (sleeps), busy (spins) or duty:P (busy
 *                         P percent of every 10 ms); default idle
 *   touch=all|none|KIB    how much memory to write; default all
 * With --start-fd the vCPU threads exist and are named but run nothing
 * until one byte arrives on FD (rvirtd pins them first, as libvirt does
 * with a QEMU started with -S); end of file instead means rvirtd gave
 * up, and the program exits.
 * Signals: TERM or INT shuts down (threads stopped, exit 0), HUP
 * "reboots" (memory written again; the threads, and so their pinning,
 * stay).  SIGSTOP/SIGCONT pause and resume it like any process.
 * SIGUSR1 prints a line on the console (output made while nobody types).
 * When stdin is a terminal (the domain's console), a small serial line
 * answers on it (hv/guest_console.c).
 */

#define GUEST_VCPUS_MAX 4096
#define GUEST_PERIOD_NS 10000000L /* the duty cycle's period */

enum guest_load { GUEST_IDLE, GUEST_BUSY, GUEST_DUTY };

struct guest_vcpu {
	pthread_t thread;
	unsigned int index;
	enum guest_load load;
	unsigned int duty; /* percent, for GUEST_DUTY */
};

static atomic_bool guest_stop;
static pthread_mutex_t guest_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t guest_cond = PTHREAD_COND_INITIALIZER;
static bool guest_go;
static const char *guest_name = "?";

static void guest_say(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void
guest_say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rvirt-guest[%ld] %s: ", (long)getpid(), guest_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static _Noreturn void
guest_usage(const char *why)
{
	fprintf(stderr,
		"rvirt-guest: %s\nusage: rvirt-guest --name NAME --vcpus N "
		"--memory KIB [--cmdline TEXT] [--start-fd FD]\n",
		why);
	exit(2);
}

static int
guest_number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static uint64_t
guest_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Parse one load SPEC; 0, or -1 when malformed. */
static int
guest_parse_load(const char *spec, size_t len, struct guest_vcpu *v)
{
	unsigned long long p;
	char buf[16];

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, spec, len);
	buf[len] = '\0';
	if (strcmp(buf, "idle") == 0) {
		v->load = GUEST_IDLE;
	} else if (strcmp(buf, "busy") == 0) {
		v->load = GUEST_BUSY;
	} else if (strncmp(buf, "duty:", 5) == 0 &&
		   guest_number(buf + 5, 100, &p) == 0) {
		v->load = GUEST_DUTY;
		v->duty = (unsigned int)p;
	} else {
		return -1;
	}
	return 0;
}

/* Apply load=... of the command line to the vCPUs. */
static void
guest_parse_cmdline(const char *cmdline, struct guest_vcpu *vcpus,
		    unsigned int n, unsigned long long *touch_kib,
		    unsigned long long memory_kib)
{
	const char *p = cmdline;

	while (p && *p) {
		const char *w, *end;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len = (size_t)(p - w);
		if (len > 5 && strncmp(w, "load=", 5) == 0) {
			struct guest_vcpu last = { .load = GUEST_IDLE };
			const char *s = w + 5;
			unsigned int i = 0;

			while (s < p && i < n) {
				end = memchr(s, ',', (size_t)(p - s));
				if (!end)
					end = p;
				if (guest_parse_load(s, (size_t)(end - s),
						     &vcpus[i]) < 0) {
					guest_say("ignoring load '%.*s'",
						  (int)(end - s), s);
					vcpus[i].load = last.load;
					vcpus[i].duty = last.duty;
				}
				last = vcpus[i++];
				s = end < p ? end + 1 : p;
			}
			for (; i < n; i++) {
				vcpus[i].load = last.load;
				vcpus[i].duty = last.duty;
			}
		} else if (len > 6 && strncmp(w, "touch=", 6) == 0) {
			char buf[32];
			unsigned long long kib;

			if (len - 6 < sizeof(buf)) {
				memcpy(buf, w + 6, len - 6);
				buf[len - 6] = '\0';
				if (strcmp(buf, "all") == 0)
					*touch_kib = memory_kib;
				else if (strcmp(buf, "none") == 0)
					*touch_kib = 0;
				else if (guest_number(buf, memory_kib, &kib) ==
					 0)
					*touch_kib = kib;
				else
					guest_say("ignoring touch '%s'", buf);
			}
		}
	}
}

static void
guest_spin_until(uint64_t until)
{
	while (!atomic_load_explicit(&guest_stop, memory_order_relaxed) &&
	       guest_now_ns() < until)
		;
}

static void *
guest_vcpu_main(void *arg)
{
	struct guest_vcpu *v = arg;

	pthread_mutex_lock(&guest_lock);
	while (!guest_go && !atomic_load(&guest_stop))
		pthread_cond_wait(&guest_cond, &guest_lock);
	pthread_mutex_unlock(&guest_lock);
	while (!atomic_load_explicit(&guest_stop, memory_order_relaxed)) {
		switch (v->load) {
		case GUEST_BUSY:
			guest_spin_until(guest_now_ns() + GUEST_PERIOD_NS);
			break;
		case GUEST_DUTY: {
			uint64_t t0 = guest_now_ns();
			long busy = GUEST_PERIOD_NS / 100 * (long)v->duty;
			struct timespec rest = { .tv_nsec = GUEST_PERIOD_NS -
							    busy };

			guest_spin_until(t0 + (uint64_t)busy);
			if (rest.tv_nsec > 0)
				nanosleep(&rest, NULL);
			break;
		}
		case GUEST_IDLE:
		default:
			pthread_mutex_lock(&guest_lock);
			if (!atomic_load(&guest_stop))
				pthread_cond_wait(&guest_cond, &guest_lock);
			pthread_mutex_unlock(&guest_lock);
			break;
		}
	}
	return NULL;
}

/* Write every page of mem: memory the guest really uses. */
static void
guest_touch(unsigned char *mem, size_t len, unsigned char value)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		page = 4096;
	for (size_t off = 0; off < len; off += (size_t)page)
		mem[off] = value;
}

int
main(int argc, char **argv)
{
	unsigned long long nvcpus = 0, memory_kib = 0, touch_kib, v;
	const char *cmdline = NULL;
	struct guest_vcpu *vcpus;
	unsigned char *mem = NULL;
	size_t mem_len = 0;
	int start_fd = -1, sig = 0, sigfd, console;
	bool have_memory = false;
	sigset_t set;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			guest_usage("an option lacks its value");
		if (strcmp(a, "--name") == 0) {
			guest_name = val;
		} else if (strcmp(a, "--vcpus") == 0) {
			if (guest_number(val, GUEST_VCPUS_MAX, &nvcpus) < 0 ||
			    nvcpus == 0)
				guest_usage("--vcpus takes 1 to 4096");
		} else if (strcmp(a, "--memory") == 0) {
			if (guest_number(val, 1ULL << 40, &memory_kib) < 0)
				guest_usage("--memory takes KiB");
			have_memory = true;
		} else if (strcmp(a, "--cmdline") == 0) {
			cmdline = val;
		} else if (strcmp(a, "--start-fd") == 0) {
			if (guest_number(val, 1024, &v) < 0)
				guest_usage("--start-fd takes a descriptor");
			start_fd = (int)v;
		} else {
			guest_usage("unknown option");
		}
		i++;
	}
	if (nvcpus == 0 || !have_memory)
		guest_usage("--vcpus and --memory are required");
	touch_kib = memory_kib;
	vcpus = calloc(nvcpus, sizeof(*vcpus));
	if (!vcpus) {
		guest_say("out of memory");
		return 1;
	}
	guest_parse_cmdline(cmdline, vcpus, (unsigned int)nvcpus, &touch_kib,
			    memory_kib);

	/* Only the main thread takes the signals, through a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (unsigned int i = 0; i < nvcpus; i++) {
		char tname[16];

		vcpus[i].index = i;
		if (pthread_create(&vcpus[i].thread, NULL, guest_vcpu_main,
				   &vcpus[i]) != 0) {
			guest_say("cannot create vcpu thread %u", i);
			return 1;
		}
		snprintf(tname, sizeof(tname), "CPU %u/KVM", i);
		pthread_setname_np(vcpus[i].thread, tname);
	}
	if (start_fd >= 0) {
		char b;
		ssize_t n;

		do
			n = read(start_fd, &b, 1);
		while (n < 0 && errno == EINTR);
		close(start_fd);
		if (n != 1) {
			guest_say("no start signal from rvirtd: exiting");
			return 1;
		}
	}
	pthread_mutex_lock(&guest_lock);
	guest_go = true;
	pthread_cond_broadcast(&guest_cond);
	pthread_mutex_unlock(&guest_lock);

	if (touch_kib > 0) {
		mem_len = (size_t)touch_kib * 1024;
		mem = mmap(NULL, mem_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			guest_say("cannot map %llu KiB: %s", touch_kib,
				  strerror(errno));
			mem = NULL;
			mem_len = 0;
		} else {
			guest_touch(mem, mem_len, 1);
		}
	}
	guest_say("running: %llu vcpus, %llu KiB written", nvcpus,
		  mem ? touch_kib : 0);
	console = guest_console_init(guest_name);

	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0) {
		guest_say("cannot take signals: %s", strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN },
					 { .fd = 0, .events = POLLIN } };
		struct signalfd_siginfo si;

		/* The main thread serves the console between signals. */
		if (poll(pfd, console ? 2 : 1, -1) < 0)
			continue;
		if (console && pfd[1].revents && guest_console_input() < 0)
			console = 0;
		if (!(pfd[0].revents & POLLIN) ||
		    read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		sig = (int)si.ssi_signo;
		if (sig == SIGUSR1) {
			if (console)
				guest_console_note("SIGUSR1 received");
			continue;
		}
		if (sig == SIGHUP) {
			if (mem)
				guest_touch(mem, mem_len, 2);
			guest_say("rebooted");
			continue;
		}
		break;
	}
	atomic_store(&guest_stop, true);
	pthread_mutex_lock(&guest_lock);
	pthread_cond_broadcast(&guest_cond);
	pthread_mutex_unlock(&guest_lock);
	for (unsigned int i = 0; i < nvcpus; i++)
		pthread_join(vcpus[i].thread, NULL);
	if (mem)
		munmap(mem, mem_len);
	free(vcpus);
	guest_say("shut down (signal %d)", sig);
	return 0;
}
