/* SPDX-License-Identifier: MIT */
/* master_children: the master's helper children and the store's upkeep. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../store/journal.h"
#include "../store/store.h"
#include "child.h"
#include "exporter.h"
#include "master.h"
#include "master_int.h"
#include "sessdb.h"
#include "session.h"
#include "watcher.h"

static unsigned int
master_store_flags(const struct config *cfg)
{
	return cfg->store_sync == CONFIG_SYNC_RELAXED ? STORE_NOSYNC : 0;
}

static void
master_session_configure(const struct config *cfg)
{
	struct session_options so = {
		.ttl_s = cfg->session_ttl,
		.reply_ttl_s = cfg->reply_ttl,
		.max_replies = cfg->session_max_replies,
		.record_delay_ms = cfg->session_record_delay,
	};

	session_configure(&so);
}

/*
 * The start of every child the master forks: it dies with the master
 * (checking the parent after setting that closes the race with a
 * master that died in between), lets go of what is the master's alone,
 * and logs under its own pid.
 */
void
master_child_start(struct master *m, pid_t master_pid)
{
	char tag[32];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master_pid)
		_exit(0);
	close(m->sigfd);
	if (m->upgrade_rfd >= 0)
		close(m->upgrade_rfd);
	/* The pidfile lock is the master's alone. */
	if (m->mp->pidfile && m->mp->pidfile->fd >= 0)
		close(m->mp->pidfile->fd);
	if (m->notify_fd >= 0) {
		int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);

		close(m->notify_fd);
		/*
		 * Forked before the daemon was ready: stdout and stderr are
		 * still the launching command's, which must see its end of
		 * file when the master detaches (rvirtd 2>&1 | cat).
		 */
		if (nullfd >= 0) {
			dup2(nullfd, 1);
			dup2(nullfd, 2);
			if (nullfd > 2)
				close(nullfd);
		}
	}
	if (m->mp->upgrade_fd >= 0)
		close(m->mp->upgrade_fd);
	snprintf(tag, sizeof(tag), "rvirtd[%ld]", (long)getpid());
	log_set_tag(tag);
}

/* A child's own LMDB environment (one must never cross a fork). */
struct store *
master_child_store(const struct master *m, struct rvirt_error *err)
{
	struct store *store =
		store_open(m->cfg->state_dir, m->cfg->store_max_size,
			   master_store_flags(m->cfg), err);

	if (!store)
		return NULL;
	/* Sessions are in a store of their own (server/sessdb.c). */
	if (!sessdb_open(m->cfg->state_dir, m->cfg->store_max_size, store,
			 err)) {
		store_close(store);
		return NULL;
	}
	master_session_configure(m->cfg);
	return store;
}

/*
 * The start of a child that works on the store (the collector, the
 * watcher): master_child_start, TERM and INT ending it, HUP and USR2
 * ignored, every signal unblocked, and its own store (NULL with *err).
 */
static struct store *
master_store_child_start(struct master *m, pid_t master_pid,
			 struct rvirt_error *err)
{
	sigset_t set;

