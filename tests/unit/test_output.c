/* SPDX-License-Identifier: MIT */
/* The client's output: text and JSON, the reset summary, audit entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <qrencode.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "client_fixture.h"
#include "pwerr.h"

/* ---- output ---- */

static void
fill_account(struct pw_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "alice");
	a->role = PW_ROLE_ADMIN;
	a->login_locked = true;
	a->confirm_locked = false;
	a->suspended = true;
	a->otp = PW_OTP_LOCKED;
	a->must_change = PW_MUST_LOGIN | PW_MUST_CONFIRM;
	a->login_failures = 5;
	a->confirm_failures = 2;
	a->otp_failures = 4294967295u;
	a->login_expires = 1700000000; /* 2023-11-14T22:13:20Z */
	a->confirm_expires = 0;
}

static void
test_date(void **state)
{
	char buf[OUTPUT_DATE_MAX];

	(void)state;
	assert_int_equal(output_date(1700000000, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "2023-11-14");
	assert_int_equal(output_date(86399, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "1970-01-01");
	assert_int_equal(output_date(253402300799LL, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "9999-12-31");
	assert_int_equal(output_date(253402300800LL, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_string_equal(buf, "");
	assert_int_equal(output_date(0, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_date(-1, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_date(INT64_MIN, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_int_equal(output_date(1700000000, buf, 10), PW_ERR_INVAL);
}

/* The account object after a dump and a parse (the caller decrefs). */
static json_t *
roundtrip(const json_t *doc)
{
	json_error_t jerr;
	json_t *back;
	char *s;

	assert_non_null(s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS));
	back = json_loads(s, 0, &jerr);
	free(s);
	assert_non_null(back);
	return back;
}

static void
test_account_json(void **state)
{
	struct pw_account a;
	json_t *doc, *o, *mc;

	(void)state;
	fill_account(&a);
	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 13);
	assert_string_equal(JSTR(o, "name"), "alice");
	assert_string_equal(JSTR(o, "role"), "admin");
	assert_string_equal(JSTR(o, "login"), "locked");
	assert_string_equal(JSTR(o, "confirm"), "available");
	assert_string_equal(JSTR(o, "service"), "suspended");
	assert_string_equal(JSTR(o, "otp"), "locked");
	mc = json_object_get(o, "must_change");
	assert_true(json_is_array(mc));
	assert_int_equal(json_array_size(mc), 2);
	assert_string_equal(json_string_value(json_array_get(mc, 0)), "login");
	assert_string_equal(json_string_value(json_array_get(mc, 1)),
	    "confirm");
	assert_string_equal(JSTR(o, "login_expires"), "2023-11-14");
	assert_true(json_is_null(json_object_get(o, "confirm_expires")));
	assert_int_equal(JINT(o, "login_failures"), 5);
	assert_int_equal(JINT(o, "confirm_failures"), 2);
	assert_int_equal(JINT(o, "otp_failures"), 4294967295LL);
	assert_true(json_is_false(json_object_get(o, "login_imported")));
	json_decref(o);
}

static void
test_account_json_plain(void **state)
{
	struct pw_account a;
	json_t *doc, *o;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "u1");
	a.role = PW_ROLE_MASTER;
	a.otp = PW_OTP_AVAILABLE;
	a.confirm_expires = 86400 * 2;
	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_string_equal(JSTR(o, "role"), "master");
	assert_string_equal(JSTR(o, "login"), "available");
	assert_string_equal(JSTR(o, "service"), "available");
	assert_string_equal(JSTR(o, "otp"), "available");
	assert_int_equal(json_array_size(json_object_get(o, "must_change")), 0);
	assert_true(json_is_null(json_object_get(o, "login_expires")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "confirm_expires")), "1970-01-03");
	json_decref(o);

	a.otp = PW_OTP_NONE;
	a.login_expires = -5; /* a u64 past INT64_MAX from the wire */
	doc = (json_t *)1;
	assert_int_equal(output_account_json(&a, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_accounts_json(void **state)
{
	struct pw_account a[2];
	json_t *doc, *o, *arr;

	(void)state;
	fill_account(&a[0]);
	fill_account(&a[1]);
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 1);
	arr = json_object_get(o, "accounts");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(JSTR(json_array_get(arr, 1), "name"), "bob");
	json_decref(o);

	assert_int_equal(output_accounts_json(NULL, 0, &doc), PW_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "accounts")), 0);
	json_decref(doc);

	a[1].confirm_expires = 253402300800LL;
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_stats_json(void **state)
{
	uint64_t v[PW_STAT_COUNT + 1];
	json_t *doc, *o, *ctr;
	size_t i;

	(void)state;
	for (i = 0; i < PW_STAT_COUNT + 1; i++)
		v[i] = i * 1000;
	assert_int_equal(output_stats_json(v, PW_STAT_COUNT + 1, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	ctr = json_object_get(o, "counters");
	assert_int_equal(json_object_size(ctr), PW_STAT_COUNT + 1);
	for (i = 0; i < PW_STAT_COUNT; i++)
		assert_int_equal(json_integer_value(json_object_get(ctr,
		    proto_stat_name((unsigned)i))), i * 1000);
	{
		char name[32];

		snprintf(name, sizeof(name), "counter_%d", PW_STAT_COUNT);
		assert_int_equal(json_integer_value(json_object_get(ctr, name)),
		    PW_STAT_COUNT * 1000);
	}
	json_decref(o);

	v[3] = UINT64_MAX;
	assert_int_equal(output_stats_json(v, 4, &doc), PW_ERR_PROTO);
	assert_null(doc);
}


static void
test_account_text(void **state)
{
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_account_text(fp, &a), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "name: alice\nrole: admin\nlogin: locked\nconfirm: available\n"
	    "service: suspended\notp: locked\nmust_change: login,confirm\n"
	    "login_expires: 2023-11-14\nconfirm_expires: never\n"
	    "login_failures: 5\nconfirm_failures: 2\n"
	    "otp_failures: 4294967295\n");
	free(buf);
}

static void
test_list_text(void **state)
{
	struct pw_account a[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a[0]);
	memset(&a[1], 0, sizeof(a[1]));
	snprintf(a[1].name, sizeof(a[1].name), "a-much-longer-name");
	a[1].role = PW_ROLE_USER;
	a[1].must_change = PW_MUST_CONFIRM;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 2), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "NAME                ROLE   LOGIN      CONFIRM    SERVICE    OTP     MUST-CHANGE    FAILURES\n"
	    "alice               admin  locked     available  suspended  locked  login,confirm  5/2/4294967295\n"
	    "a-much-longer-name  user   available  available  available  none    confirm        0/0/0\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf), "No accounts.\n");
	free(buf);

	buf = NULL;
	a[1].login_expires = -1;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_list_text(fp, a, 2), PW_ERR_PROTO);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
}

static void
test_changed_stats_text(void **state)
{
	uint64_t v[PW_STAT_COUNT + 2] = { 7, 0, 12345678901234ULL };
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_account(&a);
	a.login_locked = false;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, &a, 1), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: login available, confirm available, service suspended\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_stats_text(fp, v, 3), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "requests          7\n"
	    "requests_auth     0\n"
	    "requests_account  12345678901234\n");
	free(buf);

	/* Counters past the known names (a newer daemon) are numbered. */
	buf = NULL;
	v[PW_STAT_COUNT + 1] = 42;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_stats_text(fp, v, PW_STAT_COUNT + 2), PW_OK);
	assert_non_null(fp);
	fclose(fp);
	{
		char want[64];

		/* numbered after the known names; padded like the rest */
		snprintf(want, sizeof(want), "\ncounter_%d ", PW_STAT_COUNT + 1);
		assert_non_null(strstr(buf, want));
		assert_non_null(strstr(strstr(buf, want), " 42\n"));
	}
	free(buf);
}

static void
test_changed_text(void **state)
{
	struct pw_account a[2];
	char *buf = NULL;
	size_t len = 0;
	json_t *doc, *o, *arr;
	FILE *fp;

	(void)state;
	/* suspend of two accounts: each one's state after the change */
	fill_account(&a[0]);
	memset(&a[1], 0, sizeof(a[1]));
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	a[1].suspended = true;
	a[1].confirm_locked = true;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, a, 2), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: login locked, confirm available, service suspended\n"
	    "bob: login available, confirm locked, service suspended\n");
	free(buf);

	/* resume: service available; nothing at all for no account */
	a[1].suspended = false;
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_changed_text(fp, &a[1], 1), PW_OK);
	assert_int_equal(output_changed_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "bob: login available, confirm locked, service available\n");
	free(buf);

	/* --json: {"accounts": [...]} with the service of each */
	assert_int_equal(output_accounts_json(a, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	arr = json_object_get(o, "accounts");
	assert_string_equal(JSTR(json_array_get(arr, 0), "service"),
	    "suspended");
	assert_string_equal(JSTR(json_array_get(arr, 1), "service"),
	    "available");
	json_decref(o);
}

static void
test_role_text(void **state)
{
	struct pw_account a;
	char *buf = NULL;
	size_t len = 0;
	json_t *doc, *o;
	FILE *fp;

	(void)state;
	fill_account(&a);
	a.role = PW_ROLE_MASTER;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_role_text(fp, &a), PW_OK);
	a.role = PW_ROLE_USER;
	assert_int_equal(output_role_text(fp, &a), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: role master\nalice: role user\n");
	free(buf);

	assert_int_equal(output_account_json(&a, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_string_equal(JSTR(o, "role"), "user");
	json_decref(o);
}

static void
test_output_colour(void **state)
{
	(void)state;
	assert_true(output_colour(true, NULL, "xterm-256color"));
	assert_true(output_colour(true, "", "xterm"));
	assert_false(output_colour(false, NULL, "xterm"));
	assert_false(output_colour(true, "1", "xterm"));
	assert_false(output_colour(true, NULL, "dumb"));
	assert_false(output_colour(true, NULL, ""));
	assert_false(output_colour(true, NULL, NULL));
}

/* The summary of a reset of `a' with `flags', as printed. */
static char *
summary(const struct pw_account *a, uint32_t flags, bool colour)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_reset_summary(fp, a, flags, colour), PW_OK);
	return captured(fp, &buf);
}

#define HL "\033[1;30;48;5;208m"
#define NO "\033[0m"

static void
test_reset_summary(void **state)
{
	struct pw_account a;
	char *s;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "bob");
	a.role = PW_ROLE_USER;

	/* Both passwords, must change: markers without colour. */
	s = summary(&a, PW_F_LOGIN | PW_F_CONFIRM, false);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "* login password: new password\n"
	    "* confirmation password: new password\n"
	    "* must change at next login: login, confirmation\n");
	free(s);

	/* The same with colour: highlighted, no '*'. */
	s = summary(&a, PW_F_LOGIN | PW_F_CONFIRM, true);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "  " HL "login password: new password" NO "\n"
	    "  " HL "confirmation password: new password" NO "\n"
	    "  " HL "must change at next login: login, confirmation" NO "\n");
	assert_null(strchr(s, '*'));
	free(s);

	/* Login only, no forced change. */
	s = summary(&a, PW_F_LOGIN | PW_F_NO_FORCE, false);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "* login password: new password\n"
	    "  confirmation password: unchanged\n"
	    "  must change at next login: no\n");
	free(s);
	s = summary(&a, PW_F_LOGIN | PW_F_NO_FORCE, true);
	assert_string_equal(s,
	    "  account: bob (role user)\n"
	    "  " HL "login password: new password" NO "\n"
	    "  confirmation password: unchanged\n"
	    "  must change at next login: no\n");
	free(s);

	/* Confirmation only, on a locked and suspended admin: notes. */
	a.role = PW_ROLE_ADMIN;
	a.login_locked = true;
	a.confirm_locked = true;
	a.suspended = true;
	s = summary(&a, PW_F_CONFIRM, false);
	assert_string_equal(s,
	    "  account: bob (role admin)\n"
	    "  login password: unchanged\n"
	    "* confirmation password: new password\n"
	    "* must change at next login: confirmation\n"
	    "  note: the login password is locked; reset does not unlock it "
	    "(pwadmin unlock bob)\n"
	    "  note: the confirmation password is locked; reset does not "
	    "unlock it (pwadmin unlock bob)\n"
	    "  note: the account is suspended; reset does not resume it "
	    "(pwadmin resume bob)\n");
	free(s);

	/* Notes are never highlighted. */
	a.confirm_locked = false;
	a.suspended = false;
	s = summary(&a, PW_F_CONFIRM, true);
	assert_string_equal(s,
	    "  account: bob (role admin)\n"
	    "  login password: unchanged\n"
	    "  " HL "confirmation password: new password" NO "\n"
	    "  " HL "must change at next login: confirmation" NO "\n"
	    "  note: the login password is locked; reset does not unlock it "
	    "(pwadmin unlock bob)\n");
	free(s);
}

