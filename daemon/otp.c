/* SPDX-License-Identifier: MIT */
/*
 * One-time passwords (SPEC rule 11): enrolment by the account itself and
 * the check of a code at login.  Unlock and remove are admin commands
 * (admin.c).
 *  1. A secret MUST never be stored or logged in plain: it is sealed
 *     (verify.c) before it reaches the store, and leaves the daemon only
 *     once, inside the otpauth:// URI of its own enrolment.
 *  2. A code MUST be checked through guess slots of the token's own
 *     (PWD_FACTOR_OTP): at most max_otp_failures are evaluated per lock
 *     cycle, a failure is stored before the answer, a locked token is
 *     refused without evaluating anything.
 *  3. Each accepted time step MUST be used once: the step is compared and
 *     recorded in one write transaction, so two logins with the same code
 *     cannot both pass, and an older step is refused like a wrong code.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "guess.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "reply.h"
#include "requests.h"
#include "stats.h"
#include "wipe.h"

#define OTP_ISSUER	 "pwadmin"
#define OTP_TRIES_MAX	 5  /* wrong activation codes before a restart */
#define OTP_B32_MAX	 64 /* bytes of a base32 secret and its NUL */

struct enrol {
	const struct hctx *h;
	const char *user;
	struct store_otp tok;
	uint64_t step;	 /* ACTIVATE: the step the code matched */
	bool activated;
};

/* Begin: a new pending token, unless the account has an active one. */
static int
begin_tx(struct store_tx *tx, void *arg)
{
	struct enrol *e = arg;
	struct store_user u;
	int r;

	if ((r = store_tx_get(tx, e->user, &u)) == PW_OK &&
	    u.otp_state != PW_OTP_NONE)
		r = PW_ERR_EXISTS;
	PW_WIPE_OBJECT(&u);
	if (r != PW_OK)
		return r;
	return store_tx_otp_put(tx, e->user, &e->tok);
}

static void
enrol_begin(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct enrol e = { .h = h, .user = req->user };
	char b32[OTP_B32_MAX];
	int r;

	r = guess(h, req->user, PW_FACTOR_CONFIRM, &req->secret[0], NULL);
	if (r == PW_ERR_AUTH)
		reply(rep, r, PW_R_CONFIRM_WRONG);
	else if (r == PW_ERR_LOCKED)
		locked_msg(rep, r, PW_FACTOR_CONFIRM);
	else if (r != PW_OK)
		reply(rep, r, PW_R_STATUS);
	if (r != PW_OK)
		return;
	e.tok.pending = true;
	if ((r = verify_otp_new(e.tok.nonce, e.tok.box, b32, sizeof(b32))) ==
	    PW_OK)
		r = store_write(h->st, begin_tx, &e);
	if (r == PW_ERR_EXISTS)
		reply(rep, r, PW_R_OTP_EXISTS);
	else if (r != PW_OK)
		reply(rep, r, PW_R_STATUS);
	else if ((size_t)snprintf(rep->uri, sizeof(rep->uri),
	    "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&"
	    "digits=6&period=30", OTP_ISSUER, req->user, b32, OTP_ISSUER) >=
	    sizeof(rep->uri))
		reply(rep, PW_ERR_INTERNAL, PW_R_STATUS);
	else
		reply(rep, PW_OK, PW_R_NONE);
	verify_wipe(b32, sizeof(b32));
	PW_WIPE_OBJECT(&e.tok);
}

/* Activate: the pending token becomes the account's, its step used. */
static int
activate_tx(struct store_tx *tx, void *arg)
{
	struct enrol *e = arg;
	struct store_otp now;
	struct store_user u;
	int r;

	if ((r = store_tx_otp_get(tx, e->user, &now)) != PW_OK)
		goto out;
	/* the pending token this code was checked against, still there */
	if (!now.pending || memcmp(now.nonce, e->tok.nonce, PWD_OTP_NONCE)) {
		r = PW_ERR_BUSY;
		goto out;
	}
	if (!e->activated) {
		if (++now.tries >= OTP_TRIES_MAX)
			r = store_tx_otp_del(tx, e->user);
		else
			r = store_tx_otp_put(tx, e->user, &now);
		goto out;
	}
	now.pending = false;
	now.tries = 0;
	now.last_step = e->step;
	if ((r = store_tx_otp_put(tx, e->user, &now)) != PW_OK ||
	    (r = store_tx_get(tx, e->user, &u)) != PW_OK)
		goto out;
	u.otp_state = PW_OTP_AVAILABLE;
	u.otp_failures = 0;
	r = store_tx_put(tx, &u, false);
	PW_WIPE_OBJECT(&u);
out:
	PW_WIPE_OBJECT(&now);
	return r;
}

