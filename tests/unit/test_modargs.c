/* SPDX-License-Identifier: MIT */
/* Module arguments: every argument valid and invalid; nothing is ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../pam_module/modargs.h"
#include "pwerr.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void
assert_defaults(const struct modargs *a)
{
	assert_int_equal(a->factor, PW_FACTOR_LOGIN);
	assert_false(a->use_first_pass);
	assert_false(a->try_first_pass);
	assert_false(a->debug);
	assert_int_equal(a->timeout_s, PW_TIMEOUT_DEFAULT);
	assert_string_equal(a->socket, "/run/pwadmin/pwadmind.sock");
	assert_string_equal(a->daemon_user, "pwadmin");
}

/* Parses one argument that must be refused; checks the index and defaults. */
static void
assert_refused(const char *arg)
{
	const char *argv[] = { "debug", arg };
	struct modargs a;
	int bad = 42;

	memset(&a, 0xa5, sizeof(a));
	assert_int_not_equal(modargs_parse(NARGS(argv), argv, &a, &bad), PW_OK);
	assert_int_equal(bad, 1);
	assert_defaults(&a); /* never half-parsed */
}

static void
test_defaults(void **state)
{
	struct modargs a;
	int bad = 42;

	(void)state;
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(modargs_parse(0, NULL, &a, &bad), PW_OK);
	assert_int_equal(bad, -1);
	assert_defaults(&a);
}

static void
test_all_valid(void **state)
{
	const char *argv[] = { "factor=confirm", "use_first_pass",
		"try_first_pass", "socket=/tmp/x/pw.sock", "debug",
		"daemon_user=pwtest_1", "timeout=300", "otp" };
	struct modargs a;
	int bad = 42;

	(void)state;
	assert_int_equal(modargs_parse(NARGS(argv), argv, &a, &bad), PW_OK);
	assert_int_equal(bad, -1);
	assert_int_equal(a.factor, PW_FACTOR_CONFIRM);
	assert_true(a.use_first_pass);
	assert_true(a.try_first_pass);
	assert_true(a.debug);
	assert_true(a.otp);
	assert_string_equal(a.socket, "/tmp/x/pw.sock");
	assert_string_equal(a.daemon_user, "pwtest_1");
	assert_int_equal(a.timeout_s, 300);
}

static void
test_factor(void **state)
{
	const char *login[] = { "factor=login" };
	const char *confirm[] = { "factor=confirm" };
	struct modargs a;
	int bad;

	(void)state;
	assert_int_equal(modargs_parse(1, login, &a, &bad), PW_OK);
	assert_int_equal(a.factor, PW_FACTOR_LOGIN);
	assert_int_equal(modargs_parse(1, confirm, &a, &bad), PW_OK);
	assert_int_equal(a.factor, PW_FACTOR_CONFIRM);
	assert_refused("factor=bogus");
	assert_refused("factor=");
	assert_refused("factor=Login");
	assert_refused("factor=login ");
	assert_refused("factor=otp");
	assert_refused("factor");
}

static void
test_lang(void **state)
{
	const char *ja[] = { "lang=ja" }, *en[] = { "lang=en" };
	const char *twice[] = { "lang=ja", "lang=ja" };
	const char *clash[] = { "lang=ja", "lang=en" };
	struct modargs a;
	int bad;

	(void)state;
	assert_int_equal(modargs_parse(0, NULL, &a, &bad), PW_OK);
	assert_int_equal(a.lang, PW_LANG_AUTO);
	assert_int_equal(modargs_parse(1, ja, &a, &bad), PW_OK);
	assert_int_equal(a.lang, PW_LANG_JA);
	assert_int_equal(modargs_parse(1, en, &a, &bad), PW_OK);
	assert_int_equal(a.lang, PW_LANG_EN);
	assert_int_equal(modargs_parse(2, twice, &a, &bad), PW_OK);
	assert_int_equal(modargs_parse(2, clash, &a, &bad), PW_ERR_INVAL);
	assert_int_equal(bad, 1);
	assert_refused("lang=");
	assert_refused("lang=jp");
	assert_refused("lang=ja_JP.UTF-8");
	assert_refused("lang=JA");
	assert_refused("lang");
}

static void
test_unknown(void **state)
{
	(void)state;
	assert_refused("otp=1");
	assert_refused("OTP");
	assert_refused("nullok");
	assert_refused("use_authtok");
	assert_refused("alwaysok");
	assert_refused("");
	assert_refused(" debug");
	assert_refused("debug=1");
	assert_refused("DEBUG");
	assert_refused("use_first_pass=yes");
	assert_refused("socket");
	assert_refused("timeout");
	assert_refused(NULL);
}

