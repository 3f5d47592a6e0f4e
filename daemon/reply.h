/* SPDX-License-Identifier: MIT */
/* A reply: its status, its reason (words.h), the accounts it shows. */
#ifndef PWD_REPLY_H
#define PWD_REPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "handlers.h"
#include "proto.h"
#include "store.h"

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

/* The account as reported to clients; now is the current unix time. */
void to_account(const struct pwd_conf *c, const struct store_user *u,
    int64_t now, struct pw_account *a);

/* Appends u (as the client sees it) to rep->accts; false when full. */
bool add_account(const struct hctx *h, const struct store_user *u,
    struct pw_reply *rep);

#endif
