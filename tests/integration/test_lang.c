/* SPDX-License-Identifier: MIT */
/*
 * Japanese and English (SPEC: Languages) through real PAM calls and the
 * real client, against a real pwadmind per test: the module's lang=ja,
 * the application's own message locale (this program calls
 * setlocale(LC_ALL, "") under LANG=ja_JP.UTF-8, as login, su and sudo
 * do), the PAM environment's LANG (set by pam_env, as a stack does); the
 * lock, suspension, expiry warning, forced change, quality refusal and
 * one-time password paths in the manual's words; lang=en and LANG=C in
 * English; the application's locale unchanged after every PAM call; the
 * client under LANG=ja_JP.UTF-8 with --json still English.
 */
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"
#include "th_otp.h"

static struct th T;

static const char *const services[] = {
	"pwja|socket=@DIR@/sock lang=ja",
	"pwen|socket=@DIR@/sock lang=en",
	"pwauto|socket=@DIR@/sock",
	"pwotpja|socket=@DIR@/sock otp lang=ja",
	NULL,
};

#define MOD "@BUILD@/pam_pwadmin.so socket=@DIR@/sock"
static const char svc_login_ja[] =
	"auth required " MOD " lang=ja\n"
	"account required " MOD " lang=ja\n"
	"password required " MOD " lang=ja\n";
/* pam_env puts LANG into the PAM environment (session), then the account
 * phase of the same handle speaks it: no lang=, the application in C */
static const char svc_env[] =
	"session required pam_env.so readenv=0 conffile=@DIR@/env.conf\n"
	"account required " MOD "\n";
static struct th_svcfile files[] = {
	{ "pwloginja", svc_login_ja },
	{ "pwenv", svc_env },
	{ NULL, NULL },
};

#define JA "ja_JP.UTF-8"
#define PW_ISSUED "Issued-login-pw7"
#define PW_NEW	  "Fresh-login-pw3"
#define PW_WRONG  "Wrong-guess-99"
#define LOCKED_JA \
	"ログインパスワードが利用停止になっています。" \
	"マスターユーザまたは管理者ユーザに利用停止の解除を依頼してください。"

#define NCASES(tc) ((int)(sizeof(tc) / sizeof((tc)[0])))
#define PAM_RUN(svc, user, s, tc) \
	assert_int_equal(th_pam_script(svc, user, s, tc, (size_t)NCASES(tc)), \
	    NCASES(tc))

/* The application's locale and text domain, as this program set them. */
struct app_locale {
	char all[256];
	char domain[64];
};

static void
app_save(struct app_locale *a)
{
	snprintf(a->all, sizeof(a->all), "%s", setlocale(LC_ALL, NULL));
	snprintf(a->domain, sizeof(a->domain), "%s", textdomain(NULL));
}

/* After a PAM call: the process's locale, the thread's and the text
 * domain are what the application had. */
static void
assert_app_unchanged(const struct app_locale *a)
{
	assert_string_equal(setlocale(LC_ALL, NULL), a->all);
	assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	assert_string_equal(textdomain(NULL), a->domain);
}

/* The application as login does it: LANG, then setlocale(LC_ALL, ""). */
static void
app_speaks(const char *lang)
{
	assert_int_equal(setenv("LANG", lang, 1), 0);
	assert_non_null(setlocale(LC_ALL, ""));
}

static void
app_english(void)
{
	unsetenv("LANG");
	assert_non_null(setlocale(LC_ALL, "C"));
}

static int
auth(const char *svc, const char *user, const char *pw, int expected,
    struct th_script *s)
{
	const char *const a[] = { pw, NULL };

	return th_pam_one(svc, user, PAMTEST_AUTHENTICATE, 0, expected, a, s);
}

static int
setup(void **state)
{
	(void)state;
	app_english();
	return th_start_seeded(&T, "max_login_failures = 3\n"
	    "max_otp_failures = 3\n");
}

