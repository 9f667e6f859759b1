/* SPDX-License-Identifier: MIT */
/* watcher: the master's child that notices domain processes ending. */
#ifndef RVIRT_SERVER_WATCHER_H
#define RVIRT_SERVER_WATCHER_H

#include "../scoreboard/scoreboard.h"
#include "../store/store.h"

/*
 * Watch the processes of the running domains of every driver (pidfds
 * from pidfd_open, checked against their start time) and journal, within
 * a moment of its end, each domain whose process ended on its own as
 * stopped, crashed, with its wait status when it can still be read.
 * New domains are picked up by a look at the store once a second.
 * st is the child's own store; sb (may be NULL) gets the events
 * published.  Returns only on an error that stops watching (1).
 */
int watcher_main(struct store *st, struct sb *sb);

#endif
