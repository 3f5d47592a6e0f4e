/* SPDX-License-Identifier: MIT */
/*
 * pwadmin passwd: self-service change of one's own login and/or
 * confirmation password (SPEC rule 9).  The client checks nothing but
 * that two new passwords differ; the daemon verifies the current ones
 * (a wrong one counts toward that factor's lockout) and applies the
 * quality rules.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "output.h"
#include "passwd.h"
#include "pwerr.h"

#define PASSWD_BUF_START 1024 /* getpwuid_r buffer, doubled on ERANGE */
#define PASSWD_BUF_MAX	 (1024 * 1024)

int
passwd_self(uid_t uid, char *name, size_t namesz)
{
	char shown[PW_USER_MAX + 8];
	struct passwd pw, *res = NULL;
	size_t bufsz = PASSWD_BUF_START;
	char *buf = NULL, *nb;
	int err;

	if (namesz > 0)
		name[0] = '\0';
	for (;;) {
		if ((nb = realloc(buf, bufsz)) == NULL) {
			err = ENOMEM;
			break;
		}
		buf = nb;
		res = NULL;
		err = getpwuid_r(uid, &pw, buf, bufsz, &res);
		if (err != ERANGE || bufsz >= PASSWD_BUF_MAX)
			break;
		bufsz *= 2;
	}
	if (err == 0 && res == NULL)
		output_error(_("your user id %ju has no entry in the "
		    "user database"), (uintmax_t)uid);
	else if (err != 0)
		output_error(_("cannot look up your user id %ju: "
		    "%s"), (uintmax_t)uid, strerror(err));
	else if (!proto_name_valid(res->pw_name) ||
	    strlen(res->pw_name) >= namesz) {
		output_sanitize(shown, sizeof(shown), res->pw_name);
		output_error(_("your user name \"%s\" is not a "
		    "valid pwadmin account name"), shown);
		res = NULL;
	} else
		memcpy(name, res->pw_name, strlen(res->pw_name) + 1);
	free(buf);
	return err == 0 && res != NULL ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
}

/* The current, then the new password of one factor. */
static int
read_factor(const struct prompt_src *src, uint8_t factor,
    struct pw_secret *cur, struct pw_secret *next)
{
	int ex;

	if ((ex = prompt_current(src, factor, cur)) != CLI_EXIT_OK)
		return ex;
	return prompt_new_secret(src, factor, NULL, next);
}

int
passwd_read(const struct prompt_src *src, const char *user, uint32_t flags,
    struct pw_request *req)
{
	int ex = CLI_EXIT_OK;

	memset(req, 0, sizeof(*req));
	req->type = PW_REQ_PASSWD;
	req->flags = flags & (PW_F_LOGIN | PW_F_CONFIRM);
	req->nsecrets = 4;
	req->caller_uid = (uint32_t)getuid();
	(void)snprintf(req->user, sizeof(req->user), "%s", user);
	(void)snprintf(req->service, sizeof(req->service), "%s",
	    PASSWD_SERVICE);
	if (req->flags & PW_F_LOGIN)
		ex = read_factor(src, PW_FACTOR_LOGIN, &req->secret[0],
		    &req->secret[1]);
	if (ex == CLI_EXIT_OK && (req->flags & PW_F_CONFIRM))
		ex = read_factor(src, PW_FACTOR_CONFIRM, &req->secret[2],
		    &req->secret[3]);
	if (ex == CLI_EXIT_OK && (req->flags & PW_F_LOGIN) &&
	    (req->flags & PW_F_CONFIRM))
		ex = prompt_differ(&req->secret[1], &req->secret[3]);
	if (ex != CLI_EXIT_OK)
		proto_wipe_req(req);
	return ex;
}

int
passwd_change(const struct call *c, const struct prompt_src *src,
    const char *user, uint32_t flags, struct pw_reply *rep)
{
	struct pw_request req;
	int ex, r;

	if ((ex = passwd_read(src, user, flags, &req)) != CLI_EXIT_OK)
		return ex;
	r = call_one(c, &req, rep);
	proto_wipe_req(&req);
	if (r != PW_OK)
		return output_refusal(stderr, c->socket, r, &rep->why);
	return CLI_EXIT_OK;
}
