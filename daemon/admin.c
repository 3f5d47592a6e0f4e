/* SPDX-License-Identifier: MIT */
/*
 * The admin commands of SPEC rules 3-6, 12 and 13: unlock, suspend,
 * resume, reset, userdel, role, and audit, audit --verify, backup.
 *  1. Each changing command reads as: load the actor -> flags -> targets
 *     -> the actor's confirmation password -> ONE store transaction that
 *     re-checks who may act on whom, applies the last-master guard,
 *     changes the accounts and appends their audit entries -> reply.
 *     All of it commits, or none of it.
 *  2. A refusal is audited too when root asked, or once the actor's
 *     confirmation password was checked (right or wrong: the lockout
 *     bounds those); earlier refusals go to syslog only, so that nobody
 *     can grow the audit log for free.
 *  4. The actor is re-read inside the transaction: a master demoted,
 *     suspended or deleted while its confirmation was being hashed acts
 *     no more.
 *  3. The last-master guard is decided inside the write transaction, so
 *     two masters removing each other at once cannot both pass it.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "audit.h"
#include "frame.h"
#include "guess.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "reply.h"
#include "requests.h"
#include "util.h"
#include "wipe.h"

#define FORCED_NOTE    "; forced past the last-master guard"

/* ==== Last-master guard (rule 3) ==== */

struct guard_arg {
	const struct pwd_conf *conf;
	const char (*excl)[PW_USER_MAX + 1]; /* accounts the operation takes */
	size_t nexcl;
	bool removes;	 /* one of them is a usable master */
	uint32_t others; /* usable masters it leaves alone */
};

static int
guard_scan(const struct store_user *u, void *arg)
{
	struct guard_arg *a = arg;
	size_t i;

	if (!policy_usable_master(a->conf, u))
		return 0;
	for (i = 0; i < a->nexcl; i++)
		if (strcmp(u->name, a->excl[i]) == 0)
			break;
	if (i < a->nexcl)
		a->removes = true;
	else
		a->others++;
	return a->others > 0; /* one other usable master settles it */
}

/*
 * Inside the transaction, before anything changes: may the operation make
 * the accounts excl[] unusable?  PW_OK with *g (PASS or FORCED), or
 * PW_ERR_LASTMASTER with the reason in rep.
 */
static int
last_master(struct store_tx *tx, const struct hctx *h,
    const char (*excl)[PW_USER_MAX + 1], size_t nexcl,
    const struct pw_request *req, enum policy_guard *g, struct pw_reply *rep)
{
	struct guard_arg a = { h->conf, excl, nexcl, false, 0 };
	int r;

	*g = GUARD_DENY;
	if ((r = store_tx_scan(tx, guard_scan, &a)) != PW_OK)
		return r;
	*g = policy_last_master(a.removes, a.others,
	    (req->flags & PW_F_FORCE) != 0, h->peer->root);
	if (*g != GUARD_DENY)
		return PW_OK;
	reply_why(rep, PW_ERR_LASTMASTER, &(struct pw_why){
	    .code = PW_R_LAST_MASTER, .num = h->peer->root ? 1 : 0 });
	return PW_ERR_LASTMASTER;
}

/* ==== unlock, suspend, resume: several accounts, all or nothing ==== */

enum bulk_kind {
	BULK_UNLOCK = 0,
	BULK_SUSPEND = 1,
	BULK_RESUME = 2,
	BULK_OTP_UNLOCK = 3
};

static const char *const bulk_action[] = { "unlock", "suspend", "resume",
	"otp-unlock" };

/* The two kinds of unlock: --all, forgetting unstored failures. */
static bool
is_unlock(enum bulk_kind kind)
{
	return kind == BULK_UNLOCK || kind == BULK_OTP_UNLOCK;
}

struct bulk {
	struct hctx *h;
	const struct pw_request *req;
	struct pw_reply *rep;
	const struct store_user *actor;
	enum bulk_kind kind;
	bool all;
	enum policy_guard guard;
	struct store_tx *tx;
	struct store_user now; /* the actor as the transaction sees it */
	uint32_t changed;
	uint32_t more; /* changed past the reply's capacity */
	char (*names)[PW_USER_MAX + 1]; /* unlock: accounts changed */
	size_t cap;
};

