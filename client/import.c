/* SPDX-License-Identifier: MIT */
/*
 * pwadmin import: the accounts (named, or a group's members), each one's
 * password hash from the shadow database or a file, a new confirmation
 * password each, a check of all of them by the daemon, then the imports.
 * Nothing is imported unless every account passes: one refused account
 * leaves them all out, so that a command is done whole or not at all.
 */
#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "i18n.h"
#include "import.h"
#include "output.h"
#include "pwerr.h"
#include "util.h"
#include "wipe.h"

/* One account to import: its request (user, role, flags, secrets). */
struct item {
	struct pw_request req;
	bool toolong; /* the name did not fit (it is refused, never cut) */
};

struct batch {
	struct item *it;
	size_t n, cap;
};

/* Adds name unless it is there already. */
static int
add_name(struct batch *b, const char *name)
{
	struct item *p;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->it[i].req.user, name) == 0)
			return PW_OK;
	if ((p = pw_grow(b->it, &b->cap, b->n + 1, sizeof(*p), 16)) == NULL)
		return PW_ERR_NOMEM;
	b->it = p;
	memset(&b->it[b->n], 0, sizeof(b->it[b->n]));
	(void)snprintf(b->it[b->n].req.user, sizeof(b->it[b->n].req.user),
	    "%s", name);
	b->it[b->n].toolong = strlen(name) > PW_USER_MAX;
	b->n++;
	return PW_OK;
}

/* A refusal of the client's own, worded as the daemon's would be. */
static void
refuse(enum pw_reason code, const char *name, uint64_t num, const char *text)
{
	struct pw_why w;
	char buf[PW_WORDS_MAX];

	memset(&w, 0, sizeof(w));
	w.code = (uint16_t)code;
	w.num = num;
	(void)snprintf(w.name, sizeof(w.name), "%s", name);
	(void)snprintf(w.text, sizeof(w.text), "%s", text);
	output_error("%s", pw_words(PW_ERR_INVAL, &w, buf, sizeof(buf)));
}

/* A member of a group with uid 0: not imported, and said so. */
static void
left_out(const char *name)
{
	output_error(_("%s has user ID 0 and is left out: it keeps its Unix "
	    "password"), name);
}

/*
 * The members of a group: its member list, then the users whose primary
 * group it is, each once, in that order, but for uid 0 (root keeps its
 * Unix password).  CLI_EXIT_OK or the exit status after one line.
 */
