/* SPDX-License-Identifier: MIT */
/* pwadmin output: account state as text or JSON (jansson); refusal lines. */
#ifndef PW_OUTPUT_H
#define PW_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "proto.h"

#define OUTPUT_DATE_MAX 11 /* bytes of "YYYY-MM-DD" and its NUL */

/*
 * Formats the unix time t as an ISO 8601 date in UTC ("2025-03-01") into
 * buf (at least OUTPUT_DATE_MAX bytes).  Returns PW_OK, or PW_ERR_INVAL
 * (buf "") for t <= 0 or past year 9999: callers print 0 as never/null.
 */
int output_date(int64_t t, char *buf, size_t bufsz) PW_WUR;

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

/* One line per account: "alice: login available, confirm available". */
int output_unlock_text(FILE *fp, const struct pw_account *a, size_t n) PW_WUR;

/* "name value" lines, aligned. */
int output_stats_text(FILE *fp, const uint64_t *v, size_t n) PW_WUR;

/*
 * Reports a failed command in one line on fp and returns its exit status
 * (cli_exit_code).  Transport errors: "pwadmin: cannot reach pwadmind at
 * SOCKET: <pw_strerror>"; other refusals: "pwadmin: MSG" when msg is not
 * empty, else "pwadmin: <pw_strerror>".  Control characters in msg are
 * shown as '?'.
 */
int output_refusal(FILE *fp, const char *socket, int status, const char *msg);

/* Copies s into dst, with bytes that a terminal could act on shown as '?'. */
void output_sanitize(char *dst, size_t dstsz, const char *s);

#endif
