/* SPDX-License-Identifier: MIT */
/* sessdb: the session store, an LMDB environment of its own, unsynced, dropped after a host crash. */
#ifndef RVIRT_SERVER_SESSDB_H
#define RVIRT_SERVER_SESSDB_H

#include <stddef.h>
#include <stdint.h>

#include "../common/rvirt_defs.h"
#include "../store/store.h"

/*
 * Session records (STORE_SESSIONS) live in <state_dir>/sessions, an
 * LMDB environment opened with MDB_NOSYNC: a commit costs no fsync, a
 * crash of rvirtd loses nothing (page cache), and a power loss or
 * kernel crash may leave the environment corrupt, so it is deleted
 * after one (doc/sessions.md).  The main store keeps everything else,
 * recorded replies included, with store_sync's semantics.  Beside the
 * environment: "boot_id", the kernel's boot id when rvirtd last
 * started, and "clean", present while no rvirtd runs on it after a
 * clean stop.
 */

/* The session store's directory under state_dir. */
#define SESSDB_DIR "sessions"

/*
 * The file the boot id is read from, instead of the kernel's, when set
 * in the environment: for tests that simulate a reboot (rvirtd(8)).
 */
#define SESSDB_BOOT_ID_ENV "RVIRTD_TEST_BOOT_ID_FILE"

/*
 * In the master, before any worker starts: make the directory; when the
 * session store was not closed cleanly and the host booted since it was
 * last used, delete it (logged at warning: every session is gone); note
 * the boot id and take the clean mark away.  0, or -1 with *err.
 */
int sessdb_prepare(const char *state_dir, struct rvirt_error *err);

/* Flush the session store's data file to disk (the master's ticks). */
void sessdb_sync(const char *state_dir);

/*
 * In the master at a clean stop, after every process that writes to it
 * is gone: sync it and leave the clean mark.  Does nothing in a master
 * whose sessdb_prepare did not succeed.
 */
void sessdb_mark_clean(const char *state_dir);

/*
 * In a child after fork: open this process's session store (at most
 * one), clear reader slots of dead processes and, when main is not
 * NULL, move sessions an older rvirtd kept in the main store into it
 * (sessdb_migrate).  Returns the store, or NULL with *err.
 */
struct store *sessdb_open(const char *state_dir, size_t map_size,
			  struct store *main, struct rvirt_error *err);

/*
 * The id of this process's session store, which new cookies carry
 * (session_cookie_new); 0 when it opened none.
 */
uint32_t sessdb_store_id(void);

/* Close this process's session store, if it opened one. */
void sessdb_close(void);

/*
 * The store session records are in: this process's session store, or
 * main when it opened none (unit tests and fuzz targets with one
 * store, which keeps everything).
 */
struct store *sessdb_store(struct store *main);

/*
 * Move the session records of main's STORE_SESSIONS (the layout before
 * the session store) into sess: copied (a record sess already has is
 * kept), sess synced, then deleted from main in one synced commit.  A
 * crash in between leaves copies that the next run skips.  Returns how
 * many were moved, or -1 with *err.
 */
int sessdb_migrate(struct store *main, struct store *sess,
		   struct rvirt_error *err);

#endif
