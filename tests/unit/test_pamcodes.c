/* SPDX-License-Identifier: MIT */
/* pw_to_pam(): the whole table, every PW_ERR_* code in both phases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "../../pam_module/pamcodes.h"
#include "pwerr.h"

/* The expected codes (SPEC "PAM module"), written out independently. */
static const struct {
	int status;
	int auth;
	int acct;
	int passwd;
} want[] = {
	{ PW_OK, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS },
	{ PW_ERR_AUTH, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_RECOVERY_ERR },
	{ PW_ERR_LOCKED, PAM_MAXTRIES, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_NOUSER, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN },
	{ PW_ERR_SUSPENDED, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_PERM, PAM_PERM_DENIED, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_EXISTS, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_NOTEMPTY, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_QUALITY, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_LASTMASTER, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_CHANGE, PAM_AUTH_ERR, PAM_NEW_AUTHTOK_REQD, PAM_AUTHTOK_ERR },
	{ PW_ERR_INVAL, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_BUSY, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_TRY_AGAIN }, /* answered: refused */
	{ PW_ERR_TIMEOUT, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_PROTO, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_VERSION, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_TOOLONG, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_TRUNCATED, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_TRAILING, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_NUL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_NOSPACE, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_IO, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_CONNECT, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_UNTRUSTED, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_STORE, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_NOMEM, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_INTERNAL, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_CONFIRM, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_CONFIRM_LOCKED, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_AUDIT, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_HASH, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
	{ PW_ERR_READONLY, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL },
};

#define NWANT (sizeof(want) / sizeof(want[0]))

/* The table above covers every code from PW_OK down to PW_ERR_LAST once. */
static void
test_table_complete(void **state)
{
	int status;
	size_t i, hits;

	(void)state;
	assert_int_equal(NWANT, (size_t)(-PW_ERR_LAST) + 1);
	for (status = PW_OK; status >= PW_ERR_LAST; status--) {
		for (i = 0, hits = 0; i < NWANT; i++)
			hits += want[i].status == status;
		assert_int_equal(hits, 1);
	}
}

static void
test_auth(void **state)
{
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < NWANT; i++) {
		got = pw_to_pam(want[i].status, PW_PHASE_AUTH);
		if (got != want[i].auth)
			print_message("auth: status %d gave %d\n", want[i].status,
			    got);
		assert_int_equal(got, want[i].auth);
	}
}

static void
test_passwd(void **state)
{
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < NWANT; i++) {
		got = pw_to_pam(want[i].status, PW_PHASE_PASSWD);
		if (got != want[i].passwd)
			print_message("passwd: status %d gave %d\n",
			    want[i].status, got);
		assert_int_equal(got, want[i].passwd);
	}
}

static void
test_acct(void **state)
{
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < NWANT; i++) {
		got = pw_to_pam(want[i].status, PW_PHASE_ACCT);
		if (got != want[i].acct)
			print_message("acct: status %d gave %d\n", want[i].status,
			    got);
		assert_int_equal(got, want[i].acct);
	}
}

/* No error code, known or not, maps to PAM_SUCCESS in any phase. */
static void
test_never_success(void **state)
{
	int status, phase;

	(void)state;
	for (phase = -1; phase <= PW_PHASE_PASSWD + 1; phase++) {
		for (status = -1000; status <= 1000; status++) {
			if (status == PW_OK && (phase == PW_PHASE_AUTH ||
			    phase == PW_PHASE_ACCT || phase == PW_PHASE_PASSWD))
				continue;
			assert_int_not_equal(pw_to_pam(status, phase),
			    PAM_SUCCESS);
		}
	}
	assert_int_not_equal(pw_to_pam(INT32_MIN, PW_PHASE_AUTH), PAM_SUCCESS);
	assert_int_not_equal(pw_to_pam(INT32_MAX, PW_PHASE_ACCT), PAM_SUCCESS);
}

/* Codes past the table (a newer daemon) are denials, not unavailability. */
static void
test_unknown_codes(void **state)
{
	(void)state;
	assert_int_equal(pw_to_pam(PW_ERR_LAST - 1, PW_PHASE_AUTH), PAM_AUTH_ERR);
	assert_int_equal(pw_to_pam(PW_ERR_LAST - 1, PW_PHASE_ACCT),
	    PAM_PERM_DENIED);
	assert_int_equal(pw_to_pam(1, PW_PHASE_AUTH), PAM_AUTH_ERR);
	assert_int_equal(pw_to_pam(1, PW_PHASE_ACCT), PAM_PERM_DENIED);
	assert_int_equal(pw_to_pam(-100000, PW_PHASE_AUTH), PAM_AUTH_ERR);
	assert_int_equal(pw_to_pam(PW_ERR_LAST - 1, PW_PHASE_PASSWD),
	    PAM_AUTHTOK_ERR);
}

static void
test_bad_phase(void **state)
{
	(void)state;
	assert_int_equal(pw_to_pam(PW_OK, 0), PAM_SERVICE_ERR);
	assert_int_equal(pw_to_pam(PW_OK, 4), PAM_SERVICE_ERR);
	assert_int_equal(pw_to_pam(PW_OK, -1), PAM_SERVICE_ERR);
	assert_int_equal(pw_to_pam(PW_ERR_CONNECT, 0), PAM_SERVICE_ERR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_acct),
		cmocka_unit_test(test_passwd),
		cmocka_unit_test(test_never_success),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_bad_phase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
