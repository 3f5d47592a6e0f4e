/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/i18n.c and the words of common/words.c in both
 * languages: which locale the module picks, the catalogue built by make
 * (build/locale, beside the test's build dir), the manual's sentences,
 * plural forms, and the thread's locale restored after every lookup.
 */
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "i18n.h"
#include "pwerr.h"
#include "words.h"

static locale_t ja;

/* pw_words of one reason in Japanese, into buf. */
static const char *
ja_words(int status, uint16_t code, uint8_t factor, uint64_t num, char *buf,
    size_t bufsz)
{
	struct pw_why w = { .code = code, .factor = factor, .num = num };
	locale_t old = pw_lang_enter(ja);

	(void)pw_words(status, &w, buf, bufsz);
	pw_lang_leave(ja, old);
	return buf;
}

static const char *
en_words(int status, uint16_t code, uint8_t factor, uint64_t num, char *buf,
    size_t bufsz)
{
	struct pw_why w = { .code = code, .factor = factor, .num = num };

	return pw_words(status, &w, buf, bufsz);
}

static void
test_pick(void **state)
{
	const char *none[3] = { NULL, NULL, NULL };
	const char *lang[3] = { NULL, NULL, "ja_JP.UTF-8" };
	const char *all[3] = { "C", NULL, "ja_JP.UTF-8" };
	const char *msgs[3] = { "", "ja_JP.UTF-8", "de_DE.UTF-8" };
	const char *evil[3] = { NULL, NULL, "../../tmp/x" };
	const char *cutf[3] = { NULL, NULL, "C.UTF-8" };

	(void)state;
	/* lang= pins, whatever the application and the environment say */
	assert_string_equal(pw_lang_pick(PW_LANG_JA, "C", none, 3),
	    PW_LOCALE_JA);
	assert_string_equal(pw_lang_pick(PW_LANG_JA, "de_DE.UTF-8", lang, 3),
	    PW_LOCALE_JA);
	assert_string_equal(pw_lang_pick(PW_LANG_EN, "ja_JP.UTF-8", lang, 3),
	    "C");
	/* the application's message locale, when it set one */
	assert_null(pw_lang_pick(PW_LANG_AUTO, "ja_JP.UTF-8", none, 3));
	assert_null(pw_lang_pick(PW_LANG_AUTO, "de_DE.UTF-8", lang, 3));
	/* else the PAM environment: LC_ALL, LC_MESSAGES, LANG in that order */
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", lang, 3),
	    "ja_JP.UTF-8");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "POSIX", lang, 3),
	    "ja_JP.UTF-8");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C.UTF-8", lang, 3),
	    "ja_JP.UTF-8");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", all, 3), "C");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", msgs, 3),
	    "ja_JP.UTF-8");
	/* else English; a value that is no locale name is never passed on */
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", none, 3), "C");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, NULL, none, 3), "C");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", evil, 3), "C");
	assert_string_equal(pw_lang_pick(PW_LANG_AUTO, "C", cutf, 3), "C");
}

static void
test_open_missing(void **state)
{
	int missing = 0;
	locale_t l;

	(void)state;
	l = pw_lang_open("xx_NOWHERE.UTF-8", &missing);
	assert_true(l == (locale_t)0);
	assert_int_equal(missing, 1);
	assert_true(pw_lang_open(NULL, &missing) == (locale_t)0);
	assert_int_equal(missing, 0);
}

