/* SPDX-License-Identifier: MIT */
/* auth_first: which plain tcp daemons take CONNECT_OPEN before AUTH_LIST. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"

/*
 * CONNECT_OPEN names the hypervisor URI.  On a unix socket or through
 * ssh it may go before AUTH_LIST: nobody else sees it, and a daemon that
 * wants SASL answers AUTH_REQUIRED.  (An ext command may carry it
 * anywhere: there AUTH_LIST always comes first.)  On plain tcp it
 * would cross the network in clear text ahead of a SASL security layer,
 * so it goes first only to a daemon that answered AUTH_LIST with "none"
 * the last time this process asked it: one that sees everything in
 * clear text anyway.  A daemon reconfigured to SASL since then refuses
 * the open, auth_conn asks again, and its answer replaces the entry.
 */
#define AUTH_FIRST_MAX 16
#define AUTH_FIRST_KEY 300

static pthread_mutex_t auth_first_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t auth_first_once = PTHREAD_ONCE_INIT;
static char auth_first_keys[AUTH_FIRST_MAX][AUTH_FIRST_KEY];
static unsigned int auth_first_next; /* the entry replaced next */

/* A child after fork may find the lock held by a thread it lacks. */
static void
auth_first_atfork_child(void)
{
	pthread_mutex_init(&auth_first_lock, NULL);
}

static void
auth_first_init(void)
{
	pthread_atfork(NULL, NULL, auth_first_atfork_child);
}

static void
auth_first_key(char *key, const char *host, int port)
{
	snprintf(key, AUTH_FIRST_KEY, "%s:%d", host, port);
}

/* The entry of key, or -1.  Under the lock. */
static int
auth_first_find(const char *key)
{
	for (int i = 0; i < AUTH_FIRST_MAX; i++)
		if (strcmp(auth_first_keys[i], key) == 0)
			return i;
	return -1;
}

bool
auth_first_tcp_known(const char *host, int port)
{
	char key[AUTH_FIRST_KEY];
	bool known;

	pthread_once(&auth_first_once, auth_first_init);
	auth_first_key(key, host, port);
	pthread_mutex_lock(&auth_first_lock);
	known = auth_first_find(key) >= 0;
	pthread_mutex_unlock(&auth_first_lock);
	return known;
}

void
auth_first_tcp_note(const char *host, int port, bool offers_none)
{
	char key[AUTH_FIRST_KEY];
	int i;

	pthread_once(&auth_first_once, auth_first_init);
	auth_first_key(key, host, port);
	pthread_mutex_lock(&auth_first_lock);
	i = auth_first_find(key);
	if (offers_none && i < 0) {
		i = (int)(auth_first_next++ % AUTH_FIRST_MAX);
		snprintf(auth_first_keys[i], AUTH_FIRST_KEY, "%s", key);
	} else if (!offers_none && i >= 0) {
		auth_first_keys[i][0] = '\0';
	}
	pthread_mutex_unlock(&auth_first_lock);
}
