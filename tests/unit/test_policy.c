/* SPDX-License-Identifier: MIT */
/*
 * policy.c, table-driven: lockout slots (rule 1), who may act on whom
 * (rule 3), password quality (rule 10) and expiry with an injected now (8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "proto.h"
#include "pwerr.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY	 86400

/* Rule 1: slots. */

static const struct slot_case {
	bool locked;
	uint32_t failures, inflight, max;
	enum policy_slot want;
} slot_cases[] = {
	/* a locked factor is refused whatever the counters say */
	{ true, 0, 0, 5, SLOT_LOCKED },
	{ true, 0, 3, 5, SLOT_LOCKED },
	{ true, 4, 0, 5, SLOT_LOCKED },
	{ true, 5, 0, 5, SLOT_LOCKED },
	{ true, 0, 0, 1, SLOT_LOCKED },
	/* free slots */
	{ false, 0, 0, 5, SLOT_ENTER },
	{ false, 0, 4, 5, SLOT_ENTER },
	{ false, 2, 2, 5, SLOT_ENTER },
	{ false, 4, 0, 5, SLOT_ENTER },
	/* every slot taken by guesses in flight: wait, never locked */
	{ false, 0, 5, 5, SLOT_WAIT },
	{ false, 2, 3, 5, SLOT_WAIT },
	{ false, 4, 1, 5, SLOT_WAIT },
	{ false, 4, 2, 5, SLOT_WAIT },
	{ false, 0, UINT32_MAX, 5, SLOT_WAIT },
	{ false, 4, UINT32_MAX, 5, SLOT_WAIT },
	/* stored failures reached max (or passed it: max was lowered) */
	{ false, 5, 0, 5, SLOT_LOCKED },
	{ false, 5, 7, 5, SLOT_LOCKED },
	{ false, 6, 0, 5, SLOT_LOCKED },
	{ false, 100, 0, 5, SLOT_LOCKED },
	{ false, UINT32_MAX, 0, 5, SLOT_LOCKED },
	/* max = 1: one guess at a time, locked after one failure */
	{ false, 0, 0, 1, SLOT_ENTER },
	{ false, 0, 1, 1, SLOT_WAIT },
	{ false, 0, UINT32_MAX, 1, SLOT_WAIT },
	{ false, 1, 0, 1, SLOT_LOCKED },
	{ false, 2, 0, 1, SLOT_LOCKED },
	/* the config's upper bound, and the type's */
	{ false, 99, 0, 100, SLOT_ENTER },
	{ false, 99, 1, 100, SLOT_WAIT },
	{ false, 100, 0, 100, SLOT_LOCKED },
	{ false, UINT32_MAX - 1, 0, UINT32_MAX, SLOT_ENTER },
	{ false, UINT32_MAX - 1, 1, UINT32_MAX, SLOT_WAIT },
	{ false, UINT32_MAX, 0, UINT32_MAX, SLOT_LOCKED },
	/* max = 0 is outside the config's range: fail closed */
	{ false, 0, 0, 0, SLOT_LOCKED },
};

static void
test_slot_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(slot_cases); i++) {
		const struct slot_case *c = &slot_cases[i];
		enum policy_slot got = policy_slot(c->locked, c->failures,
		    c->inflight, c->max);

		if (got != c->want)
			fail_msg("case %zu: locked=%d failures=%u inflight=%u "
			    "max=%u: got %d, want %d", i, c->locked, c->failures,
			    c->inflight, c->max, got, c->want);
	}
}

/* failures = max - 1 for every max: inflight 0 enters, inflight 1 waits. */
static void
test_slot_last_slot(void **state)
{
	uint32_t max;

	(void)state;
	for (max = 1; max <= 100; max++) {
		assert_int_equal(policy_slot(false, max - 1, 0, max), SLOT_ENTER);
		assert_int_equal(policy_slot(false, max - 1, 1, max), SLOT_WAIT);
		assert_int_equal(policy_slot(false, max, 0, max), SLOT_LOCKED);
	}
}

/*
 * The rule-1 property over a grid: an unlocked factor with fewer stored
 * failures than max is never LOCKED, whatever is in flight; it enters
 * exactly when failures + inflight < max.
 */
static void
test_slot_property(void **state)
{
	const uint32_t inflights[] = { 0, 1, 2, 3, 5, 8, 100, 65536,
		UINT32_MAX / 2, UINT32_MAX - 1, UINT32_MAX };
	uint32_t max, f;
	size_t i;

	(void)state;
	for (max = 1; max <= 12; max++)
		for (f = 0; f < max + 3; f++)
			for (i = 0; i < NELEM(inflights); i++) {
				uint32_t n = inflights[i];
				enum policy_slot got = policy_slot(false, f, n, max);
				enum policy_slot want;

				if (f >= max)
					want = SLOT_LOCKED;
				else if ((uint64_t)f + n < max)
					want = SLOT_ENTER;
				else
					want = SLOT_WAIT;
				if (got != want)
					fail_msg("failures=%u inflight=%u max=%u: "
					    "got %d, want %d", f, n, max, got, want);
				assert_int_equal(policy_slot(true, f, n, max),
				    SLOT_LOCKED);
			}
}

static void
test_locks_after(void **state)
{
	static const struct {
		uint32_t failures, max;
		bool want;
	} t[] = {
		{ 0, 1, false }, { 1, 1, true }, { 2, 1, true },
		{ 0, 5, false }, { 3, 5, false }, { 4, 5, false },
		{ 5, 5, true }, { 6, 5, true }, { UINT32_MAX, 5, true },
		{ 99, 100, false }, { 100, 100, true },
		{ UINT32_MAX - 1, UINT32_MAX, false },
		{ UINT32_MAX, UINT32_MAX, true },
		{ 0, 0, true }, /* out of range max: fail closed */
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(t); i++)
		if (policy_locks_after(t[i].failures, t[i].max) != t[i].want)
			fail_msg("policy_locks_after(%u, %u) != %d", t[i].failures,
			    t[i].max, t[i].want);
}

/* Slots and locking agree: the guess taking the last slot is the one whose
 * failure locks. */
