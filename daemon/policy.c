/* SPDX-License-Identifier: MIT */
/* Pure decisions: lockout slots, who may act on whom, password quality. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "pwerr.h"
#include "util.h"

bool
policy_factor_locked(bool locked, uint32_t failures, uint32_t max)
{
	return locked || failures >= max;
}

enum policy_slot
policy_slot(bool locked, uint32_t failures, uint32_t inflight, uint32_t max)
{
	if (policy_factor_locked(locked, failures, max))
		return SLOT_LOCKED;
	/* failures < max here, so max - failures does not wrap */
	if (inflight < max - failures)
		return SLOT_ENTER;
	return SLOT_WAIT;
}

bool
policy_locks_after(uint32_t failures_now, uint32_t max)
{
	return failures_now >= max;
}

enum policy_act
policy_may_act(bool actor_root, uint8_t actor_role, const char *actor,
    const char *target, uint8_t target_role)
{
	if (actor_root)
		return ACT_ALLOW;
	if (actor_role != PW_ROLE_ADMIN && actor_role != PW_ROLE_MASTER)
		return ACT_DENY;
	if (strcmp(actor, target) == 0)
		return ACT_DENY_SELF;
	if (actor_role == PW_ROLE_ADMIN && target_role == PW_ROLE_MASTER)
		return ACT_DENY_MASTER;
	return ACT_ALLOW;
}

/* Case-insensitive substring test, ASCII only. */
static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0)
		return false;
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static unsigned
classes(const char *pw)
{
	bool lo = false, up = false, dg = false, ot = false;
	const unsigned char *p;

	for (p = (const unsigned char *)pw; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			lo = true;
		else if (*p >= 'A' && *p <= 'Z')
			up = true;
		else if (*p >= '0' && *p <= '9')
			dg = true;
		else
			ot = true;
	}
	return (unsigned)lo + up + dg + ot;
}

int
policy_quality(const char *user, const char *pw, const char *other,
    uint32_t min_length, uint32_t min_classes, struct pw_why *why)
{
	memset(why, 0, sizeof(*why));
	if (utf8_chars(pw) < min_length) {
		why->code = PW_R_Q_LENGTH;
		why->num = min_length;
	} else if (classes(pw) < min_classes) {
		why->code = PW_R_Q_CLASSES;
		why->num = min_classes;
	} else if (contains_ci(pw, user))
		why->code = PW_R_Q_USER_NAME;
	else if (other != NULL && strcmp(pw, other) == 0)
		why->code = PW_R_Q_SAME;
	return why->code == PW_R_NONE ? PW_OK : PW_ERR_QUALITY;
}

enum policy_expiry
policy_expiry(int64_t changed_at, uint32_t max_age_days, uint32_t warn_days,
    int64_t now, int64_t *expires, uint32_t *days_left)
{
	const int64_t day = 86400;
	int64_t left;

	*expires = 0;
	*days_left = 0;
	if (max_age_days == 0)
		return EXP_OK;
	/* a corrupt or far-future changed_at must not overflow: never expires */
	if (__builtin_add_overflow(changed_at, (int64_t)max_age_days * day,
	    expires) || __builtin_sub_overflow(*expires, now, &left)) {
		*expires = 0;
		return EXP_OK;
	}
	if (left <= 0)
		return EXP_EXPIRED;
	*days_left = (uint32_t)((left + day - 1) / day);
	return *days_left <= warn_days ? EXP_WARN : EXP_OK;
}

bool
policy_master_usable(uint8_t role, bool suspended, bool login_locked,
    bool confirm_locked)
{
	return role == PW_ROLE_MASTER && !suspended && !login_locked &&
	    !confirm_locked;
}

enum policy_guard
policy_last_master(bool removes_usable_master, uint32_t others_usable,
    bool force, bool actor_root)
{
	if (!removes_usable_master || others_usable > 0)
		return GUARD_PASS;
	if (force && actor_root)
		return GUARD_FORCED;
	return GUARD_DENY;
}

