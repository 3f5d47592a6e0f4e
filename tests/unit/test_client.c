/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the client's pure parts: parsing, exit codes, --stdin
 * lines, output (text and JSON), LIST paging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "call.h"
#include "cli.h"
#include "output.h"
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
test_parse_later(void **state)
{
	static const char *const later[] = { "passwd", "suspend", "resume",
		"reset", "userdel", "role", "otp", "audit", "backup" };
	char want[80];
	struct cli c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		snprintf(want, sizeof(want),
		    "%s is not available in this release", later[i]);
		assert_int_equal(PARSE(&c, later[i]), PW_ERR_INVAL);
		assert_string_equal(c.err, want);
		/* Also with options this release does not know. */
		assert_int_equal(PARSE(&c, "--login", later[i], "--force", "x"),
		    PW_ERR_INVAL);
		assert_string_equal(c.err, want);
	}
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
test_unlock_stats_text(void **state)
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
	assert_int_equal(output_unlock_text(fp, &a, 1), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: login available, confirm available\n");
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
test_refusal(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_CONNECT, ""),
	    CLI_EXIT_UNREACHABLE);
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_TIMEOUT,
	    "ignored"), CLI_EXIT_UNREACHABLE);
	/* busy: the daemon answered; its sentence is shown, exit 1 */
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_BUSY,
	    "The password service is busy; try again in a moment."),
	    CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_CONFIRM, ""),
	    CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_LOCKED,
	    "Your login password is locked.\x1b[2J"), CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_AUTH, NULL),
	    CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_OK, "x"), CLI_EXIT_OK);
	assert_string_equal(captured(fp, &buf),
	    "pwadmin: cannot reach pwadmind at /run/x.sock: daemon unreachable\n"
	    "pwadmin: cannot reach pwadmind at /run/x.sock: timed out\n"
	    "pwadmin: The password service is busy; try again in a moment.\n"
	    "pwadmin: wrong confirmation password\n"
	    "pwadmin: Your login password is locked.?[2J\n"
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
		snprintf(rep->msg, sizeof(rep->msg), "Only masters may list.");
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
	assert_string_equal(rep->msg, "Only masters may list.");
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
	assert_string_equal(rep->msg, "");
	free(rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_globals_anywhere),
		cmocka_unit_test(test_parse_unlock),
		cmocka_unit_test(test_parse_help),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long_name),
		cmocka_unit_test(test_parse_later),
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
		cmocka_unit_test(test_unlock_stats_text),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_list_paging),
		cmocka_unit_test(test_call_transport_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