static void
test_slot_and_lock_agree(void **state)
{
	uint32_t max, f;

	(void)state;
	for (max = 1; max <= 20; max++)
		for (f = 0; f < max; f++) {
			assert_int_equal(policy_slot(false, f, 0, max), SLOT_ENTER);
			assert_int_equal(policy_locks_after(f + 1, max), f + 1 == max);
		}
}

/* Rule 3. */

enum who { SELF, OTHER };

static const struct act_case {
	bool root;
	uint8_t actor_role;
	uint8_t target_role;
	enum who who;
	enum policy_act want;
} act_cases[] = {
	/* root (recovery) may act on anyone, itself and masters included */
	{ true, PW_ROLE_NONE, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_ADMIN, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_USER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_MASTER, SELF, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_ADMIN, SELF, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_USER, SELF, ACT_ALLOW },
	{ true, PW_ROLE_USER, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_ADMIN, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_MASTER, PW_ROLE_MASTER, SELF, ACT_ALLOW },
	/* master: anyone else; never itself */
	{ false, PW_ROLE_MASTER, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_ADMIN, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_USER, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_MASTER, SELF, ACT_DENY_SELF },
	{ false, PW_ROLE_MASTER, PW_ROLE_ADMIN, SELF, ACT_DENY_SELF },
	{ false, PW_ROLE_MASTER, PW_ROLE_USER, SELF, ACT_DENY_SELF },
	/* admin: admins and users; never a master, never itself */
	{ false, PW_ROLE_ADMIN, PW_ROLE_MASTER, OTHER, ACT_DENY_MASTER },
	{ false, PW_ROLE_ADMIN, PW_ROLE_ADMIN, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_ADMIN, PW_ROLE_USER, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_ADMIN, PW_ROLE_MASTER, SELF, ACT_DENY_SELF },
	{ false, PW_ROLE_ADMIN, PW_ROLE_ADMIN, SELF, ACT_DENY_SELF },
	{ false, PW_ROLE_ADMIN, PW_ROLE_USER, SELF, ACT_DENY_SELF },
	/* user and no role: no admin operation at all */
	{ false, PW_ROLE_USER, PW_ROLE_MASTER, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_ADMIN, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_USER, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_MASTER, SELF, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_ADMIN, SELF, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_USER, SELF, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_MASTER, OTHER, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_ADMIN, OTHER, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_USER, OTHER, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_MASTER, SELF, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_ADMIN, SELF, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_USER, SELF, ACT_DENY },
	/* role values outside the enum grant nothing */
	{ false, 4, PW_ROLE_USER, OTHER, ACT_DENY },
	{ false, 255, PW_ROLE_USER, OTHER, ACT_DENY },
	/* an admin acting on an account with an unknown role is not on a
	 * master; the store never holds such a role (decode refuses it) */
	{ false, PW_ROLE_ADMIN, PW_ROLE_NONE, OTHER, ACT_ALLOW },
};

static void
test_may_act_matrix(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(act_cases); i++) {
		const struct act_case *c = &act_cases[i];
		const char *actor = c->root ? "root" : "alice";
		const char *target = c->who == SELF ? actor : "bob";
		enum policy_act got = policy_may_act(c->root, c->actor_role,
		    actor, target, c->target_role);

		if (got != c->want)
			fail_msg("case %zu: root=%d actor_role=%u target_role=%u "
			    "%s: got %d, want %d", i, c->root, c->actor_role,
			    c->target_role, c->who == SELF ? "self" : "other", got,
			    c->want);
	}
}

/* Self is the exact name: a prefix or a different case is someone else. */
static void
test_may_act_names(void **state)
{
	(void)state;
	assert_int_equal(policy_may_act(false, PW_ROLE_MASTER, "alice",
	    "alice2", PW_ROLE_USER), ACT_ALLOW);
	assert_int_equal(policy_may_act(false, PW_ROLE_MASTER, "alice2",
	    "alice", PW_ROLE_USER), ACT_ALLOW);
	assert_int_equal(policy_may_act(false, PW_ROLE_MASTER, "alice",
	    "Alice", PW_ROLE_USER), ACT_ALLOW);
	assert_int_equal(policy_may_act(false, PW_ROLE_ADMIN, "alice",
	    "alice", PW_ROLE_MASTER), ACT_DENY_SELF);
}

/* Rule 3: usable masters and the last-master guard. */

static const struct usable_case {
	uint8_t role;
	bool suspended, login_locked, confirm_locked;
	bool want;
} usable_cases[] = {
	/* a master: usable only with nothing against it */
	{ PW_ROLE_MASTER, false, false, false, true },
	{ PW_ROLE_MASTER, true, false, false, false },
	{ PW_ROLE_MASTER, false, true, false, false },
	{ PW_ROLE_MASTER, false, false, true, false },
	{ PW_ROLE_MASTER, true, true, false, false },
	{ PW_ROLE_MASTER, true, false, true, false },
	{ PW_ROLE_MASTER, false, true, true, false },
	{ PW_ROLE_MASTER, true, true, true, false },
	/* any other role is never a usable master */
	{ PW_ROLE_ADMIN, false, false, false, false },
	{ PW_ROLE_USER, false, false, false, false },
	{ PW_ROLE_NONE, false, false, false, false },
	{ PW_ROLE_MASTER + 1, false, false, false, false },
	{ 255, false, false, false, false },
	{ PW_ROLE_ADMIN, true, true, true, false },
};

static void
test_master_usable_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(usable_cases); i++) {
		const struct usable_case *c = &usable_cases[i];
		bool got = policy_master_usable(c->role, c->suspended,
		    c->login_locked, c->confirm_locked);

		if (got != c->want)
			fail_msg("case %zu: role=%u suspended=%d "
			    "login_locked=%d confirm_locked=%d: got %d, "
			    "want %d", i, c->role, c->suspended,
			    c->login_locked, c->confirm_locked, got, c->want);
	}
}

