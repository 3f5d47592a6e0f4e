/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the client's pure parts: parsing, exit codes, --stdin
 * lines, output (text and JSON, the reset summary, audit entries), LIST
 * and AUDIT paging, the descriptor-passing call, the PASSWD request, OTP
 * enrolment (the URI flushed before the code is read), the QR code, the
 * otp unlock and otp remove requests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <qrencode.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "pwerr.h"

#define POOL_N 80
#define JSTR(o, k) json_string_value(json_object_get((o), (k)))
#define JINT(o, k) json_integer_value(json_object_get((o), (k)))

/* Writable copies of the words (cli_parse takes main's char *argv[]). */
static char pool[POOL_N][80];
static char *pool_argv[POOL_N + 1];

static int
parse_arr(struct cli *c, int argc, const char *const *words)
{
	int i;

	assert_true(argc <= POOL_N);
	for (i = 0; i < argc; i++) {
		assert_true(strlen(words[i]) < sizeof(pool[i]));
		snprintf(pool[i], sizeof(pool[i]), "%s", words[i]);
		pool_argv[i] = pool[i];
	}
	pool_argv[argc] = NULL;
	return cli_parse(c, argc, pool_argv);
}

#define PARSE(c, ...)                                                  \
	parse_arr((c),                                                 \
	    (int)(sizeof((const char *[]){ "pwadmin", __VA_ARGS__ }) /  \
		sizeof(const char *)),                                 \
	    (const char *[]){ "pwadmin", __VA_ARGS__ })

/* ---- argument parsing ---- */

static void
test_parse_globals_anywhere(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "status", "--json", "alice", "--socket",
	    "/tmp/s"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_STATUS);
	assert_string_equal(c.user, "alice");
	assert_true(c.json);
	assert_false(c.use_stdin);
	assert_string_equal(c.socket, "/tmp/s");

	assert_int_equal(PARSE(&c, "--stdin", "--socket=/x/y", "useradd",
	    "--role", "admin", "bob"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_USERADD);
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.role, PW_ROLE_ADMIN);
	assert_true(c.use_stdin);
	assert_string_equal(c.socket, "/x/y");

	assert_int_equal(PARSE(&c, "status"), PW_OK);
	assert_null(c.user);
	assert_string_equal(c.socket, PW_SOCKET_DEFAULT);

	assert_int_equal(PARSE(&c, "list", "--locked"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_LIST);
	assert_true(c.locked);

	assert_int_equal(PARSE(&c, "init", "--master=root2"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_INIT);
	assert_string_equal(c.user, "root2");

	assert_int_equal(PARSE(&c, "stats", "--json"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_STATS);
	assert_string_equal(cli_cmd_name(c.cmd), "stats");
}

static void
test_parse_unlock(void **state)
{
	const char *argv[2 + PW_TARGETS_MAX + 1];
	char names[PW_TARGETS_MAX + 1][8];
	struct cli c;
	int i;

	(void)state;
	assert_int_equal(PARSE(&c, "unlock", "--all"), PW_OK);
	assert_true(c.all);
	assert_int_equal(c.ntargets, 0);

	assert_int_equal(PARSE(&c, "unlock", "a", "--stdin", "b"), PW_OK);
	assert_false(c.all);
	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[0], "a");
	assert_string_equal(c.targets[1], "b");

	argv[0] = "pwadmin";
	argv[1] = "unlock";
	for (i = 0; i <= PW_TARGETS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "u%d", i);
		argv[2 + i] = names[i];
	}
	assert_int_equal(parse_arr(&c, 2 + PW_TARGETS_MAX, argv), PW_OK);
	assert_int_equal(c.ntargets, PW_TARGETS_MAX);
	assert_string_equal(c.targets[PW_TARGETS_MAX - 1], "u63");
	assert_int_equal(parse_arr(&c, 2 + PW_TARGETS_MAX + 1, argv),
	    PW_ERR_INVAL);
	assert_string_equal(c.err, "too many accounts in one command (max 64)");
}

static void
test_parse_help(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "-h"), PW_OK);
	assert_true(c.help);
	assert_int_equal(PARSE(&c, "status", "--bogus", "--help"), PW_OK);
	assert_true(c.help);
	assert_non_null(strstr(cli_usage, "unlock USER... | --all"));
	assert_non_null(strstr(cli_usage, "suspend USER... [--force]"));
	assert_non_null(strstr(cli_usage, "resume USER..."));
	assert_non_null(strstr(cli_usage,
	    "reset USER [--login] [--confirm] [--no-force-change]"));
	assert_non_null(strstr(cli_usage, "userdel USER [--force]"));
	assert_non_null(strstr(cli_usage, "role USER user|admin|master"));
	assert_non_null(strstr(cli_usage, "audit --verify"));
	assert_non_null(strstr(cli_usage, "backup FILE"));
	assert_non_null(strstr(cli_usage, "passwd [--login] [--confirm]"));
	assert_non_null(strstr(cli_usage, "pwadmin otp enroll\n"));
	assert_non_null(strstr(cli_usage, "pwadmin otp unlock USER... | "
	    "--all\n"));
	assert_non_null(strstr(cli_usage, "pwadmin otp remove USER\n"));
	assert_int_equal(PARSE(&c, "otp", "--help"), PW_OK);
	assert_true(c.help);
}

static void
test_parse_admin(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "suspend", "a", "--force", "b"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_SUSPEND);
	assert_string_equal(cli_cmd_name(c.cmd), "suspend");
	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[0], "a");
	assert_string_equal(c.targets[1], "b");
	assert_int_equal(c.flags, PW_F_FORCE);
	assert_int_equal(PARSE(&c, "suspend", "a"), PW_OK);
	assert_int_equal(c.flags, 0);

	assert_int_equal(PARSE(&c, "--stdin", "resume", "x@y.z"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_RESUME);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0], "x@y.z");
	assert_true(c.use_stdin);
	assert_int_equal(c.flags, 0);

	assert_int_equal(PARSE(&c, "userdel", "bob"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_USERDEL);
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.flags, 0);
	assert_int_equal(PARSE(&c, "userdel", "--force", "bob", "--json"),
	    PW_OK);
	assert_int_equal(c.flags, PW_F_FORCE);
	assert_true(c.json);

	assert_int_equal(PARSE(&c, "role", "bob", "master"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_ROLE);
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.role, PW_ROLE_MASTER);
	assert_int_equal(c.flags, 0);
	assert_int_equal(PARSE(&c, "role", "--force", "bob", "user"), PW_OK);
	assert_int_equal(c.role, PW_ROLE_USER);
	assert_int_equal(c.flags, PW_F_FORCE);

	assert_int_equal(PARSE(&c, "backup", "/var/backups/pw.mdb"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_BACKUP);
	assert_string_equal(c.file, "/var/backups/pw.mdb");
	/* After "--" a file name may start with '-'. */
	assert_int_equal(PARSE(&c, "backup", "--", "-odd"), PW_OK);
	assert_string_equal(c.file, "-odd");
}

static void
test_parse_reset(void **state)
{
	struct cli c;

	(void)state;
	/* Neither --login nor --confirm: both. */
	assert_int_equal(PARSE(&c, "reset", "bob"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_RESET);
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_CONFIRM);
	assert_int_equal(PARSE(&c, "reset", "--login", "bob"), PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN);
	assert_int_equal(PARSE(&c, "reset", "bob", "--confirm"), PW_OK);
	assert_int_equal(c.flags, PW_F_CONFIRM);
	assert_int_equal(PARSE(&c, "reset", "bob", "--confirm", "--login"),
	    PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_CONFIRM);
	assert_int_equal(PARSE(&c, "reset", "bob", "--no-force-change"),
	    PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE);
	assert_int_equal(PARSE(&c, "--json", "reset", "--login",
	    "--no-force-change", "bob"), PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_NO_FORCE);
	assert_true(c.json);
}

static void
test_parse_passwd(void **state)
{
	struct cli c;

	(void)state;
	/* Neither --login nor --confirm: both; no account name. */
	assert_int_equal(PARSE(&c, "passwd"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_PASSWD);
	assert_string_equal(cli_cmd_name(c.cmd), "passwd");
	assert_null(c.user);
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_CONFIRM);
	assert_false(c.use_stdin);
	assert_int_equal(PARSE(&c, "passwd", "--login"), PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN);
	assert_int_equal(PARSE(&c, "--confirm", "passwd"), PW_OK);
	assert_int_equal(c.flags, PW_F_CONFIRM);
	assert_int_equal(PARSE(&c, "passwd", "--confirm", "--login"), PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN | PW_F_CONFIRM);
	assert_int_equal(PARSE(&c, "--stdin", "passwd", "--login", "--json",
	    "--socket", "/tmp/s"), PW_OK);
	assert_int_equal(c.flags, PW_F_LOGIN);
	assert_true(c.use_stdin);
	assert_true(c.json);
	assert_string_equal(c.socket, "/tmp/s");
}

static void
test_parse_audit(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "audit"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_AUDIT);
	assert_false(c.verify);
	assert_int_equal(c.since, 0);
	assert_int_equal(PARSE(&c, "audit", "--since", "2026-11-27", "--json"),
	    PW_OK);
	assert_int_equal(c.since, 1795737600);
	assert_true(c.json);
	assert_int_equal(PARSE(&c, "audit", "--since=2026-11-27T13:05:00Z"),
	    PW_OK);
	assert_int_equal(c.since, 1795737600 + 13 * 3600 + 5 * 60);
	assert_int_equal(PARSE(&c, "audit", "--verify"), PW_OK);
	assert_true(c.verify);
	assert_int_equal(c.since, 0);
	assert_int_equal(PARSE(&c, "audit", "--verify", "--json"), PW_OK);
	assert_true(c.verify);
}

static void
test_parse_time(void **state)
{
	static const struct {
		const char *s;
		uint64_t t;
	} good[] = {
		{ "1970-01-01", 0 },
		{ "1970-01-01T00:00:00", 0 },
		{ "1970-01-01T00:00:01Z", 1 },
		{ "2000-02-29", 951782400 },
		{ "2023-11-14T22:13:20Z", 1700000000 },
		{ "2023-11-14T22:13:20", 1700000000 },
		{ "2024-12-31T23:59:59Z", 1735689599 },
		{ "2026-11-27", 1795737600 },
		{ "2026-11-27T13:05:00Z", 1795784700 },
		{ "9999-12-31T23:59:59Z", 253402300799ULL },
	};
	static const char *const badt[] = {
		"", "2026", "2026-11", "2026-1-27", "2026-11-7", "26-11-27",
		"2026/11/27", "2026-11-27Z", "2026-11-27T", "2026-11-27T13:05",
		"2026-11-27 13:05:00", "2026-11-27t13:05:00", "2026-11-27T13:05:00z",
		"2026-11-27T13:05:00+01:00", "2026-11-27T13:05:00.5Z",
		"2026-11-27T13:05:00ZZ", " 2026-11-27", "2026-11-27 ",
		"2026-00-10", "2026-13-10", "2026-11-00", "2026-11-31",
		"2026-02-29", "1900-02-29", "2100-02-29", "1969-12-31",
		"0000-01-01", "2026-11-27T24:00:00", "2026-11-27T23:60:00",
		"2026-11-27T23:59:60", "2026-11-27T-1:00:00", "+026-11-27",
		"2026-+1-27", "2026-11-2a", "yesterday", "1795737600",
	};
	uint64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 42;
		assert_int_equal(cli_parse_time(good[i].s, &t), PW_OK);
		assert_int_equal(t, good[i].t);
	}
	for (i = 0; i < sizeof(badt) / sizeof(badt[0]); i++) {
		t = 42;
		if (cli_parse_time(badt[i], &t) != PW_ERR_INVAL)
			fail_msg("accepted \"%s\"", badt[i]);
		assert_int_equal(t, 0);
	}
}

