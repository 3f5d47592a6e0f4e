/* SPDX-License-Identifier: MIT */
/*
 * The password lifecycle (issue 5, SPEC rules 7-10) through real PAM calls
 * (libpamtest + pam_wrapper, scripted conversations) and the real client,
 * against a real pwadmind per test: the forced change at login for the
 * login password, the confirmation password and both; a must-change
 * account cannot skip the change; a wrong current password is counted;
 * every quality rule and the per-factor history; the step-up with
 * factor=confirm; `pwadmin passwd' run by the user; expiry and its warning
 * with the daemon's clock shifted by libfaketime (never by a switch in the
 * product); and the PAM configuration examples of conf/pam.d/, copied into
 * pam_wrapper's service dir and run as they ship.
 */
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"

static struct th T;

/* auth + account lines (harness.c) */
static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	"pwconfirm|socket=@DIR@/sock factor=confirm",
	NULL,
};

#define MOD "@BUILD@/pam_pwadmin.so socket=@DIR@/sock"

/* The password group, as `passwd' and login use it. */
static const char svc_login[] =
	"auth required " MOD "\n"
	"account required " MOD "\n"
	"password required " MOD "\n";
static const char svc_passwd[] = "password required " MOD "\n";
static const char svc_passwd_confirm[] =
	"password required " MOD " factor=confirm\n";

/* conf/pam.d/ examples, read from the source tree by main() */
static const char *const examples[] = { "sudo", "passwd", "login" };
#define NEXAMPLES 3
static char example_raw[NEXAMPLES][16384];
static char example_svc[NEXAMPLES][16384];
static bool example_read[NEXAMPLES];

/*
 * pam_echo speaks in the preliminary pass only: "prelim-next" shows that
 * the pass went on past pam_pwadmin to the next module, whose own
 * preliminary check (pam_unix: the current password) must run for an
 * account pwadmin does not decide.
 */
static const char svc_prelim[] =
	"password [success=done user_unknown=ignore authinfo_unavail=ignore "
	"default=die] " MOD "\n"
	"password optional pam_echo.so prelim-next\n"
	"password required pam_deny.so\n";

/*
 * The daemon stops between the two passes: pam_exec runs in the update
 * pass only, before pam_pwadmin, and waits until the socket is gone.
 * pam_permit stands for a module whose update would run unchecked.
 */
static const char svc_between[] =
	"password optional pam_exec.so /bin/sh -c [kill $(cat @DIR@/daemon.pid); "
	"while test -S @DIR@/sock; do sleep 0.05; done]\n"
	"password [success=done user_unknown=ignore authinfo_unavail=ignore "
	"default=die] " MOD "\n"
	"password required pam_permit.so\n";
/* A stack that goes on after a refusal: the refusal is said once. */
static const char svc_sufficient[] =
	"password sufficient " MOD "\n"
	"password required pam_permit.so\n";

static struct th_svcfile files[] = {
	{ "pwprelim", svc_prelim },
	{ "pwbetween", svc_between },
	{ "pwsufficient", svc_sufficient },
	{ "pwlogin", svc_login },
	{ "pwpasswd", svc_passwd },
	{ "pwpasswdc", svc_passwd_confirm },
	{ "ex-sudo", example_svc[0] },
	{ "ex-passwd", example_svc[1] },
	{ "ex-login", example_svc[2] },
	{ NULL, NULL },
};

/* New passwords: every one passes the quality rules. */
#define PW_ISSUED_LOGIN	  "Issued-login-pw7"
#define PW_ISSUED_CONFIRM "Issued-confirm-pw8"
#define PW_NEW_LOGIN	  "Fresh-login-pw3"
#define PW_NEW_CONFIRM	  "Fresh-confirm-pw4"
#define PW_WRONG	  "Wrong-guess-99"

#define NCASES(tc) ((int)(sizeof(tc) / sizeof((tc)[0])))
/* Runs the cases with script s; asserts every one gave its expected code. */
#define PAM_RUN(svc, user, s, tc) \
	assert_int_equal(th_pam_script(svc, user, s, tc, (size_t)NCASES(tc)), \
	    NCASES(tc))

/* ==== helpers ==== */

static int
setup(void **state)
{
	(void)state;
	return th_start_seeded(&T, NULL);
}

/* Three failures lock, to keep the lock tests short. */
#define MAX3 "max_login_failures = 3\nmax_confirm_failures = 3\n"

static int
setup_max3(void **state)
{
	(void)state;
	return th_start_seeded(&T, MAX3);
}

static int
teardown(void **state)
{
	(void)state;
	/* some tests stop the daemon themselves */
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

/* `passwd': chauthtok without flags, current / new / new again. */
static int
change(const char *svc, const char *user, const char *cur, const char *next,
    int expected, struct th_script *s)
{
	const char *const a[] = { cur, next, next, NULL };

	return th_pam_one(svc, user, PAMTEST_CHAUTHTOK, 0, expected, a, s);
}

static void
change_ok(const char *svc, const char *user, const char *cur, const char *next)
{
	struct th_script s = { 0 };

	assert_int_equal(change(svc, user, cur, next, PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_int_equal(s.used, 3);
}

/* A refused new password: PAM_AUTHTOK_ERR, a message naming the rule. */
static void
change_refused(const char *svc, const char *user, const char *cur,
    const char *next, const char *why)
{
	struct th_script s = { 0 };

	assert_int_equal(change(svc, user, cur, next, PAM_AUTHTOK_ERR, &s),
	    PAM_AUTHTOK_ERR);
	if (strstr(s.errors, why) == NULL)
		fail_msg("refusal of \"%s\" for %s: \"%s\" does not say \"%s\"",
		    next, user, s.errors, why);
}

static int
auth(const char *svc, const char *user, const char *pw)
{
	return th_pam_auth_nodelay(svc, user, pw, NULL, 0);
}

/* Account phase alone; its messages into s. */
static int
account(const char *svc, const char *user, int expected, struct th_script *s)
{
	return th_pam_one(svc, user, PAMTEST_ACCOUNT, 0, expected, NULL, s);
}

/* status USER --json: must_change as "login,confirm" ("" for none). */
static void
must_change(const char *user, char *out, size_t outsz)
{
	json_t *j = th_status(&T, user), *arr, *v;
	size_t i, len;

	out[0] = '\0';
	arr = j != NULL ? json_object_get(j, "must_change") : NULL;
	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, v) {
		len = strlen(out);
		snprintf(out + len, outsz - len, "%s%s", len > 0 ? "," : "",
		    json_is_string(v) ? json_string_value(v) : "?");
	}
	json_decref(j);
}

#define assert_must_change(user, want) do { \
	char mc_[64]; \
	must_change(user, mc_, sizeof(mc_)); \
	assert_string_equal(mc_, want); \
} while (0)

/* A string field of status --json ("null" for JSON null). */
static void
field_str(const char *user, const char *name, char *out, size_t outsz)
{
	json_t *j = th_status(&T, user);
	json_t *v = j != NULL ? json_object_get(j, name) : NULL;

	snprintf(out, outsz, "%s", json_is_string(v) ? json_string_value(v) :
	    json_is_null(v) ? "null" : "(missing)");
	json_decref(j);
}

/* The UTC date of t, as status --json prints it. */
static void
date_of(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_int_equal(strftime(out, outsz, "%Y-%m-%d", &tm), 10);
}

/* Asserts that field (an expiry) is the date of `when' (give or take 5 min). */
static void
assert_expires(const char *user, const char *name, time_t when)
{
	char got[64], lo[16], hi[16];

	field_str(user, name, got, sizeof(got));
	date_of(when - 300, lo, sizeof(lo));
	date_of(when + 300, hi, sizeof(hi));
	if (strcmp(got, lo) != 0 && strcmp(got, hi) != 0)
		fail_msg("%s %s is \"%s\", expected %s", user, name, got, lo);
}

/* Whole days from date a to date b (both "YYYY-MM-DD", UTC). */
static long
days_between(const char *a, const char *b)
{
	struct tm ta = { 0 }, tb = { 0 };

	assert_non_null(strptime(a, "%Y-%m-%d", &ta));
	assert_non_null(strptime(b, "%Y-%m-%d", &tb));
	return (long)((timegm(&tb) - timegm(&ta)) / 86400);
}

/* Restarts the daemon on the same store with its clock shifted. */
static void
restart_shifted(const char *extra, const char *offset)
{
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start_shifted(&T, extra, true, offset), 0);
}

