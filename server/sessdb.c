/* SPDX-License-Identifier: MIT */
/* sessdb: the session store, an LMDB environment of its own, unsynced, dropped after a host crash. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/uuid.h"
#include "sessdb.h"

#define SESSDB_PATH_MAX 4096
#define SESSDB_BOOT_ID_MAX 64
#define SESSDB_KERNEL_BOOT_ID "/proc/sys/kernel/random/boot_id"

/* This process's session store (sessdb_open), and who opened it. */
static struct store *sessdb_st;
static pid_t sessdb_pid;
/* Its id (sessdb_store_id), read or made when it was opened. */
static uint32_t sessdb_id;

/* The STORE_META key of the session store's id. */
#define SESSDB_ID_KEY "session_store_id"

/* Whether this master prepared the session store (and may mark it). */
static bool sessdb_prepared;

/* path = state_dir/sessions[/name]; 0, or -1 when it does not fit. */
static int
sessdb_path(char *path, const char *state_dir, const char *name)
{
	int n = snprintf(path, SESSDB_PATH_MAX, "%s/%s%s%s", state_dir,
			 SESSDB_DIR, name ? "/" : "", name ? name : "");

	return n > 0 && n < SESSDB_PATH_MAX ? 0 : -1;
}

/* The first line of file into buf ("" when it is missing or empty). */
static void
sessdb_read_line(const char *file, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* fsync a directory, so that names made or removed in it are durable. */
static int
sessdb_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write text to file durably (a temporary file, fsync, rename). */
static int
sessdb_write_file(const char *file, const char *text)
{
	char tmp[SESSDB_PATH_MAX + 8];
	size_t len = strlen(text);
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
		rc = 0;
	close(fd);
	if (rc == 0)
		rc = rename(tmp, file);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Delete the environment's files: the sessions are gone. */
static int
sessdb_drop(const char *state_dir, struct rvirt_error *err)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char path[SESSDB_PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (sessdb_path(path, state_dir, files[i]) < 0)
			continue;
		if (unlink(path) < 0 && errno != ENOENT) {
			err_set_errno(
				err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, errno,
				"cannot delete the session store '%s'", path);
			return -1;
		}
	}
	return 0;
}

int
sessdb_prepare(const char *state_dir, struct rvirt_error *err)
{
	char dir[SESSDB_PATH_MAX], data[SESSDB_PATH_MAX];
	char idfile[SESSDB_PATH_MAX], clean[SESSDB_PATH_MAX];
	char now[SESSDB_BOOT_ID_MAX], then[SESSDB_BOOT_ID_MAX];
	const char *source = getenv(SESSDB_BOOT_ID_ENV);

	if (sessdb_path(dir, state_dir, NULL) < 0 ||
	    sessdb_path(data, state_dir, "data.mdb") < 0 ||
	    sessdb_path(idfile, state_dir, "boot_id") < 0 ||
	    sessdb_path(clean, state_dir, "clean") < 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"cannot open the session store in '%s': path too "
			"long",
			state_dir);
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set_errno(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, errno,
			      "cannot make the session store '%s'", dir);
		return -1;
	}
	if (!source || !*source)
		source = SESSDB_KERNEL_BOOT_ID;
	sessdb_read_line(source, now, sizeof(now));
	if (!now[0]) {
		err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
			"cannot open the session store '%s': cannot read the "
			"boot id from '%s'",
			dir, source);
		return -1;
	}
	sessdb_read_line(idfile, then, sizeof(then));
	/*
	 * Not closed cleanly, and the host booted since: unsynced commits
	 * may have been half written when it went down, so nothing in the
	 * environment can be trusted.  A crash of rvirtd alone (same boot)
	 * keeps it: its commits are in the page cache.
	 */
	if (access(data, F_OK) == 0 && access(clean, F_OK) < 0 &&
	    strcmp(now, then) != 0) {
		if (sessdb_drop(state_dir, err) < 0)
			return -1;
		log_warn("dropped every session in '%s': the host went down "
			 "without a clean stop of rvirtd (boot id '%s', now "
			 "'%s'); clients must open new connections",
			 dir, then[0] ? then : "unknown", now);
	}
	if (strcmp(now, then) != 0 && sessdb_write_file(idfile, now) < 0) {
		err_set_errno(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, errno,
			      "cannot write '%s'", idfile);
		return -1;
	}
	/* Gone for good before any unsynced commit can happen. */
	if ((unlink(clean) < 0 && errno != ENOENT) ||
	    sessdb_sync_dir(dir) < 0) {
		err_set_errno(err, RVIRT_ERR_STORE, RVIRT_FROM_STORE, errno,
			      "cannot remove the clean mark '%s'", clean);
		return -1;
	}
	sessdb_prepared = true;
	return 0;
}

