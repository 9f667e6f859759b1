/* SPDX-License-Identifier: MIT */
/* procdom: domains that are host processes: spawn, identity, threads, /proc. */
#ifndef RVIRT_HV_PROCDOM_H
#define RVIRT_HV_PROCDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/rvirt_defs.h"
#include "../common/cpuset.h"

/*
 * The process and qemu drivers run each domain as a process of its own:
 * detached from the worker that starts it (a new session, and a double
 * fork so that the worker's intermediate child exits at once and the
 * domain is reparented to init or to a subreaper), so a worker's death,
 * a daemon restart or an upgrade leaves it running.  The worker cannot
 * waitpid it; what it knows comes from /proc, and a process is named by
 * its pid together with its start time (field 22 of /proc/PID/stat),
 * never by its pid alone: a pid can be reused once the process is gone.
 */

/* One line of /proc/PID/stat or /proc/PID/task/TID/stat. */
struct procdom_stat {
	char state; /* 'R', 'S', 'D', 'T', 't', 'Z', 'X', ... */
	int ppid;
	int pgrp;
	uint64_t utime;	    /* clock ticks */
	uint64_t stime;	    /* clock ticks */
	uint64_t starttime; /* clock ticks after boot (field 22) */
	int processor;	    /* the CPU it last ran on (field 39) */
	char comm[16];
};

/*
 * Parse the text of a stat file (comm may hold blanks and parentheses:
 * it ends at the last ')').  0, or -1 when malformed.
 */
int procdom_stat_parse(const char *text, struct procdom_stat *out);

/*
 * Read the stat of pid (tid 0) or of its thread tid.  proc_root NULL
 * means "/proc".  0, or -1 with errno (ENOENT: no such process).
 */
int procdom_stat_read(const char *proc_root, pid_t pid, pid_t tid,
		      struct procdom_stat *out);

/* Clock ticks to ns (sysconf(_SC_CLK_TCK)). */
uint64_t procdom_ticks_ns(uint64_t ticks);

/*
 * Whether the process pid that started at start is still there:
 * 1 alive (*state, when not NULL, gets its state letter), 0 gone (no
 * such pid, another process under that pid, or a zombie).
 */
int procdom_alive(pid_t pid, uint64_t start, char *state);

/*
 * The threads of pid, *tids malloc'd (*ntids of them, at most
 * RVIRT_VCPUS_MAX * 2 + 64).  0, or -1 with *err.
 */
int procdom_tasks(pid_t pid, pid_t **tids, size_t *ntids,
		  struct rvirt_error *err);

/* The name of thread tid of pid ("CPU 0/KVM"); 0 or -1 (gone). */
int procdom_task_comm(pid_t pid, pid_t tid, char *buf, size_t size);

/*
 * The vCPU threads of pid by their names, "CPU N/KVM" (as QEMU names
 * them with debug-threads=on): tids[i] for vCPU i < nvcpus, 0 when no
 * thread has that name.  Returns how many were found, or -1 with *err.
 */
int procdom_vcpu_tids(pid_t pid, unsigned int nvcpus, pid_t *tids,
		      struct rvirt_error *err);

/* Set / read a thread's affinity; 0, or -1 with *err naming what. */
int procdom_pin(pid_t tid, const struct cpuset *set, const char *what,
		struct rvirt_error *err);
int procdom_affinity(pid_t tid, struct cpuset *out, struct rvirt_error *err);

/* How to start a domain's process. */
struct procdom_launch {
	const char *path;	       /* absolute path of the program */
	char *const *argv;	       /* argv[0] included, NULL-terminated */
	const struct cpuset *affinity; /* set between fork and exec */
	const char *log_path;	       /* stdout and stderr appended here */
	bool hold;		       /* give it a start pipe as fd 3 */
	const char *console_tty;       /* stdin and stdout, else /dev/null
					  and the log (hv/console.h) */
};

/* A started domain process. */
struct procdom_proc {
	pid_t pid;
	uint64_t start; /* its start time, field 22 */
	int go_fd;	/* write end of the start pipe, -1 without hold */
};

/*
 * Start l->path detached (see above): stdin /dev/null, stdout and
 * stderr to the log, the affinity set before exec, every other file of
 * the worker closed, signals reset.  Returns once the program runs
 * (exec succeeded; an exec failure is reported with its errno), 0 with
 * *out, or -1 with *err.  With hold, the program finds the read end of
 * a pipe on fd 3: procdom_release writes the byte it waits for.  Its
 * environment is the worker's, with HV_EFFECT_ENV set to the tag of the
 * current effect when there is one (hv/effect.h).
 */
int procdom_spawn(const struct procdom_launch *l, struct procdom_proc *out,
		  struct rvirt_error *err);

/* Let a held program go (one byte on the start pipe) and close the pipe. */
int procdom_release(struct procdom_proc *p, struct rvirt_error *err);

/*
 * Send sig to the domain's process (checked by pid and start time
 * first); with group, to its whole process group (the domain is a
 * session leader, so the group is everything it started).  1 sent,
 * 0 the process is gone, -1 with *err.
 */
int procdom_signal(pid_t pid, uint64_t start, int sig, bool group,
		   struct rvirt_error *err);

/*
 * Wait up to timeout_ms for the process to be gone (exited, a zombie,
 * or its pid reused).  1 gone, 0 still there at the deadline.
 */
int procdom_wait_gone(pid_t pid, uint64_t start, unsigned int timeout_ms);

/*
 * Wait up to timeout_ms until every thread of the process is stopped
 * (SIGSTOP seen: state 'T').  1 stopped, 0 not at the deadline.
 */
int procdom_wait_stopped(pid_t pid, uint64_t start, unsigned int timeout_ms);

/*
 * Kill the domain's process group with SIGKILL and wait for the process
 * to be gone (at most 5 s).  0, or -1 with *err.
 */
int procdom_kill(pid_t pid, uint64_t start, struct rvirt_error *err);

/*
 * After the domain's process pid has exited: SIGKILL what is left of
 * its process group (children it started and left behind).  Harmless
 * when nothing is left: a pid cannot be reused while a process group
 * still carries it.
 */
void procdom_kill_leftovers(pid_t pid);

/* mkdir -p dir, mode 0700 for what it creates.  0, or -1 with *err. */
int procdom_mkdirs(const char *dir, struct rvirt_error *err);

/*
 * Close every descriptor but those of keep (-1 entries ignored; keep is
 * sorted in place), with close_range over the gaps: async-signal-safe,
 * for a forked child (the guest's and the console holder's).
 */
void procdom_close_others(int *keep, size_t n);

#endif
