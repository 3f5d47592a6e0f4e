/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table (who may send each request, checked once) and the
 * request handlers, each of which reads as: policy -> guesses (through
 * lockout.c) -> store -> reply, with a reason, never a sentence; secrets
 * only pass through verify.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "handlers.h"
#include "hutil.h"
#include "lockout.h"
#include "log.h"
#include "nss.h"
#include "policy.h"
#include "pwerr.h"
#include "stats.h"
#include "util.h"
#include "verify.h"
#include "wipe.h"

static const char *const factor_name[] = { "login", "confirmation" };

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

enum verify_lane
lane_of(const struct hctx *h)
{
	/* su or sudo started by a user is that user's request here */
	return h->peer->charge == 0 ? VERIFY_ROOT : VERIFY_USER;
}

int64_t
deadline_of(const struct hctx *h)
{
	return frame_now_ms() + h->conf->slot_wait_timeout * 1000LL;
}

struct rehash_arg {
	uint8_t factor;
	const char *old;
	const char *fresh;
};

static int
set_rehash(struct store_user *u, void *arg)
{
	struct rehash_arg *a = arg;

	/* only if nobody changed the password meanwhile */
	if (strcmp(u->f[a->factor].hash, a->old) != 0)
		return 0;
	memcpy(u->f[a->factor].hash, a->fresh, PWD_HASH_MAX);
	return 1;
}

/*
 * Replaces a hash made with older parameters after it verified; `now'
 * (when not NULL) gets the hash the store holds afterwards.
 */
static void
maybe_rehash(struct hctx *h, const char *name, uint8_t factor,
    const char *old, const struct pw_secret *sec, char *now)
{
	char fresh[PWD_HASH_MAX];
	struct rehash_arg a = { factor, old, fresh };

	if (now != NULL)
		memcpy(now, old, PWD_HASH_MAX);
	if (!verify_needs_rehash(old))
		return;
	if (verify_hash(sec->buf, sec->len, fresh, lane_of(h),
	    deadline_of(h)) == PW_OK &&
	    store_user_edit(h->st, name, set_rehash, &a) == PW_OK) {
		log_info("rehashed %s password of user=%s with current "
		    "parameters", factor_name[factor], name);
		if (now != NULL)
			memcpy(now, fresh, PWD_HASH_MAX);
	}
	verify_wipe(fresh, sizeof(fresh));
}

/*
 * One guess at `factor' of `name' (rule 1): slot, hash, durable verdict.
 * Returns PW_OK, PW_ERR_AUTH, PW_ERR_LOCKED (refused unhashed, or this
 * failure locked it), PW_ERR_NOUSER, PW_ERR_SUSPENDED, PW_ERR_BUSY (no
 * slot or hash worker in time; nothing counted) or a store error.  An
 * unknown name asked by root (PAM for a remote party) pays a dummy
 * verification and a store write, so it costs what a wrong password
 * costs; a non-root peer only ever asks about its own name, knows whether
 * it has an account, and gets its answer without spending a hash.
 * On PW_OK, `verified' (when not NULL) gets the hash the secret matched,
 * as the store holds it now.
 */
int
guess_with(struct hctx *h, const char *name, uint8_t factor,
    int64_t deadline, guess_fn fn, void *arg)
{
	static const char *const fword[] = { "login", "confirmation",
		"one-time" };
	uint32_t max = policy_max_failures(h->conf, factor);
	struct store_user u;
	bool waited, locked_now = false;
	int r, v;

	if ((r = lockout_enter(h->st, name, factor, max, deadline, &u,
	    &waited)) != PW_OK)
		return r;
	v = fn(h, &u, arg);
	PW_WIPE_OBJECT(&u);
	/* no verdict (no worker in time, a hash that could not run): the
	 * slot goes back and nothing is counted */
	if (v != PW_OK && v != PW_ERR_AUTH) {
		lockout_abandon(name, factor);
		return v;
	}
	r = lockout_leave(h->st, name, factor, v == PW_OK, max, h->peer->uid,
	    &locked_now);
	if (locked_now)
		log_notice("lock %s password of user=%s after %u failures",
		    fword[factor], name, max);
	if (r != PW_OK)
		return r;
	if (v == PW_OK)
		return PW_OK;
	return locked_now ? PW_ERR_LOCKED : PW_ERR_AUTH;
}

