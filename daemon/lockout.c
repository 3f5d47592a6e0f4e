/* SPDX-License-Identifier: MIT */
/*
 * Guess slots.  One mutex orders every slot decision with the failure
 * writes, so "stored failures + guesses in flight < max" is exact even
 * when many attempts arrive at once:
 *  1. A guess MUST hold a slot while its secret is hashed.
 *  2. A failure MUST be committed to the store before its slot is given
 *     back, and before the daemon answers.
 *  3. Guesses in flight MUST NOT lock anyone: a waiter re-reads the store
 *     after each verdict and is refused only when the stored record says
 *     locked.
 * Hashing happens outside the mutex; only LMDB reads and the failure
 * writes happen inside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "stats.h"
#include "wipe.h"

struct inflight {
	char name[PW_USER_MAX + 1];
	uint8_t factor;
	uint32_t n;	     /* slots taken, unrecorded ones included */
	uint32_t unrecorded; /* failures evaluated but not yet stored */
	uint32_t uid;	     /* the peer of the last unrecorded one (audit) */
	uint32_t max;	     /* the limit the unrecorded ones count toward */
	struct inflight *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static struct inflight *slots; /* entries with n > 0 only */
static uint32_t unrecorded_total; /* failures held only in memory */

void
lockout_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &a);
	pthread_condattr_destroy(&a);
}

static struct inflight **
find(const char *name, uint8_t factor)
{
	struct inflight **p;

	for (p = &slots; *p != NULL; p = &(*p)->next)
		if ((*p)->factor == factor && strcmp((*p)->name, name) == 0)
			return p;
	return p;
}

/* Guesses in flight, and failures evaluated but not stored (a full disk). */
static void
counts_of(const char *name, uint8_t factor, uint32_t *inflight,
    uint32_t *unrecorded)
{
	struct inflight **p = find(name, factor);

	*inflight = *p != NULL ? (*p)->n - (*p)->unrecorded : 0;
	*unrecorded = *p != NULL ? (*p)->unrecorded : 0;
}

static int
take(const char *name, uint8_t factor)
{
	struct inflight **p = find(name, factor);

	if (*p == NULL) {
		if ((*p = calloc(1, sizeof(**p))) == NULL)
			return PW_ERR_NOMEM;
		memcpy((*p)->name, name, strlen(name) + 1);
		(*p)->factor = factor;
	}
	(*p)->n++;
	return PW_OK;
}

static void
give(const char *name, uint8_t factor)
{
	struct inflight **p = find(name, factor), *e = *p;

	if (e == NULL)
		return;
	if (--e->n == 0) {
		*p = e->next;
		free(e);
	}
}

static int
wait_until(int64_t deadline_ms)
{
	struct timespec ts = { .tv_sec = deadline_ms / 1000,
		.tv_nsec = (deadline_ms % 1000) * 1000000 };
	int rc = pthread_cond_timedwait(&cv, &mu, &ts);

	return rc == ETIMEDOUT ? PW_ERR_BUSY : PW_OK;
}

struct fail_arg {
	const char *name;
	uint8_t factor;
	uint32_t max;
	uint32_t uid; /* the peer whose guess this was, for the audit */
	bool locked_now;
};

/* A factor's lock and counter: a password's, or the OTP token's. */
static void
state_of(const struct store_user *u, uint8_t factor, bool *locked,
    uint32_t *failures)
{
	if (factor == PWD_FACTOR_OTP) {
		*locked = u->otp_state == PW_OTP_LOCKED;
		*failures = u->otp_failures;
	} else {
		*locked = u->f[factor].locked;
		*failures = u->f[factor].failures;
	}
}

static void
set_state(struct store_user *u, uint8_t factor, bool locked,
    uint32_t failures)
{
	if (factor == PWD_FACTOR_OTP) {
		if (u->otp_state != PW_OTP_NONE)
			u->otp_state = locked ? PW_OTP_LOCKED : PW_OTP_AVAILABLE;
		u->otp_failures = failures;
	} else {
		u->f[factor].locked = locked;
		u->f[factor].failures = failures;
	}
}

