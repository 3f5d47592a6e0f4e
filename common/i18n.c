/* SPDX-License-Identifier: MIT */
/* Words for people in their language (i18n.h). */
#include <langinfo.h>
#include <libintl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"

#ifndef PW_LOCALEDIR
#define PW_LOCALEDIR "/usr/local/share/locale"
#endif
#define NAME_MAX_LEN 64 /* bytes of a locale name we pass to newlocale */

const char *
pw_tr(const char *msgid)
{
	return dgettext(PW_TEXTDOMAIN, msgid);
}

const char *
pw_ntr(const char *one, const char *many, unsigned long n)
{
	return dngettext(PW_TEXTDOMAIN, one, many, n);
}

/*
 * A catalogue's strings become format strings: the directory beside the
 * binary counts only when it is as trusted as the binary, owned by root
 * or by the binary's owner and writable by no one else.
 */
const char *
pw_i18n_dir(const char *self, char *buf, size_t bufsz)
{
	const char *slash = self != NULL && self[0] == '/' ?
	    strrchr(self, '/') : NULL;
	struct stat bin, st;
	int n;

	if (slash != NULL && stat(self, &bin) == 0) {
		n = snprintf(buf, bufsz, "%.*s/locale", (int)(slash - self),
		    self);
		if (n > 0 && (size_t)n < bufsz && stat(buf, &st) == 0 &&
		    S_ISDIR(st.st_mode) && (st.st_mode & 022) == 0 &&
		    (st.st_uid == 0 || st.st_uid == bin.st_uid))
			return buf;
	}
	(void)snprintf(buf, bufsz, "%s", PW_LOCALEDIR);
	return buf;
}

void
pw_i18n_bind(const char *dir)
{
	(void)bindtextdomain(PW_TEXTDOMAIN, dir);
	(void)bind_textdomain_codeset(PW_TEXTDOMAIN, "UTF-8");
}

/* A locale that names no language: the sources' English. */
static bool
no_language(const char *name)
{
	return name == NULL || name[0] == '\0' || strcmp(name, "C") == 0 ||
	    strcmp(name, "POSIX") == 0 || strncmp(name, "C.", 2) == 0;
}

/* A name newlocale may be given: letters, digits and _ . @ - only, no
 * path (a value from the PAM environment is the user's to choose). */
static bool
plausible(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.@-", name[i]) == NULL)
			return false;
	return strstr(name, "..") == NULL;
}

const char *
pw_lang_pick(enum pw_lang lang, const char *app, const char *const *env,
    size_t n)
{
	size_t i;

	if (lang == PW_LANG_EN)
		return "C";
	if (lang == PW_LANG_JA)
		return PW_LOCALE_JA;
	if (!no_language(app))
		return NULL;
	for (i = 0; i < n; i++)
		if (env[i] != NULL && env[i][0] != '\0')
			return plausible(env[i]) && !no_language(env[i]) ?
			    env[i] : "C";
	return "C";
}

const char *
pw_lang_current(void)
{
	return nl_langinfo(_NL_LOCALE_NAME(LC_MESSAGES));
}

locale_t
pw_lang_open(const char *name, int *missing)
{
	locale_t loc;

	*missing = 0;
	if (name == NULL)
		return (locale_t)0;
	loc = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, name, (locale_t)0);
	if (loc == (locale_t)0)
		*missing = 1;
	return loc;
}

void
pw_lang_close(locale_t loc)
{
	if (loc != (locale_t)0)
		freelocale(loc);
}

locale_t
pw_lang_enter(locale_t loc)
{
	return loc != (locale_t)0 ? uselocale(loc) : (locale_t)0;
}

void
pw_lang_leave(locale_t loc, locale_t old)
{
	if (loc != (locale_t)0)
		(void)uselocale(old);
}
