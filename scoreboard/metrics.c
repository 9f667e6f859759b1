/* SPDX-License-Identifier: MIT */
/* metrics: per-worker call, connection and store counters in shared memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "metrics.h"

/* Sums that meet this many folds in a row are taken as they are. */
#define METRICS_READ_TRIES 100

struct metrics_shm {
	uint64_t magic; /* written last by metrics_create */
	uint32_t version;
	uint32_t nslots;
	uint32_t block_size; /* sizeof(struct metrics_counters) */
	uint32_t reserved0;
	_Atomic uint64_t fold_seq; /* odd while the master folds */
	_Atomic uint64_t globals[METRICS_NGLOBALS];
	char proc_names[METRICS_NPROCS][METRICS_PROC_NAME_MAX];
	struct metrics_counters folded;
};

#define METRICS_HEADER_SIZE ((sizeof(struct metrics_shm) + 63) & ~(size_t)63)

struct metrics {
	unsigned char *base;
	size_t len;
	unsigned int nslots;
	bool writable;
	struct metrics_shm *shm;
	struct metrics_counters *blocks;
};

/* The writer side of this process (a worker). */
static struct metrics_counters *metrics_mine;
static struct metrics *metrics_bound; /* for global counts */
static uint64_t metrics_t0;
static unsigned int metrics_proc;
static unsigned int metrics_outcome;
static unsigned int metrics_ca[METRICS_NTRANSPORTS] = { METRICS_CA_UNIX_PEER,
							METRICS_CA_UNIX_PEER,
							METRICS_CA_NONE,
							METRICS_CA_TLS };

static const uint64_t metrics_bounds[METRICS_NBOUNDS] = {
	10000,	    25000,	50000,	    100000,	 250000,
	500000,	    1000000,	2500000,    5000000,	 10000000,
	25000000,   50000000,	100000000,  250000000,	 500000000,
	1000000000, 2500000000, 5000000000, 10000000000,
};

uint64_t
metrics_bucket_bound_ns(unsigned int i)
{
	return i < METRICS_NBOUNDS ? metrics_bounds[i] : UINT64_MAX;
}

const char *
metrics_transport_name(unsigned int t)
{
	static const char *const names[] = { "unix", "unix-ro", "tcp", "tls" };

	return t < METRICS_NTRANSPORTS ? names[t] : "unknown";
}

const char *
metrics_auth_name(unsigned int a)
{
	static const char *const names[] = { "sasl", "tls", "unix-peer" };

	return a < METRICS_NAUTHS ? names[a] : "unknown";
}

const char *
metrics_conn_auth_name(unsigned int a)
{
	static const char *const names[] = { "none", "unix-peer", "sasl", "tls",
					     "tls+sasl" };

	return a < METRICS_NCONN_AUTHS ? names[a] : "unknown";
}

bool
metrics_conn_auth_fits(unsigned int t, unsigned int a)
{
	switch (t) {
	case METRICS_TR_UNIX:
	case METRICS_TR_UNIX_RO:
		return a == METRICS_CA_UNIX_PEER || a == METRICS_CA_SASL;
	case METRICS_TR_TCP:
		return a == METRICS_CA_NONE || a == METRICS_CA_SASL;
	case METRICS_TR_TLS:
		return a == METRICS_CA_TLS || a == METRICS_CA_TLS_SASL;
	default:
		return false;
	}
}

static size_t
metrics_file_size(unsigned int nslots)
{
	return METRICS_HEADER_SIZE +
	       (size_t)nslots * sizeof(struct metrics_counters);
}

static struct metrics *
metrics_wrap(unsigned char *base, size_t len, unsigned int nslots,
	     bool writable, struct rvirt_error *err)
{
	struct metrics *mx = calloc(1, sizeof(*mx));

	if (!mx) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_SERVER,
			"cannot allocate the metrics handle");
		return NULL;
	}
	mx->base = base;
	mx->len = len;
	mx->nslots = nslots;
	mx->writable = writable;
	mx->shm = (struct metrics_shm *)base;
	mx->blocks = (struct metrics_counters *)(base + METRICS_HEADER_SIZE);
	return mx;
}

