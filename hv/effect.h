/* SPDX-License-Identifier: MIT */
/* effect: the intent of the call in progress, for drivers that act on the world. */
#ifndef RVIRT_HV_EFFECT_H
#define RVIRT_HV_EFFECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hv_conn;

/*
 * A change that a driver makes outside the store (a process started,
 * killed, stopped, continued, pinned) cannot be rolled back with the
 * store transaction.  The server tells the driver, for the call in
 * progress, which intent it runs under (doc/sessions.md): a tag that
 * names the call, and whether an earlier run of the same call may
 * already have acted (it died between its effect and its commit).  The
 * driver
 *   - gives every process it starts the environment variable
 *     HV_EFFECT_ENV=TAG, so that a guest can be traced to its call;
 *   - notes the process it is about to act on (or has just started)
 *     with hv_effect_note before the effect, so that a later run can
 *     tell "done" from "not done" by looking at the world;
 *   - on a re-run, reconciles: adopts the guest an earlier run started,
 *     reports a destroy whose target is gone as done, and so on.
 * A worker serves one call at a time, so there is one current effect
 * per process; hv knows nothing of sessions: the note is written by
 * the server's callback.
 */

#define HV_EFFECT_TAG_MAX 32
#define HV_EFFECT_ENV "RVIRT_INTENT"

struct hv_effect {
	char tag[HV_EFFECT_TAG_MAX + 1]; /* hex, non-empty */
	bool resent;	/* an earlier run of this call left its intent */
	pid_t pid;	/* what the earlier run noted, 0: nothing */
	uint64_t start; /* its start time (procdom_alive) */
	/* Write a note down (the server's); may be NULL. */
	void (*note)(void *opaque, pid_t pid, uint64_t start);
	void *opaque;
};

/* Make e the current effect (borrowed until cleared); NULL clears. */
void hv_effect_set(struct hv_effect *e);

/* The current effect, NULL outside a call with an intent. */
const struct hv_effect *hv_effect_current(void);

/*
 * Note the process that the call is about to act on, or has started:
 * written down before the effect, so a re-run finds it.  A no-op
 * without a current effect.
 */
void hv_effect_note(pid_t pid, uint64_t start);

/*
 * On a re-run, the process the earlier run noted: true with *pid and
 * *start when there is one.
 */
bool hv_effect_noted(pid_t *pid, uint64_t *start);

/*
 * Whether the drivers of c act on the world (the process and qemu
 * drivers do; the test driver keeps everything in the store).
 */
bool hv_has_effects(const struct hv_conn *c);

/*
 * SIGKILL the process groups of every process of this user that
 * carries HV_EFFECT_ENV=tag in its environment, except the process
 * group of keep_pid (0: none), and wait for them to go.  Returns how many were killed.
 */
int hv_effect_reap(const char *tag, pid_t keep_pid);

/*
 * For an intent whose call will not come again: kill the processes
 * that carry tag and that no running domain of the process or qemu
 * driver is (nor was started by).  Opens its own read transaction.
 * Returns how many were killed, or -1 with *err.
 */
struct store;
struct rvirt_error;
int hv_effect_settle(struct store *st, const char *tag,
		     struct rvirt_error *err);

/*
 * Whether process pid carries HV_EFFECT_ENV=tag: 1 yes, 0 no or
 * unreadable.
 */
int hv_effect_tagged(pid_t pid, const char *tag);

/*
 * Reconciling a re-run (all false / no-ops on a first run):
 * hv_effect_adoptable: the earlier run noted the guest it started and
 * that guest still runs, carrying the tag: adopt it (*pid, *start).
 * hv_effect_reap_strays: kill the tagged processes of the earlier run
 * that nothing will adopt (all but keep_pid's group).
 * hv_effect_noted_gone: the process the earlier run acted on is gone.
 * hv_effect_noted_is: the earlier run acted on exactly this process.
 */
bool hv_effect_adoptable(pid_t *pid, uint64_t *start);
void hv_effect_reap_strays(pid_t keep_pid);
bool hv_effect_noted_gone(void);
bool hv_effect_noted_is(pid_t pid, uint64_t start);

#endif
