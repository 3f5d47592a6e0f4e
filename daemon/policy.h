/* SPDX-License-Identifier: MIT */
/* The SPEC's rules as pure functions: no I/O, no clock, no store. */
#ifndef PWD_POLICY_H
#define PWD_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "proto.h"
#include "store.h"

/* The zero value of every decision means deny. */
enum policy_slot { SLOT_LOCKED = 0, SLOT_ENTER = 1, SLOT_WAIT = 2,
	SLOT_SUSPENDED = 3 };

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
 * Rule 10 (length, classes, user name, other password).  Returns PW_OK
 * (*why cleared) or PW_ERR_QUALITY with the failed rule as *why's reason
 * (its factor left 0 for the caller to set).  `other' may be NULL when
 * the other password is unknown.
 */
int policy_quality(const char *user, const char *pw, const char *other,
    uint32_t min_length, uint32_t min_classes, struct pw_why *why);



/* Rule 8: where a factor stands against its maximum age. */
enum policy_expiry { EXP_EXPIRED = 0, EXP_OK = 1, EXP_WARN = 2 };
/*
 * changed_at and now are unix times; max_age_days 0 = never expires
 * (*expires = 0).  Otherwise *expires = changed_at + max_age, and within
 * warn_days of it EXP_WARN with *days_left (rounded up, at least 1).
 */
enum policy_expiry policy_expiry(int64_t changed_at, uint32_t max_age_days,
    uint32_t warn_days, int64_t now, int64_t *expires, uint32_t *days_left);

/* ==== The rules over accounts: what handlers ask ==== */

/*
 * Rule 1 for an account: is `factor' (PW_FACTOR_LOGIN, PW_FACTOR_CONFIRM,
 * or PW_WHY_OTP for the token) locked, also after its maximum was lowered
 * below the stored count?  A token that does not exist is not locked.
 */
bool policy_locked(const struct pwd_conf *c, const struct store_user *u,
    uint8_t factor);

/* Rule 1: the configured maximum of `factor' (as policy_locked). */
uint32_t policy_max_failures(const struct pwd_conf *c, uint8_t factor);

/*
 * Rules 2, 7, 8 at account time (pam_acct_mgmt), at unix time now: PW_OK,
 * PW_ERR_SUSPENDED, PW_ERR_LOCKED (the login password) or PW_ERR_CHANGE (a
 * must-change mark, or expired), with the reason in *why; *note gets the
 * first expiry warning within warn_days met before that (or none).  The
 * first factor that must change is named, the login password first.
 */
int policy_account(const struct pwd_conf *c, const struct store_user *u,
    int64_t now, struct pw_why *why, struct pw_why *note);

/*
 * Rules 7 and 8: the PW_MUST_* bits of every factor that must change now
 * (a mark, or expired at now).
 */
uint8_t policy_must_change(const struct pwd_conf *c, const struct store_user *u,
    int64_t now);

/*
 * Rule 3, the actor: what a peer's account must be to run an admin
 * operation (read-only ones included): a master or an admin, not
 * suspended, its confirmation password not locked.  actor NULL is root
 * (recovery): always PW_OK.  PW_OK, or PW_ERR_PERM / PW_ERR_SUSPENDED /
 * PW_ERR_CONFIRM_LOCKED with the reason in *why.
 */
int policy_actor(const struct pwd_conf *c, const struct store_user *actor,
    struct pw_why *why);

/*
 * Rule 3, an actor (NULL: root) on a target account through an admin
 * operation: policy_may_act, or for a role change policy_may_set_role
 * (new_role), as the reason of a refusal (PW_R_DENY*); PW_R_NONE allows.
 */
enum pw_reason policy_permit(const struct store_user *actor,
    const char *target, uint8_t target_role, bool role_change,
    uint8_t new_role);

/*
 * Rules 1 and 2 for one guess at `factor' of u (PW_WHY_OTP: the token),
 * with `inflight' guesses being checked and `unrecorded' failures not yet
 * stored: a suspended account or a locked factor is refused before any
 * hash (SLOT_SUSPENDED, SLOT_LOCKED), else policy_slot.
 */
enum policy_slot policy_guess(const struct store_user *u, uint8_t factor,
    uint32_t max, uint32_t inflight, uint32_t unrecorded);

/*
 * Rules 1 and 5 after a guess verified, read again as it is now (u): the
 * verdict stands (PW_OK) unless the account was suspended meanwhile
 * (PW_ERR_SUSPENDED) or the password changed (`expect', the hash that
 * verified, differs; NULL for the token): PW_ERR_BUSY, no verdict.
 */
int policy_verdict_stands(const struct store_user *u, uint8_t factor,
    const char *expect);

/* Rule 4: an unlock lifts the passwords' locks and counters (otp: the
 * token's), and changes no password. */
void policy_unlock(struct store_user *u, bool otp);

/* Rule 5: suspend or resume the account's service. */
void policy_suspend(struct store_user *u, bool suspended);

/* Rule 11: may a code of time step `step' be accepted after `last_step'
 * (each step at most once, never an earlier one)? */
bool policy_otp_fresh(uint64_t step, uint64_t last_step);

/* Rule 3: a master who can still act (policy_master_usable over u). */
bool policy_usable_master(const struct pwd_conf *c, const struct store_user *u);

/*
 * Rule 10 for one new password of `factor': printable UTF-8, then
 * policy_quality (length, classes, user name, `other' when not NULL).
 * PW_OK, or PW_ERR_QUALITY with the rule (and the factor) in *why.
 */
int policy_password(const struct pwd_conf *c, const char *user,
    uint8_t factor, const char *pw, const char *other, struct pw_why *why);
#endif