/* ==== forced change at login (rule 7) ==== */

static void
test_forced_change_login(void **state)
{
	const char *const a[] = { PW_ISSUED_LOGIN, PW_ISSUED_LOGIN,
		PW_NEW_LOGIN, PW_NEW_LOGIN, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct th_script s = { 0 };

	(void)state;
	/* root's reset marks the login password of the master */
	assert_int_equal(th_client(&T, 0, PW_ISSUED_LOGIN "\n", "reset", "boss",
	    "--login", (char *)NULL), 0);
	assert_must_change("boss", "login");
	assert_int_equal(account("pwlogin", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors, "Your login password must be changed now.");

	/* login's sequence in one transaction: only the login password */
	s.answers = a;
	PAM_RUN("pwlogin", "boss", &s, tc);
	assert_string_equal(s.prompts, "Password: \n"
	    "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: ");
	assert_int_equal(s.used, 4);
	assert_must_change("boss", "");
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);

	/* the new password authenticates, the issued one no more */
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwtest", "boss", PW_ISSUED_LOGIN), PAM_AUTH_ERR);
	/* the confirmation password is untouched */
	assert_int_equal(auth("pwconfirm", "boss", TH_PW_BOSS_CONFIRM),
	    PAM_SUCCESS);
}

static void
test_forced_change_confirm(void **state)
{
	const char *const a[] = { TH_PW_BOSS_LOGIN, PW_ISSUED_CONFIRM,
		PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct th_script s = { 0 };

	(void)state;
	assert_int_equal(th_client(&T, 0, PW_ISSUED_CONFIRM "\n", "reset",
	    "boss", "--confirm", (char *)NULL), 0);
	assert_must_change("boss", "confirm");
	assert_int_equal(account("pwlogin", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors,
	    "Your confirmation password must be changed now.");

	/* logging in with the login password, then only the confirmation */
	s.answers = a;
	PAM_RUN("pwlogin", "boss", &s, tc);
	assert_string_equal(s.prompts, "Password: \n"
	    "Current confirmation password: \n"
	    "New confirmation password: \n"
	    "Retype new confirmation password: ");
	assert_must_change("boss", "");

	assert_int_equal(auth("pwconfirm", "boss", PW_NEW_CONFIRM), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", PW_ISSUED_CONFIRM),
	    PAM_AUTH_ERR);
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_LOGIN), PAM_SUCCESS);
}

static void
test_forced_change_both(void **state)
{
	/* useradd marks both of alice's passwords */
	const char *const a[] = { TH_PW_ALICE_LOGIN,
		TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_ALICE_CONFIRM, PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct th_script s = { 0 };

	(void)state;
	assert_must_change("alice", "login,confirm");
	s.answers = a;
	PAM_RUN("pwlogin", "alice", &s, tc);
	/* login first, then confirmation, each current / new / again */
	assert_string_equal(s.prompts, "Password: \n"
	    "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: \n"
	    "Current confirmation password: \n"
	    "New confirmation password: \n"
	    "Retype new confirmation password: ");
	assert_int_equal(s.used, 7);
	assert_string_equal(s.errors, "Your login password must be changed now.");
	assert_must_change("alice", "");

	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "alice", PW_NEW_CONFIRM), PAM_SUCCESS);
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN),
	    PAM_AUTH_ERR);
	assert_int_equal(auth("pwconfirm", "alice", TH_PW_ALICE_CONFIRM),
	    PAM_AUTH_ERR);
	assert_int_equal(account("pwtest", "alice", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
}

static void
test_cannot_skip_change(void **state)
{
	const char *const mismatch[] = { PW_ISSUED_LOGIN, PW_NEW_LOGIN,
		"Fresh-login-pw0", NULL };
	const char *const wrong[] = { PW_WRONG, PW_NEW_LOGIN, PW_NEW_LOGIN,
		NULL };
	const char *const same[] = { PW_ISSUED_LOGIN, PW_ISSUED_LOGIN,
		PW_ISSUED_LOGIN, NULL };
	/* alice: a good new login password, a refused confirmation one */
	const char *const half[] = { TH_PW_ALICE_LOGIN, PW_NEW_LOGIN,
		PW_NEW_LOGIN, TH_PW_ALICE_CONFIRM, "short-1", "short-1", NULL };
	struct pam_testcase twice[] = {
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
	};
	struct th_script s = { 0 };

	(void)state;
	assert_int_equal(th_client(&T, 0, PW_ISSUED_LOGIN "\n", "reset", "boss",
	    "--login", (char *)NULL), 0);
	/* asking again, in the same transaction or a new one, changes nothing */
	PAM_RUN("pwlogin", "boss", &s, twice);
	assert_int_equal(account("pwlogin", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	/* the issued password authenticates, but does not clear the mark */
	assert_int_equal(auth("pwtest", "boss", PW_ISSUED_LOGIN), PAM_SUCCESS);
	assert_int_equal(account("pwlogin", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);

	/* a retype that differs: refused before the daemon is asked */
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_AUTHTOK_ERR, mismatch, &s),
	    PAM_AUTHTOK_ERR);
	assert_non_null(strstr(s.errors, "do not match"));
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	/* a wrong issued password */
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_AUTHTOK_RECOVERY_ERR, wrong, &s),
	    PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 1);
	/* keeping the issued password is no change (history holds it) */
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_AUTHTOK_ERR, same, &s),
	    PAM_AUTHTOK_ERR);
	assert_must_change("boss", "login");
	assert_int_equal(account("pwlogin", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);

	/* both factors change in one step, or neither */
	assert_int_equal(th_pam_one("pwlogin", "alice", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_AUTHTOK_ERR, half, &s),
	    PAM_AUTHTOK_ERR);
	assert_must_change("alice", "login,confirm");
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_AUTH_ERR);

	/* `passwd' (no PAM_CHANGE_EXPIRED_AUTHTOK) changes the login
	 * password only: the confirmation mark stays */
	change_ok("pwpasswd", "alice", TH_PW_ALICE_LOGIN, PW_NEW_LOGIN);
	assert_must_change("alice", "confirm");
	assert_int_equal(account("pwlogin", "alice", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors,
	    "Your confirmation password must be changed now.");
}