void
sessdb_sync(const char *state_dir)
{
	char path[SESSDB_PATH_MAX];
	int fd;

	if (sessdb_path(path, state_dir, "data.mdb") < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("cannot sync the session store '%s': %s", path,
				 strerror(errno));
		return;
	}
	if (fdatasync(fd) < 0)
		log_warn("cannot sync the session store '%s': %s", path,
			 strerror(errno));
	close(fd);
}

void
sessdb_mark_clean(const char *state_dir)
{
	char dir[SESSDB_PATH_MAX], clean[SESSDB_PATH_MAX];

	/* A master that failed before it looked must not bless it. */
	if (!sessdb_prepared || sessdb_path(dir, state_dir, NULL) < 0 ||
	    sessdb_path(clean, state_dir, "clean") < 0)
		return;
	sessdb_sync(state_dir);
	if (sessdb_write_file(clean, "clean\n") < 0 || sessdb_sync_dir(dir) < 0)
		log_warn("cannot mark the session store '%s' as closed "
			 "cleanly: %s; its sessions are dropped if the host "
			 "reboots before rvirtd starts again",
			 dir, strerror(errno));
}

/*
 * The id of st, made (random, not 0) by the first process that opens
 * a new session store: every worker's cookies carry it, and a store
 * made again after a host crash gets another.  0 on failure, with *err.
 */
static uint32_t
sessdb_load_id(struct store *st, struct rvirt_error *err)
{
	struct store_txn *txn = store_txn_begin(st, true, err);
	unsigned char buf[4];
	const void *val;
	size_t vlen;
	uint32_t id = 0;
	int r;

	if (!txn)
		return 0;
	r = store_get(txn, STORE_META, SESSDB_ID_KEY, strlen(SESSDB_ID_KEY),
		      &val, &vlen, err);
	if (r > 0 && vlen == sizeof(buf)) {
		memcpy(buf, val, sizeof(buf));
		store_txn_abort(txn);
		return (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
		       (uint32_t)buf[2] << 8 | buf[3];
	}
	if (r < 0) {
		store_txn_abort(txn);
		return 0;
	}
	while (id == 0)
		if (random_bytes(&id, sizeof(id)) < 0) {
			store_txn_abort(txn);
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"cannot make the session store's id: no "
				"random bytes");
			return 0;
		}
	for (int i = 0; i < 4; i++)
		buf[i] = (unsigned char)(id >> (24 - 8 * i));
	if (store_put(txn, STORE_META, SESSDB_ID_KEY, strlen(SESSDB_ID_KEY),
		      buf, sizeof(buf), err) < 0) {
		store_txn_abort(txn);
		return 0;
	}
	return store_txn_commit_lazy(txn, err) < 0 ? 0 : id;
}

uint32_t
sessdb_store_id(void)
{
	return sessdb_st && sessdb_pid == getpid() ? sessdb_id : 0;
}

struct store *
sessdb_open(const char *state_dir, size_t map_size, struct store *main,
	    struct rvirt_error *err)
{
	char dir[SESSDB_PATH_MAX];
	struct store *st;