/* Catalogues beside an uninstalled program, else the configured place. */
static void
test_dir(void **state)
{
	char self[PATH_MAX], dir[PATH_MAX], want[PATH_MAX], *slash;
	ssize_t n;

	(void)state;
	/* /usr/bin/locale is a program, not a directory */
	assert_string_equal(pw_i18n_dir("/usr/bin/pwadmin", dir, sizeof(dir)),
	    PW_LOCALEDIR);
	assert_string_equal(pw_i18n_dir("/nonexistent/pwadmin", dir,
	    sizeof(dir)), PW_LOCALEDIR);
	assert_string_equal(pw_i18n_dir(NULL, dir, sizeof(dir)), PW_LOCALEDIR);
	assert_string_equal(pw_i18n_dir("pwadmin", dir, sizeof(dir)),
	    PW_LOCALEDIR);
	/* build/tests/x: no build/tests/locale; build/x: build/locale */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	assert_string_equal(pw_i18n_dir(self, dir, sizeof(dir)), PW_LOCALEDIR);
	slash = strrchr(self, '/');
	*slash = '\0';
	slash = strrchr(self, '/');
	snprintf(want, sizeof(want), "%.*s/locale", (int)(slash - self), self);
	memcpy(slash, "/pwadmin", 9);
	assert_string_equal(pw_i18n_dir(self, dir, sizeof(dir)), want);
}

/* A catalogue directory others may write to is not trusted. */
static void
test_dir_trust(void **state)
{
	char tmp[] = "/tmp/pwi18n.XXXXXX", prog[64], loc[64], dir[PATH_MAX];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(prog, sizeof(prog), "%s/prog", tmp);
	snprintf(loc, sizeof(loc), "%s/locale", tmp);
	assert_non_null(f = fopen(prog, "w"));
	fclose(f);
	assert_int_equal(mkdir(loc, 0755), 0);
	assert_int_equal(chmod(loc, 0755), 0);
	assert_string_equal(pw_i18n_dir(prog, dir, sizeof(dir)), loc);
	assert_int_equal(chmod(loc, 0775), 0);
	assert_string_equal(pw_i18n_dir(prog, dir, sizeof(dir)), PW_LOCALEDIR);
	assert_int_equal(chmod(loc, 0757), 0);
	assert_string_equal(pw_i18n_dir(prog, dir, sizeof(dir)), PW_LOCALEDIR);
	/* and a program that is not there has nothing beside it */
	assert_int_equal(chmod(loc, 0755), 0);
	assert_int_equal(unlink(prog), 0);
	assert_string_equal(pw_i18n_dir(prog, dir, sizeof(dir)), PW_LOCALEDIR);
	assert_int_equal(rmdir(loc), 0);
	assert_int_equal(rmdir(tmp), 0);
}

/*
 * Sentences word for word: the manual's for a locked password, each
 * factor's name put into it, plural forms, and English as it was.
 */
static const struct {
	bool ja;
	int status;
	uint16_t code;
	uint8_t factor;
	uint64_t num;
	const char *want;
} sentences[] = {
	{ true, PW_ERR_LOCKED, PW_R_LOCKED, 0, 0,
	    "ログインパスワードが利用停止になっています。マスターユーザまたは"
	    "管理者ユーザに利用停止の解除を依頼してください。" },
	{ true, PW_ERR_LOCKED, PW_R_LOCKED, 1, 0,
	    "確認用パスワードが利用停止になっています。マスターユーザまたは"
	    "管理者ユーザに利用停止の解除を依頼してください。" },
	{ true, PW_ERR_LOCKED, PW_R_LOCKED, 2, 0,
	    "ワンタイムパスワードが利用停止になっています。マスターユーザまたは"
	    "管理者ユーザに利用停止の解除を依頼してください。" },
	{ false, PW_ERR_LOCKED, PW_R_LOCKED, 0, 0, "Your login password is "
	    "locked after too many failed attempts; a master or admin can "
	    "unlock it." },
	{ false, PW_OK, PW_R_EXPIRES_IN, 0, 1,
	    "Your login password expires in 1 day." },
	{ false, PW_OK, PW_R_EXPIRES_IN, 0, 5,
	    "Your login password expires in 5 days." },
	{ true, PW_OK, PW_R_EXPIRES_IN, 0, 1,
	    "ログインパスワードの有効期限まで、あと 1 日です。" },
	{ true, PW_OK, PW_R_EXPIRES_IN, 1, 5,
	    "確認用パスワードの有効期限まで、あと 5 日です。" },
	{ false, PW_OK, PW_R_MORE_CHANGED, 0, 1, "1 more account was changed." },
	{ false, PW_OK, PW_R_MORE_CHANGED, 0, 3,
	    "3 more accounts were changed." },
	{ false, PW_ERR_QUALITY, PW_R_Q_HISTORY, 0, 1, "New login password "
	    "refused: it is your last login password." },
	{ false, PW_ERR_QUALITY, PW_R_Q_HISTORY, 1, 4, "New confirmation "
	    "password refused: it is one of your last 4 confirmation "
	    "passwords." },
	{ true, PW_ERR_QUALITY, PW_R_Q_HISTORY, 0, 4, "新しいログインパスワードは"
	    "設定できません: 過去 4 回分に使ったログインパスワードと同じです。" },
	{ true, PW_ERR_SUSPENDED, PW_R_SUSPENDED, 0, 0, "ご利用のユーザは"
	    "利用者停止中です。マスターユーザまたは管理者ユーザに利用者停止の"
	    "解除を依頼してください。" },
};

