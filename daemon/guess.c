/* SPDX-License-Identifier: MIT */
/* Rule 1 around every check of a secret: slots, hash workers, the verdict
 * stored before it is told (lockout.c, verify.c). */
#include <string.h>

#include "frame.h"
#include "guess.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "stats.h"
#include "verify.h"
#include "wipe.h"

static const char *const factor_name[] = { "login", "confirmation" };

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
	char expect[PWD_HASH_MAX];
	struct store_user u;
	bool waited, locked_now = false;
	int64_t slot;
	int r, v;

	memset(&u, 0, sizeof(u));
	if ((r = lockout_enter(h->st, name, factor, max, deadline, &u,
	    &waited, &slot)) != PW_OK)
		return r;
	/* the hash the verifier checks the secret against (a password's) */
	memcpy(expect, u.f[factor < PWD_FACTOR_OTP ? factor : 0].hash,
	    sizeof(expect));
	v = fn(h, &u, arg);
	PW_WIPE_OBJECT(&u);
	/* no verdict (no worker in time, a hash that could not run): the
	 * slot goes back and nothing is counted */
	if (v != PW_OK && v != PW_ERR_AUTH) {
		lockout_abandon(h->st, name, factor, slot);
		verify_wipe(expect, sizeof(expect));
		return v;
	}
	r = lockout_leave(h->st, name, factor, v == PW_OK,
	    factor < PWD_FACTOR_OTP ? expect : NULL, max, h->peer->uid,
	    &locked_now, slot);
	verify_wipe(expect, sizeof(expect));
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
