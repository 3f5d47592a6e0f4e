/* SPDX-License-Identifier: MIT */
/*
 * One-time passwords (issue 6, SPEC rule 11 and the OTP parts of rules 1
 * and 4) through the real client, real PAM calls (libpamtest + pam_wrapper,
 * scripted conversations) and a real pwadmind per test: enrolment by the
 * account itself (`pwadmin --stdin otp enroll', driven as a conversation:
 * confirmation password, then the URI, then the activation code), the
 * second factor at login with the module argument `otp', the OTP counter
 * and its lock, `otp unlock' and `otp remove' and who may run them, replay,
 * the window edges (the daemon's clock shifted by libfaketime, never by a
 * switch in the product), the secrets at rest, and a missing or wrong key
 * file.
 *
 * Every code is computed by Debian's oathtool, an implementation
 * independent of the product's own.  Enrolment runs as the account's own
 * uid (a fake nss_wrapper user), so the tests need real root and skip
 * without it.
 */
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"
#include "th_otp.h"

static struct th T;

/* auth + account lines (harness.c): with and without the second factor */
static const char *const services[] = {
	"pwotp|socket=@DIR@/sock otp",
	"pwtest|socket=@DIR@/sock",
	NULL,
};

#define PW_CAROL_LOGIN	  "Admin-login-pw1"
#define PW_CAROL_CONFIRM  "Admin-confirm-pw2"
#define PW_BOB_LOGIN	  "Second-login-pw1"
#define PW_BOB_CONFIRM	  "Second-confirm-pw2"
#define PW_MAL_LOGIN	  "Peer-login-pw1"
#define PW_MAL_CONFIRM	  "Peer-confirm-pw2"
#define PW_WRONG	  "Wrong-guess-99"

#define PROMPT_PW  "Password: "
#define PROMPT_OTP "One-time password: "

/* The default max_otp_failures (SPEC rule 1). */
#define MAX_OTP 5

#define NEED_ROOT()                                                        \
	do {                                                               \
		if (!th_is_root())                                         \
			skip(); /* enrolment runs as the account's uid */  \
	} while (0)

/* ==== PAM and client helpers ==== */

/* A refusal by the client: exit 1 and one line on stderr saying why. */
static void
assert_refused(int rc)
{
	assert_true(th_exited(&T, rc, 1));
}

static void
assert_ok(int rc)
{
	assert_true(th_exited(&T, rc, 0));
}

/*
 * MAX_OTP wrong codes after the right password lock OTP: the failures are
 * counted one by one, the last says the lock, the password is untouched.
 */
static void
lock_otp(const char *user, const char *pw, const struct th_token *k)
{
	struct th_script s;
	char bad[16];
	int i;

	th_otp_wrong_code(k, th_otp_step(k), bad, sizeof(bad));
	for (i = 1; i < MAX_OTP; i++) {
		assert_int_equal(th_otp_login("pwotp", user, pw, bad, PAM_AUTH_ERR, &s),
		    PAM_AUTH_ERR);
		assert_int_equal(th_field(&T, user, "otp_failures"), i);
		assert_true(th_field_is(&T, user, "otp", "available"));
	}
	assert_int_equal(th_otp_login("pwotp", user, pw, bad, PAM_MAXTRIES, &s),
	    PAM_MAXTRIES);
	assert_non_null(strstr(s.errors, "locked"));
	assert_true(th_field_is(&T, user, "otp", "locked"));
	assert_int_equal(th_field(&T, user, "otp_failures"), MAX_OTP);
	assert_true(th_field_is(&T, user, "login", "available"));
	assert_int_equal(th_field(&T, user, "login_failures"), 0);
}

/* The cast: boss (master) and alice (user), then carol (admin), bob and
 * mallory (users), all added by root. */
