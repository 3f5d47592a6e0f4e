/* SPDX-License-Identifier: MIT */
/* The request handlers the dispatch table names, and what they share. */
#ifndef PWD_REQUESTS_H
#define PWD_REQUESTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "handlers.h"
#include "proto.h"
#include "conf.h"
#include "store.h"

/*
 * Rule 10 for one new password of `factor' (policy_password; `other' when
 * known).  PW_OK, or PW_ERR_QUALITY with the rule as rep's reason.
 */
int check_new(const struct pwd_conf *c, const char *user, uint8_t factor,
    const struct pw_secret *pw, const struct pw_secret *other,
    struct pw_reply *rep);

/*
 * The name as the user database (NSS) spells it (handlers.c): PW_OK when
 * NSS spells it so, or, unless must_exist, does not know it; *uid (when
 * not NULL) then gets its uid if NSS knows it.  Else the refusal in rep.
 */
int nss_account(const char *name, bool must_exist, uid_t *uid,
    struct pw_reply *rep);

/*
 * useradd and import (handlers.c): writes the new account u and its audit
 * entry (action; detail after "role ROLE") in one transaction that
 * re-checks the actor; then u in rep, or the refusal (EXISTS: the name
 * was taken meanwhile).
 */
void create_account(struct hctx *h, const struct store_user *u,
    const char *action, const char *detail, struct pw_reply *rep);

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

/* Root's import of a Unix account with its password hash (import.c). */
void h_import(struct hctx *h, struct pw_request *req, struct pw_reply *rep);

/* Self-service change of the peer's own password(s) (passwd.c). */
void h_passwd(struct hctx *h, struct pw_request *req, struct pw_reply *rep);

#endif
