/* SPDX-License-Identifier: MIT */
/* admit: which connections a worker takes, sheds or refuses, per socket. */
#include <sys/resource.h>

#include "../common/err.h"
#include "admit.h"

void
admit_limits_init(struct admit_limits *al, const struct config *cfg,
		  uint64_t nofile)
{
	uint64_t hard = cfg->max_clients;

	if (nofile && nofile > ADMIT_FD_RESERVE + 1 &&
	    nofile - ADMIT_FD_RESERVE < hard)
		hard = nofile - ADMIT_FD_RESERVE;
	else if (nofile && nofile <= ADMIT_FD_RESERVE + 1)
		hard = 1;
	al->hard = hard ? (unsigned int)hard : 1;
	al->slots =
		cfg->max_clients_per_worker ? cfg->max_clients_per_worker : 1;
	al->strict = al->slots == 1;
	al->max_workers = cfg->max_workers;
	/* An eighth, at least one when there are two to share. */
	al->reserve = al->hard / 8;
	if (al->reserve == 0 && al->hard >= 2)
		al->reserve = 1;
}

enum admit_verdict
admit_decide(const struct admit_limits *al, enum listen_kind kind,
	     unsigned int total, unsigned int nonrw)
{
	if (kind == LISTEN_UNIX_RW)
		return total < al->hard ? ADMIT_OK : ADMIT_SHED;
	if (total < al->hard && nonrw < al->hard - al->reserve)
		return ADMIT_OK;
	return ADMIT_SHED;
}

bool
admit_sheddable(const struct conn *c, enum listen_kind kind, uint64_t now_ms)
{
	if (c->refuse)
		return false;
	if (kind != LISTEN_UNIX_RW && c->kind == LISTEN_UNIX_RW)
		return false;
	if (c->on_ready || c->out_len > 0 || c->pending_len > 0)
		return false;
	if (now_ms < c->last_active_ms ||
	    now_ms - c->last_active_ms < ADMIT_SHED_GRACE_MS)
		return false;
	return !c->sess.authenticated || !c->sess.hv ||
	       rpc_record_started(&c->rec);
}

struct conn *
admit_pick_anon(struct conn *list, enum listen_kind kind, uint64_t now_ms)
{
	struct conn *best = NULL;

	for (struct conn *c = list; c; c = c->next) {
		if (c->sess.authenticated || !c->sess.auth ||
		    !admit_sheddable(c, kind, now_ms))
			continue;
		if (!best || c->last_active_ms < best->last_active_ms)
			best = c;
	}
	return best;
}

struct conn *
admit_pick_shed(struct conn *list, enum listen_kind kind, uint64_t now_ms)
{
	struct conn *best = NULL;

	for (struct conn *c = list; c; c = c->next) {
		if (!admit_sheddable(c, kind, now_ms))
			continue;
		if (!best || c->last_active_ms < best->last_active_ms)
			best = c;
	}
	return best;
}

bool
admit_pool_full(const struct sb *sb, int self, unsigned int slots,
		unsigned int *others)
{
	struct sb_snapshot snap;
	struct rvirt_error err;
	bool full = true;

	*others = 0;
	if (!sb)
		return true;
	if (sb_snapshot(sb, &snap, &err) < 0)
		return true;
	for (unsigned int i = 0; i < snap.nslots; i++) {
		const struct sb_slot_info *s = &snap.slots[i];

		if ((int)i == self || s->generation != snap.generation)
			continue;
		if (s->state != SB_STATE_STARTING &&
		    s->state != SB_STATE_IDLE && s->state != SB_STATE_READING &&
		    s->state != SB_STATE_BUSY)
			continue;
		(*others)++;
		if (s->conns_open < slots)
			full = false;
	}
	sb_snapshot_release(&snap);
	return full;
}

uint64_t
admit_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX
					    : (uint64_t)rl.rlim_cur;
}
