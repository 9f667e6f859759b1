/* SPDX-License-Identifier: MIT */
/* metrics: per-worker call, connection and store counters in shared memory. */
#ifndef RVIRT_SCOREBOARD_METRICS_H
#define RVIRT_SCOREBOARD_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/rvirt_defs.h"
#include "expofmt.h"

/*
 * A second file-backed MAP_SHARED mapping beside the scoreboard
 * (<runtime_dir>/rvirtd.metrics), with one counter block per scoreboard
 * slot (same index) and a global record.  It is a file of its own so
 * that the scoreboard's 512-byte slots stay as they are; doc/metrics.md
 * describes it.
 *
 * Who writes what:
 *   - a worker writes only the block of its slot, with relaxed atomic
 *     loads and stores (one writer: no read-modify-write, no lock, no
 *     system call); readers see each counter whole, never torn;
 *   - the master, after it has reaped a worker, folds the block into
 *     the global "folded" block and zeroes it (metrics_slot_fold), so a
 *     worker's counts outlive it and no _total goes down; a fold
 *     sequence number lets readers retry a sum that met a fold;
 *   - the collector child adds its runs to the global record.
 * Readers sum the folded block and every slot block.
 */

#define METRICS_MAGIC UINT64_C(0x314d5254524956) /* "VIRTRM1" */
#define METRICS_LAYOUT_VERSION 2

/*
 * Procedure numbers 0..METRICS_PROCS-1 are counted each on its own;
 * any other number in METRICS_PROC_OTHER.  The dispatch table is
 * checked against the bound at compile time (server/exporter.c).
 */
#define METRICS_PROCS 64
#define METRICS_PROC_OTHER METRICS_PROCS
#define METRICS_NPROCS (METRICS_PROCS + 1)
#define METRICS_PROC_NAME_MAX 40

/*
 * Outcome of a call: 0 ok, 1..METRICS_CODES-1 the rvirt_error code,
 * then an RPC-level rejection (PROC_UNAVAIL, GARBAGE_ARGS, ...; no
 * rvirt_error) and any larger code.
 */
#define METRICS_CODES 64
#define METRICS_OUTCOME_REJECTED METRICS_CODES
#define METRICS_OUTCOME_OTHER (METRICS_CODES + 1)
#define METRICS_NOUTCOMES (METRICS_CODES + 2)

/* Latency buckets: 10 us to 10 s (upper bounds), then +Inf. */
#define METRICS_NBOUNDS 19
#define METRICS_NBUCKETS (METRICS_NBOUNDS + 1)

/* Transports, in the order of enum listen_kind (checked there). */
enum metrics_transport {
	METRICS_TR_UNIX = 0,
	METRICS_TR_UNIX_RO = 1,
	METRICS_TR_TCP = 2,
	METRICS_TR_TLS = 3,
	METRICS_NTRANSPORTS
};

/*
 * Authentication methods whose failures are counted: the step that
 * failed (a SASL exchange on a TLS socket is a failure of "sasl").
 */
enum metrics_auth {
	METRICS_AUTH_SASL = 0,
	METRICS_AUTH_TLS = 1,
	METRICS_AUTH_UNIX_PEER = 2, /* peer credentials not allowed */
	METRICS_NAUTHS
};

/*
 * How a socket authenticates its connections (its transport and its
 * auth_* key): "none" (tcp with auth_tcp = "none"), "unix-peer" (unix
 * sockets without SASL: peer credentials), "sasl", "tls" (the x509
 * certificate alone), "tls+sasl".  Connections are counted by
 * transport and this; only the pairs metrics_conn_auth_fits accepts
 * occur, which bounds the label sets to 8.
 */
enum metrics_conn_auth {
	METRICS_CA_NONE = 0,
	METRICS_CA_UNIX_PEER = 1,
	METRICS_CA_SASL = 2,
	METRICS_CA_TLS = 3,
	METRICS_CA_TLS_SASL = 4,
	METRICS_NCONN_AUTHS
};

