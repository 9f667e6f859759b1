/* SPDX-License-Identifier: MIT */
/* pool: which workers count as spare, from the time they spend awake. */
#include "pool.h"

void
pool_sample_update(struct pool_sample *ps, const struct sb_slot_info *si,
		   int64_t now_ns)
{
	if (si->state == SB_STATE_UNKNOWN)
		return;
	if (ps->at_ns > 0 && now_ns > ps->at_ns && si->busy_ns >= ps->busy_ns) {
		uint64_t busy = si->busy_ns - ps->busy_ns;
		uint64_t span = (uint64_t)(now_ns - ps->at_ns);

		ps->busy_pct =
			busy >= span ? 100 : (unsigned int)(busy * 100 / span);
		ps->valid = true;
	}
	ps->busy_ns = si->busy_ns;
	ps->at_ns = now_ns;
}

bool
pool_worker_idle(const struct sb_slot_info *si, const struct pool_sample *ps,
		 uint64_t cap)
{
	switch (si->state) {
	case SB_STATE_STARTING:
		return true;
	case SB_STATE_IDLE:
	case SB_STATE_READING:
	case SB_STATE_BUSY:
	case SB_STATE_CLOSING:
		if (!ps->valid)
			return si->state == SB_STATE_IDLE &&
			       si->conns_open == 0;
		return ps->busy_pct < POOL_BUSY_PCT && si->conns_open < cap;
	default:
		return false;
	}
}

bool
pool_worker_retirable(const struct sb_slot_info *si,
		      const struct pool_sample *ps, uint64_t cap)
{
	return si->state == SB_STATE_IDLE && si->conns_open == 0 &&
	       pool_worker_idle(si, ps, cap);
}
