/* SPDX-License-Identifier: MIT */
/* t3000-scoreboard: layout checks, slots, writer calls and the seqlock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../scoreboard/scoreboard.h"

static char tmpdir[64];
static char sb_path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/t3000.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(sb_path, sizeof(sb_path), "%s/rvirtd.scoreboard", tmpdir);
	return 0;
}

/* Remove every file of the temporary directory, then the directory. */
static int
teardown(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Files in the temporary directory (a leftover temporary name counts). */
static int
count_files(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(tmpdir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static struct sb *
create_or_fail(unsigned int nslots)
{
	struct rvirt_error err;
	struct sb *sb = sb_create(sb_path, nslots, &err);

	if (!sb)
		fail_msg("sb_create: %s", err.message);
	return sb;
}

static void
snap_or_fail(const struct sb *sb, struct sb_snapshot *snap)
{
	struct rvirt_error err;

	if (sb_snapshot(sb, snap, &err) != 0)
		fail_msg("sb_snapshot: %s", err.message);
}

/* Expect sb_attach to fail with code and a message containing part. */
static void
assert_attach_fails(int code, const char *part)
{
	struct rvirt_error err;
	struct sb *sb = sb_attach(sb_path, false, &err);

	if (sb) {
		sb_detach(sb);
		fail_msg("sb_attach succeeded, expected '%s'", part);
	}
	assert_int_equal(err.code, code);
	if (!strstr(err.message, part) || !strstr(err.message, sb_path))
		fail_msg("message '%s' lacks '%s' or the path", err.message,
			 part);
}

static void
patch_file(off_t off, const void *buf, size_t len)
{
	int fd = open(sb_path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static void
test_create_attach(void **state)
{
	struct sb_snapshot snap;
	struct stat st;
	struct sb *sb, *ro;
	struct rvirt_error err;
	mode_t old = umask(077);
	unsigned int i;
	time_t now = time(NULL);

	(void)state;
	sb = create_or_fail(4);
	umask(old);
	assert_int_equal(stat(sb_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, 64 + 128 + 4 * 512);
	assert_int_equal(count_files(), 1);

	ro = sb_attach(sb_path, false, &err);
	if (!ro)
		fail_msg("sb_attach: %s", err.message);
	assert_int_equal(sb_nslots(ro), 4);
	snap_or_fail(ro, &snap);
	assert_int_equal(snap.nslots, 4);
	assert_int_equal(snap.master_pid, getpid());
	assert_true(snap.master_alive);
	assert_int_equal(snap.generation, 0);
	assert_true(snap.start_time >= now - 1 && snap.start_time <= now + 1);
	assert_true(snap.now_mono_ns >= snap.start_mono_ns);
	for (i = 0; i < SB_NTOTALS; i++)
		assert_int_equal(snap.totals[i], 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(snap.slots[i].state, SB_STATE_EMPTY);
		assert_int_equal(snap.slots[i].proc, -1);
		assert_string_equal(snap.slots[i].client, "");
	}
	sb_snapshot_release(&snap);
	sb_detach(ro);
	sb_detach(sb);
	sb_detach(NULL);
}

static void
test_create_bad_nslots(void **state)
{
	struct rvirt_error err;

	(void)state;
	assert_null(sb_create(sb_path, 0, &err));
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	assert_non_null(strstr(err.message, "0 slots, expected 1 to 16384"));
	assert_null(sb_create(sb_path, SB_SLOTS_MAX + 1, &err));
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	assert_int_equal(count_files(), 0);
}

static void
test_create_no_dir(void **state)
{
	struct rvirt_error err;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing/rvirtd.scoreboard", tmpdir);
	assert_null(sb_create(path, 1, &err));
	assert_int_equal(err.code, RVIRT_ERR_SYSTEM);
	assert_non_null(strstr(err.message, "cannot create scoreboard"));
	assert_non_null(strstr(err.message, "no such file or directory"));
}

static void
test_attach_refuses(void **state)
{
	struct sb_shm_header hdr;
	uint32_t v;
	char zero[4096] = { 0 };
	struct sb *sb;
	int fd;

	(void)state;
	assert_attach_fails(RVIRT_ERR_SYSTEM, "cannot open scoreboard");

	fd = open(sb_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, zero, 10), 10);
	close(fd);
	assert_attach_fails(RVIRT_ERR_INVALID_ARG, "too short for a header");

	fd = open(sb_path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, zero, 704), 704);
	close(fd);
	assert_attach_fails(RVIRT_ERR_INVALID_ARG, "bad magic");

	sb = create_or_fail(1);
	sb_detach(sb);
	v = 2;
	patch_file(offsetof(struct sb_shm_header, version), &v, sizeof(v));
	assert_attach_fails(RVIRT_ERR_NO_SUPPORT,
			    "layout version 2, this program reads version 1");

	sb = create_or_fail(1);
	sb_detach(sb);
	v = 1024;
	patch_file(offsetof(struct sb_shm_header, slot_size), &v, sizeof(v));
	assert_attach_fails(RVIRT_ERR_NO_SUPPORT, "slots of 1024 bytes");

	sb = create_or_fail(1);
	sb_detach(sb);
	v = 0;
	patch_file(offsetof(struct sb_shm_header, nslots), &v, sizeof(v));
	assert_attach_fails(RVIRT_ERR_INVALID_ARG, "0 slots");

	sb = create_or_fail(2);
	sb_detach(sb);
	assert_int_equal(truncate(sb_path, 64 + 128 + 512), 0);
	assert_attach_fails(RVIRT_ERR_INVALID_ARG,
			    "file is 704 bytes, expected 1216 for 2 slots");

	/* A header that passes means the mapping is usable. */
	sb = create_or_fail(2);
	sb_detach(sb);
	fd = open(sb_path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, &hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	close(fd);
	assert_true(hdr.magic == SB_MAGIC);
	assert_int_equal(hdr.header_size, 192);
	assert_int_equal(hdr.slot_size, 512);
}

static void
test_claim_release(void **state)
{
	struct sb_snapshot snap;
	struct sb *sb;

	(void)state;
	sb = create_or_fail(3);
	assert_int_equal(sb_slot_claim(sb, 100, 7), 0);
	assert_int_equal(sb_slot_claim(sb, 101, 7), 1);
	assert_int_equal(sb_slot_claim(sb, 102, 7), 2);
	assert_int_equal(sb_slot_claim(sb, 103, 7), -1);

	sb_slot_release(sb, 1);
	assert_int_equal(sb_slot_claim(sb, 104, 8), 1);
	/* A dead slot is free for the master too. */
	sb_slot_set_state(sb, 2, SB_STATE_DEAD);
	assert_int_equal(sb_slot_claim(sb, 105, 8), 2);

	snap_or_fail(sb, &snap);
	assert_int_equal(snap.totals[SB_TOTAL_SPAWNS], 5);
	assert_int_equal(snap.slots[0].pid, 100);
	assert_int_equal(snap.slots[0].generation, 7);
	assert_int_equal(snap.slots[0].state, SB_STATE_STARTING);
	assert_true(snap.slots[0].spawn_ns > 0);
	assert_int_equal(snap.slots[1].pid, 104);
	assert_int_equal(snap.slots[1].generation, 8);
	assert_int_equal(snap.slots[2].pid, 105);
	assert_int_equal(snap.slots[2].state, SB_STATE_STARTING);
	sb_snapshot_release(&snap);

	sb_slot_release(sb, 0);
	sb_slot_release(sb, -1);
	sb_slot_release(sb, 3);
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[0].state, SB_STATE_EMPTY);
	assert_int_equal(snap.slots[0].pid, 0);
	sb_snapshot_release(&snap);
	sb_detach(sb);
}

static void
test_writer_calls(void **state)
{
	char long_name[100], long_client[300];
	struct sb_snapshot snap;
	struct sb *sb;
	int idx;

	(void)state;
	sb = create_or_fail(2);
	idx = sb_slot_claim(sb, 0, 1);
	assert_int_equal(idx, 0);
	sb_slot_set_pid(sb, idx, 4242);
	sb_slot_set_state(sb, idx, SB_STATE_IDLE);
	sb_slot_conn_open(sb, idx);
	sb_slot_conn_open(sb, idx);
	sb_slot_conn_close(sb, idx);
	sb_slot_set_client(sb, idx, "unix:uid=1000");
	sb_slot_call_begin(sb, idx, 12, "domain_lookup_by_name");

	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[0].pid, 4242);
	assert_int_equal(snap.slots[0].state, SB_STATE_BUSY);
	assert_int_equal(snap.slots[0].proc, 12);
	assert_string_equal(snap.slots[0].proc_name, "domain_lookup_by_name");
	assert_string_equal(snap.slots[0].client, "unix:uid=1000");
	assert_int_equal(snap.slots[0].conns_open, 1);
	assert_int_equal(snap.slots[0].conns_total, 2);
	assert_int_equal(snap.slots[0].calls, 0);
	assert_true(snap.slots[0].call_ns > 0);
	assert_int_equal(snap.totals[SB_TOTAL_ACCEPTED], 2);
	sb_snapshot_release(&snap);

	sb_slot_call_end(sb, idx);
	sb_slot_conn_close(sb, idx);
	sb_slot_conn_close(sb, idx); /* not below zero */
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[0].state, SB_STATE_IDLE);
	assert_int_equal(snap.slots[0].calls, 1);
	assert_int_equal(snap.slots[0].proc, 12); /* the last one stays */
	assert_int_equal(snap.slots[0].conns_open, 0);
	assert_int_equal(snap.totals[SB_TOTAL_CALLS], 1);
	sb_snapshot_release(&snap);

	/* Long strings are cut and NUL-terminated; shorter ones leave no
	 * tail of the longer. */
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memset(long_client, 'c', sizeof(long_client) - 1);
	long_client[sizeof(long_client) - 1] = '\0';
	sb_slot_call_begin(sb, idx, 3, long_name);
	sb_slot_set_client(sb, idx, long_client);
	snap_or_fail(sb, &snap);
	assert_int_equal(strlen(snap.slots[0].proc_name), SB_PROC_NAME_MAX - 1);
	assert_int_equal(strlen(snap.slots[0].client), SB_CLIENT_MAX - 1);
	sb_snapshot_release(&snap);
	sb_slot_call_begin(sb, idx, 4, NULL);
	sb_slot_set_client(sb, idx, "tcp:127.0.0.1:40000");
	snap_or_fail(sb, &snap);
	assert_string_equal(snap.slots[0].proc_name, "");
	assert_string_equal(snap.slots[0].client, "tcp:127.0.0.1:40000");
	sb_snapshot_release(&snap);
	sb_slot_set_client(sb, idx, NULL);

	/* Out of range, bad state: no-ops, no crash. */
	sb_slot_set_state(sb, 2, SB_STATE_BUSY);
	sb_slot_set_state(sb, -1, SB_STATE_BUSY);
	sb_slot_set_state(sb, idx, SB_STATE_UNKNOWN);
	sb_slot_call_end(sb, 5);
	sb_global_add(sb, SB_NTOTALS, 1);

	sb_global_set_master(sb, 77, 3);
	sb_global_add(sb, SB_TOTAL_CRASHES, 2);
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.master_pid, 77);
	assert_int_equal(snap.generation, 3);
	assert_int_equal(snap.totals[SB_TOTAL_CRASHES], 2);
	assert_int_equal(snap.slots[0].state, SB_STATE_BUSY);
	assert_string_equal(snap.slots[0].client, "");
	assert_int_equal(snap.slots[1].state, SB_STATE_EMPTY);
	sb_snapshot_release(&snap);
	sb_detach(sb);
}

static void
test_read_only_handle(void **state)
{
	struct rvirt_error err;
	struct sb_snapshot snap;
	struct sb *sb, *ro;

	(void)state;
	sb = create_or_fail(1);
	ro = sb_attach(sb_path, false, &err);
	assert_non_null(ro);
	/* Writing through a PROT_READ mapping would fault: these must not. */
	assert_int_equal(sb_slot_claim(ro, 1, 1), -1);
	sb_slot_set_state(ro, 0, SB_STATE_BUSY);
	sb_slot_call_begin(ro, 0, 1, "x");
	sb_slot_call_end(ro, 0);
	sb_slot_set_client(ro, 0, "x");
	sb_slot_conn_open(ro, 0);
	sb_slot_release(ro, 0);
	sb_global_add(ro, SB_TOTAL_CALLS, 1);
	sb_global_set_master(ro, 1, 1);
	snap_or_fail(ro, &snap);
	assert_int_equal(snap.slots[0].state, SB_STATE_EMPTY);
	assert_int_equal(snap.totals[SB_TOTAL_CALLS], 0);
	sb_snapshot_release(&snap);
	sb_detach(ro);
	sb_detach(sb);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An owner killed between the two increments leaves the sequence odd. */
static void
test_stuck_writer(void **state)
{
	struct sb_snapshot snap;
	struct sb_shm_slot *raw;
	unsigned char *base;
	struct sb *sb;
	int64_t t0;
	size_t len = 64 + 128 + 2 * 512;
	int fd;

	(void)state;
	sb = create_or_fail(2);
	assert_int_equal(sb_slot_claim(sb, 10, 1), 0);
	assert_int_equal(sb_slot_claim(sb, 11, 1), 1);
	fd = open(sb_path, O_RDWR);
	assert_true(fd >= 0);
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(base != MAP_FAILED);
	raw = (struct sb_shm_slot *)(base + 192);
	atomic_fetch_add(&raw[1].seq, 1);

	t0 = mono_ms();
	snap_or_fail(sb, &snap);
	/* A torn slot is given up on, not waited for: bounded, not timed. */
	assert_true(mono_ms() - t0 < 60000);
	assert_int_equal(snap.slots[0].state, SB_STATE_STARTING);
	assert_int_equal(snap.slots[0].pid, 10);
	assert_int_equal(snap.slots[1].state, SB_STATE_UNKNOWN);
	assert_int_equal(snap.slots[1].pid, 0);
	assert_int_equal(snap.slots[1].proc, -1);
	sb_snapshot_release(&snap);

	/* The master releases the reaped worker's slot: readable again. */
	sb_slot_release(sb, 1);
	assert_int_equal(atomic_load(&raw[1].seq) & 1, 0);
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[1].state, SB_STATE_EMPTY);
	sb_snapshot_release(&snap);
	assert_int_equal(sb_slot_claim(sb, 12, 2), 1);
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[1].pid, 12);
	sb_snapshot_release(&snap);
	munmap(base, len);
	sb_detach(sb);
}