/* A password guess's verifier: Argon2id against the stored hash, which it
 * keeps for the rehash after a success. */
struct password_guess {
	uint8_t factor;
	const struct pw_secret *sec;
	int64_t deadline;
	char hash[PWD_HASH_MAX];
};

static int
check_password(struct hctx *h, const struct store_user *u, void *arg)
{
	struct password_guess *g = arg;

	memcpy(g->hash, u->f[g->factor].hash, sizeof(g->hash));
	return verify_check(g->hash, g->sec->buf, g->sec->len, lane_of(h),
	    g->deadline);
}

int
guess(struct hctx *h, const char *name, uint8_t factor,
    const struct pw_secret *sec, char *verified)
{
	struct password_guess g = { factor, sec, deadline_of(h), "" };
	int r, v;

	r = guess_with(h, name, factor, g.deadline, check_password, &g);
	if (r == PW_ERR_NOUSER && h->peer->root) {
		v = verify_check(NULL, sec->buf, sec->len, lane_of(h),
		    g.deadline);
		if (v == PW_ERR_BUSY || v == PW_ERR_HASH)
			return v;
		/* as a known name's failure that could not be stored */
		if (store_note_unknown(h->st) != PW_OK)
			return PW_ERR_READONLY;
		return PW_ERR_NOUSER;
	}
	if (r == PW_OK)
		maybe_rehash(h, name, factor, g.hash, sec, verified);
	verify_wipe(g.hash, sizeof(g.hash));
	return r;
}

/* Non-root peers may only ask about the account named like their uid. */
static bool
own_account(const struct peer *p, const char *user)
{
	return p->root || (p->has_name && strcmp(p->name, user) == 0);
}

/*
 * After a verified password: the account's state (the module asks for a
 * one-time password when its otp field is not none).  Only a peer that
 * proved the password learns it.
 */
static int
auth_state(const struct hctx *h, const char *name, struct pw_reply *rep)
{
	struct store_user u;
	int r;

	/* no account to show is no success: the module could skip the OTP */
	if ((r = store_user_get(h->st, name, &u)) == PW_OK)
		(void)add_account(h, &u, rep);
	PW_WIPE_OBJECT(&u);
	return r == PW_OK ? r : PW_ERR_STORE;
}

static void
h_auth(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	int r;

	r = guess(h, req->user, req->factor, &req->secret[0], NULL);
	if (r == PW_OK)
		r = auth_state(h, req->user, rep);
	switch (r) {
	case PW_OK:
	case PW_ERR_AUTH:
	case PW_ERR_NOUSER: /* same (empty) message as a wrong password */
		reply(rep, r, PW_R_NONE);
		break;
	case PW_ERR_LOCKED:
		locked_msg(rep, r, req->factor);
		break;
	case PW_ERR_SUSPENDED:
		reply(rep, r, PW_R_SUSPENDED);
		break;
	case PW_ERR_BUSY:
		reply(rep, r, PW_R_BUSY);
		break;
	default:
		reply(rep, r, PW_R_FAILED);
	}
	/* a verdict (one hash each) is always logged; a refusal that cost
	 * nothing can be repeated at will, so it goes through the limiter */
	if (r == PW_OK || r == PW_ERR_AUTH || r == PW_ERR_NOUSER)
		log_notice("auth %s user=%s factor=%s service=%s rhost=%s "
		    "peer_uid=%u", r == PW_OK ? "ok" : pw_strerror(r),
		    req->user, factor_name[req->factor],
		    req->service[0] ? req->service : "-",
		    req->rhost[0] ? req->rhost : "-", (unsigned)h->peer->uid);
	else
		log_limited(LOG_KIND_REFUSED, h->peer->charge, req->user,
		    "auth %s user=%s "
		    "factor=%s service=%s rhost=%s peer_uid=%u",
		    pw_strerror(r), req->user, factor_name[req->factor],
		    req->service[0] ? req->service : "-",
		    req->rhost[0] ? req->rhost : "-", (unsigned)h->peer->uid);
}

/* The account as reported to clients; now is the current unix time. */
static void
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


