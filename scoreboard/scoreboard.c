/* SPDX-License-Identifier: MIT */
/* scoreboard: the master's and workers' shared-memory status table. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "scoreboard.h"

/*
 * The layout is a contract with readers of other builds: pin it down here
 * so a change is a compile error until SB_LAYOUT_VERSION and the table in
 * doc/scoreboard.md follow.
 */
#define SB_HEADER_SIZE \
	(sizeof(struct sb_shm_header) + sizeof(struct sb_shm_global))
_Static_assert(sizeof(struct sb_shm_header) == 64, "header size");
_Static_assert(sizeof(struct sb_shm_global) == 128, "global size");
_Static_assert(offsetof(struct sb_shm_global, totals) == 32, "totals");
_Static_assert(offsetof(struct sb_shm_global, event_seq) == 64, "event_seq");
_Static_assert(offsetof(struct sb_shm_global, event_wake) == 72, "event_wake");
_Static_assert(sizeof(struct sb_shm_slot) == 512, "slot size");
_Static_assert(offsetof(struct sb_shm_slot, pid) == 8, "pid");
_Static_assert(offsetof(struct sb_shm_slot, generation) == 16, "generation");
_Static_assert(offsetof(struct sb_shm_slot, calls) == 40, "calls");
_Static_assert(offsetof(struct sb_shm_slot, call_ns) == 64, "call_ns");
_Static_assert(offsetof(struct sb_shm_slot, proc) == 72, "proc");
_Static_assert(offsetof(struct sb_shm_slot, proc_name) == 80, "proc_name");
_Static_assert(offsetof(struct sb_shm_slot, client) == 144, "client");
_Static_assert(offsetof(struct sb_shm_slot, busy_ns) == 400, "busy_ns");
/* Processes share these counters; a lock-based fallback would not work. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics lock-free");

/*
 * A reader gives a slot this many quick retries, then this many more with
 * sched_yield (a writer preempted mid-write on the reader's CPU needs the
 * CPU back), then reports it unknown rather than spin for ever.
 */
#define SB_READ_SPINS 200
#define SB_READ_YIELDS 50

struct sb {
	unsigned char *base;
	size_t len;
	unsigned int nslots;
	bool writable;
	struct sb_shm_header *hdr;
	struct sb_shm_global *global;
	struct sb_shm_slot *slots;
	int64_t awake_ns; /* this process: when its loop last woke, 0 none */
};

static const char *const sb_state_names[] = {
	[SB_STATE_EMPTY] = "empty",	  [SB_STATE_STARTING] = "starting",
	[SB_STATE_IDLE] = "idle",	  [SB_STATE_READING] = "reading",
	[SB_STATE_BUSY] = "busy",	  [SB_STATE_CLOSING] = "closing",
	[SB_STATE_GRACEFUL] = "graceful", [SB_STATE_DEAD] = "dead",
	[SB_STATE_UNKNOWN] = "unknown",
};

static const char *const sb_total_names[] = {
	[SB_TOTAL_ACCEPTED] = "connections_accepted",
	[SB_TOTAL_CALLS] = "calls",
	[SB_TOTAL_SPAWNS] = "worker_spawns",
	[SB_TOTAL_CRASHES] = "worker_crashes",
};

const char *
sb_state_name(enum sb_state state)
{
	if ((unsigned int)state > SB_STATE_UNKNOWN)
		return "unknown";
	return sb_state_names[state];
}

const char *
sb_total_name(enum sb_total t)
{
	if ((unsigned int)t >= SB_NTOTALS)
		return "unknown";
	return sb_total_names[t];
}