/* What --all of this kind of unlock picks. */
static bool
any_lock(enum bulk_kind kind, const struct pwd_conf *c,
    const struct store_user *u)
{
	if (kind == BULK_OTP_UNLOCK)
		return policy_locked(c, u, PW_WHY_OTP);
	return policy_locked(c, u, PW_FACTOR_LOGIN) ||
	    policy_locked(c, u, PW_FACTOR_CONFIRM);
}

/* Changes one account as the command says; returns the audit detail. */
static const char *
bulk_apply(enum bulk_kind kind, struct store_user *u)
{
	switch (kind) {
	case BULK_UNLOCK:
		policy_unlock(u, false);
		return "login and confirmation passwords unlocked";
	case BULK_SUSPEND:
		policy_suspend(u, true);
		return "service suspended";
	case BULK_OTP_UNLOCK:
		policy_unlock(u, true);
		return "one-time password unlocked";
	default:
		policy_suspend(u, false);
		return "service resumed";
	}
}

/* Remembers an unlocked account, to forget its unstored failures later. */
static int
keep_name(struct bulk *b, const char *name)
{
	char (*p)[PW_USER_MAX + 1];

	if ((p = pw_grow(b->names, &b->cap, b->changed + 1, sizeof(*p),
	    16)) == NULL)
		return PW_ERR_NOMEM;
	b->names = p;
	memcpy(b->names[b->changed], name, strlen(name) + 1);
	return PW_OK;
}

static int
bulk_one(struct store_user *u, void *arg)
{
	struct bulk *b = arg;
	const struct hctx *h = b->h;
	enum pw_reason act = policy_permit(h->peer->root ? NULL : &b->now,
	    u->name, u->role, false, 0);
	bool self = !h->peer->root && strcmp(u->name, b->now.name) == 0;
	struct pw_audit e;
	const char *what;
	int r;

	/* --all: every locked account the actor may act on, never its own */
	if (b->all && (!any_lock(b->kind, h->conf, u) || act != PW_R_NONE ||
	    self))
		return 0;
	if (act != PW_R_NONE) /* re-checked inside the transaction */
		return PW_ERR_PERM;
	if (is_unlock(b->kind) && (r = keep_name(b, u->name)) != PW_OK)
		return r;
	what = bulk_apply(b->kind, u);
	audit_fill(&e, h, bulk_action[b->kind], u->name, PW_OK, "%s%s", what,
	    b->guard == GUARD_FORCED ? FORCED_NOTE : "");
	if ((r = store_tx_audit(b->tx, &e)) != PW_OK)
		return r;
	if (!add_account(h, u, b->rep))
		b->more++;
	b->changed++;
	return 1;
}

static int
bulk_tx(struct store_tx *tx, void *arg)
{
	struct bulk *b = arg;
	const char (*names)[PW_USER_MAX + 1] =
	    (const char(*)[PW_USER_MAX + 1])b->req->targets;
	struct pw_audit e;
	int r;

	b->tx = tx;
	b->guard = GUARD_PASS;
	if ((r = actor_tx(tx, b->h, &b->now, b->rep)) != PW_OK)
		return r;
	if (b->kind == BULK_SUSPEND && (r = last_master(tx, b->h, names,
	    b->req->ntargets, b->req, &b->guard, b->rep)) != PW_OK)
		return r;
	if (b->all)
		r = store_tx_edit_all(tx, bulk_one, b);
	else
		r = store_tx_edit(tx, names, b->req->ntargets, bulk_one, b);
	if (r != PW_OK || !b->all || b->changed > 0)
		return r;
	audit_fill(&e, b->h, bulk_action[b->kind], "", PW_OK,
	    "--all: no locked account");
	return store_tx_audit(tx, &e);
}

/* After an unlock commits: failures of the old lock cycle are forgotten. */
static void
forget_unrecorded(const struct bulk *b)
{
	uint32_t i;

	for (i = 0; i < b->changed; i++)
		lockout_forget(b->names[i]);
}

/* Flags, targets, and the actor's confirmation: may the bulk go ahead? */
static int
bulk_check(struct bulk *b, struct pw_request *req)
{
	struct pw_reply *rep = b->rep;

	if (b->all == (req->ntargets > 0)) {
		reply_text(rep, PW_ERR_INVAL, PW_R_NAME_TARGETS,
		    bulk_action[b->kind]);
		rep->why.num = is_unlock(b->kind) ? 1 : 0;
		return rep->status;
	}
	if (check_targets(b->h, b->actor, req, rep) != PW_OK ||
	    confirm_actor(b->h, &req->secret[0], rep) != PW_OK)
		return rep->status;
	return PW_OK;
}