/* ==== self-service through PAM (rule 9) ==== */

static void
test_wrong_current_counted(void **state)
{
	struct th_script s = { 0 };
	int rv;

	(void)state;
	/* a wrong current login password: counted, with the way out named */
	assert_int_equal(change("pwpasswd", "boss", PW_WRONG, PW_NEW_LOGIN,
	    PAM_AUTHTOK_RECOVERY_ERR, &s), PAM_AUTHTOK_RECOVERY_ERR);
	if (strstr(s.errors, "master or admin") == NULL)
		fail_msg("wrong current password: \"%s\" does not say that a "
		    "master or admin can reset it", s.errors);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 1);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);
	/* the wrong current confirmation password counts for that factor */
	assert_int_equal(change("pwpasswdc", "boss", PW_WRONG, PW_NEW_CONFIRM,
	    PAM_AUTHTOK_RECOVERY_ERR, &s), PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 1);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 1);
	/* a change with the right current password resets the counter */
	change_ok("pwpasswd", "boss", TH_PW_BOSS_LOGIN, PW_NEW_LOGIN);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 1);

	/* three wrong ones lock the login password (max_login_failures 3) */
	assert_int_equal(change("pwpasswd", "boss", PW_WRONG, "Other-login-pw5",
	    PAM_AUTHTOK_RECOVERY_ERR, &s), PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(change("pwpasswd", "boss", PW_WRONG, "Other-login-pw5",
	    PAM_AUTHTOK_RECOVERY_ERR, &s), PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 2);
	rv = change("pwpasswd", "boss", PW_WRONG, "Other-login-pw5",
	    PAM_PERM_DENIED, &s);
	/* the failure that locks may say so instead */
	if (rv != PAM_AUTHTOK_RECOVERY_ERR && rv != PAM_PERM_DENIED)
		fail_msg("third wrong current password: %d (%s)", rv,
		    pam_strerror(NULL, rv));
	assert_true(th_field_is(&T, "boss", "login", "locked"));
	assert_int_equal(th_field(&T, "boss", "login_failures"), 3);
	/* now even the right current password is refused, as locked */
	assert_int_equal(change("pwpasswd", "boss", PW_NEW_LOGIN,
	    "Other-login-pw5", PAM_PERM_DENIED, &s), PAM_PERM_DENIED);
	assert_non_null(strstr(s.errors, "locked"));
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_MAXTRIES);
	/* nothing changed: after root's unlock the password is the same */
	assert_int_equal(th_client(&T, 0, "", "unlock", "boss", (char *)NULL), 0);
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwtest", "boss", "Other-login-pw5"), PAM_AUTH_ERR);
}

static void
test_passwd_refusals(void **state)
{
	struct th_script s = { 0 };

	(void)state;
	/* a user not in the store */
	assert_int_equal(change("pwpasswd", "bob", PW_WRONG, PW_NEW_LOGIN,
	    PAM_USER_UNKNOWN, &s), PAM_USER_UNKNOWN);
	/* a suspended account */
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	assert_int_equal(change("pwpasswd", "alice", TH_PW_ALICE_LOGIN,
	    PW_NEW_LOGIN, PAM_PERM_DENIED, &s), PAM_PERM_DENIED);
	assert_non_null(strstr(s.errors, "suspended"));
	assert_int_equal(th_client(&T, 0, "", "resume", "alice", (char *)NULL),
	    0);
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN), PAM_SUCCESS);
	/* a mismatched retype through `passwd' */
	{
		const char *const a[] = { TH_PW_BOSS_LOGIN, PW_NEW_LOGIN,
			"Fresh-login-pw0", NULL };

		assert_int_equal(th_pam_one("pwpasswd", "boss", PAMTEST_CHAUTHTOK, 0,
		    PAM_AUTHTOK_ERR, a, &s), PAM_AUTHTOK_ERR);
		assert_string_equal(s.errors,
		    "The new login passwords do not match.");
		assert_string_equal(s.prompts, "Current login password: \n"
		    "New login password: \n"
		    "Retype new login password: ");
	}
	/* the daemon down: fail closed */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(change("pwpasswd", "boss", TH_PW_BOSS_LOGIN,
	    PW_NEW_LOGIN, PAM_AUTHINFO_UNAVAIL, &s), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_LOGIN), PAM_SUCCESS);
}

/*
 * The preliminary pass is routed by the daemon's answer, as the update
 * pass is: not in the store and daemon down go on to the next module's
 * preliminary check; a store account stops at pam_pwadmin.
 */
