/* SPDX-License-Identifier: MIT */
/*
 * pwadmin otp: enrolment of the caller's own token (confirmation, the
 * otpauth:// URI and its QR code, the activation code), and the requests
 * of otp unlock and otp remove.
 */
#ifndef PW_OTP_H
#define PW_OTP_H

#include <stdbool.h>
#include <stdio.h>

#include "call.h"
#include "cli.h"
#include "prompt.h"
#include "proto.h"

#define OTP_CODE_MIN	 6 /* digits of an activation code */
#define OTP_QUIET	 4 /* modules of light margin around a QR code */
#define OTP_URI_PREFIX	 "otpauth://totp/"
#define OTP_QR_COLOUR	 "\033[40;97m" /* bright white on black */
#define OTP_QR_NORMAL	 "\033[0m"

/* Where otp_enroll shows the URI. */
struct otp_show {
	FILE *fp;    /* the URI line, then the QR code */
	bool qr;     /* draw the QR code too (fp is a terminal) */
	bool colour; /* the QR code in explicit colours (OTP_QR_COLOUR) */
};

/* True when s is OTP_CODE_MIN..PW_OTP_MAX ASCII digits and nothing else. */
bool otp_code_valid(const char *s);

/*
 * Draws the QR code of `text' (libqrencode: version chosen to fit, level
 * L, 8-bit mode, case-sensitive) on fp with Unicode half blocks: one line
 * per two rows of modules, one character per column, with a quiet zone of
 * OTP_QUIET light modules on every side, so (width + 2 * OTP_QUIET + 1) / 2
 * lines of width + 2 * OTP_QUIET characters.  Light modules are drawn in
 * the foreground colour and dark ones left as background ("█" both light,
 * "▀" top light, "▄" bottom light, " " both dark; the half row below the
 * last one is background).  With `colour' each line starts with
 * OTP_QR_COLOUR and ends with OTP_QR_NORMAL, so that it scans on any
 * terminal theme; without, it assumes light text on a dark background.
 * The code's modules are wiped before they are freed.  Returns PW_OK,
 * PW_ERR_NOMEM, PW_ERR_TOOLONG (text too long for a QR code) or PW_ERR_IO.
 */
int otp_qr_print(FILE *fp, const char *text, bool colour) PW_WUR;

/*
 * otp enroll for the caller's own account `user':
 *   1. reads its confirmation password ("Confirmation password: ") and
 *      sends OTP_ENROLL (flags 0, secret[0] the password);
 *   2. prints the reply's URI, which must start with OTP_URI_PREFIX, as one
 *      line on show->fp and flushes it, then, with show->qr, its QR code;
 *   3. reads the activation code ("One-time password from your app: ";
 *      with --stdin the next line, read only after step 2), refuses one
 *      that is not otp_code_valid() with exit status 2 before anything is
 *      sent, and sends OTP_ENROLL with PW_F_ACTIVATE, secret[0] the code.
 * Secrets, and the URI in *rep, are wiped on every path.  Returns
 * CLI_EXIT_OK when the token is active (the daemon's last reply in *rep),
 * else the exit status after one line on stderr: a failed read, the
 * daemon's refusal (output_refusal), a reply without a valid URI
 * (PW_ERR_PROTO, exit 3) or a URI that could not be written (exit 1).
 */
int otp_enroll(const struct call *c, const struct prompt_src *src,
    const char *user, const struct otp_show *show,
    struct pw_reply *rep) PW_WUR;

/*
 * Builds into *req (cleared first) the request of otp unlock (OTP_UNLOCK:
 * cli's targets, or PW_F_ALL) or otp remove (OTP_REMOVE: cli->user), with
 * one secret, left empty for the actor's confirmation (admin_send).
 * PW_ERR_INVAL for any other command.
 */
int otp_admin_req(const struct cli *cli, struct pw_request *req) PW_WUR;

#endif