static int
setup_cast(void **state)
{
	(void)state;
	if (th_start_seeded(&T, NULL) != 0)
		return -1;
	if (th_client(&T, 0, PW_CAROL_LOGIN "\n" PW_CAROL_CONFIRM "\n",
	    "useradd", "carol", "--role", "admin", (char *)NULL) != 0 ||
	    th_client(&T, 0, PW_BOB_LOGIN "\n" PW_BOB_CONFIRM "\n",
	    "useradd", "bob", "--role", "user", (char *)NULL) != 0 ||
	    th_client(&T, 0, PW_MAL_LOGIN "\n" PW_MAL_CONFIRM "\n",
	    "useradd", "mallory", "--role", "user", (char *)NULL) != 0) {
		fprintf(stderr, "seed: %s%s", T.out, T.err);
		th_daemon_stop(&T);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	return th_start_seeded(&T, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	/* some tests stop the daemon themselves */
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

/* ==== enrolment and login ==== */

/* Enrolment shows a TOTP URI for the account; its codes then log in. */
static void
test_enroll_and_login(void **state)
{
	struct th_token k;
	struct th_script s;
	char code[16], label[256];
	long long evaluated;
	const char *q;

	(void)state;
	NEED_ROOT();
	assert_true(th_field_is(&T, "alice", "otp", "none"));
	assert_ok(th_otp_enroll(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM, TH_ACT_RIGHT, &k));
	/* the URI: once on standard output, naming the account */
	assert_non_null(q = strstr(T.out, "otpauth://"));
	assert_null(strstr(q + 1, "otpauth://"));
	assert_null(strstr(T.err, k.secret));
	q = strchr(k.uri + 15, '?');
	snprintf(label, sizeof(label), "%.*s", (int)(q - (k.uri + 15)),
	    k.uri + 15);
	assert_non_null(strstr(label, "alice"));
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	/* at least 128 bits (RFC 4226 section 4; 160 recommended) */
	assert_true(k.rawlen >= 16);
	/* the confirmation password verified: its counter stays at 0 */
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 0);

	/* the activation used step k.step: the next one logs in */
	evaluated = th_stat(&T, "otp_evaluated");
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step + 1, code, sizeof(code)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW "\n" PROMPT_OTP);
	assert_int_equal(s.used, 2);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated + 1);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_true(th_field_is(&T, "alice", "otp", "available"));
}

/* No token: state none, and no one-time password is asked. */
static void
test_no_token_no_prompt(void **state)
{
	struct th_token k;
	struct th_script s;
	long long evaluated;

	(void)state;
	NEED_ROOT();
	assert_true(th_field_is(&T, "alice", "otp", "none"));
	assert_true(th_field_is(&T, "boss", "otp", "none"));
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	evaluated = th_stat(&T, "otp_evaluated");
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, NULL,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW);
	assert_false(s.ran_out);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated);

	/* a token, and a stack without `otp': the password alone */
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	evaluated = th_stat(&T, "otp_evaluated");
	assert_int_equal(th_otp_login("pwtest", "alice", TH_PW_ALICE_LOGIN, NULL,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated);
	/* boss, still without one, is not asked on the `otp' stack */
	assert_int_equal(th_otp_login("pwotp", "boss", TH_PW_BOSS_LOGIN, NULL,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW);
	assert_true(th_field_is(&T, "boss", "otp", "none"));
}

/*
 * A wrong code is refused and counted on the OTP counter only; a wrong
 * password never reaches the OTP prompt; a right code resets the count.
 */
static void
test_wrong_code_counted(void **state)
{
	struct th_token k;
	struct th_script s;
	char bad[16], code[16];
	long long evaluated;

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	th_otp_wrong_code(&k, k.step, bad, sizeof(bad));
	evaluated = th_stat(&T, "otp_evaluated");

	/* a wrong password: no OTP prompt, the login counter moves */
	assert_int_equal(th_otp_login("pwotp", "alice", PW_WRONG, bad, PAM_AUTH_ERR,
	    &s), PAM_AUTH_ERR);
	assert_string_equal(s.prompts, PROMPT_PW);
	assert_int_equal(s.used, 1);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated);

	/* the right password and a wrong code: the OTP counter moves */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, bad,
	    PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
	assert_string_equal(s.prompts, PROMPT_PW "\n" PROMPT_OTP);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated + 1);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, bad,
	    PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);

	/* a wrong password again does not touch the OTP counter */
	assert_int_equal(th_otp_login("pwotp", "alice", PW_WRONG, bad, PAM_AUTH_ERR,
	    &s), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);

	/* a right code resets the OTP counter (and the password's) */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step + 1, code, sizeof(code)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
}