static const struct guard_case {
	bool removes;
	uint32_t others;
	bool force, root;
	enum policy_guard want;
} guard_cases[] = {
	/* removes no usable master: always passes, none left or not */
	{ false, 0, false, false, GUARD_PASS },
	{ false, 0, false, true, GUARD_PASS },
	{ false, 0, true, false, GUARD_PASS },
	{ false, 0, true, true, GUARD_PASS },
	{ false, 1, false, false, GUARD_PASS },
	{ false, 1, false, true, GUARD_PASS },
	{ false, 1, true, false, GUARD_PASS },
	{ false, 1, true, true, GUARD_PASS },
	{ false, UINT32_MAX, false, false, GUARD_PASS },
	{ false, UINT32_MAX, true, true, GUARD_PASS },
	/* removes one, others remain: passes, and force changes nothing */
	{ true, 1, false, false, GUARD_PASS },
	{ true, 1, false, true, GUARD_PASS },
	{ true, 1, true, false, GUARD_PASS },
	{ true, 1, true, true, GUARD_PASS },
	{ true, 2, false, false, GUARD_PASS },
	{ true, 2, true, true, GUARD_PASS },
	{ true, UINT32_MAX, false, false, GUARD_PASS },
	{ true, UINT32_MAX, true, true, GUARD_PASS },
	/* removes the last one: only root's --force, and it says so */
	{ true, 0, false, false, GUARD_DENY },
	{ true, 0, false, true, GUARD_DENY },
	{ true, 0, true, false, GUARD_DENY },
	{ true, 0, true, true, GUARD_FORCED },
};

static void
test_last_master_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(guard_cases); i++) {
		const struct guard_case *c = &guard_cases[i];
		enum policy_guard got = policy_last_master(c->removes,
		    c->others, c->force, c->root);

		if (got != c->want)
			fail_msg("case %zu: removes=%d others=%u force=%d "
			    "root=%d: got %d, want %d", i, c->removes,
			    c->others, c->force, c->root, got, c->want);
	}
}

/* GUARD_DENY exactly when the last usable master goes without root's
 * force; GUARD_FORCED only then with it; force alone never helps. */
static void
test_last_master_property(void **state)
{
	static const uint32_t others[] = { 0, 1, 2, 3, 100, UINT32_MAX - 1,
		UINT32_MAX };
	enum policy_guard got, want;
	bool removes, force, root;
	unsigned int bits;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(others); i++)
		for (bits = 0; bits < 8; bits++) {
			removes = bits & 1;
			force = bits & 2;
			root = bits & 4;
			got = policy_last_master(removes, others[i], force,
			    root);
			if (!removes || others[i] > 0)
				want = GUARD_PASS;
			else if (force && root)
				want = GUARD_FORCED;
			else
				want = GUARD_DENY;
			if (got != want)
				fail_msg("removes=%d others=%u force=%d "
				    "root=%d: got %d, want %d", removes,
				    others[i], force, root, got, want);
			/* without root, force makes no difference */
			if (!root)
				assert_int_equal(got, policy_last_master(
				    removes, others[i], false, false));
		}
}

static const uint8_t new_roles[] = { PW_ROLE_USER, PW_ROLE_ADMIN,
	PW_ROLE_MASTER };

static const struct role_case {
	bool root;
	uint8_t actor_role;
	uint8_t target_role;
	enum who who;
	enum policy_act want; /* for every new role */
} role_cases[] = {
	/* admin: never, not even on a user or itself */
	{ false, PW_ROLE_ADMIN, PW_ROLE_USER, OTHER, ACT_DENY_NOT_MASTER },
	{ false, PW_ROLE_ADMIN, PW_ROLE_ADMIN, OTHER, ACT_DENY_NOT_MASTER },
	{ false, PW_ROLE_ADMIN, PW_ROLE_MASTER, OTHER, ACT_DENY_NOT_MASTER },
	{ false, PW_ROLE_ADMIN, PW_ROLE_ADMIN, SELF, ACT_DENY_NOT_MASTER },
	/* user and no role: no admin operation at all */
	{ false, PW_ROLE_USER, PW_ROLE_USER, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_ADMIN, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_MASTER, OTHER, ACT_DENY },
	{ false, PW_ROLE_USER, PW_ROLE_USER, SELF, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_USER, OTHER, ACT_DENY },
	{ false, PW_ROLE_NONE, PW_ROLE_MASTER, OTHER, ACT_DENY },
	{ false, 255, PW_ROLE_USER, OTHER, ACT_DENY },
	/* master: anyone else, whatever the new role; never itself */
	{ false, PW_ROLE_MASTER, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_ADMIN, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_USER, OTHER, ACT_ALLOW },
	{ false, PW_ROLE_MASTER, PW_ROLE_MASTER, SELF, ACT_DENY_SELF },
	/* root (recovery): anyone, whatever its own role field says */
	{ true, PW_ROLE_NONE, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_ADMIN, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_USER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_NONE, PW_ROLE_MASTER, SELF, ACT_ALLOW },
	{ true, PW_ROLE_USER, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
	{ true, PW_ROLE_ADMIN, PW_ROLE_MASTER, OTHER, ACT_ALLOW },
};

static void
test_may_set_role_matrix(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(role_cases); i++) {
		const struct role_case *c = &role_cases[i];
		const char *actor = c->root ? "root" : "alice";
		const char *target = c->who == SELF ? actor : "bob";

		for (j = 0; j < NELEM(new_roles); j++) {
			enum policy_act got = policy_may_set_role(c->root,
			    c->actor_role, actor, target, c->target_role,
			    new_roles[j]);

			if (got != c->want)
				fail_msg("case %zu: root=%d actor_role=%u "
				    "target_role=%u new_role=%u %s: got %d, "
				    "want %d", i, c->root, c->actor_role,
				    c->target_role, new_roles[j],
				    c->who == SELF ? "self" : "other", got,
				    c->want);
		}
	}
}

/* Rule 10. */

enum rule { R_OK, R_LENGTH, R_CLASSES, R_USER, R_OTHER };

/* A word every refusal of that rule must contain. */
static const char *const rule_word[] = {
	[R_OK] = NULL,
	[R_LENGTH] = "character", /* "at least 1 character", "8 characters" */
	[R_CLASSES] = "lower case, upper case, digits and other",
	[R_USER] = "user name",
	[R_OTHER] = "differ",
};