/*
 * ACCT's account: its must_change bits name every factor to change now
 * (a mark, or expired), so pam_chauthtok asks for exactly those.
 */
static void
acct_state(const struct hctx *h, const struct store_user *u, int64_t now,
    struct pw_reply *rep)
{
	if (add_account(h, u, rep))
		rep->accts[rep->naccts - 1].must_change =
		    policy_must_change(h->conf, u, now);
}

static void
h_acct(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	int64_t now = (int64_t)time(NULL);
	struct store_user u;
	int r;

	if ((r = store_user_get(h->st, req->user, &u)) != PW_OK) {
		reply(rep, r, PW_R_NONE);
		return;
	}
	/* rules 2, 7, 8 */
	r = policy_account(h->conf, &u, now, &rep->why, &rep->note);
	rep->status = r;
	acct_state(h, &u, now, rep);
	PW_WIPE_OBJECT(&u);
	log_limited(LOG_KIND_ACCOUNT, h->peer->charge, req->user,
	    "account %s user=%s "
	    "service=%s peer_uid=%u", r == PW_OK ? "ok" : pw_strerror(r),
	    req->user, req->service[0] ? req->service : "-",
	    (unsigned)h->peer->uid);
}

/* Rule 10 for one new password: PW_OK, or PW_ERR_QUALITY and the reason. */
int
check_new(const struct pwd_conf *c, const char *user, uint8_t factor,
    const struct pw_secret *pw, const struct pw_secret *other,
    struct pw_reply *rep)
{
	struct pw_why why;
	int r;

	r = policy_password(c, user, factor, pw->buf,
	    other != NULL ? other->buf : NULL, &why);
	if (r != PW_OK)
		reply_why(rep, r, &why);
	return r;
}

static int
check_new_pair(const struct pwd_conf *c, const char *user,
    const struct pw_secret *login, const struct pw_secret *confirm,
    struct pw_reply *rep)
{
	int r;

	if ((r = check_new(c, user, PW_FACTOR_LOGIN, login, confirm,
	    rep)) != PW_OK)
		return r;
	return check_new(c, user, PW_FACTOR_CONFIRM, confirm, login, rep);
}

/*
 * A new account takes the name the user database (NSS) gives its user, or
 * a name NSS does not know: a store name that NSS spells otherwise (sssd
 * with case_sensitive = preserving, a full_name_format) would let the
 * module's check of folded names miss `ALICE' for the store's `alice'.
 */
static int
nss_spelling(const char *name, struct pw_reply *rep)
{
	char canon[PW_USER_MAX + 1];
	int r;

	if ((r = nss_canonical(name, canon)) == PW_ERR_NOUSER ||
	    (r == PW_OK && strcmp(canon, name) == 0))
		return PW_OK;
	if (r == PW_OK && proto_name_valid(canon)) {
		reply_name(rep, PW_ERR_INVAL, PW_R_NSS_SPELLING, name);
		memcpy(rep->why.text, canon, strlen(canon) + 1);
	} else
		reply_name(rep, r == PW_OK ? PW_ERR_INVAL : PW_ERR_IO,
		    r == PW_OK ? PW_R_NSS_UNNAMEABLE : PW_R_NSS_FAILED, name);
	return rep->status;
}

/* A new account record with both passwords hashed. */
static int
make_user(const struct hctx *h, const char *name, uint8_t role,
    const struct pw_secret *login, const struct pw_secret *confirm,
    bool must_change, struct store_user *u)
{
	const struct pw_secret *s[2] = { login, confirm };
	int64_t now = (int64_t)time(NULL);
	int i, r;

	memset(u, 0, sizeof(*u));
	memcpy(u->name, name, strlen(name) + 1);
	u->role = role;
	u->created_at = now;
	for (i = 0; i < 2; i++) {
		if ((r = verify_hash(s[i]->buf, s[i]->len, u->f[i].hash,
		    lane_of(h), deadline_of(h))) != PW_OK)
			return r;
		u->f[i].must_change = must_change;
		u->f[i].changed_at = now;
	}
	return PW_OK;
}

struct create_arg {
	const struct hctx *h;
	const struct store_user *u;
	bool first; /* init: the store must be empty */
	struct pw_reply *rep;
};

