/* SPDX-License-Identifier: MIT */
/*
 * Self-service password change (SPEC rules 7-10): pwadmin passwd and the
 * module's password phase.
 *  1. Every changed factor MUST be proven by its current password, through
 *     the guess slots: a wrong one counts toward that factor's lock, also
 *     when root (PAM inside login or sshd) asks.
 *  2. The history check, which needs hashes, MUST run only after the
 *     current password verified: it is an oracle on old passwords of that
 *     factor, and costs Argon2 time.  A new password is NEVER compared
 *     with the other factor's stored hash: that would let someone who
 *     knows one password test guesses of the other without limit, outside
 *     its lockout.  The two must differ when both change together.
 *  4. The verifications after the proof run on the users' hash lane and
 *     under one deadline for the whole request, so a change cannot take
 *     the worker kept for logins nor run for minutes.
 *  3. The change commits only if each factor still has the hash its current
 *     password verified against; both factors change in one transaction,
 *     with the replaced hashes pushed onto the history, or neither does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "guess.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "reply.h"
#include "requests.h"
#include "wipe.h"

static const uint32_t factor_flag[] = { PW_F_LOGIN, PW_F_CONFIRM };

struct change {
	struct hctx *h;
	int64_t deadline; /* one for every hash after the proof */
	const struct pw_request *req;
	struct pw_reply *rep;
	char verified[PW_FACTOR_MAX + 1][PWD_HASH_MAX]; /* matched hashes */
	char fresh[PW_FACTOR_MAX + 1][PWD_HASH_MAX];	/* the new ones */
	struct store_history hist;
};

static bool
changes(const struct pw_request *req, uint8_t f)
{
	return (req->flags & factor_flag[f]) != 0;
}

static const struct pw_secret *
current_of(const struct pw_request *req, uint8_t f)
{
	return &req->secret[2 * f];
}

static const struct pw_secret *
new_of(const struct pw_request *req, uint8_t f)
{
	return &req->secret[2 * f + 1];
}

/* Flags name at least one factor, and only the secrets they imply. */
static int
check_flags(const struct pw_request *req, struct pw_reply *rep)
{
	uint8_t f;

	if ((req->flags & ~(PW_F_LOGIN | PW_F_CONFIRM)) ||
	    !(req->flags & (PW_F_LOGIN | PW_F_CONFIRM)))
		goto bad;
	for (f = 0; f <= PW_FACTOR_MAX; f++)
		if (!changes(req, f) && (current_of(req, f)->len > 0 ||
		    new_of(req, f)->len > 0))
			goto bad;
	return PW_OK;
bad:
	reply(rep, PW_ERR_INVAL, PW_R_PASSWD_FLAGS);
	return rep->status;
}

/*
 * The account exists: a name not in the store (root, in a `passwd' stack)
 * is answered as such before any rule, so that PAM can route it.  Only
 * root asks about other names, and the password phase is reached only by
 * the account's owner or after its login: no enumeration (rule 14).
 */
static int
known(struct change *c)
{
	struct store_user u;
	int r = store_user_get(c->h->st, c->req->user, &u);

	PW_WIPE_OBJECT(&u);
	if (r != PW_OK)
		reply(c->rep, r, r == PW_ERR_NOUSER ? PW_R_NONE : PW_R_STATUS);
	return r;
}

/* Rule 10's checks that need no hash, for every changed factor. */
static int
cheap_quality(struct change *c)
{
	bool both = changes(c->req, 0) && changes(c->req, 1);
	uint8_t f;
	int r;

	for (f = 0; f <= PW_FACTOR_MAX; f++)
		if (changes(c->req, f) && (r = check_new(c->h->conf,
		    c->req->user, f, new_of(c->req, f),
		    both ? new_of(c->req, 1 - f) : NULL, c->rep)) != PW_OK)
			return r;
	return PW_OK;
}

/* Rule 9: the current password of every changed factor. */
static int
prove_current(struct change *c)
{
	uint8_t f;
	int r;

	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (!changes(c->req, f))
			continue;
		r = guess(c->h, c->req->user, f, current_of(c->req, f),
		    c->verified[f]);
		switch (r) {
		case PW_OK:
			continue;
		case PW_ERR_AUTH:
			reply_why(c->rep, r, &(struct pw_why){ .code = PW_R_WRONG_CURRENT, .factor = f });
			break;
		case PW_ERR_LOCKED:
			locked_msg(c->rep, r, f);
			break;
		case PW_ERR_SUSPENDED:
			reply(c->rep, r, PW_R_SUSPENDED);
			break;
		case PW_ERR_NOUSER:
			reply(c->rep, r, PW_R_NONE);
			break;
		default:
			reply(c->rep, r, PW_R_STATUS);
		}
		return r;
	}
	return PW_OK;
}