/* MAX_OTP wrong codes lock OTP; then even a right code is not evaluated. */
static void
test_lock_after_n(void **state)
{
	struct th_token k;
	struct th_script s;
	char code[16];
	long long evaluated;

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	evaluated = th_stat(&T, "otp_evaluated");
	lock_otp("alice", TH_PW_ALICE_LOGIN, &k);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated + MAX_OTP);

	/* the right code of an unused step: refused, not evaluated */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step + 1, code, sizeof(code)), PAM_MAXTRIES, &s),
	    PAM_MAXTRIES);
	assert_non_null(strstr(s.errors, "locked"));
	assert_non_null(strstr(s.errors, "admin"));
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated + MAX_OTP);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), MAX_OTP);
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
	/* the passwords are separate factors, still available */
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_true(th_field_is(&T, "alice", "confirm", "available"));
	/* a lock never expires: still locked 30 days later (the daemon's
	 * clock), even for that day's right code */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start_shifted(&T, NULL, true, "+30d"), 0);
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
	evaluated = th_stat(&T, "otp_evaluated");
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, th_otp_step_at(&k, time(NULL) + 30 * 86400), code,
	    sizeof(code)), PAM_MAXTRIES, &s), PAM_MAXTRIES);
	assert_int_equal(th_stat(&T, "otp_evaluated"), evaluated);
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
}

/* Root lifts an OTP lock with `otp unlock'; `unlock' alone does not. */
static void
test_unlock_by_root(void **state)
{
	struct th_token k;
	struct th_script s;
	char code[16];

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	lock_otp("alice", TH_PW_ALICE_LOGIN, &k);
	/* the password unlock is another operation (SPEC rule 4) */
	(void)th_client(&T, 0, "", "unlock", "alice", (char *)NULL);
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
	/* recovery: root needs no confirmation password */
	assert_ok(th_client(&T, 0, "", "otp", "unlock", "alice", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	/* the same token logs in again */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step + 1, code, sizeof(code)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW "\n" PROMPT_OTP);
}

/*
 * `otp unlock' by others: the actor's confirmation password, admins never
 * on masters, nobody on themselves, several accounts all or nothing, and
 * --all: every locked account the actor may act on but its own.
 */
static void
test_unlock_admin_rules(void **state)
{
	struct th_token ka, kb, kc, km, kboss;

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &ka);
	th_otp_enroll_ok(&T, TH_UID_BOB, "bob", PW_BOB_CONFIRM, &kb);
	th_otp_enroll_ok(&T, TH_UID_CAROL, "carol", PW_CAROL_CONFIRM, &kc);
	th_otp_enroll_ok(&T, TH_UID_MALLORY, "mallory", PW_MAL_CONFIRM, &km);
	th_otp_enroll_ok(&T, TH_UID_BOSS, "boss", TH_PW_BOSS_CONFIRM, &kboss);
	lock_otp("alice", TH_PW_ALICE_LOGIN, &ka);
	lock_otp("bob", PW_BOB_LOGIN, &kb);
	lock_otp("carol", PW_CAROL_LOGIN, &kc);
	lock_otp("mallory", PW_MAL_LOGIN, &km);
	lock_otp("boss", TH_PW_BOSS_LOGIN, &kboss);

	/* a user may not */
	assert_refused(th_client(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM "\n",
	    "otp", "unlock", "bob", (char *)NULL));
	assert_true(th_field_is(&T, "bob", "otp", "locked"));
	/* a wrong confirmation password is refused and counted */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_WRONG "\n", "otp",
	    "unlock", "alice", (char *)NULL));
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 1);
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
	/* an admin never on a master */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "unlock", "boss", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "otp", "locked"));
	/* all or nothing: one refused target refuses the others too */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "unlock", "alice", "boss", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "otp", "locked"));
	assert_true(th_field_is(&T, "boss", "otp", "locked"));
	/* nobody on their own account */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "unlock", "carol", (char *)NULL));
	assert_true(th_field_is(&T, "carol", "otp", "locked"));

	/* several at once */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "unlock", "alice", "bob", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	assert_true(th_field_is(&T, "bob", "otp", "available"));
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_int_equal(th_field(&T, "bob", "otp_failures"), 0);
	/* --all: mallory; never carol herself, never the master */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "unlock", "--all", (char *)NULL));
	assert_true(th_field_is(&T, "mallory", "otp", "available"));
	assert_int_equal(th_field(&T, "mallory", "otp_failures"), 0);
	assert_true(th_field_is(&T, "carol", "otp", "locked"));
	assert_true(th_field_is(&T, "boss", "otp", "locked"));
	/* a master may act on the admin; root on the master */
	assert_ok(th_client(&T, TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n", "otp",
	    "unlock", "carol", (char *)NULL));
	assert_true(th_field_is(&T, "carol", "otp", "available"));
	assert_ok(th_client(&T, 0, "", "otp", "unlock", "--all", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "otp", "available"));
	assert_int_equal(th_field(&T, "boss", "otp_failures"), 0);
	/* the passwords were never involved */
	assert_true(th_field_is(&T, "carol", "confirm", "available"));
}

