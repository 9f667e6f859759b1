/* SPDX-License-Identifier: MIT */
/* keepalive: the thread that pings an idle connection (doc/sessions.md). */
#ifndef RVIRT_CLIENT_KEEPALIVE_H
#define RVIRT_CLIENT_KEEPALIVE_H

#include "rvirt.h"

struct keepalive;

/*
 * A thread for conn (borrowed until keepalive_stop) that calls
 * conn_keepalive_tick whenever it asks to, with every signal blocked
 * (a SIGINT goes to the application's threads).  The thread starts a
 * second later, from the process's one timer thread (made on the first
 * call), so that a connection closed sooner costs no thread.  NULL
 * with *err.
 */
struct keepalive *keepalive_start(struct rvirt_conn *conn,
				  struct rvirt_error *err);

/* End the thread and free ka.  NULL is a no-op. */
void keepalive_stop(struct keepalive *ka);

#endif