static void
test_reset_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_LOGIN | PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob", PW_F_LOGIN), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob", PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_LOGIN | PW_F_CONFIRM | PW_F_NO_FORCE), PW_OK);
	assert_int_equal(output_reset_text(fp, "bob",
	    PW_F_CONFIRM | PW_F_NO_FORCE), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "Reset the login and confirmation passwords of bob; both must be "
	    "changed at next login.\n"
	    "Reset the login password of bob; it must be changed at next "
	    "login.\n"
	    "Reset the confirmation password of bob; it must be changed at "
	    "next login.\n"
	    "Reset the login and confirmation passwords of bob; neither needs "
	    "to be changed at next login.\n"
	    "Reset the confirmation password of bob; it need not be changed "
	    "at next login.\n");
	free(buf);
}

static void
test_time(void **state)
{
	char buf[OUTPUT_TIME_MAX];

	(void)state;
	assert_int_equal(output_time(1795784700, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "2026-11-27T13:05:00Z");
	assert_int_equal(output_time(0, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(output_time(253402300799LL, buf, sizeof(buf)), PW_OK);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	assert_int_equal(output_time(253402300800LL, buf, sizeof(buf)),
	    PW_ERR_INVAL);
	assert_string_equal(buf, "");
	assert_int_equal(output_time(-1, buf, sizeof(buf)), PW_ERR_INVAL);
	assert_int_equal(output_time(1, buf, OUTPUT_TIME_MAX - 1),
	    PW_ERR_INVAL);
}

static void
fill_audit(struct pw_audit *e, size_t n)
{
	size_t i, k;

	memset(e, 0, n * sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].seq = i + 1;
		e[i].time = 1795784700 + (int64_t)i;
		e[i].uid = 1000;
		snprintf(e[i].actor, sizeof(e[i].actor), "boss");
		snprintf(e[i].action, sizeof(e[i].action), "unlock");
		snprintf(e[i].target, sizeof(e[i].target), "alice");
		for (k = 0; k < PW_AUDIT_HASH; k++)
			e[i].hash[k] = (uint8_t)(k * 8 + i);
	}
}

static void
test_audit_text(void **state)
{
	struct pw_audit e[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fill_audit(e, 3);
	snprintf(e[0].detail, sizeof(e[0].detail), "login and confirm");
	e[1].uid = 0;
	snprintf(e[1].actor, sizeof(e[1].actor), "root");
	snprintf(e[1].action, sizeof(e[1].action), "userdel");
	snprintf(e[1].detail, sizeof(e[1].detail), "recovery, forced");
	/* an entry of a store shared by hosts names the host that wrote it */
	snprintf(e[1].host, sizeof(e[1].host), "web-01.example");
	e[2].status = PW_ERR_CONFIRM;
	e[2].target[0] = '\0';
	/* Never trusted to be clean: shown through output_sanitize. */
	snprintf(e[2].detail, sizeof(e[2].detail), "x\033[2Jy");
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 3), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "1  2026-11-27T13:05:00Z  boss(uid 1000)  unlock  alice  ok  "
	    "login and confirm\n"
	    "2  2026-11-27T13:05:01Z  root(uid 0)@web-01.example  userdel  "
	    "alice  ok  "
	    "recovery, forced\n"
	    "3  2026-11-27T13:05:02Z  boss(uid 1000)  unlock  -  "
	    "wrong confirmation password  x?[2Jy\n");
	free(buf);

	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 0), PW_OK);
	assert_string_equal(captured(fp, &buf), "No audit entries.\n");
	free(buf);

	/* A time out of range: refused, nothing printed. */
	buf = NULL;
	e[2].time = -1;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_audit_text(fp, e, 3), PW_ERR_PROTO);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
}