/* ==== replay and window ==== */

/* Each step is accepted once: the same code again, or an older step, no. */
static void
test_replay(void **state)
{
	struct th_token k;
	struct th_script s;
	char code[16], act[16];
	long long replayed;

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	replayed = th_stat(&T, "otp_replayed");
	assert_true(replayed >= 0);

	/* the activation used its step up */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step, act, sizeof(act)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed + 1);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);

	/* a fresh step is accepted once */
	th_otp_code_at(&k, k.step + 1, code, sizeof(code));
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, code,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed + 1);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, code,
	    PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed + 2);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
	/* an older step than the last accepted one, still in the window */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, act,
	    PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed + 3);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);
}

/* The daemon's clock ahead by this much (a whole number of steps). */
#define SHIFT_S	  3600
#define SHIFT_STR "+3600"

/*
 * Enrols alice, then restarts the daemon on the same store with its clock
 * SHIFT_S ahead (libfaketime) and `extra' config lines, so that no step
 * near the daemon's now has been used.
 */
static void
enroll_then_shift(struct th_token *k, const char *extra)
{
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, k);
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start_shifted(&T, extra, true, SHIFT_STR),
	    0);
	assert_true(th_field_is(&T, "alice", "otp", "available"));
}

/* otp_window = 1 (default): one step either side, not two. */
static void
test_window_edges(void **state)
{
	struct th_token k;
	struct th_script s;
	char c[16];
	long long now, replayed;

	(void)state;
	NEED_ROOT();
	enroll_then_shift(&k, NULL);
	replayed = th_stat(&T, "otp_replayed");
	th_otp_fresh_step(8);
	now = th_otp_step_at(&k, time(NULL) + SHIFT_S); /* the daemon's step */

	/* two steps away: refused (a wrong code, not a replay) */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now - 2, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now + 2, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed);

	/* the previous step, then the next */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now - 1, c, sizeof(c)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now + 1, c, sizeof(c)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
	/* now the current step is older than the last one used */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_stat(&T, "otp_replayed"), replayed + 1);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
	/* the step two ahead is still too far */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now + 2, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);
}