static void
test_prelim_routed(void **state)
{
	struct th_script s = { 0 };
	const char *const a[] = { TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		NULL };

	(void)state;
	/* bob is not in the store */
	assert_int_equal(th_pam_one("pwprelim", "bob", PAMTEST_CHAUTHTOK, 0,
	    PAM_AUTHTOK_ERR, a, &s), PAM_AUTHTOK_ERR);
	assert_string_equal(s.infos, "prelim-next");
	assert_string_equal(s.prompts, "");
	/* alice is: pwadmin decides, in both passes */
	assert_int_equal(th_pam_one("pwprelim", "alice", PAMTEST_CHAUTHTOK, 0,
	    PAM_SUCCESS, a, &s), PAM_SUCCESS);
	assert_string_equal(s.infos, "");
	assert_string_equal(s.prompts, "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: ");
	/* a locked account is refused in the preliminary pass, no prompt */
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	assert_int_equal(th_pam_one("pwprelim", "alice", PAMTEST_CHAUTHTOK, 0,
	    PAM_PERM_DENIED, a, &s), PAM_PERM_DENIED);
	assert_string_equal(s.prompts, "");
	assert_string_equal(s.infos, "");
	/* daemon down: the pass goes on, as the stack says */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_pam_one("pwprelim", "alice", PAMTEST_CHAUTHTOK, 0,
	    PAM_AUTHTOK_ERR, a, &s), PAM_AUTHTOK_ERR);
	assert_string_equal(s.infos, "prelim-next");
	assert_string_equal(s.prompts, "");
}

/* Both passes routed alike when the daemon stops in between. */
static void
test_prelim_then_daemon_gone(void **state)
{
	struct th_script s = { 0 };
	const char *const a[] = { TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		NULL };
	char path[PATH_MAX];
	FILE *f;

	(void)state;
	th_path(&T, path, sizeof(path), "daemon.pid");
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%d\n", (int)T.daemon);
	fclose(f);
	/* the preliminary pass finds alice; the update pass finds no daemon:
	 * refused, not routed on to pam_permit */
	assert_int_equal(th_pam_one("pwbetween", "alice", PAMTEST_CHAUTHTOK, 0,
	    PAM_AUTHTOK_ERR, a, &s), PAM_AUTHTOK_ERR);
	assert_string_equal(s.prompts, "");
	assert_int_equal(th_daemon_stop(&T), 0); /* reap it */
}

/* A refusal in the preliminary pass is said once, whatever the stack. */
static void
test_prelim_refusal_said_once(void **state)
{
	struct th_script s = { 0 };
	const char *const a[] = { TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		NULL };
	const char *e;

	(void)state;
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	(void)th_pam_one("pwsufficient", "alice", PAMTEST_CHAUTHTOK, 0,
	    PAM_SUCCESS, a, &s);
	assert_string_equal(s.prompts, "");
	assert_non_null(e = strstr(s.errors, "suspended"));
	assert_null(strstr(e + 1, "suspended"));
}

/* ==== quality (rule 10) ==== */

static void
test_quality_rules(void **state)
{
	(void)state;
	/* boss: login TH_PW_BOSS_LOGIN, confirmation TH_PW_BOSS_CONFIRM */
	change_refused("pwpasswd", "boss", TH_PW_BOSS_LOGIN, "Short-pw9",
	    "10 characters");
	change_refused("pwpasswd", "boss", TH_PW_BOSS_LOGIN,
	    "onlylowercaseletters", "2 of");
	change_refused("pwpasswd", "boss", TH_PW_BOSS_LOGIN, "1234567890123",
	    "2 of");
	/* the user name, in any case */
	change_refused("pwpasswd", "boss", TH_PW_BOSS_LOGIN, "my-BoSs-pw-2024",
	    "user name");
	/* the current one is the newest of the history */
	change_refused("pwpasswd", "boss", TH_PW_BOSS_LOGIN, TH_PW_BOSS_LOGIN,
	    "last 5");
	/* every refusal left both passwords as they were, uncounted */
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", TH_PW_BOSS_CONFIRM),
	    PAM_SUCCESS);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	/* exactly min_length characters of two classes is enough */
	change_ok("pwpasswd", "boss", TH_PW_BOSS_LOGIN, "abcdefgh12");
	assert_int_equal(auth("pwtest", "boss", "abcdefgh12"), PAM_SUCCESS);
}

/*
 * The two passwords must differ when they change together; a change of
 * one alone is never compared with the other's hash, so knowing one
 * password gives no way to test guesses of the other (see README).
 */
static void
test_other_password(void **state)
{
	const char *const a[] = { TH_PW_ALICE_LOGIN,
		TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_ALICE_CONFIRM, PW_NEW_LOGIN, PW_NEW_LOGIN, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
	};
	struct th_script s = { 0 };
	long long hashes;

	(void)state;
	s.answers = a;
	PAM_RUN("pwlogin", "alice", &s, tc);
	assert_non_null(strstr(s.errors, "differ"));
	assert_must_change("alice", "login,confirm");
	/* one alone: only its own current password and history are checked
	 * (1 proof + 5 history entries at most + 1 new hash) */
	hashes = th_stat(&T, "hashes_evaluated");
	change_ok("pwpasswd", "boss", TH_PW_BOSS_LOGIN, TH_PW_BOSS_CONFIRM);
	assert_true(th_stat(&T, "hashes_evaluated") - hashes <= 2);
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_CONFIRM),
	    PAM_SUCCESS);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);
}

/*
 * A password to change that is locked is said before any change prompt:
 * alice's confirmation password is marked (useradd) and locked here.
 */
static void
test_locked_factor_before_prompts(void **state)
{
	const char *const a[] = { TH_PW_ALICE_LOGIN, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_PERM_DENIED,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
	};
	struct th_script s = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 10 && !th_field_is(&T, "alice", "confirm", "locked");
	    i++)
		assert_int_not_equal(auth("pwconfirm", "alice", PW_WRONG),
		    PAM_SUCCESS);
	assert_true(th_field_is(&T, "alice", "confirm", "locked"));
	s.answers = a;
	PAM_RUN("pwlogin", "alice", &s, tc);
	assert_string_equal(s.prompts, "Password: ");
	assert_non_null(strstr(s.errors, "confirmation password is locked"));
	assert_must_change("alice", "login,confirm");
}