static const struct quality_case {
	const char *user, *pw, *other;
	uint32_t min_length, min_classes;
	enum rule want;
} quality_cases[] = {
	/* length boundary: min_length - 1 refused, min_length accepted */
	{ "alice", "Abcdefgh1", NULL, 10, 2, R_LENGTH },
	{ "alice", "Abcdefgh12", NULL, 10, 2, R_OK },
	{ "alice", "", NULL, 1, 1, R_LENGTH },
	{ "alice", "x", NULL, 1, 1, R_OK },
	{ "alice", "Abc1", NULL, 5, 1, R_LENGTH },
	{ "alice", "Abc12", NULL, 5, 1, R_OK },
	/* length is checked before classes */
	{ "alice", "abc", NULL, 10, 4, R_LENGTH },
	/* 1 class: lower only, upper only, digits only, other only */
	{ "alice", "qwertyuiop", NULL, 10, 1, R_OK },
	{ "alice", "qwertyuiop", NULL, 10, 2, R_CLASSES },
	{ "alice", "QWERTYUIOP", NULL, 10, 1, R_OK },
	{ "alice", "QWERTYUIOP", NULL, 10, 2, R_CLASSES },
	{ "alice", "1234567890", NULL, 10, 1, R_OK },
	{ "alice", "1234567890", NULL, 10, 2, R_CLASSES },
	{ "alice", "!@#$%^&*()", NULL, 10, 1, R_OK },
	{ "alice", "!@#$%^&*()", NULL, 10, 2, R_CLASSES },
	/* 2 classes */
	{ "alice", "qwertyuio1", NULL, 10, 2, R_OK },
	{ "alice", "qwertyuio1", NULL, 10, 3, R_CLASSES },
	{ "alice", "QWERTYUIO!", NULL, 10, 2, R_OK },
	{ "alice", "QWERTYUIO!", NULL, 10, 3, R_CLASSES },
	/* 3 classes */
	{ "alice", "Qwertyuio1", NULL, 10, 3, R_OK },
	{ "alice", "Qwertyuio1", NULL, 10, 4, R_CLASSES },
	{ "alice", "qwerty uio1", NULL, 10, 3, R_OK }, /* space is other */
	/* 4 classes */
	{ "alice", "Qwertyuio!1", NULL, 10, 1, R_OK },
	{ "alice", "Qwertyuio!1", NULL, 10, 2, R_OK },
	{ "alice", "Qwertyuio!1", NULL, 10, 3, R_OK },
	{ "alice", "Qwertyuio!1", NULL, 10, 4, R_OK },
	/* bytes outside ASCII count as "other" */
	{ "alice", "qwertyuio\xc3\xa9", NULL, 10, 2, R_OK },
	/* the user name, in any case, anywhere */
	{ "alice", "alice-Pass1", NULL, 10, 2, R_USER },
	{ "alice", "Pass1-alice", NULL, 10, 2, R_USER },
	{ "alice", "xxALICExx1", NULL, 10, 2, R_USER },
	{ "alice", "xxAlIcExx1", NULL, 10, 2, R_USER },
	{ "Alice", "xxalicexx1", NULL, 10, 2, R_USER },
	{ "alice", "xxalicalic1", NULL, 10, 2, R_OK }, /* only parts */
	{ "alice", "alic3-Passw0rd", NULL, 10, 2, R_OK },
	{ "bob.smith", "1bob.smith!", NULL, 10, 2, R_USER },
	{ "bob.smith", "1bob-smith!", NULL, 10, 2, R_OK },
	/* equal to the other password; other NULL = unknown */
	{ "alice", "Correct-Horse1", "Correct-Horse1", 10, 2, R_OTHER },
	{ "alice", "Correct-Horse1", "correct-horse1", 10, 2, R_OK },
	{ "alice", "Correct-Horse1", "Correct-Horse12", 10, 2, R_OK },
	{ "alice", "Correct-Horse1", "", 10, 2, R_OK },
	{ "alice", "Correct-Horse1", NULL, 10, 2, R_OK },
};

static void
check_quality(size_t i, const struct quality_case *c)
{
	char why[PW_WORDS_MAX];
	struct pw_why w;
	int r;

	memset(why, 'x', sizeof(why));
	r = policy_quality(c->user, c->pw, c->other, c->min_length,
	    c->min_classes, &w);
	(void)pw_words(r, &w, why, sizeof(why));
	if (c->want == R_OK) {
		if (r != PW_OK)
			fail_msg("case %zu (%s): refused: %s", i, c->pw, why);
		assert_string_equal(why, "");
		return;
	}
	if (r != PW_ERR_QUALITY)
		fail_msg("case %zu (%s): got %d, want PW_ERR_QUALITY", i, c->pw, r);
	if (strstr(why, rule_word[c->want]) == NULL)
		fail_msg("case %zu (%s): \"%s\" does not name the rule (%s)", i,
		    c->pw, why, rule_word[c->want]);
	/* one sentence, no secret in it */
	assert_true(strlen(why) > 0 && why[strlen(why) - 1] == '.');
	if (c->pw[0] != '\0')
		assert_null(strstr(why, c->pw));
}

static void
test_quality_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(quality_cases); i++)
		check_quality(i, &quality_cases[i]);
}

/* The refusal states the configured numbers. */
static void
test_quality_why_numbers(void **state)
{
	char why[PW_WORDS_MAX];
	struct pw_why w;
	uint32_t n;

	(void)state;
	assert_int_equal(policy_quality("alice", "short", NULL, 12, 1, &w),
	    PW_ERR_QUALITY);
	assert_non_null(strstr(pw_words(PW_ERR_QUALITY, &w, why, sizeof(why)),
	    "at least 12 characters"));
	for (n = 2; n <= 4; n++) {
		char want[32];

		assert_int_equal(policy_quality("alice", "qwertyuiop", NULL, 10,
		    n, &w), PW_ERR_QUALITY);
		snprintf(want, sizeof(want), "at least %u of", n);
		assert_non_null(strstr(pw_words(PW_ERR_QUALITY, &w, why,
		    sizeof(why)), want));
	}
}