static int64_t
sb_mono_ns(void)
{
	struct timespec ts;

	/* COARSE is served by the vDSO: no system call on the call path. */
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t
sb_file_size(unsigned int nslots)
{
	return SB_HEADER_SIZE + (size_t)nslots * sizeof(struct sb_shm_slot);
}

static void
sb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Seqlock write side.  The release fence keeps the odd value ahead of the
 * data stores; the final release store keeps the data ahead of the even
 * value.  An odd value found on entry was left by an owner that died in
 * the middle of a write: step to the next odd one so that a reader that
 * started before still sees a change.
 */
static uint64_t
sb_write_begin(struct sb_shm_slot *s)
{
	uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);

	seq += (seq & 1) ? 2 : 1;
	atomic_store_explicit(&s->seq, seq, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	return seq;
}

static void
sb_write_end(struct sb_shm_slot *s, uint64_t seq)
{
	atomic_store_explicit(&s->seq, seq + 1, memory_order_release);
}

/*
 * state is read without the seqlock by sb_slot_claim, so it is always
 * stored whole.
 */
static void
sb_store_state(struct sb_shm_slot *s, enum sb_state state)
{
	__atomic_store_n(&s->state, (uint32_t)state, __ATOMIC_RELAXED);
}

static void
sb_copy_string(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	/* Clear the tail too: no stale bytes of a longer old value. */
	memset(dst + n, 0, size - n);
}

static struct sb_shm_slot *
sb_slot_get(struct sb *sb, int idx)
{
	if (!sb || !sb->writable || idx < 0 || (unsigned int)idx >= sb->nslots)
		return NULL;
	return &sb->slots[idx];
}

static void
sb_slot_reset(struct sb_shm_slot *s, pid_t pid, uint64_t generation,
	      enum sb_state state, int64_t now)
{
	uint64_t seq = sb_write_begin(s);

	s->pid = (int32_t)pid;
	sb_store_state(s, state);
	s->generation = generation;
	s->conns_open = 0;
	s->conns_total = 0;
	s->calls = 0;
	s->spawn_ns = now;
	s->state_ns = now;
	s->call_ns = 0;
	s->proc = -1;
	memset(s->proc_name, 0, sizeof(s->proc_name));
	memset(s->client, 0, sizeof(s->client));
	s->busy_ns = 0;
	sb_write_end(s, seq);
}

static struct sb *
sb_wrap(unsigned char *base, size_t len, unsigned int nslots, bool writable,
	struct rvirt_error *err)
{
	struct sb *sb = calloc(1, sizeof(*sb));

	if (!sb) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot allocate the scoreboard handle: out of memory");
		return NULL;
	}
	sb->base = base;
	sb->len = len;
	sb->nslots = nslots;
	sb->writable = writable;
	sb->hdr = (struct sb_shm_header *)base;
	sb->global = (struct sb_shm_global *)(base + sizeof(*sb->hdr));
	sb->slots = (struct sb_shm_slot *)(base + SB_HEADER_SIZE);
	return sb;
}

static int
sb_open_tmp(const char *tmp, struct rvirt_error *err)
{
	int flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(tmp, flags, 0644);

	/* Left by a crashed master that had our pid: ours to replace. */
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, flags, 0644);
	if (fd < 0)
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot create scoreboard '%s'", tmp);
	return fd;
}

struct sb *
sb_create(const char *path, unsigned int nslots, struct rvirt_error *err)
{
	char tmp[PATH_MAX];
	struct sb *sb = NULL;
	void *base = MAP_FAILED;
	size_t len;
	int fd = -1, n, rc;
	unsigned int i;

	if (nslots == 0 || nslots > SB_SLOTS_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot create scoreboard '%s': %u slots, expected 1 "
			"to %d",
			path, nslots, SB_SLOTS_MAX);
		return NULL;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot create scoreboard '%s': path too long", path);
		return NULL;
	}
	fd = sb_open_tmp(tmp, err);
	if (fd < 0)
		return NULL;
	/* The umask must not take the readers' permission away. */
	if (fchmod(fd, 0644) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set the mode of scoreboard '%s'", tmp);
		goto out;
	}
	len = sb_file_size(nslots);
	/*
	 * Reserve the blocks now: on a full tmpfs a sparse file would turn a
	 * worker's first write to a fresh page into SIGBUS.
	 */
	rc = posix_fallocate(fd, 0, (off_t)len);
	if (rc != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, rc,
			      "cannot size scoreboard '%s' to %zu bytes", tmp,
			      len);
		goto out;
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot map scoreboard '%s'", tmp);
		goto out;
	}
	sb = sb_wrap(base, len, nslots, true, err);
	if (!sb)
		goto out;

	sb->hdr->version = SB_LAYOUT_VERSION;
	sb->hdr->header_size = SB_HEADER_SIZE;
	sb->hdr->nslots = nslots;
	sb->hdr->slot_size = sizeof(struct sb_shm_slot);
	atomic_store(&sb->global->master_pid, (int64_t)getpid());
	atomic_store(&sb->global->start_time, (int64_t)time(NULL));
	atomic_store(&sb->global->start_mono_ns, sb_mono_ns());
	for (i = 0; i < nslots; i++)
		sb->slots[i].proc = -1;
	/* Magic last: whoever sees it sees everything above. */
	__atomic_store_n(&sb->hdr->magic, SB_MAGIC, __ATOMIC_RELEASE);

	if (rename(tmp, path) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot rename scoreboard '%s' to '%s'", tmp,
			      path);
		free(sb);
		sb = NULL;
		goto out;
	}
	close(fd);
	return sb;

