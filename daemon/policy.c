/* SPDX-License-Identifier: MIT */
/* Pure decisions: lockout slots, who may act on whom, password quality. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "pwerr.h"

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
    uint32_t min_length, uint32_t min_classes, char *why, size_t whysz)
{
	why[0] = '\0';
	if (utf8_chars(pw) < min_length) {
		snprintf(why, whysz, "The password must have at least %u characters.",
		    min_length);
		return PW_ERR_QUALITY;
	}
	if (classes(pw) < min_classes) {
		snprintf(why, whysz, "The password must mix at least %u of lower "
		    "case, upper case, digits and other characters.", min_classes);
		return PW_ERR_QUALITY;
	}
	if (contains_ci(pw, user)) {
		snprintf(why, whysz, "The password must not contain the user name.");
		return PW_ERR_QUALITY;
	}
	if (other != NULL && strcmp(pw, other) == 0) {
		snprintf(why, whysz, "The login and confirmation passwords must differ.");
		return PW_ERR_QUALITY;
	}
	return PW_OK;
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