struct metrics *
metrics_create(const char *path, unsigned int nslots, struct rvirt_error *err)
{
	char tmp[PATH_MAX];
	struct metrics *mx = NULL;
	void *base = MAP_FAILED;
	size_t len = metrics_file_size(nslots);
	int fd, n, rc;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot create metrics '%s': path too long", path);
		return NULL;
	}
	unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot create metrics '%s'", tmp);
		return NULL;
	}
	if (fchmod(fd, 0644) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot set the mode of metrics '%s'", tmp);
		goto out;
	}
	/* Blocks reserved now: a full tmpfs must not SIGBUS a worker. */
	rc = posix_fallocate(fd, 0, (off_t)len);
	if (rc != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, rc,
			      "cannot size metrics '%s' to %zu bytes", tmp,
			      len);
		goto out;
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot map metrics '%s'", tmp);
		goto out;
	}
	mx = metrics_wrap(base, len, nslots, true, err);
	if (!mx)
		goto out;
	mx->shm->version = METRICS_LAYOUT_VERSION;
	mx->shm->nslots = nslots;
	mx->shm->block_size = sizeof(struct metrics_counters);
	__atomic_store_n(&mx->shm->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
	if (rename(tmp, path) != 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot rename metrics '%s' to '%s'", tmp, path);
		free(mx);
		mx = NULL;
		goto out;
	}
	close(fd);
	return mx;
out:
	if (base != MAP_FAILED)
		munmap(base, len);
	close(fd);
	unlink(tmp);
	return NULL;
}

struct metrics *
metrics_attach(const char *path, bool writable, struct rvirt_error *err)
{
	struct metrics_shm hdr;
	struct metrics *mx = NULL;
	struct stat st;
	void *base;
	int fd;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot open metrics '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < METRICS_HEADER_SIZE ||
	    pread(fd, &hdr, offsetof(struct metrics_shm, fold_seq), 0) !=
		    (ssize_t)offsetof(struct metrics_shm, fold_seq)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach metrics '%s': not a metrics file", path);
		goto out;
	}
	if (hdr.magic != METRICS_MAGIC ||
	    hdr.version != METRICS_LAYOUT_VERSION ||
	    hdr.block_size != sizeof(struct metrics_counters) ||
	    (size_t)st.st_size != metrics_file_size(hdr.nslots)) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_SERVER,
			"cannot attach metrics '%s': layout version %u, "
			"expected %u (another rvirtd version?)",
			path, hdr.version, METRICS_LAYOUT_VERSION);
		goto out;
	}
	base = mmap(NULL, (size_t)st.st_size,
		    PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_SERVER, errno,
			      "cannot map metrics '%s'", path);
		goto out;
	}
	mx = metrics_wrap(base, (size_t)st.st_size, hdr.nslots, writable, err);
	if (!mx)
		munmap(base, (size_t)st.st_size);
out:
	close(fd);
	return mx;
}

void
metrics_detach(struct metrics *mx)
{
	if (!mx)
		return;
	munmap(mx->base, mx->len);
	free(mx);
}

void
metrics_set_proc_name(struct metrics *mx, unsigned int proc, const char *name)
{
	if (!mx || !mx->writable || proc >= METRICS_PROCS || !name)
		return;
	snprintf(mx->shm->proc_names[proc], METRICS_PROC_NAME_MAX, "%s", name);
}

void
metrics_global_add(struct metrics *mx, enum metrics_global g, uint64_t n)
{
	if (!mx || !mx->writable || (unsigned int)g >= METRICS_NGLOBALS)
		return;
	atomic_fetch_add_explicit(&mx->shm->globals[g], n,
				  memory_order_relaxed);
}

/* Counters as flat arrays, for folding and summing alike. */
#define METRICS_NWORDS (sizeof(struct metrics_counters) / sizeof(uint64_t))
_Static_assert(sizeof(struct metrics_counters) % sizeof(uint64_t) == 0,
	       "counters are whole words");

static _Atomic uint64_t *
metrics_words(struct metrics_counters *c)
{
	return (_Atomic uint64_t *)c;
}