static void
h_bulk(struct hctx *h, struct pw_request *req, struct pw_reply *rep,
    enum bulk_kind kind)
{
	struct bulk b = { .h = h, .req = req, .rep = rep, .actor = h->actor,
		.kind = kind, .guard = GUARD_DENY,
		.all = is_unlock(kind) && (req->flags & PW_F_ALL) };
	int r;

	if (bulk_check(&b, req) != PW_OK)
		goto out;
	if ((r = store_write(h->st, bulk_tx, &b)) != PW_OK) {
		rep->naccts = 0;
		if (rep->why.code == PW_R_NONE)
			reply(rep, r, PW_R_STATUS_UNCHANGED);
		rep->status = r;
		goto out;
	}
	if (is_unlock(kind))
		forget_unrecorded(&b);
	reply(rep, PW_OK, PW_R_NONE);
	if (b.all && b.changed == 0)
		note(rep, &(struct pw_why){ .code = PW_R_NONE_LOCKED });
	else if (b.more > 0)
		note(rep, &(struct pw_why){ .code = PW_R_MORE_CHANGED,
		    .num = b.more });
out:
	if (rep->status != PW_OK)
		audit_refusal(h, bulk_action[kind],
		    req->ntargets > 0 ? req->targets[0] : "", rep);
	log_notice("%s %s%u account(s) by %s: %s", bulk_action[kind],
	    b.all ? "--all " : "", b.all ? b.changed : req->ntargets,
	    actor_label(h), pw_strerror(rep->status));
	PW_WIPE_OBJECT(&b.now);
	free(b.names);
}

void
h_unlock(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_bulk(h, req, rep, BULK_UNLOCK);
}

void
h_suspend(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_bulk(h, req, rep, BULK_SUSPEND);
}

void
h_otp_unlock(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_bulk(h, req, rep, BULK_OTP_UNLOCK);
}

void
h_resume(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_bulk(h, req, rep, BULK_RESUME);
}

/* ==== One target: reset, userdel, role ==== */

struct one {
	struct hctx *h;
	const struct pw_request *req;
	struct pw_reply *rep;
	const struct store_user *actor;
	char hash[PW_FACTOR_MAX + 1][PWD_HASH_MAX]; /* reset: the new hashes */
	struct store_user now; /* the actor as the transaction sees it */
	enum policy_guard guard;
	uint8_t old_role;
};

/*
 * Inside the transaction: the target as it is now, re-checked against
 * rule 3 (for role, against its new role too).
 */
static int
one_target(struct store_tx *tx, struct one *o, struct store_user *u)
{
	const struct hctx *h = o->h;
	enum pw_reason a;
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = actor_tx(tx, h, &o->now, o->rep)) != PW_OK ||
	    (r = store_tx_get(tx, o->req->user, u)) != PW_OK)
		return r;
	a = policy_permit(h->peer->root ? NULL : &o->now, u->name, u->role,
	    o->req->type == PW_REQ_ROLE, o->req->role);
	if (a != PW_R_NONE) {
		reply(o->rep, PW_ERR_PERM, a);
		return PW_ERR_PERM;
	}
	o->old_role = u->role;
	return PW_OK;
}

/* The guard for an operation that takes the one target away (as master). */
static int
one_guard(struct store_tx *tx, struct one *o)
{
	return last_master(tx, o->h, &o->req->user, 1, o->req, &o->guard,
	    o->rep);
}

/* The end of a one-target change: the account written, audited, replied. */
static int
one_commit(struct store_tx *tx, struct one *o, const struct store_user *u,
    struct pw_audit *e)
{
	int r;

	if ((r = store_tx_put(tx, u, false)) == PW_OK &&
	    (r = store_tx_audit(tx, e)) == PW_OK)
		(void)add_account(o->h, u, o->rep);
	return r;
}