static int
teardown(void **state)
{
	(void)state;
	app_english();
	unsetenv("LANG");
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

/* ==== the module ==== */

/* lang=ja: the prompt, then the lock in the manual's sentence. */
static void
test_lock_ja(void **state)
{
	struct app_locale a;
	struct th_script s;
	int i;

	(void)state;
	app_save(&a);
	for (i = 0; i < 2; i++) {
		assert_int_equal(auth("pwja", "alice", PW_WRONG, PAM_AUTH_ERR,
		    &s), PAM_AUTH_ERR);
		assert_string_equal(s.prompts, "ログインパスワード: ");
		assert_string_equal(s.errors, "");
		assert_app_unchanged(&a);
	}
	/* the third failure locks, and says so */
	assert_int_equal(auth("pwja", "alice", PW_WRONG, PAM_MAXTRIES, &s),
	    PAM_MAXTRIES);
	assert_string_equal(s.errors, LOCKED_JA);
	assert_app_unchanged(&a);
	/* locked: even the right password is refused, in Japanese */
	assert_int_equal(auth("pwja", "alice", TH_PW_ALICE_LOGIN, PAM_MAXTRIES,
	    &s), PAM_MAXTRIES);
	assert_string_equal(s.errors, LOCKED_JA);
	assert_app_unchanged(&a);
	/* lang=en on the same account: English */
	assert_int_equal(auth("pwen", "alice", TH_PW_ALICE_LOGIN, PAM_MAXTRIES,
	    &s), PAM_MAXTRIES);
	assert_string_equal(s.prompts, "Password: ");
	assert_string_equal(s.errors, "Your login password is locked after "
	    "too many failed attempts; a master or admin can unlock it.");
	/* no lang= and the application in C: English */
	assert_int_equal(auth("pwauto", "alice", TH_PW_ALICE_LOGIN,
	    PAM_MAXTRIES, &s), PAM_MAXTRIES);
	assert_string_equal(s.prompts, "Password: ");
	assert_app_unchanged(&a);
}

static void
test_suspended_ja(void **state)
{
	struct th_script s;

	(void)state;
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice",
	    (char *)NULL), 0);
	assert_int_equal(th_pam_one("pwja", "alice", PAMTEST_ACCOUNT, 0,
	    PAM_PERM_DENIED, NULL, &s), PAM_PERM_DENIED);
	assert_string_equal(s.errors, "ご利用のユーザは利用者停止中です。"
	    "マスターユーザまたは管理者ユーザに利用者停止の解除を依頼してください。");
}

/* The forced change after a reset: every prompt and the refusal of a
 * new password that breaks a quality rule, then the change itself. */