/* A small buffer for the words is NUL-terminated, never overrun. */
static void
test_quality_small_why(void **state)
{
	char why[8 + 1];
	struct pw_why w;

	(void)state;
	why[8] = 'Z';
	assert_int_equal(policy_quality("alice", "short", NULL, 10, 1, &w),
	    PW_ERR_QUALITY);
	(void)pw_words(PW_ERR_QUALITY, &w, why, 8);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(why[8], 'Z');
}

/*
 * min_length counts characters, as the refusal says ("at least N
 * characters"): five two-byte characters are five, not ten.
 */
static void
test_quality_length_in_characters(void **state)
{
	char why[PW_WORDS_MAX];
	struct pw_why w;

	(void)state;
	/* five e-acute and a digit: 6 characters, 11 bytes */
	assert_int_equal(policy_quality("alice",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "1", NULL, 10, 2, &w),
	    PW_ERR_QUALITY);
	assert_non_null(strstr(pw_words(PW_ERR_QUALITY, &w, why, sizeof(why)),
	    "characters"));
	/* ten of them are enough */
	assert_int_equal(policy_quality("alice",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "1", NULL, 10, 2, &w), PW_OK);
}

/* Rule 8, with an injected now. */

#define T0 ((int64_t)1700000000) /* changed_at */

static const struct expiry_case {
	int64_t changed_at;
	uint32_t max_age_days, warn_days;
	int64_t now;
	enum policy_expiry want;
	int64_t want_expires;
	uint32_t want_days; /* checked for EXP_WARN and EXP_EXPIRED */
} expiry_cases[] = {
	/* max 0 = never: OK, expires 0, whatever now is */
	{ T0, 0, 14, T0, EXP_OK, 0, 0 },
	{ T0, 0, 14, T0 + 100000 * (int64_t)DAY, EXP_OK, 0, 0 },
	{ 0, 0, 0, INT64_MAX, EXP_OK, 0, 0 },
	/* the exact boundary: expires == now is expired */
	{ T0, 90, 14, T0 + 90 * DAY, EXP_EXPIRED, T0 + 90 * DAY, 0 },
	{ T0, 90, 14, T0 + 90 * DAY + 1, EXP_EXPIRED, T0 + 90 * DAY, 0 },
	{ T0, 90, 14, T0 + 1000 * DAY, EXP_EXPIRED, T0 + 90 * DAY, 0 },
	/* one second before: one day left (rounded up) */
	{ T0, 90, 14, T0 + 90 * DAY - 1, EXP_WARN, T0 + 90 * DAY, 1 },
	{ T0, 90, 14, T0 + 89 * DAY, EXP_WARN, T0 + 90 * DAY, 1 },
	{ T0, 90, 14, T0 + 89 * DAY - 1, EXP_WARN, T0 + 90 * DAY, 2 },
	/* warn window edges: exactly 14 days left warns, a second more not */
	{ T0, 90, 14, T0 + 76 * DAY, EXP_WARN, T0 + 90 * DAY, 14 },
	{ T0, 90, 14, T0 + 76 * DAY - 1, EXP_OK, T0 + 90 * DAY, 0 },
	{ T0, 90, 14, T0 + 75 * DAY + 1, EXP_OK, T0 + 90 * DAY, 0 },
	{ T0, 90, 14, T0, EXP_OK, T0 + 90 * DAY, 0 },
	/* warn_days 0: no warning at all, straight from OK to EXPIRED */
	{ T0, 90, 0, T0 + 90 * DAY - 1, EXP_OK, T0 + 90 * DAY, 0 },
	{ T0, 90, 0, T0 + 90 * DAY, EXP_EXPIRED, T0 + 90 * DAY, 0 },
	/* warn window longer than the maximum age: warns from the start */
	{ T0, 1, 14, T0, EXP_WARN, T0 + DAY, 1 },
	{ T0, 10, 14, T0, EXP_WARN, T0 + 10 * DAY, 10 },
	/* a clock set back before the change: not expired */
	{ T0, 90, 14, T0 - 1000 * DAY, EXP_OK, T0 + 90 * DAY, 0 },
	/* the config's maximum age */
	{ T0, 36500, 365, T0 + 36500 * (int64_t)DAY - 1, EXP_WARN,
	    T0 + 36500 * (int64_t)DAY, 1 },
	{ 0, 1, 0, DAY, EXP_EXPIRED, DAY, 0 },
};

static void
test_expiry_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(expiry_cases); i++) {
		const struct expiry_case *c = &expiry_cases[i];
		int64_t expires = -42;
		uint32_t days = 4242;
		enum policy_expiry got = policy_expiry(c->changed_at,
		    c->max_age_days, c->warn_days, c->now, &expires, &days);

		if (got != c->want || expires != c->want_expires)
			fail_msg("case %zu: got %d expires %lld, want %d expires "
			    "%lld", i, got, (long long)expires, c->want,
			    (long long)c->want_expires);
		if (got != EXP_OK && days != c->want_days)
			fail_msg("case %zu: days_left %u, want %u", i, days,
			    c->want_days);
		if (c->max_age_days == 0)
			assert_int_equal(days, 0);
	}
}

/* Walking the clock a second at a time around the edges agrees. */
static void
test_expiry_walk(void **state)
{
	const int64_t exp = T0 + 90 * DAY;
	int64_t now, expires;
	uint32_t days;

	(void)state;
	for (now = exp - 3 * DAY - 5; now <= exp + 5; now++) {
		enum policy_expiry e = policy_expiry(T0, 90, 2, now, &expires,
		    &days);

		assert_int_equal(expires, exp);
		if (now >= exp) {
			assert_int_equal(e, EXP_EXPIRED);
		} else if (exp - now <= 2 * DAY) {
			assert_int_equal(e, EXP_WARN);
			assert_int_equal(days, (uint32_t)((exp - now + DAY - 1) / DAY));
			assert_true(days >= 1 && days <= 2);
		} else {
			assert_int_equal(e, EXP_OK);
		}
	}
}