static void
test_audit_json(void **state)
{
	struct pw_audit e[2];
	json_t *doc, *o, *arr, *x;

	(void)state;
	fill_audit(e, 2);
	e[1].status = PW_ERR_LASTMASTER;
	e[1].target[0] = '\0';
	snprintf(e[1].host, sizeof(e[1].host), "db2");
	snprintf(e[1].detail, sizeof(e[1].detail), "role master->user");
	assert_int_equal(output_audit_json(e, 2, &doc), PW_OK);
	o = roundtrip(doc);
	json_decref(doc);
	assert_int_equal(json_object_size(o), 1);
	arr = json_object_get(o, "entries");
	assert_int_equal(json_array_size(arr), 2);
	x = json_array_get(arr, 0);
	assert_int_equal(json_object_size(x), 11);
	assert_true(json_is_null(json_object_get(x, "host")));
	assert_int_equal(JINT(x, "seq"), 1);
	assert_string_equal(JSTR(x, "time"), "2026-11-27T13:05:00Z");
	assert_int_equal(JINT(x, "uid"), 1000);
	assert_string_equal(JSTR(x, "actor"), "boss");
	assert_string_equal(JSTR(x, "action"), "unlock");
	assert_string_equal(JSTR(x, "target"), "alice");
	assert_string_equal(JSTR(x, "result"), "ok");
	assert_string_equal(JSTR(x, "status"), "success");
	assert_string_equal(JSTR(x, "detail"), "");
	assert_string_equal(JSTR(x, "hash"),
	    "0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8");
	x = json_array_get(arr, 1);
	assert_int_equal(JINT(x, "seq"), 2);
	assert_true(json_is_null(json_object_get(x, "target")));
	assert_string_equal(JSTR(x, "result"), "refused");
	assert_string_equal(JSTR(x, "status"),
	    "that would leave no usable master account");
	assert_string_equal(JSTR(x, "detail"), "role master->user");
	assert_string_equal(JSTR(x, "host"), "db2");
	assert_int_equal(strlen(JSTR(x, "hash")), 64);
	json_decref(o);

	assert_int_equal(output_audit_json(NULL, 0, &doc), PW_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "entries")), 0);
	json_decref(doc);

	e[1].seq = (uint64_t)INT64_MAX + 1;
	assert_int_equal(output_audit_json(e, 2, &doc), PW_ERR_PROTO);
	assert_null(doc);
}