/* useradd: the actor as it is now may still create this account. */
static int
actor_now(struct store_tx *tx, struct create_arg *a)
{
	struct store_user actor;
	enum pw_reason act;
	int r;

	if ((r = actor_tx(tx, a->h, &actor, a->rep)) == PW_OK) {
		act = policy_permit(a->h->peer->root ? NULL : &actor,
		    a->u->name, a->u->role, false, 0);
		if (act != PW_R_NONE)
			reply(a->rep, r = PW_ERR_PERM, act);
	}
	PW_WIPE_OBJECT(&actor);
	return r;
}

static int
stop_at_first(const struct store_user *u, void *arg)
{
	(void)u;
	*(bool *)arg = true;
	return 1;
}

/* init and useradd: the new account and its audit entry, together. */
static int
create_tx(struct store_tx *tx, void *arg)
{
	struct create_arg *a = arg;
	struct pw_audit e;
	bool any = false;
	int r;

	if (a->first && ((r = store_tx_scan(tx, stop_at_first, &any)) != PW_OK ||
	    (r = any ? PW_ERR_NOTEMPTY : PW_OK) != PW_OK))
		return r;
	if (!a->first && (r = actor_now(tx, a)) != PW_OK)
		return r;
	if ((r = store_tx_put(tx, a->u, true)) != PW_OK)
		return r;
	audit_fill(&e, a->h, a->first ? "init" : "useradd", a->u->name, PW_OK,
	    "role %s%s", proto_role_name(a->u->role), a->first ? ", first "
	    "master" : "; both passwords must be changed at first login");
	return store_tx_audit(tx, &e);
}

static void
h_init(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user u;
	struct create_arg a = { h, &u, true, rep };
	int r;

	if (nss_spelling(req->user, rep) != PW_OK ||
	    check_new_pair(h->conf, req->user, &req->secret[0], &req->secret[1],
	    rep) != PW_OK)
		return;
	r = make_user(h, req->user, PW_ROLE_MASTER, &req->secret[0],
	    &req->secret[1], false, &u);
	if (r == PW_OK)
		r = store_write(h->st, create_tx, &a);
	PW_WIPE_OBJECT(&u);
	if (r == PW_ERR_NOTEMPTY)
		reply(rep, r, PW_R_NOT_EMPTY);
	else
		reply(rep, r, r == PW_OK ? PW_R_NONE : PW_R_STATUS);
	log_notice("init master=%s by uid=%u: %s", req->user,
	    (unsigned)h->peer->uid, pw_strerror(r));
}

/* Rule 3: what an actor account must be to run an admin command. */
static int
actor_rules(const struct hctx *h, const struct store_user *actor,
    struct pw_reply *rep)
{
	struct pw_why why;
	int r;

	if ((r = policy_actor(h->conf, h->peer->root ? NULL : actor, &why)) !=
	    PW_OK)
		reply_why(rep, r, &why);
	return r;
}

/*
 * Rule 3: loads the actor (the peer's account) and checks its role.  Root
 * is the recovery actor and has no account (*actor zeroed, returns PW_OK).
 */
static int
load_actor(struct hctx *h, struct store_user *actor, struct pw_reply *rep)
{
	memset(actor, 0, sizeof(*actor));
	if (h->peer->root)
		return PW_OK;
	if (!h->peer->has_name ||
	    store_user_get(h->st, h->peer->name, actor) != PW_OK) {
		reply(rep, PW_ERR_PERM, PW_R_NO_ACTOR);
		return rep->status;
	}
	return actor_rules(h, actor, rep);
}

int
actor_tx(struct store_tx *tx, const struct hctx *h, struct store_user *actor,
    struct pw_reply *rep)
{
	int r;

	memset(actor, 0, sizeof(*actor));
	if (h->peer->root)
		return PW_OK;
	if ((r = store_tx_get(tx, h->peer->name, actor)) == PW_ERR_NOUSER) {
		reply(rep, PW_ERR_PERM, PW_R_NO_ACTOR);
		return rep->status;
	}
	return r != PW_OK ? r : actor_rules(h, actor, rep);
}