static int
reset_tx(struct store_tx *tx, void *arg)
{
	struct one *o = arg;
	bool force_change = !(o->req->flags & PW_F_NO_FORCE);
	int64_t now = (int64_t)time(NULL);
	struct store_user u;
	struct pw_audit e;
	uint8_t i, f = 0;
	int r;

	if ((r = one_target(tx, o, &u)) != PW_OK)
		goto out;
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		if (!(o->req->flags & (i == 0 ? PW_F_LOGIN : PW_F_CONFIRM)))
			continue;
		/* the replaced password stays in the history (rule 10) */
		if ((r = store_tx_history_push(tx, u.name, i, u.f[i].hash,
		    o->h->conf->history > 0 ? o->h->conf->history - 1 : 0)) !=
		    PW_OK)
			goto out;
		memcpy(u.f[i].hash, o->hash[i], PWD_HASH_MAX);
		u.f[i].changed_at = now;
		u.f[i].must_change = force_change;
		f |= (uint8_t)(1u << i);
	}
	audit_fill(&e, o->h, "reset", u.name, PW_OK, "%s set; %s",
	    f == 3 ? "login and confirmation passwords" : f == 1 ?
	    "login password" : "confirmation password", force_change ?
	    "must change at next login" : "no forced change (--no-force-change)");
	r = one_commit(tx, o, &u, &e);
out:
	PW_WIPE_OBJECT(&u);
	return r;
}

static int
userdel_tx(struct store_tx *tx, void *arg)
{
	struct one *o = arg;
	struct store_user u;
	struct pw_audit e;
	int r;

	if ((r = one_target(tx, o, &u)) != PW_OK ||
	    (r = one_guard(tx, o)) != PW_OK ||
	    (r = store_tx_del(tx, u.name)) != PW_OK ||
	    (r = store_tx_history_del(tx, u.name)) != PW_OK ||
	    (r = store_tx_otp_del(tx, u.name)) != PW_OK)
		goto out;
	audit_fill(&e, o->h, "userdel", u.name, PW_OK, "account deleted "
	    "(role %s)%s", proto_role_name(u.role),
	    o->guard == GUARD_FORCED ? FORCED_NOTE : "");
	r = store_tx_audit(tx, &e);
out:
	PW_WIPE_OBJECT(&u);
	return r;
}

static int
role_tx(struct store_tx *tx, void *arg)
{
	struct one *o = arg;
	struct store_user u;
	struct pw_audit e;
	int r;

	o->guard = GUARD_PASS;
	if ((r = one_target(tx, o, &u)) != PW_OK)
		goto out;
	if (o->req->role != PW_ROLE_MASTER && (r = one_guard(tx, o)) != PW_OK)
		goto out;
	u.role = o->req->role;
	audit_fill(&e, o->h, "role", u.name, PW_OK, "role %s -> %s%s",
	    proto_role_name(o->old_role), proto_role_name(u.role),
	    o->guard == GUARD_FORCED ? FORCED_NOTE : "");
	r = one_commit(tx, o, &u, &e);
out:
	PW_WIPE_OBJECT(&u);
	return r;
}

static int
otp_remove_tx(struct store_tx *tx, void *arg)
{
	struct one *o = arg;
	struct store_user u;
	struct pw_audit e;
	int r;

	if ((r = one_target(tx, o, &u)) != PW_OK ||
	    (r = store_tx_otp_del(tx, u.name)) != PW_OK)
		goto out;
	audit_fill(&e, o->h, "otp-remove", u.name, PW_OK, "one-time password "
	    "token %s", u.otp_state == PW_OTP_NONE ? "(none, or only pending) "
	    "removed" : "removed");
	u.otp_state = PW_OTP_NONE;
	u.otp_failures = 0;
	r = one_commit(tx, o, &u, &e);
out:
	PW_WIPE_OBJECT(&u);
	return r;
}

/* The target exists and the actor may act on it (before any password). */
static int
one_check(struct one *o, struct store_user *t)
{
	const struct pw_request *req = o->req;
	enum pw_reason a;
	int r;

	if ((r = store_user_get(o->h->st, req->user, t)) != PW_OK) {
		reply_name(o->rep, r, PW_R_NO_ACCOUNT, req->user);
		return r;
	}
	if (req->type == PW_REQ_ROLE) {
		a = policy_permit(o->h->peer->root ? NULL : o->actor, t->name,
		    t->role, true, req->role);
		if (a != PW_R_NONE) {
			reply(o->rep, PW_ERR_PERM, a);
			return PW_ERR_PERM;
		}
		return PW_OK;
	}
	return may_act(o->h, o->actor, t->name, t->role, o->rep);
}