static void
test_forced_change_ja(void **state)
{
	const char *const weak[] = { PW_ISSUED, PW_ISSUED, "short", "short",
		NULL };
	const char *const good[] = { PW_ISSUED, PW_ISSUED, PW_NEW, PW_NEW,
		NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
	};
	struct app_locale a;
	struct th_script s;

	(void)state;
	app_save(&a);
	assert_int_equal(th_client(&T, 0, PW_ISSUED "\n", "reset", "boss",
	    "--login", (char *)NULL), 0);
	memset(&s, 0, sizeof(s));
	s.answers = weak;
	PAM_RUN("pwloginja", "boss", &s, tc);
	assert_string_equal(s.prompts, "ログインパスワード: \n"
	    "現在のログインパスワード: \n"
	    "新しいログインパスワード: \n"
	    "新しいログインパスワードを再入力してください: ");
	assert_non_null(strstr(s.errors, "ログインパスワードはパスワード強制変更"
	    "の対象です。ここで変更してください。"));
	assert_non_null(strstr(s.errors, "新しいログインパスワードは設定できま"
	    "せん: "));
	assert_app_unchanged(&a);

	/* the change goes through with a good password */
	tc[2].expected_rv = PAM_SUCCESS;
	memset(&s, 0, sizeof(s));
	s.answers = good;
	PAM_RUN("pwloginja", "boss", &s, tc);
	assert_int_equal(auth("pwja", "boss", PW_NEW, PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_app_unchanged(&a);
}

/* The expiry warning, the daemon's clock 80 days on (libfaketime). */
static void
test_expiry_warning_ja(void **state)
{
	struct th_script s;

	(void)state;
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start_shifted(&T, NULL, true, "+80d"), 0);
	assert_int_equal(th_pam_one("pwja", "boss", PAMTEST_ACCOUNT, 0, PAM_SUCCESS,
	    NULL, &s), PAM_SUCCESS);
	assert_string_equal(s.infos,
	    "ログインパスワードの有効期限まで、あと 10 日です。");
	assert_int_equal(th_pam_one("pwen", "boss", PAMTEST_ACCOUNT, 0, PAM_SUCCESS,
	    NULL, &s), PAM_SUCCESS);
	assert_string_equal(s.infos, "Your login password expires in 10 days.");
}

/* The one-time password's prompt, and its lock. */
static void
test_otp_ja(void **state)
{
	struct th_token k;
	struct th_script s;
	char wrong[16];
	int i;

	(void)state;
	if (!th_is_root())
		skip(); /* enrolment runs as the account's uid */
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	th_otp_wrong_code(&k, th_otp_step(&k), wrong, sizeof(wrong));
	for (i = 0; i < 2; i++) {
		(void)th_otp_login("pwotpja", "alice", TH_PW_ALICE_LOGIN, wrong,
		    PAM_AUTH_ERR, &s);
		assert_string_equal(s.prompts, "ログインパスワード: \n"
		    "ワンタイムパスワード: ");
	}
	(void)th_otp_login("pwotpja", "alice", TH_PW_ALICE_LOGIN, wrong,
	    PAM_MAXTRIES, &s);
	assert_non_null(strstr(s.errors, "ワンタイムパスワードが利用停止に"
	    "なっています。"));
}

/* No lang=: the application's message locale, as login sets it (a name
 * not in the store is asked for its password all the same, rule 14). */
static void
test_application_locale(void **state)
{
	struct app_locale a;
	struct th_script s;

	(void)state;
	app_speaks(JA);
	app_save(&a);
	assert_string_equal(a.all, JA);
	assert_int_equal(auth("pwauto", "nobody", PW_WRONG, PAM_USER_UNKNOWN,
	    &s), PAM_USER_UNKNOWN);
	assert_string_equal(s.prompts, "ログインパスワード: ");
	assert_app_unchanged(&a);
	/* lang=en pins English over the application's Japanese */
	assert_int_equal(auth("pwen", "nobody", PW_WRONG, PAM_USER_UNKNOWN,
	    &s), PAM_USER_UNKNOWN);
	assert_string_equal(s.prompts, "Password: ");
	assert_app_unchanged(&a);
	/* LANG=C: English */
	app_speaks("C");
	app_save(&a);
	assert_int_equal(auth("pwauto", "nobody", PW_WRONG, PAM_USER_UNKNOWN,
	    &s), PAM_USER_UNKNOWN);
	assert_string_equal(s.prompts, "Password: ");
	assert_app_unchanged(&a);
}

/* No lang= and the application in C: the PAM environment's LANG. */
static void
test_pam_environment(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
	};
	char path[PATH_MAX];
	struct app_locale a;
	struct th_script s;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/env.conf", T.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("LANG DEFAULT=" JA "\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(th_client(&T, 0, PW_ISSUED "\n", "reset", "alice",
	    "--login", (char *)NULL), 0);
	app_save(&a);
	memset(&s, 0, sizeof(s));
	PAM_RUN("pwenv", "alice", &s, tc);
	assert_string_equal(s.errors, "ログインパスワードはパスワード強制変更"
	    "の対象です。ここで変更してください。");
	assert_app_unchanged(&a);
}

/*
 * gettext reads the process's LANGUAGE before the locale (glibc): an
 * application started with LANGUAGE=en_US:en shows English even under
 * lang=ja, and the module says why in one warning (pam_pwadmin(8)).
 */
static void
test_language_variable(void **state)
{
	char log[65536] = "";
	struct th_script s;
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(setenv("LANGUAGE", "en_US:en", 1), 0);
	assert_int_equal(auth("pwja", "nobody", PW_WRONG, PAM_USER_UNKNOWN,
	    &s), PAM_USER_UNKNOWN);
	unsetenv("LANGUAGE");
	assert_string_equal(s.prompts, "Password: ");
	if (T.syslog[0] != '\0') { /* the harness's syslog preload is on */
		assert_non_null(f = fopen(T.syslog, "r"));
		n = fread(log, 1, sizeof(log) - 1, f);
		log[n] = '\0';
		fclose(f);
		assert_non_null(strstr(log, "lang=ja: the application's "
		    "LANGUAGE=en_US:en comes first"));
	}
	/* LANGUAGE=ja (or unset) leaves Japanese */
	assert_int_equal(setenv("LANGUAGE", "ja", 1), 0);
	assert_int_equal(auth("pwja", "nobody", PW_WRONG, PAM_USER_UNKNOWN,
	    &s), PAM_USER_UNKNOWN);
	unsetenv("LANGUAGE");
	assert_string_equal(s.prompts, "ログインパスワード: ");
}