out:
	if (base != MAP_FAILED)
		munmap(base, sb_file_size(nslots));
	close(fd);
	unlink(tmp);
	return NULL;
}

static int
sb_check_header(const char *path, const struct sb_shm_header *hdr, off_t size,
		struct rvirt_error *err)
{
	if (hdr->magic != SB_MAGIC) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': bad magic, not an "
			"rvirtd scoreboard of this byte order",
			path);
		return -1;
	}
	if (hdr->version != SB_LAYOUT_VERSION) {
		err_set(err, RVIRT_ERR_NO_SUPPORT, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': layout version %u, "
			"this program reads version %d",
			path, hdr->version, SB_LAYOUT_VERSION);
		return -1;
	}
	if (hdr->header_size != SB_HEADER_SIZE ||
	    hdr->slot_size != sizeof(struct sb_shm_slot)) {
		err_set(err, RVIRT_ERR_NO_SUPPORT, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': header of %u bytes and "
			"slots of %u bytes, this program expects %zu and %zu",
			path, hdr->header_size, hdr->slot_size, SB_HEADER_SIZE,
			sizeof(struct sb_shm_slot));
		return -1;
	}
	if (hdr->nslots == 0 || hdr->nslots > SB_SLOTS_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': %u slots, expected 1 "
			"to %d",
			path, hdr->nslots, SB_SLOTS_MAX);
		return -1;
	}
	if ((uint64_t)size != sb_file_size(hdr->nslots)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': file is %lld bytes, "
			"expected %zu for %u slots",
			path, (long long)size, sb_file_size(hdr->nslots),
			hdr->nslots);
		return -1;
	}
	return 0;
}

struct sb *
sb_attach(const char *path, bool writable, struct rvirt_error *err)
{
	struct sb_shm_header hdr;
	struct sb *sb = NULL;
	struct stat st;
	void *base;
	ssize_t got;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	int fd;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open scoreboard '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot stat scoreboard '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': not a regular file",
			path);
		goto out;
	}
	/* Check the header before mapping a length it does not vouch for. */
	got = pread(fd, &hdr, sizeof(hdr), 0);
	if (got < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot read scoreboard '%s'", path);
		goto out;
	}
	if ((size_t)got < sizeof(hdr)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach scoreboard '%s': file is %lld bytes, "
			"too short for a header",
			path, (long long)st.st_size);
		goto out;
	}
	if (sb_check_header(path, &hdr, st.st_size, err) != 0)
		goto out;
	base = mmap(NULL, (size_t)st.st_size, prot, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot map scoreboard '%s'", path);
		goto out;
	}
	sb = sb_wrap(base, (size_t)st.st_size, hdr.nslots, writable, err);
	if (!sb)
		munmap(base, (size_t)st.st_size);
out:
	close(fd);
	return sb;
}

void
sb_detach(struct sb *sb)
{
	if (!sb)
		return;
	munmap(sb->base, sb->len);
	free(sb);
}

unsigned int
sb_nslots(const struct sb *sb)
{
	return sb->nslots;
}