static void
test_history(void **state)
{
	static const char *const L[] = { TH_PW_BOSS_LOGIN, "Login-hist-pw1",
		"Login-hist-pw2", "Login-hist-pw3", "Login-hist-pw4",
		"Login-hist-pw5" };
	static const char *const C[] = { TH_PW_BOSS_CONFIRM, "Confirm-hist-pw1",
		"Confirm-hist-pw2" };

	(void)state;
	change_ok("pwpasswd", "boss", L[0], L[1]);
	change_ok("pwpasswd", "boss", L[1], L[2]);
	/* back to an older password, or the previous one, or the same one */
	change_refused("pwpasswd", "boss", L[2], L[0], "last 5 login");
	change_refused("pwpasswd", "boss", L[2], L[1], "last 5 login");
	change_refused("pwpasswd", "boss", L[2], L[2], "last 5 login");
	assert_int_equal(auth("pwtest", "boss", L[2]), PAM_SUCCESS);
	/* history = 5 counts the current one: after five changes L[0] is out */
	change_ok("pwpasswd", "boss", L[2], L[3]);
	change_ok("pwpasswd", "boss", L[3], L[4]);
	change_ok("pwpasswd", "boss", L[4], L[5]);
	change_refused("pwpasswd", "boss", L[5], L[1], "last 5 login");
	change_ok("pwpasswd", "boss", L[5], L[0]);

	/* per factor: the confirmation password has its own history */
	change_ok("pwpasswdc", "boss", C[0], C[1]);
	change_ok("pwpasswdc", "boss", C[1], C[2]);
	change_refused("pwpasswdc", "boss", C[2], C[1], "last 5 confirmation");
	/* a former confirmation password may become the login password */
	change_ok("pwpasswd", "boss", L[0], C[1]);
	/* and a former login password the confirmation password */
	change_ok("pwpasswdc", "boss", C[2], L[3]);
	assert_int_equal(auth("pwtest", "boss", C[1]), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", L[3]), PAM_SUCCESS);
}

/* ==== step-up with factor=confirm ==== */

static void
test_stepup_confirm(void **state)
{
	const char *const right[] = { TH_PW_BOSS_CONFIRM, NULL };
	const char *const wrong[] = { TH_PW_BOSS_LOGIN, NULL };
	struct th_script s = { 0 };

	(void)state;
	assert_int_equal(th_pam_one("pwconfirm", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_SUCCESS, right, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, "Confirmation password: ");
	/* the login password is no confirmation password */
	assert_int_equal(th_pam_one("pwconfirm", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, wrong, &s), PAM_AUTH_ERR);
	assert_int_equal(th_pam_one("pwconfirm", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, wrong, &s), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 2);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	assert_int_equal(th_pam_one("pwconfirm", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_SUCCESS, right, &s), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);

	/* its own lock: three failures (max_confirm_failures 3) */
	assert_int_equal(auth("pwconfirm", "boss", PW_WRONG), PAM_AUTH_ERR);
	assert_int_equal(auth("pwconfirm", "boss", PW_WRONG), PAM_AUTH_ERR);
	assert_int_equal(auth("pwconfirm", "boss", PW_WRONG), PAM_MAXTRIES);
	assert_true(th_field_is(&T, "boss", "confirm", "locked"));
	assert_int_equal(auth("pwconfirm", "boss", TH_PW_BOSS_CONFIRM),
	    PAM_MAXTRIES);
	/* the login password is untouched: counter, state, login */
	assert_true(th_field_is(&T, "boss", "login", "available"));
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_LOGIN), PAM_SUCCESS);
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
}

/* ==== pwadmin passwd, run by the account's own uid ==== */

static void
test_client_passwd(void **state)
{
	(void)state;
	if (!th_is_root())
		skip(); /* runs the client as alice's uid */
	/* neither flag: both, in the order current/new login, then confirm */
	assert_int_equal(th_client(&T, TH_UID_ALICE, TH_PW_ALICE_LOGIN "\n"
	    PW_NEW_LOGIN "\n" TH_PW_ALICE_CONFIRM "\n" PW_NEW_CONFIRM "\n",
	    "passwd", (char *)NULL), 0);
	assert_must_change("alice", "");
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN),
	    PAM_AUTH_ERR);
	assert_int_equal(auth("pwconfirm", "alice", TH_PW_ALICE_CONFIRM),
	    PAM_AUTH_ERR);
	/* (these successes reset the counters the old passwords raised) */
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "alice", PW_NEW_CONFIRM), PAM_SUCCESS);

	/* a wrong current password: refused in one line, counted */
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_WRONG "\n"
	    "Other-login-pw5\n", "passwd", "--login", (char *)NULL), 1);
	assert_true(th_one_line(T.err));
	if (strstr(T.err, "master or admin") == NULL)
		fail_msg("wrong current password: \"%s\" does not say that a "
		    "master or admin can reset it", T.err);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);
	/* a quality refusal names the rule; the password is unchanged */
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_NEW_LOGIN "\n"
	    "Short-pw9\n", "passwd", "--login", (char *)NULL), 1);
	assert_true(th_one_line(T.err));
	assert_non_null(strstr(T.err, "10 characters"));
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_NEW_CONFIRM "\n"
	    "Fresh-alice-pw1\n", "passwd", "--confirm", (char *)NULL), 1);
	assert_non_null(strstr(T.err, "user name"));
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);

	/* --confirm alone reads the current and new confirmation password */
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_NEW_CONFIRM "\n"
	    "Second-confirm-pw6\n", "passwd", "--confirm", (char *)NULL), 0);
	assert_int_equal(auth("pwconfirm", "alice", "Second-confirm-pw6"),
	    PAM_SUCCESS);
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_SUCCESS);

	/* after max_login_failures (3) wrong ones the login password locks */
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_WRONG "\n"
	    "Other-login-pw5\n", "passwd", "--login", (char *)NULL), 1);
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_WRONG "\n"
	    "Other-login-pw5\n", "passwd", "--login", (char *)NULL), 1);
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_WRONG "\n"
	    "Other-login-pw5\n", "passwd", "--login", (char *)NULL), 1);
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(th_client(&T, TH_UID_ALICE, PW_NEW_LOGIN "\n"
	    "Other-login-pw5\n", "passwd", "--login", (char *)NULL), 1);
	assert_true(th_one_line(T.err));
	assert_non_null(strstr(T.err, "locked"));
	/* the confirmation password is a separate factor */
	assert_true(th_field_is(&T, "alice", "confirm", "available"));
}

/* ==== expiry (rule 8), the daemon's clock shifted by libfaketime ==== */