/* Is pw the password of `hash'?  PW_OK yes, PW_ERR_AUTH no, or an error. */
static int
matches(const struct change *c, const char *hash, const struct pw_secret *pw)
{
	return verify_check(hash, pw->buf, pw->len, lane_of(c->h), c->deadline);
}

/*
 * A new password may not be one of the last `history' passwords of its
 * factor: the current one (the hash it just verified against), then the
 * stored ones.
 */
static int
not_recent(struct change *c, uint8_t f)
{
	uint32_t keep = c->h->conf->history, i;
	const char *old;
	int r;

	for (i = 0; i < keep; i++) {
		if (i == 0)
			old = c->verified[f];
		else if (i - 1 < c->hist.n[f])
			old = c->hist.hash[f][i - 1];
		else
			break;
		if ((r = matches(c, old, new_of(c->req, f))) == PW_OK) {
			reply_why(c->rep, PW_ERR_QUALITY, &(struct pw_why){ .code = PW_R_Q_HISTORY, .factor = f, .num = keep });
			return PW_ERR_QUALITY;
		}
		if (r != PW_ERR_AUTH)
			return r;
	}
	return PW_OK;
}

/* Rule 10's history check, for every changed factor. */
static int
dear_quality(struct change *c)
{
	uint8_t f;
	int r;

	c->deadline = deadline_of(c->h);
	r = store_history_get(c->h->st, c->req->user, &c->hist);
	for (f = 0; f <= PW_FACTOR_MAX && r == PW_OK; f++)
		if (changes(c->req, f))
			r = not_recent(c, f);
	if (r != PW_OK && c->rep->status == PW_OK)
		reply(c->rep, r, PW_R_STATUS);
	return r;
}

static int
hash_new(struct change *c)
{
	uint8_t f;
	int r;

	for (f = 0; f <= PW_FACTOR_MAX; f++)
		if (changes(c->req, f) && (r = verify_hash(new_of(c->req, f)->buf,
		    new_of(c->req, f)->len, c->fresh[f], VERIFY_USER,
		    c->deadline)) != PW_OK) {
			reply(c->rep, r, PW_R_STATUS);
			return r;
		}
	return PW_OK;
}

static int
change_tx(struct store_tx *tx, void *arg)
{
	struct change *c = arg;
	uint32_t keep = c->h->conf->history > 0 ? c->h->conf->history - 1 : 0;
	int64_t now = (int64_t)time(NULL);
	struct store_user u;
	uint8_t f;
	int r;

	if ((r = store_tx_get(tx, c->req->user, &u)) != PW_OK)
		goto out;
	/* suspended or locked while the hashes ran: no change */
	if (u.suspended) {
		reply(c->rep, r = PW_ERR_SUSPENDED, PW_R_SUSPENDED);
		goto out;
	}
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (!changes(c->req, f))
			continue;
		if (policy_locked(c->h->conf, &u, f)) {
			locked_msg(c->rep, r = PW_ERR_LOCKED, f);
			goto out;
		}
		if (strcmp(u.f[f].hash, c->verified[f]) != 0) {
			reply_why(c->rep, r = PW_ERR_BUSY, &(struct pw_why){ .code = PW_R_CHANGED_MEANWHILE, .factor = f });
			goto out;
		}
		if ((r = store_tx_history_push(tx, u.name, f, u.f[f].hash,
		    keep)) != PW_OK)
			goto out;
		memcpy(u.f[f].hash, c->fresh[f], PWD_HASH_MAX);
		u.f[f].changed_at = now;
		u.f[f].must_change = false;
	}
	if ((r = store_tx_put(tx, &u, false)) == PW_OK)
		(void)add_account(c->h, &u, c->rep);
out:
	PW_WIPE_OBJECT(&u);
	return r;
}

void
h_passwd(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct change *c;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reply(rep, PW_ERR_NOMEM, PW_R_STATUS);
		return;
	}
	c->h = h, c->req = req, c->rep = rep;
	if (check_flags(req, rep) != PW_OK || known(c) != PW_OK ||
	    cheap_quality(c) != PW_OK ||
	    prove_current(c) != PW_OK || dear_quality(c) != PW_OK ||
	    hash_new(c) != PW_OK)
		goto out;
	if ((r = store_write(h->st, change_tx, c)) != PW_OK) {
		rep->naccts = 0;
		if (rep->why.code == PW_R_NONE)
			reply(rep, r, PW_R_STATUS_UNCHANGED);
		rep->status = r;
		goto out;
	}
	reply(rep, PW_OK, PW_R_NONE);
out:
	log_notice("passwd %s%s%s user=%s service=%s peer_uid=%u: %s",
	    changes(req, 0) ? "login" : "",
	    changes(req, 0) && changes(req, 1) ? "," : "",
	    changes(req, 1) ? "confirmation" : "", req->user,
	    req->service[0] ? req->service : "-", (unsigned)h->peer->uid,
	    pw_strerror(rep->status));
	PW_WIPE_OBJECT(c);
	free(c);
}
