/* SPDX-License-Identifier: MIT */
/* Helpers shared by the request handlers (handlers.c, admin.c). */
#ifndef PWD_HUTIL_H
#define PWD_HUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "handlers.h"
#include "policy.h"
#include "store.h"
#include "verify.h"

/*
 * Sets rep->status and its reason (words.h): the daemon says why, never in
 * words; the module and the client word it.  reply: a reason without
 * parameters (PW_R_NONE: none); reply_why: with them; reply_name and
 * reply_text: with an account name or a word (dropped unless the protocol
 * takes it); note: what to tell besides, whatever the status.
 */
void reply(struct pw_reply *rep, int status, enum pw_reason code);
void reply_why(struct pw_reply *rep, int status, const struct pw_why *why);
void reply_name(struct pw_reply *rep, int status, enum pw_reason code,
    const char *name);
void reply_text(struct pw_reply *rep, int status, enum pw_reason code,
    const char *text);
void note(struct pw_reply *rep, const struct pw_why *why);

/* PW_R_LOCKED for `factor' (0, 1, or PW_WHY_OTP). */
void locked_msg(struct pw_reply *rep, int status, uint8_t factor);

/* The hash lane and the slot/worker deadline of this peer's requests. */
enum verify_lane lane_of(const struct hctx *h);
int64_t deadline_of(const struct hctx *h);

/* Appends u (as the client sees it) to rep->accts; false when full. */
bool add_account(const struct hctx *h, const struct store_user *u,
    struct pw_reply *rep);

/*
 * Rule 10 for one new password of `factor' (policy_password; `other' when
 * known).  PW_OK, or PW_ERR_QUALITY with the rule as rep's reason.
 */
int check_new(const struct pwd_conf *c, const char *user, uint8_t factor,
    const struct pw_secret *pw, const struct pw_secret *other,
    struct pw_reply *rep);

/*
 * The actor (the dispatch's h->actor) read again inside a write
 * transaction: the actor as it is now, so that
 * one demoted, suspended, locked or deleted while its confirmation
 * password was being checked acts no more.
 */
int actor_tx(struct store_tx *tx, const struct hctx *h,
    struct store_user *actor, struct pw_reply *rep);

/* Rule 3 for one target: PW_OK or PW_ERR_PERM with the reason in rep. */
int may_act(struct hctx *h, const struct store_user *actor, const char *target,
    uint8_t target_role, struct pw_reply *rep);

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

/* Rule 3: the actor's confirmation password (root: none). */
int confirm_actor(struct hctx *h, const struct pw_secret *sec,
    struct pw_reply *rep);

/* Every explicit target exists and is one the actor may act on. */
int check_targets(struct hctx *h, const struct store_user *actor,
    const struct pw_request *req, struct pw_reply *rep);

/* "root(recovery)" or the actor's name, for syslog lines. */
const char *actor_label(const struct hctx *h);

/*
 * Fills an audit entry of this peer: actor "root" (recovery) or the
 * peer's name, its uid, the time, action, target ("" for none), status
 * and a printf detail (cut at PW_DETAIL_MAX; only our own words and
 * validated names go in, never a secret).
 */
void audit_fill(struct pw_audit *e, const struct hctx *h, const char *action,
    const char *target, int status, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Audits a refused admin command (its own transaction): action, the first
 * target, rep's status and message; when root asked, or once the actor's
 * confirmation password was checked (h->confirm_tried).  Earlier refusals
 * go to syslog only: they cost nothing, and must not grow the store.
 */
void audit_refusal(const struct hctx *h, const char *action,
    const char *target, const struct pw_reply *rep);

/* Handlers of the admin commands (admin.c). */
void h_unlock(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_suspend(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_resume(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_reset(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_userdel(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_role(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_audit(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_audit_verify(struct hctx *h, struct pw_request *req,
    struct pw_reply *rep);
void h_backup(struct hctx *h, struct pw_request *req, struct pw_reply *rep);

/* One-time passwords: enrol and check (otp.c), unlock, remove (admin.c). */
void h_otp_enroll(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_otp_verify(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_otp_unlock(struct hctx *h, struct pw_request *req, struct pw_reply *rep);
void h_otp_remove(struct hctx *h, struct pw_request *req, struct pw_reply *rep);

/* Self-service change of the peer's own password(s) (passwd.c). */
void h_passwd(struct hctx *h, struct pw_request *req, struct pw_reply *rep);

#endif