/* ==== the client ==== */

/* Runs the client as root under LANG=lang. */
#define CLIENT_IN(lang, ...) do { \
	assert_int_equal(setenv("LANG", lang, 1), 0); \
	(void)th_client(&T, 0, "", __VA_ARGS__, (char *)NULL); \
	unsetenv("LANG"); \
} while (0)

static void
test_client_ja(void **state)
{
	struct th_script s;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		(void)auth("pwja", "alice", PW_WRONG, i < 2 ? PAM_AUTH_ERR :
		    PAM_MAXTRIES, &s);
	assert_true(th_field_is(&T, "alice", "login", "locked"));

	CLIENT_IN(JA, "status", "alice");
	assert_non_null(strstr(T.out, "ユーザ名: alice\n"));
	assert_non_null(strstr(T.out, "権限: 一般ユーザ\n"));
	assert_non_null(strstr(T.out, "ログインパスワード: 利用停止\n"));
	assert_non_null(strstr(T.out, "確認用パスワード: 利用可能\n"));
	assert_non_null(strstr(T.out, "利用状態: 利用可能\n"));
	assert_non_null(strstr(T.out, "ログインパスワード失敗回数: 3\n"));

	/* the table: Japanese heads, aligned by display columns */
	CLIENT_IN(JA, "list");
	assert_non_null(strstr(T.out, "ユーザ名  権限"));
	assert_non_null(strstr(T.out, "マスターユーザ"));
	assert_non_null(strstr(T.out, "利用停止"));

	/* --json stays English */
	CLIENT_IN(JA, "status", "alice", "--json");
	assert_non_null(strstr(T.out, "\"login\": \"locked\""));
	assert_null(strstr(T.out, "利用停止"));

	CLIENT_IN(JA, "unlock", "alice");
	assert_string_equal(T.out, "alice: ログインパスワード 利用可能、"
	    "確認用パスワード 利用可能、利用状態 利用可能\n");

	CLIENT_IN(JA, "suspend", "alice");
	assert_non_null(strstr(T.out, "利用状態 停止中"));

	/* a refusal, and a usage error: one line each, in Japanese */
	CLIENT_IN(JA, "userdel", "nosuchuser");
	assert_string_equal(T.err, "pwadmin: ユーザ nosuchuser は登録されて"
	    "いません。\n");
	CLIENT_IN(JA, "frobnicate");
	assert_string_equal(T.err, "pwadmin: 不明なコマンドです: "
	    "\"frobnicate\"\n");
	/* and LANG=C: English */
	CLIENT_IN("C", "frobnicate");
	assert_string_equal(T.err, "pwadmin: unknown command \"frobnicate\"\n");
}

/* The reset summary and its result line. */
static void
test_client_reset_ja(void **state)
{
	(void)state;
	assert_int_equal(setenv("LANG", JA, 1), 0);
	assert_int_equal(th_client(&T, 0, PW_ISSUED "\n", "reset", "alice",
	    "--login", (char *)NULL), 0);
	unsetenv("LANG");
	assert_non_null(strstr(T.out, "ユーザ: alice（権限 一般ユーザ）"));
	assert_non_null(strstr(T.out, "ログインパスワード: 新しいパスワード"));
	assert_non_null(strstr(T.out, "確認用パスワード: 変更なし"));
	assert_non_null(strstr(T.out, "alice のログインパスワードをリセットしま"
	    "した。次回ログイン時にパスワード強制変更となります。\n"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_ja, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspended_ja, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forced_change_ja, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expiry_warning_ja, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_otp_ja, setup, teardown),
		cmocka_unit_test_setup_teardown(test_application_locale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pam_environment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_language_variable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_ja, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_reset_ja, setup,
		    teardown),
	};
	int rc;

	th_init_files(&T, argc, argv, services, files);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