int
may_act(struct hctx *h, const struct store_user *actor, const char *target,
    uint8_t target_role, struct pw_reply *rep)
{
	enum pw_reason a = policy_permit(h->peer->root ? NULL : actor, target,
	    target_role, false, 0);

	if (a == PW_R_NONE)
		return PW_OK;
	reply(rep, PW_ERR_PERM, a);
	return rep->status;
}

/*
 * Rule 3: the actor's confirmation password, through the same guess slots
 * and lockout as a login.  Root needs none (and must send none).
 */
int
confirm_actor(struct hctx *h, const struct pw_secret *sec, struct pw_reply *rep)
{
	int r;

	if (h->peer->root)
		return PW_OK;
	r = guess(h, h->peer->name, PW_FACTOR_CONFIRM, sec, NULL);
	/* a verdict on a hash: bounded by the lockout, worth an audit entry */
	h->confirm_tried = r == PW_OK || r == PW_ERR_AUTH || r == PW_ERR_LOCKED;
	switch (r) {
	case PW_OK:
		return PW_OK;
	case PW_ERR_AUTH:
		reply(rep, PW_ERR_CONFIRM, PW_R_CONFIRM_WRONG);
		break;
	case PW_ERR_LOCKED:
		reply(rep, PW_ERR_CONFIRM_LOCKED, PW_R_CONFIRM_LOCKED);
		break;
	case PW_ERR_SUSPENDED:
		reply(rep, r, PW_R_ACTOR_SUSPENDED);
		break;
	case PW_ERR_BUSY:
		reply(rep, r, PW_R_BUSY);
		break;
	default:
		reply(rep, r, PW_R_STATUS);
	}
	return rep->status;
}

const char *
actor_label(const struct hctx *h)
{
	return h->peer->root ? "root(recovery)" : h->peer->name;
}

static void
h_useradd(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user u;
	struct create_arg a = { h, &u, false, rep };
	int r;

	memset(&u, 0, sizeof(u));
	if (may_act(h, h->actor, req->user, req->role, rep) != PW_OK ||
	    nss_spelling(req->user, rep) != PW_OK ||
	    check_new_pair(h->conf, req->user, &req->secret[0], &req->secret[1],
	    rep) != PW_OK || confirm_actor(h, &req->secret[2], rep) != PW_OK)
		goto out;
	/* only now, so that existence is told to a proven actor only */
	if (store_user_get(h->st, req->user, &u) == PW_OK) {
		reply_name(rep, PW_ERR_EXISTS, PW_R_EXISTS, req->user);
		goto out;
	}
	r = make_user(h, req->user, req->role, &req->secret[0],
	    &req->secret[1], true, &u);
	if (r == PW_OK)
		r = store_write(h->st, create_tx, &a);
	if (r == PW_OK)
		(void)add_account(h, &u, rep);
	if (r == PW_ERR_EXISTS)
		reply_name(rep, r, PW_R_EXISTS, req->user);
	else
		reply(rep, r, r == PW_OK ? PW_R_NONE : PW_R_STATUS);
out:
	if (rep->status != PW_OK)
		audit_refusal(h, "useradd", req->user, rep);
	log_notice("useradd user=%s role=%s by %s: %s", req->user,
	    proto_role_name(req->role), actor_label(h), pw_strerror(rep->status));
	PW_WIPE_OBJECT(&u);
}

/* Explicit targets: each must exist and be one the actor may act on. */
int
check_targets(struct hctx *h, const struct store_user *actor,
    const struct pw_request *req, struct pw_reply *rep)
{
	struct store_user t;
	uint32_t i;
	int r;

	for (i = 0; i < req->ntargets; i++) {
		if ((r = store_user_get(h->st, req->targets[i], &t)) != PW_OK) {
			reply_name(rep, r, PW_R_NO_ACCOUNT_UNCHANGED, req->targets[i]);
			return r;
		}
		r = may_act(h, actor, t.name, t.role, rep);
		PW_WIPE_OBJECT(&t);
		if (r != PW_OK) {
			note(rep, &(struct pw_why){ .code = PW_R_REFUSED_FOR });
			memcpy(rep->note.name, req->targets[i],
			    strlen(req->targets[i]) + 1);
			return r;
		}
	}
	return PW_OK;
}

