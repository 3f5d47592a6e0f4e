/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table (who may send each request, checked once) and the
 * request handlers, each of which reads as: policy -> guesses (through
 * lockout.c) -> store -> reply, with a reason, never a sentence; secrets
 * only pass through verify.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "audit.h"
#include "guess.h"
#include "handlers.h"
#include "log.h"
#include "nss.h"
#include "policy.h"
#include "pwerr.h"
#include "reply.h"
#include "requests.h"
#include "stats.h"
#include "verify.h"
#include "wipe.h"

static const char *const factor_name[] = { "login", "confirmation" };

/*
 * After a verified password: the account's state (the module asks for a
 * one-time password when its otp field is not none), and what ACCT would
 * answer now (rules 2, 7, 8), so that the account phase in the same PAM
 * handle needs no second connection.  Only a peer that proved the
 * password learns them.
 */
static int
auth_state(const struct hctx *h, const char *name, struct pw_reply *rep)
{
	struct store_user u;
	int r;

	/* no account to show is no success: the module could skip the OTP */
	if ((r = store_user_get(h->st, name, &u)) == PW_OK &&
	    add_account(h, &u, rep)) {
		rep->acct_status = policy_account(h->conf, &u,
		    (int64_t)time(NULL), &rep->acct_why, &rep->acct_note);
		rep->acct_given = true;
	}
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
 * (unless must_exist) a name NSS does not know: a store name that NSS
 * spells otherwise (sssd with case_sensitive = preserving, a
 * full_name_format) would let the module's check of folded names miss
 * `ALICE' for the store's `alice'.
 */
int
nss_account(const char *name, bool must_exist, uid_t *uid,
    struct pw_reply *rep)
{
	char canon[PW_USER_MAX + 1];
	int r = nss_canonical(name, canon, uid);

	if ((r == PW_ERR_NOUSER && !must_exist) ||
	    (r == PW_OK && strcmp(canon, name) == 0))
		return PW_OK;
	if (r == PW_ERR_NOUSER)
		reply_name(rep, PW_ERR_NOUSER, PW_R_NOT_UNIX, name);
	else if (r == PW_OK && proto_name_valid(canon)) {
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
	const char *action; /* of the audit entry */
	const char *detail; /* of the audit entry */
};

/* useradd, import: the actor as it is now may still create this account. */
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

/* init, useradd, import: the new account and its audit entry, together. */
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
	audit_fill(&e, a->h, a->action, a->u->name, PW_OK, "role %s%s",
	    proto_role_name(a->u->role), a->detail);
	return store_tx_audit(tx, &e);
}

void
create_account(struct hctx *h, const struct store_user *u,
    const char *action, const char *detail, struct pw_reply *rep)
{
	struct create_arg a = { h, u, false, rep, action, detail };
	int r = store_write(h->st, create_tx, &a);

	if (r == PW_OK)
		(void)add_account(h, u, rep);
	if (r == PW_ERR_EXISTS)
		reply_name(rep, r, PW_R_EXISTS, u->name);
	else
		reply(rep, r, r == PW_OK ? PW_R_NONE : PW_R_STATUS);
}

static void
h_init(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user u;
	struct create_arg a = { h, &u, true, rep, "init", ", first master" };
	int r;

	if (nss_account(req->user, false, NULL, rep) != PW_OK ||
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

static void
h_useradd(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user u;
	int r;

	memset(&u, 0, sizeof(u));
	if (may_act(h, h->actor, req->user, req->role, rep) != PW_OK ||
	    nss_account(req->user, false, NULL, rep) != PW_OK ||
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
		create_account(h, &u, "useradd", "; both passwords must be "
		    "changed at first login", rep);
	else
		reply(rep, r, PW_R_STATUS);
out:
	if (rep->status != PW_OK)
		audit_refusal(h, "useradd", req->user, rep);
	log_notice("useradd user=%s role=%s by %s: %s", req->user,
	    proto_role_name(req->role), actor_label(h), pw_strerror(rep->status));
	PW_WIPE_OBJECT(&u);
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
	{ PW_REQ_IMPORT, PW_STAT_REQ_IMPORT, PEER_ROOT, PW_R_ROOT_IMPORT,
	    PW_F_CHECK | PW_F_LOGIN, 0, PW_R_UNKNOWN_FLAG, h_import },
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