static const struct {
	int argc;
	const char *argv[6];
	const char *err;
} bad[] = {
	{ 1, { "pwadmin" }, "no command given (see pwadmin --help)" },
	{ 2, { "pwadmin", "bogus" }, "unknown command \"bogus\"" },
	{ 3, { "pwadmin", "status", "--frob" }, "unknown option --frob" },
	{ 3, { "pwadmin", "status", "-x" }, "unknown option -x" },
	{ 3, { "pwadmin", "status", "--socket" },
	    "option --socket needs a value" },
	{ 3, { "pwadmin", "status", "--socket=" },
	    "the --socket path must not be empty" },
	{ 3, { "pwadmin", "status", "--json=1" },
	    "option --json takes no value" },
	{ 5, { "pwadmin", "--socket", "a", "--socket", "b" },
	    "option --socket given twice" },
	{ 4, { "pwadmin", "status", "a", "b" },
	    "unexpected argument \"b\" for status" },
	{ 3, { "pwadmin", "list", "x" }, "unexpected argument \"x\" for list" },
	{ 3, { "pwadmin", "stats", "x" },
	    "unexpected argument \"x\" for stats" },
	{ 3, { "pwadmin", "status", "bad name" },
	    "invalid account name \"bad name\"" },
	{ 3, { "pwadmin", "status", "-" }, "invalid account name \"-\"" },
	{ 4, { "pwadmin", "status", "--", "-x" },
	    "invalid account name \"-x\"" },
	{ 3, { "pwadmin", "status", "a\x1b[2J" },
	    "invalid account name \"a?[2J\"" },
	{ 4, { "pwadmin", "useradd", "--role", "user" },
	    "useradd needs an account name" },
	{ 3, { "pwadmin", "useradd", "bob" },
	    "useradd needs --role user|admin|master" },
	{ 5, { "pwadmin", "useradd", "bob", "--role", "root" },
	    "unknown role \"root\" (user, admin or master)" },
	{ 5, { "pwadmin", "useradd", ".bob", "--role", "user" },
	    "invalid account name \".bob\"" },
	{ 2, { "pwadmin", "init" }, "init needs --master USER" },
	{ 3, { "pwadmin", "init", "--master=a b" },
	    "invalid account name \"a b\"" },
	{ 4, { "pwadmin", "init", "--master=a", "x" },
	    "unexpected argument \"x\" for init" },
	{ 3, { "pwadmin", "status", "--all" },
	    "option --all does not apply to status" },
	{ 4, { "pwadmin", "unlock", "--role", "user" },
	    "option --role does not apply to unlock" },
	{ 3, { "pwadmin", "list", "--master=x" },
	    "option --master does not apply to list" },
	{ 2, { "pwadmin", "unlock" }, "unlock needs account names or --all" },
	{ 4, { "pwadmin", "unlock", "a", "--all" },
	    "unlock takes account names or --all, not both" },
	{ 4, { "pwadmin", "unlock", "a", "b c" },
	    "invalid account name \"b c\"" },
	/* suspend, resume */
	{ 2, { "pwadmin", "suspend" }, "suspend needs an account name" },
	{ 3, { "pwadmin", "suspend", "--force" },
	    "suspend needs an account name" },
	{ 3, { "pwadmin", "suspend", "--all" },
	    "option --all does not apply to suspend" },
	{ 4, { "pwadmin", "suspend", "a", "-b" }, "unknown option -b" },
	{ 4, { "pwadmin", "suspend", "a", "b/c" },
	    "invalid account name \"b/c\"" },
	{ 2, { "pwadmin", "resume" }, "resume needs an account name" },
	{ 4, { "pwadmin", "resume", "a", "--force" },
	    "option --force does not apply to resume" },
	{ 4, { "pwadmin", "resume", "a", "--login" },
	    "option --login does not apply to resume" },
	/* reset */
	{ 2, { "pwadmin", "reset" }, "reset needs an account name" },
	{ 3, { "pwadmin", "reset", "--login" }, "reset needs an account name" },
	{ 4, { "pwadmin", "reset", "a", "b" },
	    "unexpected argument \"b\" for reset" },
	{ 4, { "pwadmin", "reset", "a", "--force" },
	    "option --force does not apply to reset" },
	{ 3, { "pwadmin", "reset", ".a" }, "invalid account name \".a\"" },
	{ 4, { "pwadmin", "reset", "a", "--no-force" },
	    "unknown option --no-force" },
	{ 4, { "pwadmin", "reset", "a", "--login=yes" },
	    "option --login takes no value" },
	/* passwd: always the caller's own account */
	{ 3, { "pwadmin", "passwd", "bob" },
	    "unexpected argument \"bob\" for passwd" },
	{ 4, { "pwadmin", "passwd", "--login", "bob" },
	    "unexpected argument \"bob\" for passwd" },
	{ 3, { "pwadmin", "passwd", "--frob" }, "unknown option --frob" },
	{ 3, { "pwadmin", "passwd", "--no-force-change" },
	    "option --no-force-change does not apply to passwd" },
	{ 3, { "pwadmin", "passwd", "--force" },
	    "option --force does not apply to passwd" },
	{ 4, { "pwadmin", "passwd", "--role", "user" },
	    "option --role does not apply to passwd" },
	{ 3, { "pwadmin", "passwd", "--all" },
	    "option --all does not apply to passwd" },
	{ 3, { "pwadmin", "passwd", "--login=yes" },
	    "option --login takes no value" },
	/* userdel */
	{ 2, { "pwadmin", "userdel" }, "userdel needs an account name" },
	{ 4, { "pwadmin", "userdel", "a", "b" },
	    "unexpected argument \"b\" for userdel" },
	{ 4, { "pwadmin", "userdel", "a", "--all" },
	    "option --all does not apply to userdel" },
	{ 3, { "pwadmin", "userdel", "a b" }, "invalid account name \"a b\"" },
	/* role */
	{ 2, { "pwadmin", "role" },
	    "role needs an account name and a role (user, admin or master)" },
	{ 3, { "pwadmin", "role", "bob" },
	    "role needs an account name and a role (user, admin or master)" },
	{ 4, { "pwadmin", "role", "bob", "root" },
	    "unknown role \"root\" (user, admin or master)" },
	{ 4, { "pwadmin", "role", "bob", "Admin" },
	    "unknown role \"Admin\" (user, admin or master)" },
	{ 5, { "pwadmin", "role", "bob", "admin", "x" },
	    "unexpected argument \"x\" for role" },
	{ 4, { "pwadmin", "role", "-", "admin" }, "invalid account name \"-\"" },
	{ 5, { "pwadmin", "role", "bob", "admin", "--role=user" },
	    "option --role does not apply to role" },
	/* audit */
	{ 3, { "pwadmin", "audit", "x" }, "unexpected argument \"x\" for audit" },
	{ 3, { "pwadmin", "audit", "--since" }, "option --since needs a value" },
	{ 4, { "pwadmin", "audit", "--since", "today" },
	    "invalid --since time \"today\" (YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SS[Z], UTC)" },
	{ 3, { "pwadmin", "audit", "--since=2026-11-27 13:00:00" },
	    "invalid --since time \"2026-11-27 13:00:00\" (YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SS[Z], UTC)" },
	{ 5, { "pwadmin", "audit", "--since", "a", "--since=b" },
	    "option --since given twice" },
	{ 5, { "pwadmin", "audit", "--verify", "--since", "2026-11-27" },
	    "audit --verify checks the whole log and takes no --since" },
	{ 3, { "pwadmin", "audit", "--force" },
	    "option --force does not apply to audit" },
	{ 3, { "pwadmin", "status", "--verify" },
	    "option --verify does not apply to status" },
	/* backup */
	{ 2, { "pwadmin", "backup" }, "backup needs a file name" },
	{ 3, { "pwadmin", "backup", "" },
	    "the backup file name must not be empty" },
	{ 4, { "pwadmin", "backup", "a", "b" },
	    "unexpected argument \"b\" for backup" },
	{ 4, { "pwadmin", "backup", "a", "--force" },
	    "option --force does not apply to backup" },
	/* otp: a sub-command word */
	{ 2, { "pwadmin", "otp" },
	    "otp needs a sub-command: enroll, unlock or remove" },
	{ 3, { "pwadmin", "otp", "--all" },
	    "otp needs a sub-command: enroll, unlock or remove" },
	{ 3, { "pwadmin", "otp", "verify" },
	    "unknown otp sub-command \"verify\" (enroll, unlock or remove)" },
	{ 3, { "pwadmin", "otp", "Enroll" },
	    "unknown otp sub-command \"Enroll\" (enroll, unlock or remove)" },
	{ 4, { "pwadmin", "otp", "a\x1b[2J", "enroll" },
	    "unknown otp sub-command \"a?[2J\" (enroll, unlock or remove)" },
	{ 2, { "pwadmin", "enroll" }, "unknown command \"enroll\"" },
	{ 3, { "pwadmin", "otp-enroll", "x" },
	    "unknown command \"otp-enroll\"" },
	{ 4, { "pwadmin", "otp", "enroll", "alice" },
	    "unexpected argument \"alice\" for otp enroll" },
	{ 4, { "pwadmin", "otp", "enroll", "--all" },
	    "option --all does not apply to otp enroll" },
	{ 4, { "pwadmin", "otp", "enroll", "--login" },
	    "option --login does not apply to otp enroll" },
	{ 3, { "pwadmin", "otp", "unlock" },
	    "otp unlock needs account names or --all" },
	{ 5, { "pwadmin", "otp", "unlock", "a", "--all" },
	    "otp unlock takes account names or --all, not both" },
	{ 5, { "pwadmin", "otp", "unlock", "a", "--force" },
	    "option --force does not apply to otp unlock" },
	{ 5, { "pwadmin", "otp", "unlock", "a", "b c" },
	    "invalid account name \"b c\"" },
	{ 3, { "pwadmin", "otp", "remove" }, "otp remove needs an account name" },
	{ 5, { "pwadmin", "otp", "remove", "a", "b" },
	    "unexpected argument \"b\" for otp remove" },
	{ 5, { "pwadmin", "otp", "remove", "a", "--all" },
	    "option --all does not apply to otp remove" },
	{ 5, { "pwadmin", "otp", "remove", "a", "--force" },
	    "option --force does not apply to otp remove" },
	{ 4, { "pwadmin", "otp", "remove", ".a" },
	    "invalid account name \".a\"" },
};

static void
test_parse_errors(void **state)
{
	struct cli c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_arr(&c, bad[i].argc, bad[i].argv),
		    PW_ERR_INVAL);
		assert_string_equal(c.err, bad[i].err);
	}
}