/* otp_window = 0: the current step only. */
static void
test_window_zero(void **state)
{
	struct th_token k;
	struct th_script s;
	char c[16];
	long long now;

	(void)state;
	NEED_ROOT();
	enroll_then_shift(&k, "otp_window = 0");
	th_otp_fresh_step(8);
	now = th_otp_step_at(&k, time(NULL) + SHIFT_S);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now - 1, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now + 1, c, sizeof(c)), PAM_AUTH_ERR, &s),
	    PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 2);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, now, c, sizeof(c)), PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
}

/* ==== enrolment refusals, remove ==== */

/*
 * A wrong activation code leaves no token; a wrong confirmation password
 * shows no URI and is counted; a new enrolment then works.
 */
static void
test_enroll_refusals(void **state)
{
	struct th_token k, k2;
	struct th_script s;

	(void)state;
	NEED_ROOT();
	assert_refused(th_otp_enroll(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM, TH_ACT_WRONG, &k));
	assert_true(k.secret[0] != '\0');
	assert_true(th_field_is(&T, "alice", "otp", "none"));
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, NULL,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW);

	/* the confirmation password first: no URI without it */
	assert_refused(th_otp_enroll(&T, TH_UID_ALICE, PW_WRONG, TH_ACT_RIGHT, &k2));
	assert_true(k2.secret[0] == '\0');
	assert_null(strstr(T.out, "otpauth://"));
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 1);
	assert_true(th_field_is(&T, "alice", "otp", "none"));

	/* a new enrolment: a new secret, activated */
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k2);
	assert_string_not_equal(k.secret, k2.secret);
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 0);
}

/* An active token is not replaced by a new enrolment. */
static void
test_enroll_over_active(void **state)
{
	struct th_token k, k2;
	struct th_script s;
	char code[16];
	int rc;

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	rc = th_otp_enroll(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM, TH_ACT_RIGHT, &k2);
	assert_refused(rc);
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	/* the first token still logs in */
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(&k, k.step + 1, code, sizeof(code)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
}

/* `otp remove': who may, and enrolling again afterwards. */
static void
test_remove_and_reenroll(void **state)
{
	struct th_token k, k2, kb, kc;
	struct th_script s;
	char c1[16], c2[16];

	(void)state;
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	th_otp_enroll_ok(&T, TH_UID_BOSS, "boss", TH_PW_BOSS_CONFIRM, &kb);
	th_otp_enroll_ok(&T, TH_UID_CAROL, "carol", PW_CAROL_CONFIRM, &kc);

	/* refusals: a user, a wrong confirmation, an admin on a master, self */
	assert_refused(th_client(&T, TH_UID_BOB, PW_BOB_CONFIRM "\n", "otp",
	    "remove", "alice", (char *)NULL));
	assert_refused(th_client(&T, TH_UID_CAROL, PW_WRONG "\n", "otp",
	    "remove", "alice", (char *)NULL));
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 1);
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "remove", "boss", (char *)NULL));
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "remove", "carol", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "otp", "available"));
	assert_true(th_field_is(&T, "boss", "otp", "available"));
	assert_true(th_field_is(&T, "carol", "otp", "available"));

	/* an admin removes a user's token: no OTP prompt any more */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "otp",
	    "remove", "alice", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "otp", "none"));
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, NULL,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW);
	/* root removes the master's */
	assert_ok(th_client(&T, 0, "", "otp", "remove", "boss", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "otp", "none"));

	/* enrolling again: a new secret; the old one's codes are refused */
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k2);
	assert_string_not_equal(k.secret, k2.secret);
	th_otp_code_at(&k, k2.step + 1, c1, sizeof(c1));
	th_otp_code_at(&k2, k2.step + 1, c2, sizeof(c2));
	if (strcmp(c1, c2) != 0) {
		assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, c1,
		    PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
		assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
	}
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN, c2,
	    PAM_SUCCESS, &s), PAM_SUCCESS);
	assert_string_equal(s.prompts, PROMPT_PW "\n" PROMPT_OTP);
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 0);
}

/* ==== at rest: the store and the key file ==== */