static void
test_expiry_warning(void **state)
{
	time_t t0 = time(NULL); /* boss's passwords were set by init now */
	char today[16], exp[64];
	struct th_script s = { 0 };

	(void)state;
	/* defaults: 90 days, warning from 14 days before */
	assert_expires("boss", "login_expires", t0 + 90 * 86400);
	assert_expires("boss", "confirm_expires", t0 + 90 * 86400);

	/* 70 days on: 20 days left, no warning */
	restart_shifted(NULL, "+70d");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.infos, "");
	assert_string_equal(s.errors, "");

	/* 80 days on: 10 days left (the expiry date is 10 days ahead) */
	restart_shifted(NULL, "+80d");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	field_str("boss", "login_expires", exp, sizeof(exp));
	date_of(t0 + 80 * 86400, today, sizeof(today));
	assert_int_equal(days_between(today, exp), 10);
	assert_string_equal(s.infos, "Your login password expires in 10 days.");
	/* the warning does not stop a login */
	{
		const char *const a[] = { TH_PW_BOSS_LOGIN, NULL };
		struct pam_testcase tc[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		};

		s.answers = a;
		PAM_RUN("pwlogin", "boss", &s, tc);
		assert_string_equal(s.infos,
		    "Your login password expires in 10 days.");
	}

	/* 89 days on: one day */
	restart_shifted(NULL, "+89d");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.infos, "Your login password expires in 1 day.");
}

static void
test_expired_flow(void **state)
{
	time_t t0 = time(NULL);
	const char *const wrong[] = { PW_WRONG, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_BOSS_CONFIRM, PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	const char *const a[] = { TH_PW_BOSS_LOGIN,
		TH_PW_BOSS_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_BOSS_CONFIRM, PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct th_script s = { 0 };

	(void)state;
	/* 91 days on: both passwords (90 days each) have expired */
	restart_shifted(NULL, "+91d");
	assert_int_equal(account("pwtest", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors,
	    "Your login password has expired and must be changed now.");
	/* status still shows the date it expired */
	assert_expires("boss", "login_expires", t0 + 90 * 86400);
	/* the change needs the current password: a wrong one is counted */
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_AUTHTOK_RECOVERY_ERR, wrong, &s),
	    PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 1);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);

	/* login's sequence: both expired, so both change, login first */
	s.answers = a;
	PAM_RUN("pwlogin", "boss", &s, tc);
	assert_string_equal(s.prompts, "Password: \n"
	    "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: \n"
	    "Current confirmation password: \n"
	    "New confirmation password: \n"
	    "Retype new confirmation password: ");
	assert_string_equal(s.infos, "");
	/* the clocks restarted at the (shifted) time of the change */
	assert_expires("boss", "login_expires", t0 + (91 + 90) * 86400);
	assert_expires("boss", "confirm_expires", t0 + (91 + 90) * 86400);
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", PW_NEW_CONFIRM), PAM_SUCCESS);
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.infos, "");
}

#define AGES "login_max_age_days = 90\nconfirm_max_age_days = 120\n"
#define AGES_NEVER "login_max_age_days = 90\nconfirm_max_age_days = 0\n"

static int
setup_ages(void **state)
{
	(void)state;
	return th_start_seeded(&T, AGES);
}