static void
test_parse_long_name(void **state)
{
	char name[PW_USER_MAX + 2];
	struct cli c;

	(void)state;
	memset(name, 'a', PW_USER_MAX);
	name[PW_USER_MAX] = '\0';
	assert_int_equal(PARSE(&c, "status", name), PW_OK);
	name[PW_USER_MAX] = 'a';
	name[PW_USER_MAX + 1] = '\0';
	assert_int_equal(PARSE(&c, "status", name), PW_ERR_INVAL);
	assert_non_null(strstr(c.err, "invalid account name"));
	assert_true(strlen(c.err) < CLI_ERR_MAX);
}

static void
test_parse_otp(void **state)
{
	const char *argv[3 + PW_TARGETS_MAX + 1];
	char names[PW_TARGETS_MAX + 1][8];
	struct cli c;
	int i;

	(void)state;
	/* otp is a command of this release now */
	assert_int_equal(PARSE(&c, "otp", "enroll"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_OTP_ENROLL);
	assert_string_equal(cli_cmd_name(c.cmd), "otp enroll");
	assert_null(c.user);
	assert_int_equal(c.ntargets, 0);
	assert_int_equal(c.flags, 0);

	/* options anywhere, also between the two words */
	assert_int_equal(PARSE(&c, "--stdin", "otp", "--json", "enroll",
	    "--socket=/s"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_OTP_ENROLL);
	assert_true(c.use_stdin);
	assert_true(c.json);
	assert_string_equal(c.socket, "/s");

	assert_int_equal(PARSE(&c, "otp", "unlock", "alice", "bob"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_OTP_UNLOCK);
	assert_string_equal(cli_cmd_name(c.cmd), "otp unlock");
	assert_false(c.all);
	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[0], "alice");
	assert_string_equal(c.targets[1], "bob");

	assert_int_equal(PARSE(&c, "otp", "--all", "unlock"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_OTP_UNLOCK);
	assert_true(c.all);
	assert_int_equal(c.ntargets, 0);

	/* The sub-command word is not an account name: "--" ends options. */
	assert_int_equal(PARSE(&c, "otp", "unlock", "--", "enroll"), PW_OK);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0], "enroll");

	assert_int_equal(PARSE(&c, "otp", "remove", "bob"), PW_OK);
	assert_int_equal(c.cmd, CLI_CMD_OTP_REMOVE);
	assert_string_equal(cli_cmd_name(c.cmd), "otp remove");
	assert_string_equal(c.user, "bob");
	assert_int_equal(c.ntargets, 0);

	/* 64 accounts in one otp unlock, not 65 */
	argv[0] = "pwadmin";
	argv[1] = "otp";
	argv[2] = "unlock";
	for (i = 0; i <= PW_TARGETS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "u%d", i);
		argv[3 + i] = names[i];
	}
	assert_int_equal(parse_arr(&c, 3 + PW_TARGETS_MAX, argv), PW_OK);
	assert_int_equal(c.ntargets, PW_TARGETS_MAX);
	assert_string_equal(c.targets[0], "u0");
	assert_string_equal(c.targets[PW_TARGETS_MAX - 1], "u63");
	assert_int_equal(parse_arr(&c, 3 + PW_TARGETS_MAX + 1, argv),
	    PW_ERR_INVAL);
	assert_string_equal(c.err, "too many accounts in one command (max 64)");

	/* "not available in this release" is gone */
	assert_int_equal(PARSE(&c, "otp"), PW_ERR_INVAL);
	assert_null(strstr(c.err, "not available"));
}

/* ---- exit codes ---- */

static void
test_exit_codes(void **state)
{
	int r, want;

	(void)state;
	assert_int_equal(cli_exit_code(PW_OK), CLI_EXIT_OK);
	for (r = -1; r >= PW_ERR_LAST; r--) {
		switch (r) {
		case PW_ERR_CONNECT:
		case PW_ERR_UNTRUSTED:
		case PW_ERR_TIMEOUT:
		case PW_ERR_IO:
		case PW_ERR_PROTO:
		case PW_ERR_VERSION:
		case PW_ERR_TOOLONG:
		case PW_ERR_TRUNCATED:
		case PW_ERR_TRAILING:
		case PW_ERR_NUL:
		case PW_ERR_HASH:
		case PW_ERR_READONLY:
			want = CLI_EXIT_UNREACHABLE;
			break;
		default:
			want = CLI_EXIT_REFUSED;
			break;
		}
		assert_int_equal(cli_exit_code(r), want);
		assert_string_not_equal(pw_strerror(r), "unknown error");
	}
	assert_int_equal(cli_exit_code(PW_ERR_AUTH), CLI_EXIT_REFUSED);
	assert_int_equal(cli_exit_code(PW_ERR_CONFIRM_LOCKED),
	    CLI_EXIT_REFUSED);
	assert_int_equal(cli_exit_code(PW_ERR_LASTMASTER), CLI_EXIT_REFUSED);
	assert_int_equal(cli_exit_code(PW_ERR_LAST - 1), CLI_EXIT_REFUSED);
	assert_int_equal(cli_exit_code(7), CLI_EXIT_REFUSED);
}

/* ---- the --stdin line reader ---- */

/* A pipe holding n bytes of s, closed for writing; returns the read end. */
static int
feed(const void *s, size_t n)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], s, n), (ssize_t)n);
	close(p[1]);
	return p[0];
}

/* A pipe holding a string literal without its NUL. */
#define FEED(lit) feed((lit), sizeof(lit) - 1)

static void
test_read_line(void **state)
{
	static const char in[] = "plain\ncrlf\r\n\nmid\rcr\nlast";
	char buf[PW_PASS_MAX + 1];
	size_t n = 99;
	int fd;

	(void)state;
	fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "plain");
	assert_int_equal(n, 5);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "crlf");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "");
	assert_int_equal(n, 0);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "mid\rcr");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "last"); /* no final newline */
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TRUNCATED);
	assert_int_equal(n, 0);
	close(fd);
}

static void
test_read_line_limits(void **state)
{
	char in[PW_PASS_MAX + 8], buf[PW_PASS_MAX + 1];
	size_t n;
	int fd;

	(void)state;
	/* Exactly PW_PASS_MAX bytes, with CRLF: accepted. */
	memset(in, 'x', PW_PASS_MAX);
	memcpy(in + PW_PASS_MAX, "\r\nz\n", 4);
	fd = feed(in, PW_PASS_MAX + 4);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_int_equal(n, PW_PASS_MAX);
	assert_int_equal(buf[PW_PASS_MAX], '\0');
	/* The next line is still there: nothing past a line is consumed. */
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "z");
	close(fd);

	/* One byte more: refused, never truncated; the buffer is wiped. */
	memset(in, 'y', PW_PASS_MAX + 1);
	in[PW_PASS_MAX + 1] = '\n';
	fd = feed(in, PW_PASS_MAX + 2);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[PW_PASS_MAX - 1], '\0');
	close(fd);

	/* PW_PASS_MAX bytes then "\r" and more: the '\r' is content. */
	memset(in, 'x', PW_PASS_MAX);
	memcpy(in + PW_PASS_MAX, "\rq\n", 3);
	fd = feed(in, PW_PASS_MAX + 3);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	close(fd);

	/* Without a newline at the end of input. */
	memset(in, 'x', PW_PASS_MAX + 1);
	fd = feed(in, PW_PASS_MAX + 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	close(fd);
}

static void
test_read_line_nul(void **state)
{
	static const char in[] = "ab\0cd\n";
	char buf[PW_PASS_MAX + 1];
	size_t n;
	int fd;

	(void)state;
	fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_NUL);
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '\0');
	close(fd);

	fd = FEED("");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TRUNCATED);
	close(fd);
	assert_int_equal(prompt_read_line(-1, buf, sizeof(buf), &n), PW_ERR_IO);
}

/* ---- secrets from --stdin, in the SPEC's order, each once ---- */

static void
test_stdin_order(void **state)
{
	static const char in[] = "Login-pass1\r\nConfirm-pass2\nActor-pass3\n";
	struct prompt_src src = { .use_stdin = true };
	struct pw_secret login, confirm, actor;

	(void)state;
	src.fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_new_pair(&src, "alice", &login, &confirm),
	    CLI_EXIT_OK);
	assert_int_equal(prompt_actor(&src, &actor), CLI_EXIT_OK);
	assert_string_equal(login.buf, "Login-pass1");
	assert_int_equal(login.len, 11);
	assert_string_equal(confirm.buf, "Confirm-pass2");
	assert_string_equal(actor.buf, "Actor-pass3");
	/* Nothing more: the next secret finds the end of input. */
	assert_int_equal(prompt_actor(&src, &actor), CLI_EXIT_USAGE);
	assert_int_equal(actor.len, 0);
	close(src.fd);
}