/* True when the file at path (mapped whole) contains needle. */
static bool
file_holds(const char *path, const void *needle, size_t n)
{
	struct stat st;
	void *map;
	bool r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		close(fd);
		return false;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	r = memmem(map, (size_t)st.st_size, needle, n) != NULL;
	munmap(map, (size_t)st.st_size);
	return r;
}

/* Says (and returns true) when path holds k's secret in some plain form. */
static bool
holds_secret(const char *path, const struct th_token *k)
{
	static const char hex[] = "0123456789abcdef";
	char lower[256], upper[256], hexl[257], hexu[257];
	size_t i, n = strlen(k->secret);
	bool r;

	for (i = 0; i <= n; i++) {
		lower[i] = (char)tolower((unsigned char)k->secret[i]);
		upper[i] = (char)toupper((unsigned char)k->secret[i]);
	}
	for (i = 0; i < k->rawlen && 2 * i + 1 < sizeof(hexl); i++) {
		hexl[2 * i] = hex[k->raw[i] >> 4];
		hexl[2 * i + 1] = hex[k->raw[i] & 15];
	}
	hexl[2 * i] = '\0';
	for (i = 0; hexl[i] != '\0'; i++)
		hexu[i] = (char)toupper((unsigned char)hexl[i]);
	hexu[i] = '\0';
	r = file_holds(path, upper, n) || file_holds(path, lower, n) ||
	    file_holds(path, k->raw, k->rawlen) ||
	    file_holds(path, hexl, strlen(hexl)) ||
	    file_holds(path, hexu, strlen(hexu));
	if (r)
		fprintf(stderr, "%s holds the plain secret %s\n", path,
		    k->secret);
	return r;
}

/*
 * The store never holds a plain secret: data.mdb (and every other file of
 * the state dir but the key) scanned for the base32, the raw bytes and
 * their hex; the daemon's log neither.  The key file is 0600.
 */
static void
test_store_no_plain_secret(void **state)
{
	struct th_token ka, kb, kp;
	char path[PATH_MAX + 300];
	struct dirent *de;
	struct stat st;
	int files = 0;
	DIR *d;

	(void)state;
	th_lmdb_only(&T, "reads the LMDB file");
	NEED_ROOT();
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &ka);
	th_otp_enroll_ok(&T, TH_UID_BOSS, "boss", TH_PW_BOSS_CONFIRM, &kb);
	/* a pending token (a wrong activation code keeps it) is sealed too */
	assert_refused(th_otp_enroll(&T, TH_UID_BOB, PW_BOB_CONFIRM, TH_ACT_WRONG, &kp));
	assert_true(kp.secret[0] != '\0');
	assert_int_equal(th_daemon_stop(&T), 0);

	snprintf(path, sizeof(path), "%s/data.mdb", T.state);
	assert_int_equal(stat(path, &st), 0);
	assert_false(holds_secret(path, &ka));
	assert_false(holds_secret(path, &kb));
	assert_false(holds_secret(path, &kp));
	assert_false(holds_secret(T.log, &ka));
	assert_false(holds_secret(T.log, &kb));
	assert_false(holds_secret(T.log, &kp));

	snprintf(path, sizeof(path), "%s/secret.key", T.state);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);

	assert_non_null(d = opendir(T.state));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "secret.key") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", T.state, de->d_name);
		assert_false(holds_secret(path, &ka));
		assert_false(holds_secret(path, &kb));
		assert_false(holds_secret(path, &kp));
		files++;
	}
	closedir(d);
	assert_true(files >= 1);
}

/*
 * A store with one alice token and its key, enrolled and stopped; saves
 * the key into key[] (its size into *keylen).
 */
static void
enroll_and_stop(struct th_token *k, uint8_t *key, size_t keysz, size_t *keylen)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, k);
	assert_int_equal(th_daemon_stop(&T), 0);
	snprintf(path, sizeof(path), "%s/secret.key", T.state);
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	n = read(fd, key, keysz);
	close(fd);
	assert_true(n > 0);
	*keylen = (size_t)n;
}