static void
test_refusal(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_CONNECT,
	    &(struct pw_why){ .code = PW_R_NONE }), CLI_EXIT_UNREACHABLE);
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_TIMEOUT,
	    NULL), CLI_EXIT_UNREACHABLE);
	/* busy: the daemon answered; its sentence is shown, exit 1 */
	assert_int_equal(output_refusal(fp, "/run/x.sock", PW_ERR_BUSY,
	    &(struct pw_why){ .code = PW_R_BUSY }), CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_CONFIRM,
	    &(struct pw_why){ .code = PW_R_NONE }), CLI_EXIT_REFUSED);
	/* a word a reason carries never reaches the terminal raw */
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_INVAL,
	    &(struct pw_why){ .code = PW_R_UNKNOWN_FLAG,
	    .text = "x\x1b[2J" }), CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_ERR_AUTH, NULL),
	    CLI_EXIT_REFUSED);
	assert_int_equal(output_refusal(fp, "/s", PW_OK, NULL), CLI_EXIT_OK);
	assert_string_equal(captured(fp, &buf),
	    "pwadmin: cannot reach pwadmind at /run/x.sock: daemon unreachable\n"
	    "pwadmin: cannot reach pwadmind at /run/x.sock: timed out\n"
	    "pwadmin: The password service is busy; try again in a moment.\n"
	    "pwadmin: wrong confirmation password\n"
	    "pwadmin: Unknown flag for x?[2J.\n"
	    "pwadmin: wrong password\n");
	free(buf);
}

static void
test_sanitize(void **state)
{
	char buf[8];

	(void)state;
	output_sanitize(buf, sizeof(buf), "ab\ncd");
	assert_string_equal(buf, "ab?cd");
	output_sanitize(buf, sizeof(buf), "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
	/* Whole characters only. */
	assert_string_equal(buf, "\xc3\xa4\xc3\xa4\xc3\xa4");
	output_sanitize(buf, sizeof(buf), "\xc3\xa4\xff");
	assert_string_equal(buf, "???");
	output_sanitize(buf, sizeof(buf), "");
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_account_json),
		cmocka_unit_test(test_account_json_plain),
		cmocka_unit_test(test_accounts_json),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_account_text),
		cmocka_unit_test(test_list_text),
		cmocka_unit_test(test_changed_stats_text),
		cmocka_unit_test(test_changed_text),
		cmocka_unit_test(test_role_text),
		cmocka_unit_test(test_output_colour),
		cmocka_unit_test(test_reset_summary),
		cmocka_unit_test(test_reset_text),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_audit_text),
		cmocka_unit_test(test_audit_json),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
