/* SPDX-License-Identifier: MIT */
/* Rule 1 around every check of a secret: slots, hash workers, the verdict stored. */
#ifndef PWD_GUESS_H
#define PWD_GUESS_H

#include <stdint.h>

#include "handlers.h"
#include "store.h"
#include "verify.h"

/* The hash lane and the slot/worker deadline of this peer's requests. */
enum verify_lane lane_of(const struct hctx *h);
int64_t deadline_of(const struct hctx *h);

/*
 * Rule 1: one guess at `factor' of `name' (PW_WHY_OTP: the token) through
 * the guess slots, waiting for one until deadline: fn, the verifier, is
 * given the account and returns PW_OK or PW_ERR_AUTH (a verdict, stored
 * before this returns), or anything else (no verdict: nothing counted,
 * that code returned).  PW_OK, PW_ERR_AUTH, PW_ERR_LOCKED (refused
 * unhashed, or this failure locked it), PW_ERR_NOUSER, PW_ERR_SUSPENDED,
 * PW_ERR_BUSY, PW_ERR_READONLY.
 */
typedef int (*guess_fn)(struct hctx *h, const struct store_user *u,
    void *arg);
int guess_with(struct hctx *h, const char *name, uint8_t factor,
    int64_t deadline, guess_fn fn, void *arg);

/*
 * Rule 1 for a password (guess_with and Argon2id); an unknown name asked
 * by root pays a dummy verification (rule 14).  PW_OK,
 * PW_ERR_AUTH, PW_ERR_LOCKED, PW_ERR_NOUSER, PW_ERR_SUSPENDED, PW_ERR_BUSY
 * or a store error.  On PW_OK `verified' (if not NULL, PWD_HASH_MAX
 * bytes) gets the matched hash as the store now holds it.
 */
int guess(struct hctx *h, const char *name, uint8_t factor,
    const struct pw_secret *sec, char *verified);

#endif