void
metrics_slot_fold(struct metrics *mx, int idx, bool exited_cleanly)
{
	_Atomic uint64_t *from, *to;
	uint64_t seq, v;
	size_t i, last;

	if (!mx || !mx->writable || idx < 0 || (unsigned int)idx >= mx->nslots)
		return;
	from = metrics_words(&mx->blocks[idx]);
	to = metrics_words(&mx->shm->folded);
	/* The last commit's latency is a gauge of live workers: not summed. */
	last = offsetof(struct metrics_counters, commit_last_ns) /
	       sizeof(uint64_t);
	seq = atomic_load_explicit(&mx->shm->fold_seq, memory_order_relaxed);
	atomic_store_explicit(&mx->shm->fold_seq, seq + 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (i = 0; i < METRICS_NWORDS; i++) {
		v = atomic_load_explicit(&from[i], memory_order_relaxed);
		if (v && i != last)
			atomic_fetch_add_explicit(&to[i], v,
						  memory_order_relaxed);
		atomic_store_explicit(&from[i], 0, memory_order_relaxed);
	}
	atomic_store_explicit(&mx->shm->fold_seq, seq + 2,
			      memory_order_release);
	if (exited_cleanly)
		metrics_global_add(mx, METRICS_G_WORKER_EXITS, 1);
}

static void
metrics_sum(const struct metrics *mx, struct metrics_snapshot *out)
{
	/* The snapshot's counter part has the layout of the counters. */
	uint64_t sum[METRICS_NWORDS];
	const _Atomic uint64_t *w;
	const struct metrics_counters *b;
	size_t i, last;
	unsigned int s, t, a;

	last = offsetof(struct metrics_counters, commit_last_ns) /
	       sizeof(uint64_t);
	w = metrics_words(
		(struct metrics_counters *)(uintptr_t)&mx->shm->folded);
	for (i = 0; i < METRICS_NWORDS; i++)
		sum[i] = atomic_load_explicit(&w[i], memory_order_relaxed);
	sum[last] = 0;
	memset(out->conn_open, 0, sizeof(out->conn_open));
	for (s = 0; s < mx->nslots; s++) {
		b = &mx->blocks[s];
		w = metrics_words((struct metrics_counters *)(uintptr_t)b);
		for (i = 0; i < METRICS_NWORDS; i++) {
			uint64_t v = atomic_load_explicit(&w[i],
							  memory_order_relaxed);

			if (i == last) {
				if (v > sum[i])
					sum[i] = v;
			} else {
				sum[i] += v;
			}
		}
		for (t = 0; t < METRICS_NTRANSPORTS; t++) {
			for (a = 0; a < METRICS_NCONN_AUTHS; a++) {
				uint64_t n = atomic_load_explicit(
						 &b->conn_accepted[t][a],
						 memory_order_relaxed),
					 c = atomic_load_explicit(
						 &b->conn_closed[t][a],
						 memory_order_relaxed);

				out->conn_open[t][a] += n > c ? n - c : 0;
			}
		}
	}
	memcpy(out->calls, &sum[offsetof(struct metrics_counters, calls) / 8],
	       sizeof(out->calls));
	memcpy(out->replays,
	       &sum[offsetof(struct metrics_counters, replays) / 8],
	       sizeof(out->replays));
	memcpy(out->latency,
	       &sum[offsetof(struct metrics_counters, latency) / 8],
	       sizeof(out->latency));
	memcpy(out->latency_sum_ns,
	       &sum[offsetof(struct metrics_counters, latency_sum_ns) / 8],
	       sizeof(out->latency_sum_ns));
	memcpy(out->conn_accepted,
	       &sum[offsetof(struct metrics_counters, conn_accepted) / 8],
	       sizeof(out->conn_accepted));
	memcpy(out->conn_refused,
	       &sum[offsetof(struct metrics_counters, conn_refused) / 8],
	       sizeof(out->conn_refused));
	memcpy(out->conn_closed,
	       &sum[offsetof(struct metrics_counters, conn_closed) / 8],
	       sizeof(out->conn_closed));
	memcpy(out->auth_failures,
	       &sum[offsetof(struct metrics_counters, auth_failures) / 8],
	       sizeof(out->auth_failures));
	memcpy(out->commit, &sum[offsetof(struct metrics_counters, commit) / 8],
	       sizeof(out->commit));
	out->commit_sum_ns =
		sum[offsetof(struct metrics_counters, commit_sum_ns) / 8];
	out->commit_last_ns = sum[last];
}

void
metrics_snapshot(const struct metrics *mx, struct metrics_snapshot *out)
{
	uint64_t before, after;
	unsigned int i, tries;

	memset(out, 0, sizeof(*out));
	if (!mx)
		return;
	for (tries = 0; tries < METRICS_READ_TRIES; tries++) {
		before = atomic_load_explicit(&mx->shm->fold_seq,
					      memory_order_acquire);
		if (before & 1) {
			sched_yield();
			continue;
		}
		metrics_sum(mx, out);
		atomic_thread_fence(memory_order_acquire);
		after = atomic_load_explicit(&mx->shm->fold_seq,
					     memory_order_relaxed);
		if (before == after)
			break;
	}
	if (tries == METRICS_READ_TRIES)
		metrics_sum(mx, out);
	for (i = 0; i < METRICS_NGLOBALS; i++)
		out->globals[i] = atomic_load_explicit(&mx->shm->globals[i],
						       memory_order_relaxed);
	for (i = 0; i < METRICS_PROCS; i++) {
		memcpy(out->proc_names[i], mx->shm->proc_names[i],
		       METRICS_PROC_NAME_MAX);
		out->proc_names[i][METRICS_PROC_NAME_MAX - 1] = '\0';
	}
	snprintf(out->proc_names[METRICS_PROC_OTHER], METRICS_PROC_NAME_MAX,
		 "other");
}

/* ---------------------------------------------------------------- */
/* The writer side (a worker, its own block only)                    */
/* ---------------------------------------------------------------- */

/* One writer per block: a relaxed load and store, no locked add. */
static inline void
metrics_bump(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static unsigned int
metrics_bucket(uint64_t ns)
{
	unsigned int i;

	for (i = 0; i < METRICS_NBOUNDS; i++)
		if (ns <= metrics_bounds[i])
			return i;
	return METRICS_NBOUNDS;
}

uint64_t
metrics_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
metrics_worker_bind(struct metrics *mx, int idx)
{
	metrics_mine = NULL;
	metrics_bound = NULL;
	if (!mx || !mx->writable || idx < 0 || (unsigned int)idx >= mx->nslots)
		return;
	metrics_mine = &mx->blocks[idx];
	metrics_bound = mx;
}

void
metrics_worker_conn_auth(const unsigned int auth[METRICS_NTRANSPORTS])
{
	for (unsigned int t = 0; t < METRICS_NTRANSPORTS; t++)
		if (metrics_conn_auth_fits(t, auth[t]))
			metrics_ca[t] = auth[t];
}

void
metrics_call_begin(int32_t proc)
{
	if (!metrics_mine)
		return;
	metrics_proc = proc >= 0 && proc < METRICS_PROCS ? (unsigned int)proc
							 : METRICS_PROC_OTHER;
	metrics_outcome = METRICS_OUTCOME_REJECTED;
	metrics_t0 = metrics_now_ns();
}

void
metrics_call_outcome(int code)
{
	if (code < 0)
		metrics_outcome = METRICS_OUTCOME_OTHER;
	else if (code < METRICS_CODES)
		metrics_outcome = (unsigned int)code;
	else
		metrics_outcome = METRICS_OUTCOME_OTHER;
}

void
metrics_call_replayed(void)
{
	if (metrics_mine)
		metrics_bump(&metrics_mine->replays[metrics_proc], 1);
}

void
metrics_call_end(void)
{
	uint64_t ns;

	if (!metrics_mine)
		return;
	ns = metrics_now_ns() - metrics_t0;
	metrics_bump(&metrics_mine->calls[metrics_proc][metrics_outcome], 1);
	metrics_bump(&metrics_mine->latency[metrics_proc][metrics_bucket(ns)],
		     1);
	metrics_bump(&metrics_mine->latency_sum_ns[metrics_proc], ns);
}

void
metrics_conn_accepted(unsigned int transport)
{
	if (metrics_mine && transport < METRICS_NTRANSPORTS)
		metrics_bump(
			&metrics_mine->conn_accepted[transport]
						    [metrics_ca[transport]],
			1);
}

void
metrics_conn_refused(unsigned int transport)
{
	if (metrics_mine && transport < METRICS_NTRANSPORTS)
		metrics_bump(&metrics_mine->conn_refused[transport]
							[metrics_ca[transport]],
			     1);
}

void
metrics_conn_closed(unsigned int transport)
{
	if (metrics_mine && transport < METRICS_NTRANSPORTS)
		metrics_bump(&metrics_mine->conn_closed[transport]
						       [metrics_ca[transport]],
			     1);
}

void
metrics_auth_failed(enum metrics_auth method)
{
	if (metrics_mine && (unsigned int)method < METRICS_NAUTHS)
		metrics_bump(&metrics_mine->auth_failures[method], 1);
}

void
metrics_keepalive_dropped(void)
{
	/* Rare: a global count, not a slot's (no fold needed). */
	metrics_global_add(metrics_bound, METRICS_G_KEEPALIVE_DROPS, 1);
}

void
metrics_store_commit(uint64_t ns)
{
	if (!metrics_mine)
		return;
	metrics_bump(&metrics_mine->commit[metrics_bucket(ns)], 1);
	metrics_bump(&metrics_mine->commit_sum_ns, ns);
	atomic_store_explicit(&metrics_mine->commit_last_ns, ns,
			      memory_order_relaxed);
}
