/* SPDX-License-Identifier: MIT */
/*
 * One-time password tokens in the integration tests: the otpauth:// URI
 * the client prints, and codes computed by Debian's oathtool (an
 * implementation independent of the daemon's liboath).
 */
#ifndef TH_OTP_H
#define TH_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "harness.h"

struct th_token {
	char uri[1024];	   /* the otpauth:// line as printed */
	char secret[256];  /* base32, as in the URI */
	uint8_t raw[128];  /* the secret decoded */
	size_t rawlen;
	int digits, period;
	char algo[16];	   /* oathtool's --totp=MODE: sha1, sha256, sha512 */
	long long step;	   /* time step of the activation code */
};


/* Parses an otpauth://totp/ line into k; false (and says why) if invalid. */
bool th_otp_parse_uri(const char *line, struct th_token *k);
/* The time step of `when', and of now. */
long long th_otp_step_at(const struct th_token *k, time_t when);
long long th_otp_step(const struct th_token *k);
/* Waits for the next 30 s step when fewer than `margin' seconds are left. */
void th_otp_fresh_step(int margin);
/* oathtool's code of k for time step `step' into out; false on failure. */
bool th_otp_code(const struct th_token *k, long long step, char *out,
    size_t outsz);
/* th_otp_code, asserted (cmocka) to succeed; returns out. */
const char *th_otp_code_at(const struct th_token *k, long long step,
    char *out, size_t outsz);
/* A code of the right length that is the code of no step within 4 of
 * `center'. */
void th_otp_wrong_code(const struct th_token *k, long long center, char *out,
    size_t outsz);

enum th_activation { TH_ACT_RIGHT, TH_ACT_WRONG };
/*
 * `pwadmin --stdin otp enroll' as uid on t's daemon: types `confirm',
 * waits for the URI, then types the activation code of the current step
 * (or a wrong one).  Fills k (k->secret empty when no URI came) and
 * returns the exit status.
 */
int th_otp_enroll(struct th *t, uid_t uid, const char *confirm,
    enum th_activation act, struct th_token *k);
/* th_otp_enroll with the right code, asserted to leave a usable token. */
void th_otp_enroll_ok(struct th *t, uid_t uid, const char *user,
    const char *confirm, struct th_token *k);

/*
 * One pam_authenticate on svc for user: `pw' at the password prompt, then
 * `code' (NULL: none to give) at the next.  Returns its result; *s holds
 * what was shown.
 */
int th_otp_login(const char *svc, const char *user, const char *pw,
    const char *code, int expected, struct th_script *s);

#endif