static void
test_stdin_refusals(void **state)
{
	struct prompt_src src = { .use_stdin = true };
	struct pw_secret login, confirm;

	(void)state;
	/* Equal login and confirmation: refused (1), both wiped. */
	src.fd = FEED("same-pass1\nsame-pass1\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_REFUSED);
	assert_int_equal(login.len, 0);
	assert_int_equal(login.buf[0], '\0');
	assert_int_equal(confirm.buf[0], '\0');
	close(src.fd);

	/* Standard input ends before the confirmation password. */
	src.fd = FEED("only-one\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	assert_int_equal(login.buf[0], '\0');
	close(src.fd);

	/* A control character in a new password: refused (2). */
	src.fd = FEED("tab\there\nx\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	close(src.fd);

	/* Not UTF-8 in a new password. */
	src.fd = FEED("bad\xff\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	close(src.fd);

	/* UTF-8 is fine in a new password; any bytes in the actor's. */
	src.fd = FEED("p\xc3\xa4ss-w0rd\nZweites-2\nx\x01y\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_OK);
	assert_string_equal(login.buf, "p\xc3\xa4ss-w0rd");
	assert_int_equal(prompt_actor(&src, &confirm), CLI_EXIT_OK);
	assert_string_equal(confirm.buf, "x\x01y");
	close(src.fd);
}

/* ---- output ---- */

static void
fill_account(struct pw_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "alice");
	a->role = PW_ROLE_ADMIN;
	a->login_locked = true;
	a->confirm_locked = false;
	a->suspended = true;
	a->otp = PW_OTP_LOCKED;
	a->must_change = PW_MUST_LOGIN | PW_MUST_CONFIRM;
	a->login_failures = 5;
	a->confirm_failures = 2;
	a->otp_failures = 4294967295u;
	a->login_expires = 1700000000; /* 2023-11-14T22:13:20Z */
	a->confirm_expires = 0;
}

static void
test_date(void **state)
{
	char buf[OUTPUT_DATE_MAX];

	(void)state;
	assert_int_equal(output_date(1700000000, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "2023-11-14");
	assert_int_equal(output_date(86399, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "1970-01-01");
	assert_int_equal(output_date(253402300799LL, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "9999-12-31");
	assert_int_equal(output_date(253402300800LL, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_string_equal(buf, "");
	assert_int_equal(output_date(0, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_date(-1, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_date(INT64_MIN, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_int_equal(output_date(1700000000, buf, 10), PW_ERR_INVAL);
}

/* The account object after a dump and a parse (the caller decrefs). */
static json_t *
roundtrip(const json_t *doc)
{
	json_error_t jerr;
	json_t *back;
	char *s;

	assert_non_null(s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS));
	back = json_loads(s, 0, &jerr);
	free(s);
	assert_non_null(back);
	return back;
}

static void
test_account_json(void **state)
{
	struct pw_account a;
	json_t *doc, *o, *mc;

	(void)state;
	fill_account(&a);
	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 12);
	assert_string_equal(JSTR(o, "name"), "alice");
	assert_string_equal(JSTR(o, "role"), "admin");
	assert_string_equal(JSTR(o, "login"), "locked");
	assert_string_equal(JSTR(o, "confirm"), "available");
	assert_string_equal(JSTR(o, "service"), "suspended");
	assert_string_equal(JSTR(o, "otp"), "locked");
	mc = json_object_get(o, "must_change");
	assert_true(json_is_array(mc));
	assert_int_equal(json_array_size(mc), 2);
	assert_string_equal(json_string_value(json_array_get(mc, 0)), "login");
	assert_string_equal(json_string_value(json_array_get(mc, 1)),
	    "confirm");
	assert_string_equal(JSTR(o, "login_expires"), "2023-11-14");
	assert_true(json_is_null(json_object_get(o, "confirm_expires")));
	assert_int_equal(JINT(o, "login_failures"), 5);
	assert_int_equal(JINT(o, "confirm_failures"), 2);
	assert_int_equal(JINT(o, "otp_failures"), 4294967295LL);
	json_decref(o);
}

static void
test_account_json_plain(void **state)
{
	struct pw_account a;
	json_t *doc, *o;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "u1");
	a.role = PW_ROLE_MASTER;
	a.otp = PW_OTP_AVAILABLE;
	a.confirm_expires = 86400 * 2;
	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_string_equal(JSTR(o, "role"), "master");
	assert_string_equal(JSTR(o, "login"), "available");
	assert_string_equal(JSTR(o, "service"), "available");
	assert_string_equal(JSTR(o, "otp"), "available");
	assert_int_equal(json_array_size(json_object_get(o, "must_change")), 0);
	assert_true(json_is_null(json_object_get(o, "login_expires")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "confirm_expires")), "1970-01-03");
	json_decref(o);

	a.otp = PW_OTP_NONE;
	a.login_expires = -5; /* a u64 past INT64_MAX from the wire */
	doc = (json_t *)1;
	assert_int_equal(output_account_json(&a, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_accounts_json(void **state)
{
	struct pw_account a[2];
	json_t *doc, *o, *arr;

	(void)state;
	fill_account(&a[0]);
	fill_account(&a[1]);
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 1);
	arr = json_object_get(o, "accounts");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(JSTR(json_array_get(arr, 1), "name"), "bob");
	json_decref(o);

	assert_int_equal(output_accounts_json(NULL, 0, &doc), PW_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "accounts")), 0);
	json_decref(doc);

	a[1].confirm_expires = 253402300800LL;
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_stats_json(void **state)
{
	uint64_t v[PW_STAT_COUNT + 1];
	json_t *doc, *o, *ctr;
	size_t i;

	(void)state;
	for (i = 0; i < PW_STAT_COUNT + 1; i++)
		v[i] = i * 1000;
	assert_int_equal(output_stats_json(v, PW_STAT_COUNT + 1, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	ctr = json_object_get(o, "counters");
	assert_int_equal(json_object_size(ctr), PW_STAT_COUNT + 1);
	for (i = 0; i < PW_STAT_COUNT; i++)
		assert_int_equal(json_integer_value(json_object_get(ctr,
		    proto_stat_name((unsigned)i))), i * 1000);
	{
		char name[32];

		snprintf(name, sizeof(name), "counter_%d", PW_STAT_COUNT);
		assert_int_equal(json_integer_value(json_object_get(ctr, name)),
		    PW_STAT_COUNT * 1000);
	}
	json_decref(o);

	v[3] = UINT64_MAX;
	assert_int_equal(output_stats_json(v, 4, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

/* The text fp received, as a new string (the caller frees). */
static char *
captured(FILE *fp, char **bufp)
{
	assert_int_equal(fclose(fp), 0);
	return *bufp;
}

static void
test_account_text(void **state)
{
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_account_text(fp, &a), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "name: alice\nrole: admin\nlogin: locked\nconfirm: available\n"
	    "service: suspended\notp: locked\nmust_change: login,confirm\n"
	    "login_expires: 2023-11-14\nconfirm_expires: never\n"
	    "login_failures: 5\nconfirm_failures: 2\n"
	    "otp_failures: 4294967295\n");
	free(buf);
}

static void
test_list_text(void **state)
{
	struct pw_account a[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a[0]);
	memset(&a[1], 0, sizeof(a[1]));
	snprintf(a[1].name, sizeof(a[1].name), "a-much-longer-name");
	a[1].role = PW_ROLE_USER;
	a[1].must_change = PW_MUST_CONFIRM;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 2), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "NAME                ROLE   LOGIN      CONFIRM    SERVICE    OTP     MUST-CHANGE    FAILURES\n"
	    "alice               admin  locked     available  suspended  locked  login,confirm  5/2/4294967295\n"
	    "a-much-longer-name  user   available  available  available  none    confirm        0/0/0\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf), "No accounts.\n");
	free(buf);

	buf = NULL;
	a[1].login_expires = -1;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 2), PW_ERR_PROTO);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
}

static void
test_changed_stats_text(void **state)
{
	uint64_t v[PW_STAT_COUNT + 2] = { 7, 0, 12345678901234ULL };
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a);
	a.login_locked = false;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, &a, 1), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: login available, confirm available, service suspended\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_stats_text(fp, v, 3), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "requests          7\n"
	    "requests_auth     0\n"
	    "requests_account  12345678901234\n");
	free(buf);

	/* Counters past the known names (a newer daemon) are numbered. */
	buf = NULL;
	v[PW_STAT_COUNT + 1] = 42;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_stats_text(fp, v, PW_STAT_COUNT + 2), PW_OK);
	assert_non_null(fp);
	fclose(fp);
	{
		char want[64];

		/* numbered after the known names; padded like the rest */
		snprintf(want, sizeof(want), "\ncounter_%d ", PW_STAT_COUNT + 1);
		assert_non_null(strstr(buf, want));
		assert_non_null(strstr(strstr(buf, want), " 42\n"));
	}
	free(buf);
}

static void
test_changed_text(void **state)
{
	struct pw_account a[2];
	char *buf = NULL;
	size_t len = 0;
	json_t *doc, *o, *arr;
	FILE *fp;

	(void)state;
	/* suspend of two accounts: each one's state after the change */
	fill_account(&a[0]);
	memset(&a[1], 0, sizeof(a[1]));
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	a[1].suspended = true;
	a[1].confirm_locked = true;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, a, 2), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: login locked, confirm available, service suspended\n"
	    "bob: login available, confirm locked, service suspended\n");
	free(buf);

	/* resume: service available; nothing at all for no account */
	a[1].suspended = false;
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, &a[1], 1), PW_OK);
	assert_int_equal(output_changed_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "bob: login available, confirm locked, service available\n");
	free(buf);

	/* --json: {"accounts": [...]} with the service of each */
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	arr = json_object_get(o, "accounts");
	assert_string_equal(JSTR(json_array_get(arr, 0), "service"),
	    "suspended");
	assert_string_equal(JSTR(json_array_get(arr, 1), "service"),
	    "available");
	json_decref(o);
}

static void
test_role_text(void **state)
{
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	json_t *doc, *o;
	FILE *fp;

	(void)state;
	fill_account(&a);
	a.role = PW_ROLE_MASTER;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_role_text(fp, &a), PW_OK);
	a.role = PW_ROLE_USER;
	assert_int_equal(output_role_text(fp, &a), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: role master\nalice: role user\n");
	free(buf);

	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_string_equal(JSTR(o, "role"), "user");
	json_decref(o);
}

static void
test_output_colour(void **state)
{
	(void)state;
	assert_true(output_colour(true, NULL, "xterm-256color"));
	assert_true(output_colour(true, "", "xterm"));
	assert_false(output_colour(false, NULL, "xterm"));
	assert_false(output_colour(true, "1", "xterm"));
	assert_false(output_colour(true, NULL, "dumb"));
	assert_false(output_colour(true, NULL, ""));
	assert_false(output_colour(true, NULL, NULL));
}

/* The summary of a reset of `a' with `flags', as printed. */
static char *
summary(const struct pw_account *a, uint32_t flags, bool colour)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_reset_summary(fp, a, flags, colour), PW_OK);
	return captured(fp, &buf);
}

#define HL "\033[1;30;48;5;208m"
#define NO "\033[0m"

static void
test_reset_summary(void **state)
{
	struct pw_account a;
	char *s;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "bob");
	a.role = PW_ROLE_USER;

	/* Both passwords, must change: markers without colour. */
	s = summary(&a, PW_F_LOGIN | PW_F_CONFIRM, false);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "* login password: new password\n"
	    "* confirmation password: new password\n"
	    "* must change at next login: login, confirmation\n");
	free(s);

	/* The same with colour: highlighted, no '*'. */
	s = summary(&a, PW_F_LOGIN | PW_F_CONFIRM, true);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "  " HL "login password: new password" NO "\n"
	    "  " HL "confirmation password: new password" NO "\n"
	    "  " HL "must change at next login: login, confirmation" NO "\n");
	assert_null(strchr(s, '*'));
	free(s);

	/* Login only, no forced change. */
	s = summary(&a, PW_F_LOGIN | PW_F_NO_FORCE, false);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "* login password: new password\n"
	    "  confirmation password: unchanged\n"
	    "  must change at next login: no\n");
	free(s);
	s = summary(&a, PW_F_LOGIN | PW_F_NO_FORCE, true);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "  " HL "login password: new password" NO "\n"
	    "  confirmation password: unchanged\n"
	    "  must change at next login: no\n");
	free(s);

	/* Confirmation only, on a locked and suspended admin: notes. */
	a.role = PW_ROLE_ADMIN;
	a.login_locked = true;
	a.confirm_locked = true;
	a.suspended = true;
	s = summary(&a, PW_F_CONFIRM, false);
	assert_string_equal(s,
	    "  account: bob (role admin)\n"
	    "  login password: unchanged\n"
	    "* confirmation password: new password\n"
	    "* must change at next login: confirmation\n"
	    "  note: the login password is locked; reset does not unlock it "
	    "(pwadmin unlock bob)\n"
	    "  note: the confirmation password is locked; reset does not "
	    "unlock it (pwadmin unlock bob)\n"
	    "  note: the account is suspended; reset does not resume it "
	    "(pwadmin resume bob)\n");
	free(s);

	/* Notes are never highlighted. */
	a.confirm_locked = false;
	a.suspended = false;
	s = summary(&a, PW_F_CONFIRM, true);
	assert_string_equal(s,
	    "  account: bob (role admin)\n"
	    "  login password: unchanged\n"
	    "  " HL "confirmation password: new password" NO "\n"
	    "  " HL "must change at next login: confirmation" NO "\n"
	    "  note: the login password is locked; reset does not unlock it "
	    "(pwadmin unlock bob)\n");
	free(s);
}

static void
test_reset_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_LOGIN | PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob", PW_F_LOGIN), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob", PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_CONFIRM | PW_F_NO_FORCE), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "Reset the login and confirmation passwords of bob; both must be "
	    "changed at next login.\n"
	    "Reset the login password of bob; it must be changed at next "
	    "login.\n"
	    "Reset the confirmation password of bob; it must be changed at "
	    "next login.\n"
	    "Reset the login and confirmation passwords of bob; neither needs "
	    "to be changed at next login.\n"
	    "Reset the confirmation password of bob; it need not be changed "
	    "at next login.\n");
	free(buf);
}