/* Rule 10 for the new password(s) of a reset (no hash: before anything). */
static int
reset_quality(struct one *o)
{
	const struct pw_request *req = o->req;
	bool both = (req->flags & PW_F_LOGIN) && (req->flags & PW_F_CONFIRM);
	uint8_t i;
	int r;

	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		if (!(req->flags & (i == 0 ? PW_F_LOGIN : PW_F_CONFIRM)))
			continue;
		if ((r = check_new(o->h->conf, req->user, i, &req->secret[i],
		    both ? &req->secret[1 - i] : NULL, o->rep)) != PW_OK)
			return r;
	}
	return PW_OK;
}

/*
 * "The two passwords of an account differ" when one factor is reset: its
 * new password against the other factor's stored hash.  Only after the
 * actor's confirmation password verified, so that the answer (an oracle
 * on the other password) costs a proven actor a real, audited reset for
 * every wrong guess.
 */
static int
reset_differs(struct one *o, const struct store_user *t)
{
	const struct pw_request *req = o->req;
	uint8_t f;
	int r;

	if ((req->flags & PW_F_LOGIN) && (req->flags & PW_F_CONFIRM))
		return PW_OK;
	f = (req->flags & PW_F_LOGIN) ? PW_FACTOR_LOGIN : PW_FACTOR_CONFIRM;
	r = verify_check(t->f[1 - f].hash, req->secret[f].buf,
	    req->secret[f].len, lane_of(o->h), deadline_of(o->h));
	if (r == PW_OK) {
		reply_why(o->rep, PW_ERR_QUALITY, &(struct pw_why){ .code = PW_R_Q_OTHER, .factor = f });
		return PW_ERR_QUALITY;
	}
	if (r != PW_ERR_AUTH)
		reply(o->rep, r, PW_R_STATUS);
	return r == PW_ERR_AUTH ? PW_OK : r;
}

/* The request's flags and the secrets they imply are consistent. */
static int
reset_flags(const struct pw_request *req, struct pw_reply *rep)
{
	uint32_t ok = PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE;

	if ((req->flags & ~ok) || !(req->flags & (PW_F_LOGIN | PW_F_CONFIRM)) ||
	    (!(req->flags & PW_F_LOGIN) && req->secret[0].len > 0) ||
	    (!(req->flags & PW_F_CONFIRM) && req->secret[1].len > 0)) {
		reply(rep, PW_ERR_INVAL, PW_R_RESET_FLAGS);
		return rep->status;
	}
	return PW_OK;
}

/* Hashes the new password(s) of a reset into o->hash. */
static int
reset_hash(struct one *o)
{
	uint8_t i;
	int r;

	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		if (!(o->req->flags & (i == 0 ? PW_F_LOGIN : PW_F_CONFIRM)))
			continue;
		if ((r = verify_hash(o->req->secret[i].buf,
		    o->req->secret[i].len, o->hash[i], lane_of(o->h),
		    deadline_of(o->h))) != PW_OK) {
			reply(o->rep, r, PW_R_STATUS);
			return r;
		}
	}
	return PW_OK;
}

/* What a reset leaves as it was: locks and a suspension (rule 6). */
static void
reset_info(const struct one *o, const struct store_user *t)
{
	enum pw_reason what = PW_R_NONE;

	if (policy_locked(o->h->conf, t, PW_FACTOR_LOGIN) ||
	    policy_locked(o->h->conf, t, PW_FACTOR_CONFIRM))
		what = PW_R_RESET_KEEPS_LOCK;
	else if (t->suspended)
		what = PW_R_RESET_KEEPS_SUSPENSION;
	if (what != PW_R_NONE) {
		note(o->rep, &(struct pw_why){ .code = (uint16_t)what });
		memcpy(o->rep->note.name, t->name, strlen(t->name) + 1);
	}
}

typedef int (*one_fn)(struct store_tx *, void *);

/*
 * The one-target commands: actor, flags, target, (reset: quality and new
 * hashes), confirmation, one transaction, audit of a refusal.
 */
