/* SPDX-License-Identifier: MIT */
/* notify: the systemd notify protocol of the master (sd_notify(3)). */
#ifndef RVIRT_SERVER_NOTIFY_H
#define RVIRT_SERVER_NOTIFY_H

#include <stdbool.h>

struct sb;

/*
 * Each sends one datagram to $NOTIFY_SOCKET and does nothing when it is
 * unset (not under systemd, or Type= other than notify).  Failures are
 * logged at debug level only: the daemon serves whether systemd hears
 * or not.  Master only.
 */

/*
 * Serving: READY=1 and a STATUS line from the scoreboard; with
 * new_main (the new master of a USR2 upgrade) MAINPID=<this pid> first,
 * so that systemd follows the new master (NotifyAccess=all).
 */
void notify_ready(const struct sb *sb, bool new_main);

/* HUP begins: RELOADING=1 with MONOTONIC_USEC (sd_notify(3)). */
void notify_reloading(void);

/* TERM or INT: STOPPING=1. */
void notify_stopping(void);

/* STATUS=... when it changed since the last one sent. */
void notify_status(const struct sb *sb);

#endif