/* One worker's counters (and the folded counts of dead workers). */
struct metrics_counters {
	_Atomic uint64_t calls[METRICS_NPROCS][METRICS_NOUTCOMES];
	_Atomic uint64_t replays[METRICS_NPROCS];
	_Atomic uint64_t latency[METRICS_NPROCS][METRICS_NBUCKETS];
	_Atomic uint64_t latency_sum_ns[METRICS_NPROCS];
	_Atomic uint64_t
		conn_accepted[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	_Atomic uint64_t conn_refused[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	_Atomic uint64_t conn_closed[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	_Atomic uint64_t auth_failures[METRICS_NAUTHS];
	_Atomic uint64_t commit[METRICS_NBUCKETS];
	_Atomic uint64_t commit_sum_ns;
	_Atomic uint64_t commit_last_ns;
};

/* Counts kept in the global record only. */
enum metrics_global {
	METRICS_G_WORKER_EXITS = 0,    /* workers that exited cleanly */
	METRICS_G_GC_RUNS = 1,	       /* collector runs that succeeded */
	METRICS_G_GC_FAILURES = 2,     /* collector runs that failed */
	METRICS_G_GC_SESSIONS = 3,     /* sessions the collector expired */
	METRICS_G_GC_REPLIES = 4,      /* recorded replies it expired */
	METRICS_G_EXPORTER_RUNS = 5,   /* exporter children started */
	METRICS_G_SCRAPES = 6,	       /* scrapes answered */
	METRICS_G_KEEPALIVE_DROPS = 7, /* connections closed for keepalive */
	METRICS_NGLOBALS = 16
};

struct metrics;

/* A summed copy: the folded counts plus every slot's. */
struct metrics_snapshot {
	uint64_t calls[METRICS_NPROCS][METRICS_NOUTCOMES];
	uint64_t replays[METRICS_NPROCS];
	uint64_t latency[METRICS_NPROCS][METRICS_NBUCKETS];
	uint64_t latency_sum_ns[METRICS_NPROCS];
	uint64_t conn_accepted[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	uint64_t conn_refused[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	uint64_t conn_closed[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	/* live slots only */
	uint64_t conn_open[METRICS_NTRANSPORTS][METRICS_NCONN_AUTHS];
	uint64_t auth_failures[METRICS_NAUTHS];
	uint64_t commit[METRICS_NBUCKETS];
	uint64_t commit_sum_ns;
	uint64_t commit_last_ns; /* the latest of any live slot */
	uint64_t globals[METRICS_NGLOBALS];
	char proc_names[METRICS_NPROCS][METRICS_PROC_NAME_MAX];
};

/* Upper bound of latency bucket i in ns (i < METRICS_NBOUNDS). */
uint64_t metrics_bucket_bound_ns(unsigned int i);

/*
 * "unix", "unix-ro", "tcp", "tls"; "sasl", "tls", "unix-peer"; "none",
 * "unix-peer", "sasl", "tls", "tls+sasl".
 */
const char *metrics_transport_name(unsigned int t);
const char *metrics_auth_name(unsigned int a);
const char *metrics_conn_auth_name(unsigned int a);

/* Whether a socket of transport t can authenticate by a. */
bool metrics_conn_auth_fits(unsigned int t, unsigned int a);

/*
 * Master: create the file at path (built under a temporary name and
 * renamed, mode 0644) with nslots zeroed blocks.  Returns the writable
 * handle, or NULL with *err.
 */
struct metrics *metrics_create(const char *path, unsigned int nslots,
			       struct rvirt_error *err);

/*
 * Map an existing file (read-only for `rvirtd status`).  A file of
 * another magic, version or size is refused.  NULL with *err.
 */
struct metrics *metrics_attach(const char *path, bool writable,
			       struct rvirt_error *err);

/* Unmap and free; NULL is a no-op.  The file stays. */
void metrics_detach(struct metrics *mx);

/* Master: the name of procedure proc (< METRICS_PROCS), for readers. */
void metrics_set_proc_name(struct metrics *mx, unsigned int proc,
			   const char *name);

/*
 * Master, after the worker of slot idx has been reaped: add its block to
 * the folded counts and zero it; exited_cleanly counts a clean exit.
 */
void metrics_slot_fold(struct metrics *mx, int idx, bool exited_cleanly);

/* Any writable handle: add n to global count g (atomic). */
void metrics_global_add(struct metrics *mx, enum metrics_global g, uint64_t n);

/*
 * Copy and sum everything into *out (a large struct: heap it).  The sum
 * is retried while the master folds a slot, so a counter read twice
 * never goes down.
 */
void metrics_snapshot(const struct metrics *mx, struct metrics_snapshot *out);

/*
 * Writer side, in a worker: from now on the hooks below count into the
 * block of slot idx.  Until this is called (the master, the collector,
 * unit tests) every hook is a no-op; a NULL mx makes them no-ops again.
 */
void metrics_worker_bind(struct metrics *mx, int idx);

/*
 * In a worker: how each transport's sockets authenticate (indexed by
 * enum metrics_transport; values of enum metrics_conn_auth), from its
 * configuration.  Until then every transport counts as its first
 * fitting method.
 */
void metrics_worker_conn_auth(const unsigned int auth[METRICS_NTRANSPORTS]);

/* A call of procedure proc starts (its record is complete). */
void metrics_call_begin(int32_t proc);

/* Its outcome: 0 for ok, else the rvirt_error code sent. */
void metrics_call_outcome(int code);

/* It was answered from the record of replies. */
void metrics_call_replayed(void);

/* Its reply is out (or queued): count it and its latency. */
void metrics_call_end(void);

/* Connections of a transport: accepted, refused at accept, closed. */
void metrics_conn_accepted(unsigned int transport);
void metrics_conn_refused(unsigned int transport);
void metrics_conn_closed(unsigned int transport);

/* A failed authentication by method. */
void metrics_auth_failed(enum metrics_auth method);

/* A connection closed because its client stopped answering keepalive. */
void metrics_keepalive_dropped(void);

/* A store commit that took ns nanoseconds. */
void metrics_store_commit(uint64_t ns);

/* CLOCK_MONOTONIC in ns (vDSO), for hooks timing something. */
uint64_t metrics_now_ns(void);

/*
 * Print the families of ms in the exposition format of mode (each with
 * its metadata; series of calls only once they are non-zero), without
 * the end (expofmt_end).  doc/metrics.md lists them.  Errors show in
 * ferror(fp).
 */
void metrics_print_exposition(const struct metrics_snapshot *ms,
			      enum expofmt_mode mode, FILE *fp);

/* The same in the Prometheus text format 0.0.4. */
void metrics_print_prometheus(const struct metrics_snapshot *ms, FILE *fp);

/* The same for people: connections, then calls by procedure. */
void metrics_print_text(const struct metrics_snapshot *ms, FILE *fp);

#endif