int
sb_slot_claim(struct sb *sb, pid_t pid, uint64_t generation)
{
	unsigned int i;
	uint32_t state;

	if (!sb->writable)
		return -1;
	for (i = 0; i < sb->nslots; i++) {
		/* Workers never store EMPTY or DEAD: such a slot is ours. */
		state = __atomic_load_n(&sb->slots[i].state, __ATOMIC_RELAXED);
		if (state != SB_STATE_EMPTY && state != SB_STATE_DEAD)
			continue;
		sb_slot_reset(&sb->slots[i], pid, generation, SB_STATE_STARTING,
			      sb_mono_ns());
		sb_global_add(sb, SB_TOTAL_SPAWNS, 1);
		return (int)i;
	}
	return -1;
}

void
sb_slot_release(struct sb *sb, int idx)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);

	if (s)
		sb_slot_reset(s, 0, 0, SB_STATE_EMPTY, 0);
}

void
sb_slot_set_pid(struct sb *sb, int idx, pid_t pid)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s)
		return;
	seq = sb_write_begin(s);
	s->pid = (int32_t)pid;
	sb_write_end(s, seq);
}

void
sb_slot_set_state(struct sb *sb, int idx, enum sb_state state)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s || (unsigned int)state >= SB_NSTATES)
		return;
	seq = sb_write_begin(s);
	sb_store_state(s, state);
	s->state_ns = sb_mono_ns();
	sb_write_end(s, seq);
}

void
sb_slot_call_begin(struct sb *sb, int idx, int32_t proc, const char *name)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	int64_t now;
	uint64_t seq;

	if (!s)
		return;
	now = sb_mono_ns();
	seq = sb_write_begin(s);
	sb_store_state(s, SB_STATE_BUSY);
	s->state_ns = now;
	s->call_ns = now;
	s->proc = proc;
	sb_copy_string(s->proc_name, sizeof(s->proc_name), name);
	sb_write_end(s, seq);
}

void
sb_slot_call_end(struct sb *sb, int idx)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s)
		return;
	seq = sb_write_begin(s);
	sb_store_state(s, SB_STATE_IDLE);
	s->state_ns = sb_mono_ns();
	s->calls++;
	sb_write_end(s, seq);
	sb_global_add(sb, SB_TOTAL_CALLS, 1);
}

void
sb_slot_set_client(struct sb *sb, int idx, const char *identity)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s)
		return;
	seq = sb_write_begin(s);
	sb_copy_string(s->client, sizeof(s->client), identity);
	sb_write_end(s, seq);
}

void
sb_slot_conn_open(struct sb *sb, int idx)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s)
		return;
	seq = sb_write_begin(s);
	s->conns_open++;
	s->conns_total++;
	sb_write_end(s, seq);
	sb_global_add(sb, SB_TOTAL_ACCEPTED, 1);
}

void
sb_slot_conn_close(struct sb *sb, int idx)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	uint64_t seq;

	if (!s)
		return;
	seq = sb_write_begin(s);
	if (s->conns_open > 0)
		s->conns_open--;
	sb_write_end(s, seq);
}

/* A fine clock: calls last microseconds, COARSE ticks in milliseconds. */
static int64_t
sb_fine_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
sb_slot_wake(struct sb *sb, int idx)
{
	if (sb_slot_get(sb, idx))
		sb->awake_ns = sb_fine_ns();
}

void
sb_slot_sleep(struct sb *sb, int idx)
{
	struct sb_shm_slot *s = sb_slot_get(sb, idx);
	int64_t now;
	uint64_t seq;

	if (!s || sb->awake_ns == 0)
		return;
	now = sb_fine_ns();
	if (now > sb->awake_ns) {
		seq = sb_write_begin(s);
		s->busy_ns += (uint64_t)(now - sb->awake_ns);
		sb_write_end(s, seq);
	}
	sb->awake_ns = 0;
}

void
sb_global_set_master(struct sb *sb, pid_t pid, uint64_t generation)
{
	if (!sb->writable)
		return;
	atomic_store(&sb->global->master_pid, (int64_t)pid);
	atomic_store(&sb->global->generation, generation);
}

void
sb_global_add(struct sb *sb, enum sb_total t, uint64_t n)
{
	if (!sb->writable || (unsigned int)t >= SB_NTOTALS)
		return;
	atomic_fetch_add_explicit(&sb->global->totals[t], n,
				  memory_order_relaxed);
}

