/* SPDX-License-Identifier: MIT */
/*
 * Rule 1 without sockets: guess slots (lockout.c) over a real store and
 * real Argon2id hashing, with many threads guessing one account at once.
 */
#include <sys/stat.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "frame.h"
#include "lockout.h"
#include "proto.h"
#include "pwerr.h"
#include "stats.h"
#include "store.h"
#include "verify.h"

/* The slot a guess took: named for the shared store, unused by LMDB's. */
static _Thread_local int64_t slot_id;

#define NTHREADS 16
#define MAX	 5
#define RIGHT	 "Right-Password-1"
#define WRONG	 "wrong-password"
#define LONG_MS	 60000 /* a deadline no healthy run reaches */

static struct fx_store fx;
static struct store *st;
static char right_hash[PWD_HASH_MAX];

static int
setup(void **state)
{
	(void)state;
	if (fx_store_open(&fx, "lockout") != 0)
		return -1;
	st = fx.st;
	if (verify_init(1, 8, 2) != PW_OK ||
	    verify_hash(RIGHT, strlen(RIGHT), right_hash, VERIFY_ROOT,
	    INT64_MAX / 2) != PW_OK)
		return -1;
	lockout_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return fx_store_close(&fx);
}

/* A fresh account whose login and confirmation passwords are RIGHT. */
static void
add_account(const char *name, uint32_t failures, bool locked, bool suspended)
{
	struct store_user u;
	int i;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.role = PW_ROLE_USER;
	u.suspended = suspended;
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		memcpy(u.f[i].hash, right_hash, sizeof(right_hash));
		u.f[i].failures = failures;
		u.f[i].locked = locked;
	}
	assert_int_equal(fx_user_add(st, &u), PW_OK);
}

static struct store_factor
stored(const char *name, uint8_t factor)
{
	struct store_user u;

	assert_int_equal(store_user_get(st, name, &u), PW_OK);
	return u.f[factor];
}

static int
unsuspend(struct store_user *u, void *arg)
{
	(void)arg;
	u->suspended = false;
	return 1;
}

static int
suspend(struct store_user *u, void *arg)
{
	(void)arg;
	u->suspended = true;
	return 1;
}

static int
new_hash(struct store_user *u, void *arg)
{
	snprintf(u->f[PW_FACTOR_LOGIN].hash, sizeof(u->f[0].hash), "%s",
	    (const char *)arg);
	return 1;
}

/*
 * A verified guess whose account changed while it was hashed: suspended,
 * or its password replaced.  No verdict and nothing counted either way,
 * and the slot is given back.
 */
