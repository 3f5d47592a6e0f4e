/* SPDX-License-Identifier: MIT */
/*
 * pwadmin output: account state and audit entries as text or JSON
 * (jansson); the reset summary; refusal lines.
 */
#ifndef PW_OUTPUT_H
#define PW_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "proto.h"

#define OUTPUT_DATE_MAX 11 /* bytes of "YYYY-MM-DD" and its NUL */
#define OUTPUT_TIME_MAX 21 /* bytes of "YYYY-MM-DDTHH:MM:SSZ" and its NUL */

/* The highlight of a changed item on a terminal: bold on orange. */
#define OUTPUT_HIGHLIGHT "\033[1;30;48;5;208m"
#define OUTPUT_NORMAL	 "\033[0m"

/*
 * Formats the unix time t as an ISO 8601 date in UTC ("2025-03-01") into
 * buf (at least OUTPUT_DATE_MAX bytes).  Returns PW_OK, or PW_ERR_INVAL
 * (buf "") for t <= 0 or past year 9999: callers print 0 as never/null.
 */
int output_date(int64_t t, char *buf, size_t bufsz) PW_WUR;

/*
 * Formats the unix time t in UTC as "2026-11-27T13:05:00Z" into buf (at
 * least OUTPUT_TIME_MAX bytes).  Returns PW_OK, or PW_ERR_INVAL (buf "")
 * for t < 0 or past year 9999.
 */
int output_time(int64_t t, char *buf, size_t bufsz) PW_WUR;

/*
 * Sets *out to a new JSON object for one account with exactly the fields
 * of pwadmin(1): name, role, login, confirm, service, otp, must_change,
 * login_expires, confirm_expires (date, or null for 0), login_failures,
 * confirm_failures, otp_failures.  The caller owns it (json_decref).
 * Returns PW_OK, PW_ERR_NOMEM, or PW_ERR_PROTO for a value out of range
 * (an expiry before 1970 or past year 9999); *out is NULL on failure.
 */
int output_account_json(const struct pw_account *a, json_t **out) PW_WUR;

/* {"accounts": [ ... ]} for n accounts; as output_account_json. */
int output_accounts_json(const struct pw_account *a, size_t n,
    json_t **out) PW_WUR;

/*
 * {"counters": {name: value, ...}} for n counters in enum pw_stat order;
 * a counter without a proto_stat_name() is named "counter_N".  Returns as
 * output_account_json (PW_ERR_PROTO: a value past JSON's integer range).
 */
int output_stats_json(const uint64_t *v, size_t n, json_t **out) PW_WUR;

/* Prints doc (indented, sorted keys) and a newline; PW_OK or PW_ERR_IO. */
int output_json(FILE *fp, const json_t *doc) PW_WUR;

/*
 * The text forms below return PW_OK, PW_ERR_PROTO for a value out of range
 * (as above; nothing printed), or PW_ERR_IO when fp reports an error.
 */

/* "key: value" lines for one account (the keys of the JSON object). */
int output_account_text(FILE *fp, const struct pw_account *a) PW_WUR;

/*
 * An aligned table: NAME ROLE LOGIN CONFIRM SERVICE OTP MUST-CHANGE
 * FAILURES (login/confirm/otp); "No accounts." when n is 0.
 */
int output_list_text(FILE *fp, const struct pw_account *a, size_t n) PW_WUR;

/*
 * One line per account after unlock, suspend or resume:
 * "alice: login available, confirm available, service suspended";
 * nothing when n is 0.
 */
int output_changed_text(FILE *fp, const struct pw_account *a, size_t n) PW_WUR;

/*
 * One line per account after otp unlock: "alice: otp available" (the
 * state is available, locked or none); nothing when n is 0.
 */
int output_otp_text(FILE *fp, const struct pw_account *a, size_t n) PW_WUR;

/* The account after role: "alice: role admin". */
int output_role_text(FILE *fp, const struct pw_account *a) PW_WUR;