enum policy_act
policy_may_set_role(bool actor_root, uint8_t actor_role, const char *actor,
    const char *target, uint8_t target_role, uint8_t new_role)
{
	enum policy_act a;

	if (!actor_root && actor_role != PW_ROLE_MASTER)
		return actor_role == PW_ROLE_ADMIN ? ACT_DENY_NOT_MASTER
						   : ACT_DENY;
	a = policy_may_act(actor_root, actor_role, actor, target, target_role);
	if (a != ACT_ALLOW)
		return a;
	return policy_may_act(actor_root, actor_role, actor, target, new_role);
}

/* ==== The rules over accounts ==== */

uint32_t
policy_max_failures(const struct pwd_conf *c, uint8_t factor)
{
	return factor == PW_FACTOR_LOGIN ? c->max_login_failures :
	    factor == PW_FACTOR_CONFIRM ? c->max_confirm_failures :
	    c->max_otp_failures;
}

bool
policy_locked(const struct pwd_conf *c, const struct store_user *u,
    uint8_t factor)
{
	if (factor == PW_WHY_OTP)
		return u->otp_state != PW_OTP_NONE &&
		    policy_factor_locked(u->otp_state == PW_OTP_LOCKED,
		    u->otp_failures, c->max_otp_failures);
	return policy_factor_locked(u->f[factor].locked, u->f[factor].failures,
	    policy_max_failures(c, factor));
}

/* A factor's maximum age (rule 8). */
static uint32_t
max_age(const struct pwd_conf *c, uint8_t factor)
{
	return factor == PW_FACTOR_LOGIN ? c->login_max_age_days :
	    c->confirm_max_age_days;
}

int
policy_account(const struct pwd_conf *c, const struct store_user *u,
    int64_t now, struct pw_why *why, struct pw_why *note)
{
	enum policy_expiry e;
	int64_t exp;
	uint32_t days;
	uint8_t i;

	memset(why, 0, sizeof(*why));
	memset(note, 0, sizeof(*note));
	if (u->suspended) {
		why->code = PW_R_SUSPENDED;
		return PW_ERR_SUSPENDED;
	}
	if (policy_locked(c, u, PW_FACTOR_LOGIN)) {
		why->code = PW_R_LOCKED;
		why->factor = PW_FACTOR_LOGIN;
		return PW_ERR_LOCKED;
	}
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		e = policy_expiry(u->f[i].changed_at, max_age(c, i),
		    c->warn_days, now, &exp, &days);
		if (u->f[i].must_change || e == EXP_EXPIRED) {
			why->code = u->f[i].must_change ? PW_R_MUST_CHANGE :
			    PW_R_EXPIRED;
			why->factor = i;
			return PW_ERR_CHANGE;
		}
		if (e == EXP_WARN && note->code == PW_R_NONE) {
			note->code = PW_R_EXPIRES_IN;
			note->factor = i;
			note->num = days;
		}
	}
	return PW_OK;
}

uint8_t
policy_must_change(const struct pwd_conf *c, const struct store_user *u,
    int64_t now)
{
	int64_t exp;
	uint32_t days;
	uint8_t i, bits = 0;

	for (i = 0; i <= PW_FACTOR_MAX; i++)
		if (u->f[i].must_change || policy_expiry(u->f[i].changed_at,
		    max_age(c, i), c->warn_days, now, &exp, &days) ==
		    EXP_EXPIRED)
			bits |= (uint8_t)(i == PW_FACTOR_LOGIN ? PW_MUST_LOGIN :
			    PW_MUST_CONFIRM);
	return bits;
}

