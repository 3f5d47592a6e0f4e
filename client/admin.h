/* SPDX-License-Identifier: MIT */
/* pwadmin's admin requests: the actor's confirmation password, then the call. */
#ifndef PW_ADMIN_H
#define PW_ADMIN_H

#include <stdbool.h>

#include "call.h"
#include "prompt.h"
#include "proto.h"

/*
 * The end of an admin request (SPEC rule 3): reads the actor's own
 * confirmation password last, into req->secret[req->nsecrets - 1], unless
 * `root' (recovery: the slot stays empty and nothing is read), then one
 * exchange through c.  req->nsecrets must be 1..PW_SECRETS_MAX.  The
 * request's secrets are wiped on every path.  Returns CLI_EXIT_OK when the
 * daemon said PW_OK (its reply in *rep), else the exit status after one
 * line on stderr (a failed read, or output_refusal: the daemon's sentence
 * or "cannot reach pwadmind at c->socket").
 */
int admin_send(const struct call *c, const struct prompt_src *src, bool root,
    struct pw_request *req, struct pw_reply *rep) PW_WUR;

#endif