static int
count_failure(struct store_user *u, void *arg)
{
	struct fail_arg *a = arg;
	uint32_t failures;
	bool locked;

	state_of(u, a->factor, &locked, &failures);
	if (failures < UINT32_MAX)
		failures++;
	if (!locked && policy_locks_after(failures, a->max)) {
		locked = true;
		a->locked_now = true;
	}
	set_state(u, a->factor, locked, failures);
	return 1;
}

/*
 * Counts n failures in *u (read in tx) and writes it back; a failure that
 * locks the factor is audited in the same transaction (rule 13: every
 * lock), so the lock and its audit entry are stored together or not at
 * all.  `how' ends the audit detail.
 */
static int
fail_in_tx(struct store_tx *tx, struct store_user *u, struct fail_arg *a,
    uint32_t n, const char *how)
{
	static const char *const fname[] = { "login password",
		"confirmation password", "one-time password" };
	struct pw_audit e;
	uint32_t i;
	int r;

	for (i = 0; i < n; i++)
		(void)count_failure(u, a);
	if ((r = store_tx_put(tx, u, false)) != PW_OK || !a->locked_now)
		return r;
	store_daemon_entry(&e, "lock", a->uid);
	e.status = PW_ERR_LOCKED;
	memcpy(e.target, a->name, strlen(a->name) + 1);
	snprintf(e.detail, sizeof(e.detail), "%s locked after %u "
	    "consecutive failures%s", fname[a->factor], a->max, how);
	return store_tx_audit(tx, &e);
}

/* One stored failure (fail_in_tx). */
static int
fail_tx(struct store_tx *tx, void *arg)
{
	struct fail_arg *a = arg;
	struct store_user u;
	int r;

	a->locked_now = false;
	if ((r = store_tx_get(tx, a->name, &u)) != PW_OK)
		return r;
	r = fail_in_tx(tx, &u, a, 1, "");
	PW_WIPE_OBJECT(&u);
	return r;
}

static int
store_failure(struct store *st, struct fail_arg *a)
{
	if (strlen(a->name) > PW_USER_MAX)
		return PW_ERR_INVAL;
	return store_write(st, fail_tx, a);
}

/*
 * Called with mu held: retries storing the failures that a store error
 * left unrecorded; each one stored gives its slot back.
 */
static void
retry_unrecorded(struct store *st, const char *name, uint8_t factor,
    uint32_t max)
{
	struct inflight **p = find(name, factor), *e = *p;
	struct fail_arg a = { name, factor, max, e != NULL ? e->uid : 0, false };

	while (e != NULL && e->unrecorded > 0 &&
	    store_failure(st, &a) == PW_OK) {
		e->unrecorded--;
		unrecorded_total--;
		if (a.locked_now)
			stats_inc(PW_STAT_LOCKS);
		a.locked_now = false;
		if (--e->n == 0) {
			*p = e->next;
			free(e);
			e = NULL;
		}
	}
}

/*
 * Called with mu held: stores every failure held only in memory, while
 * the store takes them (on its recovery, and before the daemon stops).
 */
static void
retry_all(struct store *st)
{
	char name[PW_USER_MAX + 1];
	struct inflight *e;
	uint32_t before, max;
	uint8_t factor;

	for (;;) {
		for (e = slots; e != NULL && e->unrecorded == 0; e = e->next)
			;
		if (e == NULL)
			return;
		/* the entry may be freed by the retry */
		memcpy(name, e->name, sizeof(name));
		factor = e->factor;
		max = e->max;
		before = unrecorded_total;
		retry_unrecorded(st, name, factor, max);
		if (unrecorded_total == before)
			return; /* the store still refuses: later */
	}
}

void
lockout_flush(struct store *st)
{
	pthread_mutex_lock(&mu);
	retry_all(st);
	if (unrecorded_total > 0)
		log_warnx("%u failure(s) could not be stored before stopping",
		    unrecorded_total);
	pthread_mutex_unlock(&mu);
}

