/* SPDX-License-Identifier: MIT */
/*
 * Words for people in their language: the one user of gettext(3) and of
 * per-thread locales.  The text domain is "pwadmin"; every lookup names
 * it (dgettext), so neither the module nor the client ever calls
 * textdomain(), and the module never changes the application's locale
 * (setlocale is the client's alone, at its start).  Logs, the audit log,
 * JSON and protocol words are never looked up: they stay English.
 */
#ifndef PW_I18N_H
#define PW_I18N_H

#include <locale.h>
#include <stddef.h>

#define PW_TEXTDOMAIN "pwadmin"

/* A message for people (_), or one only marked for xgettext (N_), whose
 * lookup happens where it is shown. */
#define _(s)  pw_tr(s)
#define N_(s) s

/* The translation of msgid in the calling thread's message locale. */
const char *pw_tr(const char *msgid) __attribute__((format_arg(1)));

/* The plural form for n: one ("1 day") or many ("5 days"), translated. */
const char *pw_ntr(const char *one, const char *many, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));

/*
 * The catalogue directory of the program or module at `self' (an
 * absolute path): its directory's "locale" subdirectory when that is a
 * directory owned by root or by the owner of `self' and writable by no
 * one else (an uninstalled build: build/locale beside build/pwadmin),
 * else the directory the build was configured for (PW_LOCALEDIR).  Into
 * buf.
 */
const char *pw_i18n_dir(const char *self, char *buf, size_t bufsz);

/* Binds the text domain to dir, always with UTF-8 output (without it a
 * program in a non-UTF-8 locale would print "?????").  Process-wide. */
void pw_i18n_bind(const char *dir);

/* The languages a PAM service can be pinned to (lang=). */
enum pw_lang { PW_LANG_AUTO = 0, PW_LANG_EN, PW_LANG_JA };

#define PW_LOCALE_JA "ja_JP.UTF-8"

/*
 * The locale name the module's words are looked up in (pure, for tests):
 *  - lang=en: "C" (the English of the sources);
 *  - lang=ja: PW_LOCALE_JA;
 *  - otherwise NULL (the calling thread's own locale) when the
 *    application's message locale `app' is set (not C, POSIX or C.UTF-8),
 *    else the first of env[0..n) that is set and a plausible locale name
 *    (the PAM environment's LC_ALL, LC_MESSAGES, LANG), else "C".
 */
const char *pw_lang_pick(enum pw_lang lang, const char *app,
    const char *const *env, size_t n);

/* The calling thread's message locale's name (LC_MESSAGES). */
const char *pw_lang_current(void);

/*
 * A locale for looking up words in `name' (pw_lang_pick's answer):
 * (locale_t)0 for NULL, meaning the thread's own; else a new locale with
 * LC_MESSAGES and LC_CTYPE of `name' (freed by pw_lang_close), or
 * (locale_t)0 with *missing set when the system has no such locale.
 */
locale_t pw_lang_open(const char *name, int *missing);
void pw_lang_close(locale_t loc);

/* Runs with loc as the thread's locale (loc 0: unchanged) until
 * pw_lang_leave(), which restores what was in force before. */
locale_t pw_lang_enter(locale_t loc);
void pw_lang_leave(locale_t loc, locale_t old);

#endif