static void
test_verdict_after_change(void **state)
{
	struct store_user u;
	char hash[sizeof(u.f[0].hash)];
	bool waited, locked_now;

	(void)state;
	add_account("chg", 2, false, false);
	assert_int_equal(lockout_enter(st, "chg", PW_FACTOR_LOGIN, 3,
	    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_OK);
	memcpy(hash, u.f[PW_FACTOR_LOGIN].hash, sizeof(hash));
	assert_int_equal(store_user_edit(st, "chg", suspend, NULL), PW_OK);
	assert_int_equal(lockout_leave(st, "chg", PW_FACTOR_LOGIN, true, hash,
	    3, 0, &locked_now, slot_id), PW_ERR_SUSPENDED);
	assert_int_equal(stored("chg", PW_FACTOR_LOGIN).failures, 2);
	assert_int_equal(store_user_edit(st, "chg", unsuspend, NULL), PW_OK);
	/* the one free slot (max 3, 2 failures) was given back */
	assert_int_equal(lockout_enter(st, "chg", PW_FACTOR_LOGIN, 3,
	    frame_now_ms() - 1, &u, &waited, &slot_id), PW_OK);
	char other[] = "$argon2id$v=19$m=8,t=1,p=1$bmV3$bmV3";

	assert_int_equal(store_user_edit(st, "chg", new_hash, other), PW_OK);
	assert_int_equal(lockout_leave(st, "chg", PW_FACTOR_LOGIN, true, hash,
	    3, 0, &locked_now, slot_id), PW_ERR_BUSY);
	assert_int_equal(stored("chg", PW_FACTOR_LOGIN).failures, 2);
	assert_int_equal(lockout_enter(st, "chg", PW_FACTOR_LOGIN, 3,
	    frame_now_ms() - 1, &u, &waited, &slot_id), PW_OK);
	memcpy(hash, u.f[PW_FACTOR_LOGIN].hash, sizeof(hash));
	assert_int_equal(lockout_leave(st, "chg", PW_FACTOR_LOGIN, true, hash,
	    3, 0, &locked_now, slot_id), PW_OK);
	assert_int_equal(stored("chg", PW_FACTOR_LOGIN).failures, 0);
}

/* One full guess, as handlers.c does it: slot, hash, durable verdict. */
struct guess {
	const char *name;
	uint8_t factor;
	const char *pw;
	uint32_t max;
	int64_t deadline_ms;
	pthread_barrier_t *start;
	/* results */
	int enter_r, leave_r;
	bool waited, verified, locked_now, done;
};

static void *
guess_thread(void *arg)
{
	struct guess *g = arg;
	struct store_user u;

	if (g->start != NULL)
		pthread_barrier_wait(g->start);
	g->leave_r = 1; /* not called */
	g->enter_r = lockout_enter(st, g->name, g->factor, g->max,
	    g->deadline_ms, &u, &g->waited, &slot_id);
	if (g->enter_r == PW_OK) {
		g->verified = verify_check(u.f[g->factor].hash, g->pw,
		    strlen(g->pw), VERIFY_ROOT, INT64_MAX / 2) == PW_OK;
		g->leave_r = lockout_leave(st, g->name, g->factor, g->verified, NULL,
		    g->max, 0, &g->locked_now, 0);
	}
	memset(&u, 0, sizeof(u));
	__atomic_store_n(&g->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Runs n guesses at once (released together by a barrier). */
static void
run_guesses(struct guess *g, size_t n)
{
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;
	size_t i;

	assert_true(n <= NTHREADS);
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (i = 0; i < n; i++) {
		g[i].start = &start;
		assert_int_equal(pthread_create(&tid[i], NULL, guess_thread,
		    &g[i]), 0);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
}

static void
init_guesses(struct guess *g, size_t n, const char *name, const char *pw,
    uint32_t max)
{
	size_t i;

	memset(g, 0, n * sizeof(*g));
	for (i = 0; i < n; i++) {
		g[i].name = name;
		g[i].factor = PW_FACTOR_LOGIN;
		g[i].pw = pw;
		g[i].max = max;
		g[i].deadline_ms = frame_now_ms() + LONG_MS;
	}
}

/*
 * 16 wrong guesses at once with max 5: exactly 5 are evaluated and stored,
 * the other 11 are refused as locked without hashing; one failure locks.
 * Repeated on fresh accounts to give races a chance to show.
 */
static void
test_concurrent_wrong(void **state)
{
	struct guess g[NTHREADS];
	struct store_factor f;
	int round;

	(void)state;
	for (round = 0; round < 20; round++) {
		char name[32];
		uint64_t hashes = stats_get(PW_STAT_HASHES);
		size_t i, entered = 0, locked = 0, locked_now = 0;

		snprintf(name, sizeof(name), "wrong%d", round);
		add_account(name, 0, false, false);
		init_guesses(g, NTHREADS, name, WRONG, MAX);
		run_guesses(g, NTHREADS);
		for (i = 0; i < NTHREADS; i++) {
			if (g[i].enter_r == PW_OK) {
				entered++;
				assert_false(g[i].verified);
				assert_int_equal(g[i].leave_r, PW_OK);
			} else if (g[i].enter_r == PW_ERR_LOCKED) {
				locked++;
			} else {
				fail_msg("round %d thread %zu: %s", round, i,
				    pw_strerror(g[i].enter_r));
			}
			locked_now += g[i].locked_now;
		}
		if (entered != MAX || locked != NTHREADS - MAX)
			fail_msg("round %d: %zu entered, %zu locked", round,
			    entered, locked);
		assert_int_equal(locked_now, 1);
		assert_int_equal(stats_get(PW_STAT_HASHES) - hashes, MAX);
		f = stored(name, PW_FACTOR_LOGIN);
		assert_int_equal(f.failures, MAX);
		assert_true(f.locked);
		/* the other factor was not touched */
		f = stored(name, PW_FACTOR_CONFIRM);
		assert_int_equal(f.failures, 0);
		assert_false(f.locked);
	}
}

/*
 * 4 failures stored, 16 right passwords at once: one slot is free, the
 * rest wait; every one succeeds (pam_tally2 would have locked them) and
 * the counter is back to 0.
 */
static void
test_concurrent_right(void **state)
{
	struct guess g[NTHREADS];
	struct store_factor f;
	int round;

	(void)state;
	for (round = 0; round < 10; round++) {
		char name[32];
		size_t i;

		snprintf(name, sizeof(name), "right%d", round);
		add_account(name, MAX - 1, false, false);
		init_guesses(g, NTHREADS, name, RIGHT, MAX);
		run_guesses(g, NTHREADS);
		for (i = 0; i < NTHREADS; i++) {
			if (g[i].enter_r != PW_OK)
				fail_msg("round %d thread %zu: %s", round, i,
				    pw_strerror(g[i].enter_r));
			assert_true(g[i].verified);
			assert_int_equal(g[i].leave_r, PW_OK);
			assert_false(g[i].locked_now);
		}
		f = stored(name, PW_FACTOR_LOGIN);
		assert_int_equal(f.failures, 0);
		assert_false(f.locked);
	}
}

/*
 * Right and wrong guesses mixed: whoever is refused as locked was refused
 * because max failures were stored; when the account ends unlocked every
 * right password got in.
 */
static void
test_concurrent_mixed(void **state)
{
	struct guess g[NTHREADS];
	struct store_factor f;
	int round;

	(void)state;
	for (round = 0; round < 10; round++) {
		char name[32];
		size_t i, wrong_evaluated = 0;

		snprintf(name, sizeof(name), "mixed%d", round);
		add_account(name, 0, false, false);
		init_guesses(g, NTHREADS, name, WRONG, MAX);
		for (i = 0; i < NTHREADS; i += 2)
			g[i].pw = RIGHT;
		run_guesses(g, NTHREADS);
		f = stored(name, PW_FACTOR_LOGIN);
		for (i = 0; i < NTHREADS; i++) {
			assert_true(g[i].enter_r == PW_OK ||
			    g[i].enter_r == PW_ERR_LOCKED);
			if (g[i].enter_r == PW_ERR_LOCKED)
				assert_true(f.locked);
			if (g[i].enter_r == PW_OK && !g[i].verified)
				wrong_evaluated++;
			if (!f.locked && g[i].pw[0] == 'R')
				assert_true(g[i].verified);
		}
		/* 8 wrong guesses: at most 8 were evaluated, and locked
		 * means exactly MAX consecutive ones were stored */
		assert_true(wrong_evaluated <= NTHREADS / 2);
		if (f.locked)
			assert_int_equal(f.failures, MAX);
		else
			assert_true(f.failures < MAX);
	}
}

/* Refusals that take no slot: suspended, locked, unknown. */
static void
test_refused_without_slot(void **state)
{
	struct store_user u;
	bool waited = true, locked_now;
	int i;

	(void)state;
	add_account("susp", 0, false, true);
	add_account("lockd", MAX, true, false);
	for (i = 0; i < 3; i++) {
		memset(&u, 0xa5, sizeof(u));
		assert_int_equal(lockout_enter(st, "susp", PW_FACTOR_LOGIN, 1,
		    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_ERR_SUSPENDED);
		assert_false(waited);
		assert_int_equal(u.name[0], '\0'); /* wiped */
		assert_int_equal(lockout_enter(st, "lockd", PW_FACTOR_LOGIN, MAX,
		    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_ERR_LOCKED);
		assert_false(waited);
		assert_int_equal(lockout_enter(st, "nobody", PW_FACTOR_LOGIN, MAX,
		    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_ERR_NOUSER);
	}
	/* suspended also for the confirmation password */
	assert_int_equal(lockout_enter(st, "susp", PW_FACTOR_CONFIRM, 1,
	    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_ERR_SUSPENDED);
	/* no slot was left behind: with max 1 the only slot is free at once
	 * (a deadline already past would time out a waiter) */
	assert_int_equal(store_user_edit(st, "susp", unsuspend, NULL), PW_OK);
	assert_int_equal(lockout_enter(st, "susp", PW_FACTOR_LOGIN, 1,
	    frame_now_ms() - 1, &u, &waited, &slot_id), PW_OK);
	assert_false(waited);
	assert_string_equal(u.name, "susp");
	assert_int_equal(lockout_leave(st, "susp", PW_FACTOR_LOGIN, true, NULL, 1,
	    0, &locked_now, 0), PW_OK);
	assert_false(locked_now);
}

/* A slot held past a waiter's deadline: the waiter gets BUSY, not LOCKED. */
static void
test_waiter_times_out(void **state)
{
	struct store_user a, b, c;
	bool waited, locked_now;
	int64_t deadline;

	(void)state;
	add_account("busy", 0, false, false);
	assert_int_equal(lockout_enter(st, "busy", PW_FACTOR_LOGIN, 2,
	    frame_now_ms() + LONG_MS, &a, &waited, &slot_id), PW_OK);
	assert_int_equal(lockout_enter(st, "busy", PW_FACTOR_LOGIN, 2,
	    frame_now_ms() + LONG_MS, &b, &waited, &slot_id), PW_OK);
	deadline = frame_now_ms() + 200;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(lockout_enter(st, "busy", PW_FACTOR_LOGIN, 2, deadline,
	    &c, &waited, &slot_id), PW_ERR_BUSY);
	assert_true(waited);
	assert_true(frame_now_ms() >= deadline);
	assert_int_equal(c.name[0], '\0');
	/* the other factor has its own slots */
	assert_int_equal(lockout_enter(st, "busy", PW_FACTOR_CONFIRM, 2,
	    frame_now_ms() - 1, &c, &waited, &slot_id), PW_OK);
	assert_int_equal(lockout_leave(st, "busy", PW_FACTOR_CONFIRM, true, NULL, 2,
	    0, &locked_now, 0), PW_OK);
	/* the held guesses fail: the second stored failure locks */
	assert_int_equal(lockout_leave(st, "busy", PW_FACTOR_LOGIN, false, NULL, 2,
	    0, &locked_now, 0), PW_OK);
	assert_false(locked_now);
	assert_int_equal(stored("busy", PW_FACTOR_LOGIN).failures, 1);
	assert_int_equal(lockout_leave(st, "busy", PW_FACTOR_LOGIN, false, NULL, 2,
	    0, &locked_now, 0), PW_OK);
	assert_true(locked_now);
	assert_int_equal(lockout_enter(st, "busy", PW_FACTOR_LOGIN, 2,
	    frame_now_ms() + LONG_MS, &c, &waited, &slot_id), PW_ERR_LOCKED);
	assert_false(waited);
}

/* Polls (1 ms steps) until the waiter counter passes `before'. */
static void
wait_for_waiter(uint64_t before)
{
	const struct timespec ms = { 0, 1000000 };
	int64_t end = frame_now_ms() + 10000;

	while (stats_get(PW_STAT_SLOT_WAITS) <= before) {
		if (frame_now_ms() > end)
			fail_msg("the guess never started waiting for a slot");
		nanosleep(&ms, NULL);
	}
}

/* Starts one guess in a thread that will have to wait; returns its id. */
static pthread_t
start_waiter(struct guess *g, const char *name, const char *pw, uint32_t max)
{
	uint64_t before = stats_get(PW_STAT_SLOT_WAITS);
	pthread_t tid;

	init_guesses(g, 1, name, pw, max);
	assert_int_equal(pthread_create(&tid, NULL, guess_thread, g), 0);
	wait_for_waiter(before);
	assert_false(__atomic_load_n(&g->done, __ATOMIC_SEQ_CST));
	return tid;
}

/*
 * Every slot held by guesses in flight: the waiter is refused as locked
 * only once max failures are stored.
 */
static void
test_waiter_locked_by_stored_failures(void **state)
{
	struct store_user a, b;
	struct guess g;
	bool waited, locked_now;
	pthread_t tid;

	(void)state;
	add_account("wl", 0, false, false);
	assert_int_equal(lockout_enter(st, "wl", PW_FACTOR_LOGIN, 2,
	    frame_now_ms() + LONG_MS, &a, &waited, &slot_id), PW_OK);
	assert_int_equal(lockout_enter(st, "wl", PW_FACTOR_LOGIN, 2,
	    frame_now_ms() + LONG_MS, &b, &waited, &slot_id), PW_OK);
	tid = start_waiter(&g, "wl", RIGHT, 2);
	assert_int_equal(lockout_leave(st, "wl", PW_FACTOR_LOGIN, false, NULL, 2,
	    0, &locked_now, 0), PW_OK);
	assert_int_equal(lockout_leave(st, "wl", PW_FACTOR_LOGIN, false, NULL, 2,
	    0, &locked_now, 0), PW_OK);
	assert_true(locked_now);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(g.enter_r, PW_ERR_LOCKED);
	assert_true(g.waited);
	assert_int_equal(stored("wl", PW_FACTOR_LOGIN).failures, 2);
}

/* A verified guess frees the slots: the waiter enters and succeeds. */
static void
test_waiter_enters_after_success(void **state)
{
	struct store_user a;
	struct guess g;
	bool waited, locked_now;
	pthread_t tid;

	(void)state;
	add_account("we", 0, false, false);
	assert_int_equal(lockout_enter(st, "we", PW_FACTOR_LOGIN, 1,
	    frame_now_ms() + LONG_MS, &a, &waited, &slot_id), PW_OK);
	tid = start_waiter(&g, "we", RIGHT, 1);
	assert_int_equal(lockout_leave(st, "we", PW_FACTOR_LOGIN, true, NULL, 1,
	    0, &locked_now, 0), PW_OK);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(g.enter_r, PW_OK);
	assert_true(g.waited);
	assert_true(g.verified);
	assert_int_equal(g.leave_r, PW_OK);
	assert_int_equal(stored("we", PW_FACTOR_LOGIN).failures, 0);
}

/* A success resets the stored counter; a failure is on disk at once. */
static void
test_counter_reset_and_durable(void **state)
{
	struct store_user u;
	bool waited, locked_now;
	int i;

	(void)state;
	add_account("cnt", 0, false, false);
	for (i = 1; i < MAX; i++) {
		assert_int_equal(lockout_enter(st, "cnt", PW_FACTOR_CONFIRM, MAX,
		    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_OK);
		assert_int_equal(lockout_leave(st, "cnt", PW_FACTOR_CONFIRM,
		    false, NULL, MAX, 0, &locked_now, 0), PW_OK);
		assert_false(locked_now);
		assert_int_equal(stored("cnt", PW_FACTOR_CONFIRM).failures, i);
	}
	assert_int_equal(lockout_enter(st, "cnt", PW_FACTOR_CONFIRM, MAX,
	    frame_now_ms() + LONG_MS, &u, &waited, &slot_id), PW_OK);
	assert_int_equal(lockout_leave(st, "cnt", PW_FACTOR_CONFIRM, true, NULL, MAX,
	    0, &locked_now, 0), PW_OK);
	assert_int_equal(stored("cnt", PW_FACTOR_CONFIRM).failures, 0);
	assert_int_equal(stored("cnt", PW_FACTOR_LOGIN).failures, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_after_change),
		cmocka_unit_test(test_concurrent_wrong),
		cmocka_unit_test(test_concurrent_right),
		cmocka_unit_test(test_concurrent_mixed),
		cmocka_unit_test(test_refused_without_slot),
		cmocka_unit_test(test_waiter_times_out),
		cmocka_unit_test(test_waiter_locked_by_stored_failures),
		cmocka_unit_test(test_waiter_enters_after_success),
		cmocka_unit_test(test_counter_reset_and_durable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