static void
test_time(void **state)
{
	char buf[OUTPUT_TIME_MAX];

	(void)state;
	assert_int_equal(output_time(1795784700, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "2026-11-27T13:05:00Z");
	assert_int_equal(output_time(0, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(output_time(253402300799LL, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	assert_int_equal(output_time(253402300800LL, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_string_equal(buf, "");
	assert_int_equal(output_time(-1, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_time(1, buf, OUTPUT_TIME_MAX - 1),
	    PW_ERR_INVAL);
}

static void
fill_audit(struct pw_audit *e, size_t n)
{
	size_t i, k;

	memset(e, 0, n * sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].seq = i + 1;
		e[i].time = 1795784700 + (int64_t)i;
		e[i].uid = 1000;
		snprintf(e[i].actor, sizeof(e[i].actor), "boss");
		snprintf(e[i].action, sizeof(e[i].action), "unlock");
		snprintf(e[i].target, sizeof(e[i].target), "alice");
		for (k = 0; k < PW_AUDIT_HASH; k++)
			e[i].hash[k] = (uint8_t)(k * 8 + i);
	}
}

static void
test_audit_text(void **state)
{
	struct pw_audit e[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_audit(e, 3);
	snprintf(e[0].detail, sizeof(e[0].detail), "login and confirm");
	e[1].uid = 0;
	snprintf(e[1].actor, sizeof(e[1].actor), "root");
	snprintf(e[1].action, sizeof(e[1].action), "userdel");
	snprintf(e[1].detail, sizeof(e[1].detail), "recovery, forced");
	e[2].status = PW_ERR_CONFIRM;
	e[2].target[0] = '\0';
	/* Never trusted to be clean: shown through output_sanitize. */
	snprintf(e[2].detail, sizeof(e[2].detail), "x\033[2Jy");
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 3), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "1  2026-11-27T13:05:00Z  boss(uid 1000)  unlock  alice  ok  "
	    "login and confirm\n"
	    "2  2026-11-27T13:05:01Z  root(uid 0)  userdel  alice  ok  "
	    "recovery, forced\n"
	    "3  2026-11-27T13:05:02Z  boss(uid 1000)  unlock  -  "
	    "wrong confirmation password  x?[2Jy\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 0), PW_OK);
	assert_string_equal(captured(fp, &buf), "No audit entries.\n");
	free(buf);

	/* A time out of range: refused, nothing printed. */
	buf = NULL;
	e[2].time = -1;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 3), PW_ERR_PROTO);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
}

static void
test_audit_json(void **state)
{
	struct pw_audit e[2];
	json_t *doc, *o, *arr, *x;

	(void)state;
	fill_audit(e, 2);
	e[1].status = PW_ERR_LASTMASTER;
	e[1].target[0] = '\0';
	snprintf(e[1].detail, sizeof(e[1].detail), "role master->user");
	assert_int_equal(output_audit_json(e, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 1);
	arr = json_object_get(o, "entries");
	assert_int_equal(json_array_size(arr), 2);
	x = json_array_get(arr, 0);
	assert_int_equal(json_object_size(x), 10);
	assert_int_equal(JINT(x, "seq"), 1);
	assert_string_equal(JSTR(x, "time"), "2026-11-27T13:05:00Z");
	assert_int_equal(JINT(x, "uid"), 1000);
	assert_string_equal(JSTR(x, "actor"), "boss");
	assert_string_equal(JSTR(x, "action"), "unlock");
	assert_string_equal(JSTR(x, "target"), "alice");
	assert_string_equal(JSTR(x, "result"), "ok");
	assert_string_equal(JSTR(x, "status"), "success");
	assert_string_equal(JSTR(x, "detail"), "");
	assert_string_equal(JSTR(x, "hash"),
	    "0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8");
	x = json_array_get(arr, 1);
	assert_int_equal(JINT(x, "seq"), 2);
	assert_true(json_is_null(json_object_get(x, "target")));
	assert_string_equal(JSTR(x, "result"), "refused");
	assert_string_equal(JSTR(x, "status"),
	    "that would leave no usable master account");
	assert_string_equal(JSTR(x, "detail"), "role master->user");
	assert_int_equal(strlen(JSTR(x, "hash")), 64);
	json_decref(o);

	assert_int_equal(output_audit_json(NULL, 0, &doc), PW_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "entries")), 0);
	json_decref(doc);

	e[1].seq = (uint64_t)INT64_MAX + 1;
	assert_int_equal(output_audit_json(e, 2, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_refusal(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_CONNECT,
	    &(struct pw_why){ .code = PW_R_NONE }), CLI_EXIT_UNREACHABLE);
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_TIMEOUT,
	    NULL), CLI_EXIT_UNREACHABLE);
	/* busy: the daemon answered; its sentence is shown, exit 1 */
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_BUSY,
	    &(struct pw_why){ .code = PW_R_BUSY }), CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_CONFIRM,
	    &(struct pw_why){ .code = PW_R_NONE }), CLI_EXIT_REFUSED);
	/* a word a reason carries never reaches the terminal raw */
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_INVAL,
	    &(struct pw_why){ .code = PW_R_UNKNOWN_FLAG,
	    .text = "x\x1b[2J" }), CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_AUTH, NULL),
	    CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_OK, NULL), CLI_EXIT_OK);
	assert_string_equal(captured(fp, &buf),
	    "pwadmin: cannot reach pwadmind at /run/x.sock: daemon unreachable\n"
	    "pwadmin: cannot reach pwadmind at /run/x.sock: timed out\n"
	    "pwadmin: The password service is busy; try again in a moment.\n"
	    "pwadmin: wrong confirmation password\n"
	    "pwadmin: Unknown flag for x?[2J.\n"
	    "pwadmin: wrong password\n");
	free(buf);
}

static void
test_sanitize(void **state)
{
	char buf[8];

	(void)state;
	output_sanitize(buf, sizeof(buf), "ab\ncd");
	assert_string_equal(buf, "ab?cd");
	output_sanitize(buf, sizeof(buf), "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
	/* Whole characters only. */
	assert_string_equal(buf, "\xc3\xa4\xc3\xa4\xc3\xa4");
	output_sanitize(buf, sizeof(buf), "\xc3\xa4\xff");
	assert_string_equal(buf, "???");
	output_sanitize(buf, sizeof(buf), "");
	assert_string_equal(buf, "");
}

/* ---- LIST paging through a fake transport ---- */

struct fake {
	int calls;
	int pages;	/* pages the fake daemon has */
	int fail_at;	/* call that gets a refusal (0 = none) */
	bool stuck;	/* answer every page with the same names */
	char cursor[4][PW_USER_MAX + 1];
};

static int
fake_list(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake *f = c->arg;
	int page = f->stuck ? 0 : f->calls;
	uint32_t i;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_LIST);
	assert_int_equal(req->flags, PW_F_LOCKED_ONLY);
	if (f->calls < 4)
		memcpy(f->cursor[f->calls], req->cursor, sizeof(req->cursor));
	if (++f->calls == f->fail_at) {
		rep->status = PW_ERR_PERM;
		rep->why.code = PW_R_DENY;
		return PW_OK;
	}
	if (f->calls > 8)
		return PW_ERR_IO;
	rep->naccts = page == f->pages - 1 ? 3 : PW_ACCTS_MAX;
	for (i = 0; i < rep->naccts; i++)
		snprintf(rep->accts[i].name, sizeof(rep->accts[i].name),
		    "u%d-%03u", page, i);
	rep->more = page < f->pages - 1;
	return PW_OK;
}

static void
test_list_paging(void **state)
{
	struct fake f = { .pages = 3 };
	struct pw_account *a;
	struct pw_reply *rep;
	struct call c;
	size_t n;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	call_init(&c, "/nonexistent");
	assert_int_equal(c.timeout_ms, 60000);
	c.fn = fake_list;
	c.arg = &f;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n), PW_OK);
	assert_int_equal(f.calls, 3);
	assert_int_equal(n, 2 * PW_ACCTS_MAX + 3);
	assert_string_equal(f.cursor[0], "");
	assert_string_equal(f.cursor[1], "u0-255");
	assert_string_equal(f.cursor[2], "u1-255");
	assert_string_equal(a[0].name, "u0-000");
	assert_string_equal(a[PW_ACCTS_MAX].name, "u1-000");
	assert_string_equal(a[n - 1].name, "u2-002");
	free(a);

	/* A refusal on the second page: its status and message, no accounts. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.fail_at = 2;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n),
	    PW_ERR_PERM);
	assert_int_equal(rep->why.code, PW_R_DENY);
	assert_null(a);
	assert_int_equal(n, 0);

	/* A daemon that does not advance: refused, not an endless loop. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.stuck = true;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n),
	    PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(a);
	free(rep);
}

static void
test_call_transport_error(void **state)
{
	struct pw_request req;
	struct pw_reply *rep;
	struct call c;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATS;
	call_init(&c, "/nonexistent/pwadmind.sock");
	assert_true(c.trust.n >= 1 && c.trust.uid[0] == 0);
	assert_int_equal(call_one(&c, &req, rep), PW_ERR_CONNECT);
	assert_int_equal(rep->why.code, PW_R_NONE);
	free(rep);
}

/* ---- AUDIT paging through a fake transport ---- */

struct fake_audit {
	int calls;
	int pages;	/* pages of PW_AUDIT_MAX entries, the last one of 5 */
	int fail_at;	/* call that gets a refusal (0 = none) */
	bool stuck;	/* every page starts again at seq 1 */
	bool empty_more; /* the second page is empty but says more */
	uint64_t since[4], after[4];
};

static int
fake_audit(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_audit *f = c->arg;
	uint64_t base;
	uint32_t i;
	int page = f->calls;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_AUDIT);
	assert_int_equal(req->nsecrets, 0);
	if (f->calls < 4) {
		f->since[f->calls] = req->since;
		f->after[f->calls] = req->after;
	}
	if (++f->calls == f->fail_at) {
		rep->status = PW_ERR_PERM;
		rep->why.code = PW_R_DENY_MASTER;
		return PW_OK;
	}
	if (f->calls > 8)
		return PW_ERR_IO;
	base = f->stuck ? 0 : (uint64_t)page * PW_AUDIT_MAX;
	rep->naudit = page == f->pages - 1 ? 5 : PW_AUDIT_MAX;
	if (f->empty_more && page == 1)
		rep->naudit = 0;
	for (i = 0; i < rep->naudit; i++)
		rep->audit[i].seq = base + i + 1;
	rep->more = page < f->pages - 1;
	return PW_OK;
}