/* The master claims before fork; the worker writes through the mapping
 * it inherited, and a worker started afresh attaches read-write. */
static void
test_fork_worker(void **state)
{
	struct sb_snapshot snap;
	struct sb *sb;
	pid_t pid;
	int idx, status;

	(void)state;
	sb = create_or_fail(2);
	idx = sb_slot_claim(sb, 0, 5);
	assert_int_equal(idx, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sb *again;

		sb_slot_set_pid(sb, idx, getpid());
		sb_slot_set_state(sb, idx, SB_STATE_IDLE);
		sb_slot_call_begin(sb, idx, 1, "connect_open");
		sb_slot_call_end(sb, idx);
		again = sb_attach(sb_path, true, NULL);
		if (!again)
			_exit(1);
		sb_slot_call_begin(again, idx, 2, "connect_close");
		sb_slot_call_end(again, idx);
		sb_detach(again);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snap_or_fail(sb, &snap);
	assert_int_equal(snap.slots[0].pid, pid);
	assert_int_equal(snap.slots[0].generation, 5);
	assert_int_equal(snap.slots[0].calls, 2);
	assert_string_equal(snap.slots[0].proc_name, "connect_close");
	assert_int_equal(snap.totals[SB_TOTAL_CALLS], 2);
	sb_snapshot_release(&snap);
	sb_detach(sb);
}

/* A new master replaces the file whole: old mappings keep the old one. */
static void
test_recreate(void **state)
{
	struct rvirt_error err;
	struct sb_snapshot snap;
	struct sb *old, *reader, *fresh;

	(void)state;
	old = create_or_fail(1);
	reader = sb_attach(sb_path, false, &err);
	assert_non_null(reader);
	assert_int_equal(sb_slot_claim(old, 1, 1), 0);
	fresh = create_or_fail(3);
	assert_int_equal(count_files(), 1);

	snap_or_fail(reader, &snap);
	assert_int_equal(snap.nslots, 1);
	assert_int_equal(snap.slots[0].state, SB_STATE_STARTING);
	sb_snapshot_release(&snap);
	sb_detach(reader);
	reader = sb_attach(sb_path, false, &err);
	assert_non_null(reader);
	assert_int_equal(sb_nslots(reader), 3);
	sb_detach(reader);
	sb_detach(fresh);
	sb_detach(old);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(sb_state_name(SB_STATE_EMPTY), "empty");
	assert_string_equal(sb_state_name(SB_STATE_BUSY), "busy");
	assert_string_equal(sb_state_name(SB_STATE_DEAD), "dead");
	assert_string_equal(sb_state_name(SB_STATE_UNKNOWN), "unknown");
	assert_string_equal(sb_state_name((enum sb_state)99), "unknown");
	assert_string_equal(sb_total_name(SB_TOTAL_CALLS), "calls");
	assert_string_equal(sb_total_name(SB_NTOTALS), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_attach, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_bad_nslots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_no_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attach_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_claim_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_calls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only_handle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stuck_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fork_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recreate, setup, teardown),
		cmocka_unit_test(test_names),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
