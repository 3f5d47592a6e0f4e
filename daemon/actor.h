/* SPDX-License-Identifier: MIT */
/* Rule 3: who the peer is as an actor, and on whom it may act. */
#ifndef PWD_ACTOR_H
#define PWD_ACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "handlers.h"
#include "store.h"

/*
 * PEER_SELF: root, or a non-root peer asking about the account named
 * like its uid (unix_chkpwd's rule).
 */
bool own_account(const struct peer *p, const char *user);

/*
 * Rule 3: loads the actor (the peer's account) and checks it with
 * policy_actor; root is the recovery actor and has no account (*actor
 * zeroed, PW_OK).  The dispatch calls it once per admin request.
 */
int load_actor(struct hctx *h, struct store_user *actor, struct pw_reply *rep);

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

/* Rule 3: the actor's confirmation password (root: none). */
int confirm_actor(struct hctx *h, const struct pw_secret *sec,
    struct pw_reply *rep);

/* Every explicit target exists and is one the actor may act on. */
int check_targets(struct hctx *h, const struct store_user *actor,
    const struct pw_request *req, struct pw_reply *rep);

/* "root(recovery)" or the actor's name, for syslog lines. */
const char *actor_label(const struct hctx *h);

#endif