static void
test_audit_paging(void **state)
{
	struct fake_audit f = { .pages = 3 };
	struct pw_audit *e;
	struct pw_reply *rep;
	struct call c;
	size_t n;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	call_init(&c, "/nonexistent");
	c.fn = fake_audit;
	c.arg = &f;
	assert_int_equal(call_audit(&c, 1795737600, rep, &e, &n), PW_OK);
	assert_int_equal(f.calls, 3);
	assert_int_equal(n, 2 * PW_AUDIT_MAX + 5);
	assert_int_equal(f.since[0], 1795737600);
	assert_int_equal(f.since[2], 1795737600);
	assert_int_equal(f.after[0], 0);
	assert_int_equal(f.after[1], PW_AUDIT_MAX);
	assert_int_equal(f.after[2], 2 * PW_AUDIT_MAX);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[n - 1].seq, 2 * PW_AUDIT_MAX + 5);
	free(e);

	/* One page with nothing in it. */
	memset(&f, 0, sizeof(f));
	f.pages = 1;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_OK);
	assert_int_equal(n, 5);
	free(e);

	/* A refusal on the second page: its status and message. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.fail_at = 2;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PERM);
	assert_int_equal(rep->why.code, PW_R_DENY_MASTER);
	assert_null(e);
	assert_int_equal(n, 0);

	/* Sequence numbers that do not rise: refused, no endless loop. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.stuck = true;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(e);

	/* "more" on an empty page: no progress, refused. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.empty_more = true;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(e);
	free(rep);
}

/* ---- BACKUP: the descriptor travels through call_pass ---- */

static int
fake_pass(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	int *got = c->arg;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_BACKUP);
	*got = fd;
	if (write(fd, "copy", 4) != 4)
		return PW_ERR_IO;
	rep->status = PW_OK;
	return PW_OK;
}

static int
fake_pass_down(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	(void)c;
	(void)req;
	(void)fd;
	rep->status = PW_ERR_STORE;
	rep->why.code = PW_R_FAILED;
	return PW_ERR_TIMEOUT;
}

static void
test_call_pass(void **state)
{
	struct pw_request req;
	struct pw_reply *rep;
	struct call c;
	char buf[8];
	int p[2], got = -1;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_BACKUP;
	call_init(&c, "/nonexistent/pwadmind.sock");
	assert_non_null(c.fn_pass);
	/* The real transport: unreachable, reply cleared. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_ERR_CONNECT);

	c.fn_pass = fake_pass;
	c.arg = &got;
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_OK);
	assert_int_equal(got, p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 4);

	/* A transport error clears what the reply held. */
	c.fn_pass = fake_pass_down;
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_ERR_TIMEOUT);
	assert_int_equal(rep->status, PW_OK);
	assert_int_equal(rep->why.code, PW_R_NONE);
	close(p[0]);
	close(p[1]);
	free(rep);
}

/* ---- PASSWD: the caller's name, the request, through a fake transport ---- */

/*
 * Runs fn(arg) with stderr going to a file; returns what it printed (the
 * caller frees).  fn asserts nothing: a failure would go to the file.
 */
static char *
capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp;
	char *out;
	long n;
	int saved;

	assert_non_null(tmp = tmpfile());
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) >= 0);
	assert_int_equal(dup2(fileno(tmp), STDERR_FILENO), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	assert_true((n = ftell(tmp)) >= 0);
	rewind(tmp);
	assert_non_null(out = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return out;
}

struct self_case {
	uid_t uid;
	char name[PW_USER_MAX + 1];
	size_t namesz;
	int ex;
};

static void
run_self(void *arg)
{
	struct self_case *sc = arg;

	sc->ex = passwd_self(sc->uid, sc->name, sc->namesz);
}

static void
test_passwd_self(void **state)
{
	struct self_case sc;
	struct passwd *pw;
	char *err;

	(void)state;
	/* The caller's own name, as NSS has it. */
	memset(&sc, 0, sizeof(sc));
	sc.uid = getuid();
	sc.namesz = sizeof(sc.name);
	pw = getpwuid(getuid());
	if (pw != NULL && proto_name_valid(pw->pw_name)) {
		err = capture_stderr(run_self, &sc);
		assert_int_equal(sc.ex, CLI_EXIT_OK);
		assert_string_equal(sc.name, pw->pw_name);
		assert_string_equal(err, "");
		free(err);
		/* A name that does not fit: refused, never cut. */
		sc.namesz = strlen(pw->pw_name);
		err = capture_stderr(run_self, &sc);
		assert_int_equal(sc.ex, CLI_EXIT_REFUSED);
		assert_string_equal(sc.name, "");
		assert_non_null(strstr(err, "is not a valid pwadmin account "
		    "name"));
		free(err);
	}
	/* A uid without a passwd entry: one line, refused. */
	memset(&sc, 0, sizeof(sc));
	sc.uid = (uid_t)3999999999u;
	sc.namesz = sizeof(sc.name);
	snprintf(sc.name, sizeof(sc.name), "stale");
	err = capture_stderr(run_self, &sc);
	assert_int_equal(sc.ex, CLI_EXIT_REFUSED);
	assert_string_equal(sc.name, "");
	assert_string_equal(err, "pwadmin: your user id 3999999999 has no "
	    "entry in the user database\n");
	free(err);
}

struct fake_passwd {
	int calls;
	int transport;		/* transport error to return (PW_OK: none) */
	int status;		/* the daemon's answer */
	struct pw_request req;	/* a copy of the request sent */
};

static int
fake_passwd(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_passwd *f = c->arg;

	memset(rep, 0, sizeof(*rep));
	f->calls++;
	f->req = *req;
	if (f->transport != PW_OK)
		return f->transport;
	rep->type = PW_REQ_PASSWD | PW_REPLY;
	rep->status = f->status;
	if (f->status != PW_OK) {
		rep->why.code = PW_R_WRONG_CURRENT;
		return PW_OK;
	}
	rep->naccts = 1;
	snprintf(rep->accts[0].name, sizeof(rep->accts[0].name), "%s",
	    req->user);
	rep->accts[0].role = PW_ROLE_USER;
	return PW_OK;
}

/* One passwd run: `flags', secrets from a pipe, a fake daemon. */
struct passwd_case {
	struct call call;
	struct prompt_src src;
	struct pw_reply *rep;
	uint32_t flags;
	int ex;
};

static void
run_passwd(void *arg)
{
	struct passwd_case *pc = arg;

	pc->ex = passwd_change(&pc->call, &pc->src, "alice", pc->flags,
	    pc->rep);
}

static void
passwd_setup(struct passwd_case *pc, struct fake_passwd *f, const char *in,
    uint32_t flags)
{
	memset(f, 0, sizeof(*f));
	memset(pc->rep, 0, sizeof(*pc->rep));
	call_init(&pc->call, "/run/test.sock");
	pc->call.fn = fake_passwd;
	pc->call.arg = f;
	pc->src.use_stdin = true;
	pc->src.fd = feed(in, strlen(in));
	pc->flags = flags;
	pc->ex = -1;
}

static void
assert_secret(const struct pw_secret *sec, const char *want)
{
	assert_int_equal(sec->len, strlen(want));
	assert_string_equal(sec->buf, want);
}

/* The request of one flag combination; the rest of the input is left. */
static void
check_passwd_req(const char *in, uint32_t flags, const char *const want[4])
{
	struct passwd_case pc;
	struct fake_passwd f;
	char buf[64], *err;
	size_t n, i;

	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, in, flags);
	err = capture_stderr(run_passwd, &pc);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(pc.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req.type, PW_REQ_PASSWD);
	assert_int_equal(f.req.flags, flags);
	assert_string_equal(f.req.user, "alice");
	assert_string_equal(f.req.service, "pwadmin");
	assert_string_equal(f.req.rhost, "");
	assert_int_equal(f.req.ntargets, 0);
	assert_int_equal(f.req.nsecrets, 4);
	for (i = 0; i < 4; i++)
		assert_secret(&f.req.secret[i], want[i]);
	assert_int_equal(pc.rep->naccts, 1);
	assert_string_equal(pc.rep->accts[0].name, "alice");
	/* Each secret read once: the next line is still there. */
	assert_int_equal(prompt_read_line(pc.src.fd, buf, sizeof(buf), &n),
	    PW_OK);
	assert_string_equal(buf, "not-read");
	close(pc.src.fd);
	proto_wipe_req(&f.req);
	free(pc.rep);
}

static void
test_passwd_request(void **state)
{
	static const char *const login[4] = { "cur-login", "New-login-1", "",
		"" };
	static const char *const conf[4] = { "", "", "cur-conf",
		"New-conf-2" };
	static const char *const both[4] = { "cur-login", "New-login-1",
		"cur-conf", "New-conf-2" };
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "passwd", "--login"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\nnot-read\n", c.flags, login);
	assert_int_equal(PARSE(&c, "passwd", "--confirm"), PW_OK);
	check_passwd_req("cur-conf\nNew-conf-2\nnot-read\n", c.flags, conf);
	assert_int_equal(PARSE(&c, "passwd"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\ncur-conf\nNew-conf-2\n"
	    "not-read\n", c.flags, both);
	assert_int_equal(PARSE(&c, "passwd", "--login", "--confirm"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\ncur-conf\nNew-conf-2\n"
	    "not-read\n", c.flags, both);
	/* A current password is taken as typed, control characters too. */
	check_passwd_req("c\x01r\nNew-login-1\nnot-read\n", PW_F_LOGIN,
	    (const char *const[4]){ "c\x01r", "New-login-1", "", "" });
}

/* Refused before anything is sent: one line, the exit status, no call. */
static void
check_passwd_early(const char *in, uint32_t flags, int ex, const char *line)
{
	struct passwd_case pc;
	struct fake_passwd f;
	char *err;

	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, in, flags);
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, ex);
	assert_int_equal(f.calls, 0);
	assert_string_equal(err, line);
	free(err);
	close(pc.src.fd);
	free(pc.rep);
}

static void
test_passwd_refusals(void **state)
{
	struct passwd_case pc;
	struct fake_passwd f;
	char *err;

	(void)state;
	/* The new login equal to the new confirmation: refused (1). */
	check_passwd_early("a\nSame-pass-1\nb\nSame-pass-1\n",
	    PW_F_LOGIN | PW_F_CONFIRM, CLI_EXIT_REFUSED,
	    "pwadmin: the login and confirmation passwords must differ\n");
	/* Standard input ends early (2). */
	check_passwd_early("cur\nNew-login-1\ncur-conf\n",
	    PW_F_LOGIN | PW_F_CONFIRM, CLI_EXIT_USAGE,
	    "pwadmin: standard input ended before your new confirmation "
	    "password was read\n");
	check_passwd_early("", PW_F_CONFIRM, CLI_EXIT_USAGE,
	    "pwadmin: standard input ended before your current confirmation "
	    "password was read\n");
	/* A control character in a new password (2). */
	check_passwd_early("cur\nnew\tpass\n", PW_F_LOGIN, CLI_EXIT_USAGE,
	    "pwadmin: your new login password is not valid UTF-8 or contains "
	    "control characters\n");

	/* The daemon refuses: its sentence, exit 1. */
	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, "wrong\nNew-login-1\n", PW_F_LOGIN);
	f.status = PW_ERR_AUTH;
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, CLI_EXIT_REFUSED);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: Wrong current login password "
	    "(counted as a failed attempt); if you forgot it, a master or admin "
	    "can reset it.\n");
	free(err);
	close(pc.src.fd);
	proto_wipe_req(&f.req);

	/* The daemon cannot be reached: exit 3. */
	passwd_setup(&pc, &f, "cur\nNew-conf-2\n", PW_F_CONFIRM);
	f.transport = PW_ERR_CONNECT;
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, CLI_EXIT_UNREACHABLE);
	assert_string_equal(err, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: daemon unreachable\n");
	free(err);
	close(pc.src.fd);
	proto_wipe_req(&f.req);
	free(pc.rep);
}

