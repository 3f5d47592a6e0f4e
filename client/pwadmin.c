/* SPDX-License-Identifier: MIT */
/*
 * pwadmin: the command-line client of pwadmind.  main() parses, then a
 * table dispatches to one handler per command: read secrets, one call (or
 * LIST/AUDIT pages), print.  Secrets live only in the request and are
 * wiped on every path.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "i18n.h"
#include "import.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "pwerr.h"
#include "wipe.h"

/* What every handler works with. */
struct ctx {
	const struct cli *cli;
	struct call call;
	struct prompt_src src;
	struct pw_reply *rep; /* large: on the heap */
};

/* A refusal of the daemon or a transport error: one line, the exit status. */
static int
refused(const struct ctx *x, int r)
{
	return output_refusal(stderr, x->cli->socket, r, &x->rep->why);
}

/* After a successful call: the info sentence, or how printing failed. */
static int
shown(const struct ctx *x, int r)
{
	char buf[PW_WORDS_MAX], words[PW_WORDS_MAX];

	if (r == PW_ERR_IO) {
		output_error(_("cannot write to standard output"));
		return CLI_EXIT_REFUSED;
	}
	if (r != PW_OK)
		return output_refusal(stderr, x->cli->socket, r, NULL);
	if (pw_words(x->rep->status, &x->rep->note, words,
	    sizeof(words))[0] != '\0') {
		output_sanitize(buf, sizeof(buf), words);
		output_error("%s", buf);
	}
	return CLI_EXIT_OK;
}

static int print_json(int r, json_t *doc);

/* The reply's one account as a JSON object; PW_ERR_PROTO unless one. */
static int
print_account_json(const struct ctx *x)
{
	json_t *doc = NULL;
	int r;

	if (x->rep->naccts != 1)
		return PW_ERR_PROTO;
	r = output_account_json(&x->rep->accts[0], &doc);
	return print_json(r, doc);
}

/* Prints and frees a JSON document built with result r (NULL unless PW_OK). */
static int
print_json(int r, json_t *doc)
{
	if (r == PW_OK)
		r = output_json(stdout, doc);
	json_decref(doc);
	return r;
}

/*
 * The end of a command that says one line: the line, or with --json the
 * document doc (built by the caller in either mode, NULL when out of
 * memory), which is freed here.  Returns the exit status.
 */