static void
test_sentences(void **state)
{
	char buf[PW_WORDS_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++) {
		if (sentences[i].ja)
			(void)ja_words(sentences[i].status, sentences[i].code,
			    sentences[i].factor, sentences[i].num, buf,
			    sizeof(buf));
		else
			(void)en_words(sentences[i].status, sentences[i].code,
			    sentences[i].factor, sentences[i].num, buf,
			    sizeof(buf));
		if (strcmp(buf, sentences[i].want) != 0)
			fail_msg("sentence %zu: \"%s\", want \"%s\"", i, buf,
			    sentences[i].want);
	}
}

/* Every reason has a Japanese sentence, and no English one is left. */
static void
test_every_reason_japanese(void **state)
{
	char ja_buf[PW_WORDS_MAX], en_buf[PW_WORDS_MAX];
	struct pw_why w;
	locale_t old;
	uint16_t c;
	uint8_t f;

	(void)state;
	for (c = PW_R_STATUS; c <= PW_R_MAX; c++)
		for (f = 0; f <= 2; f++) {
			memset(&w, 0, sizeof(w));
			w.code = c;
			w.factor = f;
			w.num = 3;
			w.num2 = 4;
			memcpy(w.name, "alice", 6);
			memcpy(w.text, "unlock", 7);
			(void)pw_words(PW_ERR_AUTH, &w, en_buf,
			    sizeof(en_buf));
			old = pw_lang_enter(ja);
			(void)pw_words(PW_ERR_AUTH, &w, ja_buf,
			    sizeof(ja_buf));
			pw_lang_leave(ja, old);
			assert_true(en_buf[0] != '\0');
			if (strcmp(ja_buf, en_buf) == 0)
				fail_msg("reason %u factor %u not translated: "
				    "%s", c, f, en_buf);
			/* a Japanese sentence: at least one non-ASCII byte */
			if (strspn(ja_buf, "\x01\x02\x03\x04\x05\x06\x07"
			    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMN"
			    "OPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~")
			    == strlen(ja_buf))
				fail_msg("reason %u: %s", c, ja_buf);
		}
}

/* Lookups leave the thread's locale as it was. */
static void
test_locale_restored(void **state)
{
	char buf[PW_WORDS_MAX];

	(void)state;
	assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	(void)ja_words(PW_ERR_LOCKED, PW_R_LOCKED, 0, 0, buf, sizeof(buf));
	assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
	assert_string_equal(pw_lang_current(), "C");
}

static int
setup(void **state)
{
	char self[PATH_MAX], dir[PATH_MAX], *slash;
	ssize_t n;
	int missing;

	(void)state;
	/* build/tests/test_i18n: the catalogues are in build/locale */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	snprintf(dir, sizeof(dir), "%s/locale", self);
	pw_i18n_bind(dir);
	ja = pw_lang_open(PW_LOCALE_JA, &missing);
	if (ja == (locale_t)0) {
		fprintf(stderr, "the %s locale is missing: make deps "
		    "generates it\n", PW_LOCALE_JA);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pw_lang_close(ja);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_dir_trust),
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_every_reason_japanese),
		cmocka_unit_test(test_locale_restored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
