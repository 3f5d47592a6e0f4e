/* SPDX-License-Identifier: MIT */
/*
 * pwadmin import: a Unix account comes into the store with the password
 * hash /etc/shadow holds for it (root sends it), so the person keeps the
 * login password they know, and a confirmation password root issues.
 *  1. Checks, in the order a refusal is told: the user database (NSS)
 *     knows the name, as spelled, and it is not uid 0; the store does not
 *     hold it; the hash is a password (not empty, "!" locked or "*"
 *     disabled), of a scheme libxcrypt verifies, whole, at a cost the
 *     daemon bounds; the confirmation password passes rule 10 and is not
 *     the login password.  A weak scheme's login password must be
 *     changed at the first login.
 *  2. With PW_F_CHECK nothing more: the client checks every account of a
 *     command first, so that one refusal leaves all of them out.
 *  3. Else ONE transaction creates the account and its audit entry
 *     (create_account, as useradd's, the actor re-checked in it).  The
 *     imported hash is verified like any other (verify_check: same slots,
 *     lockout and workers) and replaced with Argon2id by the first
 *     success (guess.c's rehash).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "audit.h"
#include "guess.h"
#include "log.h"
#include "pwerr.h"
#include "reply.h"
#include "requests.h"
#include "wipe.h"

/*
 * The prefix of a hash that names its scheme, for a refusal ("$y$"), or
 * the scheme's name: never more of the string, which might be anything
 * (a password written into the wrong field).
 */