static void
test_passwd_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_passwd_text(fp, PW_F_LOGIN), PW_OK);
	assert_int_equal(output_passwd_text(fp, PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_passwd_text(fp, PW_F_LOGIN | PW_F_CONFIRM),
	    PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "Changed your login password.\n"
	    "Changed your confirmation password.\n"
	    "Changed your login and confirmation passwords.\n");
	free(buf);
}

/* ---- otp: enrolment, the QR code, otp unlock and otp remove ---- */

#define TEST_URI \
	"otpauth://totp/pwadmin:alice?secret=JBSWY3DPEHPK3PXP&issuer=pwadmin"

static void
test_otp_code_valid(void **state)
{
	static const char *const good[] = { "000000", "123456", "1234567",
		"12345678" };
	static const char *const badc[] = { "", "12345", "123456789",
		"12345a", "12 3456", " 123456", "123456 ", "-12345",
		"+123456", "１２３４５６", "0x1234" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!otp_code_valid(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(badc) / sizeof(badc[0]); i++)
		if (otp_code_valid(badc[i]))
			fail_msg("accepted \"%s\"", badc[i]);
}

static void
test_otp_text(void **state)
{
	struct pw_account a[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	memset(a, 0, sizeof(a));
	snprintf(a[0].name, sizeof(a[0].name), "alice");
	a[0].otp = PW_OTP_AVAILABLE;
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	a[1].otp = PW_OTP_LOCKED;
	snprintf(a[2].name, sizeof(a[2].name), "carol");
	a[2].otp = PW_OTP_NONE;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_otp_text(fp, a, 3), PW_OK);
	assert_int_equal(output_otp_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: otp available\nbob: otp locked\ncarol: otp none\n");
	free(buf);
}

/* The glyph at *s: its light halves (top, bottom); its length in bytes. */
static size_t
glyph_halves(const char *s, bool *top, bool *bottom)
{
	static const struct {
		const char *g;
		bool top, bottom;
	} gl[] = { { " ", false, false }, { "\xe2\x96\x84", false, true },
		{ "\xe2\x96\x80", true, false }, { "\xe2\x96\x88", true, true } };
	size_t i;

	for (i = 0; i < sizeof(gl) / sizeof(gl[0]); i++)
		if (strncmp(s, gl[i].g, strlen(gl[i].g)) == 0) {
			*top = gl[i].top;
			*bottom = gl[i].bottom;
			return strlen(gl[i].g);
		}
	fail_msg("unexpected byte 0x%02x in the QR code",
	    (unsigned)(unsigned char)*s);
	return 0;
}

/* Light in the drawing at (x, y) of the full grid (code + quiet zone). */
static bool
want_light(const QRcode *qr, int x, int y)
{
	x -= OTP_QUIET;
	y -= OTP_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return true;
	return (qr->data[y * qr->width + x] & 1) == 0;
}

/*
 * Checks that `out' (otp_qr_print of text) is the QR code libqrencode
 * makes of text: the number of lines and columns, every module, the
 * quiet zone, the colour codes.
 */
static void
check_qr(const char *out, const char *text, bool colour)
{
	const char *p = out, *nl;
	int size, lines = 0, x, y;
	bool top, bottom;
	QRcode *qr;

	assert_non_null(qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	size = qr->width + 2 * OTP_QUIET;
	for (y = 0; *p != '\0'; y += 2, lines++) {
		assert_non_null(nl = strchr(p, '\n'));
		if (colour) {
			assert_memory_equal(p, OTP_QR_COLOUR,
			    strlen(OTP_QR_COLOUR));
			p += strlen(OTP_QR_COLOUR);
			assert_true(nl - p >= (ptrdiff_t)strlen(OTP_QR_NORMAL));
			assert_memory_equal(nl - strlen(OTP_QR_NORMAL),
			    OTP_QR_NORMAL, strlen(OTP_QR_NORMAL));
		}
		for (x = 0; x < size; x++) {
			p += glyph_halves(p, &top, &bottom);
			assert_int_equal(top, want_light(qr, x, y));
			/* the half row below the last one: background */
			assert_int_equal(bottom,
			    y + 1 < size && want_light(qr, x, y + 1));
		}
		if (colour)
			p += strlen(OTP_QR_NORMAL);
		assert_ptr_equal(p, nl);
		p = nl + 1;
	}
	assert_int_equal(lines, (size + 1) / 2);
	QRcode_free(qr);
}

static void
test_qr_print(void **state)
{
	char *buf = NULL, *big;
	size_t len = 0;
	QRcode *qr;
	FILE *fp;

	(void)state;
	/* A short string: version 1, 21 modules, 29 columns, 15 lines. */
	assert_non_null(qr = QRcode_encodeString("pwadmin", 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	assert_int_equal(qr->version, 1);
	assert_int_equal(qr->width, 21);
	QRcode_free(qr);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, "pwadmin", false), PW_OK);
	check_qr(captured(fp, &buf), "pwadmin", false);
	free(buf);

	/* A URI, with the colour codes. */
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, TEST_URI, true), PW_OK);
	check_qr(captured(fp, &buf), TEST_URI, true);
	free(buf);

	/* The longest URI a reply may carry still fits. */
	assert_non_null(big = malloc(PW_URI_MAX + 1));
	memset(big, 'Z', PW_URI_MAX);
	memcpy(big, OTP_URI_PREFIX, strlen(OTP_URI_PREFIX));
	big[PW_URI_MAX] = '\0';
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, big, false), PW_OK);
	check_qr(captured(fp, &buf), big, false);
	free(buf);
	free(big);

	/* Past what a QR code holds: refused, nothing drawn. */
	assert_non_null(big = malloc(4001));
	memset(big, 'a', 4000);
	big[4000] = '\0';
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, big, false), PW_ERR_TOOLONG);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
	free(big);
}

/* A fake daemon for the otp requests. */
struct fake_otp {
	int calls;
	int transport;		   /* transport error of every call (PW_OK: none) */
	int status[2];		   /* the answers to the first two calls */
	const char *uri;	   /* the URI of an enrolment's first answer */
	struct pw_request req[2];  /* copies of the first two requests */
};

static int
fake_otp(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_otp *f = c->arg;
	int i = f->calls++;
	uint32_t k;

	memset(rep, 0, sizeof(*rep));
	if (i < 2)
		f->req[i] = *req;
	if (f->transport != PW_OK)
		return f->transport;
	rep->type = req->type | PW_REPLY;
	rep->status = i < 2 ? f->status[i] : PW_ERR_INTERNAL;
	if (rep->status != PW_OK) {
		rep->why.code = PW_R_DENY;
		return PW_OK;
	}
	if (req->type == PW_REQ_OTP_ENROLL && !(req->flags & PW_F_ACTIVATE))
		snprintf(rep->uri, sizeof(rep->uri), "%s", f->uri);
	if (req->type == PW_REQ_OTP_UNLOCK) {
		rep->naccts = req->ntargets;
		for (k = 0; k < req->ntargets; k++) {
			snprintf(rep->accts[k].name, sizeof(rep->accts[k].name),
			    "%s", req->targets[k]);
			rep->accts[k].otp = PW_OTP_AVAILABLE;
		}
	}
	return PW_OK;
}

/* One otp enroll of "alice": a fake daemon, --stdin from src.fd. */
struct enroll_case {
	struct call call;
	struct prompt_src src;
	struct otp_show show;
	struct pw_reply *rep;
	int ex;
};

static void
enroll_setup(struct enroll_case *ec, struct fake_otp *f)
{
	memset(f, 0, sizeof(*f));
	f->uri = TEST_URI;
	memset(ec, 0, sizeof(*ec));
	assert_non_null(ec->rep = calloc(1, sizeof(*ec->rep)));
	call_init(&ec->call, "/run/test.sock");
	ec->call.fn = fake_otp;
	ec->call.arg = f;
	ec->src.use_stdin = true;
	ec->src.fd = -1;
	ec->ex = -1;
}

static void
run_enroll(void *arg)
{
	struct enroll_case *ec = arg;

	ec->ex = otp_enroll(&ec->call, &ec->src, "alice", &ec->show, ec->rep);
}

static void *
enroll_thread(void *arg)
{
	run_enroll(arg);
	return NULL;
}

/* One line from fd within ms milliseconds; false on timeout or EOF. */
static bool
line_within(int fd, char *buf, size_t bufsz, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	return prompt_read_line(fd, buf, bufsz, &n) == PW_OK;
}

/*
 * The script's side of the --stdin protocol: it writes the confirmation,
 * waits for the URI line, and only then writes the code.  A client that
 * read the code before it flushed the URI would wait for ever: the URI
 * must arrive within the timeout while the code is still unwritten.
 */
static void
test_otp_enroll_order(void **state)
{
	struct enroll_case ec;
	struct fake_otp f;
	char line[PW_URI_MAX + 2];
	int in[2], out[2];
	pthread_t t;
	bool got;
	size_t n;

	(void)state;
	enroll_setup(&ec, &f);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	ec.src.fd = in[0];
	assert_non_null(ec.show.fp = fdopen(out[1], "w"));
	assert_int_equal(write(in[1], "Confirm-pw1\n", 12), 12);
	assert_int_equal(pthread_create(&t, NULL, enroll_thread, &ec), 0);

	got = line_within(out[0], line, sizeof(line), 10000);
	if (!got) {
		close(in[1]); /* let the client see the end of input */
		pthread_join(t, NULL);
		fail_msg("the URI was not flushed before the code was read");
	}
	assert_string_equal(line, TEST_URI);
	assert_int_equal(write(in[1], "123456\nnot-read\n", 16), 16);
	close(in[1]);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ec.ex, CLI_EXIT_OK);

	/* First: the confirmation password, no flag. */
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_ENROLL);
	assert_int_equal(f.req[0].flags, 0);
	assert_string_equal(f.req[0].user, "alice");
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Confirm-pw1");
	assert_int_equal(f.req[0].ntargets, 0);
	/* Then: the code, ACTIVATE. */
	assert_int_equal(f.req[1].type, PW_REQ_OTP_ENROLL);
	assert_int_equal(f.req[1].flags, PW_F_ACTIVATE);
	assert_string_equal(f.req[1].user, "alice");
	assert_int_equal(f.req[1].nsecrets, 1);
	assert_secret(&f.req[1].secret[0], "123456");
	/* The URI, which holds the secret, is wiped from the reply. */
	assert_int_equal(ec.rep->uri[0], '\0');

	/* Nothing but the URI line on the output (not a terminal: no QR). */
	fclose(ec.show.fp);
	assert_int_equal(read(out[0], line, sizeof(line)), 0);
	close(out[0]);
	/* The code was read once: the next line is still there. */
	assert_int_equal(prompt_read_line(in[0], line, sizeof(line), &n),
	    PW_OK);
	assert_string_equal(line, "not-read");
	close(in[0]);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

/* The file's whole content (the caller frees). */
static char *
slurp(FILE *fp)
{
	char *out;
	long n;

	assert_int_equal(fflush(fp), 0);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(out = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(out, 1, (size_t)n, fp), (size_t)n);
	return out;
}

/*
 * One enrolment with input `in' and the fake's answers; checks the exit
 * status, the calls, the line on stderr, what was shown.
 */
