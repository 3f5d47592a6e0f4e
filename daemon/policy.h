/* SPDX-License-Identifier: MIT */
/* The SPEC's rules as pure functions: no I/O, no clock, no store. */
#ifndef PWD_POLICY_H
#define PWD_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/* The zero value of every decision means deny. */
enum policy_slot { SLOT_LOCKED = 0, SLOT_ENTER = 1, SLOT_WAIT = 2 };

/*
 * Rule 1: may a guess on a factor be evaluated now?  A locked factor is
 * refused.  A guess takes a slot when stored failures plus guesses in flight
 * stay below max; otherwise it waits for those guesses to finish (it never
 * concludes "locked" from guesses in flight alone).
 */
enum policy_slot policy_slot(bool locked, uint32_t failures, uint32_t inflight,
    uint32_t max);

/*
 * Rule 1: is a factor locked?  Its lock flag, or a stored count that has
 * reached max (after max was lowered below the count): one answer for
 * login, status, list and unlock alike.
 */
bool policy_factor_locked(bool locked, uint32_t failures, uint32_t max);

/* Rule 1: after one more stored failure, is the factor locked? */
bool policy_locks_after(uint32_t failures_now, uint32_t max);

/* Rule 3: may an actor act on a target through an admin operation? */
enum policy_act {
	ACT_DENY = 0,	     /* generic: the actor's role allows no admin op */
	ACT_ALLOW = 1,
	ACT_DENY_SELF = 2,   /* own account: self-service is the path */
	ACT_DENY_MASTER = 3, /* an admin acting on a master */
	ACT_DENY_NOT_MASTER = 4, /* role changes: masters only */
};
/*
 * actor_root: the peer is uid 0 (recovery): allowed on any account.
 * Otherwise actor_role must be admin or master; nobody acts on their own
 * account; an admin never on a master (target_role is the target's current
 * role, or the role being given to it).
 */
enum policy_act policy_may_act(bool actor_root, uint8_t actor_role,
    const char *actor, const char *target, uint8_t target_role);

/*
 * Rule 3 for `role': only masters (and root) change roles, under the rules
 * of policy_may_act for both the target's current role and the new one.
 */
enum policy_act policy_may_set_role(bool actor_root, uint8_t actor_role,
    const char *actor, const char *target, uint8_t target_role,
    uint8_t new_role);

/* Rule 3: a master whose login and confirmation passwords are available
 * and who is not suspended: one who can still run admin commands. */
bool policy_master_usable(uint8_t role, bool suspended, bool login_locked,
    bool confirm_locked);

/* Rule 3, last master: may an operation go ahead? */
enum policy_guard { GUARD_DENY = 0, GUARD_PASS = 1, GUARD_FORCED = 2 };
/*
 * removes_usable_master: the operation makes at least one usable master
 * unusable (userdel, role away from master, suspend); others_usable: the
 * usable masters it leaves untouched.  When it would leave none, only
 * root's --force lets it through (GUARD_FORCED, to be audited as such).
 * An operation that removes no usable master always passes, also when the
 * store has none left already.
 */
enum policy_guard policy_last_master(bool removes_usable_master,
    uint32_t others_usable, bool force, bool actor_root);

/*
 * Rule 10 (length, classes, user name, other password).  Returns PW_OK or
 * PW_ERR_QUALITY with the failed rule in why (one sentence).  `other' may
 * be NULL when the other password is unknown.
 */
int policy_quality(const char *user, const char *pw, const char *other,
    uint32_t min_length, uint32_t min_classes, char *why, size_t whysz);



/* Rule 8: where a factor stands against its maximum age. */
enum policy_expiry { EXP_EXPIRED = 0, EXP_OK = 1, EXP_WARN = 2 };
/*
 * changed_at and now are unix times; max_age_days 0 = never expires
 * (*expires = 0).  Otherwise *expires = changed_at + max_age, and within
 * warn_days of it EXP_WARN with *days_left (rounded up, at least 1).
 */
enum policy_expiry policy_expiry(int64_t changed_at, uint32_t max_age_days,
    uint32_t warn_days, int64_t now, int64_t *expires, uint32_t *days_left);
#endif
