/* SPDX-License-Identifier: MIT */
/*
 * pwadmin command line: a hand-written scan (options anywhere, "--" ends
 * them), then per-command checks.  Pure: no I/O, no global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "pwerr.h"

enum opt_id {
	O_SOCKET,
	O_STDIN,
	O_JSON,
	O_HELP,
	O_MASTER,
	O_ROLE,
	O_LOCKED,
	O_ALL,
	O_FORCE,
	O_LOGIN,
	O_CONFIRM,
	O_NO_FORCE,
	O_SINCE,
	O_VERIFY,
	O_SHADOW,
	O_GROUP,
	O_COUNT
};
#define O_BIT(o)  (1u << (o))
#define O_GLOBALS \
	(O_BIT(O_SOCKET) | O_BIT(O_STDIN) | O_BIT(O_JSON) | O_BIT(O_HELP))

static const struct {
	const char *name;
	bool has_arg;
} opts[O_COUNT] = {
	[O_SOCKET] = { "--socket", true },
	[O_STDIN] = { "--stdin", false },
	[O_JSON] = { "--json", false },
	[O_HELP] = { "--help", false },
	[O_MASTER] = { "--master", true },
	[O_ROLE] = { "--role", true },
	[O_LOCKED] = { "--locked", false },
	[O_ALL] = { "--all", false },
	[O_FORCE] = { "--force", false },
	[O_LOGIN] = { "--login", false },
	[O_CONFIRM] = { "--confirm", false },
	[O_NO_FORCE] = { "--no-force-change", false },
	[O_SINCE] = { "--since", true },
	[O_VERIFY] = { "--verify", false },
	[O_SHADOW] = { "--shadow", true },
	[O_GROUP] = { "--all-in-group", true },
};

/* The request flag each flag option sets (cli.flags). */
static const struct {
	enum opt_id opt;
	uint32_t flag;
} opt_flags[] = {
	{ O_FORCE, PW_F_FORCE },
	{ O_LOGIN, PW_F_LOGIN },
	{ O_CONFIRM, PW_F_CONFIRM },
	{ O_NO_FORCE, PW_F_NO_FORCE },
};

struct words;
typedef void fill_fn(struct cli *, const struct words *);
static fill_fn fill_init, fill_useradd, fill_status, fill_none, fill_unlock,
    fill_targets, fill_user, fill_role, fill_reset, fill_passwd, fill_audit,
    fill_backup, fill_import;

/*
 * Commands of this release: the options each accepts, operand counts, what
 * a missing operand is called, and the per-command checks.
 */