static int
group_members(const char *group, struct batch *b)
{
	struct group *g;
	struct passwd *pw;
	gid_t gid;
	size_t i;
	int r = PW_OK;

	errno = 0;
	if ((g = getgrnam(group)) == NULL) {
		if (errno != 0 && errno != ENOENT)
			output_error(_("cannot read the group database: %s"),
			    strerror(errno));
		else
			output_error(_("no group named %s; nothing was "
			    "imported"), group);
		return CLI_EXIT_REFUSED;
	}
	gid = g->gr_gid;
	for (i = 0; r == PW_OK && g->gr_mem[i] != NULL; i++)
		if ((pw = getpwnam(g->gr_mem[i])) != NULL && pw->pw_uid == 0)
			left_out(g->gr_mem[i]);
		else
			r = add_name(b, g->gr_mem[i]);
	setpwent();
	while (r == PW_OK && (pw = getpwent()) != NULL)
		if (pw->pw_gid == gid && pw->pw_uid == 0)
			left_out(pw->pw_name);
		else if (pw->pw_gid == gid)
			r = add_name(b, pw->pw_name);
	endpwent();
	if (r != PW_OK) {
		output_error("%s", _(pw_strerror(r)));
		return CLI_EXIT_REFUSED;
	}
	if (b->n == 0) {
		output_error(_("the group %s has no members; nothing was "
		    "imported"), group);
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/* What import takes from a shadow entry besides its hash. */
struct ageing {
	long lastchg; /* days since 1970 of the last change, 0: change now */
	long max, inact, expire; /* shadow(5); -1: none */
};

/*
 * The hash and ageing of `name' in FILE (shadow(5) lines), or the
 * system's shadow database: 1 found (hash copied, wiped where it was
 * read), 0 not there, -1 unreadable (errno; ERANGE: a line too long),
 * -2 a FILE that is not a regular file of root's writable by root alone.
 */
static int
shadow_entry(const char *file, const char *name, struct pw_secret *hash,
    struct ageing *age)
{
	struct spwd sp, *res = NULL, *s;
	char buf[16384], io[8192];
	struct stat st;
	FILE *f = NULL;
	int e = 0, rc;

	if (file == NULL) {
		errno = 0;
		s = getspnam(name);
		e = errno;
		endspent();
		if (s == NULL) {
			errno = e;
			return e == 0 || e == ENOENT ? 0 : -1;
		}
	} else {
		if ((f = fopen(file, "re")) == NULL)
			return -1;
		/* whoever may write it chooses the accounts' passwords */
		if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != 0 || (st.st_mode & 022) != 0) {
			(void)fclose(f);
			return -2;
		}
		/* stdio's buffer holds every account's hash: ours, wiped */
		(void)setvbuf(f, io, _IOFBF, sizeof(io));
		while ((rc = fgetspent_r(f, &sp, buf, sizeof(buf), &res)) == 0 &&
		    res != NULL && strcmp(res->sp_namp, name) != 0)
			pw_wipe(buf, sizeof(buf));
		e = rc == ERANGE ? ERANGE : ferror(f) ? EIO : 0;
		(void)fclose(f);
		pw_wipe(io, sizeof(io));
		s = e == 0 && res != NULL && strcmp(res->sp_namp, name) == 0 ?
		    res : NULL;
		if (s == NULL) {
			pw_wipe(buf, sizeof(buf));
			errno = e;
			return e != 0 ? -1 : 0;
		}
	}
	hash->len = strlen(s->sp_pwdp);
	if (hash->len > PW_PASS_MAX)
		hash->len = PW_PASS_MAX; /* the daemon refuses it as not whole */
	memcpy(hash->buf, s->sp_pwdp, hash->len);
	hash->buf[hash->len] = '\0';
	*age = (struct ageing){ s->sp_lstchg, s->sp_max, s->sp_inact,
		s->sp_expire };
	pw_wipe(s->sp_pwdp, strlen(s->sp_pwdp));
	pw_wipe(buf, sizeof(buf));
	return 1;
}

/*
 * What pam_unix would say of the entry's ageing today (Linux-PAM's
 * check_shadow_expiry): 1 the account expired (chage -E), 2 the password
 * expired and the account is inactive since (chage -I), both refused;
 * else 0, with *change_now when the password must be changed (a last
 * change of 0, or older than its maximum age).
 */
static int
ageing_verdict(const struct ageing *a, long today, bool *change_now)
{
	long age = today - a->lastchg;

	*change_now = a->lastchg == 0;
	if (a->expire != -1 && today >= a->expire)
		return 1;
	if (a->lastchg > 0 && a->max != -1 && age > a->max) {
		if (a->inact != -1 && age > a->max + a->inact)
			return 2;
		*change_now = true;
	}
	return 0;
}

/*
 * Every account is a Unix account with a usable entry in the shadow
 * database (or file).  One line per refused account; true when none was.
 */
static bool
local_checks(const struct cli *cli, struct batch *b)
{
	const char *where = cli->shadow != NULL ? cli->shadow : "/etc/shadow";
	long today = (long)(time(NULL) / 86400);
	char day[32];
	struct pw_request *q;
	struct passwd *pw;
	struct ageing age;
	bool ok = true, now = false;
	size_t i;
	int r, v;

	for (i = 0; i < b->n; i++) {
		q = &b->it[i].req;
		q->type = PW_REQ_IMPORT;
		q->role = cli->role;
		q->nsecrets = 2;
		if (b->it[i].toolong || !proto_name_valid(q->user)) {
			output_error(_("invalid account name \"%s%s\"; "
			    "nothing was imported"), q->user,
			    b->it[i].toolong ? "..." : "");
			ok = false;
			continue;
		}
		if ((pw = getpwnam(q->user)) == NULL || pw->pw_uid == 0) {
			refuse(pw == NULL ? PW_R_NOT_UNIX : PW_R_IMPORT_UID0,
			    q->user, 0, "");
			ok = false;
			continue;
		}
		if ((r = shadow_entry(cli->shadow, q->user, &q->secret[0],
		    &age)) < 0) {
			if (r == -2)
				output_error(_("cannot use %s: a shadow file must "
				    "be a regular file owned by root and writable "
				    "by no one else; nothing was imported"), where);
			else if (errno == ERANGE)
				output_error(_("cannot read %s: a line is too "
				    "long; nothing was imported"), where);
			else
				output_error(_("cannot read %s: %s; nothing was "
				    "imported"), where, strerror(errno));
			return false;
		}
		if (r == 0) {
			output_error(_("%s has no entry in %s; nothing was "
			    "imported"), q->user, where);
			ok = false;
			continue;
		}
		if ((v = ageing_verdict(&age, today, &now)) != 0) {
			if (v == 1 && output_date((int64_t)age.expire * 86400,
			    day, sizeof(day)) != PW_OK)
				(void)snprintf(day, sizeof(day), "%ld",
				    age.expire);
			if (v == 1)
				output_error(_("the Unix account %s expired on "
				    "%s (chage -E); nothing was imported"),
				    q->user, day);
			else
				output_error(_("the Unix password of %s expired "
				    "and the account is inactive since (chage "
				    "-I); nothing was imported"), q->user);
			ok = false;
			continue;
		}
		if (now)
			q->flags |= PW_F_LOGIN;
		if (q->secret[0].buf[0] == '\0' || q->secret[0].buf[0] == '!' ||
		    q->secret[0].buf[0] == '*') {
			refuse(PW_R_IMPORT_UNUSABLE, q->user,
			    q->secret[0].buf[0] == '\0' ? 0 :
			    q->secret[0].buf[0] == '!' ? 1 : 2, "");
			ok = false;
		}
	}
	return ok;
}

/*
 * The daemon's check of every account (PW_F_CHECK): CLI_EXIT_OK when
 * none was refused, else the worst exit status after a line for each.
 */
static int
daemon_checks(const struct cli *cli, const struct call *c, struct batch *b,
    struct pw_reply *rep)
{
	int ex = CLI_EXIT_OK, e, r;
	size_t i;

	for (i = 0; i < b->n; i++) {
		b->it[i].req.flags |= PW_F_CHECK;
		r = call_one(c, &b->it[i].req, rep);
		b->it[i].req.flags &= ~PW_F_CHECK;
		if (r == PW_OK)
			continue;
		e = output_refusal(stderr, cli->socket, r, &rep->why);
		if (e == CLI_EXIT_UNREACHABLE)
			return e;
		ex = e;
	}
	return ex;
}

/* What was imported: a line each, or {"accounts": [...]}. */
static int
print_imported(const struct cli *cli, const struct pw_account *a, size_t n)
{
	json_t *doc = NULL;
	size_t i;
	int r;

	if (cli->json) {
		r = output_accounts_json(a, n, &doc);
		if (r == PW_OK)
			r = output_json(stdout, doc);
		json_decref(doc);
		return r;
	}
	for (i = 0; i < n; i++)
		printf((a[i].must_change & PW_MUST_LOGIN) ? _("Imported %s with "
		    "role %s: the Unix login password is kept, and must be "
		    "changed at first login, as is the confirmation "
		    "password.\n") : _("Imported %s with role %s: the Unix login "
		    "password is kept; the confirmation password must be "
		    "changed at first login.\n"), a[i].name,
		    output_word(proto_role_name(a[i].role)));
	return ferror(stdout) ? PW_ERR_IO : PW_OK;
}

/* The imports, one by one; stops at the first refusal and says so. */
static int
import_all(const struct cli *cli, const struct call *c, struct batch *b,
    struct pw_reply *rep)
{
	struct pw_account *done;
	size_t i, n = 0;
	int ex = CLI_EXIT_OK, r;

	if ((done = calloc(b->n, sizeof(*done))) == NULL) {
		output_error("%s", _(pw_strerror(PW_ERR_NOMEM)));
		return CLI_EXIT_REFUSED;
	}
	for (i = 0; i < b->n; i++) {
		r = call_one(c, &b->it[i].req, rep);
		proto_wipe_req(&b->it[i].req);
		if (r == PW_OK && rep->naccts != 1)
			r = PW_ERR_PROTO;
		if (r != PW_OK) {
			ex = output_refusal(stderr, cli->socket, r, &rep->why);
			break;
		}
		done[n++] = rep->accts[0];
	}
	if (print_imported(cli, done, n) != PW_OK && ex == CLI_EXIT_OK) {
		output_error(_("cannot write to standard output"));
		ex = CLI_EXIT_REFUSED;
	}
	if (i < b->n && !cli->json)
		output_error(pw_ntr("%zu account was imported before the "
		    "refusal; the others were not.", "%zu accounts were "
		    "imported before the refusal; the others were not.", n),
		    n);
	free(done);
	return ex;
}

int
import_run(const struct cli *cli, const struct call *c,
    const struct prompt_src *src, struct pw_reply *rep)
{
	struct batch b = { NULL, 0, 0 };
	int ex = CLI_EXIT_OK;
	size_t i;

	if (getuid() != 0) {
		output_error(_("import must be run by root"));
		return CLI_EXIT_REFUSED;
	}
	if (cli->group != NULL)
		ex = group_members(cli->group, &b);
	for (i = 0; ex == CLI_EXIT_OK && i < cli->ntargets; i++)
		if (add_name(&b, cli->targets[i]) != PW_OK) {
			output_error("%s", _(pw_strerror(PW_ERR_NOMEM)));
			ex = CLI_EXIT_REFUSED;
		}
	if (ex == CLI_EXIT_OK && !local_checks(cli, &b))
		ex = CLI_EXIT_REFUSED;
	/* the confirmation passwords, in the order of the accounts */
	for (i = 0; ex == CLI_EXIT_OK && i < b.n; i++)
		ex = prompt_new_secret(src, PW_FACTOR_CONFIRM, b.it[i].req.user,
		    &b.it[i].req.secret[1]);
	if (ex == CLI_EXIT_OK)
		ex = daemon_checks(cli, c, &b, rep);
	if (ex == CLI_EXIT_OK)
		ex = import_all(cli, c, &b, rep);
	else if (b.n > 1)
		output_error(_("nothing was imported"));
	for (i = 0; i < b.n; i++)
		proto_wipe_req(&b.it[i].req);
	free(b.it);
	return ex;
}
