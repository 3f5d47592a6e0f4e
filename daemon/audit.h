/* SPDX-License-Identifier: MIT */
/* Audit entries of the requests (rule 13): what the handlers append. */
#ifndef PWD_AUDIT_H
#define PWD_AUDIT_H

#include "handlers.h"
#include "proto.h"

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

#endif
