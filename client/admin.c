/* SPDX-License-Identifier: MIT */
/*
 * pwadmin's admin requests: every one ends with the actor's confirmation
 * password (none for root's recovery); the daemon verifies it, counts a
 * wrong one and decides who may act on whom.
 */
#include <stdio.h>

#include "admin.h"
#include "cli.h"
#include "output.h"
#include "pwerr.h"

int
admin_send(const struct call *c, const struct prompt_src *src, bool root,
    struct pw_request *req, struct pw_reply *rep)
{
	int ex = CLI_EXIT_OK, r;

	if (req->nsecrets == 0 || req->nsecrets > PW_SECRETS_MAX) {
		proto_wipe_req(req);
		return output_refusal(stderr, c->socket, PW_ERR_INTERNAL, NULL);
	}
	if (!root)
		ex = prompt_actor(src, &req->secret[req->nsecrets - 1]);
	if (ex == CLI_EXIT_OK) {
		r = call_one(c, req, rep);
		proto_wipe_req(req);
		if (r != PW_OK)
			ex = output_refusal(stderr, c->socket, r, &rep->why);
	}
	proto_wipe_req(req);
	return ex;
}