static void
scheme_prefix(const char *hash, const char *scheme,
    char out[PW_WHY_TEXT_MAX + 1])
{
	const char *end = hash[0] == '$' ? strchr(hash + 1, '$') : NULL;
	size_t n = end != NULL ? (size_t)(end - hash) + 1 : 0, i;

	if (n == 0 || n > 16) {
		(void)snprintf(out, PW_WHY_TEXT_MAX + 1, "%s", scheme);
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = hash[i] > 0x20 && hash[i] < 0x7f ? hash[i] : '?';
	out[n] = '\0';
}

/*
 * The user database knows the name, spells it so, and it is not uid 0:
 * root keeps its Unix password, the way in while the daemon is down
 * (and an admin's reset of it would give root's password to the admin).
 */
static int
unix_account(const char *name, struct pw_reply *rep)
{
	uid_t uid = 0;

	if (nss_account(name, true, &uid, rep) != PW_OK)
		return rep->status;
	if (uid == 0)
		reply_name(rep, PW_ERR_PERM, PW_R_IMPORT_UID0, name);
	return uid == 0 ? rep->status : PW_OK;
}

/* The hash is a password libxcrypt verifies; *scheme names it. */
static int
usable_hash(struct hctx *h, const char *name, const char *hash,
    const char **scheme, bool *legacy, struct pw_reply *rep)
{
	enum verify_import found;
	int r;

	*scheme = "none";
	*legacy = false;
	if (hash[0] == '\0' || hash[0] == '!' || hash[0] == '*') {
		reply_why(rep, PW_ERR_INVAL, &(struct pw_why){
		    .code = PW_R_IMPORT_UNUSABLE,
		    .num = hash[0] == '\0' ? 0 : hash[0] == '!' ? 1 : 2 });
		memcpy(rep->why.name, name, strlen(name) + 1);
		return rep->status;
	}
	if ((r = verify_import_check(hash, &found, scheme, legacy, lane_of(h),
	    deadline_of(h))) != PW_OK) {
		reply(rep, r, PW_R_BUSY);
		return r;
	}
	if (found == VERIFY_IMPORT_OK)
		return PW_OK;
	if (found == VERIFY_IMPORT_EMPTY) {
		reply_why(rep, PW_ERR_INVAL, &(struct pw_why){
		    .code = PW_R_IMPORT_UNUSABLE, .num = 0 });
		memcpy(rep->why.name, name, strlen(name) + 1);
		return rep->status;
	}
	reply_name(rep, PW_ERR_INVAL, found == VERIFY_IMPORT_SCHEME ?
	    PW_R_IMPORT_SCHEME : found == VERIFY_IMPORT_COSTLY ?
	    PW_R_IMPORT_COSTLY : PW_R_IMPORT_MALFORMED, name);
	scheme_prefix(hash, *scheme, rep->why.text);
	return rep->status;
}

/* Rule 10 for the new confirmation password, and not the login one. */
static int
usable_confirm(struct hctx *h, const char *name, const struct pw_secret *hash,
    const struct pw_secret *confirm, struct pw_reply *rep)
{
	int r;

	if (check_new(h->conf, name, PW_FACTOR_CONFIRM, confirm, NULL,
	    rep) != PW_OK)
		return rep->status;
	r = verify_check(hash->buf, confirm->buf, confirm->len, lane_of(h),
	    deadline_of(h));
	if (r == PW_OK)
		reply_why(rep, PW_ERR_QUALITY, &(struct pw_why){
		    .code = PW_R_Q_OTHER, .factor = PW_FACTOR_CONFIRM });
	else if (r != PW_ERR_AUTH)
		reply(rep, r, r == PW_ERR_BUSY ? PW_R_BUSY : PW_R_STATUS);
	return r == PW_ERR_AUTH ? PW_OK : rep->status;
}

void
h_import(struct hctx *h, struct pw_request *req, struct pw_reply *rep)
{
	const struct pw_secret *hash = &req->secret[0], *confirm =
	    &req->secret[1];
	int64_t now = (int64_t)time(NULL);
	char detail[PW_DETAIL_MAX + 1];
	struct store_user u;
	const char *scheme = "none";
	bool legacy = false;
	int r;

	memset(&u, 0, sizeof(u));
	if (unix_account(req->user, rep) != PW_OK)
		goto out;
	if (store_user_get(h->st, req->user, &u) == PW_OK) {
		reply_name(rep, PW_ERR_EXISTS, PW_R_EXISTS, req->user);
		goto out;
	}
	if (usable_hash(h, req->user, hash->buf, &scheme, &legacy,
	    rep) != PW_OK || usable_confirm(h, req->user, hash, confirm,
	    rep) != PW_OK)
		goto out;
	if (req->flags & PW_F_CHECK) {
		reply(rep, PW_OK, PW_R_NONE);
		goto out;
	}
	memset(&u, 0, sizeof(u));
	memcpy(u.name, req->user, strlen(req->user) + 1);
	u.role = req->role;
	u.created_at = now;
	memcpy(u.f[PW_FACTOR_LOGIN].hash, hash->buf, hash->len + 1);
	/* a weak scheme's password (DES: its first 8 characters) is changed
	 * at the first login, like a shadow entry's "change now" */
	u.f[PW_FACTOR_LOGIN].must_change = (req->flags & PW_F_LOGIN) != 0 ||
	    legacy;
	u.f[PW_FACTOR_LOGIN].changed_at = now;
	u.f[PW_FACTOR_CONFIRM].must_change = true;
	u.f[PW_FACTOR_CONFIRM].changed_at = now;
	r = verify_hash(confirm->buf, confirm->len,
	    u.f[PW_FACTOR_CONFIRM].hash, lane_of(h), deadline_of(h));
	(void)snprintf(detail, sizeof(detail), "; login password kept from a "
	    "%s%s Unix hash%s; confirmation password must be changed at "
	    "first login", legacy ? "weak " : "", scheme,
	    u.f[PW_FACTOR_LOGIN].must_change ? ", must be changed" : "");
	if (r == PW_OK)
		create_account(h, &u, "import", detail, rep);
	else
		reply(rep, r, PW_R_STATUS);
out:
	if (rep->status != PW_OK)
		audit_refusal(h, "import", req->user, rep);
	log_notice("import%s user=%s role=%s scheme=%s%s by %s: %s",
	    req->flags & PW_F_CHECK ? " (check)" : "", req->user,
	    proto_role_name(req->role), scheme, legacy ? " (weak)" : "",
	    actor_label(h), pw_strerror(rep->status));
	PW_WIPE_OBJECT(&u);
}