static void
test_socket(void **state)
{
	char path[PW_SOCKET_MAX + 16], arg[PW_SOCKET_MAX + 32];
	const char *argv[] = { arg };
	struct modargs a;
	int bad;

	(void)state;
	assert_refused("socket=");
	assert_refused("socket=relative/pw.sock");
	assert_refused("socket=./pw.sock");
	assert_refused("socket=~/pw.sock");
	/* 107 bytes: the longest path sun_path holds. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[PW_SOCKET_MAX - 1] = '\0';
	snprintf(arg, sizeof(arg), "socket=%s", path);
	assert_int_equal(modargs_parse(1, argv, &a, &bad), PW_OK);
	assert_string_equal(a.socket, path);
	/* 108 bytes: refused, never cut. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[PW_SOCKET_MAX] = '\0';
	snprintf(arg, sizeof(arg), "socket=%s", path);
	assert_int_equal(modargs_parse(1, argv, &a, &bad), PW_ERR_TOOLONG);
	assert_int_equal(bad, 0);
	assert_refused(arg);
}

static void
test_daemon_user(void **state)
{
	const char *argv[] = { "daemon_user=_pwadmin" };
	char arg[128];
	struct modargs a;
	int bad;

	(void)state;
	assert_int_equal(modargs_parse(1, argv, &a, &bad), PW_OK);
	assert_string_equal(a.daemon_user, "_pwadmin");
	assert_refused("daemon_user=");
	assert_refused("daemon_user=-x");
	assert_refused("daemon_user=.x");
	assert_refused("daemon_user=a b");
	assert_refused("daemon_user=a/b");
	assert_refused("daemon_user=r\xc3\xa9mi");
	memset(arg, 'u', sizeof(arg));
	memcpy(arg, "daemon_user=", 12);
	arg[12 + PW_USER_MAX + 1] = '\0'; /* 65 bytes */
	assert_refused(arg);
	arg[12 + PW_USER_MAX] = '\0'; /* 64 bytes */
	argv[0] = arg;
	assert_int_equal(modargs_parse(1, argv, &a, &bad), PW_OK);
	assert_int_equal(strlen(a.daemon_user), PW_USER_MAX);
}

static void
test_timeout(void **state)
{
	const char *one[] = { "timeout=1" };
	const char *max[] = { "timeout=300" };
	struct modargs a;
	int bad;

	(void)state;
	assert_int_equal(modargs_parse(1, one, &a, &bad), PW_OK);
	assert_int_equal(a.timeout_s, 1);
	assert_int_equal(modargs_parse(1, max, &a, &bad), PW_OK);
	assert_int_equal(a.timeout_s, 300);
	assert_refused("timeout=0");
	assert_refused("timeout=301");
	assert_refused("timeout=abc");
	assert_refused("timeout=");
	assert_refused("timeout=-5");
	assert_refused("timeout=+5");
	assert_refused("timeout= 5");
	assert_refused("timeout=5s");
	assert_refused("timeout=99999999999999999999999");
}

static void
test_duplicates(void **state)
{
	const char *same[] = { "debug", "debug", "factor=confirm",
		"factor=confirm", "socket=/a", "socket=/a", "timeout=5",
		"timeout=5", "daemon_user=x", "daemon_user=x", "use_first_pass",
		"use_first_pass", "try_first_pass", "try_first_pass" };
	const char *same_default[] = { "factor=login", "factor=login" };
	struct modargs a;
	int bad;

	(void)state;
	assert_int_equal(modargs_parse(NARGS(same), same, &a, &bad), PW_OK);
	assert_int_equal(a.factor, PW_FACTOR_CONFIRM);
	assert_string_equal(a.socket, "/a");
	assert_int_equal(a.timeout_s, 5);
	assert_string_equal(a.daemon_user, "x");
	assert_int_equal(modargs_parse(2, same_default, &a, &bad), PW_OK);
}

/* A value repeated with another value is ambiguous: refused, not last-wins. */
static void
test_conflicts(void **state)
{
	static const char *pairs[][2] = {
		{ "factor=confirm", "factor=login" },
		{ "factor=login", "factor=confirm" },
		{ "socket=/a", "socket=/b" },
		{ "timeout=5", "timeout=6" },
		{ "daemon_user=x", "daemon_user=y" },
	};
	struct modargs a;
	size_t i;
	int bad;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(modargs_parse(2, pairs[i], &a, &bad),
		    PW_ERR_INVAL);
		assert_int_equal(bad, 1);
		assert_defaults(&a);
	}
}

static void
test_bad_argv(void **state)
{
	struct modargs a;
	int bad = 42;

	(void)state;
	assert_int_equal(modargs_parse(-1, NULL, &a, &bad), PW_ERR_INVAL);
	assert_int_equal(bad, -1);
	assert_int_equal(modargs_parse(1, NULL, &a, &bad), PW_ERR_INVAL);
	assert_int_equal(bad, -1);
	assert_defaults(&a);
}

static void
test_sanitize(void **state)
{
	char d[8], one[1];

	(void)state;
	modargs_sanitize(d, sizeof(d), "sshd");
	assert_string_equal(d, "sshd");
	modargs_sanitize(d, sizeof(d), NULL);
	assert_string_equal(d, "");
	modargs_sanitize(d, sizeof(d), "a b\tc\x7f\xc3");
	assert_string_equal(d, "a?b?c??");
	modargs_sanitize(d, sizeof(d), "0123456789");
	assert_string_equal(d, "0123456"); /* cut at dstsz - 1 */
	modargs_sanitize(d, sizeof(d), "!~");
	assert_string_equal(d, "!~");
	modargs_sanitize(one, sizeof(one), "abc");
	assert_string_equal(one, "");
	modargs_sanitize(d, 0, "abc"); /* writes nothing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_valid),
		cmocka_unit_test(test_factor),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_daemon_user),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_bad_argv),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
