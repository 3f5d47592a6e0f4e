/* SPDX-License-Identifier: MIT */
/* The client's argument parser and exit codes. */
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
#include "client_fixture.h"
#include "pwerr.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
