/* SPDX-License-Identifier: MIT */
/* Rule 3: the peer as an actor (its account, checked by policy_actor) and
 * the targets it may act on. */
#include <string.h>

#include "actor.h"
#include "guess.h"
#include "policy.h"
#include "pwerr.h"
#include "reply.h"
#include "wipe.h"

/* Non-root peers may only ask about the account named like their uid. */
bool
own_account(const struct peer *p, const char *user)
{
	return p->root || (p->has_name && strcmp(p->name, user) == 0);
}

/* Rule 3: what an actor account must be to run an admin command. */
static int
actor_rules(const struct hctx *h, const struct store_user *actor,
    struct pw_reply *rep)
{
	struct pw_why why;
	int r;

	if ((r = policy_actor(h->conf, h->peer->root ? NULL : actor, &why)) !=
	    PW_OK)
		reply_why(rep, r, &why);
	return r;
}

/*
 * Rule 3: loads the actor (the peer's account) and checks its role.  Root
 * is the recovery actor and has no account (*actor zeroed, returns PW_OK).
 */
int
load_actor(struct hctx *h, struct store_user *actor, struct pw_reply *rep)
{
	memset(actor, 0, sizeof(*actor));
	if (h->peer->root)
		return PW_OK;
	if (!h->peer->has_name ||
	    store_user_get(h->st, h->peer->name, actor) != PW_OK) {
		reply(rep, PW_ERR_PERM, PW_R_NO_ACTOR);
		return rep->status;
	}
	return actor_rules(h, actor, rep);
}

int
actor_tx(struct store_tx *tx, const struct hctx *h, struct store_user *actor,
    struct pw_reply *rep)
{
	int r;

	memset(actor, 0, sizeof(*actor));
	if (h->peer->root)
		return PW_OK;
	if ((r = store_tx_get(tx, h->peer->name, actor)) == PW_ERR_NOUSER) {
		reply(rep, PW_ERR_PERM, PW_R_NO_ACTOR);
		return rep->status;
	}
	return r != PW_OK ? r : actor_rules(h, actor, rep);
}

int
may_act(struct hctx *h, const struct store_user *actor, const char *target,
    uint8_t target_role, struct pw_reply *rep)
{
	enum pw_reason a = policy_permit(h->peer->root ? NULL : actor, target,
	    target_role, false, 0);

	if (a == PW_R_NONE)
		return PW_OK;
	reply(rep, PW_ERR_PERM, a);
	return rep->status;
}

/*
 * Rule 3: the actor's confirmation password, through the same guess slots
 * and lockout as a login.  Root needs none (and must send none).
 */
int
confirm_actor(struct hctx *h, const struct pw_secret *sec, struct pw_reply *rep)
{
	int r;

	if (h->peer->root)
		return PW_OK;
	r = guess(h, h->peer->name, PW_FACTOR_CONFIRM, sec, NULL);
	/* a verdict on a hash: bounded by the lockout, worth an audit entry */
	h->confirm_tried = r == PW_OK || r == PW_ERR_AUTH || r == PW_ERR_LOCKED;
	switch (r) {
	case PW_OK:
		return PW_OK;
	case PW_ERR_AUTH:
		reply(rep, PW_ERR_CONFIRM, PW_R_CONFIRM_WRONG);
		break;
	case PW_ERR_LOCKED:
		reply(rep, PW_ERR_CONFIRM_LOCKED, PW_R_CONFIRM_LOCKED);
		break;
	case PW_ERR_SUSPENDED:
		reply(rep, r, PW_R_ACTOR_SUSPENDED);
		break;
	case PW_ERR_BUSY:
		reply(rep, r, PW_R_BUSY);
		break;
	default:
		reply(rep, r, PW_R_STATUS);
	}
	return rep->status;
}

const char *
actor_label(const struct hctx *h)
{
	return h->peer->root ? "root(recovery)" : h->peer->name;
}

/* Explicit targets: each must exist and be one the actor may act on. */
int
check_targets(struct hctx *h, const struct store_user *actor,
    const struct pw_request *req, struct pw_reply *rep)
{
	struct store_user t;
	uint32_t i;
	int r;

	for (i = 0; i < req->ntargets; i++) {
		if ((r = store_user_get(h->st, req->targets[i], &t)) != PW_OK) {
			reply_name(rep, r, PW_R_NO_ACCOUNT_UNCHANGED, req->targets[i]);
			return r;
		}
		r = may_act(h, actor, t.name, t.role, rep);
		PW_WIPE_OBJECT(&t);
		if (r != PW_OK) {
			note(rep, &(struct pw_why){ .code = PW_R_REFUSED_FOR });
			memcpy(rep->note.name, req->targets[i],
			    strlen(req->targets[i]) + 1);
			return r;
		}
	}
	return PW_OK;
}