static void
test_expiry_per_factor(void **state)
{
	time_t t0 = time(NULL);
	const char *const login3[] = { TH_PW_BOSS_LOGIN, PW_NEW_LOGIN,
		PW_NEW_LOGIN, NULL };
	const char *const confirm3[] = { TH_PW_BOSS_CONFIRM, PW_NEW_CONFIRM,
		PW_NEW_CONFIRM, NULL };
	char v[64];
	struct th_script s = { 0 };

	(void)state;
	assert_expires("boss", "login_expires", t0 + 90 * 86400);
	assert_expires("boss", "confirm_expires", t0 + 120 * 86400);

	/* day 100: the login password expired, the confirmation one not */
	restart_shifted(AGES, "+100d");
	assert_int_equal(account("pwtest", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors,
	    "Your login password has expired and must be changed now.");
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_SUCCESS, login3, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: ");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.infos, ""); /* confirmation: 20 days left */
	assert_expires("boss", "login_expires", t0 + (100 + 90) * 86400);

	/* day 110: the confirmation password warns */
	restart_shifted(AGES, "+110d");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.infos,
	    "Your confirmation password expires in 10 days.");

	/* day 121: it expired; the change asks for it alone */
	restart_shifted(AGES, "+121d");
	assert_int_equal(account("pwtest", "boss", PAM_NEW_AUTHTOK_REQD, &s),
	    PAM_NEW_AUTHTOK_REQD);
	assert_string_equal(s.errors,
	    "Your confirmation password has expired and must be changed now.");
	assert_int_equal(th_pam_one("pwlogin", "boss", PAMTEST_CHAUTHTOK,
	    PAM_CHANGE_EXPIRED_AUTHTOK, PAM_SUCCESS, confirm3, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, "Current confirmation password: \n"
	    "New confirmation password: \n"
	    "Retype new confirmation password: ");
	assert_int_equal(account("pwtest", "boss", PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", PW_NEW_CONFIRM), PAM_SUCCESS);

	/* 0 = never: no expiry date */
	restart_shifted(AGES_NEVER, "+121d");
	field_str("boss", "confirm_expires", v, sizeof(v));
	assert_string_equal(v, "null");
}

/* ==== conf/pam.d examples ==== */

static void
assert_example(int i)
{
	if (!example_read[i])
		fail_msg("conf/pam.d/%s could not be read", examples[i]);
}

static void
test_conf_sudo(void **state)
{
	const char *const confirm[] = { TH_PW_BOSS_CONFIRM, NULL };
	const char *const login[] = { TH_PW_BOSS_LOGIN, NULL };
	const char *const any[] = { "Root-unix-pw1", NULL };
	/* sudo by alice, whose passwords must change (useradd) */
	const char *const alice[] = { TH_PW_ALICE_CONFIRM,
		TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_ALICE_CONFIRM, PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	struct pam_testcase sudo[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct pam_testcase forced[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct th_script s = { 0 };

	(void)state;
	assert_example(0);
	/* the step-up: the confirmation password, its own prompt */
	s.answers = confirm;
	PAM_RUN("ex-sudo", "boss", &s, sudo);
	assert_string_equal(s.prompts, "Confirmation password: ");
	/* the login password does not do, and counts for confirmation */
	assert_int_equal(th_pam_one("ex-sudo", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, login, &s), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 1);
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
	/* a must-change account changes before the command, as sudo does */
	s.answers = alice;
	PAM_RUN("ex-sudo", "alice", &s, forced);
	assert_must_change("alice", "");
	/* not in the store: only root goes on (pam_unix, here pam_permit) */
	assert_int_equal(th_pam_one("ex-sudo", "bob", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, any, &s), PAM_AUTH_ERR);
	s.answers = any;
	PAM_RUN("ex-sudo", "root", &s, sudo);

	/* the daemon down: root keeps its way in, nobody else gets one */
	assert_int_equal(th_daemon_stop(&T), 0);
	s.answers = any;
	PAM_RUN("ex-sudo", "root", &s, sudo);
	assert_int_equal(th_pam_one("ex-sudo", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, confirm, &s), PAM_AUTH_ERR);
	assert_int_equal(th_pam_one("ex-sudo", "boss", PAMTEST_ACCOUNT, 0,
	    PAM_AUTH_ERR, NULL, &s), PAM_AUTH_ERR);
}

static void
test_conf_passwd(void **state)
{
	/* the plain libpamtest conversation, as `passwd' would be driven */
	const char *in[] = { TH_PW_BOSS_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = in };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS),
	};
	/* what root types for pwadmin's prompts, then pam_unix's (none here) */
	const char *const root[] = { "Unix-admin-pw1", "Unix-admin-pw2",
		"Unix-admin-pw2", NULL };
	/* a Unix password pwadmin's rules would refuse: not pwadmin's business */
	const char *const weak[] = { "toor", "toor", "toor", NULL };
	struct th_script s = { 0 };

	(void)state;
	assert_example(1);
	assert_int_equal(run_pamtest("ex-passwd", "boss", &conv, tc, NULL),
	    PAMTEST_ERR_OK);
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
	assert_int_equal(auth("pwconfirm", "boss", TH_PW_BOSS_CONFIRM),
	    PAM_SUCCESS);
	/* refusals stop at the module: wrong current, quality */
	assert_int_equal(change("ex-passwd", "boss", PW_WRONG, "Other-login-pw5",
	    PAM_AUTHTOK_RECOVERY_ERR, &s), PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(change("ex-passwd", "boss", PW_NEW_LOGIN, "short-1",
	    PAM_AUTHTOK_ERR, &s), PAM_AUTHTOK_ERR);
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
	/* root, not in the store, goes on to pam_unix (here pam_permit) */
	assert_int_equal(th_pam_one("ex-passwd", "root", PAMTEST_CHAUTHTOK, 0,
	    PAM_SUCCESS, root, &s), PAM_SUCCESS);
	assert_int_equal(th_pam_one("ex-passwd", "root", PAMTEST_CHAUTHTOK, 0,
	    PAM_SUCCESS, weak, &s), PAM_SUCCESS);

	/* the daemon down: root still may, a store account may not */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_pam_one("ex-passwd", "root", PAMTEST_CHAUTHTOK, 0,
	    PAM_SUCCESS, root, &s), PAM_SUCCESS);
	assert_int_not_equal(change("ex-passwd", "boss", PW_NEW_LOGIN,
	    "Other-login-pw5", PAM_AUTH_ERR, &s), PAM_SUCCESS);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_int_equal(auth("pwtest", "boss", PW_NEW_LOGIN), PAM_SUCCESS);
}

static void
test_conf_login(void **state)
{
	const char *const alice[] = { TH_PW_ALICE_LOGIN,
		TH_PW_ALICE_LOGIN, PW_NEW_LOGIN, PW_NEW_LOGIN,
		TH_PW_ALICE_CONFIRM, PW_NEW_CONFIRM, PW_NEW_CONFIRM, NULL };
	const char *const boss[] = { TH_PW_BOSS_LOGIN, NULL };
	const char *const wrong[] = { PW_WRONG, NULL };
	const char *const any[] = { "Root-unix-pw1", NULL };
	/* login(1): authenticate, account, the forced change, credentials */
	struct pam_testcase forced[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD),
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    PAM_CHANGE_EXPIRED_AUTHTOK),
		pam_test_flags(PAMTEST_SETCRED, PAM_SUCCESS, PAM_ESTABLISH_CRED),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct pam_testcase plain[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test_flags(PAMTEST_SETCRED, PAM_SUCCESS, PAM_ESTABLISH_CRED),
	};
	struct th_script s = { 0 };

	(void)state;
	assert_example(2);
	s.answers = alice;
	PAM_RUN("ex-login", "alice", &s, forced);
	assert_string_equal(s.prompts, "Password: \n"
	    "Current login password: \n"
	    "New login password: \n"
	    "Retype new login password: \n"
	    "Current confirmation password: \n"
	    "New confirmation password: \n"
	    "Retype new confirmation password: ");
	assert_must_change("alice", "");
	s.answers = boss;
	PAM_RUN("ex-login", "boss", &s, plain);
	assert_int_equal(th_pam_one("ex-login", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, wrong, &s), PAM_AUTH_ERR);
	/* a suspended account is refused by the account lines */
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	assert_int_equal(th_pam_one("ex-login", "alice", PAMTEST_ACCOUNT, 0,
	    PAM_PERM_DENIED, NULL, &s), PAM_PERM_DENIED);

	/* the daemon down: root's console login, and nobody else's */
	assert_int_equal(th_daemon_stop(&T), 0);
	s.answers = any;
	PAM_RUN("ex-login", "root", &s, plain);
	assert_int_equal(th_pam_one("ex-login", "boss", PAMTEST_AUTHENTICATE, 0,
	    PAM_AUTH_ERR, boss, &s), PAM_AUTH_ERR);
}

/* The PAM return names a [value=action] control may use (pam.conf(5)). */
static const char *const pam_values[] = { "success", "open_err", "symbol_err",
	"service_err", "system_err", "buf_err", "perm_denied", "auth_err",
	"cred_insufficient", "authinfo_unavail", "user_unknown", "maxtries",
	"new_authtok_reqd", "acct_expired", "session_err", "cred_unavail",
	"cred_expired", "cred_err", "no_module_data", "conv_err",
	"authtok_err", "authtok_recover_err", "authtok_lock_busy",
	"authtok_disable_aging", "try_again", "ignore", "abort",
	"authtok_expired", "module_unknown", "bad_item", "conv_again",
	"incomplete", "default", NULL };

static bool
in_list(const char *const *list, const char *w, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(*list, w, n) == 0)
			return true;
	return false;
}

/* One line of an example: type, control, module; why it is wrong, or NULL. */
static const char *
lint_line(char *line, char *why, size_t whysz)
{
	static const char *const types[] = { "auth", "account", "password",
		"session", NULL };
	static const char *const simple[] = { "required", "requisite",
		"sufficient", "optional", NULL };
	static const char *const actions[] = { "ignore", "bad", "die", "ok",
		"done", "reset", NULL };
	static const char *const args[] = { "factor=login", "factor=confirm",
		"use_first_pass", "try_first_pass", "debug", "otp", NULL };
	char *p = line, *end, *item, *eq, path[PATH_MAX];
	size_t n;

	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	if (!in_list(types, p + (*p == '-'), n - (*p == '-')))
		return "not a module type";
	p += n;
	p += strspn(p, " \t");
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			return "unclosed [";
		*end = '\0';
		/* value=action items separated by blanks */
		for (item = p + 1; *(item += strspn(item, " \t")) != '\0';
		    item += n) {
			n = strcspn(item, " \t");
			eq = memchr(item, '=', n);
			if (eq == NULL ||
			    !in_list(pam_values, item, (size_t)(eq - item))) {
				snprintf(why, whysz, "bad value in %.*s", (int)n,
				    item);
				return why;
			}
			if (!in_list(actions, eq + 1, n - (size_t)(eq + 1 - item)) &&
			    strspn(eq + 1, "0123456789") !=
			    n - (size_t)(eq + 1 - item)) {
				snprintf(why, whysz, "bad action in %.*s", (int)n,
				    item);
				return why;
			}
		}
		p = end + 1;
	} else {
		n = strcspn(p, " \t");
		if (!in_list(simple, p, n))
			return "not a control";
		p += n;
	}
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	if (n < 4 || strncmp(p + n - 3, ".so", 3) != 0)
		return "no module";
	if (strncmp(p, "pam_pwadmin.so", n) == 0) {
		/* every argument is one the module knows */
		for (p += n; *(p += strspn(p, " \t")) != '\0'; p += n) {
			n = strcspn(p, " \t");
			if (!in_list(args, p, n) && strncmp(p, "socket=/", 8) != 0 &&
			    strncmp(p, "daemon_user=", 12) != 0 &&
			    strncmp(p, "timeout=", 8) != 0) {
				snprintf(why, whysz, "unknown argument %.*s",
				    (int)n, p);
				return why;
			}
		}
		return NULL;
	}
	snprintf(path, sizeof(path), "/lib/x86_64-linux-gnu/security/%.*s",
	    (int)n, p);
	if (access(path, R_OK) != 0) {
		snprintf(why, whysz, "no module %s", path);
		return why;
	}
	return NULL;
}

static void
test_conf_examples_syntax(void **state)
{
	char text[16384], why[256], *line, *nl;
	const char *bad;
	int i, lineno;

	(void)state;
	for (i = 0; i < NEXAMPLES; i++) {
		assert_example(i);
		snprintf(text, sizeof(text), "%s", example_raw[i]);
		for (line = text, lineno = 1; line != NULL;
		    line = nl != NULL ? nl + 1 : NULL, lineno++) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl = '\0';
			if (line[strspn(line, " \t")] == '#' ||
			    line[strspn(line, " \t")] == '\0')
				continue;
			if ((bad = lint_line(line, why, sizeof(why))) != NULL)
				fail_msg("conf/pam.d/%s:%d: %s", examples[i],
				    lineno, bad);
		}
	}
	/* each does what its name says */
	assert_non_null(strstr(example_raw[0],
	    "\nauth      [success=done authinfo_unavail=ignore "
	    "user_unknown=ignore default=die] pam_pwadmin.so factor=confirm\n"));
	assert_non_null(strstr(example_raw[1], "\npassword "));
	assert_null(strstr(example_raw[1], "\nauth "));
	assert_non_null(strstr(example_raw[2], "\nauth "));
	assert_non_null(strstr(example_raw[2], "\naccount "));
	assert_non_null(strstr(example_raw[2], "\npassword "));
	/* root's way in: uid 0 past every pam_pwadmin line */
	for (i = 0; i < NEXAMPLES; i++)
		assert_non_null(strstr(example_raw[i],
		    "requisite  pam_succeed_if.so uid eq 0 quiet"));
}

