/* SPDX-License-Identifier: MIT */
/* master: the prefork master: a pool of workers, signals, upgrades. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/scoreboard.h"
#include "../store/store.h"
#include "auth.h"
#include "child.h"
#include "exporter.h"
#include "master.h"
#include "master_int.h"
#include "notify.h"
#include "pool.h"
#include "sessdb.h"
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

uint64_t
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
	sessdb_close();
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

	if (sessdb_prepare(m->cfg->state_dir, err) < 0)
		return -1;
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
	/* The new master of a hand-over writes on: no clean mark then. */
	if (m.cfg && !m.handed_over)
		sessdb_mark_clean(m.cfg->state_dir);
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
