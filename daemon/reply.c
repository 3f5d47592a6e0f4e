/* SPDX-License-Identifier: MIT */
/* Replies: a status and its reason (words.h), and the accounts shown. */
#include <string.h>
#include <time.h>

#include "policy.h"
#include "reply.h"
#include "verify.h"

void
reply(struct pw_reply *rep, int status, enum pw_reason code)
{
	rep->status = status;
	memset(&rep->why, 0, sizeof(rep->why));
	rep->why.code = (uint16_t)code;
}

void
reply_why(struct pw_reply *rep, int status, const struct pw_why *why)
{
	rep->status = status;
	rep->why = *why;
}

void
reply_name(struct pw_reply *rep, int status, enum pw_reason code,
    const char *name)
{
	reply(rep, status, code);
	/* only names the protocol accepts travel (PROTOCOL: why) */
	if (proto_name_valid(name))
		memcpy(rep->why.name, name, strlen(name) + 1);
}

void
reply_text(struct pw_reply *rep, int status, enum pw_reason code,
    const char *text)
{
	reply(rep, status, code);
	if (proto_text_valid(text, PW_WHY_TEXT_MAX))
		memcpy(rep->why.text, text, strlen(text) + 1);
}

void
note(struct pw_reply *rep, const struct pw_why *why)
{
	rep->note = *why;
}

void
locked_msg(struct pw_reply *rep, int status, uint8_t factor)
{
	reply_why(rep, status, &(struct pw_why){ .code = PW_R_LOCKED,
	    .factor = factor });
}

/* The account as reported to clients; now is the current unix time. */
void
to_account(const struct pwd_conf *c, const struct store_user *u, int64_t now,
    struct pw_account *a)
{
	uint32_t days;

	memset(a, 0, sizeof(*a));
	memcpy(a->name, u->name, sizeof(a->name));
	a->role = u->role;
	a->login_locked = policy_locked(c, u, PW_FACTOR_LOGIN);
	a->confirm_locked = policy_locked(c, u, PW_FACTOR_CONFIRM);
	a->suspended = u->suspended;
	a->login_imported = verify_is_imported(u->f[PW_FACTOR_LOGIN].hash);
	a->otp = policy_locked(c, u, PW_WHY_OTP) ? PW_OTP_LOCKED : u->otp_state;
	a->must_change = (uint8_t)((u->f[PW_FACTOR_LOGIN].must_change ? PW_MUST_LOGIN : 0) |
	    (u->f[PW_FACTOR_CONFIRM].must_change ? PW_MUST_CONFIRM : 0));
	a->login_failures = u->f[PW_FACTOR_LOGIN].failures;
	a->confirm_failures = u->f[PW_FACTOR_CONFIRM].failures;
	a->otp_failures = u->otp_failures;
	(void)policy_expiry(u->f[PW_FACTOR_LOGIN].changed_at,
	    c->login_max_age_days, c->warn_days, now, &a->login_expires, &days);
	(void)policy_expiry(u->f[PW_FACTOR_CONFIRM].changed_at,
	    c->confirm_max_age_days, c->warn_days, now, &a->confirm_expires, &days);
}

bool
add_account(const struct hctx *h, const struct store_user *u,
    struct pw_reply *rep)
{
	if (rep->naccts >= PW_ACCTS_MAX)
		return false;
	to_account(h->conf, u, (int64_t)time(NULL), &rep->accts[rep->naccts++]);
	return true;
}
