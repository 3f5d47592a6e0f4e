/* SPDX-License-Identifier: MIT */
/*
 * pwadmin passwd: the caller's own account name, and the PASSWD request
 * (each changed factor's current then new password).
 */
#ifndef PW_PASSWD_H
#define PW_PASSWD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "prompt.h"
#include "proto.h"

#define PASSWD_SERVICE "pwadmin" /* the request's service field */

/*
 * Copies the user name of `uid' (getpwuid_r) into name (namesz at least
 * PW_USER_MAX + 1).  Returns CLI_EXIT_OK, or CLI_EXIT_REFUSED after one
 * line on stderr when the uid has no passwd entry, the lookup fails, or
 * the name fails proto_name_valid() (name is then "").
 */
int passwd_self(uid_t uid, char *name, size_t namesz) PW_WUR;

/*
 * Builds PASSWD for `user' into *req (cleared first): service
 * PASSWD_SERVICE, rhost "", flags = flags & (PW_F_LOGIN | PW_F_CONFIRM),
 * four secrets.  Reads, in this order, for the login password (PW_F_LOGIN)
 * the current one into secret[0] and the new one into secret[1], then for
 * the confirmation password (PW_F_CONFIRM) the current one into secret[2]
 * and the new one into secret[3]; the pair of a factor not changed stays
 * empty.  The current password is asked once, the new one as
 * prompt_new_secret does; when both factors change, equal new passwords
 * are refused (prompt_differ).  Returns CLI_EXIT_OK, or the exit status
 * already reported, with every secret of *req wiped.
 */
int passwd_read(const struct prompt_src *src, const char *user,
    uint32_t flags, struct pw_request *req) PW_WUR;

/*
 * passwd_read, then the exchange through c; the request's secrets are
 * wiped on every path.  Returns CLI_EXIT_OK with the daemon's reply in
 * *rep (accts[0]: the account after the change), or the exit status after
 * one line on stderr (output_refusal: the daemon's sentence, or "cannot
 * reach pwadmind at c->socket").
 */
int passwd_change(const struct call *c, const struct prompt_src *src,
    const char *user, uint32_t flags, struct pw_reply *rep) PW_WUR;

#endif