/* ==== The rules over accounts (what handlers ask) ==== */

#define NOW ((int64_t)1800000000)

/* An account made of a short description: suspended, locked factors,
 * counts, marks, ages in days. */
struct acct_desc {
	uint8_t role;
	bool suspended;
	bool locked[2];
	uint32_t failures[2];
	bool must[2];
	int64_t age_days[2];	/* since the last change */
	uint8_t otp;		/* enum pw_otp_state */
	uint32_t otp_failures;
};

static struct store_user
acct(const struct acct_desc *d)
{
	struct store_user u;
	int i;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "someone");
	u.role = d->role != 0 ? d->role : PW_ROLE_USER;
	u.suspended = d->suspended;
	for (i = 0; i < 2; i++) {
		u.f[i].locked = d->locked[i];
		u.f[i].failures = d->failures[i];
		u.f[i].must_change = d->must[i];
		u.f[i].changed_at = NOW - d->age_days[i] * DAY;
	}
	u.otp_state = d->otp;
	u.otp_failures = d->otp_failures;
	return u;
}

/* Rules 2, 7, 8 at account time: defaults (90 days, warn 14, max 5). */
static const struct account_case {
	const char *what;
	struct acct_desc d;
	int want;
	uint16_t why;
	uint8_t factor;
	uint16_t note;
	uint64_t note_days;
	uint8_t must; /* PW_MUST_* of policy_must_change */
} account_cases[] = {
	{ "fresh", { 0 }, PW_OK, PW_R_NONE, 0, PW_R_NONE, 0, 0 },
	{ "suspended first", { .suspended = true, .locked = { true, true },
	    .must = { true, true } }, PW_ERR_SUSPENDED, PW_R_SUSPENDED, 0,
	    PW_R_NONE, 0, 3 },
	{ "login locked", { .locked = { true, false } }, PW_ERR_LOCKED,
	    PW_R_LOCKED, 0, PW_R_NONE, 0, 0 },
	{ "login count at max", { .failures = { 5, 0 } }, PW_ERR_LOCKED,
	    PW_R_LOCKED, 0, PW_R_NONE, 0, 0 },
	{ "confirmation locked: login still works", { .locked = { false,
	    true } }, PW_OK, PW_R_NONE, 0, PW_R_NONE, 0, 0 },
	{ "login must change", { .must = { true, false } }, PW_ERR_CHANGE,
	    PW_R_MUST_CHANGE, 0, PW_R_NONE, 0, 1 },
	{ "confirmation must change", { .must = { false, true } },
	    PW_ERR_CHANGE, PW_R_MUST_CHANGE, 1, PW_R_NONE, 0, 2 },
	{ "both: the login password named", { .must = { true, true } },
	    PW_ERR_CHANGE, PW_R_MUST_CHANGE, 0, PW_R_NONE, 0, 3 },
	{ "login expired", { .age_days = { 91, 0 } }, PW_ERR_CHANGE,
	    PW_R_EXPIRED, 0, PW_R_NONE, 0, 1 },
	{ "confirmation expired", { .age_days = { 0, 120 } }, PW_ERR_CHANGE,
	    PW_R_EXPIRED, 1, PW_R_NONE, 0, 2 },
	{ "login expires in 10 days", { .age_days = { 80, 0 } }, PW_OK,
	    PW_R_NONE, 0, PW_R_EXPIRES_IN, 10, 0 },
	{ "confirmation expires in 1 day", { .age_days = { 0, 89 } }, PW_OK,
	    PW_R_NONE, 0, PW_R_EXPIRES_IN, 1, 0 },
	{ "warned, then the other must change", { .age_days = { 80, 0 },
	    .must = { false, true } }, PW_ERR_CHANGE, PW_R_MUST_CHANGE, 1,
	    PW_R_EXPIRES_IN, 10, 2 },
};

static void
test_account_table(void **state)
{
	struct pwd_conf c;
	struct store_user u;
	struct pw_why why, note;
	size_t i;
	int r;

	(void)state;
	conf_defaults(&c);
	for (i = 0; i < NELEM(account_cases); i++) {
		const struct account_case *k = &account_cases[i];

		u = acct(&k->d);
		r = policy_account(&c, &u, NOW, &why, &note);
		if (r != k->want || why.code != k->why ||
		    (why.code != PW_R_NONE && why.factor != k->factor) ||
		    note.code != k->note || note.num != k->note_days)
			fail_msg("%s: %d %u/%u note %u/%llu", k->what, r,
			    why.code, why.factor, note.code,
			    (unsigned long long)note.num);
		assert_int_equal(policy_must_change(&c, &u, NOW), k->must);
	}
}

/* Rule 1 over accounts: each factor's lock and maximum, the token's. */
static void
test_locked_over_accounts(void **state)
{
	struct pwd_conf c;
	struct store_user u;

	(void)state;
	conf_defaults(&c);
	c.max_login_failures = 3;
	c.max_confirm_failures = 4;
	c.max_otp_failures = 2;
	u = acct(&(struct acct_desc){ .failures = { 2, 3 } });
	assert_false(policy_locked(&c, &u, PW_FACTOR_LOGIN));
	assert_false(policy_locked(&c, &u, PW_FACTOR_CONFIRM));
	u.f[0].failures = 3; /* the maximum lowered to the count: locked */
	assert_true(policy_locked(&c, &u, PW_FACTOR_LOGIN));
	u.f[1].locked = true;
	assert_true(policy_locked(&c, &u, PW_FACTOR_CONFIRM));
	/* no token: never locked, whatever the count */
	u.otp_failures = 9;
	assert_false(policy_locked(&c, &u, PW_WHY_OTP));
	u.otp_state = PW_OTP_AVAILABLE;
	assert_true(policy_locked(&c, &u, PW_WHY_OTP));
	u.otp_failures = 1;
	assert_false(policy_locked(&c, &u, PW_WHY_OTP));
	u.otp_state = PW_OTP_LOCKED;
	assert_true(policy_locked(&c, &u, PW_WHY_OTP));
	assert_int_equal(policy_max_failures(&c, PW_FACTOR_LOGIN), 3);
	assert_int_equal(policy_max_failures(&c, PW_FACTOR_CONFIRM), 4);
	assert_int_equal(policy_max_failures(&c, PW_WHY_OTP), 2);
}