static int said(struct ctx *x, json_t *doc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
said(struct ctx *x, json_t *doc, const char *fmt, ...)
{
	va_list ap;

	if (x->cli->json)
		return shown(x, print_json(doc != NULL ? PW_OK : PW_ERR_NOMEM,
		    doc));
	json_decref(doc);
	va_start(ap, fmt);
	(void)vprintf(fmt, ap);
	va_end(ap);
	(void)putchar('\n');
	return shown(x, ferror(stdout) ? PW_ERR_IO : PW_OK);
}

/* init and useradd: the confirmation line, or {"name", "role"}. */
static int
print_created(const struct ctx *x, const char *user, uint8_t role)
{
	json_t *doc;

	if (!x->cli->json) {
		if (x->cli->cmd == CLI_CMD_INIT)
			printf(_("Created master %s.\n"), user);
		else
			printf(_("Created user %s with role %s; both passwords "
			    "must be changed at first login.\n"), user,
			    output_word(proto_role_name(role)));
		return ferror(stdout) ? PW_ERR_IO : PW_OK;
	}
	doc = json_pack("{s:s, s:s}", "name", user, "role",
	    proto_role_name(role));
	return print_json(doc != NULL ? PW_OK : PW_ERR_NOMEM, doc);
}

/*
 * init --master M: root only; reads M's login, M's confirmation.
 * useradd U --role R: reads U's login, U's confirmation, then the actor's
 * confirmation unless root runs it (recovery: sent empty).
 */
static int
cmd_create(struct ctx *x)
{
	const struct cli *cli = x->cli;
	bool init = cli->cmd == CLI_CMD_INIT;
	struct pw_request req;
	int ex, r;

	memset(&req, 0, sizeof(req));
	if (init && getuid() != 0) {
		output_error(_("init must be run by root"));
		return CLI_EXIT_REFUSED;
	}
	req.type = init ? PW_REQ_INIT : PW_REQ_USERADD;
	req.role = init ? PW_ROLE_MASTER : cli->role;
	req.nsecrets = init ? 2 : 3;
	(void)snprintf(req.user, sizeof(req.user), "%s", cli->user);
	if ((ex = prompt_new_pair(&x->src, cli->user, &req.secret[0],
	    &req.secret[1])) != CLI_EXIT_OK)
		goto out;
	if (!init && getuid() != 0 &&
	    (ex = prompt_actor(&x->src, &req.secret[2])) != CLI_EXIT_OK)
		goto out;
	r = call_one(&x->call, &req, x->rep);
	proto_wipe_req(&req);
	if (r != PW_OK)
		ex = refused(x, r);
	else
		ex = shown(x, print_created(x, cli->user, req.role));
out:
	proto_wipe_req(&req);
	return ex;
}

/* status [USER]: the account object or "key: value" lines. */
static int
cmd_status(struct ctx *x)
{
	struct pw_request req;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATUS;
	if (x->cli->user != NULL)
		(void)snprintf(req.user, sizeof(req.user), "%s", x->cli->user);
	if ((r = call_one(&x->call, &req, x->rep)) == PW_OK &&
	    x->rep->naccts != 1)
		r = PW_ERR_PROTO;
	if (r != PW_OK)
		return refused(x, r);
	if (x->cli->json)
		r = print_account_json(x);
	else
		r = output_account_text(stdout, &x->rep->accts[0]);
	return shown(x, r);
}

/* list [--locked]: every page, then one table or {"accounts": [...]}. */
static int
cmd_list(struct ctx *x)
{
	struct pw_account *a = NULL;
	json_t *doc = NULL;
	size_t n = 0;
	int r;

	if ((r = call_list(&x->call, x->cli->locked ? PW_F_LOCKED_ONLY : 0,
	    x->rep, &a, &n)) != PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_accounts_json(a, n, &doc);
		r = print_json(r, doc);
	} else
		r = output_list_text(stdout, a, n);
	free(a);
	return shown(x, r);
}

/*
 * The end of an admin request (admin_send): the actor's confirmation
 * password, read last into req->secret[req->nsecrets - 1] (left empty when
 * root runs the command: recovery), then the call.  The request's secrets
 * are wiped on every path.  Returns CLI_EXIT_OK when the daemon said PW_OK
 * (its reply in x->rep), else the exit status, already reported.
 */
static int
admin_call(struct ctx *x, struct pw_request *req)
{
	return admin_send(&x->call, &x->src, getuid() == 0, req, x->rep);
}

static const uint8_t target_req[CLI_CMD_COUNT] = {
	[CLI_CMD_UNLOCK] = PW_REQ_UNLOCK,
	[CLI_CMD_SUSPEND] = PW_REQ_SUSPEND,
	[CLI_CMD_RESUME] = PW_REQ_RESUME,
};

/*
 * unlock USER...|--all, suspend USER... [--force], resume USER...: reads
 * the actor's confirmation unless root; prints each account after the
 * change.
 */
static int
cmd_targets(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	json_t *doc = NULL;
	size_t i;
	int ex, r;

	memset(&req, 0, sizeof(req));
	req.type = target_req[cli->cmd];
	req.flags = (cli->all ? PW_F_ALL : 0) | (cli->flags & PW_F_FORCE);
	req.nsecrets = 1;
	for (i = 0; i < cli->ntargets; i++)
		(void)snprintf(req.targets[i], sizeof(req.targets[i]), "%s",
		    cli->targets[i]);
	req.ntargets = (uint32_t)cli->ntargets;
	if ((ex = admin_call(x, &req)) != CLI_EXIT_OK)
		return ex;
	if (cli->json) {
		r = output_accounts_json(x->rep->accts, x->rep->naccts, &doc);
		r = print_json(r, doc);
	} else if (x->rep->naccts == 0 && cli->cmd == CLI_CMD_UNLOCK) {
		printf(_("No account was unlocked.\n"));
		r = ferror(stdout) ? PW_ERR_IO : PW_OK;
	} else
		r = output_changed_text(stdout, x->rep->accts, x->rep->naccts);
	return shown(x, r);
}

/* True when `user' is the account of the caller (named like its uid). */
static bool
is_self(const char *user)
{
	struct passwd *pw;

	if (getuid() == 0)
		return false; /* root's recovery: the daemon decides */
	pw = getpwuid(getuid());
	return pw != NULL && strcmp(pw->pw_name, user) == 0;
}

/*
 * reset, first step: STATUS of the target, before any password is read.
 * The daemon answers it only when the actor may act on the target; *a
 * gets the target's state for the summary.
 */
static int
reset_target(struct ctx *x, struct pw_account *a)
{
	struct pw_request req;
	int r;

	if (is_self(x->cli->user)) {
		output_error(_("you may not reset your own account; "
		    "change your passwords with pwadmin passwd"));
		return CLI_EXIT_REFUSED;
	}
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATUS;
	(void)snprintf(req.user, sizeof(req.user), "%s", x->cli->user);
	if ((r = call_one(&x->call, &req, x->rep)) == PW_OK &&
	    x->rep->naccts != 1)
		r = PW_ERR_PROTO;
	if (r != PW_OK)
		return refused(x, r);
	*a = x->rep->accts[0];
	return CLI_EXIT_OK;
}

/* reset: the new password(s) of the target, login before confirmation. */
static int
reset_read_new(struct ctx *x, struct pw_request *req)
{
	const char *user = x->cli->user;

	switch (req->flags & (PW_F_LOGIN | PW_F_CONFIRM)) {
	case PW_F_LOGIN:
		return prompt_new_secret(&x->src, PW_FACTOR_LOGIN, user,
		    &req->secret[0]);
	case PW_F_CONFIRM:
		return prompt_new_secret(&x->src, PW_FACTOR_CONFIRM, user,
		    &req->secret[1]);
	default:
		return prompt_new_pair(&x->src, user, &req->secret[0],
		    &req->secret[1]);
	}
}

/*
 * reset: the summary, on standard output (standard error with --json, so
 * that standard output stays one JSON document), highlighted when that
 * stream is a terminal, and flushed before the actor's password is asked.
 */
static int
reset_summary(const struct ctx *x, const struct pw_account *a,
    uint32_t flags)
{
	FILE *fp = x->cli->json ? stderr : stdout;
	bool colour = output_colour(isatty(fileno(fp)) == 1,
	    getenv("NO_COLOR"), getenv("TERM"));

	if (output_reset_summary(fp, a, flags, colour) != PW_OK ||
	    fflush(fp) != 0) {
		output_error(_("cannot show the summary of the "
		    "reset; nothing was changed"));
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/*
 * reset USER [--login] [--confirm] [--no-force-change]: STATUS of USER,
 * USER's new password(s), the summary, the actor's confirmation (unless
 * root), then RESET.
 */
static int
cmd_reset(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	struct pw_account a;
	int ex, r;

	if ((ex = reset_target(x, &a)) != CLI_EXIT_OK)
		return ex;
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_RESET;
	req.flags = cli->flags & (PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE);
	req.nsecrets = 3;
	(void)snprintf(req.user, sizeof(req.user), "%s", cli->user);
	if ((ex = reset_read_new(x, &req)) != CLI_EXIT_OK ||
	    (ex = reset_summary(x, &a, req.flags)) != CLI_EXIT_OK ||
	    (ex = admin_call(x, &req)) != CLI_EXIT_OK) {
		proto_wipe_req(&req);
		return ex;
	}
	if (!cli->json)
		r = output_reset_text(stdout, cli->user, req.flags);
	else
		r = print_account_json(x);
	return shown(x, r);
}

/*
 * passwd [--login] [--confirm]: the caller's own account, named like its
 * uid (root has no special path: it changes the account "root"); each
 * changed factor's current then new password, then PASSWD.
 */
static int
cmd_passwd(struct ctx *x)
{
	const struct cli *cli = x->cli;
	char user[PW_USER_MAX + 1];
	int ex, r;

	if ((ex = passwd_self(getuid(), user, sizeof(user))) != CLI_EXIT_OK ||
	    (ex = passwd_change(&x->call, &x->src, user, cli->flags,
	    x->rep)) != CLI_EXIT_OK)
		return ex;
	if (!cli->json)
		r = output_passwd_text(stdout, cli->flags);
	else
		r = print_account_json(x);
	return shown(x, r);
}

/* userdel USER [--force]: reads the actor's confirmation unless root. */
static int
cmd_userdel(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	json_t *doc;
	int ex;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_USERDEL;
	req.flags = cli->flags & PW_F_FORCE;
	req.nsecrets = 1;
	(void)snprintf(req.user, sizeof(req.user), "%s", cli->user);
	if ((ex = admin_call(x, &req)) != CLI_EXIT_OK)
		return ex;
	doc = json_pack("{s:s, s:b}", "name", cli->user, "deleted", 1);
	return said(x, doc, _("Deleted account %s."), cli->user);
}

/* role USER ROLE [--force]: the account after the change. */
static int
cmd_role(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	int ex, r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_ROLE;
	req.role = cli->role;
	req.flags = cli->flags & PW_F_FORCE;
	req.nsecrets = 1;
	(void)snprintf(req.user, sizeof(req.user), "%s", cli->user);
	if ((ex = admin_call(x, &req)) != CLI_EXIT_OK)
		return ex;
	if (cli->json)
		r = print_account_json(x);
	else if (x->rep->naccts != 1)
		r = PW_ERR_PROTO;
	else
		r = output_role_text(stdout, &x->rep->accts[0]);
	return shown(x, r);
}

/* audit --verify: the daemon's sentence on standard output. */
static int
audit_verify(struct ctx *x)
{
	char msg[PW_WORDS_MAX], words[PW_WORDS_MAX];
	struct pw_request req;
	json_t *doc;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_AUDIT_VERIFY;
	if ((r = call_one(&x->call, &req, x->rep)) != PW_OK)
		return refused(x, r);
	/* the JSON message in English, the line in the locale's language */
	output_sanitize(msg, sizeof(msg), output_words_en(x->rep->status,
	    &x->rep->why, words, sizeof(words))[0] != '\0' ? words :
	    "The audit log verifies.");
	doc = json_pack("{s:b, s:s}", "verified", 1, "message", msg);
	output_sanitize(msg, sizeof(msg), pw_words(x->rep->status,
	    &x->rep->why, words, sizeof(words))[0] != '\0' ? words :
	    _("The audit log verifies."));
	return said(x, doc, "%s", msg);
}

/* audit [--since TIME] | audit --verify: every page, then one listing. */
static int
cmd_audit(struct ctx *x)
{
	struct pw_audit *e = NULL;
	json_t *doc = NULL;
	size_t n = 0;
	int r;

	if (x->cli->verify)
		return audit_verify(x);
	if ((r = call_audit(&x->call, x->cli->since, x->rep, &e, &n)) !=
	    PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_audit_json(e, n, &doc);
		r = print_json(r, doc);
	} else
		r = output_audit_text(stdout, e, n);
	free(e);
	return shown(x, r);
}

/* Removes the file at path if it is still the one open as fd. */
static void
discard(const char *path, int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		(void)unlink(path);
}

/*
 * backup, after the daemon's answer: fsync, size, close.  On any failure
 * the file is removed and one line says why.
 */
static int
backup_close(const char *path, const char *name, int fd, off_t *size)
{
	const char *why = NULL;
	struct stat st;
	int err = 0;

	if (fsync(fd) != 0 || fstat(fd, &st) != 0)
		err = errno;
	else if (st.st_size <= 0)
		why = _("the daemon wrote nothing");
	if (err != 0 || why != NULL)
		discard(path, fd);
	if (close(fd) != 0 && err == 0 && why == NULL) {
		err = errno;
		(void)unlink(path);
	}
	if (err == 0 && why == NULL) {
		*size = st.st_size;
		return CLI_EXIT_OK;
	}
	output_error(_("cannot complete the backup %s (%s); "
	    "removed it"), name, why != NULL ? why : strerror(err));
	return CLI_EXIT_REFUSED;
}

/* backup FILE: root; a new file, written by the daemon through its fd. */
static int
cmd_backup(struct ctx *x)
{
	const char *path = x->cli->file;
	char name[PATH_MAX + 1];
	struct pw_request req;
	off_t size = 0;
	json_t *doc;
	int fd, r;

	if (getuid() != 0) {
		output_error(_("backup must be run by root"));
		return CLI_EXIT_REFUSED;
	}
	output_sanitize(name, sizeof(name), path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		if (errno == EEXIST)
			output_error(_("%s already exists; backup "
			    "never overwrites a file"), name);
		else
			output_error(_("cannot create %s: %s"),
			    name, strerror(errno));
		return CLI_EXIT_REFUSED;
	}
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_BACKUP;
	x->call.timeout_ms = CALL_BACKUP_TIMEOUT_MS;
	if ((r = call_pass(&x->call, &req, fd, x->rep)) != PW_OK) {
		discard(path, fd);
		(void)close(fd);
		return refused(x, r);
	}
	if ((r = backup_close(path, name, fd, &size)) != CLI_EXIT_OK)
		return r;
	doc = json_pack("{s:s, s:I}", "file", name, "bytes",
	    (json_int_t)size);
	return said(x, doc, pw_ntr("Backup written to %s (%jd byte).",
	    "Backup written to %s (%jd bytes).", (unsigned long)size), name,
	    (intmax_t)size);
}

/*
 * otp enroll: the caller's own account, named like its uid (as passwd).
 * The URI goes to standard output, or to standard error with --json (so
 * that standard output holds one JSON document), with its QR code when
 * that stream is a terminal.
 */
static int
cmd_otp_enroll(struct ctx *x)
{
	const struct cli *cli = x->cli;
	char user[PW_USER_MAX + 1];
	struct otp_show show;
	json_t *doc;
	int ex;

	memset(&show, 0, sizeof(show));
	show.fp = cli->json ? stderr : stdout;
	show.qr = isatty(fileno(show.fp)) == 1;
	show.colour = output_colour(show.qr, getenv("NO_COLOR"),
	    getenv("TERM"));
	if ((ex = passwd_self(getuid(), user, sizeof(user))) != CLI_EXIT_OK ||
	    (ex = otp_enroll(&x->call, &x->src, user, &show, x->rep)) !=
	    CLI_EXIT_OK)
		return ex;
	doc = json_pack("{s:s, s:s}", "name", user, "otp", "available");
	return said(x, doc, _("One-time passwords are now active for %s."), user);
}

/*
 * otp unlock USER...|--all: reads the actor's confirmation unless root;
 * prints each account's OTP state after the change.
 */
static int
cmd_otp_unlock(struct ctx *x)
{
	struct pw_request req;
	json_t *doc = NULL;
	int ex, r;

	if ((r = otp_admin_req(x->cli, &req)) != PW_OK)
		return refused(x, r);
	if ((ex = admin_call(x, &req)) != CLI_EXIT_OK)
		return ex;
	if (x->cli->json) {
		r = output_accounts_json(x->rep->accts, x->rep->naccts, &doc);
		r = print_json(r, doc);
	} else if (x->rep->naccts == 0) {
		printf(_("No one-time password was unlocked.\n"));
		r = ferror(stdout) ? PW_ERR_IO : PW_OK;
	} else
		r = output_otp_text(stdout, x->rep->accts, x->rep->naccts);
	return shown(x, r);
}

/* otp remove USER: reads the actor's confirmation unless root. */
static int
cmd_otp_remove(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	json_t *doc;
	int ex, r;

	if ((r = otp_admin_req(cli, &req)) != PW_OK)
		return refused(x, r);
	if ((ex = admin_call(x, &req)) != CLI_EXIT_OK)
		return ex;
	doc = json_pack("{s:s, s:s}", "name", cli->user, "otp", "none");
	return said(x, doc, _("Removed the one-time password token of %s."),
	    cli->user);
}

/* stats: the daemon's counters (root). */
static int
cmd_stats(struct ctx *x)
{
	struct pw_request req;
	json_t *doc = NULL;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATS;
	if ((r = call_one(&x->call, &req, x->rep)) != PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_stats_json(x->rep->stats, x->rep->nstats, &doc);
		r = print_json(r, doc);
	} else
		r = output_stats_text(stdout, x->rep->stats, x->rep->nstats);
	return shown(x, r);
}

/* import USER...|--all-in-group GROUP [--role ROLE] [--shadow FILE] */
static int
cmd_import(struct ctx *x)
{
	return import_run(x->cli, &x->call, &x->src, x->rep);
}

static int (*const handlers[CLI_CMD_COUNT])(struct ctx *) = {
	[CLI_CMD_INIT] = cmd_create,
	[CLI_CMD_USERADD] = cmd_create,
	[CLI_CMD_STATUS] = cmd_status,
	[CLI_CMD_LIST] = cmd_list,
	[CLI_CMD_UNLOCK] = cmd_targets,
	[CLI_CMD_STATS] = cmd_stats,
	[CLI_CMD_SUSPEND] = cmd_targets,
	[CLI_CMD_RESUME] = cmd_targets,
	[CLI_CMD_RESET] = cmd_reset,
	[CLI_CMD_USERDEL] = cmd_userdel,
	[CLI_CMD_ROLE] = cmd_role,
	[CLI_CMD_AUDIT] = cmd_audit,
	[CLI_CMD_BACKUP] = cmd_backup,
	[CLI_CMD_PASSWD] = cmd_passwd,
	[CLI_CMD_OTP_ENROLL] = cmd_otp_enroll,
	[CLI_CMD_OTP_UNLOCK] = cmd_otp_unlock,
	[CLI_CMD_OTP_REMOVE] = cmd_otp_remove,
	[CLI_CMD_IMPORT] = cmd_import,
};

/* No core file and no same-uid ptrace: the process holds secrets. */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * The locale's language, as every Linux tool: LC_ALL, LC_MESSAGES, LANG.
 * The catalogues beside the program (an uninstalled build), else where
 * the build installs them.
 */
static void
speak(void)
{
	char self[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	(void)setlocale(LC_ALL, "");
	n = readlink("/proc/self/exe", self, sizeof(self));
	/* cut (or unreadable): no path, so the configured directory */
	self[n > 0 && (size_t)n < sizeof(self) ? n : 0] = '\0';
	pw_i18n_bind(pw_i18n_dir(self, dir, sizeof(dir)));
}

int
main(int argc, char *argv[])
{
	struct cli cli;
	struct ctx x;
	int ex;

	harden();
	speak();
	if (cli_parse(&cli, argc, argv) != PW_OK) {
		output_error("%s", cli.err);
		return CLI_EXIT_USAGE;
	}
	if (cli.help) {
		fputs(_(cli_usage), stdout);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	}
	/* FORCE passes the last-master guard: root's recovery only. */
	if ((cli.flags & PW_F_FORCE) && getuid() != 0) {
		output_error(_("only root may use --force"));
		return CLI_EXIT_REFUSED;
	}
	memset(&x, 0, sizeof(x));
	x.cli = &cli;
	x.src.use_stdin = cli.use_stdin;
	x.src.fd = STDIN_FILENO;
	call_init(&x.call, cli.socket);
	if ((x.rep = calloc(1, sizeof(*x.rep))) == NULL) {
		output_error("%s", _(pw_strerror(PW_ERR_NOMEM)));
		return CLI_EXIT_REFUSED;
	}
	ex = handlers[cli.cmd](&x);
	PW_WIPE_OBJECT(x.rep);
	free(x.rep);
	if (fflush(stdout) != 0 && ex == CLI_EXIT_OK) {
		output_error(_("cannot write to standard output"));
		ex = CLI_EXIT_REFUSED;
	}
	return ex;
}