static int
local_enter(struct store *st, const char *name, uint8_t factor, uint32_t max,
    int64_t deadline_ms, struct store_user *u, bool *waited)
{
	uint32_t inflight, unrec;
	int r;

	pthread_mutex_lock(&mu);
	/*
	 * A failure that could not be stored must not be followed by more
	 * verdicts: while the store cannot take writes, or this factor still
	 * has failures only in memory, nothing is hashed (invariant 2).
	 */
	if ((r = store_writable(st)) == PW_OK) {
		retry_all(st);
		counts_of(name, factor, &inflight, &unrec);
		if (unrec > 0)
			r = PW_ERR_READONLY;
	}
	if (r != PW_OK) {
		stats_inc(PW_STAT_REFUSED_READONLY);
		goto out;
	}
	for (;;) {
		if ((r = store_user_get(st, name, u)) != PW_OK)
			break;
		counts_of(name, factor, &inflight, &unrec);
		switch (policy_guess(u, factor, max, inflight, unrec)) {
		case SLOT_SUSPENDED:
			r = PW_ERR_SUSPENDED;
			goto out;
		case SLOT_ENTER:
			r = take(name, factor);
			goto out;
		case SLOT_WAIT:
			if (!*waited)
				stats_inc(PW_STAT_SLOT_WAITS);
			*waited = true;
			if ((r = wait_until(deadline_ms)) != PW_OK)
				goto out;
			continue;
		case SLOT_LOCKED:
		default:
			r = PW_ERR_LOCKED;
			stats_inc(PW_STAT_LOCKED_REFUSED);
			goto out;
		}
	}
out:
	pthread_mutex_unlock(&mu);
	if (r != PW_OK)
		PW_WIPE_OBJECT(u);
	return r;
}

static int
reset_failures(struct store_user *u, void *arg)
{
	uint8_t factor = *(const uint8_t *)arg;
	uint32_t failures;
	bool locked;

	state_of(u, factor, &locked, &failures);
	if (failures == 0)
		return 0;
	set_state(u, factor, locked, 0);
	return 1;
}

/* Called with mu held: the store write that ends a guess. */
static int
record(struct store *st, const char *name, uint8_t factor, bool verified,
    const char *expect, uint32_t max, uint32_t uid, bool *locked_now)
{
	struct fail_arg a = { name, factor, max, uid, false };
	struct store_user u;
	int r;

	if (!verified) {
		/* a lock that is not on disk is no lock yet */
		if ((r = store_failure(st, &a)) == PW_OK)
			*locked_now = a.locked_now;
		return r;
	}
	/* Only a verified secret resets; skip the write when already 0. */
	uint32_t failures;
	bool locked;

	if ((r = store_user_get(st, name, &u)) != PW_OK)
		return r;
	if ((r = policy_verdict_stands(&u, factor, expect)) != PW_OK) {
		PW_WIPE_OBJECT(&u);
		return r;
	}
	state_of(&u, factor, &locked, &failures);
	if (failures != 0)
		r = store_user_edit(st, name, reset_failures, &factor);
	/*
	 * No write needed, but the verdict must not differ from a wrong
	 * guess's when the store stopped taking writes during the hash:
	 * that one answers "unavailable", and so does this one.
	 */
	else
		r = store_writable(st);
	PW_WIPE_OBJECT(&u);
	return r;
}

static int
local_leave(struct store *st, const char *name, uint8_t factor,
    bool verified, const char *expect, uint32_t max, uint32_t uid,
    bool *locked_now)
{
	int r;

	pthread_mutex_lock(&mu);
	r = record(st, name, factor, verified, expect, max, uid, locked_now);
	if (r == PW_OK || verified || r == PW_ERR_NOUSER)
		give(name, factor);
	else {
		struct inflight *e = *find(name, factor);

		/* this guess holds a slot, so its entry exists */
		e->unrecorded++;
		e->uid = uid;
		e->max = max;
		unrecorded_total++;
		log_warnx("failure of %s not stored (%s); it stays counted and "
		    "will be retried", name, pw_strerror(r));
	}
	/* a verdict whose write failed is no verdict: "unavailable" */
	if (r != PW_OK && r != PW_ERR_NOUSER && r != PW_ERR_SUSPENDED &&
	    r != PW_ERR_BUSY)
		r = PW_ERR_READONLY;
	if (*locked_now)
		stats_inc(PW_STAT_LOCKS);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return r;
}

