/* SPDX-License-Identifier: MIT */
/* scoreboard: the master's and workers' shared-memory status table. */
#ifndef RVIRT_SCOREBOARD_H
#define RVIRT_SCOREBOARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"

/*
 * A file-backed MAP_SHARED mapping (normally <runtime_dir>/rvirtd.scoreboard)
 * made of a header, a global record and nslots fixed-size slots, one per
 * worker.  It holds no pointers, so every process may map it anywhere and
 * a reader built from another version can check the header and refuse.
 * doc/scoreboard.md describes the layout and the protocol.
 *
 * Who writes what:
 *   - the master writes the header and the master fields of the global
 *     record, and a slot while no worker owns it (claim before fork,
 *     release or mark dead after the worker has been reaped);
 *   - a worker writes only its own slot, from fork until it exits;
 *   - anyone with a writable mapping bumps the global totals (atomic
 *     adds, never torn, never lost);
 *   - readers (the master, `rvirtd status`, sbtool) never block writers:
 *     each slot is a seqlock and sb_snapshot retries a bounded number of
 *     times, then reports the slot as SB_STATE_UNKNOWN.
 */

#define SB_MAGIC UINT64_C(0x3142535452495652) /* "RVIRTSB1" little-endian */
#define SB_LAYOUT_VERSION 1
#define SB_SLOTS_MAX 16384
#define SB_PROC_NAME_MAX 64 /* bytes with the NUL */
#define SB_CLIENT_MAX 256   /* bytes with the NUL */

/*
 * Worker states.  The numbers are part of the layout (append only).
 * EMPTY and DEAD are written only by the master.
 */
enum sb_state {
	SB_STATE_EMPTY = 0,    /* free slot */
	SB_STATE_STARTING = 1, /* claimed, worker not yet serving */
	SB_STATE_IDLE = 2,     /* waiting for a connection or a record */
	SB_STATE_READING = 3,  /* a record has started to arrive */
	SB_STATE_BUSY = 4,     /* dispatching a call or sending its reply */
	SB_STATE_CLOSING = 5,  /* closing a connection */
	SB_STATE_GRACEFUL = 6, /* finishing its calls, then exits */
	SB_STATE_DEAD = 7,     /* reaped by the master, not yet reused */
	SB_NSTATES,
	/* Never stored: a snapshot could not get a consistent copy. */
	SB_STATE_UNKNOWN = SB_NSTATES,
};

/* Global totals, 64-bit counters bumped with atomic adds. */
enum sb_total {
	SB_TOTAL_ACCEPTED = 0, /* connections accepted */
	SB_TOTAL_CALLS = 1,    /* calls served */
	SB_TOTAL_SPAWNS = 2,   /* workers spawned (slots claimed) */
	SB_TOTAL_CRASHES = 3,  /* workers that died abnormally */
	SB_NTOTALS
};

/*
 * The mapping, as laid out in the file (native byte order; a host of the
 * other byte order sees a bad magic).  Offsets are checked at compile
 * time in scoreboard.c; a change of any of them bumps SB_LAYOUT_VERSION.
 */
struct sb_shm_header {
	uint64_t magic;	      /* SB_MAGIC, written last by sb_create */
	uint32_t version;     /* SB_LAYOUT_VERSION */
	uint32_t header_size; /* bytes before slot 0 */
	uint32_t nslots;      /* slots that follow, fixed at creation */
	uint32_t slot_size;   /* sizeof(struct sb_shm_slot) */
	uint8_t reserved[40]; /* zero */
};

struct sb_shm_global {
	_Atomic int64_t master_pid;
	_Atomic uint64_t generation;
	_Atomic int64_t start_time;    /* CLOCK_REALTIME, seconds */
	_Atomic int64_t start_mono_ns; /* CLOCK_MONOTONIC_COARSE, ns */
	_Atomic uint64_t totals[SB_NTOTALS];
	/* Lifecycle events (doc/events.md), in the first reserved bytes. */
	_Atomic uint64_t event_seq;  /* newest journal event published */
	_Atomic uint32_t event_wake; /* futex word, bumped on each publish */
	uint32_t reserved1;	     /* zero */
	uint8_t reserved[48];	     /* zero */
};

