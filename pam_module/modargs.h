/* SPDX-License-Identifier: MIT */
/* Module arguments of pam_pwadmin: pure parsing, no PAM calls (unit-tested). */
#ifndef PW_MODARGS_H
#define PW_MODARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "i18n.h"
#include "proto.h"

#define PW_SOCKET_MAX	       108 /* bytes with the NUL: sizeof(sun_path) */
#define PW_TIMEOUT_DEFAULT     30  /* seconds for one whole daemon call */
#define PW_TIMEOUT_MIN	       1   /* seconds */
#define PW_TIMEOUT_MAX	       300 /* seconds */

/* The parsed arguments of one module call; modargs_parse() fills it. */
struct modargs {
	uint8_t factor;	     /* enum pw_factor: factor=login|confirm */
	bool use_first_pass; /* acted on by pam_get_authtok() itself */
	bool try_first_pass; /* acted on by pam_get_authtok() itself */
	bool debug;	     /* LOG_DEBUG lines (never secrets) */
	bool otp;	     /* auth: a one-time password after the password */
	int timeout_s;	     /* PW_TIMEOUT_MIN..PW_TIMEOUT_MAX */
	uint8_t lang;	     /* enum pw_lang: lang=ja|en, else PW_LANG_AUTO */
	char socket[PW_SOCKET_MAX];	    /* absolute path of the socket */
	char daemon_user[PW_USER_MAX + 1]; /* extra trusted socket owner */
};

/*
 * Parses argv[0..argc) into *args.  Accepted: factor=login (default),
 * factor=confirm, otp, use_first_pass, try_first_pass, debug,
 * socket=ABSOLUTE_PATH (< PW_SOCKET_MAX bytes), daemon_user=NAME (a valid
 * proto_name_valid() name), timeout=SECONDS (PW_TIMEOUT_MIN..MAX) and
 * lang=ja|en.
 * Flags may repeat; a value argument may repeat only with the same value.
 * Anything else (an unknown word such as `nullok', a bad value, a NULL
 * element) is refused: never ignored.
 * Returns PW_OK with *args set; or PW_ERR_INVAL / PW_ERR_TOOLONG with *args
 * holding the defaults and *badp the index of the refused element (-1 when
 * argc/argv themselves are invalid).  *badp is -1 on success.
 */
int modargs_parse(int argc, const char **argv, struct modargs *args,
    int *badp) PW_WUR;

/*
 * Copies src into dst[0..dstsz) for a log-only text field: every byte
 * outside 0x21-0x7e becomes '?', and the copy is cut at dstsz - 1 bytes.
 * Use it only for fields that decide nothing (PAM service and rhost sent
 * for the daemon's log, a refused argument in our log); security data is
 * refused, never rewritten.  src NULL gives "".  Does nothing if dstsz is 0.
 */
void modargs_sanitize(char *dst, size_t dstsz, const char *src);

#endif