static void
enrol_activate(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct enrol e = { .h = h, .user = req->user };
	int r;

	if ((r = store_otp_get(h->st, req->user, &e.tok)) != PW_OK ||
	    !e.tok.pending) {
		reply(rep, PW_ERR_INVAL, PW_R_OTP_NOT_PENDING);
		goto out;
	}
	r = verify_otp_check(e.tok.nonce, e.tok.box, req->secret[0].buf,
	    h->conf->otp_window, (int64_t)time(NULL), &e.step);
	if (r != PW_OK && r != PW_ERR_AUTH) {
		reply(rep, r, PW_R_STATUS);
		goto out;
	}
	e.activated = r == PW_OK;
	if ((r = store_write(h->st, activate_tx, &e)) != PW_OK)
		reply(rep, r, PW_R_STATUS);
	else if (!e.activated)
		reply_why(rep, PW_ERR_AUTH, &(struct pw_why){ .code = PW_R_OTP_WRONG_ACTIVATION, .num = OTP_TRIES_MAX });
	else
		reply(rep, PW_OK, PW_R_NONE);
out:
	PW_WIPE_OBJECT(&e.tok);
}

void
h_otp_enroll(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	if (req->flags & PW_F_ACTIVATE)
		enrol_activate(h, req, rep);
	else
		enrol_begin(h, req, rep);
	log_notice("otp enroll%s user=%s peer_uid=%u: %s",
	    (req->flags & PW_F_ACTIVATE) ? " activate" : "", req->user,
	    (unsigned)h->peer->uid, pw_strerror(rep->status));
}

struct accept {
	const char *user;
	const uint8_t *nonce;
	uint64_t step;
	bool replay;
};

/* A matching step is used once: compared and recorded together. */
static int
accept_tx(struct store_tx *tx, void *arg)
{
	struct accept *a = arg;
	struct store_otp t;
	int r;

	if ((r = store_tx_otp_get(tx, a->user, &t)) != PW_OK)
		return r;
	if (t.pending || memcmp(t.nonce, a->nonce, PWD_OTP_NONCE) != 0 ||
	    !policy_otp_fresh(a->step, t.last_step)) {
		a->replay = true;
		r = PW_OK; /* nothing to write */
	} else {
		t.last_step = a->step;
		r = store_tx_otp_put(tx, a->user, &t);
	}
	PW_WIPE_OBJECT(&t);
	return r;
}

/* A code's verifier: the token's secret, the window, then the step
 * recorded once (invariant 3); a replayed step is a wrong code. */
struct code_guess {
	const char *user;
	const char *code;
};

static int
check_code(struct hctx *h, const struct store_user *u, void *arg)
{
	struct code_guess *g = arg;
	struct accept a = { g->user, NULL, 0, false };
	struct store_otp t;
	int v;

	(void)u;
	if ((v = store_otp_get(h->st, g->user, &t)) == PW_OK && !t.pending)
		v = verify_otp_check(t.nonce, t.box, g->code,
		    h->conf->otp_window, (int64_t)time(NULL), &a.step);
	else if (v == PW_OK)
		v = PW_ERR_NOUSER; /* only a pending token */
	if (v == PW_OK) {
		a.nonce = t.nonce;
		if ((v = store_write(h->st, accept_tx, &a)) == PW_OK &&
		    a.replay) {
			stats_inc(PW_STAT_OTP_REPLAYED);
			v = PW_ERR_AUTH;
		}
	}
	PW_WIPE_OBJECT(&t);
	return v;
}

/*
 * One code through the token's guess slots (invariants 2 and 3): PW_OK,
 * PW_ERR_AUTH (wrong, replayed or malformed: counted), PW_ERR_LOCKED, or
 * an error.
 */
static int
otp_guess(struct hctx *h, const char *user, const char *code)
{
	struct code_guess g = { user, code };

	return guess_with(h, user, PWD_FACTOR_OTP, deadline_of(h), check_code,
	    &g);
}

void
h_otp_verify(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	struct store_user u;
	int r;

	if ((r = store_user_get(h->st, req->user, &u)) == PW_OK &&
	    u.otp_state == PW_OTP_NONE)
		r = PW_ERR_INVAL;
	PW_WIPE_OBJECT(&u);
	if (r == PW_OK)
		r = otp_guess(h, req->user, req->secret[0].buf);
	switch (r) {
	case PW_OK:
	case PW_ERR_AUTH:
	case PW_ERR_NOUSER:
		reply(rep, r, PW_R_NONE);
		break;
	case PW_ERR_INVAL:
		reply(rep, r, PW_R_OTP_NONE);
		break;
	case PW_ERR_LOCKED:
		reply_why(rep, r, &(struct pw_why){ .code = PW_R_LOCKED, .factor = PW_WHY_OTP });
		break;
	case PW_ERR_SUSPENDED:
		reply(rep, r, PW_R_SUSPENDED);
		break;
	default:
		reply(rep, r, PW_R_STATUS);
	}
	log_notice("otp %s user=%s service=%s rhost=%s peer_uid=%u",
	    r == PW_OK ? "ok" : pw_strerror(r), req->user,
	    req->service[0] ? req->service : "-",
	    req->rhost[0] ? req->rhost : "-", (unsigned)h->peer->uid);
}