/* Rule 3, the actor: role, suspension, confirmation lock; root passes. */
static const struct actor_case {
	struct acct_desc d;
	int want;
	uint16_t why;
} actor_cases[] = {
	{ { .role = PW_ROLE_MASTER }, PW_OK, PW_R_NONE },
	{ { .role = PW_ROLE_ADMIN }, PW_OK, PW_R_NONE },
	{ { .role = PW_ROLE_USER }, PW_ERR_PERM, PW_R_DENY },
	{ { .role = PW_ROLE_USER, .suspended = true }, PW_ERR_PERM,
	    PW_R_DENY },
	{ { .role = PW_ROLE_ADMIN, .suspended = true }, PW_ERR_SUSPENDED,
	    PW_R_ACTOR_SUSPENDED },
	{ { .role = PW_ROLE_MASTER, .locked = { false, true } },
	    PW_ERR_CONFIRM_LOCKED, PW_R_CONFIRM_LOCKED },
	{ { .role = PW_ROLE_MASTER, .failures = { 0, 5 } },
	    PW_ERR_CONFIRM_LOCKED, PW_R_CONFIRM_LOCKED },
	/* a locked login password does not stop an admin command */
	{ { .role = PW_ROLE_ADMIN, .locked = { true, false } }, PW_OK,
	    PW_R_NONE },
};

static void
test_actor_table(void **state)
{
	struct pwd_conf c;
	struct store_user u;
	struct pw_why why;
	size_t i;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(policy_actor(&c, NULL, &why), PW_OK);
	for (i = 0; i < NELEM(actor_cases); i++) {
		u = acct(&actor_cases[i].d);
		if (policy_actor(&c, &u, &why) != actor_cases[i].want ||
		    why.code != actor_cases[i].why)
			fail_msg("actor case %zu: %u", i, why.code);
	}
}

/* Rule 3 on a target: policy_may_act / may_set_role as reasons. */
static void
test_permit_table(void **state)
{
	struct store_user master = acct(&(struct acct_desc){
	    .role = PW_ROLE_MASTER }), admin = acct(&(struct acct_desc){
	    .role = PW_ROLE_ADMIN }), user = acct(&(struct acct_desc){ 0 });

	(void)state;
	snprintf(master.name, sizeof(master.name), "m");
	snprintf(admin.name, sizeof(admin.name), "a");
	assert_int_equal(policy_permit(NULL, "m", PW_ROLE_MASTER, false, 0),
	    PW_R_NONE);
	assert_int_equal(policy_permit(&master, "a", PW_ROLE_ADMIN, false, 0),
	    PW_R_NONE);
	assert_int_equal(policy_permit(&master, "m", PW_ROLE_MASTER, false, 0),
	    PW_R_DENY_SELF);
	assert_int_equal(policy_permit(&admin, "m", PW_ROLE_MASTER, false, 0),
	    PW_R_DENY_MASTER);
	assert_int_equal(policy_permit(&admin, "u", PW_ROLE_USER, false, 0),
	    PW_R_NONE);
	assert_int_equal(policy_permit(&user, "u2", PW_ROLE_USER, false, 0),
	    PW_R_DENY);
	assert_int_equal(policy_permit(&admin, "u", PW_ROLE_USER, true,
	    PW_ROLE_ADMIN), PW_R_DENY_NOT_MASTER);
	assert_int_equal(policy_permit(&master, "u", PW_ROLE_USER, true,
	    PW_ROLE_MASTER), PW_R_NONE);
	assert_int_equal(policy_permit(NULL, "u", PW_ROLE_USER, true,
	    PW_ROLE_MASTER), PW_R_NONE);
	/* the last-master rule is over accounts too */
	{
		struct pwd_conf c;

		conf_defaults(&c);
		assert_true(policy_usable_master(&c, &master));
		master.f[1].failures = 5;
		assert_false(policy_usable_master(&c, &master));
		assert_false(policy_usable_master(&c, &admin));
	}
}

/* Rule 10 over a configuration: printable UTF-8, then quality, with the
 * factor in the reason. */
static void
test_password_table(void **state)
{
	struct pwd_conf c;
	struct pw_why why;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(policy_password(&c, "alice", 1, "Correct-Horse1",
	    NULL, &why), PW_OK);
	assert_int_equal(why.code, PW_R_NONE);
	assert_int_equal(policy_password(&c, "alice", 1, "Correct\x01Horse1",
	    NULL, &why), PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_NOT_UTF8);
	assert_int_equal(why.factor, 1);
	assert_int_equal(policy_password(&c, "alice", 0, "Correct\xff-Horse1",
	    NULL, &why), PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_NOT_UTF8);
	assert_int_equal(why.factor, 0);
	assert_int_equal(policy_password(&c, "alice", 1, "short", NULL, &why),
	    PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_Q_LENGTH);
	assert_int_equal(why.num, 10);
	assert_int_equal(why.factor, 1);
	c.min_classes = 4;
	assert_int_equal(policy_password(&c, "alice", 0, "Correct-Horse",
	    NULL, &why), PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_Q_CLASSES);
	assert_int_equal(why.num, 4);
	assert_int_equal(policy_password(&c, "alice", 0, "Alice-Horse-12",
	    NULL, &why), PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_Q_USER_NAME);
	assert_int_equal(policy_password(&c, "alice", 0, "Correct-Horse12",
	    "Correct-Horse12", &why), PW_ERR_QUALITY);
	assert_int_equal(why.code, PW_R_Q_SAME);
}