/*
 * Seqlock read side: returns true with a copy made while no write was in
 * progress and none started, false after the bounded retries.
 */
static bool
sb_slot_read(const struct sb_shm_slot *s, struct sb_shm_slot *copy)
{
	uint64_t s1, s2;
	int tries;

	for (tries = 0; tries < SB_READ_SPINS + SB_READ_YIELDS; tries++) {
		s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (!(s1 & 1)) {
			memcpy(copy, s, sizeof(*copy));
			/* Keeps the copy's loads ahead of the second load. */
			atomic_thread_fence(memory_order_acquire);
			s2 = atomic_load_explicit(&s->seq,
						  memory_order_relaxed);
			if (s1 == s2)
				return true;
		}
		if (tries < SB_READ_SPINS)
			sb_cpu_relax();
		else
			sched_yield();
	}
	return false;
}

static void
sb_slot_info_fill(struct sb_slot_info *info, const struct sb_shm_slot *s)
{
	info->state = s->state < SB_NSTATES ? (enum sb_state)s->state
					    : SB_STATE_UNKNOWN;
	info->pid = s->pid;
	info->generation = s->generation;
	info->conns_open = s->conns_open;
	info->conns_total = s->conns_total;
	info->calls = s->calls;
	info->spawn_ns = s->spawn_ns;
	info->state_ns = s->state_ns;
	info->call_ns = s->call_ns;
	info->proc = s->proc;
	memcpy(info->proc_name, s->proc_name, sizeof(info->proc_name));
	info->proc_name[sizeof(info->proc_name) - 1] = '\0';
	memcpy(info->client, s->client, sizeof(info->client));
	info->client[sizeof(info->client) - 1] = '\0';
	info->busy_ns = s->busy_ns;
}

int
sb_snapshot(const struct sb *sb, struct sb_snapshot *out,
	    struct rvirt_error *err)
{
	struct sb_slot_info *slots;
	struct sb_shm_slot copy;
	unsigned int i;
	pid_t pid;

	slots = calloc(sb->nslots, sizeof(*slots));
	if (!slots) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot copy the scoreboard: out of memory");
		return -1;
	}
	for (i = 0; i < SB_NTOTALS; i++)
		out->totals[i] = atomic_load(&sb->global->totals[i]);
	pid = (pid_t)atomic_load(&sb->global->master_pid);
	out->master_pid = pid;
	out->master_alive = pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
	out->generation = atomic_load(&sb->global->generation);
	out->start_time = atomic_load(&sb->global->start_time);
	out->start_mono_ns = atomic_load(&sb->global->start_mono_ns);
	out->now_time = (int64_t)time(NULL);
	out->now_mono_ns = sb_mono_ns();
	out->nslots = sb->nslots;
	for (i = 0; i < sb->nslots; i++) {
		if (sb_slot_read(&sb->slots[i], &copy)) {
			sb_slot_info_fill(&slots[i], &copy);
		} else {
			memset(&slots[i], 0, sizeof(slots[i]));
			slots[i].state = SB_STATE_UNKNOWN;
			slots[i].proc = -1;
		}
	}
	out->slots = slots;
	return 0;
}

void
sb_snapshot_release(struct sb_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->slots);
	snap->slots = NULL;
	snap->nslots = 0;
}

void
sb_event_publish(struct sb *sb, uint64_t seq)
{
	_Atomic uint64_t *p = &sb->global->event_seq;
	uint64_t cur = atomic_load(p);

	while (cur < seq && !atomic_compare_exchange_weak(p, &cur, seq))
		;
	atomic_fetch_add(&sb->global->event_wake, 1);
	syscall(SYS_futex, &sb->global->event_wake, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
}

uint64_t
sb_event_seq(const struct sb *sb)
{
	return atomic_load(&sb->global->event_seq);
}

uint32_t
sb_event_word(const struct sb *sb)
{
	return atomic_load(&sb->global->event_wake);
}

void
sb_event_wait(const struct sb *sb, uint32_t seen)
{
	/* Not FUTEX_PRIVATE: the word is shared between processes. */
	syscall(SYS_futex, &sb->global->event_wake, FUTEX_WAIT, seen, NULL,
		NULL, 0);
}
