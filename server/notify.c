/* SPDX-License-Identifier: MIT */
/* notify: the systemd notify protocol of the master (sd_notify(3)). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/scoreboard.h"
#include "notify.h"

#define NOTIFY_STATUS_MAX 160

static char notify_last_status[NOTIFY_STATUS_MAX];

static bool
notify_wanted(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s;
}

static void
notify_send(const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0)
		log_debug("cannot notify systemd '%s': %s", msg, strerror(-r));
}

/* "STATUS=N workers (I idle), C connections" from the scoreboard. */
static void
notify_status_line(const struct sb *sb, char *buf, size_t size)
{
	struct sb_snapshot snap;
	struct rvirt_error err;
	unsigned int workers = 0, idle = 0;
	uint64_t conns = 0;

	if (!sb || sb_snapshot(sb, &snap, &err) < 0) {
		snprintf(buf, size, "STATUS=serving");
		return;
	}
	for (unsigned int i = 0; i < snap.nslots; i++) {
		const struct sb_slot_info *si = &snap.slots[i];

		if (si->state == SB_STATE_EMPTY || si->state == SB_STATE_DEAD)
			continue;
		workers++;
		if (si->state == SB_STATE_IDLE && si->conns_open == 0)
			idle++;
		conns += si->conns_open;
	}
	sb_snapshot_release(&snap);
	snprintf(buf, size, "STATUS=%u workers (%u idle), %llu connections",
		 workers, idle, (unsigned long long)conns);
}

void
notify_ready(const struct sb *sb, bool new_main)
{
	char status[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 64];

	if (!notify_wanted())
		return;
	notify_status_line(sb, status, sizeof(status));
	if (new_main)
		snprintf(msg, sizeof(msg), "MAINPID=%ld\nREADY=1\n%s",
			 (long)getpid(), status);
	else
		snprintf(msg, sizeof(msg), "READY=1\n%s", status);
	notify_send(msg);
	memcpy(notify_last_status, status, sizeof(notify_last_status));
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	if (!notify_wanted())
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
			 (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void
notify_stopping(void)
{
	if (!notify_wanted())
		return;
	notify_send("STOPPING=1\nSTATUS=stopping");
}

void
notify_status(const struct sb *sb)
{
	char status[NOTIFY_STATUS_MAX];

	if (!notify_wanted())
		return;
	notify_status_line(sb, status, sizeof(status));
	if (strcmp(status, notify_last_status) == 0)
		return;
	notify_send(status);
	memcpy(notify_last_status, status, sizeof(notify_last_status));
}
