/* SPDX-License-Identifier: MIT */
/* pwadmin import: Unix accounts into the store, keeping their passwords. */
#ifndef PW_IMPORT_H
#define PW_IMPORT_H

#include "call.h"
#include "cli.h"
#include "prompt.h"
#include "proto.h"

/*
 * import USER...|--all-in-group GROUP [--role ROLE] [--shadow FILE]
 * (root): for every account, in order, its shadow entry (the system's
 * shadow database, or FILE in shadow(5) format), then its new
 * confirmation password (prompt_new_secret: one line each with --stdin,
 * in the order of the accounts); then the daemon checks every account
 * (IMPORT with PW_F_CHECK) and only when none is refused imports them,
 * one by one.  A refusal prints one line per refused account on stderr.
 * Returns the exit status; rep is the caller's reply buffer.
 */
int import_run(const struct cli *cli, const struct call *c,
    const struct prompt_src *src, struct pw_reply *rep) PW_WUR;

#endif
