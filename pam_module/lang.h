/* SPDX-License-Identifier: MIT */
/*
 * The language of one module call: chosen once at its start (lang=, else
 * the application's message locale, else the PAM environment's), used by
 * every word the call shows, and only around each lookup: the
 * application's locale is never changed, not even while its conversation
 * function runs.
 */
#ifndef PW_MODLANG_H
#define PW_MODLANG_H

#include <security/pam_modules.h>
#include <stddef.h>
#include <stdint.h>

#include "words.h"

/* Chooses this call's language (lang: enum pw_lang) for pamh. */
void modlang_begin(pam_handle_t *pamh, uint8_t lang);

/* Forgets it (also done by pam_end). */
void modlang_end(pam_handle_t *pamh);

/* msgid in this call's language; stays valid after the call. */
const char *modlang_tr(pam_handle_t *pamh, const char *msgid)
    __attribute__((format_arg(2)));

/* pw_words() in this call's language. */
const char *modlang_words(pam_handle_t *pamh, int status,
    const struct pw_why *why, char *buf, size_t bufsz);

#endif
