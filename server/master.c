/* SPDX-License-Identifier: MIT */
/* master: the prefork master: a pool of workers, signals, upgrades. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/scoreboard.h"
#include "../store/journal.h"
#include "../store/store.h"
#include "auth.h"
#include "child.h"
#include "exporter.h"
#include "master.h"
#include "notify.h"
#include "pool.h"
#include "session.h"
#include "watcher.h"
#include "worker.h"

/* The pool is looked at once a second. */
#define MASTER_TICK_MS 1000
/* Spawns per tick double while short of idle workers, up to this. */
#define MASTER_SPAWN_RATE_MAX 32
/* A worker dying sooner than this after its start counts for back-off. */
#define MASTER_EARLY_DEATH_MS 5000
#define MASTER_BACKOFF_MIN_MS 100
#define MASTER_BACKOFF_MAX_MS 10000
/* Slots beyond max_workers: old-generation workers draining, reloads. */
#define MASTER_SLOTS_EXTRA 16
/* First fd of the sockets passed to a new master (LISTEN_FDS). */
#define MASTER_LISTEN_FDS_START 3

struct master_worker {
	pid_t pid; /* 0: slot not ours */
	uint64_t generation;
	uint64_t start_ms;
	bool retiring;		   /* told to stop gracefully */
	struct pool_sample sample; /* its busy time, each tick (pool.c) */
};

/* What the pool looked like at the last tick that logged it. */
struct master_pool_view {
	unsigned int total, idle;
	uint64_t conns;
};

struct master {
	const struct master_params *mp;
	struct config *cfg;
	struct sb *sb;
	char sb_path[CONFIG_PATH_MAX + 32];
	struct master_worker *workers; /* indexed by scoreboard slot */
	unsigned int nslots;
	uint64_t generation;
	int sigfd;
	unsigned int spawn_rate;
	uint64_t backoff_ms;
	uint64_t next_spawn_ms; /* no spawn before (back-off) */
	bool pool_kick;		/* a worker asked for more (SIGUSR1) */
	uint64_t next_tick_ms;
	bool ready;
	bool stopping;
	bool handed_over;
	/* A USR2 upgrade in flight. */
	pid_t upgrade_pid;
	int upgrade_rfd;
	uint64_t upgrade_deadline_ms;
	/* Startup: the first worker that failed. */
	bool start_failed;
	/* The launcher's readiness pipe until ready (daemon mode), else -1. */
	int notify_fd;
	/* The store's upkeep: a collector child, and syncs when relaxed. */
	struct child gc;
	uint64_t next_sync_ms;
	/* The counters' file and the metrics child (server/exporter.c). */
	struct exporter ex;
	/* The domain watcher child (server/watcher.c), restarted if it dies. */
	struct child watcher;
};

static uint64_t
master_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
master_print_ready(const struct listen_set *ls, const struct exporter *ex)
{
	const struct listener *rw = listen_find(ls, LISTEN_UNIX_RW);
	const struct listener *ro = listen_find(ls, LISTEN_UNIX_RO);
	const struct listener *tcp = listen_find(ls, LISTEN_TCP);
	const struct listener *tls = listen_find(ls, LISTEN_TLS);

	fprintf(stderr, "rvirtd[%ld]: ready unix=%s unix_ro=%s%s%s%s%s%s%s\n",
		(long)getpid(), rw ? rw->name : "-", ro ? ro->name : "-",
		tcp ? " tcp=" : "", tcp ? tcp->name : "", tls ? " tls=" : "",
		tls ? tls->name : "", ex->listen_fd >= 0 ? " metrics=" : "",
		ex->listen_fd >= 0 ? ex->name : "");
	fflush(stderr);
}

/* In a new worker: never returns. */
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
	};

	session_configure(&so);
}

/*
 * The start of every child the master forks: it dies with the master
 * (checking the parent after setting that closes the race with a
 * master that died in between), lets go of what is the master's alone,
 * and logs under its own pid.
 */
