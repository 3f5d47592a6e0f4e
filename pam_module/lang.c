/* SPDX-License-Identifier: MIT */
/* The language of one module call (lang.h). */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <security/pam_ext.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "i18n.h"
#include "lang.h"
#include "modargs.h"

#define LANG_KEY "pam_pwadmin_lang"

static pthread_once_t bound = PTHREAD_ONCE_INIT;
static const char here; /* an address inside this module, for dladdr */

/* The text domain, once per load: the catalogues beside this module (an
 * uninstalled build), else where the build installs them. */
static void
bind_once(void)
{
	char dir[PATH_MAX];
	Dl_info info;

	if (dladdr(&here, &info) == 0)
		info.dli_fname = NULL;
	pw_i18n_bind(pw_i18n_dir(info.dli_fname, dir, sizeof(dir)));
}

static void
lang_free(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	pw_lang_close(*(locale_t *)data);
	free(data);
}

/*
 * gettext reads the process's LANGUAGE before any locale but C, so an
 * application started with LANGUAGE=en_US:en (Ubuntu's default locale
 * file sets it) shows English under lang=ja; the module may not change
 * the environment.  Said once per process.
 */
static void
language_warn(pam_handle_t *pamh)
{
	static atomic_bool warned;
	const char *v = getenv("LANGUAGE");
	char shown[64];

	if (v == NULL || v[0] == '\0' || strncmp(v, "ja", 2) == 0 ||
	    atomic_exchange(&warned, true))
		return;
	modargs_sanitize(shown, sizeof(shown), v);
	pam_syslog(pamh, LOG_WARNING, "lang=ja: the application's LANGUAGE=%s "
	    "comes first for gettext, so messages follow it; unset LANGUAGE "
	    "for this service", shown);
}

void
modlang_begin(pam_handle_t *pamh, uint8_t lang)
{
	static atomic_bool warned;
	const char *env[3], *name;
	locale_t *loc;
	int missing;

	(void)pthread_once(&bound, bind_once);
	modlang_end(pamh);
	if (lang == PW_LANG_JA)
		language_warn(pamh);
	env[0] = pam_getenv(pamh, "LC_ALL");
	env[1] = pam_getenv(pamh, "LC_MESSAGES");
	env[2] = pam_getenv(pamh, "LANG");
	name = pw_lang_pick((enum pw_lang)lang, pw_lang_current(), env, 3);
	if (name == NULL)
		return; /* the application's own message locale */
	if ((loc = malloc(sizeof(*loc))) == NULL)
		return; /* the application's: words, if not the wanted ones */
	*loc = pw_lang_open(name, &missing);
	if (missing) {
		/* said once per process, not at every login */
		if (lang == PW_LANG_JA && !atomic_exchange(&warned, true))
			pam_syslog(pamh, LOG_WARNING, "lang=ja: the locale %s "
			    "is not installed, so messages are in English; "
			    "generate it (locale-gen)", name);
		*loc = pw_lang_open("C", &missing);
	}
	if (*loc == (locale_t)0 ||
	    pam_set_data(pamh, LANG_KEY, loc, lang_free) != PAM_SUCCESS) {
		pw_lang_close(*loc);
		free(loc);
	}
}

void
modlang_end(pam_handle_t *pamh)
{
	(void)pam_set_data(pamh, LANG_KEY, NULL, NULL);
}

/* This call's locale, or (locale_t)0 for the thread's own. */
static locale_t
call_locale(pam_handle_t *pamh)
{
	const void *d = NULL;

	if (pam_get_data(pamh, LANG_KEY, &d) != PAM_SUCCESS || d == NULL)
		return (locale_t)0;
	return *(const locale_t *)d;
}

const char *
modlang_tr(pam_handle_t *pamh, const char *msgid)
{
	locale_t loc = call_locale(pamh), old = pw_lang_enter(loc);
	const char *t = pw_tr(msgid);

	pw_lang_leave(loc, old);
	return t;
}

const char *
modlang_words(pam_handle_t *pamh, int status, const struct pw_why *why,
    char *buf, size_t bufsz)
{
	locale_t loc = call_locale(pamh), old = pw_lang_enter(loc);

	(void)pw_words(status, why, buf, bufsz);
	pw_lang_leave(loc, old);
	return buf;
}