/* Starts the daemon on the kept store; asserts it refuses, and clearly. */
static void
assert_start_refused(const char *why)
{
	char buf[16384];
	size_t got;
	FILE *f;
	int i, st;

	/* only this attempt in the log */
	assert_int_equal(truncate(T.log, 0), 0);
	if (th_daemon_start(&T, NULL, true) == 0) {
		/*
		 * It listens before it reads the key, so the harness's probe
		 * may connect (into the backlog) before it exits: give it 3 s
		 * to exit on its own.
		 */
		for (i = 0; i < 300 && waitpid(T.daemon, &st, WNOHANG) == 0; i++)
			usleep(10000);
		if (i == 300) {
			th_daemon_kill(&T);
			fail_msg("pwadmind started with %s", why);
		}
		T.daemon = -1;
		T.daemon_status = st;
	}
	/* it exited on its own, with a failure status */
	assert_true(T.daemon_status != -1);
	assert_true(WIFEXITED(T.daemon_status));
	assert_int_not_equal(WEXITSTATUS(T.daemon_status), 0);
	assert_non_null(f = fopen(T.log, "r"));
	got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = '\0';
	fclose(f);
	/* the message names the key file */
	if (strstr(buf, "secret.key") == NULL)
		fail_msg("with %s the log does not name secret.key: %s", why,
		    buf);
}

/* The right key back: the daemon starts and the token still works. */
static void
restore_key(const struct th_token *k, const uint8_t *key, size_t keylen)
{
	struct th_script s;
	char path[PATH_MAX + 32], code[16];
	int fd;

	snprintf(path, sizeof(path), "%s/secret.key", T.state);
	(void)unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0);
	assert_int_equal(write(fd, key, keylen), (ssize_t)keylen);
	close(fd);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_int_equal(th_otp_login("pwotp", "alice", TH_PW_ALICE_LOGIN,
	    th_otp_code_at(k, k->step + 1, code, sizeof(code)), PAM_SUCCESS, &s),
	    PAM_SUCCESS);
}

/* A missing key file: a clear startup error, never a new key. */
static void
test_key_missing(void **state)
{
	struct th_token k;
	uint8_t key[256];
	size_t keylen;
	char path[PATH_MAX + 32];
	struct stat st;

	(void)state;
	NEED_ROOT();
	enroll_and_stop(&k, key, sizeof(key), &keylen);
	snprintf(path, sizeof(path), "%s/secret.key", T.state);
	assert_int_equal(unlink(path), 0);
	assert_start_refused("its key file missing");
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	restore_key(&k, key, keylen);
}

/* Another key of the same size: a clear startup error, key untouched. */
static void
test_key_wrong(void **state)
{
	struct th_token k;
	uint8_t key[256], other[256], now[256];
	size_t keylen;
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	(void)state;
	NEED_ROOT();
	enroll_and_stop(&k, key, sizeof(key), &keylen);
	assert_int_equal(keylen, 32);
	assert_int_equal(getrandom(other, keylen, 0), (ssize_t)keylen);
	snprintf(path, sizeof(path), "%s/secret.key", T.state);
	assert_true((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) >= 0);
	assert_int_equal(write(fd, other, keylen), (ssize_t)keylen);
	close(fd);
	assert_start_refused("another key");
	/* not replaced by a new one either */
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	n = read(fd, now, sizeof(now));
	close(fd);
	assert_int_equal(n, (ssize_t)keylen);
	assert_memory_equal(now, other, keylen);
	restore_key(&k, key, keylen);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enroll_and_login, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_token_no_prompt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_code_counted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_after_n, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unlock_by_root, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unlock_admin_rules,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_edges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_window_zero, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_enroll_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_enroll_over_active, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_reenroll,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_store_no_plain_secret,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_key_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_wrong, setup, teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests_name("integration: one-time passwords",
	    tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