static void
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
static struct store *
master_child_store(const struct master *m, struct rvirt_error *err)
{
	struct store *store =
		store_open(m->cfg->state_dir, m->cfg->store_max_size,
			   master_store_flags(m->cfg), err);

	if (store)
		master_session_configure(m->cfg);
	return store;
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
	sigset_t set;
	int rc = 1;

	master_child_start(m, master_pid);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	sigfillset(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	err_clear(&err);
	store = master_child_store(m, &err);
	if (!store) {
		log_error("cannot collect expired sessions: %s", err.message);
		goto out;
	}
	if (session_gc(store, (uint64_t)time(NULL), &stats, &err) < 0) {
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
static void
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
	sigset_t set;
	int rc = 1;

	master_child_start(m, master_pid);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	sigfillset(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	err_clear(&err);
	store = master_child_store(m, &err);
	if (!store)
		log_error("cannot watch domains: %s", err.message);
	else
		rc = watcher_main(store, m->sb);
	store_close(store);
	log_shutdown();
	_exit(rc);
}

/* Once a tick: the relaxed sync, and a collector when one is due. */
static void
master_store_upkeep(struct master *m, uint64_t now)
{
	const struct config *cfg = m->cfg;

	if (!m->stopping && child_due(&m->watcher, now))
		child_start(&m->watcher, master_watcher_main, m, now);
	if (now >= m->next_sync_ms) {
		m->next_sync_ms =
			now + (uint64_t)cfg->store_sync_interval * 1000;
		master_store_sync(m);
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
static void
master_exporter_spawn(struct master *m)
{
	uint64_t now = master_now_ms();

	if (m->stopping || !exporter_due(&m->ex, now))
		return;
	if (child_start(&m->ex.child, master_exporter_main, m, now) == 0)
		exporter_started(&m->ex);
}

static void __attribute__((noreturn))
master_worker_main(struct master *m, int slot, pid_t master_pid)
{
	struct worker_params wp = { .cfg = m->cfg, .ls = m->mp->ls };
	struct rvirt_error err;
	struct store *store;
	sigset_t set;
	int rc = 1;

	/*
	 * The master's death (a crash, SIGKILL) stops the worker like a
	 * TERM would (master_child_start): the call in hand is finished
	 * first.  A USR2 hand-over stops its workers itself.
	 */
	master_child_start(m, master_pid);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sb_slot_set_pid(m->sb, slot, getpid());
	exporter_worker_bind(&m->ex, m->cfg, slot);

	err_clear(&err);
	store = master_child_store(m, &err);
	if (!store) {
		fprintf(stderr, "rvirtd: %s\n", err.message);
		log_error("%s", err.message);
		goto out;
	}
	/* Reader slots of dead workers; the master cannot open the store. */
	store_reader_check(store);
	wp.store = store;
	wp.sb = m->sb;
	wp.sb_slot = slot;
	wp.master_pid = master_pid;
	if (worker_run(&wp, &err) < 0) {
		log_error("%s", err.message);
		goto out;
	}
	rc = 0;
out:
	store_close(store);
	log_shutdown();
	_exit(rc);
}

/* Fork one worker of the current generation.  0, or -1 (logged). */
static int
master_spawn(struct master *m)
{
	pid_t master_pid = getpid(), pid;
	int slot;

	slot = sb_slot_claim(m->sb, 0, m->generation);
	if (slot < 0 || (unsigned int)slot >= m->nslots) {
		log_error("cannot start a worker: all %u scoreboard slots are "
			  "taken",
			  m->nslots);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("cannot start a worker: %s", strerror(errno));
		sb_slot_release(m->sb, slot);
		return -1;
	}
	if (pid == 0)
		master_worker_main(m, slot, master_pid);
	m->workers[slot].pid = pid;
	m->workers[slot].generation = m->generation;
	m->workers[slot].start_ms = master_now_ms();
	m->workers[slot].retiring = false;
	memset(&m->workers[slot].sample, 0, sizeof(m->workers[slot].sample));
	log_debug("worker %ld started in slot %d, generation %llu", (long)pid,
		  slot, (unsigned long long)m->generation);
	return 0;
}

static void
master_retire(struct master *m, int slot, const char *why)
{
	struct master_worker *mw = &m->workers[slot];

	if (!mw->pid || mw->retiring)
		return;
	log_debug("retiring worker %ld: %s", (long)mw->pid, why);
	mw->retiring = true;
	kill(mw->pid, SIGTERM);
}

static unsigned int
master_live(const struct master *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid)
			n++;
	return n;
}

/* Collect every exited child.  Returns how many workers were reaped. */

/*
 * A new master of a failed upgrade wrote its pid into the pidfile (the
 * file and its lock are shared): put this master's pid back.
 */
static void
master_pidfile_restore(struct master *m)
{
	const struct daemon_pidfile *pf = m->mp->pidfile;
	char buf[32];
	int len;

	if (!pf || pf->fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) < 0 ||
	    pwrite(pf->fd, buf, (size_t)len, 0) != len)
		log_error("cannot restore pidfile '%s': %s", pf->path,
			  strerror(errno));
}

static unsigned int
master_reap(struct master *m)
{
	unsigned int reaped = 0;
	int status;
	pid_t pid;

	for (unsigned int guard = 0; guard < 4 * SB_SLOTS_MAX; guard++) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (exporter_reaped(&m->ex, pid, status, master_now_ms()))
			continue;
		if (child_reaped(&m->watcher, pid, status, master_now_ms())) {
			if (!m->stopping)
				log_warn("the domain watcher exited; starting "
					 "another");
			continue;
		}
		if (child_reaped(&m->gc, pid, status, master_now_ms())) {
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				log_warn("the session collector failed");
			continue;
		}
		if (pid == m->upgrade_pid) {
			m->upgrade_pid = 0;
			if (!m->handed_over) {
				if (WIFSIGNALED(status))
					log_error("upgrade failed: the new "
						  "master was killed by "
						  "signal %d",
						  WTERMSIG(status));
				else
					log_error("upgrade failed: the new "
						  "master exited with status "
						  "%d before it was ready",
						  WEXITSTATUS(status));
				if (m->upgrade_rfd >= 0)
					close(m->upgrade_rfd);
				m->upgrade_rfd = -1;
				master_pidfile_restore(m);
			}
			continue;
		}
		for (unsigned int i = 0; i < m->nslots; i++) {
			struct master_worker *mw = &m->workers[i];
			bool crash, early;

			if (mw->pid != pid)
				continue;
			crash = WIFSIGNALED(status) ||
				(WIFEXITED(status) && WEXITSTATUS(status));
			early = master_now_ms() - mw->start_ms <
				MASTER_EARLY_DEATH_MS;
			if (crash) {
				sb_global_add(m->sb, SB_TOTAL_CRASHES, 1);
				if (WIFSIGNALED(status))
					log_warn("worker %ld killed by signal "
						 "%d",
						 (long)pid, WTERMSIG(status));
				else
					log_warn("worker %ld exited with "
						 "status %d",
						 (long)pid,
						 WEXITSTATUS(status));
				if (!m->ready)
					m->start_failed = true;
			} else {
				log_debug("worker %ld exited", (long)pid);
			}
			if (crash && early) {
				m->backoff_ms = m->backoff_ms
							? m->backoff_ms * 2
							: MASTER_BACKOFF_MIN_MS;
				if (m->backoff_ms > MASTER_BACKOFF_MAX_MS)
					m->backoff_ms = MASTER_BACKOFF_MAX_MS;
				m->next_spawn_ms =
					master_now_ms() + m->backoff_ms;
				log_warn("workers die soon after their start: "
					 "next one in %llu ms",
					 (unsigned long long)m->backoff_ms);
			} else if (!early) {
				m->backoff_ms = 0;
			}
			/* Its counts go on in the totals. */
			metrics_slot_fold(m->ex.mx, (int)i, !crash);
			sb_slot_release(m->sb, (int)i);
			mw->pid = 0;
			reaped++;
			break;
		}
	}
	return reaped;
}

/*
 * Keep the pool in shape.  Idle (spare) means: a current-generation
 * worker, not retiring, that pool_worker_idle counts as spare: starting,
 * or awake less than POOL_BUSY_PCT of the last tick, whatever
 * connections it holds.  Only spare workers without a connection are
 * retired.
 */
static void
master_maintain(struct master *m, bool tick)
{
	const struct config *cfg = m->cfg;
	struct sb_snapshot snap;
	struct rvirt_error err;
	unsigned int idle = 0, total = 0, want, n;
	int idle_slot = -1;
	uint64_t now = master_now_ms(), conns = 0;
	static struct master_pool_view seen;
	/* The connections a worker holds at most (worker.c). */
	uint64_t cap = cfg->max_clients < cfg->max_clients_per_worker
			       ? cfg->max_clients
			       : cfg->max_clients_per_worker;

	if (tick)
		m->next_tick_ms = now + MASTER_TICK_MS;
	if (m->stopping)
		return;
	if (tick && m->ready) {
		master_store_upkeep(m, now);
		notify_status(m->sb);
	}
	if (tick)
		master_exporter_spawn(m);
	if (sb_snapshot(m->sb, &snap, &err) < 0) {
		log_error("cannot read the scoreboard: %s", err.message);
		return;
	}
	for (unsigned int i = 0; i < m->nslots && i < snap.nslots; i++) {
		struct master_worker *mw = &m->workers[i];
		const struct sb_slot_info *si = &snap.slots[i];

		if (!mw->pid || mw->retiring || mw->generation != m->generation)
			continue;
		if (tick)
			pool_sample_update(&mw->sample, si, snap.now_mono_ns);
		total++;
		conns += si->conns_open;
		if (pool_worker_idle(si, &mw->sample, cap)) {
			idle++;
			if (pool_worker_retirable(si, &mw->sample, cap))
				idle_slot = (int)i;
		}
	}
	sb_snapshot_release(&snap);
	if (tick &&
	    (seen.total != total || seen.idle != idle || seen.conns != conns)) {
		log_debug("pool: %u workers, %u spare, %llu connections", total,
			  idle, (unsigned long long)conns);
		seen = (struct master_pool_view){ total, idle, conns };
	}

	want = cfg->min_spare_workers ? cfg->min_spare_workers : 1;
	if (total == 0 && want < 1)
		want = 1;
	if (idle < want && total < cfg->max_workers) {
		if (now < m->next_spawn_ms)
			return;
		/* Short now means busier soon: the rate, not the gap. */
		n = m->spawn_rate;
		if (!tick && n > want - idle)
			n = want - idle;
		if (n > cfg->max_workers - total)
			n = cfg->max_workers - total;
		for (unsigned int i = 0; i < n; i++)
			if (master_spawn(m) < 0)
				break;
		if (tick && m->spawn_rate < MASTER_SPAWN_RATE_MAX)
			m->spawn_rate *= 2;
		return;
	}
	if (tick)
		m->spawn_rate = 1;
	if (tick && idle > cfg->max_spare_workers && idle_slot >= 0)
		master_retire(m, idle_slot,
			      "more idle workers than "
			      "max_spare_workers");
}

/* Whether a current worker is IDLE in the scoreboard. */
static bool
master_any_idle(struct master *m)
{
	struct sb_snapshot snap;
	struct rvirt_error err;
	bool any = false;

	if (sb_snapshot(m->sb, &snap, &err) < 0)
		return false;
	for (unsigned int i = 0; i < snap.nslots && i < m->nslots; i++)
		if (m->workers[i].pid && snap.slots[i].state == SB_STATE_IDLE)
			any = true;
	sb_snapshot_release(&snap);
	return any;
}

/* Keys that the running listeners or directories depend on. */
static void
master_keep_restart_keys(struct config *nc, const struct config *old)
{
#define KEEP(k, same)                                                     \
	do {                                                              \
		if (!(same)) {                                            \
			log_warn("reload: '%s' needs a restart; keeping " \
				 "the running value",                     \
				 #k);                                     \
		}                                                         \
	} while (0)
	KEEP(listen_tcp, nc->listen_tcp == old->listen_tcp);
	KEEP(listen_addr, strcmp(nc->listen_addr, old->listen_addr) == 0);
	KEEP(tcp_port, nc->tcp_port == old->tcp_port);
	KEEP(listen_tls, nc->listen_tls == old->listen_tls);
	KEEP(tls_port, nc->tls_port == old->tls_port);
	KEEP(unix_sock_dir, strcmp(nc->unix_sock_dir, old->unix_sock_dir) == 0);
	KEEP(unix_sock_ro_perms,
	     nc->unix_sock_ro_perms == old->unix_sock_ro_perms);
	KEEP(unix_sock_rw_perms,
	     nc->unix_sock_rw_perms == old->unix_sock_rw_perms);
	KEEP(unix_sock_group,
	     strcmp(nc->unix_sock_group, old->unix_sock_group) == 0);
	KEEP(state_dir, strcmp(nc->state_dir, old->state_dir) == 0);
	KEEP(runtime_dir, strcmp(nc->runtime_dir, old->runtime_dir) == 0);
	KEEP(log_level, nc->log_level == old->log_level);
	KEEP(log_outputs, strcmp(nc->log_outputs, old->log_outputs) == 0);
	KEEP(metrics_listen,
	     strcmp(nc->metrics_listen, old->metrics_listen) == 0);
#undef KEEP
	nc->listen_tcp = old->listen_tcp;
	memcpy(nc->listen_addr, old->listen_addr, sizeof(nc->listen_addr));
	nc->tcp_port = old->tcp_port;
	nc->listen_tls = old->listen_tls;
	nc->tls_port = old->tls_port;
	memcpy(nc->unix_sock_dir, old->unix_sock_dir,
	       sizeof(nc->unix_sock_dir));
	nc->unix_sock_ro_perms = old->unix_sock_ro_perms;
	nc->unix_sock_rw_perms = old->unix_sock_rw_perms;
	memcpy(nc->unix_sock_group, old->unix_sock_group,
	       sizeof(nc->unix_sock_group));
	memcpy(nc->state_dir, old->state_dir, sizeof(nc->state_dir));
	memcpy(nc->runtime_dir, old->runtime_dir, sizeof(nc->runtime_dir));
	nc->log_level = old->log_level;
	memcpy(nc->log_outputs, old->log_outputs, sizeof(nc->log_outputs));
	memcpy(nc->metrics_listen, old->metrics_listen,
	       sizeof(nc->metrics_listen));
}

/* SIGHUP: a new config and a new generation of workers, or nothing. */
static void
master_reload(struct master *m)
{
	const struct master_params *mp = m->mp;
	struct rvirt_error err;
	struct config *nc;
	unsigned int start, old_max = m->cfg->max_workers;

	if (m->stopping)
		return;
	notify_reloading();
	log_reopen();
	nc = malloc(sizeof(*nc));
	if (!nc) {
		log_error("reload failed: out of memory");
		notify_ready(m->sb, false);
		return;
	}
	err_clear(&err);
	config_init_defaults(nc);
	if (mp->config_path[0] &&
	    !(mp->config_optional && access(mp->config_path, F_OK) < 0 &&
	      errno == ENOENT) &&
	    config_load(nc, mp->config_path, &err) < 0) {
		log_error("reload failed: %s", err.message);
		goto out;
	}
	if (auth_config_check(nc, &err) < 0) {
		log_error("reload failed: %s", err.message);
		goto out;
	}
	master_keep_restart_keys(nc, m->cfg);
	if (nc->max_workers > m->nslots) {
		log_warn("reload: max_workers %u is more than the %u "
			 "scoreboard slots; %u until a restart",
			 nc->max_workers, m->nslots, old_max);
		nc->max_workers = m->nslots;
	}
	*m->cfg = *nc;
	m->generation++;
	sb_global_set_master(m->sb, getpid(), m->generation);
	log_info("reloaded '%s': generation %llu",
		 mp->config_path[0] ? mp->config_path : "defaults",
		 (unsigned long long)m->generation);
	/* New workers first, so that someone accepts all the time. */
	start = m->cfg->start_workers;
	for (unsigned int i = 0; i < start; i++)
		if (master_spawn(m) < 0)
			break;
	for (unsigned int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid &&
		    m->workers[i].generation != m->generation)
			master_retire(m, (int)i, "old generation");
	/* Its password file, TLS and per-domain switch are read anew. */
	exporter_reload(&m->ex);
	m->spawn_rate = 1;
out:
	free(nc);
	notify_ready(m->sb, false);
}

/* Put fd at exactly target, without close-on-exec. */
static int
master_fd_at(int fd, int target)
{
	if (fd == target) {
		int fl = fcntl(fd, F_GETFD);

		return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the child of a USR2: become the new binary.  Never returns. */
static void __attribute__((noreturn))
master_upgrade_exec(struct master *m, int wfd)
{
	const struct listen_set *ls = m->mp->ls;
	int high[LISTEN_MAX + 2], n = 0, fd;
	char names[64] = "", buf[32];
	sigset_t none;

	exporter_pass_on(&m->ex, 64);
	/* Out of the way first, so that no dup2 below overwrites one. */
	for (size_t i = 0; i < ls->n; i++)
		high[n++] = fcntl(ls->ls[i].fd, F_DUPFD_CLOEXEC, 64);
	high[n++] = fcntl(wfd, F_DUPFD_CLOEXEC, 64);
	fd = m->mp->pidfile ? m->mp->pidfile->fd : -1;
	high[n++] = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 64) : -1;
	for (int i = 0; i < n; i++) {
		if (i == n - 1 && high[i] < 0)
			continue;
		if (high[i] < 0 ||
		    master_fd_at(high[i], MASTER_LISTEN_FDS_START + i) < 0)
			_exit(126);
	}
	for (size_t i = 0; i < ls->n; i++) {
		static const char *const kn[] = {
			[LISTEN_UNIX_RW] = "rw",
			[LISTEN_UNIX_RO] = "ro",
			[LISTEN_TCP] = "tcp",
			[LISTEN_TLS] = "tls",
		};
		size_t len = strlen(names);

		snprintf(names + len, sizeof(names) - len, "%s%s", i ? ":" : "",
			 kn[ls->ls[i].kind]);
	}
	snprintf(buf, sizeof(buf), "%zu", ls->n);
	setenv("LISTEN_FDS", buf, 1);
	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(buf, sizeof(buf), "%d", MASTER_LISTEN_FDS_START + (int)ls->n);
	setenv("RVIRT_UPGRADE_READY_FD", buf, 1);
	if (high[n - 1] >= 0) {
		snprintf(buf, sizeof(buf), "%d",
			 MASTER_LISTEN_FDS_START + (int)ls->n + 1);
		setenv("RVIRT_UPGRADE_PIDFILE_FD", buf, 1);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(m->mp->exe, m->mp->argv);
	fprintf(stderr, "rvirtd: cannot run '%s': %s\n", m->mp->exe,
		strerror(errno));
	_exit(127);
}

/* SIGUSR2: start the binary again with our sockets; see master_run. */
static void
master_upgrade_start(struct master *m)
{
	int pfd[2];
	pid_t pid;

	if (m->stopping || m->upgrade_pid) {
		log_warn("SIGUSR2 ignored: %s",
			 m->stopping ? "stopping" : "an upgrade is running");
		return;
	}
	if (!m->mp->exe || !m->mp->exe[0]) {
		log_error("upgrade failed: the path of the binary is unknown");
		return;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_error("upgrade failed: cannot create a pipe: %s",
			  strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("upgrade failed: cannot fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		master_upgrade_exec(m, pfd[1]);
	}
	close(pfd[1]);
	m->upgrade_pid = pid;
	m->upgrade_rfd = pfd[0];
	m->upgrade_deadline_ms =
		master_now_ms() + MASTER_UPGRADE_TIMEOUT * 1000;
	log_info("upgrade: started '%s' as %ld", m->mp->exe, (long)pid);
}

static void
master_upgrade_abort(struct master *m, const char *why)
{
	log_error("upgrade failed: %s; the running master goes on", why);
	master_pidfile_restore(m);
	if (m->upgrade_pid)
		kill(m->upgrade_pid, SIGKILL);
	if (m->upgrade_rfd >= 0)
		close(m->upgrade_rfd);
	m->upgrade_rfd = -1;
	/* master_reap collects it and says no more. */
}

/* The upgrade pipe is readable: ready byte, or EOF. */
static void
master_upgrade_event(struct master *m)
{
	char c;
	ssize_t n;

	do
		n = read(m->upgrade_rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		log_info("upgrade: new master %ld is ready; this one hands "
			 "over",
			 (long)m->upgrade_pid);
		close(m->upgrade_rfd);
		m->upgrade_rfd = -1;
		m->handed_over = true;
		m->stopping = true;
		return;
	}
	master_upgrade_abort(m, "the new master closed its pipe before it "
				"was ready");
}

static void
master_stop_begin(struct master *m, const char *why)
{
	if (m->stopping)
		return;
	log_info("stopping on %s", why);
	notify_stopping();
	m->stopping = true;
	if (m->upgrade_pid)
		master_upgrade_abort(m, "the master is stopping");
}

/* Read pending signals and act on them. */
static void
master_signals(struct master *m)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (int i = 0; i < 32; i++) {
		n = read(m->sigfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			return;
		switch (si.ssi_signo) {
		case SIGTERM:
			master_stop_begin(m, "SIGTERM");
			break;
		case SIGINT:
			master_stop_begin(m, "SIGINT");
			break;
		case SIGHUP:
			master_reload(m);
			break;
		case SIGUSR2:
			master_upgrade_start(m);
			break;
		case SIGUSR1:
			/* A worker beyond its slots (worker_kick_master). */
			if (!m->pool_kick)
				log_debug("pool: a worker holds more than its "
					  "slots: looking at the pool now");
			m->pool_kick = true;
			break;
		case SIGCHLD:
			break; /* reaped below in any case */
		default:
			break;
		}
	}
}

/* Wait up to ms for a signal or the upgrade pipe, then handle them. */
static void
master_wait(struct master *m, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = m->sigfd, .events = POLLIN },
		{ .fd = m->upgrade_rfd, .events = POLLIN },
	};
	int r;

	r = poll(pfd, m->upgrade_rfd >= 0 ? 2 : 1, ms < 0 ? 0 : ms);
	if (r < 0)
		return;
	if (pfd[0].revents)
		master_signals(m);
	if (m->upgrade_rfd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
		master_upgrade_event(m);
	if ((master_reap(m) || m->pool_kick) && !m->stopping)
		master_maintain(m, false);
	m->pool_kick = false;
	if (m->upgrade_rfd >= 0 && master_now_ms() >= m->upgrade_deadline_ms)
		master_upgrade_abort(m, "the new master was not ready in time");
}

/* Stop every worker: TERM, then KILL after worker_stop_timeout. */
static void
master_stop_workers(struct master *m)
{
	uint64_t deadline;

	for (unsigned int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid) {
			m->workers[i].retiring = true;
			kill(m->workers[i].pid, SIGTERM);
		}
	deadline =
		master_now_ms() + (uint64_t)m->cfg->worker_stop_timeout * 1000;
	while (master_live(m) && master_now_ms() < deadline)
		master_wait(m, 100);
	if (!master_live(m))
		return;
	log_error("%u workers still running %u seconds after SIGTERM: "
		  "killing them",
		  master_live(m), m->cfg->worker_stop_timeout);
	for (unsigned int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid)
			kill(m->workers[i].pid, SIGKILL);
	deadline = master_now_ms() + 5000;
	while (master_live(m) && master_now_ms() < deadline)
		master_wait(m, 50);
}

static int
master_setup(struct master *m, const struct master_params *mp,
	     struct rvirt_error *err)
{
	sigset_t set;
	unsigned int n;

	memset(m, 0, sizeof(*m));
	m->mp = mp;
	m->notify_fd = mp->notify_fd;
	m->cfg = mp->cfg;
	m->sigfd = -1;
	m->upgrade_rfd = -1;
	m->spawn_rate = 1;
	m->gc.name = "the session collector";
	/* A watcher that keeps dying is started again once a second. */
	m->watcher.name = "the domain watcher";
	m->watcher.period_ms = 1000;
	n = mp->cfg->max_workers * 2 + MASTER_SLOTS_EXTRA;
	m->nslots = n > SB_SLOTS_MAX ? SB_SLOTS_MAX : n;
	m->workers = calloc(m->nslots, sizeof(*m->workers));
	if (!m->workers) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot allocate the worker table");
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set up signal handling");
		return -1;
	}
	/*
	 * The new master of an upgrade keeps its scoreboard beside the
	 * running master's until the hand-over (master_ready), so that a
	 * failed upgrade leaves the running master's file in place.
	 */
	snprintf(m->sb_path, sizeof(m->sb_path), "%s/%s%s",
		 mp->cfg->runtime_dir, MASTER_SCOREBOARD,
		 mp->upgrade_fd >= 0 ? ".new" : "");
	m->sb = sb_create(m->sb_path, m->nslots, err);
	if (!m->sb)
		return -1;
	return exporter_setup(&m->ex, mp->cfg, m->nslots, mp->upgrade_fd >= 0,
			      err);
}

/* Start workers and wait for one to be idle.  0, or -1 with *err. */
static int
master_start(struct master *m, struct rvirt_error *err)
{
	uint64_t deadline = master_now_ms() + MASTER_START_TIMEOUT * 1000;

	for (unsigned int i = 0; i < m->cfg->start_workers; i++)
		if (master_spawn(m) < 0)
			break;
	while (!m->stopping) {
		if (master_any_idle(m))
			return 0;
		if (m->start_failed || !master_live(m)) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"a worker failed at start");
			return -1;
		}
		if (master_now_ms() >= deadline) {
			err_set(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER,
				"no worker ready after %d seconds",
				MASTER_START_TIMEOUT);
			return -1;
		}
		master_wait(m, 10);
	}
	return 0;
}

/* Tell whoever waits for us that we serve. */
static void
master_announce(struct master *m)
{
	const struct master_params *mp = m->mp;
	char c = 'R';
	ssize_t n;

	m->ready = true;
	master_print_ready(mp->ls, &m->ex);
	/* Before the old master hears: systemd must never lose MAINPID. */
	notify_ready(m->sb, mp->upgrade_fd >= 0);
	if (mp->upgrade_fd >= 0) {
		char path[sizeof(m->sb_path)];

		snprintf(path, sizeof(path), "%s/%s", mp->cfg->runtime_dir,
			 MASTER_SCOREBOARD);
		if (rename(m->sb_path, path) == 0)
			memcpy(m->sb_path, path, sizeof(path));
		else
			log_error("cannot publish scoreboard '%s': %s",
				  m->sb_path, strerror(errno));
		exporter_publish(&m->ex, mp->cfg);
		do
			n = write(mp->upgrade_fd, &c, 1);
		while (n < 0 && errno == EINTR);
		close(mp->upgrade_fd);
	}
	if (m->notify_fd >= 0) {
		daemon_ready(m->notify_fd);
		m->notify_fd = -1;
	}
}

int
master_run(const struct master_params *mp, struct rvirt_error *err)
{
	struct master m;
	int rc = -1;
	uint64_t now;

	if (master_setup(&m, mp, err) < 0)
		goto out;
	sb_global_set_master(m.sb, getpid(), 0);
	/* Scrapes are answered (rvirtd_up) before the workers are ready. */
	master_exporter_spawn(&m);
	if (master_start(&m, err) < 0)
		goto out;
	if (!m.stopping)
		master_announce(&m);
	log_info("serving with %u workers (max %u)", master_live(&m),
		 m.cfg->max_workers);
	m.next_tick_ms = master_now_ms() + MASTER_TICK_MS;
	while (!m.stopping) {
		now = master_now_ms();
		if (now >= m.next_tick_ms)
			master_maintain(&m, true);
		now = master_now_ms();
		master_wait(&m, m.next_tick_ms > now
					? (int)(m.next_tick_ms - now)
					: 0);
	}
	rc = m.handed_over ? 1 : 0;
out:
	if (m.workers)
		master_stop_workers(&m);
	child_stop(&m.gc, -1);
	child_stop(&m.watcher, -1);
	/* What the workers committed last is on disk before we go. */
	if (m.cfg)
		master_store_sync(&m);
	if (m.upgrade_pid && !m.handed_over) {
		kill(m.upgrade_pid, SIGKILL);
		waitpid(m.upgrade_pid, NULL, 0);
	}
	if (m.upgrade_rfd >= 0)
		close(m.upgrade_rfd);
	if (m.sigfd >= 0)
		close(m.sigfd);
	/* Last: it answered while the workers drained. */
	exporter_stop(&m.ex);
	exporter_release(&m.ex, m.handed_over);
	/* After a hand-over the files are the new master's. */
	if (m.sb && !m.handed_over)
		unlink(m.sb_path);
	sb_detach(m.sb);
	free(m.workers);
	if (m.handed_over && mp->pidfile && mp->pidfile->fd >= 0) {
		close(mp->pidfile->fd);
		mp->pidfile->fd = -1;
	}
	if (m.handed_over)
		log_info("handed over to the new master");
	return rc;
}