static void
h_status(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	const char *name = req->user[0] != '\0' ? req->user : h->peer->name;
	struct store_user u;
	int r;

	memset(&u, 0, sizeof(u));
	if (name[0] == '\0' || (req->user[0] == '\0' && !h->peer->has_name)) {
		reply(rep, PW_ERR_NOUSER, h->peer->root ? PW_R_ROOT_NO_ACCOUNT :
		    PW_R_NO_ACTOR);
		goto out;
	}
	if ((r = store_user_get(h->st, name, &u)) != PW_OK) {
		reply_name(rep, r, PW_R_NO_ACCOUNT, name);
		goto out;
	}
	/* someone else's account: the actor the dispatch checked */
	if (!own_account(h->peer, name) &&
	    may_act(h, h->actor, u.name, u.role, rep) != PW_OK)
		goto out;
	to_account(h->conf, &u, (int64_t)time(NULL), &rep->accts[rep->naccts++]);
	reply(rep, PW_OK, PW_R_NONE);
out:
	PW_WIPE_OBJECT(&u);
}

struct list_arg {
	struct hctx *h;
	const struct store_user *actor;
	bool locked_only;
	struct pw_reply *rep;
	int64_t now;
};

static int
list_one(const struct store_user *u, void *arg)
{
	struct list_arg *a = arg;
	bool locked = policy_locked(a->h->conf, u, PW_FACTOR_LOGIN) ||
	    policy_locked(a->h->conf, u, PW_FACTOR_CONFIRM) ||
	    u->otp_state == PW_OTP_LOCKED;

	if (policy_permit(a->h->peer->root ? NULL : a->actor, u->name, u->role,
	    false, 0) != PW_R_NONE || (a->locked_only && !locked))
		return 0;
	if (a->rep->naccts == PW_ACCTS_MAX) {
		a->rep->more = 1;
		return 1;
	}
	to_account(a->h->conf, u, a->now, &a->rep->accts[a->rep->naccts++]);
	return 0;
}

static void
h_list(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct list_arg a = { h, h->actor, (req->flags & PW_F_LOCKED_ONLY) != 0,
		rep, (int64_t)time(NULL) };
	int r;

	r = store_users_scan(h->st, req->cursor, list_one, &a);
	if (r != PW_OK) {
		rep->naccts = 0;
		rep->more = 0;
	}
	reply(rep, r, r == PW_OK ? PW_R_NONE : PW_R_STATUS);
}

static void
h_stats(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	unsigned i;

	(void)h;
	(void)req;
	for (i = 0; i < PW_STAT_COUNT; i++)
		rep->stats[i] = stats_get((enum pw_stat)i);
	rep->nstats = PW_STAT_COUNT;
	reply(rep, PW_OK, PW_R_NONE);
}