static void
h_one(struct hctx *h, struct pw_request *req, struct pw_reply *rep,
    one_fn fn)
{
	struct store_user t;
	struct one o;
	bool reset = req->type == PW_REQ_RESET;
	int r;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.h = h, o.req = req, o.rep = rep, o.actor = h->actor;
	if (reset && reset_flags(req, rep) != PW_OK)
		goto out;
	if (one_check(&o, &t) != PW_OK ||
	    (reset && reset_quality(&o) != PW_OK) ||
	    confirm_actor(h, &req->secret[reset ? 2 : 0], rep) != PW_OK ||
	    (reset && (reset_differs(&o, &t) != PW_OK ||
	    reset_hash(&o) != PW_OK)))
		goto out;
	if ((r = store_write(h->st, fn, &o)) != PW_OK) {
		rep->naccts = 0;
		if (rep->why.code == PW_R_NONE)
			reply(rep, r, PW_R_STATUS_UNCHANGED);
		rep->status = r;
		goto out;
	}
	if (req->type == PW_REQ_USERDEL)
		lockout_forget(req->user);
	reply(rep, PW_OK, PW_R_NONE);
	if (reset)
		reset_info(&o, &t);
out:
	if (rep->status != PW_OK)
		audit_refusal(h, proto_req_name(req->type), req->user, rep);
	log_notice("%s user=%s by %s: %s", proto_req_name(req->type), req->user,
	    actor_label(h), pw_strerror(rep->status));
	verify_wipe(o.hash, sizeof(o.hash));
	PW_WIPE_OBJECT(&o.now);
	PW_WIPE_OBJECT(&t);
}

void
h_reset(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_one(h, req, rep, reset_tx);
}

void
h_userdel(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_one(h, req, rep, userdel_tx);
}

void
h_role(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_one(h, req, rep, role_tx);
}

void
h_otp_remove(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	h_one(h, req, rep, otp_remove_tx);
}

/* ==== Reading the audit log; backup ==== */

void
h_audit(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	int64_t since = req->since > (uint64_t)INT64_MAX ? INT64_MAX
							 : (int64_t)req->since;
	size_t n = 0;
	bool more = false;
	int r;

	r = store_audit_read(h->st, since, req->after, rep->audit,
	    PW_AUDIT_MAX, &n, &more);
	rep->naudit = (uint32_t)n;
	rep->more = more;
	reply(rep, r, r == PW_OK ? PW_R_NONE : PW_R_STATUS);
}

void
h_audit_verify(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	uint8_t head[PW_AUDIT_HASH];
	struct pw_why why;
	char words[PW_WORDS_MAX];
	uint64_t n = 0;
	int r;

	(void)req;
	r = store_audit_verify(h->st, &n, head, &why);
	if (r == PW_OK) {
		reply_why(rep, r, &(struct pw_why){ .code = PW_R_AUDIT_OK,
		    .num = n });
		(void)snprintf(rep->why.text, sizeof(rep->why.text),
		    "%02x%02x%02x%02x%02x%02x%02x%02x", head[0], head[1],
		    head[2], head[3], head[4], head[5], head[6], head[7]);
	} else if (r == PW_ERR_AUDIT) {
		reply_why(rep, r, &why);
		log_warnx("audit --verify by %s: %s", actor_label(h),
		    pw_words(r, &why, words, sizeof(words)));
	} else
		reply(rep, r, PW_R_STATUS);
}

/* The passed descriptor: an empty regular file open for writing. */
static bool
backup_target_ok(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	/* the copy holds every hash: readable by its owner only */
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
	    (st.st_mode & 077) == 0 && fl >= 0 &&
	    (fl & O_ACCMODE) != O_RDONLY;
}

void
h_backup(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct pw_audit e;
	struct stat st;
	int fd = -1, r;

	(void)req;
	r = frame_recv_fd(h->fd, &fd, frame_now_ms() +
	    h->conf->request_timeout * 1000LL);
	if (r != PW_OK)
		reply(rep, r, PW_R_BACKUP_NO_FILE);
	else if (store_shared(h->st))
		reply(rep, r = PW_ERR_INVAL, PW_R_BACKUP_SHARED);
	else if (!backup_target_ok(fd))
		reply(rep, r = PW_ERR_INVAL, PW_R_BACKUP_FILE);
	else if ((r = store_backup(h->st, fd)) != PW_OK)
		reply(rep, r, PW_R_BACKUP_FAILED);
	if (r == PW_OK && fstat(fd, &st) != 0)
		st.st_size = 0;
	if (r == PW_OK)
		audit_fill(&e, h, "backup", "", r, "compacted copy of %lld "
		    "bytes", (long long)st.st_size);
	else
		audit_fill(&e, h, "backup", "", r, "refused: %s",
		    pw_strerror(r));
	if (store_audit_append(h->st, &e) != PW_OK)
		log_warnx("audit of a backup not stored");
	if (fd >= 0)
		close(fd);
	if (r == PW_OK)
		reply(rep, PW_OK, PW_R_NONE);
	log_notice("backup by root: %s", pw_strerror(r));
}