	if (sessdb_st && sessdb_pid == getpid()) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_STORE,
			"cannot open the session store: it is open already");
		return NULL;
	}
	if (sessdb_path(dir, state_dir, NULL) < 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_SERVER,
			"cannot open the session store in '%s': path too "
			"long",
			state_dir);
		return NULL;
	}
	st = store_open(dir, map_size, STORE_NOSYNC, err);
	if (!st)
		return NULL;
	store_reader_check(st);
	if (main) {
		int n = sessdb_migrate(main, st, err);

		if (n < 0) {
			store_close(st);
			return NULL;
		}
		if (n > 0)
			log_info("moved %d sessions from the store into the "
				 "session store '%s'",
				 n, dir);
	}
	sessdb_id = sessdb_load_id(st, err);
	if (!sessdb_id) {
		store_close(st);
		return NULL;
	}
	sessdb_st = st;
	sessdb_pid = getpid();
	return st;
}

void
sessdb_close(void)
{
	if (!sessdb_st || sessdb_pid != getpid())
		return;
	store_close(sessdb_st);
	sessdb_st = NULL;
}

struct store *
sessdb_store(struct store *main)
{
	return sessdb_st && sessdb_pid == getpid() ? sessdb_st : main;
}

/* A walk's copy of the old layout's records into the session store. */
struct sessdb_move {
	struct store_txn *to;
	unsigned char (*key)[RVIRT_COOKIE_LEN];
	size_t n, cap;
};

static int
sessdb_move_one(const void *key, size_t klen, const void *val, size_t vlen,
		void *opaque, struct rvirt_error *err)
{
	struct sessdb_move *mv = opaque;
	const void *old;
	size_t olen;
	int r;

	if (klen != RVIRT_COOKIE_LEN)
		return 0;
	if (mv->n == mv->cap) {
		size_t cap = mv->cap ? mv->cap * 2 : 64;
		void *p = realloc(mv->key, cap * sizeof(*mv->key));

		if (!p) {
			err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
				"cannot move the sessions: out of memory");
			return -1;
		}
		mv->key = p;
		mv->cap = cap;
	}
	memcpy(mv->key[mv->n++], key, RVIRT_COOKIE_LEN);
	/* A copy made by a run that died before its delete is newer. */
	r = store_get(mv->to, STORE_SESSIONS, key, klen, &old, &olen, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return store_put(mv->to, STORE_SESSIONS, key, klen, val, vlen, err);
}

/* Stops a walk at its first entry: there is one. */
static int
sessdb_found(const void *key, size_t klen, const void *val, size_t vlen,
	     void *opaque, struct rvirt_error *err)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	(void)err;
	*(bool *)opaque = true;
	return 1;
}

int
sessdb_migrate(struct store *main, struct store *sess, struct rvirt_error *err)
{
	struct sessdb_move mv = { 0 };
	struct store_txn *from;
	bool any = false;
	int rc;

	if (main == sess)
		return 0;
	/*
	 * Almost always nothing to move: look with a read transaction,
	 * so that a worker starting while a long mutating call holds the
	 * write lock does not wait for it.
	 */
	from = store_txn_begin(main, false, err);
	if (!from)
		return -1;
	rc = store_foreach(from, STORE_SESSIONS, NULL, 0, sessdb_found, &any,
			   err);
	store_txn_abort(from);
	if (rc < 0 || !any)
		return rc;
	rc = -1;
	/* The main store's write lock: one process moves them. */
	from = store_txn_begin(main, true, err);
	if (!from)
		return -1;
	mv.to = store_txn_begin(sess, true, err);
	if (!mv.to)
		goto out;
	if (store_foreach(from, STORE_SESSIONS, NULL, 0, sessdb_move_one, &mv,
			  err) < 0) {
		store_txn_abort(mv.to);
		goto out;
	}
	if (mv.n == 0) {
		store_txn_abort(mv.to);
		rc = 0;
		goto out;
	}
	if (store_txn_commit(mv.to, err) < 0 || store_sync(sess, err) < 0)
		goto out;
	for (size_t i = 0; i < mv.n; i++)
		if (store_del(from, STORE_SESSIONS, mv.key[i], RVIRT_COOKIE_LEN,
			      err) < 0)
			goto out;
	rc = store_txn_commit(from, err);
	from = NULL;
	if (rc == 0)
		rc = (int)mv.n;
out:
	store_txn_abort(from);
	free(mv.key);
	return rc;
}