/* Rules 1 and 2 for one guess: suspension first, then the slots. */
static const struct guess_case {
	struct acct_desc d;
	uint8_t factor;
	uint32_t inflight, unrecorded;
	enum policy_slot want;
} guess_cases[] = {
	{ { 0 }, PW_FACTOR_LOGIN, 0, 0, SLOT_ENTER },
	{ { .suspended = true }, PW_FACTOR_LOGIN, 0, 0, SLOT_SUSPENDED },
	{ { .suspended = true, .locked = { true, false } }, PW_FACTOR_LOGIN,
	    0, 0, SLOT_SUSPENDED },
	{ { .locked = { true, false } }, PW_FACTOR_LOGIN, 0, 0, SLOT_LOCKED },
	{ { .locked = { true, false } }, PW_FACTOR_CONFIRM, 0, 0, SLOT_ENTER },
	{ { .failures = { 4, 0 } }, PW_FACTOR_LOGIN, 0, 0, SLOT_ENTER },
	{ { .failures = { 4, 0 } }, PW_FACTOR_LOGIN, 1, 0, SLOT_WAIT },
	/* an unstored failure counts as a stored one */
	{ { .failures = { 4, 0 } }, PW_FACTOR_LOGIN, 0, 1, SLOT_LOCKED },
	{ { .failures = { 3, 0 } }, PW_FACTOR_LOGIN, 1, 1, SLOT_WAIT },
	/* the token: its own state and count */
	{ { .otp = PW_OTP_LOCKED }, PW_WHY_OTP, 0, 0, SLOT_LOCKED },
	{ { .otp = PW_OTP_AVAILABLE, .otp_failures = 4 }, PW_WHY_OTP, 0, 0,
	    SLOT_ENTER },
	{ { .otp = PW_OTP_AVAILABLE, .otp_failures = 5 }, PW_WHY_OTP, 0, 0,
	    SLOT_LOCKED },
};

static void
test_guess_table(void **state)
{
	struct store_user u;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(guess_cases); i++) {
		u = acct(&guess_cases[i].d);
		if (policy_guess(&u, guess_cases[i].factor, 5,
		    guess_cases[i].inflight, guess_cases[i].unrecorded) !=
		    guess_cases[i].want)
			fail_msg("guess case %zu", i);
	}
}

/* A verified guess's verdict, against the account as it is after the hash. */
static void
test_verdict_stands(void **state)
{
	struct acct_desc d = { 0 };
	struct store_user u;

	(void)state;
	u = acct(&d);
	snprintf(u.f[0].hash, sizeof(u.f[0].hash), "$argon2id$old");
	assert_int_equal(policy_verdict_stands(&u, 0, "$argon2id$old"), PW_OK);
	/* reset meanwhile: the hash that verified is gone */
	assert_int_equal(policy_verdict_stands(&u, 0, "$argon2id$new"),
	    PW_ERR_BUSY);
	/* the token has no hash to compare */
	assert_int_equal(policy_verdict_stands(&u, 2, NULL), PW_OK);
	/* suspended meanwhile, whatever the hash */
	u.suspended = true;
	assert_int_equal(policy_verdict_stands(&u, 0, "$argon2id$old"),
	    PW_ERR_SUSPENDED);
	assert_int_equal(policy_verdict_stands(&u, 2, NULL), PW_ERR_SUSPENDED);
}

/* Rules 4 and 5: an unlock lifts locks and counters, nothing else; a
 * suspension is the service only. */
static void
test_unlock_suspend(void **state)
{
	struct store_user u = acct(&(struct acct_desc){ .locked = { true,
	    true }, .failures = { 5, 3 }, .must = { true, false },
	    .otp = PW_OTP_LOCKED, .otp_failures = 5 }), before;

	(void)state;
	snprintf(u.f[0].hash, sizeof(u.f[0].hash), "$argon2id$x");
	before = u;
	policy_unlock(&u, false);
	assert_false(u.f[0].locked || u.f[1].locked);
	assert_int_equal(u.f[0].failures + u.f[1].failures, 0);
	assert_string_equal(u.f[0].hash, before.f[0].hash);
	assert_true(u.f[0].must_change);
	assert_int_equal(u.otp_state, PW_OTP_LOCKED); /* OTP unlock is apart */
	policy_unlock(&u, true);
	assert_int_equal(u.otp_state, PW_OTP_AVAILABLE);
	assert_int_equal(u.otp_failures, 0);
	/* no token stays no token */
	u.otp_state = PW_OTP_NONE;
	policy_unlock(&u, true);
	assert_int_equal(u.otp_state, PW_OTP_NONE);
	policy_suspend(&u, true);
	assert_true(u.suspended);
	policy_suspend(&u, false);
	assert_false(u.suspended);
	assert_int_equal(u.role, before.role);
}

/* Rule 11: each time step once, never an earlier one. */
static void
test_otp_fresh(void **state)
{
	(void)state;
	assert_true(policy_otp_fresh(1, 0));
	assert_true(policy_otp_fresh(59000001, 59000000));
	assert_false(policy_otp_fresh(59000000, 59000000));
	assert_false(policy_otp_fresh(58999999, 59000000));
	assert_false(policy_otp_fresh(0, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_table),
		cmocka_unit_test(test_slot_last_slot),
		cmocka_unit_test(test_slot_property),
		cmocka_unit_test(test_locks_after),
		cmocka_unit_test(test_slot_and_lock_agree),
		cmocka_unit_test(test_may_act_matrix),
		cmocka_unit_test(test_may_act_names),
		cmocka_unit_test(test_master_usable_table),
		cmocka_unit_test(test_last_master_table),
		cmocka_unit_test(test_last_master_property),
		cmocka_unit_test(test_may_set_role_matrix),
		cmocka_unit_test(test_quality_table),
		cmocka_unit_test(test_quality_why_numbers),
		cmocka_unit_test(test_quality_small_why),
		cmocka_unit_test(test_quality_length_in_characters),
		cmocka_unit_test(test_expiry_table),
		cmocka_unit_test(test_expiry_walk),
		cmocka_unit_test(test_account_table),
		cmocka_unit_test(test_locked_over_accounts),
		cmocka_unit_test(test_actor_table),
		cmocka_unit_test(test_permit_table),
		cmocka_unit_test(test_password_table),
		cmocka_unit_test(test_guess_table),
		cmocka_unit_test(test_verdict_stands),
		cmocka_unit_test(test_unlock_suspend),
		cmocka_unit_test(test_otp_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