static void
check_enroll(const char *in, const int status[2], int transport, int ex,
    int calls, const char *err_want, const char *shown_want)
{
	struct enroll_case ec;
	struct fake_otp f;
	char *err, *out;

	enroll_setup(&ec, &f);
	f.status[0] = status[0];
	f.status[1] = status[1];
	f.transport = transport;
	ec.src.fd = feed(in, strlen(in));
	assert_non_null(ec.show.fp = tmpfile());
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, ex);
	assert_int_equal(f.calls, calls);
	assert_string_equal(err, err_want);
	out = slurp(ec.show.fp);
	assert_string_equal(out, shown_want);
	assert_int_equal(ec.rep->uri[0], '\0');
	free(out);
	free(err);
	fclose(ec.show.fp);
	close(ec.src.fd);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

static void
test_otp_enroll_refusals(void **state)
{
	static const char *const badc[] = { "12345a", "12345", "123456789",
		"", "12 3456", "abcdef" };
	static const int ok[2] = { PW_OK, PW_OK };
	char in[64];
	size_t i;

	(void)state;
	/* A code that is not 6 to 8 digits: exit 2, no second request. */
	for (i = 0; i < sizeof(badc) / sizeof(badc[0]); i++) {
		snprintf(in, sizeof(in), "Confirm-pw1\n%s\n", badc[i]);
		check_enroll(in, ok, PW_OK, CLI_EXIT_USAGE, 1,
		    "pwadmin: the one-time password must be 6 to 8 digits\n",
		    TEST_URI "\n");
	}
	/* Standard input ends before the code. */
	check_enroll("Confirm-pw1\n", ok, PW_OK, CLI_EXIT_USAGE, 1,
	    "pwadmin: standard input ended before the one-time password was "
	    "read\n", TEST_URI "\n");
	/* ... or before the confirmation password: nothing sent. */
	check_enroll("", ok, PW_OK, CLI_EXIT_USAGE, 0,
	    "pwadmin: standard input ended before your confirmation "
	    "password was read\n", "");
	/* A wrong confirmation password: the daemon's line, no URI. */
	check_enroll("wrong\n123456\n", (const int[2]){ PW_ERR_CONFIRM, 0 },
	    PW_OK, CLI_EXIT_REFUSED, 1,
	    "pwadmin: Only masters and admins may do this.\n", "");
	/* A wrong activation code: the daemon's line, exit 1. */
	check_enroll("Confirm-pw1\n654321\n", (const int[2]){ PW_OK,
	    PW_ERR_AUTH }, PW_OK, CLI_EXIT_REFUSED, 2,
	    "pwadmin: Only masters and admins may do this.\n", TEST_URI "\n");
	/* The daemon cannot be reached: exit 3. */
	check_enroll("Confirm-pw1\n123456\n", ok, PW_ERR_CONNECT,
	    CLI_EXIT_UNREACHABLE, 1, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: daemon unreachable\n", "");
}

static void
test_otp_enroll_uri(void **state)
{
	struct enroll_case ec;
	struct fake_otp f;
	char *err, *out, *p;
	int lines;
	QRcode *qr;

	(void)state;
	/* A success without an otpauth://totp/ URI: not understood (3). */
	enroll_setup(&ec, &f);
	f.uri = "https://example.org/";
	ec.src.fd = FEED("Confirm-pw1\n123456\n");
	assert_non_null(ec.show.fp = tmpfile());
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, CLI_EXIT_UNREACHABLE);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: malformed message\n");
	free(err);
	out = slurp(ec.show.fp);
	assert_string_equal(out, "");
	free(out);
	fclose(ec.show.fp);
	close(ec.src.fd);
	free(ec.rep);

	/* On a terminal: the URI line, then its QR code. */
	enroll_setup(&ec, &f);
	ec.src.fd = FEED("Confirm-pw1\n12345678\n");
	assert_non_null(ec.show.fp = tmpfile());
	ec.show.qr = true;
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, CLI_EXIT_OK);
	assert_string_equal(err, "");
	assert_secret(&f.req[1].secret[0], "12345678");
	free(err);
	out = slurp(ec.show.fp);
	assert_memory_equal(out, TEST_URI "\n", strlen(TEST_URI) + 1);
	check_qr(out + strlen(TEST_URI) + 1, TEST_URI, false);
	assert_non_null(qr = QRcode_encodeString(TEST_URI, 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	for (lines = 0, p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 1 + (qr->width + 2 * OTP_QUIET + 1) / 2);
	QRcode_free(qr);
	free(out);
	fclose(ec.show.fp);
	close(ec.src.fd);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

/* One otp unlock or otp remove: parsed words, --stdin, a fake daemon. */
struct admin_case {
	struct call call;
	struct prompt_src src;
	struct pw_request req;
	struct pw_reply *rep;
	bool root;
	int ex;
};

static void
run_admin(void *arg)
{
	struct admin_case *ac = arg;

	ac->ex = admin_send(&ac->call, &ac->src, ac->root, &ac->req, ac->rep);
}

/*
 * Sends the request of `c' as root or not, the fake daemon answering
 * `status'; returns what stderr got (the caller frees).
 */
static char *
send_otp_admin(const struct cli *c, bool root, const char *in, int status,
    struct fake_otp *f, struct admin_case *ac)
{
	memset(f, 0, sizeof(*f));
	f->status[0] = status;
	memset(ac, 0, sizeof(*ac));
	assert_non_null(ac->rep = calloc(1, sizeof(*ac->rep)));
	call_init(&ac->call, "/run/test.sock");
	ac->call.fn = fake_otp;
	ac->call.arg = f;
	ac->src.use_stdin = true;
	ac->src.fd = feed(in, strlen(in));
	ac->root = root;
	assert_int_equal(otp_admin_req(c, &ac->req), PW_OK);
	return capture_stderr(run_admin, ac);
}

/* The rest of the input, one line: what was not read. */
static void
assert_left(int fd, const char *want)
{
	char buf[64];
	size_t n;

	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, want);
	close(fd);
}

static void
test_otp_admin(void **state)
{
	struct admin_case ac;
	struct fake_otp f;
	struct pw_request req;
	char *buf = NULL, *err;
	size_t len = 0;
	struct cli c;
	FILE *fp;

	(void)state;
	/* otp unlock by an admin: targets, the actor's confirmation in [0]. */
	assert_int_equal(PARSE(&c, "otp", "unlock", "bob", "carol"), PW_OK);
	err = send_otp_admin(&c, false, "Actor-pw3\nnot-read\n", PW_OK, &f,
	    &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_UNLOCK);
	assert_int_equal(f.req[0].flags, 0);
	assert_int_equal(f.req[0].ntargets, 2);
	assert_string_equal(f.req[0].targets[0], "bob");
	assert_string_equal(f.req[0].targets[1], "carol");
	assert_string_equal(f.req[0].user, "");
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Actor-pw3");
	/* The request's secrets are wiped after the call. */
	assert_int_equal(ac.req.secret[0].len, 0);
	assert_int_equal(ac.req.secret[0].buf[0], '\0');
	assert_left(ac.src.fd, "not-read");
	/* the accounts after the change */
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_otp_text(fp, ac.rep->accts, ac.rep->naccts),
	    PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "bob: otp available\ncarol: otp available\n");
	free(buf);
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* otp unlock --all by root: ALL, no target, nothing read. */
	assert_int_equal(PARSE(&c, "otp", "unlock", "--all"), PW_OK);
	err = send_otp_admin(&c, true, "not-read\n", PW_OK, &f, &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_UNLOCK);
	assert_int_equal(f.req[0].flags, PW_F_ALL);
	assert_int_equal(f.req[0].ntargets, 0);
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "");
	assert_left(ac.src.fd, "not-read");
	free(ac.rep);

	/* otp remove by an admin: the user, the actor's confirmation. */
	assert_int_equal(PARSE(&c, "otp", "remove", "bob"), PW_OK);
	err = send_otp_admin(&c, false, "Actor-pw3\nnot-read\n", PW_OK, &f,
	    &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_REMOVE);
	assert_int_equal(f.req[0].flags, 0);
	assert_string_equal(f.req[0].user, "bob");
	assert_int_equal(f.req[0].ntargets, 0);
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Actor-pw3");
	assert_left(ac.src.fd, "not-read");
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* ... by root: nothing read, the slot empty. */
	err = send_otp_admin(&c, true, "not-read\n", PW_OK, &f, &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_string_equal(f.req[0].user, "bob");
	assert_secret(&f.req[0].secret[0], "");
	assert_left(ac.src.fd, "not-read");
	free(ac.rep);

	/* A refusal: the daemon's line, exit 1. */
	err = send_otp_admin(&c, false, "wrong\n", PW_ERR_CONFIRM, &f, &ac);
	assert_int_equal(ac.ex, CLI_EXIT_REFUSED);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: Only masters and admins may do this.\n");
	free(err);
	close(ac.src.fd);
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* The actor's confirmation cannot be read: nothing sent (2). */
	err = send_otp_admin(&c, false, "", PW_OK, &f, &ac);
	assert_int_equal(ac.ex, CLI_EXIT_USAGE);
	assert_int_equal(f.calls, 0);
	assert_string_equal(err, "pwadmin: standard input ended before your "
	    "confirmation password was read\n");
	free(err);
	close(ac.src.fd);
	free(ac.rep);

	/* Only the otp admin commands build such a request. */
	assert_int_equal(PARSE(&c, "otp", "enroll"), PW_OK);
	assert_int_equal(otp_admin_req(&c, &req), PW_ERR_INVAL);
	assert_int_equal(PARSE(&c, "unlock", "bob"), PW_OK);
	assert_int_equal(otp_admin_req(&c, &req), PW_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_globals_anywhere),
		cmocka_unit_test(test_parse_unlock),
		cmocka_unit_test(test_parse_help),
		cmocka_unit_test(test_parse_admin),
		cmocka_unit_test(test_parse_reset),
		cmocka_unit_test(test_parse_passwd),
		cmocka_unit_test(test_parse_audit),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long_name),
		cmocka_unit_test(test_parse_otp),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_read_line),
		cmocka_unit_test(test_read_line_limits),
		cmocka_unit_test(test_read_line_nul),
		cmocka_unit_test(test_stdin_order),
		cmocka_unit_test(test_stdin_refusals),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_account_json),
		cmocka_unit_test(test_account_json_plain),
		cmocka_unit_test(test_accounts_json),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_account_text),
		cmocka_unit_test(test_list_text),
		cmocka_unit_test(test_changed_stats_text),
		cmocka_unit_test(test_changed_text),
		cmocka_unit_test(test_role_text),
		cmocka_unit_test(test_output_colour),
		cmocka_unit_test(test_reset_summary),
		cmocka_unit_test(test_reset_text),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_audit_text),
		cmocka_unit_test(test_audit_json),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_list_paging),
		cmocka_unit_test(test_call_transport_error),
		cmocka_unit_test(test_audit_paging),
		cmocka_unit_test(test_call_pass),
		cmocka_unit_test(test_passwd_self),
		cmocka_unit_test(test_passwd_request),
		cmocka_unit_test(test_passwd_refusals),
		cmocka_unit_test(test_passwd_text),
		cmocka_unit_test(test_otp_code_valid),
		cmocka_unit_test(test_otp_text),
		cmocka_unit_test(test_qr_print),
		cmocka_unit_test(test_otp_enroll_order),
		cmocka_unit_test(test_otp_enroll_refusals),
		cmocka_unit_test(test_otp_enroll_uri),
		cmocka_unit_test(test_otp_admin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