/* "name value" lines, aligned. */
int output_stats_text(FILE *fp, const uint64_t *v, size_t n) PW_WUR;

/*
 * True when the reset summary may use colour: tty (the stream it goes to
 * is a terminal), no_color (getenv("NO_COLOR")) unset or empty, and term
 * (getenv("TERM")) set, not empty and not "dumb".
 */
bool output_colour(bool tty, const char *no_color, const char *term);

/*
 * The summary of a reset shown before the actor confirms it (SPEC rule 6):
 * the account `a' (its state before the reset, from STATUS) and its role,
 * the login and confirmation passwords ("new password" or "unchanged"),
 * the must-change marks, then one "note:" line for each lock and for a
 * suspended account (reset lifts none of them).  `flags' are the request's
 * PW_F_LOGIN, PW_F_CONFIRM and PW_F_NO_FORCE.  Changed items are shown
 * bold on orange (OUTPUT_HIGHLIGHT) when `colour', else marked with a
 * leading "* "; every other line starts with two spaces.
 */
int output_reset_summary(FILE *fp, const struct pw_account *a,
    uint32_t flags, bool colour) PW_WUR;

/*
 * The line after a successful reset, e.g. "Reset the login password of
 * bob; it must be changed at next login."
 */
int output_reset_text(FILE *fp, const char *user, uint32_t flags) PW_WUR;

/*
 * The line after a successful passwd: "Changed your login password.",
 * "Changed your confirmation password." or, for both PW_F_LOGIN and
 * PW_F_CONFIRM, "Changed your login and confirmation passwords."
 */
int output_passwd_text(FILE *fp, uint32_t flags) PW_WUR;

/*
 * One line per audit entry, oldest first:
 * "SEQ  TIME  ACTOR(uid N)  ACTION  TARGET  RESULT  DETAIL" with TARGET
 * "-" when empty, RESULT "ok" or pw_strerror(status), the detail (and its
 * separator) left out when empty, every string through output_sanitize;
 * "No audit entries." when n is 0.  PW_ERR_PROTO (nothing printed) for a
 * time out of range or a sequence number past INT64_MAX.
 */
int output_audit_text(FILE *fp, const struct pw_audit *e, size_t n) PW_WUR;

/*
 * One audit entry as a JSON object: seq, time (as output_time), uid, actor,
 * action, target (null when empty), result ("ok" or "refused"), status
 * (pw_strerror of the entry's status), detail, hash (64 lower-case hex
 * digits).  Returns as output_account_json.
 */
int output_audit_entry_json(const struct pw_audit *e, json_t **out) PW_WUR;

/* {"entries": [ ... ]} for n entries; as output_audit_entry_json. */
int output_audit_json(const struct pw_audit *e, size_t n,
    json_t **out) PW_WUR;

/*
 * A word of the text forms (a JSON value: "locked", "suspended", "admin",
 * "never"...) in the locale's language; an unknown word as it is.
 */
const char *output_word(const char *word);

/* One line on stderr: "pwadmin: ", fmt (in the locale's language), "\n". */
void output_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* pw_words() in English, for the JSON forms (which never change language). */
const char *output_words_en(int status, const struct pw_why *why, char *buf,
    size_t bufsz);

/*
 * Reports a failed command in one line on fp and returns its exit status
 * (cli_exit_code).  Transport errors: "pwadmin: cannot reach pwadmind at
 * SOCKET: <pw_strerror>"; other refusals: "pwadmin: MSG" when msg is not
 * empty, else "pwadmin: <pw_strerror>".  Control characters in msg are
 * shown as '?'.
 */
int output_refusal(FILE *fp, const char *socket, int status,
    const struct pw_why *why);

/* Copies s into dst, with bytes that a terminal could act on shown as '?'. */
void output_sanitize(char *dst, size_t dstsz, const char *s);

#endif