struct sb_shm_slot {
	_Atomic uint64_t seq; /* seqlock: odd while the owner writes */
	int32_t pid;
	uint32_t state; /* enum sb_state */
	uint64_t generation;
	uint64_t conns_open;
	uint64_t conns_total;
	uint64_t calls;
	int64_t spawn_ns; /* CLOCK_MONOTONIC_COARSE, ns */
	int64_t state_ns; /* last state change */
	int64_t call_ns;  /* start of the last call */
	int32_t proc;	  /* procedure of the current or last call, -1 none */
	uint32_t reserved0;
	char proc_name[SB_PROC_NAME_MAX];
	char client[SB_CLIENT_MAX];
	/*
	 * Time the worker was awake (not waiting in epoll_wait), summed,
	 * CLOCK_MONOTONIC ns: the master's measure of how busy it is.
	 */
	uint64_t busy_ns;
	uint8_t reserved[104]; /* zero; pads the slot to 512 bytes */
};

struct sb;

/* A consistent copy of one slot. */
struct sb_slot_info {
	enum sb_state state; /* SB_STATE_UNKNOWN: no consistent copy */
	pid_t pid;
	uint64_t generation;
	uint64_t conns_open;
	uint64_t conns_total;
	uint64_t calls;
	int64_t spawn_ns;
	int64_t state_ns;
	int64_t call_ns;
	int32_t proc;
	char proc_name[SB_PROC_NAME_MAX]; /* always NUL-terminated */
	char client[SB_CLIENT_MAX];	  /* always NUL-terminated */
	uint64_t busy_ns;
};

/* What sb_snapshot copies: the global record and every slot. */
struct sb_snapshot {
	pid_t master_pid;
	bool master_alive; /* kill(master_pid, 0) did not fail with ESRCH */
	uint64_t generation;
	int64_t start_time;    /* CLOCK_REALTIME, seconds */
	int64_t start_mono_ns; /* CLOCK_MONOTONIC_COARSE, ns */
	int64_t now_time;      /* CLOCK_REALTIME, seconds, at the copy */
	int64_t now_mono_ns;   /* CLOCK_MONOTONIC_COARSE, ns, at the copy */
	uint64_t totals[SB_NTOTALS];
	unsigned int nslots;
	struct sb_slot_info *slots; /* nslots entries, owned by the snapshot */
};

/*
 * Master: create the scoreboard file at path with nslots empty slots
 * (1..SB_SLOTS_MAX), master pid getpid(), generation 0 and the start
 * time now.  The file is built under a temporary name and renamed over
 * path, so a reader never maps a half-initialised file; it gets mode
 * 0644 whatever the umask, so a non-root reader may read it.  Returns the
 * writable handle, or NULL with *err.
 */
struct sb *sb_create(const char *path, unsigned int nslots,
		     struct rvirt_error *err);

/*
 * Map an existing scoreboard, read-write for a worker started by exec or
 * read-only for a status reader.  A file of another magic, layout version,
 * slot size or length is refused with a message saying which.  Returns
 * the handle, or NULL with *err.
 */
struct sb *sb_attach(const char *path, bool writable, struct rvirt_error *err);

/* Unmap and free.  NULL is a no-op.  The file itself stays. */
void sb_detach(struct sb *sb);

/* Number of slots, fixed at creation. */
unsigned int sb_nslots(const struct sb *sb);

/*
 * Master, before fork: take the first EMPTY or DEAD slot, set it to
 * STARTING with the given pid (0 when not yet known: the worker then
 * sets it with sb_slot_set_pid) and generation, zero its counters, and
 * count a spawn.  From fork on, the slot belongs to the worker and the
 * master must not write it until the worker has been reaped.  Returns
 * the slot index, or -1 when every slot is taken or sb is read-only.
 */
int sb_slot_claim(struct sb *sb, pid_t pid, uint64_t generation);

/*
 * Master, after the owner has been reaped: make slot idx EMPTY again.
 * This also repairs a slot whose owner died in the middle of a write.
 */
void sb_slot_release(struct sb *sb, int idx);

