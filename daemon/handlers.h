/* SPDX-License-Identifier: MIT */
/* One handler per request type: decode -> policy -> store -> reply. */
#ifndef PWD_HANDLERS_H
#define PWD_HANDLERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"
#include "proto.h"
#include "store.h"

/* Who is on the other end of a connection (from SO_PEERCRED + NSS). */
struct peer {
	uid_t uid;
	pid_t pid;
	uid_t charge;		    /* whom limits charge: uid, or the real
				     * uid a root peer's request claims */
	bool root;		    /* uid 0: recovery powers */
	bool has_name;		    /* the uid maps to a valid account name */
	char name[PW_USER_MAX + 1]; /* NSS name of uid, when has_name */
};

struct hctx {
	const struct pwd_conf *conf;
	struct store *st;
	const struct peer *peer;
	int fd; /* the connection (BACKUP receives a descriptor on it) */
	bool confirm_tried; /* the actor's confirmation password was checked */
	/* an admin request's actor, loaded and checked by the dispatch
	 * (rule 3); zeroed for root (recovery) */
	const struct store_user *actor;
};

/*
 * Runs the request and fills *rep (status, msg, accounts, counters).
 * Never exits; every failure becomes a status.  The caller wipes *req.
 */
void handle_request(struct hctx *h, struct pw_request *req,
    struct pw_reply *rep);

#endif