int
policy_actor(const struct pwd_conf *c, const struct store_user *actor,
    struct pw_why *why)
{
	memset(why, 0, sizeof(*why));
	if (actor == NULL)
		return PW_OK;
	if (actor->role != PW_ROLE_ADMIN && actor->role != PW_ROLE_MASTER) {
		why->code = PW_R_DENY;
		return PW_ERR_PERM;
	}
	/* a locked confirmation password blocks every admin operation, read-
	 * only ones included; so does a suspension */
	if (actor->suspended) {
		why->code = PW_R_ACTOR_SUSPENDED;
		return PW_ERR_SUSPENDED;
	}
	if (policy_locked(c, actor, PW_FACTOR_CONFIRM)) {
		why->code = PW_R_CONFIRM_LOCKED;
		return PW_ERR_CONFIRM_LOCKED;
	}
	return PW_OK;
}

/* The reason of a refused act (policy_act to words.h). */
static enum pw_reason
act_reason(enum policy_act a)
{
	switch (a) {
	case ACT_ALLOW:
		return PW_R_NONE;
	case ACT_DENY_SELF:
		return PW_R_DENY_SELF;
	case ACT_DENY_MASTER:
		return PW_R_DENY_MASTER;
	case ACT_DENY_NOT_MASTER:
		return PW_R_DENY_NOT_MASTER;
	default:
		return PW_R_DENY;
	}
}

enum pw_reason
policy_permit(const struct store_user *actor, const char *target,
    uint8_t target_role, bool role_change, uint8_t new_role)
{
	bool root = actor == NULL;
	uint8_t role = root ? PW_ROLE_NONE : actor->role;
	const char *name = root ? "" : actor->name;

	return act_reason(role_change ? policy_may_set_role(root, role, name,
	    target, target_role, new_role) : policy_may_act(root, role, name,
	    target, target_role));
}

bool
policy_usable_master(const struct pwd_conf *c, const struct store_user *u)
{
	return policy_master_usable(u->role, u->suspended,
	    policy_locked(c, u, PW_FACTOR_LOGIN),
	    policy_locked(c, u, PW_FACTOR_CONFIRM));
}

int
policy_password(const struct pwd_conf *c, const char *user, uint8_t factor,
    const char *pw, const char *other, struct pw_why *why)
{
	int r;

	if (!pw_utf8_printable(pw)) {
		memset(why, 0, sizeof(*why));
		why->code = PW_R_NOT_UTF8;
		r = PW_ERR_QUALITY;
	} else
		r = policy_quality(user, pw, other, c->min_length,
		    c->min_classes, why);
	why->factor = r == PW_OK ? 0 : factor;
	return r;
}

int
policy_verdict_stands(const struct store_user *u, uint8_t factor,
    const char *expect)
{
	if (u->suspended)
		return PW_ERR_SUSPENDED;
	if (expect != NULL && factor <= PW_FACTOR_MAX &&
	    strcmp(u->f[factor].hash, expect) != 0)
		return PW_ERR_BUSY;
	return PW_OK;
}

enum policy_slot
policy_guess(const struct store_user *u, uint8_t factor, uint32_t max,
    uint32_t inflight, uint32_t unrecorded)
{
	bool otp = factor == PW_WHY_OTP;
	uint32_t failures = otp ? u->otp_failures : u->f[factor].failures;

	if (u->suspended)
		return SLOT_SUSPENDED;
	/* a failure the store could not take is a failure all the same */
	if (failures < UINT32_MAX - unrecorded)
		failures += unrecorded;
	return policy_slot(otp ? u->otp_state == PW_OTP_LOCKED :
	    u->f[factor].locked, failures, inflight, max);
}

void
policy_unlock(struct store_user *u, bool otp)
{
	uint8_t i;

	if (otp) {
		if (u->otp_state == PW_OTP_LOCKED)
			u->otp_state = PW_OTP_AVAILABLE;
		u->otp_failures = 0;
		return;
	}
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		u->f[i].locked = false;
		u->f[i].failures = 0;
	}
}

void
policy_suspend(struct store_user *u, bool suspended)
{
	u->suspended = suspended;
}

bool
policy_otp_fresh(uint64_t step, uint64_t last_step)
{
	return step > last_step;
}