/*
 * Writer calls, made by the owner of slot idx (the worker; the master
 * only while no worker owns the slot).  Each is a seqlock write section
 * with no system call (timestamps come from the vDSO's
 * CLOCK_MONOTONIC_COARSE).  An out-of-range idx or a read-only sb makes
 * them no-ops.
 */

/* Record the owner's pid (a worker's first write when claimed with 0). */
void sb_slot_set_pid(struct sb *sb, int idx, pid_t pid);

/* Change state and stamp the time of the change. */
void sb_slot_set_state(struct sb *sb, int idx, enum sb_state state);

/*
 * A call of procedure proc starts: state BUSY, current procedure proc and
 * name (truncated to SB_PROC_NAME_MAX - 1 bytes; NULL means ""), time of
 * the call.
 */
void sb_slot_call_begin(struct sb *sb, int idx, int32_t proc, const char *name);

/*
 * The call has been answered: state IDLE, one more call served in the
 * slot and in SB_TOTAL_CALLS.  The procedure stays as the last one.
 */
void sb_slot_call_end(struct sb *sb, int idx);

/*
 * Set the client identity ("unix:uid=0", "tcp:127.0.0.1:40000"), truncated
 * to SB_CLIENT_MAX - 1 bytes; NULL or "" clears it.
 */
void sb_slot_set_client(struct sb *sb, int idx, const char *identity);

/* A connection was accepted: open and total connections of the slot and
 * SB_TOTAL_ACCEPTED go up by one. */
void sb_slot_conn_open(struct sb *sb, int idx);

/* A connection was closed: open connections go down by one (not below 0). */
void sb_slot_conn_close(struct sb *sb, int idx);

/*
 * The worker's event loop: sb_slot_wake right after its wait for events
 * returns, sb_slot_sleep right before the next wait, which adds the time
 * awake in between to the slot's busy_ns.  A worker that holds many
 * connections with nothing to do sleeps, so it counts as idle.  One
 * clock_gettime (vDSO) each.
 */
void sb_slot_wake(struct sb *sb, int idx);
void sb_slot_sleep(struct sb *sb, int idx);

/* Master: record its pid and the current generation (after a reload). */
void sb_global_set_master(struct sb *sb, pid_t pid, uint64_t generation);

/*
 * Add n to total t (atomic; any writable handle).  Slot calls already
 * count accepted connections, calls and spawns; the master counts
 * crashes here.
 */
void sb_global_add(struct sb *sb, enum sb_total t, uint64_t n);

/*
 * Copy the global record and every slot into *out, each slot consistent
 * on its own (slots are not consistent with each other).  A slot whose
 * writer stays in the middle of a write (or died there) is reported as
 * SB_STATE_UNKNOWN after a bounded number of retries.  On success *out
 * owns an array to be freed with sb_snapshot_release.  Returns 0, or -1
 * with *err (out of memory) and *out untouched.
 */
int sb_snapshot(const struct sb *sb, struct sb_snapshot *out,
		struct rvirt_error *err);

/* Free what sb_snapshot allocated in *snap (NULL is a no-op). */
void sb_snapshot_release(struct sb_snapshot *snap);

/* "idle", "busy", ... ("unknown" for SB_STATE_UNKNOWN or out of range). */
const char *sb_state_name(enum sb_state state);

/* "connections_accepted", "calls", "worker_spawns", "worker_crashes". */
const char *sb_total_name(enum sb_total t);

/*
 * Lifecycle events (doc/events.md).  After a store commit that
 * journaled events up to seq, its process publishes: event_seq becomes
 * at least seq, event_wake is bumped and every futex waiter on it is
 * woken (a shared futex: any process with the mapping).
 */
void sb_event_publish(struct sb *sb, uint64_t seq);

/* The newest published seq (0 since the scoreboard was made). */
uint64_t sb_event_seq(const struct sb *sb);

/* The futex word as it is now. */
uint32_t sb_event_word(const struct sb *sb);

/*
 * Sleep until the futex word is not seen any more (returns at once when
 * it already differs), a signal, or a spurious wake-up: callers loop.
 */
void sb_event_wait(const struct sb *sb, uint32_t seen);

#endif
