/* SPDX-License-Identifier: MIT */
/* fake-qemu: stands in for qemu-system-* in tests: vCPU threads and a QMP monitor. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Not QEMU: a program that takes the command line rvirt's qemu driver
 * builds (-name guest=NAME,..., -smp N, -qmp unix:PATH,server=on,
 * wait=off, -S), creates N threads named "CPU i/TCG" as QEMU does with
 * debug-threads=on, and answers the QMP commands the driver sends:
 * qmp_capabilities, query-cpus-fast (the real thread ids), cont, stop,
 * system_reset and system_powerdown (which, like a guest that powers
 * off, ends the program).  Each command is logged on stderr.  Tests put
 * it in PATH as qemu-system-<arch>; QEMU's own tests (t/5007) need the
 * real thing.  With FAKE_QEMU_VCPU0_TID=N in its environment it lies:
 * query-cpus-fast names thread N for vCPU 0 (a monitor rvirtd must not
 * believe blindly).
 */

#define FAKE_VCPUS_MAX 256

static pid_t fake_tids[FAKE_VCPUS_MAX];
static unsigned int fake_ncpus = 1;
static int fake_vcpu0_tid; /* the lie, 0 for none */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;

static void *
fake_vcpu(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;

	pthread_mutex_lock(&fake_lock);
	fake_tids[i] = gettid();
	pthread_cond_broadcast(&fake_cond);
	/* Idle forever: the driver only pins and counts these threads. */
	for (;;)
		pthread_cond_wait(&fake_cond, &fake_lock);
	return NULL;
}

static void
fake_send(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* One connected client: a greeting, then line by line. */
static void
fake_serve(int fd)
{
	char line[4096], out[FAKE_VCPUS_MAX * 128];
	size_t n = 0;

	fake_send(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 0, "
		      "\"minor\": 0, \"micro\": 0}, \"package\": "
		      "\"rvirt fake-qemu\"}, \"capabilities\": []}}\r\n");
	for (;;) {
		ssize_t r = read(fd, line + n, 1);

		if (r <= 0)
			return;
		if (line[n] != '\n' && n < sizeof(line) - 2) {
			n++;
			continue;
		}
		line[n] = '\0';
		n = 0;
		fprintf(stderr, "fake-qemu: %s\n", line);
		if (strstr(line, "\"qmp_capabilities\"") ||
		    strstr(line, "\"cont\"")) {
			fake_send(fd, "{\"return\": {}}\r\n");
		} else if (strstr(line, "\"stop\"")) {
			fake_send(fd, "{\"return\": {}}\r\n{\"timestamp\": "
				      "{\"seconds\": 0, \"microseconds\": 0}, "
				      "\"event\": \"STOP\"}\r\n");
		} else if (strstr(line, "\"system_reset\"")) {
			fake_send(fd, "{\"return\": {}}\r\n{\"timestamp\": "
				      "{\"seconds\": 0, \"microseconds\": 0}, "
				      "\"event\": \"RESET\"}\r\n");
		} else if (strstr(line, "\"system_powerdown\"")) {
			fake_send(fd, "{\"return\": {}}\r\n");
			fprintf(stderr, "fake-qemu: powering off\n");
			exit(0);
		} else if (strstr(line, "\"query-cpus-fast\"")) {
			size_t o = 0;

			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "{\"return\": [");
			for (unsigned int i = 0; i < fake_ncpus; i++)
				o += (size_t)snprintf(
					out + o, sizeof(out) - o,
					"%s{\"cpu-index\": %u, \"thread-id\": "
					"%d, \"qom-path\": "
					"\"/machine/unattached/device[%u]\", "
					"\"target\": \"x86_64\"}",
					i ? ", " : "", i,
					i == 0 && fake_vcpu0_tid > 0
						? fake_vcpu0_tid
						: (int)fake_tids[i],
					i);
			snprintf(out + o, sizeof(out) - o, "]}\r\n");
			fake_send(fd, out);
		} else {
			fake_send(fd, "{\"error\": {\"class\": "
				      "\"CommandNotFound\", \"desc\": \"no "
				      "such command\"}}\r\n");
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *qmp = NULL;
	const char *lie = getenv("FAKE_QEMU_VCPU0_TID");
	pthread_t th;
	int lfd;

	if (lie)
		fake_vcpu0_tid = atoi(lie);
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-smp") == 0)
			fake_ncpus = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-qmp") == 0)
			qmp = argv[i + 1];
	}
	if (!qmp || strncmp(qmp, "unix:", 5) != 0 || fake_ncpus == 0 ||
	    fake_ncpus > FAKE_VCPUS_MAX) {
		fprintf(stderr,
			"fake-qemu: need -smp 1..%d and -qmp unix:PATH\n",
			FAKE_VCPUS_MAX);
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.*s",
		 (int)strcspn(qmp + 5, ","), qmp + 5);
	for (unsigned int i = 0; i < fake_ncpus; i++) {
		char name[32];

		if (pthread_create(&th, NULL, fake_vcpu,
				   (void *)(uintptr_t)i) != 0)
			return 1;
		/* At most "CPU 255/TCG": within the 15-byte limit. */
		snprintf(name, sizeof(name), "CPU %u/TCG", i);
		pthread_setname_np(th, name);
	}
	/* The thread ids must be known before the monitor answers. */
	pthread_mutex_lock(&fake_lock);
	for (unsigned int i = 0; i < fake_ncpus; i++)
		while (!fake_tids[i])
			pthread_cond_wait(&fake_cond, &fake_lock);
	pthread_mutex_unlock(&fake_lock);
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4) < 0) {
		fprintf(stderr, "fake-qemu: cannot listen on '%s': %s\n",
			sa.sun_path, strerror(errno));
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		fake_serve(fd);
		close(fd);
	}
}