void
audit_fill(struct pw_audit *e, const struct hctx *h, const char *action,
    const char *target, int status, const char *fmt, ...)
{
	const char *actor = h->peer->root ? "root" : h->peer->name;
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->time = (int64_t)time(NULL);
	e->uid = (uint32_t)h->peer->uid;
	e->status = status;
	memcpy(e->actor, actor, strnlen(actor, PW_ACTOR_MAX));
	memcpy(e->action, action, strnlen(action, PW_ACTION_MAX));
	memcpy(e->target, target, strnlen(target, PW_USER_MAX));
	va_start(ap, fmt);
	/* a detail is cut at PW_DETAIL_MAX, like a log line, never refused */
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

void
audit_refusal(const struct hctx *h, const char *action, const char *target,
    const struct pw_reply *rep)
{
	struct pw_audit e;
	int r;

	if (!h->peer->root && !h->confirm_tried)
		return;
	char words[PW_WORDS_MAX];

	/* the audit log is English, as every log is (the words of C) */
	if (pw_words(rep->status, &rep->why, words, sizeof(words))[0] == '\0')
		snprintf(words, sizeof(words), "%s", pw_strerror(rep->status));
	audit_fill(&e, h, action, target, rep->status, "refused: %s", words);
	if ((r = store_audit_append(h->st, &e)) != PW_OK)
		log_warnx("audit of a refused %s by %s not stored: %s", action,
		    actor_label(h), pw_strerror(r));
}

/*
 * Who may send a request, checked once, before its handler (as OpenSSH's
 * monitor table does).  The zero value is nobody.
 */
enum peer_class {
	PEER_NONE = 0,
	PEER_ROOT = 1,	/* root only: the host's own tools */
	PEER_SELF = 2,	/* root, or a non-root peer for the account of its
			 * uid (rule 3's "nobody else's"; unix_chkpwd's rule) */
	PEER_OWN = 3,	/* the account itself: a non-root peer's own name,
			 * or "root" for root (enrolment) */
	PEER_ACTOR = 4,	/* root, or a master or admin able to act (rule 3);
			 * the handler gets the actor in h->actor */
	PEER_SELF_OR_ACTOR = 5, /* its own account, else as PEER_ACTOR */
};

/* One table of facts per request type. */
static const struct request_kind {
	uint8_t type;
	enum pw_stat stat;
	enum peer_class who;
	enum pw_reason denied;	/* why another peer is refused */
	uint32_t flags;		/* the flags the type takes */
	uint32_t root_flags;	/* of which root's alone */
	enum pw_reason bad_flags; /* why other flags are refused */
	void (*fn)(struct hctx *, struct pw_request *, struct pw_reply *);
} kinds[] = {
	{ PW_REQ_AUTH, PW_STAT_REQ_AUTH, PEER_SELF, PW_R_NOT_YOURS, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_auth },
	{ PW_REQ_ACCT, PW_STAT_REQ_ACCT, PEER_SELF, PW_R_NOT_YOURS, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_acct },
	{ PW_REQ_INIT, PW_STAT_REQ_INIT, PEER_ROOT, PW_R_ROOT_INIT, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_init },
	{ PW_REQ_USERADD, PW_STAT_REQ_USERADD, PEER_ACTOR, PW_R_NONE, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_useradd },
	{ PW_REQ_STATUS, PW_STAT_REQ_STATUS, PEER_SELF_OR_ACTOR, PW_R_NONE, 0,
	    0, PW_R_UNKNOWN_FLAG, h_status },
	{ PW_REQ_LIST, PW_STAT_REQ_LIST, PEER_ACTOR, PW_R_NONE,
	    PW_F_LOCKED_ONLY, 0, PW_R_UNKNOWN_FLAG, h_list },
	{ PW_REQ_UNLOCK, PW_STAT_REQ_UNLOCK, PEER_ACTOR, PW_R_NONE, PW_F_ALL,
	    0, PW_R_UNKNOWN_FLAG, h_unlock },
	{ PW_REQ_STATS, PW_STAT_REQ_STATS, PEER_ROOT, PW_R_ROOT_STATS, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_stats },
	{ PW_REQ_SUSPEND, PW_STAT_REQ_SUSPEND, PEER_ACTOR, PW_R_NONE,
	    PW_F_FORCE, PW_F_FORCE, PW_R_UNKNOWN_FLAG, h_suspend },
	{ PW_REQ_RESUME, PW_STAT_REQ_RESUME, PEER_ACTOR, PW_R_NONE, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_resume },
	{ PW_REQ_RESET, PW_STAT_REQ_RESET, PEER_ACTOR, PW_R_NONE,
	    PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE, 0, PW_R_RESET_FLAGS,
	    h_reset },
	{ PW_REQ_USERDEL, PW_STAT_REQ_USERDEL, PEER_ACTOR, PW_R_NONE,
	    PW_F_FORCE, PW_F_FORCE, PW_R_UNKNOWN_FLAG, h_userdel },
	{ PW_REQ_ROLE, PW_STAT_REQ_ROLE, PEER_ACTOR, PW_R_NONE, PW_F_FORCE,
	    PW_F_FORCE, PW_R_UNKNOWN_FLAG, h_role },
	{ PW_REQ_AUDIT, PW_STAT_REQ_AUDIT, PEER_ACTOR, PW_R_NONE, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_audit },
	{ PW_REQ_AUDIT_VERIFY, PW_STAT_REQ_AUDIT_VERIFY, PEER_ACTOR,
	    PW_R_NONE, 0, 0, PW_R_UNKNOWN_FLAG, h_audit_verify },
	{ PW_REQ_BACKUP, PW_STAT_REQ_BACKUP, PEER_ROOT, PW_R_ROOT_BACKUP, 0, 0,
	    PW_R_UNKNOWN_FLAG, h_backup },
	{ PW_REQ_PASSWD, PW_STAT_REQ_PASSWD, PEER_SELF, PW_R_NOT_YOURS_CHANGE,
	    PW_F_LOGIN | PW_F_CONFIRM, 0, PW_R_PASSWD_FLAGS, h_passwd },
	{ PW_REQ_OTP_ENROLL, PW_STAT_REQ_OTP_ENROLL, PEER_OWN, PW_R_OTP_SELF,
	    PW_F_ACTIVATE, 0, PW_R_UNKNOWN_FLAG, h_otp_enroll },
	{ PW_REQ_OTP_VERIFY, PW_STAT_REQ_OTP_VERIFY, PEER_SELF,
	    PW_R_NOT_YOURS, 0, 0, PW_R_UNKNOWN_FLAG, h_otp_verify },
	{ PW_REQ_OTP_UNLOCK, PW_STAT_REQ_OTP_UNLOCK, PEER_ACTOR, PW_R_NONE,
	    PW_F_ALL, 0, PW_R_UNKNOWN_FLAG, h_otp_unlock },
	{ PW_REQ_OTP_REMOVE, PW_STAT_REQ_OTP_REMOVE, PEER_ACTOR, PW_R_NONE, 0,
	    0, PW_R_UNKNOWN_FLAG, h_otp_remove },
};

/* PEER_OWN: a non-root peer's own name, or "root" for root. */
static bool
own_name(const struct peer *p, const char *user)
{
	if (p->root)
		return strcmp(user, "root") == 0;
	return p->has_name && strcmp(p->name, user) == 0;
}

/*
 * May this peer send this request, with these flags?  PW_OK, or the
 * refusal in rep.  A PEER_ACTOR request (and PEER_SELF_OR_ACTOR for
 * another account) loads the actor into *actor (root: zeroed).
 */
static int
permitted(struct hctx *h, const struct request_kind *k,
    const struct pw_request *req, struct store_user *actor,
    struct pw_reply *rep)
{
	bool actor_needed = k->who == PEER_ACTOR ||
	    (k->who == PEER_SELF_OR_ACTOR && req->user[0] != '\0' &&
	    !own_account(h->peer, req->user));

	if (k->who == PEER_NONE ||
	    (k->who == PEER_ROOT && !h->peer->root) ||
	    (k->who == PEER_SELF && !own_account(h->peer, req->user)) ||
	    (k->who == PEER_OWN && !own_name(h->peer, req->user))) {
		reply(rep, PW_ERR_PERM, k->denied);
		return rep->status;
	}
	if (actor_needed && load_actor(h, actor, rep) != PW_OK)
		return rep->status;
	if (req->flags & ~k->flags) {
		if (k->bad_flags == PW_R_UNKNOWN_FLAG)
			reply_text(rep, PW_ERR_INVAL, k->bad_flags,
			    proto_req_name(req->type));
		else
			reply(rep, PW_ERR_INVAL, k->bad_flags);
		return rep->status;
	}
	if ((req->flags & k->root_flags) && !h->peer->root) {
		reply(rep, PW_ERR_PERM, PW_R_FORCE_ROOT);
		return rep->status;
	}
	return PW_OK;
}

void
handle_request(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user actor;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	memset(&actor, 0, sizeof(actor));
	rep->type = (uint8_t)(req->type | PW_REPLY);
	stats_inc(PW_STAT_REQUESTS);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].type != req->type)
			continue;
		stats_inc(kinds[i].stat);
		if (permitted(h, &kinds[i], req, &actor, rep) == PW_OK) {
			h->actor = &actor;
			kinds[i].fn(h, req, rep);
			h->actor = NULL;
		} else
			log_limited(LOG_KIND_REFUSED, h->peer->charge,
			    req->user, "%s by %s refused: %s",
			    proto_req_name(req->type), actor_label(h),
			    pw_strerror(rep->status));
		PW_WIPE_OBJECT(&actor);
		return;
	}
	reply(rep, PW_ERR_PROTO, PW_R_UNKNOWN_REQUEST);
}