static const struct {
	const char *name;
	enum cli_cmd cmd;
	unsigned opts; /* O_BIT()s besides the global ones */
	size_t min_ops, max_ops;
	const char *need; /* "%s needs <need>" when operands are missing */
	fill_fn *fill;
} cmds[] = {
	{ "init", CLI_CMD_INIT, O_BIT(O_MASTER), 0, 0, "", fill_init },
	{ "useradd", CLI_CMD_USERADD, O_BIT(O_ROLE), 1, 1, N_("an account name"),
	    fill_useradd },
	{ "status", CLI_CMD_STATUS, 0, 0, 1, "", fill_status },
	{ "list", CLI_CMD_LIST, O_BIT(O_LOCKED), 0, 0, "", fill_none },
	{ "unlock", CLI_CMD_UNLOCK, O_BIT(O_ALL), 0, PW_TARGETS_MAX, "",
	    fill_unlock },
	{ "stats", CLI_CMD_STATS, 0, 0, 0, "", fill_none },
	{ "suspend", CLI_CMD_SUSPEND, O_BIT(O_FORCE), 1, PW_TARGETS_MAX,
	    N_("an account name"), fill_targets },
	{ "resume", CLI_CMD_RESUME, 0, 1, PW_TARGETS_MAX, N_("an account name"),
	    fill_targets },
	{ "reset", CLI_CMD_RESET,
	    O_BIT(O_LOGIN) | O_BIT(O_CONFIRM) | O_BIT(O_NO_FORCE), 1, 1,
	    N_("an account name"), fill_reset },
	{ "passwd", CLI_CMD_PASSWD, O_BIT(O_LOGIN) | O_BIT(O_CONFIRM), 0, 0,
	    "", fill_passwd },
	{ "userdel", CLI_CMD_USERDEL, O_BIT(O_FORCE), 1, 1, N_("an account name"),
	    fill_user },
	{ "role", CLI_CMD_ROLE, O_BIT(O_FORCE), 2, 2,
	    N_("an account name and a role (user, admin or master)"), fill_role },
	{ "audit", CLI_CMD_AUDIT, O_BIT(O_SINCE) | O_BIT(O_VERIFY), 0, 0, "",
	    fill_audit },
	{ "backup", CLI_CMD_BACKUP, 0, 1, 1, N_("a file name"), fill_backup },
	{ "otp enroll", CLI_CMD_OTP_ENROLL, 0, 0, 0, "", fill_none },
	{ "otp unlock", CLI_CMD_OTP_UNLOCK, O_BIT(O_ALL), 0, PW_TARGETS_MAX,
	    "", fill_unlock },
	{ "otp remove", CLI_CMD_OTP_REMOVE, 0, 1, 1, N_("an account name"),
	    fill_user },
	{ "import", CLI_CMD_IMPORT, O_BIT(O_ROLE) | O_BIT(O_SHADOW) |
	    O_BIT(O_GROUP), 0, PW_TARGETS_MAX, "", fill_import },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* Commands of two words: the first word, and the second words it takes. */
static const struct {
	const char *word;
	const char *subs; /* for messages */
} groups[] = {
	{ "otp", N_("enroll, unlock or remove") },
};

const char cli_usage[] = N_(
    "usage: pwadmin [--socket PATH] [--stdin] [--json] COMMAND [ARGS]\n"
    "       pwadmin init --master USER\n"
    "       pwadmin useradd USER --role user|admin|master\n"
    "       pwadmin userdel USER [--force]\n"
    "       pwadmin role USER user|admin|master [--force]\n"
    "       pwadmin status [USER] [--json]\n"
    "       pwadmin list [--locked] [--json]\n"
    "       pwadmin passwd [--login] [--confirm]\n"
    "       pwadmin unlock USER... | --all\n"
    "       pwadmin suspend USER... [--force]\n"
    "       pwadmin resume USER...\n"
    "       pwadmin reset USER [--login] [--confirm] [--no-force-change]\n"
    "       pwadmin audit [--since YYYY-MM-DD[THH:MM:SS[Z]]] [--json]\n"
    "       pwadmin audit --verify\n"
    "       pwadmin otp enroll\n"
    "       pwadmin otp unlock USER... | --all\n"
    "       pwadmin otp remove USER\n"
    "       pwadmin backup FILE\n"
    "       pwadmin stats [--json]\n"
    "       pwadmin import USER... | --all-in-group GROUP [--role ROLE]\n"
    "                      [--shadow FILE] [--json]\n");

/* The words of a command line, before the per-command checks. */
struct words {
	unsigned seen; /* O_BIT()s */
	const char *val[O_COUNT];
	const char *cmd; /* the first operand */
	size_t nops;	 /* operands after cmd; may exceed the array */
	const char *ops[PW_TARGETS_MAX + 1];
};

/* Records the first usage error only. */
static void __attribute__((format(printf, 2, 3)))
set_err(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* A printable excerpt of a word from the command line, for a message. */
static const char *
show(const char *s, char *buf, size_t bufsz)
{
	size_t i, n = 0, lim = bufsz > 4 ? bufsz - 4 : 0;

	for (i = 0; s[i] != '\0' && n < lim; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0' && bufsz > 4) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	if (bufsz > 0)
		buf[n < bufsz ? n : bufsz - 1] = '\0';
	return buf;
}

/* One option word at argv[*ip]; consumes its value, if any. */
static void
take_opt(struct cli *c, struct words *w, int argc, char *const argv[], int *ip)
{
	const char *a = argv[*ip], *eq = strchr(a, '=');
	size_t n = eq != NULL ? (size_t)(eq - a) : strlen(a);
	char sb[48];
	int o;

	for (o = 0; o < O_COUNT; o++)
		if (strlen(opts[o].name) == n &&
		    strncmp(a, opts[o].name, n) == 0)
			break;
	if (strcmp(a, "-h") == 0)
		o = O_HELP;
	if (o == O_COUNT) {
		set_err(c, _("unknown option %s"), show(a, sb, sizeof(sb)));
		return;
	}
	if (!opts[o].has_arg) {
		if (eq != NULL)
			set_err(c, _("option %s takes no value"), opts[o].name);
		w->seen |= O_BIT(o);
		return;
	}
	if (w->seen & O_BIT(o))
		set_err(c, _("option %s given twice"), opts[o].name);
	if (eq != NULL)
		w->val[o] = eq + 1;
	else if (*ip + 1 < argc)
		w->val[o] = argv[++*ip];
	else {
		set_err(c, _("option %s needs a value"), opts[o].name);
		return;
	}
	w->seen |= O_BIT(o);
}

static void
scan(struct cli *c, struct words *w, int argc, char *const argv[])
{
	bool endopts = false;
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (!endopts && strcmp(a, "--") == 0)
			endopts = true;
		else if (!endopts && a[0] == '-' && a[1] != '\0')
			take_opt(c, w, argc, argv, &i);
		else if (w->cmd == NULL)
			w->cmd = a;
		else {
			if (w->nops < PW_TARGETS_MAX + 1)
				w->ops[w->nops] = a;
			w->nops++;
		}
	}
}

static bool
name_ok(struct cli *c, const char *s)
{
	char sb[48];

	if (proto_name_valid(s))
		return true;
	set_err(c, _("invalid account name \"%s\""), show(s, sb, sizeof(sb)));
	return false;
}

static void
fill_init(struct cli *c, const struct words *w)
{
	if (w->val[O_MASTER] == NULL)
		set_err(c, _("init needs --master USER"));
	else if (name_ok(c, w->val[O_MASTER]))
		c->user = w->val[O_MASTER];
}

static void
parse_role(struct cli *c, const char *s)
{
	char sb[48];

	if (proto_role_parse(s, &c->role) != PW_OK)
		set_err(c, _("unknown role \"%s\" (user, admin or master)"),
		    show(s, sb, sizeof(sb)));
}

static void
fill_useradd(struct cli *c, const struct words *w)
{
	if (name_ok(c, w->ops[0]))
		c->user = w->ops[0];
	if (w->val[O_ROLE] == NULL)
		set_err(c, _("useradd needs --role user|admin|master"));
	else
		parse_role(c, w->val[O_ROLE]);
}

static void
fill_status(struct cli *c, const struct words *w)
{
	if (w->nops == 1 && name_ok(c, w->ops[0]))
		c->user = w->ops[0];
}

static void
fill_none(struct cli *c, const struct words *w)
{
	(void)c;
	(void)w;
}

/* suspend, resume: every operand is an account name. */
static void
fill_targets(struct cli *c, const struct words *w)
{
	size_t i;

	for (i = 0; i < w->nops && name_ok(c, w->ops[i]); i++)
		c->targets[c->ntargets++] = w->ops[i];
}

/* unlock, otp unlock: account names or --all. */
static void
fill_unlock(struct cli *c, const struct words *w)
{
	const char *name = cli_cmd_name(c->cmd);

	if (c->all && w->nops > 0)
		set_err(c, _("%s takes account names or --all, not both"), name);
	else if (!c->all && w->nops == 0)
		set_err(c, _("%s needs account names or --all"), name);
	fill_targets(c, w);
}

/* userdel, otp remove: one account name. */
static void
fill_user(struct cli *c, const struct words *w)
{
	if (name_ok(c, w->ops[0]))
		c->user = w->ops[0];
}

static void
fill_role(struct cli *c, const struct words *w)
{
	fill_user(c, w);
	parse_role(c, w->ops[1]);
}

/* reset and passwd: neither --login nor --confirm means both. */
static void
both_unless_one(struct cli *c)
{
	if ((c->flags & (PW_F_LOGIN | PW_F_CONFIRM)) == 0)
		c->flags |= PW_F_LOGIN | PW_F_CONFIRM;
}

static void
fill_reset(struct cli *c, const struct words *w)
{
	fill_user(c, w);
	both_unless_one(c);
}

/* passwd: no operand; the account is always the caller's own. */
static void
fill_passwd(struct cli *c, const struct words *w)
{
	(void)w;
	both_unless_one(c);
}

static void
fill_audit(struct cli *c, const struct words *w)
{
	char sb[48];

	if (w->val[O_SINCE] == NULL)
		return;
	if (c->verify)
		set_err(c, _("audit --verify checks the whole log and takes no "
		    "--since"));
	else if (cli_parse_time(w->val[O_SINCE], &c->since) != PW_OK)
		set_err(c, _("invalid --since time \"%s\" (YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SS[Z], UTC)"),
		    show(w->val[O_SINCE], sb, sizeof(sb)));
}

static void
fill_backup(struct cli *c, const struct words *w)
{
	if (w->ops[0][0] == '\0')
		set_err(c, _("the backup file name must not be empty"));
	else
		c->file = w->ops[0];
}

/*
 * import: account names or --all-in-group, a role (user unless --role),
 * and --shadow FILE instead of the system's shadow database.
 */
static void
fill_import(struct cli *c, const struct words *w)
{
	char sb[48];

	if (w->val[O_GROUP] != NULL && w->nops > 0)
		set_err(c, _("import takes account names or --all-in-group, "
		    "not both"));
	else if (w->val[O_GROUP] == NULL && w->nops == 0)
		set_err(c, _("import needs account names or --all-in-group "
		    "GROUP"));
	else if (w->val[O_GROUP] != NULL && !proto_name_valid(w->val[O_GROUP]))
		set_err(c, _("invalid group name \"%s\""),
		    show(w->val[O_GROUP], sb, sizeof(sb)));
	if (w->val[O_SHADOW] != NULL && w->val[O_SHADOW][0] == '\0')
		set_err(c, _("the --shadow file name must not be empty"));
	c->group = w->val[O_GROUP];
	c->shadow = w->val[O_SHADOW];
	c->role = PW_ROLE_USER;
	if (w->val[O_ROLE] != NULL)
		parse_role(c, w->val[O_ROLE]);
	fill_targets(c, w);
}

/* The flag options every command may have passed its check with. */
static void
set_flags(struct cli *c, const struct words *w)
{
	size_t i;

	c->locked = (w->seen & O_BIT(O_LOCKED)) != 0;
	c->all = (w->seen & O_BIT(O_ALL)) != 0;
	c->verify = (w->seen & O_BIT(O_VERIFY)) != 0;
	for (i = 0; i < sizeof(opt_flags) / sizeof(opt_flags[0]); i++)
		if (w->seen & O_BIT(opt_flags[i].opt))
			c->flags |= opt_flags[i].flag;
}

/*
 * True when the words start with the command `name': its first word is
 * w->cmd and its second word, if it has one ("otp unlock"), the first
 * operand.
 */
static bool
cmd_is(const char *name, const struct words *w)
{
	size_t n = strcspn(name, " ");

	if (strlen(w->cmd) != n || strncmp(name, w->cmd, n) != 0)
		return false;
	return name[n] == '\0' ||
	    (w->nops > 0 && strcmp(name + n + 1, w->ops[0]) == 0);
}

/* No command matched: an unknown command, or a group without its word. */
static void
unknown_cmd(struct cli *c, const struct words *w)
{
	char sb[48];
	size_t g;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (strcmp(w->cmd, groups[g].word) != 0)
			continue;
		if (w->nops == 0)
			set_err(c, _("%s needs a sub-command: %s"), groups[g].word,
			    _(groups[g].subs));
		else
			set_err(c, _("unknown %s sub-command \"%s\" (%s)"),
			    groups[g].word, show(w->ops[0], sb, sizeof(sb)),
			    _(groups[g].subs));
		return;
	}
	set_err(c, _("unknown command \"%s\""), show(w->cmd, sb, sizeof(sb)));
}

/* The words without the second word of a two-word command. */
static void
drop_sub(const struct words *w, struct words *out)
{
	size_t n = w->nops < PW_TARGETS_MAX + 1 ? w->nops : PW_TARGETS_MAX + 1;

	*out = *w;
	memmove(out->ops, out->ops + 1, (n - 1) * sizeof(out->ops[0]));
	out->ops[n - 1] = NULL;
	out->nops--;
}

static int
check_cmd(struct cli *c, const struct words *w)
{
	struct words sub;
	char sb[48];
	unsigned extra;
	size_t i;
	int o;

	for (i = 0; i < NCMDS; i++)
		if (cmd_is(cmds[i].name, w))
			break;
	if (i == NCMDS) {
		unknown_cmd(c, w);
		return PW_ERR_INVAL;
	}
	if (strchr(cmds[i].name, ' ') != NULL) {
		drop_sub(w, &sub);
		w = &sub;
	}
	c->cmd = cmds[i].cmd;
	extra = w->seen & ~(O_GLOBALS | cmds[i].opts);
	for (o = 0; o < O_COUNT; o++)
		if (extra & O_BIT(o))
			set_err(c, _("option %s does not apply to %s"),
			    opts[o].name, cmds[i].name);
	if (cmds[i].max_ops == PW_TARGETS_MAX && w->nops > PW_TARGETS_MAX)
		set_err(c, _("too many accounts in one command (max %d)"),
		    PW_TARGETS_MAX);
	else if (w->nops > cmds[i].max_ops)
		set_err(c, _("unexpected argument \"%s\" for %s"),
		    show(w->ops[cmds[i].max_ops], sb, sizeof(sb)),
		    cmds[i].name);
	else if (w->nops < cmds[i].min_ops)
		set_err(c, _("%s needs %s"), cmds[i].name, _(cmds[i].need));
	if (c->err[0] != '\0')
		return PW_ERR_INVAL;
	set_flags(c, w);
	cmds[i].fill(c, w);
	return c->err[0] == '\0' ? PW_OK : PW_ERR_INVAL;
}

int
cli_parse(struct cli *c, int argc, char *const argv[])
{
	struct words w;

	memset(c, 0, sizeof(*c));
	memset(&w, 0, sizeof(w));
	c->socket = PW_SOCKET_DEFAULT;
	scan(c, &w, argc, argv);
	if (w.seen & O_BIT(O_HELP)) {
		c->err[0] = '\0';
		c->help = true;
		return PW_OK;
	}
	if (w.cmd == NULL)
		set_err(c, _("no command given (see pwadmin --help)"));
	if (w.val[O_SOCKET] != NULL && w.val[O_SOCKET][0] == '\0')
		set_err(c, _("the --socket path must not be empty"));
	if (c->err[0] != '\0')
		return PW_ERR_INVAL;
	if (w.val[O_SOCKET] != NULL)
		c->socket = w.val[O_SOCKET];
	c->use_stdin = (w.seen & O_BIT(O_STDIN)) != 0;
	c->json = (w.seen & O_BIT(O_JSON)) != 0;
	return check_cmd(c, &w);
}

const char *
cli_cmd_name(enum cli_cmd cmd)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "";
}

int
cli_exit_code(int status)
{
	if (status == PW_OK)
		return CLI_EXIT_OK;
	if (pw_err_unreachable(status))
		return CLI_EXIT_UNREACHABLE;
	return CLI_EXIT_REFUSED;
}

/* n decimal digits at s as a number; -1 when one is not a digit. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, for
 * y >= 1970 (H. Hinnant's days_from_civil): no timegm(), no time zone.
 */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era = yy / 400, yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int
cli_parse_time(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0;

	*out = 0;
	if ((n != 10 && n != 19 && n != 20) || s[4] != '-' || s[7] != '-')
		return PW_ERR_INVAL;
	if (n > 10 && (s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    (n == 20 && s[19] != 'Z')))
		return PW_ERR_INVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (n > 10) {
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		sec = digits(s + 17, 2);
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return PW_ERR_INVAL;
	*out = (uint64_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec);
	return PW_OK;
}
