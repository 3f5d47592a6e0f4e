/* SPDX-License-Identifier: MIT */
/*
 * pwadmin command line: a hand-written scan (options anywhere, "--" ends
 * them), then per-command checks.  Pure: no I/O, no global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
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
};

/* Commands of this release: the options each accepts, operand counts. */
static const struct {
	const char *name;
	enum cli_cmd cmd;
	unsigned opts; /* O_BIT()s besides the global ones */
	size_t min_ops, max_ops;
} cmds[] = {
	{ "init", CLI_CMD_INIT, O_BIT(O_MASTER), 0, 0 },
	{ "useradd", CLI_CMD_USERADD, O_BIT(O_ROLE), 1, 1 },
	{ "status", CLI_CMD_STATUS, 0, 0, 1 },
	{ "list", CLI_CMD_LIST, O_BIT(O_LOCKED), 0, 0 },
	{ "unlock", CLI_CMD_UNLOCK, O_BIT(O_ALL), 0, PW_TARGETS_MAX },
	{ "stats", CLI_CMD_STATS, 0, 0, 0 },
};

/* Commands of the SPEC that a later release implements. */
static const char *const later[] = { "passwd", "suspend", "resume", "reset",
	"userdel", "role", "otp", "audit", "backup" };

const char cli_usage[] =
    "usage: pwadmin [--socket PATH] [--stdin] [--json] COMMAND [ARGS]\n"
    "       pwadmin init --master USER\n"
    "       pwadmin useradd USER --role user|admin|master\n"
    "       pwadmin status [USER] [--json]\n"
    "       pwadmin list [--locked] [--json]\n"
    "       pwadmin unlock USER... | --all\n"
    "       pwadmin stats [--json]\n";

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
		set_err(c, "unknown option %s", show(a, sb, sizeof(sb)));
		return;
	}
	if (!opts[o].has_arg) {
		if (eq != NULL)
			set_err(c, "option %s takes no value", opts[o].name);
		w->seen |= O_BIT(o);
		return;
	}
	if (w->seen & O_BIT(o))
		set_err(c, "option %s given twice", opts[o].name);
	if (eq != NULL)
		w->val[o] = eq + 1;
	else if (*ip + 1 < argc)
		w->val[o] = argv[++*ip];
	else {
		set_err(c, "option %s needs a value", opts[o].name);
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
	set_err(c, "invalid account name \"%s\"", show(s, sb, sizeof(sb)));
	return false;
}

/* The options and operands that only some commands take. */
static int
fill_cmd(struct cli *c, const struct words *w)
{
	char sb[48];
	size_t i;

	switch (c->cmd) {
	case CLI_CMD_INIT:
		if (w->val[O_MASTER] == NULL)
			set_err(c, "init needs --master USER");
		else if (name_ok(c, w->val[O_MASTER]))
			c->user = w->val[O_MASTER];
		break;
	case CLI_CMD_USERADD:
		if (name_ok(c, w->ops[0]))
			c->user = w->ops[0];
		if (w->val[O_ROLE] == NULL)
			set_err(c, "useradd needs --role user|admin|master");
		else if (proto_role_parse(w->val[O_ROLE], &c->role) != PW_OK)
			set_err(c,
			    "unknown role \"%s\" (user, admin or master)",
			    show(w->val[O_ROLE], sb, sizeof(sb)));
		break;
	case CLI_CMD_STATUS:
		if (w->nops == 1 && name_ok(c, w->ops[0]))
			c->user = w->ops[0];
		break;
	case CLI_CMD_UNLOCK:
		c->all = (w->seen & O_BIT(O_ALL)) != 0;
		if (c->all && w->nops > 0)
			set_err(c,
			    "unlock takes account names or --all, not both");
		else if (!c->all && w->nops == 0)
			set_err(c, "unlock needs account names or --all");
		for (i = 0; i < w->nops && name_ok(c, w->ops[i]); i++)
			c->targets[c->ntargets++] = w->ops[i];
		break;
	default:
		c->locked = (w->seen & O_BIT(O_LOCKED)) != 0;
		break;
	}
	return c->err[0] == '\0' ? PW_OK : PW_ERR_INVAL;
}

static int
check_cmd(struct cli *c, const struct words *w)
{
	char sb[48];
	unsigned extra;
	size_t i;
	int o;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(w->cmd, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		set_err(c, "unknown command \"%s\"",
		    show(w->cmd, sb, sizeof(sb)));
		return PW_ERR_INVAL;
	}
	c->cmd = cmds[i].cmd;
	extra = w->seen & ~(O_GLOBALS | cmds[i].opts);
	for (o = 0; o < O_COUNT; o++)
		if (extra & O_BIT(o))
			set_err(c, "option %s does not apply to %s",
			    opts[o].name, cmds[i].name);
	if (c->cmd == CLI_CMD_UNLOCK && w->nops > PW_TARGETS_MAX)
		set_err(c, "too many accounts in one command (max %d)",
		    PW_TARGETS_MAX);
	else if (w->nops > cmds[i].max_ops)
		set_err(c, "unexpected argument \"%s\" for %s",
		    show(w->ops[cmds[i].max_ops], sb, sizeof(sb)),
		    cmds[i].name);
	else if (w->nops < cmds[i].min_ops)
		set_err(c, "%s needs an account name", cmds[i].name);
	if (c->err[0] != '\0')
		return PW_ERR_INVAL;
	return fill_cmd(c, w);
}

int
cli_parse(struct cli *c, int argc, char *const argv[])
{
	struct words w;
	size_t i;

	memset(c, 0, sizeof(*c));
	memset(&w, 0, sizeof(w));
	c->socket = PW_SOCKET_DEFAULT;
	scan(c, &w, argc, argv);
	if (w.seen & O_BIT(O_HELP)) {
		c->err[0] = '\0';
		c->help = true;
		return PW_OK;
	}
	for (i = 0; w.cmd != NULL && i < sizeof(later) / sizeof(later[0]); i++)
		if (strcmp(w.cmd, later[i]) == 0) {
			c->err[0] = '\0';
			set_err(c, "%s is not available in this release",
			    later[i]);
		}
	if (w.cmd == NULL)
		set_err(c, "no command given (see pwadmin --help)");
	if (w.val[O_SOCKET] != NULL && w.val[O_SOCKET][0] == '\0')
		set_err(c, "the --socket path must not be empty");
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

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
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