/* ==== main ==== */

/* Replaces every `from' in text by `to'. */
static void
replace_all(char *text, size_t sz, const char *from, const char *to)
{
	char *at = strstr(text, from), *rest;
	size_t nto = strlen(to);

	while (at != NULL) {
		if ((rest = strdup(at + strlen(from))) == NULL)
			abort();
		snprintf(at, sz - (size_t)(at - text), "%s%s", to, rest);
		free(rest);
		at = strstr(at + nto, from);
	}
}

/*
 * The examples as they ship, except: the module is the one just built and
 * talks to the test daemon; pam_unix.so, which stands for the host's own
 * password (root's, whose real one a test must never type) and account
 * checks (nss_wrapper's fake users have no shadow entry), is pam_permit.so.
 */
static void
load_examples(void)
{
	char exe[PATH_MAX], root[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t got;
	FILE *f;
	int i;

	if (n < 0)
		return;
	exe[n] = '\0';
	/* BUILD/itest/test_passwd -> the source tree */
	snprintf(root, sizeof(root), "%s", dirname(dirname(dirname(exe))));
	for (i = 0; i < NEXAMPLES; i++) {
		snprintf(path, sizeof(path), "%s/conf/pam.d/%s", root,
		    examples[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		got = fread(example_raw[i], 1, sizeof(example_raw[i]) - 1, f);
		example_raw[i][got] = '\0';
		example_read[i] = ferror(f) == 0 && got > 0;
		fclose(f);
		snprintf(example_svc[i], sizeof(example_svc[i]), "%s",
		    example_raw[i]);
		replace_all(example_svc[i], sizeof(example_svc[i]),
		    "pam_pwadmin.so", MOD);
		replace_all(example_svc[i], sizeof(example_svc[i]),
		    "pam_unix.so", "pam_permit.so");
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forced_change_login, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forced_change_confirm, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forced_change_both, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cannot_skip_change, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_current_counted,
		    setup_max3, teardown),
		cmocka_unit_test_setup_teardown(test_passwd_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prelim_routed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prelim_then_daemon_gone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_prelim_refusal_said_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_quality_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_locked_factor_before_prompts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stepup_confirm, setup_max3,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_passwd, setup_max3,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expiry_warning, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expired_flow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expiry_per_factor,
		    setup_ages, teardown),
		cmocka_unit_test_setup_teardown(test_conf_sudo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_passwd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_login, setup, teardown),
		cmocka_unit_test(test_conf_examples_syntax),
	};
	int rc;

	load_examples();
	th_init_files(&T, argc, argv, services, files);
	rc = cmocka_run_group_tests_name("integration: password lifecycle",
	    tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
