/* SPDX-License-Identifier: MIT */
/* Rule 1: guess slots per (account, factor), coordinated with the store. */
#ifndef PWD_LOCKOUT_H
#define PWD_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* The `factor' of the one-time password token (0, 1 are the passwords). */
#define PWD_FACTOR_OTP 2

void lockout_init(void);

/*
 * How long a guess slot held in a shared store (PostgreSQL) lasts before
 * it counts as a failure: the `slot_hold' key, in seconds.
 */
void lockout_set_hold(uint32_t seconds);

/*
 * Takes a guess slot for `factor' of `name' before its secret is hashed.
 * Returns PW_OK with the slot taken and the account in *u (wipe it), or,
 * holding no slot: PW_ERR_NOUSER, PW_ERR_SUSPENDED, PW_ERR_LOCKED (the
 * factor is locked; nothing is hashed), PW_ERR_BUSY (no slot freed before
 * deadline_ms), PW_ERR_READONLY (the store cannot take writes now, or
 * this factor has failures not yet stored: nothing may be hashed),
 * PW_ERR_STORE.  When every slot is taken by guesses in
 * flight it waits for them: only stored failures ever make it LOCKED.
 * *waited tells whether it had to wait.  *slot names the slot taken, for
 * lockout_leave or lockout_abandon.
 *
 * In a shared store the slot is a row of the store, committed before
 * this returns, and PW_ERR_READONLY also means the database cannot be
 * reached; a slot whose daemon never gives it back counts as a failure
 * once it is older than the hold (lockout_set_hold).
 */
int lockout_enter(struct store *st, const char *name, uint8_t factor,
    uint32_t max, int64_t deadline_ms, struct store_user *u, bool *waited,
    int64_t *slot) PW_WUR;

/*
 * Gives the slot back after the verdict.  A failure is stored durably
 * (counter + 1, locking at max) before this returns; a success resets the
 * counter, if its verdict still stands (policy_verdict_stands: `expect'
 * is the hash that verified, NULL for the token): else PW_ERR_SUSPENDED
 * or PW_ERR_BUSY, and nothing is counted.  *locked_now tells whether this failure locked the factor; the
 * lock is audited in the same transaction, naming the peer `uid'.  If
 * the failure cannot be stored, the guess stays counted in memory as
 * unrecorded (its slot stays taken), the write is retried by the next
 * lockout_enter of that factor (which refuses with PW_ERR_READONLY while
 * it cannot be stored), and PW_ERR_READONLY is returned: a verdict whose
 * write failed never leaves the daemon as a verdict.
 */
int lockout_leave(struct store *st, const char *name, uint8_t factor,
    bool verified, const char *expect, uint32_t max, uint32_t uid,
    bool *locked_now, int64_t slot) PW_WUR;

/*
 * Stores the failures still held only in memory, if the store takes them
 * now; the daemon calls it before it stops, and it logs what is left.
 */
void lockout_flush(struct store *st);

/* Gives the slot back when the guess got no verdict (nothing hashed). */
void lockout_abandon(struct store *st, const char *name, uint8_t factor,
    int64_t slot);

/*
 * After an unlock of `name' (NULL: of every account) was committed:
 * unrecorded failures of the old lock cycle are dropped, their slots freed.
 */
void lockout_forget(const char *name);

#endif