	master_child_start(m, master_pid);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	sigfillset(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	err_clear(err);
	return master_child_store(m, err);
}

/*
 * The collector: a child with its own LMDB environment (the master
 * never opens the store, so none crosses a fork), which removes expired
 * sessions and replies and exits.
 */
static void __attribute__((noreturn))
master_gc_main(void *arg, pid_t master_pid)
{
	struct master *m = arg;
	struct session_gc_stats stats;
	struct rvirt_error err;
	struct store *store;
	uint64_t trimmed = 0;
	int rc = 1;

	store = master_store_child_start(m, master_pid, &err);
	if (!store) {
		log_error("cannot collect expired sessions: %s", err.message);
		goto out;
	}
	if (session_gc(sessdb_store(store), store, (uint64_t)time(NULL), &stats,
		       &err) < 0) {
		log_error("cannot collect expired sessions: %s", err.message);
	} else {
		rc = 0;
		metrics_global_add(m->ex.mx, METRICS_G_GC_SESSIONS,
				   stats.sessions_expired);
		metrics_global_add(m->ex.mx, METRICS_G_GC_REPLIES,
				   stats.replies_expired);
		if (stats.sessions_expired || stats.replies_expired)
			log_info("collected %llu of %llu sessions and %llu of "
				 "%llu recorded replies",
				 (unsigned long long)stats.sessions_expired,
				 (unsigned long long)stats.sessions,
				 (unsigned long long)stats.replies_expired,
				 (unsigned long long)stats.replies);
	}
	if (rc == 0 && journal_gc(store, m->cfg->event_journal_max,
				  m->cfg->event_journal_max_age,
				  (uint64_t)time(NULL), &trimmed, &err) < 0) {
		log_error("cannot trim the event journal: %s", err.message);
		rc = 1;
	} else if (trimmed) {
		log_info("trimmed %llu events from the journal",
			 (unsigned long long)trimmed);
	}
	/* A relaxed store is synced by whoever wrote last. */
	if (rc == 0 && store_sync(store, &err) < 0)
		log_error("%s", err.message);
out:
	metrics_global_add(m->ex.mx,
			   rc ? METRICS_G_GC_FAILURES : METRICS_G_GC_RUNS, 1);
	sessdb_close();
	store_close(store);
	log_shutdown();
	_exit(rc);
}

/*
 * With store_sync = relaxed no commit is synced, and with full the
 * session records are not (doc/sessions.md): make what the workers
 * committed durable now.  LMDB writes through write(2), so syncing the
 * data file from any descriptor flushes it; the master need not (and
 * must not, across its forks) open the environment.
 */
void
master_store_sync(struct master *m)
{
	char path[CONFIG_PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/data.mdb", m->cfg->state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("cannot sync the store '%s': %s", path,
				 strerror(errno));
		return;
	}
	if (fdatasync(fd) < 0)
		log_warn("cannot sync the store '%s': %s", path,
			 strerror(errno));
	close(fd);
}

/* The domain watcher: a child like the collector, for as long as we run. */
static void __attribute__((noreturn))
master_watcher_main(void *arg, pid_t master_pid)
{
	struct master *m = arg;
	struct rvirt_error err;
	struct store *store;
	int rc = 1;

	store = master_store_child_start(m, master_pid, &err);
	if (!store)
		log_error("cannot watch domains: %s", err.message);
	else
		rc = watcher_main(store, m->sb);
	sessdb_close();
	store_close(store);
	log_shutdown();
	_exit(rc);
}

/* Once a tick: the relaxed sync, and a collector when one is due. */
void
master_store_upkeep(struct master *m, uint64_t now)
{
	const struct config *cfg = m->cfg;

	if (!m->stopping && child_due(&m->watcher, now))
		child_start(&m->watcher, master_watcher_main, m, now);
	if (now >= m->next_sync_ms) {
		m->next_sync_ms =
			now + (uint64_t)cfg->store_sync_interval * 1000;
		master_store_sync(m);
		sessdb_sync(cfg->state_dir);
	}
	if (!child_due(&m->gc, now))
		return;
	/* Its interval may have changed with a reload. */
	m->gc.period_ms = (uint64_t)cfg->store_gc_interval * 1000;
	child_start(&m->gc, master_gc_main, m, now);
}

/* The metrics child: a child like the collector, restarted with back-off. */
static void __attribute__((noreturn))
master_exporter_main(void *arg, pid_t master_pid)
{
	struct master *m = arg;

	master_child_start(m, master_pid);
	exporter_child_main(&m->ex, m->sb, m->cfg);
}

/* Start the metrics child when one is due (see exporter_due). */
void
master_exporter_spawn(struct master *m)
{
	uint64_t now = master_now_ms();

	if (m->stopping || !exporter_due(&m->ex, now))
		return;
	if (child_start(&m->ex.child, master_exporter_main, m, now) == 0)
		exporter_started(&m->ex);
}