static void
local_abandon(const char *name, uint8_t factor)
{
	pthread_mutex_lock(&mu);
	give(name, factor);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* ==== Slots held in a shared store (PostgreSQL: a fleet) ==== */

/*
 * The same three invariants across daemons, with the store's write lock
 * in place of the mutex: a slot is a row committed before the hash, a
 * failure is committed with the deletion of its slot, and a waiter is
 * refused only by stored failures.  A slot whose daemon never came back
 * (killed, cut off) expires after `hold' and is then counted as a failure
 * by the next guess of that factor, in the transaction that deletes it.
 */

static _Atomic uint32_t hold_ms = 30000;
/* a waiter's pauses between looks at the store: 10 ms, doubling to 80 */
#define FLEET_POLL_MS	  10
#define FLEET_POLL_MAX_MS 80

struct fleet_arg {
	struct fail_arg f;
	struct store_user *u;
	enum policy_slot decision;
	bool verified;
	const char *expect; /* the hash that verified (passwords) */
	int64_t id;
	int outcome; /* of a verified guess: policy_verdict_stands */
};

static int
fleet_enter_tx(struct store_tx *tx, void *arg)
{
	struct fleet_arg *a = arg;
	uint32_t live, expired;
	int r;

	a->f.locked_now = false;
	a->id = 0;
	if ((r = store_tx_get(tx, a->f.name, a->u)) != PW_OK ||
	    (r = store_tx_slots(tx, a->f.name, a->f.factor, &live,
	    &expired)) != PW_OK)
		return r;
	if (expired > 0) {
		log_warnx("%u guess(es) on %s held by a daemon that did not "
		    "answer in time: counted as failures", expired, a->f.name);
		if ((r = fail_in_tx(tx, a->u, &a->f, expired, " (guesses whose "
		    "daemon did not answer count as failures)")) != PW_OK)
			return r;
	}
	a->decision = policy_guess(a->u, a->f.factor, a->f.max, live, 0);
	if (a->decision == SLOT_ENTER)
		return store_tx_slot_add(tx, a->f.name, a->f.factor,
		    atomic_load(&hold_ms), &a->id);
	return PW_OK; /* the expired holds' failures are committed */
}

static int
fleet_enter(struct store *st, const char *name, uint8_t factor, uint32_t max,
    int64_t deadline_ms, struct store_user *u, bool *waited, int64_t *slot)
{
	struct fleet_arg a = { { name, factor, max, 0, false }, u, SLOT_LOCKED,
		false, NULL, 0, PW_OK };
	struct timespec pause;
	long ms = FLEET_POLL_MS;
	int r;

	for (;;) {
		r = store_write(st, fleet_enter_tx, &a);
		if (a.f.locked_now)
			stats_inc(PW_STAT_LOCKS);
		if (r != PW_OK)
			return r == PW_ERR_STORE ? PW_ERR_READONLY : r;
		switch (a.decision) {
		case SLOT_SUSPENDED:
			return PW_ERR_SUSPENDED;
		case SLOT_ENTER:
			*slot = a.id;
			return PW_OK;
		case SLOT_WAIT:
			if (!*waited)
				stats_inc(PW_STAT_SLOT_WAITS);
			*waited = true;
			if (frame_now_ms() + ms > deadline_ms)
				return PW_ERR_BUSY;
			PW_WIPE_OBJECT(u);
			pause = (struct timespec){ 0, ms * 1000000L };
			nanosleep(&pause, NULL);
			ms = ms * 2 < FLEET_POLL_MAX_MS ? ms * 2 : FLEET_POLL_MAX_MS;
			continue;
		case SLOT_LOCKED:
		default:
			stats_inc(PW_STAT_LOCKED_REFUSED);
			return PW_ERR_LOCKED;
		}
	}
}

static int
fleet_leave_tx(struct store_tx *tx, void *arg)
{
	struct fleet_arg *a = arg;
	bool found;
	int r;

	a->f.locked_now = false;
	if ((r = store_tx_slot_del(tx, a->id, &found)) != PW_OK)
		return r;
	if (!found) {
		/* counted as a failure already, by whoever found it expired */
		log_warnx("the guess slot of %s expired before its verdict "
		    "(a hash slower than slot_hold): no verdict given",
		    a->f.name);
		return PW_ERR_READONLY;
	}
	if ((r = store_tx_get(tx, a->f.name, a->u)) != PW_OK)
		return r;
	if (!a->verified)
		return fail_in_tx(tx, a->u, &a->f, 1, "");
	/* the slot is given back either way (committed); the verdict only
	 * if it still stands */
	if ((a->outcome = policy_verdict_stands(a->u, a->f.factor,
	    a->expect)) != PW_OK)
		return PW_OK;
	if (reset_failures(a->u, &a->f.factor) == 1)
		return store_tx_put(tx, a->u, false);
	return PW_OK;
}

static int
fleet_leave(struct store *st, const char *name, uint8_t factor,
    bool verified, const char *expect, uint32_t max, uint32_t uid,
    bool *locked_now, int64_t slot)
{
	struct store_user u;
	struct fleet_arg a = { { name, factor, max, uid, false }, &u,
		SLOT_ENTER, verified, expect, slot, PW_OK };
	int r;

	r = store_write(st, fleet_leave_tx, &a);
	PW_WIPE_OBJECT(&u);
	if (r == PW_OK) {
		*locked_now = a.f.locked_now;
		if (*locked_now)
			stats_inc(PW_STAT_LOCKS);
		return a.outcome;
	}
	/* not stored: the slot stays, and becomes a failure when it expires */
	return r == PW_ERR_NOUSER ? r : PW_ERR_READONLY;
}

static int
fleet_abandon_tx(struct store_tx *tx, void *arg)
{
	bool found;

	return store_tx_slot_del(tx, *(const int64_t *)arg, &found);
}

/* ==== Either ==== */

void
lockout_set_hold(uint32_t seconds)
{
	atomic_store(&hold_ms, seconds * 1000);
}

int
lockout_enter(struct store *st, const char *name, uint8_t factor, uint32_t max,
    int64_t deadline_ms, struct store_user *u, bool *waited, int64_t *slot)
{
	int r;

	*waited = false;
	*slot = 0;
	if (store_shared(st))
		r = fleet_enter(st, name, factor, max, deadline_ms, u, waited,
		    slot);
	else
		r = local_enter(st, name, factor, max, deadline_ms, u, waited);
	if (r != PW_OK)
		PW_WIPE_OBJECT(u);
	return r;
}

int
lockout_leave(struct store *st, const char *name, uint8_t factor,
    bool verified, const char *expect, uint32_t max, uint32_t uid,
    bool *locked_now, int64_t slot)
{
	*locked_now = false;
	if (store_shared(st))
		return fleet_leave(st, name, factor, verified, expect, max, uid,
		    locked_now, slot);
	return local_leave(st, name, factor, verified, expect, max, uid,
	    locked_now);
}

void
lockout_abandon(struct store *st, const char *name, uint8_t factor,
    int64_t slot)
{
	if (!store_shared(st)) {
		local_abandon(name, factor);
		return;
	}
	/* not deleted: it expires into a failure, never a guess given back */
	if (store_write(st, fleet_abandon_tx, &slot) != PW_OK)
		log_warnx("the guess slot of %s could not be given back: it "
		    "counts as a failure when it expires", name);
}

void
lockout_forget(const char *name)
{
	struct inflight **p, *e;

	pthread_mutex_lock(&mu);
	for (p = &slots; (e = *p) != NULL;) {
		if ((name == NULL || strcmp(e->name, name) == 0) &&
		    e->unrecorded > 0) {
			e->n -= e->unrecorded;
			unrecorded_total -= e->unrecorded;
			e->unrecorded = 0;
			if (e->n == 0) {
				*p = e->next;
				free(e);
				continue;
			}
		}
		p = &e->next;
	}
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}
